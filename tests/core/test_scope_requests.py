"""Out-of-scope requests in the forms clients ask an agency for work, and their near misses.

Sentences written for these tests (not taken from eval/corpus): wishes and conditionals
(«было бы классно…», «а если нам…?»), a price or a time asked for a job («почём…», "what's
your rate for…"), the agency asked whether it does a job («вы делаете…?»), services named in
the words of agency price lists; and the near misses: a wish that names no service, asking
her to recommend someone else, texts and links written for search (SEO), a CMS named as
where a thing is.
"""

from __future__ import annotations

import pytest

from inscope.rules.signals import analyse
from inscope.rules.triage import Rules
from tests.helpers import scope_of as scope

ASKED = [
    # wishes and conditionals
    ("было бы классно снять пару роликов про наших мастеров", "photo"),
    ("хотелось нам к лету обновить фирменный стиль", "design"),
    ("а если нам запустить рассылку по старой базе клиентов?", "email"),
    ("it'd be great to get a proper brand identity next year", "design"),
    ("It would be nice to have a booking system on the site", "webdev"),
    # a price or a time asked for a job
    ("почём у вас таргетолог на месяц?", "targeted"),
    ("а за сколько сделаете буклет на 8 полос?", "design"),
    ("по срокам сориентируйте, пожалуйста, по интеграции с 1С", "webdev"),
    ("what's your rate for a slide deck of about 15 pages?", "design"),
    ("how soon could a Telegram bot for bookings be ready?", "webdev"),
    ("визитки сколько будут стоить?", "design"),
    # the agency asked whether it does a job
    ("а посевы в каналах вы делаете?", "smm"),
    ("предлагаете ли вы работу с негативом на картах?", "serm"),
    ("do you work on Wildberries listings as well?", "marketplaces"),
    # the price-list words
    ("нужна сквозная аналитика с коллтрекингом", "analytics"),
    ("сделайте нам шаблоны для сторис", "design"),
    ("can you edit the footage from our conference into a short video?", "photo"),
    ("We'd like to move the shop from Shopify to another platform", "webdev"),
    ("подготовьте, пожалуйста, продающий текст для акции", "copywriting"),
    ("could you set up an email sequence for new sign-ups?", "email"),
    ("нужна карточка для Wildberries с инфографикой", "marketplaces"),
    ("Can your team find a few bloggers to review our app?", "smm"),
]

NOT_ASKED = [
    "было бы отлично, спасибо!",
    "That would be great, thanks a lot",
    "по срокам всё ок, ждём",
    "we're thinking of you, get well soon",
    "we're considering a new logo at some point, nothing planned",
]


@pytest.mark.parametrize(("text", "service"), ASKED)
def test_requests_in_the_forms_clients_use_are_out_of_an_seo_contract(
        seo_only: Rules, text: str, service: str) -> None:
    s = analyse(text)
    assert s.request and [k for k, _p in s.services][:1] == [service], f"{text!r} → {s.services}"
    assert scope(seo_only, text) == "out", text


@pytest.mark.parametrize("text", NOT_ASKED)
def test_a_wish_that_names_no_service_asks_for_nothing(text: str) -> None:
    s = analyse(text)
    assert not s.request and s.services == (), f"{text!r} → {s.services}"


@pytest.mark.parametrize("text", [
    "посоветуете, кто нам сделает сайт на Тильде?",
    "может, порекомендуете хорошего фотографа для каталога?",
    "Could you recommend a designer for our new logo?",
    "do you know anyone who builds Telegram bots?",
])
def test_asking_her_to_recommend_someone_is_a_referral_not_out_of_scope(
        seo_only: Rules, text: str) -> None:
    assert analyse(text).services == (), text
    assert scope(seo_only, text) != "out", text


def test_asking_who_at_the_agency_does_a_job_is_still_out() -> None:
    assert [k for k, _p in analyse("посоветуйте, кто у вас делает логотипы?").services] == ["design"]
    assert [k for k, _p in analyse("Could your team recommend a logo concept?").services] == ["design"]


@pytest.mark.parametrize("text", [
    "нужны SEO-статьи под новые категории",
    "can you write SEO copy for the service pages?",
    "подготовьте тексты под ключи для раздела доставки",
    "could you find a few guest posts for the blog?",
    "давайте добавим крауд-ссылки на форумах",
])
def test_texts_and_links_written_for_search_are_seo(seo_only: Rules, text: str) -> None:
    assert [k for k, _p in analyse(text).services][:1] == ["seo"], f"{text!r} → {analyse(text).services}"
    assert scope(seo_only, text) == "in", text


def test_a_cms_named_as_where_a_thing_is_asks_for_no_web_work() -> None:
    s = analyse("подскажите, на Битриксе где поменять ЧПУ?")
    assert not any(k == "webdev" for k, _p in s.services), s.services
    assert [k for k, _p in analyse("подключите amoCRM к форме").services] == ["webdev"]
