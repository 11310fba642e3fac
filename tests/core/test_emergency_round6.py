"""Urgency read per thread (the sixth round): whose failure it is, whether it is happening
now, who says so last, alerts by their state — and the scope forms of the round
(inscope.rules.whose, inscope.rules.emergency, inscope.rules.urgency,
inscope.rules.services).

Sentences written for these tests (not taken from eval/corpus), each rule with a near miss
that must not fire.
"""

from __future__ import annotations

import pytest

from inscope.model import MsgFacts
from tests.helpers import URGENCY_NOW, service_keys, team_rules, thread_reason, urgent_now

NOW = URGENCY_NOW



# -- whose it is ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "У многих интернет-магазинов после апдейта трафик упал на 50%, пишут на форумах",
    "Many websites in the travel niche lost 60% of their traffic after the update",
    "Кому не повезло: у кого рухнул трафик после апдейта",
    "Another client's site is down, the one Oleg handles — not ours",
    "Внутренняя CRM не открывается с утра, бухгалтерия ругается",
    "The office VPN is down again, can't reach the shared drive",
])
def test_someone_elses_failure_is_not_ours(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


@pytest.mark.parametrize("text", [
    "Сайт не открывается с утра, клиенты звонят",
    "Our website is down since 9am",
    "Трафик упал на 50% за два дня",
])
def test_our_own_failure_still_is(text: str) -> None:
    assert urgent_now(text), text


# -- happening now, not feared -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Could you look over the new page — meta tags, anything the release could have broken",
    "Проверьте, пожалуйста, что могло сломаться после переезда",
])
def test_a_feared_failure_is_not_one(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


def test_a_told_failure_near_a_question_still_is() -> None:
    assert urgent_now("После переезда сайт не открывается, можете посмотреть?")


# -- a part is not the whole ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Одна страница в блоге не открывается, остальное в порядке",
    "One of the ads was disapproved for a trademark in the text",
    "Одно объявление отклонили модерацией, поправим текст?",
])
def test_a_part_failing_is_a_bug_not_an_outage(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


@pytest.mark.parametrize("text", [
    "Все объявления отклонены модерацией",
    "Каталог не открывается, ни одна страница",
])
def test_the_whole_failing_still_is(text: str) -> None:
    assert urgent_now(text), text


# -- a collapse word belongs to its metric ---------------------------------------------------

def test_a_nothing_of_something_else_is_no_collapse() -> None:
    text = ("Heads up: organic traffic may look different next month, nothing needed from you, "
            "we are moving the blog")
    assert not urgent_now(text), urgent_now(text)


def test_a_metric_told_before_its_fall_still_collapses() -> None:
    assert urgent_now("Заявки за неделю: почти ноль")


# -- a mailing tells news, a tool names the site -------------------------------------------

def test_a_newsletter_telling_of_falls_is_no_report() -> None:
    text = ("Дайджест недели. Апдейт поиска: трафик просел на 40% у тех, кто злоупотреблял "
            "ссылками. Вы получили это письмо, потому что подписаны. Отписаться")
    assert not urgent_now(text), urgent_now(text)


def test_a_tools_mail_with_a_footer_still_reports_its_site() -> None:
    text = ("Monitor https://example.com is currently DOWN (Connection Timeout). "
            "To stop these e-mails, unsubscribe in your settings.")
    assert urgent_now(text)


# -- alerts by their format and state ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "** PROBLEM Service Alert: shop/HTTP is CRITICAL **",
    "Incident started: example.com is not responding",
    'ALARM: "web-5xx-rate" in EU (Frankfurt)',
])
def test_a_firing_alert_is_urgent(text: str) -> None:
    assert urgent_now(text), text


@pytest.mark.parametrize(("down", "up"), [
    ("** PROBLEM Service Alert: shop/HTTP is CRITICAL **", "** RECOVERY Service Alert: shop/HTTP is OK **"),
    ("Incident started: example.com is not responding", "Incident resolved: example.com is responding"),
    ("Monitor example.com: status: down", "Monitor example.com: status: up"),
])
def test_a_recovered_alert_ends_it(down: str, up: str) -> None:
    assert thread_reason(("bot", down, 40))
    assert not thread_reason(("bot", down, 40), ("bot", up, 20))


