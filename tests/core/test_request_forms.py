"""Forms of asking the services lexicon alone did not see (inscope.rules.request_forms), and
their near misses.

Sentences written for these tests (not taken from eval/corpus): the client's own people
named («наш программист»), a proposal asked for across which a text is named, a
feasibility question («реально?»), a request that refers back to the sentence before, a
proposal as a question («может, нам …?»), what a job is *for* («для статей»), a broken
layout told as a complaint; each with a near miss that must not fire.
"""

from __future__ import annotations

import pytest

from inscope.rules.lexicon import words_of
from inscope.rules.request_forms import feasibility, layout_complaint, own_staff, refers_back
from inscope.rules.signals import analyse
from inscope.rules.triage import Rules
from tests.helpers import scope_of as scope
from tests.helpers import service_keys as keys


@pytest.mark.parametrize("text", [
    "Это поправит наш разработчик или вы?",
    "Скиньте список правок, я отправлю своему верстальщику.",
    "Our in-house developer will handle the redirects, just tell him which ones",
    "передам задачу нашему дизайнеру, он сам нарисует",
])
def test_the_clients_own_people_are_no_service_asked(seo_only: Rules, text: str) -> None:
    assert "webdev" not in keys(text) and "design" not in keys(text), analyse(text).services
    assert scope(seo_only, text) != "out", text


def test_a_role_without_an_owner_still_names_the_service(seo_only: Rules) -> None:
    assert keys("Нужен программист, чтобы доработать корзину")[:1] == ["webdev"]
    assert scope(seo_only, "Нужен программист, чтобы доработать корзину") == "out"
    words = words_of("передам нашему программисту")
    assert own_staff(words, 2) and not own_staff(words_of("нужен программист"), 1)


def test_a_proposal_asked_for_names_its_subject_not_a_text() -> None:
    # the verb of writing reaches «постов» only across the proposal
    assert keys("Хотим вести Телеграм-канал. Подготовьте смету — сколько постов в месяц и цена.") == [
        "smm", "smm"]
    # near miss: a text asked for outright stays copywriting
    assert keys("Подготовьте, пожалуйста, тексты для раздела услуг")[:1] == ["copywriting"]


def test_a_feasibility_question_asks_for_the_job_it_names(seo_only: Rules) -> None:
    assert feasibility(words_of("нам онлайн-запись на сайт прикрутить реально"), True)
    assert keys("Нам онлайн-запись на сайт прикрутить реально?") == ["webdev"]
    assert scope(seo_only, "Нам онлайн-запись на сайт прикрутить реально?") == "out"
    # near misses: not a question, negated, or an SEO job
    assert not feasibility(words_of("это реально круто"), False)
    assert not feasibility(words_of("это не реально"), True)
    assert scope(seo_only, "Выйти в топ по Москве за два месяца реально?") != "out"


@pytest.mark.parametrize(("text", "service"), [
    ("Коллеги советуют попробовать платный трафик. Сможете взять это на себя?", "ads"),
    ("We're thinking about TikTok ads for the summer. Could you set that up as well?", "targeted"),
    ("Хотим канал на YouTube. Вы сможете этим заняться?", "smm"),
])
def test_a_request_that_refers_back_asks_for_the_job_named_before(
        seo_only: Rules, text: str, service: str) -> None:
    assert keys(text)[:1] == [service], analyse(text).services
    assert scope(seo_only, text) == "out", text


@pytest.mark.parametrize("text", [
    # looking at it, not taking it on
    "Дизайнер прислал новые баннеры. Можете проверить, это не помешает индексации?",
    # the pronoun is about something else, far from the verb
    "Сменили логотип. Можете сделать аудит, это важно до запуска?",
])
def test_a_pronoun_that_does_not_take_the_job_on_refers_to_nothing(
        seo_only: Rules, text: str) -> None:
    assert "design" not in keys(text), analyse(text).services
    assert scope(seo_only, text) != "out", text
    assert not refers_back(words_of("можете проверить это не помешает индексации"))


def test_a_proposal_as_a_question_asks_for_the_service_it_names(seo_only: Rules) -> None:
    text = "Может, нам для карточек товаров иконки нарисовать?"
    assert keys(text) == ["design"], analyse(text).services
    assert scope(seo_only, text) == "out"
    # near miss: the same mood for an SEO job
    assert scope(seo_only, "Может, нам стоит обновить title на главной?") != "out"


