"""Emergencies told the way search engines, registrars and tools notify
(inscope.rules.notices, inscope.rules.ranks), and their near misses.

Notices and messages written for these tests (not taken from eval/corpus): a sanction, a
monitor's status form, many pages newly excluded (a report form and a sentence), a domain or
certificate expiring within a day of the message, places in search told as ordinals alone.
"""

from __future__ import annotations

from datetime import date

import pytest

from inscope.rules.notices import SOON, expires_now, expiry, mass_exclusion
from inscope.rules.urgency import EXPIRES
from tests.helpers import URGENCY_NOW, urgent_now

NOW = URGENCY_NOW


@pytest.mark.parametrize("text", [
    # a sanction
    "Уведомление: сайт shop-example.ru понижен в результатах поиска за накрутку поведенческих.",
    "Google has demoted the site after a review of unnatural links.",
    # a monitor's form
    "Check: homepage\nURL: https://shop-example.com/\nState: CRITICAL\nResponse: timeout",
    "HTTPS check failed for https://shop-example.com (3 locations)",
    # many pages newly excluded
    "Coverage report for https://shop-example.com/\nNew issue: Excluded by 'noindex' tag\n"
    "Affected pages: 2,480",
    "За ночь Яндекс исключил из поиска 1 200 страниц каталога.",
    # places told as ordinals in a sentence about search
    "По запросу «доставка цветов» в Яндексе были 3-е, сейчас 41-е.",
    # off the first page
    "We fell off the first page of Google for our main keyword this week.",
])
def test_notices_break_through(text: str) -> None:
    assert urgent_now(text), text


@pytest.mark.parametrize("text", [
    # lowering something else
    "Понизили ставки в Директе на выходные, как договаривались.",
    # a steady or shrinking count, or a small one
    "Coverage report\nExcluded by 'noindex' tag\nAffected pages: 2,480 (previously 2,900)",
    "Исключено 150 страниц, как и месяц назад, ничего нового.",
    "Из 800 страниц исключены 4 дубля — это нормально.",
    "New issue: Excluded by 'noindex' tag\nAffected pages: 12",
    # a monitor that is fine
    "State: OK\nURL: https://shop-example.com/",
    # ordinals that are dates, not places
    "В Яндексе отчёт за 1-е число, созвон 15-го.",
    # a rise told as ordinals
    "В Яндексе были 40-е, сейчас 3-е 🎉",
])
def test_near_misses_do_not(text: str) -> None:
    assert not urgent_now(text), f"{text!r} → {urgent_now(text)}"


def test_mass_exclusion_reads_a_form_field_and_a_sentence() -> None:
    assert mass_exclusion("New reason: noindex\nAffected pages: 1,214 (previously 3)") == 1214
    assert mass_exclusion("Сегодня выпало из индекса 300 страниц") == 300
    assert mass_exclusion("На сайте 3 000 страниц, всё в индексе") == 0


def test_an_expiry_within_a_day_of_the_message_is_now() -> None:
    sent = date(2027, 1, 15)
    notice = "Срок регистрации домена shop-example.ru истекает 15.01.2027. Продлите его."
    assert expiry(notice) == (2027, 1, 15) and expires_now((2027, 1, 15), sent)
    assert urgent_now(notice) == EXPIRES
    assert expiry("Your SSL certificate for shop-example.com expires tomorrow.") == SOON
    assert urgent_now("Your SSL certificate for shop-example.com expires tomorrow.") == EXPIRES
    assert expiry("Certificate expires on 2027-01-16") == (2027, 1, 16)


@pytest.mark.parametrize("text", [
    # a reminder well ahead
    "Срок регистрации домена shop-example.ru истекает 20.02.2027.",
    "Your domain shop-example.com expires on 2027-03-01, renew it in time.",
    # a date that is not an expiry
    "Созвон по домену 15.01.2027, обсудим перенос.",
])
def test_an_expiry_far_ahead_or_no_expiry_is_not(text: str) -> None:
    assert not urgent_now(text), f"{text!r} → {urgent_now(text)}"