# -- a deadline within the hour ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Пришлите, пожалуйста, выгрузку в ближайшие 20 минут — у нас совещание",
    "Could you send the figures within 30 minutes? The board call starts at ten",
])
def test_a_request_due_within_the_hour_breaks_through(text: str) -> None:
    assert urgent_now(text) == "a same-day blocker", text


@pytest.mark.parametrize("text", [
    "Перезвоню через 10 минут",
    "Созвон занял 40 минут, спасибо за разбор",
    "Можно прислать в течение трёх часов?",
])
def test_minutes_told_without_a_deadline_do_not(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


# -- who says so last ----------------------------------------------------------------------

def test_the_client_saying_their_developer_took_it_on_ends_it() -> None:
    assert not thread_reason(("client", "Сайт не открывается!", 40),
                       ("client", "Наш программист уже разбирается, держу в курсе", 20))
    assert not thread_reason(("client", "Checkout is broken, customers can't pay", 40),
                       ("client", "Our developer is on it now", 20))


def test_it_is_back_when_it_still_fails_after_that() -> None:
    reason = thread_reason(("client", "Сайт не открывается!", 90),
                     ("client", "Написали хостеру, они разбираются", 60),
                     ("client", "Так и не починили, ждём уже час", 5))
    assert reason.startswith("still failing after someone else took it on")


def test_a_colleague_naming_who_is_on_it_ends_it_and_a_bare_we_does_not() -> None:
    assert not thread_reason(("client", "Сайт не открывается!", 30), ("team", "Разработчик уже разбирается", 20))
    # "we're on it" names no one: the client still waits on us
    assert thread_reason(("client", "Сайт не открывается!", 30), ("team", "Работаем над этим, скоро поднимем", 20))


def test_asking_her_to_write_to_the_developer_is_not_handing_over() -> None:
    assert thread_reason(("client", "Сайт не открывается!", 30),
                   ("client", "Напишите, пожалуйста, программисту", 20))


def test_the_report_itself_handing_over_is_an_fyi() -> None:
    assert not urgent_now("Сайт лёг, хостер уже поднимает, просто держу в курсе")
    assert urgent_now("Сайт лёг, хостер уже поднимает. Проверите потом позиции?")


@pytest.mark.parametrize("later", [
    "Отбой, это у меня интернет глючил",
    "False alarm, it was my wifi",
    "Never mind, loads fine now",
])
def test_a_false_alarm_told_later_ends_it(later: str) -> None:
    assert not thread_reason(("client", "The site is down!", 30), ("client", later, 10))


def test_a_later_message_that_is_no_false_alarm_does_not() -> None:
    assert thread_reason(("client", "The site is down!", 30), ("client", "Checked from my phone too, still down", 10))


# -- scope: an object told first, a referral's wishes --------------------------------------

def test_an_object_told_before_a_wish_and_a_verb_is_asked_for() -> None:
    assert service_keys("А ещё рилсы под распродажу нам бы поделать, своих сил нет") == ["smm"]
    assert service_keys("Логотип надо бы обновить к весне") == ["design"]


def test_an_object_behind_a_comma_is_not() -> None:
    assert service_keys("Сайт мы собрали сами, нам бы теперь продвинуть его") == []


def test_a_referral_to_an_acquaintance_asks_no_work_of_the_agency() -> None:
    text = "А у вас нет знакомого фотографа? Хотим снимки команды для сайта, заплатим сами."
    assert service_keys(text) == []


def test_asking_the_agency_itself_still_is() -> None:
    assert service_keys("У вас есть фотограф? Хотим снимки команды для сайта") != []


# -- looked for in search and not there ----------------------------------------------------

@pytest.mark.parametrize("text", [
    "Вбила в яндекс название нашей клиники — нас нет",
    "I googled our brand this morning and we are nowhere",
])
def test_searched_for_by_name_and_not_found_is_falling_out(text: str) -> None:
    assert urgent_now(text) == "our pages not found in search", text


@pytest.mark.parametrize("text", [
    "Нашла в гугле наши страницы, всё на месте",
    "Поискала в гугле, нет ли отзывов о нас",
    "Searched Google for our brand, nothing wrong there",
    "Искала в яндексе подрядчика на плитку, нет нормальных",
])
def test_searching_that_finds_or_looks_for_something_else_does_not(text: str) -> None:
    assert not urgent_now(text), (text, urgent_now(text))


# -- scope: whose people, by what means, the stores, "something you do" --------------------

def test_a_role_given_a_task_is_the_clients_own() -> None:
    assert service_keys("Хотелось бы успеть поставить программисту задачу до отпуска") == []
    assert service_keys("Хотелось бы поставить задачу вашему программисту по корзине") == ["webdev"]


def test_a_question_of_by_what_means_orders_nothing() -> None:
    assert service_keys("Это вручную делается или есть какой-то плагин?") == []
    assert service_keys("Is this done by hand or is there a plugin for it?") == []
    assert service_keys("Вы сделаете руками или есть плагин?") == ["webdev"]


def test_an_apps_place_in_the_stores_is_aso() -> None:
    assert service_keys("Можете поднять наше приложение в Google Play по нашим запросам?") == ["aso"]
    assert service_keys("Our app is in the App Store now, can you add a link to it in the footer?") == ["webdev"]


def test_is_x_something_you_do_asks_for_x() -> None:
    assert service_keys("Is video editing something your team can take on?") == ["photo"]
    assert service_keys("We saw the new logo, is it something you made?") == []


# -- a periodic report counts outages that are over ----------------------------------------

def test_a_periodic_reports_outages_are_history() -> None:
    assert not urgent_now("Weekly uptime report for example.com: uptime 99.71%, 2 outages, total downtime 14 min")
    assert not urgent_now("Еженедельный отчёт о доступности example.ru: сайт был недоступен 2 раза")


def test_a_periodic_report_of_what_fails_now_still_is() -> None:
    assert urgent_now("Еженедельный отчёт: сайт сейчас не открывается, 502")


# -- it passed by itself, it is fine again -------------------------------------------------

@pytest.mark.parametrize("later", ["Всё ок, ожил", "Само прошло, спасибо", "It went away on its own",
                                   "Looks fine now"])
def test_it_passed_or_is_fine_again_later(later: str) -> None:
    assert not thread_reason(("client", "Сайт не открывается!", 30), ("client", later, 10))


@pytest.mark.parametrize("later", ["Всё ок?", "Всё ещё не ок, не грузится"])
def test_a_question_or_a_not_ok_does_not_end_it(later: str) -> None:
    assert thread_reason(("client", "Сайт не открывается!", 30), ("client", later, 10))


# -- a client's emergency handed by a colleague to another colleague -----------------------


def test_a_clients_emergency_a_colleague_hands_to_another_colleague_is_theirs() -> None:
    rules = team_rules("@dev_oleg", "@am_anna")
    report = MsgFacts("client", "Сайт не открывается, клиенты не могут оформить заказ!", NOW - 900,
                      author="Иван")
    routed = MsgFacts("team", "@dev_oleg Олег, глянь, пожалуйста, срочно", NOW - 600, author="@am_anna")
    a = rules.assess("P", [report, routed], (), NOW)
    assert a.relevance == "noise" and not a.urgent, (a.relevance, a.relevance_reason)
    # near miss: a colleague answering the client without handing it to anyone keeps it mine
    answer = MsgFacts("team", "Смотрим, сейчас проверим сервер", NOW - 600, author="@am_anna")
    b = rules.assess("P", [report, answer], (), NOW)
    assert b.relevance == "mine" and b.urgent, (b.relevance, b.relevance_reason)
