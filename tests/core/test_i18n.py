"""The interface language: how it is chosen, Russian plurals, dates and stored reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from inscope.i18n import _, choose_language, dates, language, ngettext, set_language
from inscope.i18n.labels import PRIORITY, label
from inscope.i18n.reasons import reason_text


@pytest.fixture
def russian() -> Iterator[None]:
    """Russian for one test (English stays every other test's language)."""
    set_language("ru")
    yield
    set_language("en")


@pytest.mark.parametrize(("config", "environ", "want"), [
    ("ru", {"LANG": "en_US.UTF-8"}, "ru"),           # [me] language wins
    ("en", {"LC_ALL": "ru_RU.UTF-8"}, "en"),
    ("", {"LANG": "ru_RU.UTF-8"}, "ru"),
    ("", {"LC_ALL": "ru_UA.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),  # LC_ALL before LANG
    ("", {"LC_ALL": "", "LC_MESSAGES": "en_GB", "LANG": "ru_RU.UTF-8"}, "en"),  # LC_MESSAGES next
    ("", {"LANG": "ru"}, "ru"),
    ("", {"LANG": "C.UTF-8"}, "en"),
    ("", {"LANG": "de_DE.UTF-8"}, "en"),             # no catalog: English
    ("", {}, "en"),
])
def test_the_language_is_the_config_then_the_locale_then_english(
        config: str, environ: dict[str, str], want: str) -> None:
    assert choose_language(config, environ) == want


def test_english_is_the_default_and_an_unknown_language_is_english() -> None:
    assert language() == "en" and _("Inbox") == "Inbox"
    set_language("de")
    assert language() == "en" and _("Inbox") == "Inbox"


@pytest.mark.parametrize(("n", "want"), [
    (1, "1 тред"), (2, "2 треда"), (4, "4 треда"), (5, "5 тредов"), (11, "11 тредов"),
    (12, "12 тредов"), (21, "21 тред"), (22, "22 треда"), (25, "25 тредов"), (0, "0 тредов"),
    (111, "111 тредов"),
])
def test_russian_plural_forms(russian: None, n: int, want: str) -> None:
    assert ngettext("{n} thread", "{n} threads", n).format(n=n) == want


@pytest.mark.parametrize(("n", "want"), [
    (1, "1 сообщение"), (2, "2 сообщения"), (5, "5 сообщений"), (11, "11 сообщений"),
    (21, "21 сообщение"),
])
def test_russian_plural_forms_of_messages(russian: None, n: int, want: str) -> None:
    assert ngettext("{n} message", "{n} messages", n).format(n=n) == want


def test_english_plurals_stay_as_they_were() -> None:
    assert ngettext("{n} thread", "{n} threads", 1).format(n=1) == "1 thread"
    assert ngettext("{n} thread", "{n} threads", 21).format(n=21) == "21 threads"


def test_russian_dates_weekdays_and_durations() -> None:
    at = datetime(2026, 12, 4, 10, 5)  # a Friday
    assert dates.day_time(at, "ru") == "пт 4 декабря 10:05"
    assert dates.day_time(at, "en") == "Fri 4 Dec 10:05"
    assert dates.full_date(date(2026, 3, 1), "ru") == "1 марта 2026"
    assert dates.weekday_name(at, "ru") == "пятница"
    assert dates.relative_day(at, date(2026, 12, 3), "ru") == "завтра 10:05"
    assert dates.relative_day(at, date(2026, 12, 1), "ru") == "пт 10:05"
    assert dates.duration(2 * 3600 + 13 * 60, "ru") == "2 ч 13 мин"
    assert dates.duration(2 * 3600 + 13 * 60, "en") == "2h 13m"
    assert dates.age(3 * 3600, "ru") == "3ч" and dates.age(30, "ru") == "сейчас"


def test_stored_reasons_and_labels_are_shown_in_russian(russian: None) -> None:
    assert reason_text("overdue 2h 13m") == "просрочено на 2 ч 13 мин"
    assert reason_text("urgent: site not working: «не открывается»") == \
        "срочно: сайт не работает: «не открывается»"
    assert reason_text("waited 5 reply windows") == "ждал 5 окон ответа"
    assert reason_text("something no rule says") == "something no rule says"  # shown as stored
    assert label(PRIORITY, "urgent") == "срочный" and label(PRIORITY, "odd") == "odd"


def test_stored_reasons_stay_english_in_english() -> None:
    assert reason_text("overdue 2h 13m") == "overdue 2h 13m"


def test_the_project_inscope_names_itself_is_translated_and_the_users_are_not(russian: None) -> None:
    from inscope.i18n.labels import project_name
    from inscope.model import UNSORTED

    assert project_name(UNSORTED) == "Без проекта"
    assert project_name("Ромашка") == "Ромашка" and project_name("GreenBuild") == "GreenBuild"