def test_what_a_job_is_for_is_context() -> None:
    # «статей» is what the pictures are for: design is asked, not copywriting
    assert keys("Сделайте для статей в блоге несколько картинок") == ["design"]
    assert keys("Напишите статьи для блога")[:1] == ["copywriting"]


@pytest.mark.parametrize("text", [
    "На айфоне кнопка «Купить» наезжает на цену, заказать невозможно.",
    "The cookie banner sits on top of the checkout button and you can't tap it.",
    "В мобильной версии меню съезжает вправо и обрезается.",
])
def test_a_broken_layout_told_as_a_complaint_asks_for_a_fix(seo_only: Rules, text: str) -> None:
    s = analyse(text)
    assert s.request and [k for k, _p in s.services] == ["webdev"], s.services
    assert scope(seo_only, text) == "out", text


@pytest.mark.parametrize("text", [
    # asks something else: an SEO question about it
    "Меню на мобильном съезжает — это влияет на позиции?",
    # nothing broken
    "Проверили на телефоне: ничего не съезжает, всё ровно.",
])
def test_a_layout_named_without_a_complaint_asks_for_nothing(seo_only: Rules, text: str) -> None:
    assert "webdev" not in keys(text), analyse(text).services
    assert scope(seo_only, text) != "out", text
    assert not layout_complaint(words_of("ничего не съезжает"))


@pytest.mark.parametrize(("text", "service"), [
    ("Логотип у нас совсем устарел. Займётесь?", "design"),
    ("В Инстаграме полная тишина. Поможете?", "smm"),
])
def test_a_short_request_without_an_object_asks_for_the_job_named_before(
        seo_only: Rules, text: str, service: str) -> None:
    assert keys(text)[:1] == [service], analyse(text).services
    assert scope(seo_only, text) == "out", text


@pytest.mark.parametrize("text", [
    # the sentence before tells a result in search or sales: the help is SEO help
    "Обновили дизайн каталога, звонков стало заметно меньше. Поможете?",
    "Traffic dipped after the new banners went up. Can you help with that?",
    # a short sentence that takes nothing on
    "Дизайнер прислал макеты. Посмотрите?",
])
def test_a_short_request_after_a_result_or_a_look_is_not_for_the_service(
        seo_only: Rules, text: str) -> None:
    assert "design" not in keys(text), analyse(text).services
    assert scope(seo_only, text) != "out", text


def test_a_need_told_after_its_object(seo_only: Rules) -> None:
    assert keys("Листовки для выставки нужны к среде.") == ["design"]
    assert scope(seo_only, "Листовки для выставки нужны к среде.") == "out"
    # near miss: a need negated
    assert keys("Листовки уже не нужны, спасибо.") == []


def test_wondering_whether_the_agency_could_asks_with_the_service_it_names() -> None:
    assert keys("I was wondering whether you could put together a brand book for us.") == ["design"]
    assert keys("I was wondering whether you saw the report.") == []


@pytest.mark.parametrize(("text", "service"), [
    ("Я бы хотела, чтобы вы занялись ещё и нашим Телеграм-каналом.", "smm"),
    ("Do you guys do social media as well?", "smm"),
    ("Hoping you can also look after our Google Ads from March.", "ppc"),
    ("We'd need someone to maintain the website while our developer is away.", "webdev"),
    ("Хотим записывать подкаст, сможете помочь со съёмкой и монтажом?", "photo"),
])
def test_more_wishes_and_questions_for_the_agencys_work(
        seo_only: Rules, text: str, service: str) -> None:
    assert keys(text)[:1] == [service], analyse(text).services
    assert scope(seo_only, text) == "out", text


@pytest.mark.parametrize("text", [
    "Хотела бы уточнить, баннер на главной уже убрали?",
    "Do you happen to know why our logo looks blurry in the search results?",
    "I'd like to know whether the new banners slowed the page down.",
])
def test_a_wish_to_learn_something_asks_for_no_work(seo_only: Rules, text: str) -> None:
    assert keys(text) == [], analyse(text).services
    assert scope(seo_only, text) != "out", text
