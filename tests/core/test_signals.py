"""What one message says: lemmas, names, addressing, questions, requests, emergencies."""

from __future__ import annotations

import pytest

from bench.lemma_pairs import DIFFERENT, SAME
from inscope.rules.lemmas import Lemmatizer, en_lemma
from inscope.rules.names import name_forms
from inscope.rules.signals import analyse
from inscope.rules.urgency import Entry, thread_urgency

NOW = 1_800_000_000.0

# -- lemmas --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [("redirects", "redirect"), ("redirected", "redirect"), ("rankings", "ranking"),
     ("dropped", "drop"), ("stories", "story"), ("titles", "title"), ("was", "be"),
     ("isn't", "be"), ("fell", "fall")],
)
def test_english_lemmas_meet(a: str, b: str) -> None:
    assert en_lemma(a) == en_lemma(b)


@pytest.mark.parametrize(("a", "b"), [("designer", "design"), ("entitled", "title"), ("mark", "market")])
def test_english_derivations_stay_apart(a: str, b: str) -> None:
    assert en_lemma(a) != en_lemma(b)


def test_russian_pairs_as_the_rules_match_them() -> None:
    """On the general word-pair set (bench/lemma_pairs.py) lemmas with readings get the
    same-word pairs and keep most look-alikes apart (homographs like «банка» cannot be)."""
    lem = Lemmatizer()

    def same(a: str, b: str) -> bool:
        x, y = lem.analyse(a.replace("ё", "е")), lem.analyse(b.replace("ё", "е"))
        return bool(({x.lemma} | x.alts) & ({y.lemma} | y.alts))

    assert sum(same(a, b) for a, b in SAME) / len(SAME) >= 0.97
    assert sum(not same(a, b) for a, b in DIFFERENT) / len(DIFFERENT) >= 0.85
    assert not same("дизайн", "дизайнер")


def test_the_dictionary_loads_on_first_cyrillic_word() -> None:
    lem = Lemmatizer()
    assert lem.analyse("redirects").lemma == "redirect"
    assert not lem.loaded, "English and numbers need no dictionary"
    assert lem.analyse("упали").lemma == "упасть"
    assert lem.loaded


def test_names_in_their_forms() -> None:
    forms = name_forms("Дарья Кузнецова")
    assert {"дарья", "даша", "даш", "daria", "dasha", "кузнецова"} <= forms
    lem = Lemmatizer()
    assert lem.lemma("дарьи") in forms and lem.lemma("дашей") in forms
    assert "маша" in name_forms("Мария", ["Маша"]) and "masha" in name_forms("Мария")


# -- addressing, questions, acknowledgements -------------------------------------------


@pytest.mark.parametrize(
    ("text", "addressed"),
    [("Дарья, добрый день!", "дарья"), ("Hi Daria, quick one", "daria"), ("Dasha hi! we", "dasha"),
     ("Даш, а логотип обновить?", "даша"), ("Daria - can you confirm?", "daria"),
     ("Спасибо, Дарья! 👍", "дарья"), ("Дарья, Борис, добрый день!", "борис")],
)
def test_vocatives(text: str, addressed: str) -> None:
    assert addressed in analyse(text).vocatives


@pytest.mark.parametrize("text", ["Даша в курсе 👍", "Елена, работы идут? Дарья не отвечает",
                                  "по таблице Дарьи всё выложили"])
def test_a_name_mentioned_is_not_addressed(text: str) -> None:
    s = analyse(text)
    assert not {"дарья", "даша"} & s.vocatives
    assert {"дарья", "даша"} & s.named


@pytest.mark.parametrize("text", ["ок, понял, ждём 👍", "👍", "Спасибо, Дарья!", "noted 👍",
                                  "согласовано, спасибо!", "Thanks!! 🙏"])
def test_acknowledgements(text: str) -> None:
    s = analyse(text)
    assert s.ack and not s.question


@pytest.mark.parametrize("text", ["hi", "Когда будет отчёт?", "понял, а когда следующий этап?"])
def test_not_acknowledgements(text: str) -> None:
    assert not analyse(text).ack


@pytest.mark.parametrize(
    "text",
    ["Прошу прощения за задержку с ответом", "Хочу поблагодарить за отчёт", "That would be great, thanks!",
     "Hoping you had a nice weekend", "I need to check with my boss first"],
)
def test_pleasantries_ask_for_nothing(text: str) -> None:
    assert not analyse(text).request


