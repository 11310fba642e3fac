"""parse_when: natural snooze times in Russian and English, against a fixed clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inscope.config import Windows
from inscope.rules.snooze import parse_when
from inscope.rules.windows import Schedule

MSK = ZoneInfo("Europe/Moscow")
BER = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 6, 14, 47, tzinfo=MSK)  # Friday
SCHED = Schedule.from_config(Windows(reply=["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"]), "Europe/Moscow")


def m(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=MSK)


CASES_NO_SCHEDULE: list[tuple[str, datetime]] = [
    ("1h", m(2026, 11, 6, 15, 47)),
    ("2 hours", m(2026, 11, 6, 16, 47)),
    ("30m", m(2026, 11, 6, 15, 17)),
    ("30 min", m(2026, 11, 6, 15, 17)),
    ("1h 30m", m(2026, 11, 6, 16, 17)),
    ("1.5h", m(2026, 11, 6, 16, 17)),
    ("in an hour", m(2026, 11, 6, 15, 47)),
    ("in 3 days", m(2026, 11, 9, 14, 47)),
    ("через 2 часа", m(2026, 11, 6, 16, 47)),
    ("через час", m(2026, 11, 6, 15, 47)),
    ("через полчаса", m(2026, 11, 6, 15, 17)),
    ("через 3 дня", m(2026, 11, 9, 14, 47)),
    ("2 недели", m(2026, 11, 20, 14, 47)),
    ("tomorrow", m(2026, 11, 7, 9, 0)),
    ("Tomorrow 10am", m(2026, 11, 7, 10, 0)),
    ("tomorrow 10:00", m(2026, 11, 7, 10, 0)),
    ("tomorrow at 5pm", m(2026, 11, 7, 17, 0)),
    ("10:30 tomorrow", m(2026, 11, 7, 10, 30)),
    ("завтра", m(2026, 11, 7, 9, 0)),
    ("завтра 10:00", m(2026, 11, 7, 10, 0)),
    ("завтра в 10", m(2026, 11, 7, 10, 0)),
    ("завтра в 5 вечера", m(2026, 11, 7, 17, 0)),
    ("послезавтра", m(2026, 11, 8, 9, 0)),
    ("fri", m(2026, 11, 13, 9, 0)),  # today is Friday: next Friday
    ("friday 9:00", m(2026, 11, 13, 9, 0)),
    ("mon", m(2026, 11, 9, 9, 0)),
    ("next monday", m(2026, 11, 9, 9, 0)),
    ("пт", m(2026, 11, 13, 9, 0)),
    ("пятница", m(2026, 11, 13, 9, 0)),
    ("в пятницу в 10", m(2026, 11, 13, 10, 0)),
    ("в понедельник", m(2026, 11, 9, 9, 0)),
    ("вторник 16:30", m(2026, 11, 10, 16, 30)),
    ("next week", m(2026, 11, 9, 9, 0)),
    ("на следующей неделе", m(2026, 11, 9, 9, 0)),
    ("2026-12-01 09:00", m(2026, 12, 1, 9, 0)),
    ("2026-12-01", m(2026, 12, 1, 9, 0)),
    ("01.12.2026 15:00", m(2026, 12, 1, 15, 0)),
    ("01.12", m(2026, 12, 1, 9, 0)),
    ("01.02", m(2027, 2, 1, 9, 0)),  # no year: the next such date
    ("17:00", m(2026, 11, 6, 17, 0)),  # still ahead today
    ("10:00", m(2026, 11, 7, 10, 0)),  # passed: tomorrow
    ("12.30", m(2026, 11, 7, 12, 30)),  # not a date (month 30): a time
    ("5pm", m(2026, 11, 6, 17, 0)),
    ("в 18", m(2026, 11, 6, 18, 0)),
    ("  ЗАВТРА  ", m(2026, 11, 7, 9, 0)),
]


@pytest.mark.parametrize(("text", "expected"), CASES_NO_SCHEDULE)
def test_parse_when_without_schedule(text: str, expected: datetime) -> None:
    got = parse_when(text, NOW, None)
    assert got == expected
    assert got.tzinfo is not None and got > NOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next window", m(2026, 11, 6, 17, 0)),
        ("след окно", m(2026, 11, 6, 17, 0)),
        ("следующее окно", m(2026, 11, 6, 17, 0)),
        ("fri", m(2026, 11, 13, 11, 0)),  # bare day -> first window of that day
        ("next week", m(2026, 11, 9, 11, 0)),
        ("tomorrow", m(2026, 11, 7, 9, 0)),  # Saturday has no window -> 09:00
        ("завтра 10:00", m(2026, 11, 7, 10, 0)),  # an explicit time wins
    ],
)
def test_parse_when_with_schedule(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, SCHED) == expected


def test_next_window_while_open_is_the_following_one() -> None:
    assert parse_when("next window", m(2026, 11, 6, 11, 30), SCHED) == m(2026, 11, 6, 17, 0)
    assert parse_when("next window", m(2026, 11, 6, 17, 30), SCHED) == m(2026, 11, 9, 11, 0)


def test_schedule_timezone_wins_over_now_timezone() -> None:
    now_utc = NOW.astimezone(ZoneInfo("UTC"))
    assert parse_when("tomorrow 10:00", now_utc, SCHED) == m(2026, 11, 7, 10, 0)
    assert parse_when("tomorrow 10:00", now_utc, None).utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_whole_days_keep_wall_clock_across_dst() -> None:
    now = datetime(2026, 3, 28, 10, 0, tzinfo=BER)  # Saturday before the spring switch
    assert parse_when("in 2 days", now, None) == datetime(2026, 3, 30, 10, 0, tzinfo=BER)
    assert parse_when("24h", now, None) == datetime(2026, 3, 29, 11, 0, tzinfo=BER)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("blah", "'blah'"),
        ("tomorrow blah", "'blah'"),
        ("2020-01-01", "in the past"),
        ("today 9:00", "in the past"),
        ("25:00", "'25:00'"),
        ("31.02.2027", "not a valid date"),
        ("0m", "positive"),
        ("next window", "no reply windows"),
        ("in 99999999999999 days", "out of range"),
        ("13pm", "'13pm'"),
    ],
)
def test_parse_when_errors(text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_when(text, NOW, None)


def test_naive_now_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("1h", datetime(2026, 11, 6, 12, 0), None)


@settings(max_examples=500, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.from_regex(r"(in |через )?[0-9]{1,14}(\.[0-9])? ?(h|m|d|w|дней|часа)", fullmatch=True),
        st.from_regex(r"(tomorrow|завтра|fri|пт|[0-9]{1,4}[-.][0-9]{1,2}[-.][0-9]{1,4})? ?(at |в )?[0-9]{1,2}(:[0-9]{2})? ?(am|pm)?", fullmatch=True),
    ),
    with_schedule=st.booleans(),
)
def test_parse_when_only_raises_value_error(text: str, with_schedule: bool) -> None:
    try:
        got = parse_when(text, NOW, SCHED if with_schedule else None)
    except ValueError:
        return
    assert got.tzinfo is not None
    assert got > NOW
