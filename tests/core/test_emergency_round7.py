"""The seventh round's readings: what ends an emergency and what only seems to (a fix asked
for, the host's own side fine, «так и висит»), numbers and words that are no failure (an id
after «#», a social page gone quiet, a status code to be served), a site: query that finds nothing —
the scope forms of the round (an object told first with a manner before its verb, a cart
built onto the site, someone she has in mind, writing what was named before) and a chase
after an unanswered question in priority.

Sentences written for these tests (not taken from eval/corpus), each rule with a near miss
that must not fire.
"""

from __future__ import annotations

import pytest

from inscope.model import Priority
from inscope.rules.signals import analyse
from inscope.rules.triage import Rules
from tests.core.test_triage import client, make_cfg, ts
from tests.helpers import URGENCY_NOW, service_keys, thread_reason, urgent_now

NOW = URGENCY_NOW



# -- a fix asked for is no fix --------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "All the old category URLs are 404 now, we want this fixed before Monday's sale",
    "Every product page returns 404 since the update, need it fixed asap",
    "The whole catalog is 404 after the release, please get it fixed today",
    "Half of the pages are 404, this has to be fixed before the campaign",
])
def test_a_fix_asked_for_leaves_the_failure_urgent(text: str) -> None:
    assert urgent_now(text), text