def test_a_question_mark_in_a_celebration_is_no_question() -> None:
    assert not analyse("Мы в топ-3, видели? 🎉").question
    assert analyse("Мы в топ-3, видели? Что дальше?").question
    assert analyse("Подскажите по позициям").question


# -- requests and services -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "service"),
    [("можете ещё баннеры нарисовать?", "design"), ("Сделайте, пожалуйста, логотип", "design"),
     ("а вы SMM ведёте?", "smm"), ("Can you set up Google Ads for us?", "ppc"),
     ("Could you manage our Instagram?", "smm"), ("нам бы сайт новый, посчитаете?", "webdev"),
     ("Напишите нам статей 10 для блога", "copywriting"),
     ("while you look at the blog, could you also redesign the header?", "design")],
)
def test_requests_name_the_service(text: str, service: str) -> None:
    s = analyse(text)
    assert s.request
    assert [k for k, _p in s.services][:1] == [service]


@pytest.mark.parametrize(
    "text",
    ["сменили дизайн главной, заявок стало меньше", "we redesigned the pricing page last week",
     "our designer did it", "I'd like to know before we roll the same design out"],
)
def test_a_mention_is_no_request_for_the_service(text: str) -> None:
    assert analyse(text).services == ()


# -- emergencies: negation, tense, resolution ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["сайт не открывается 502 bad gateway", "выпало пол сайта из Яндекса", "traffic −45% since Monday",
     "у нас 503 на главной", "Our organic signups are down like 40% since Monday",
     "робот Яндекса исключил из поиска 1 480 страниц", "сейчас в robots стоит Disallow: /",
     "Monitor is DOWN: example.com", "корзина не работает, заказы не идут", "У нас сайт лёг",
     "Google deindexed half the site", "rankings dropped off a cliff"],
)
def test_emergencies(text: str) -> None:
    assert analyse(text).emergency


@pytest.mark.parametrize(
    "text",
    ["не срочно, но посмотрите title", "the site isn't down, just slow", "сайт не упал, но тормозит",
     "signups dropped like 20%", "робот исключил из поиска 12 страниц", "scroll down the page",
     "файл лежит в папке", "мне срочно нужен кофе 😅", "Эти проблемы не критичны"],
)
def test_not_emergencies(text: str) -> None:
    s = analyse(text)
    assert not s.emergency


def test_past_and_resolved() -> None:
    s = analyse("the site was down last night, host fixed it, FYI")
    assert not s.emergency and s.past_emergency and s.resolved
    assert analyse("Monitor is UP: example.com, it was down for 8 minutes").resolved
    future = analyse("The monitor is currently DOWN. We will alert you when it is back up.")
    assert future.emergency and not future.resolved
    assert not analyse("Если проблема не будет устранена, страницы исключат").resolved


def test_urgency_words_and_calm_are_priority_hints() -> None:
    assert analyse("Срочно пришлите отчёт").urgent_word == "срочно"
    assert analyse("не срочно, посмотрите").calm == "не срочно"
    assert not analyse("не срочно, посмотрите").urgent_word


def test_same_day_blocker() -> None:
    s = analyse("релиз сегодня в 14:00, без таблицы редиректов я его выкатывать не буду")
    assert s.blocker
    assert not analyse("без таблицы не буду, но это на следующей неделе").blocker


# -- urgency of a thread ---------------------------------------------------------------------


def entry(text: str, ago: float, *, me: bool = False) -> Entry:
    return Entry(me, NOW - ago, analyse(text), chasing=not me)


def test_an_emergency_is_urgent_until_resolved() -> None:
    assert thread_urgency([entry("сайт не открывается", 600)], NOW)
    assert not thread_urgency([entry("сайт не открывается", 600), entry("всё, починили", 60)], NOW)
    assert not thread_urgency([entry("сайт не открывается", 2 * 86400)], NOW), "not now any more"


def test_my_reply_takes_it_unless_it_still_fails() -> None:
    first = [entry("The blog is returning 503", 3600), entry("checking now", 3000, me=True)]
    assert not thread_urgency(first, NOW)
    still = [*first, entry("Any update?? Still nothing loads on /blog/.", 300)]
    assert thread_urgency(still, NOW)
    chasing = [*first, entry("Any update??", 300)]
    assert thread_urgency(chasing, NOW).startswith("still failing after your reply")
    thanks = [*first, entry("ok, thanks", 300)]
    assert not thread_urgency(thanks, NOW)
