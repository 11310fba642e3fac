"""A client's "shall we …?" — «Может, запустим рекламу?» — proposes the work to the agency.

Sentences written for these tests (not taken from eval/corpus).  A question with a verb of
making in the first person plural («запустим», «сделаем», «будем делать») asks for the
service it names, like «давайте …»; the near misses: proposals to talk or look («обсудим?»,
«посмотрим?»), a negated one, a report in the past, a plan to do it themselves, and a
statement of the client's own plan.
"""

from __future__ import annotations

import pytest

from inscope.rules.lemmas import LEMMATIZER, WE
from inscope.rules.signals import analyse

PROPOSED = [
    ("Может, запустим рекламу в Директе к праздникам?", "ppc"),
    ("Запустим таргет во ВКонтакте на новую коллекцию?", "targeted"),
    ("Сделаем лендинг под осеннюю акцию?", "webdev"),
    ("А может, закажем у вас баннеры для маркетплейса?", "design"),
    ("Будем делать рассылку по базе в декабре?", "email"),
]

NOT_PROPOSED = [
    "Обсудим рекламу на созвоне в четверг?",
    "Посмотрим отчёт по рекламе вместе?",
    "Не будем пока запускать рекламу?",
    "Мы запустили рекламу в Директе, видели?",
    "Может, сами запустим рекламу в Директе?",
    "В пятницу мы запустим рекламу в Директе.",
]


@pytest.mark.parametrize(("text", "service"), PROPOSED)
def test_a_we_proposal_in_a_question_asks_for_the_service(text: str, service: str) -> None:
    s = analyse(text)
    assert s.request, text
    assert service in {k for k, _p in s.services}, (text, s.services)


@pytest.mark.parametrize("text", NOT_PROPOSED)
def test_talking_looking_negated_past_or_own_plans_ask_for_no_service(text: str) -> None:
    s = analyse(text)
    assert not s.services, (text, s.services)


def test_the_we_form_is_known_by_its_grammar() -> None:
    assert LEMMATIZER.analyse("запустим").flags & WE
    assert LEMMATIZER.analyse("будем").flags & WE
    assert not LEMMATIZER.analyse("запустили").flags & WE
    assert not LEMMATIZER.analyse("запустите").flags & WE