@pytest.mark.parametrize("text", [
    "All the old category URLs were 404, the developer fixed it an hour ago",
    "We got it fixed: every product page loads again",
])
def test_a_fix_told_still_ends_it(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


# -- the host's own side fine is not the site working --------------------------------------

def test_the_host_saying_their_side_is_fine_does_not_end_it() -> None:
    assert thread_reason(("client", "Сайт с утра отдаёт 502, клиенты не могут оформить заказ", 60),
                   ("client", "Хостер отвечает, что у них всё ок, ищите у себя", 10))
    assert thread_reason(("client", "The site has been returning 503 since 8am", 60),
                   ("client", "Support says it's all good on their end", 10))


def test_the_site_fine_again_still_ends_it() -> None:
    assert not thread_reason(("client", "Сайт с утра отдаёт 502, клиенты не могут оформить заказ", 60),
                       ("client", "Хостер перезапустил сервер, всё ок, сайт открывается", 10))


@pytest.mark.parametrize("text", ["Так и висит 502, ничего не поменялось",
                                  "Обновила страницу — так и лежит"])
def test_so_it_keeps_hanging_goes_on(text: str) -> None:
    assert analyse(text).going_on, text


def test_a_plain_so_and_is_no_going_on() -> None:
    assert not analyse("Так и сделаем, спасибо").going_on


# -- numbers and words that are no failure --------------------------------------------------

@pytest.mark.parametrize("text", [
    "✅ Pipeline #503 passed · shop-frontend · deploy to production",
    "Задача №502 закрыта, релиз выкачен",
    "Ticket #404 closed: all category pages updated",
])
def test_a_number_after_a_hash_is_an_id(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


def test_a_status_code_told_still_is() -> None:
    assert urgent_now("Сайт отдаёт 503 уже полчаса, ошибка на всех страницах")


@pytest.mark.parametrize("text", [
    # a site named in the message: the death word was read as the site's
    "Страницу расписания на сайте поправили. А наш паблик ВКонтакте давно умер, подписчики разбежались.",
    "На сайте всё обновили, спасибо. Сообщество в соцсети совсем умерло, вопросы висят без ответа.",
    "Our website has a new menu now. Our Facebook group is dead though, nobody has posted since spring.",
])
def test_a_social_page_gone_quiet_is_no_outage(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


def test_the_site_dead_still_is() -> None:
    assert urgent_now("Сайт умер, ничего не открывается, клиенты звонят")


# -- scope: an object told first, a cart ---------------------------------------------------

def test_an_object_told_first_reaches_its_verb_past_a_manner() -> None:
    assert "design" in service_keys("Логотип в шапке можно чуть крупнее сделать?")


@pytest.mark.parametrize("text", ["Логотип можно пока не трогать, сделаем потом",
                                  "Баннер можно оставить как есть?"])
def test_an_object_left_as_it_is_asks_for_nothing(text: str) -> None:
    assert "design" not in service_keys(text), text


def test_a_cart_built_onto_the_site_is_web_development() -> None:
    assert "webdev" in service_keys("Сколько будет стоить сделать корзину с доставкой?")


def test_a_cart_only_mentioned_asks_for_nothing() -> None:
    assert service_keys("Покупатели пишут, что корзина долго грузится — это влияет на SEO?") == []


# -- scope: someone she has in mind, writing what was named before -------------------------

@pytest.mark.parametrize("text", [
    "Хотим поставить на главную короткий ролик. У вас есть на примете видеограф, который снимает недорого?",
    "We'd like a short video for the homepage. Do you have anyone in mind who shoots these?",
])
def test_someone_she_has_in_mind_is_a_referral(text: str) -> None:
    assert "photo" not in service_keys(text), text


def test_asking_the_agency_to_shoot_it_still_asks() -> None:
    assert "photo" in service_keys("Можете снять нам ролик для главной? Имейте в виду, бюджет небольшой.")


@pytest.mark.parametrize("text", [
    "Next month we start a members' newsletter, two issues a month. Would your team write those?",
    "С января у нас будет рассылка для клиентов, раз в месяц. Напишете их?",
])
def test_writing_what_was_named_before_asks_for_it(text: str) -> None:
    assert "email" in service_keys(text), (text, service_keys(text))


def test_writing_told_done_asks_for_nothing_before() -> None:
    text = "We started a newsletter last month. We wrote those ourselves, can you tell if it helps SEO?"
    assert "email" not in service_keys(text), service_keys(text)


# -- urgency: a site: query that finds nothing, a status code to be served -----------------

@pytest.mark.parametrize("text", [
    "Checked site:example.com/shop this morning and it shows nothing. Zero.",
    "Проверила site:example.ru/catalog — пусто.",
])
def test_a_site_query_of_ours_that_finds_nothing_is_urgent(text: str) -> None:
    assert urgent_now(text), text


@pytest.mark.parametrize("text", [
    "site:example.com shows 380 results, all looks normal",
    "site:example.com shows nothing new since last week",
])
def test_a_site_query_with_results_is_not(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


@pytest.mark.parametrize("text", [
    "На время переноса сервера отдавать 503 или не стоит?",
    "Should we return a 503 during the maintenance window on Sunday?",
])
def test_a_code_to_be_served_is_a_plan(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


@pytest.mark.parametrize("text", [
    "Хостинг начал отдавать 502 на все запросы",
    "The server started to return 503 an hour ago",
    "Сайт отдаёт 503 уже час",
])
def test_a_code_served_now_is_a_failure(text: str) -> None:
    assert urgent_now(text), text


# -- priority: a chase after a question nobody answered ------------------------------------

def test_a_chase_after_an_unanswered_question_raises_it() -> None:
    rules = Rules.from_config(make_cfg())
    now = ts(2026, 11, 6, 13, 20)  # the question came at 09:00, due 12:00: overdue
    question = client("Почему в сниппете до сих пор старое название тарифа?", ts(2026, 11, 6, 9, 0))
    alone = rules.assess("Unsorted", [question], (), now)
    chased = rules.assess("Unsorted", [question, client("Есть новости?", ts(2026, 11, 6, 13, 10))], (), now)
    assert alone.priority == Priority.NORMAL and "chasing an answer" not in alone.reasons
    assert chased.priority == Priority.HIGH and "chasing an answer" in chased.reasons


def test_a_first_message_asking_for_news_is_no_chase() -> None:
    rules = Rules.from_config(make_cfg())
    a = rules.assess("Unsorted", [client("Есть новости по отчёту?", ts(2026, 11, 6, 13, 10))], (),
                     ts(2026, 11, 6, 13, 20))
    assert "chasing an answer" not in a.reasons
