"""The seventh round's readings: what ends an emergency and what only seems to (a fix asked
for, the host's own side fine, «так и висит»), numbers and words that are no failure (an id
after «#», a social page gone quiet) — and the scope forms of the round (an object told
first with a manner before its verb, a cart built onto the site).

Sentences written for these tests (not taken from eval/corpus), each rule with a near miss
that must not fire.
"""

from __future__ import annotations

import pytest

from inscope.rules.signals import analyse
from inscope.rules.urgency import Entry, thread_urgency
from tests.helpers import URGENCY_NOW, service_keys, urgent_now

NOW = URGENCY_NOW


def _thread(*msgs: tuple[str, str, float]) -> str:
    """(who: "client" | "me", text, minutes ago) → the thread's reason."""
    return thread_urgency([Entry(who == "me", NOW - mins * 60, analyse(text), chasing=who == "client")
                           for who, text, mins in msgs], NOW)


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
    assert _thread(("client", "Сайт с утра отдаёт 502, клиенты не могут оформить заказ", 60),
                   ("client", "Хостер отвечает, что у них всё ок, ищите у себя", 10))
    assert _thread(("client", "The site has been returning 503 since 8am", 60),
                   ("client", "Support says it's all good on their end", 10))


def test_the_site_fine_again_still_ends_it() -> None:
    assert not _thread(("client", "Сайт с утра отдаёт 502, клиенты не могут оформить заказ", 60),
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
