"""Emergencies of the fifth round and their near misses (inscope.rules.emergency,
inscope.rules.notices, inscope.rules.lexicon, the relevance of a colleague's emergency).

Sentences written for these tests (not taken from eval/corpus): a fix told by one person
(«поправил»), the writer's own stop of the ads, customers unable to sign up or book, a
digest's count with its change, a domain named in an expiry, a weekday or weekend told
for when a failure happened, a fall for every query at once, the consequence of an «если»,
a part that works, someone else's site, a doubt whether a mail is phishing.
"""

from __future__ import annotations

import pytest

from inscope.model import MsgFacts
from inscope.rules.lexicon import PhraseSet, words_of
from inscope.rules.notices import SOON, expiry, mass_exclusion
from inscope.rules.signals import analyse
from inscope.rules.urgency import Entry, thread_urgency
from tests.helpers import URGENCY_NOW, team_rules, urgent_now

NOW = URGENCY_NOW


@pytest.mark.parametrize("text", [
    "Даша, на сайте с телефона всё разъехалось, покупатели не могут записаться на мастер-класс",
    "The booking page is broken since noon, customers can't book a table",
    "Сайт мертвый с утра, ничего не поменялось",
    "Our site is showing a certificate warning to every visitor",
    "Позиции просели по всем запросам за два дня",
    "Rankings dropped across the board this morning",
    "Гугл перестал показывать наш сайт по названию компании",
    "Sales crashed since the update on Tuesday",
    "Сайт упал, сейчас работает только главная",
])
def test_these_emergencies_break_through(text: str) -> None:
    assert urgent_now(text), text


@pytest.mark.parametrize("text", [
    "Я не могу записаться к стоматологу, перенесём созвон на завтра?",
    "Если сайт ляжет в распродажу, клиенты не смогут оплатить заказ — есть план?",
    "If the site goes down, customers can't book — what do we do then?",
    "Позиции по всем запросам стабильны, трафик ровный",
    "Positions look stable across the board",
    "В выходные сайт лежал пару часов, хостинг всё поднял",
    "Over the weekend the site went down for an hour, the host sorted it out",
    "В пятницу сайт был недоступен минут двадцать, сейчас всё ок",
    "Вчерашняя ошибка 502 больше не повторялась?",
    "Сайт падал минут на десять, сейчас открывается",
    "У соседнего магазина сайт взломали, нам стоит переживать?",
    "Forwarding a mail from the registrar — is it real or phishing?",
])
def test_their_near_misses_do_not(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


def test_a_fall_measured_over_the_weekend_still_counts() -> None:
    assert urgent_now("Трафик упал на 45% за выходные")


def test_a_fix_told_by_one_person_ends_it() -> None:
    report = Entry(False, NOW - 3600, analyse("Карта сайта открывается с ошибкой, посмотрите"), chasing=True)
    assert thread_urgency([report], NOW)
    for fix in ("Да, после релиза сбился путь, уже поправил", "Пофиксил, теперь отдаётся с кодом 200"):
        assert not thread_urgency([report, Entry(False, NOW - 1800, analyse(fix))], NOW), fix


@pytest.mark.parametrize(("text", "urgent"), [
    ("Я пока остановил объявления, лендинг отдаёт ошибку", False),
    ("I paused the campaigns until the landing page is fixed", False),
    ("Директ остановил все объявления, пишет что сайт недоступен", True),
    ("Кампании остановлены, показов ноль с утра", True),
])
def test_the_writers_own_stop_of_the_ads_is_no_emergency(text: str, urgent: bool) -> None:
    found = analyse(text).emergency.startswith("ads not running")
    assert found == urgent, (text, analyse(text).emergency)


def test_a_digests_count_with_its_change() -> None:
    assert mass_exclusion("Сводка\nИсключено страниц: 480 (−5)\nОшибок не обнаружено.") == 0
    assert mass_exclusion("Сводка\nИсключено страниц: 480 (+3)") == 0
    assert mass_exclusion("Сводка\nИсключено страниц: 1 480 (+1 300)") == 1300
    assert mass_exclusion("Excluded by 'noindex' tag. Affected pages: 900 (previously 12)") == 900


def test_a_domain_named_in_an_expiry() -> None:
    assert expiry("Reminder: shop-example.org expires tomorrow") == SOON
    assert expiry("shop-example.org renewed for another year, thanks") is None


def test_a_written_word_with_a_hyphen_is_two_words_in_a_row() -> None:
    found = PhraseSet([("x", "=one-off")]).find
    assert [h.label for h in found(words_of("it was a one-off glitch"))] == ["=one-off"]
    assert found(words_of("the one we use is off until Monday")) == []



def test_a_colleagues_emergency_told_to_another_colleague_is_theirs() -> None:
    rules = team_rules("@dev_oleg", "@ads_max")
    to_oleg = MsgFacts("team", "@dev_oleg Олег, лендинг акции отдаёт 502, глянь, пожалуйста",
                       NOW - 600, author="@ads_max")
    a = rules.assess("P", [to_oleg], (), NOW)
    assert a.relevance == "noise" and not a.urgent_reason, (a.relevance, a.relevance_reason)
    # near miss: told to everyone, it is mine too
    to_all = MsgFacts("team", "Коллеги, сайт клиента отдаёт 502 на всех страницах", NOW - 600,
                      author="@ads_max")
    b = rules.assess("P", [to_all], (), NOW)
    assert b.relevance == "mine" and b.urgent_reason, (b.relevance, b.relevance_reason)
