"""Reply windows: parsing, state, window-time arithmetic, SLA due times, DST, header text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inscope.config import Windows, WindowSpec, parse_window
from inscope.rules.windows import (
    Schedule,
    WindowState,
    format_duration,
    header_text,
)

MSK = ZoneInfo("Europe/Moscow")
BER = ZoneInfo("Europe/Berlin")
DEFAULT = ["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"]


def msk(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=MSK)


def ber(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BER)


def sched(reply: list[str] | None = None, tz: str = "Europe/Moscow") -> Schedule:
    return Schedule.from_config(Windows(reply=DEFAULT if reply is None else reply), tz)


# 2026-11-06 is a Friday.
FRI = (2026, 11, 6)


# -- parse_window ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "days", "start", "end"),
    [
        ("Mon-Fri 11:00-12:00", (0, 1, 2, 3, 4), 660, 720),
        ("Sat 10:00-11:00", (5,), 600, 660),
        ("Mon,Wed,Fri 09:30-10:00", (0, 2, 4), 570, 600),
        ("daily 17:00-18:00", tuple(range(7)), 1020, 1080),
        ("Пн-Пт 11:00-12:00", (0, 1, 2, 3, 4), 660, 720),
        ("пн, ср 9-10", (0, 2), 540, 600),
        ("Пятница 16:00–17:30", (4,), 960, 1050),
        ("weekdays 11-12", (0, 1, 2, 3, 4), 660, 720),
        ("будни 11:00-12:00", (0, 1, 2, 3, 4), 660, 720),
        ("выходные 12:00-13:00", (5, 6), 720, 780),
        ("Fri-Mon 09:00-10:00", (0, 4, 5, 6), 540, 600),
        ("11:00-12:00", tuple(range(7)), 660, 720),
        ("Sun 22:00-24:00", (6,), 1320, 1440),
        ("ежедневно 8.30-9.00", tuple(range(7)), 510, 540),
    ],
)
def test_parse_window_forms(spec: str, days: tuple[int, ...], start: int, end: int) -> None:
    (w,) = parse_window(spec)
    assert w == WindowSpec(days, start, end)


def test_parse_window_several_ranges_and_round_trip() -> None:
    ws = parse_window("Mon-Fri 11:00-12:00, 17:00-18:00")
    assert [str(w) for w in ws] == ["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"]
    assert parse_window(str(ws[0])) == [ws[0]]
    assert str(parse_window("Mon,Wed 9-10")[0]) == "Mon,Wed 09:00-10:00"


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("", "empty"),
        ("Mon-Fri", "no time range"),
        ("Mox 11:00-12:00", "unknown day"),
        ("Mon 12:00-11:00", "end must be after start"),
        ("Mon 22:00-02:00", "cannot cross midnight"),
        ("Mon 11:00-12:00 and lunch", "unexpected"),
        ("Mon 25:00-26:00", "bad time"),
        ("Mon 11:75-12:00", "bad time"),
        ("Mon 24:00-24:00", "cannot start at 24:00"),
        ("Mon-Tue-Wed 11-12", "bad day range"),
    ],
)
def test_parse_window_errors(spec: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle) as ei:
        parse_window(spec)
    assert repr(spec) in str(ei.value)


def test_from_config_bad_spec_raises() -> None:
    with pytest.raises(ValueError, match="unknown day"):
        Schedule.from_config(Windows(reply=["Funday 10-11"]), "UTC")


# -- state -------------------------------------------------------------------------------


def test_state_open_and_closed_same_day() -> None:
    s = sched()
    st_open = s.state(msk(*FRI, 11, 37))
    assert st_open.open
    assert st_open.current_end == msk(*FRI, 12, 0)
    assert st_open.next_start == msk(*FRI, 17, 0)
    assert st_open.next_end == msk(*FRI, 18, 0)
    st_closed = s.state(msk(*FRI, 14, 47))
    assert not st_closed.open
    assert st_closed.current_end is None
    assert (st_closed.next_start, st_closed.next_end) == (msk(*FRI, 17, 0), msk(*FRI, 18, 0))


def test_state_boundaries_are_half_open() -> None:
    s = sched()
    assert s.state(msk(*FRI, 11, 0)).open
    st = s.state(msk(*FRI, 12, 0))
    assert not st.open and st.next_start == msk(*FRI, 17, 0)


def test_state_over_the_weekend() -> None:
    s = sched()
    st = s.state(msk(*FRI, 18, 30))
    assert not st.open
    assert st.next_start == msk(2026, 11, 9, 11, 0)  # Monday
    # The returned datetimes are in the schedule's zone even if asked in UTC.
    st2 = s.state(msk(*FRI, 18, 30).astimezone(UTC))
    assert st2.next_start is not None and st2.next_start.tzinfo == MSK
    assert st2 == st


def test_state_touching_windows_chain_across_midnight() -> None:
    s = sched(["Mon 22:00-24:00", "Tue 00:00-01:00", "Tue 09:00-10:00"])
    st = s.state(msk(2026, 11, 9, 23, 0))
    assert st.open
    assert st.current_end == msk(2026, 11, 10, 1, 0)
    assert st.next_start == msk(2026, 11, 10, 9, 0)


def test_state_overlapping_specs_merge() -> None:
    s = sched(["Mon 10:00-12:00", "Mon 11:00-13:00"])
    st = s.state(msk(2026, 11, 9, 10, 30))
    assert st.open and st.current_end == msk(2026, 11, 9, 13, 0)


def test_state_24_7_is_bounded() -> None:
    s = sched(["daily 00:00-24:00"])
    st = s.state(msk(*FRI, 12, 0))
    assert st.open and st.current_end is not None
    assert st.current_end > msk(*FRI, 12, 0) + timedelta(days=7)


def test_empty_schedule_always_open() -> None:
    s = sched([])
    assert s.empty
    assert s.state(msk(*FRI, 3, 0)) == WindowState(True, None, None, None)
    a = msk(*FRI, 10, 0)
    assert s.due_at(a) == a + timedelta(hours=24)
    assert s.due_at(a, 2) == a + timedelta(hours=48)
    assert s.windows_waited(a, a + timedelta(hours=49)) == 2
    assert s.window_hours_between(a, a + timedelta(hours=5)) == pytest.approx(5.0)


def test_naive_datetimes_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        sched().state(datetime(2026, 11, 6, 12, 0))


# -- window hours --------------------------------------------------------------------------


def test_window_hours_week_and_partial() -> None:
    s = sched()
    assert s.window_hours_between(msk(2026, 11, 9, 0, 0), msk(2026, 11, 16, 0, 0)) == 10.0
    assert s.window_hours_between(msk(*FRI, 11, 30), msk(*FRI, 17, 15)) == pytest.approx(0.75)
    # Friday evening to Monday noon: only Monday 11-12.
    assert s.window_hours_between(msk(*FRI, 18, 0), msk(2026, 11, 9, 12, 0)) == 1.0
    assert s.window_hours_between(msk(*FRI, 17, 0), msk(*FRI, 11, 0)) == 0.0


def test_window_hours_across_dst_berlin() -> None:
    # 2026-03-29 02:00 CET -> 03:00 CEST (Sunday); 2026-10-25 03:00 CEST -> 02:00 CET.
    s = sched(["daily 01:00-04:00"], "Europe/Berlin")
    assert s.window_hours_between(ber(2026, 3, 29, 0, 0), ber(2026, 3, 30, 0, 0)) == 2.0
    assert s.window_hours_between(ber(2026, 3, 28, 0, 0), ber(2026, 3, 29, 0, 0)) == 3.0
    assert s.window_hours_between(ber(2026, 10, 25, 0, 0), ber(2026, 10, 26, 0, 0)) == 4.0
    # A normal office window is 1 h before and after the switch, and the clock time holds.
    office = sched(["Mon-Fri 11:00-12:00"], "Europe/Berlin")
    assert office.window_hours_between(ber(2026, 3, 27, 0, 0), ber(2026, 3, 31, 0, 0)) == 2.0
    assert office.due_at(ber(2026, 3, 27, 13, 0)) == ber(2026, 3, 30, 12, 0)
    assert office.due_at(ber(2026, 10, 23, 13, 0)) == ber(2026, 10, 26, 12, 0)
    assert office.due_at(ber(2026, 10, 23, 13, 0)).utcoffset() == timedelta(hours=1)


def test_window_in_dst_gap_shrinks_but_still_counts() -> None:
    s = sched(["daily 02:00-03:00"], "Europe/Berlin")
    day = (2026, 3, 29)
    assert s.window_hours_between(ber(*day, 0, 0), ber(2026, 3, 30, 0, 0)) == 0.0
    st = s.state(ber(*day, 1, 0))
    assert not st.open and st.next_start == ber(2026, 3, 30, 2, 0)
    # One end per day regardless: the gap window is counted, consistently with due_at.
    a = ber(2026, 3, 28, 12, 0)
    assert s.windows_waited(a, ber(2026, 3, 30, 12, 0)) == 2
    assert s.due_at(a, 2) <= ber(2026, 3, 30, 12, 0)


def test_moscow_has_no_dst() -> None:
    s = sched(["daily 11:00-12:00"])
    assert s.window_hours_between(msk(2026, 3, 1, 0, 0), msk(2026, 11, 1, 0, 0)) == float(
        (datetime(2026, 11, 1) - datetime(2026, 3, 1)).days
    )


# -- due_at / windows_waited -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrived", "n", "due"),
    [
        (msk(*FRI, 9, 0), 1, msk(*FRI, 12, 0)),  # before the window -> its end
        (msk(*FRI, 11, 10), 1, msk(*FRI, 12, 0)),  # inside, 50 min left -> this window
        (msk(*FRI, 11, 45), 1, msk(*FRI, 12, 0)),  # exactly 15 min left still counts
        (msk(*FRI, 11, 50), 1, msk(*FRI, 18, 0)),  # 10 min left -> the next window
        (msk(*FRI, 12, 0), 1, msk(*FRI, 18, 0)),  # at the end -> next
        (msk(*FRI, 9, 0), 2, msk(*FRI, 18, 0)),
        (msk(*FRI, 17, 30), 1, msk(*FRI, 18, 0)),
        (msk(*FRI, 18, 5), 1, msk(2026, 11, 9, 12, 0)),  # Friday evening -> Monday
        (msk(2026, 11, 7, 10, 0), 2, msk(2026, 11, 9, 18, 0)),  # Saturday, 2 windows
        (msk(*FRI, 9, 0), 3, msk(2026, 11, 9, 12, 0)),
    ],
)
def test_due_at(arrived: datetime, n: int, due: datetime) -> None:
    assert sched().due_at(arrived, n) == due


def test_due_at_rejects_zero() -> None:
    with pytest.raises(ValueError):
        sched().due_at(msk(*FRI, 9, 0), 0)


def test_windows_waited() -> None:
    s = sched()
    a = msk(*FRI, 9, 0)
    assert s.windows_waited(a, msk(*FRI, 11, 59)) == 0
    assert s.windows_waited(a, msk(*FRI, 12, 0)) == 1
    assert s.windows_waited(a, msk(*FRI, 18, 0)) == 2
    assert s.windows_waited(a, msk(2026, 11, 9, 11, 0)) == 2  # weekend adds nothing
    assert s.windows_waited(a, msk(2026, 11, 16, 9, 0)) == 12
    assert s.windows_waited(a, a - timedelta(hours=1)) == 0
    late = msk(*FRI, 11, 50)  # too late for the 11-12 window: it does not count
    assert s.windows_waited(late, msk(*FRI, 12, 30)) == 0
    assert s.windows_waited(late, msk(*FRI, 18, 0)) == 1


def test_windows_waited_long_span_is_exact() -> None:
    s = sched()
    a = msk(2026, 1, 1, 0, 0)
    b = msk(2027, 1, 1, 0, 0)
    weekdays = sum(
        1 for d in range((b - a).days) if (a + timedelta(days=d)).weekday() < 5
    )
    assert s.windows_waited(a, b) == 2 * weekdays


@settings(max_examples=150, deadline=None)
@given(
    a=st.integers(min_value=0, max_value=60 * 24 * 60),
    n=st.integers(min_value=1, max_value=5),
    tz=st.sampled_from(["Europe/Moscow", "Europe/Berlin", "America/New_York"]),
)
def test_due_at_and_windows_waited_agree(a: int, n: int, tz: str) -> None:
    s = sched(DEFAULT + ["Sat 10:00-10:10"], tz)
    arrived = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=a)
    due = s.due_at(arrived, n)
    assert due > arrived
    assert s.windows_waited(arrived, due) >= n
    assert s.windows_waited(arrived, due - timedelta(seconds=1)) == n - 1


@settings(max_examples=200, deadline=None)
@given(
    xs=st.lists(st.integers(min_value=0, max_value=90 * 24 * 60), min_size=3, max_size=3),
    tz=st.sampled_from(["Europe/Moscow", "Europe/Berlin"]),
    reply=st.sampled_from([DEFAULT, ["daily 01:00-04:00"], ["Sat 10:00-11:00"], []]),
)
def test_window_hours_additive_and_nonnegative(xs: list[int], tz: str, reply: list[str]) -> None:
    s = sched(reply, tz)
    base = datetime(2026, 2, 1, tzinfo=UTC)
    a, b, c = (base + timedelta(minutes=x) for x in sorted(xs))
    ab, bc, ac = s.window_hours_between(a, b), s.window_hours_between(b, c), s.window_hours_between(a, c)
    assert ab >= 0 and bc >= 0
    assert ab + bc == pytest.approx(ac, abs=1e-6)
    assert ac <= (c - a).total_seconds() / 3600 + 1e-9


# -- header ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (59, "1 min"), (23 * 60, "23 min"), (3600, "1h"), (2 * 3600 + 13 * 60, "2h 13m"),
     (2 * 86400 + 3600, "2d 1h"), (3 * 86400, "3d")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_header_open() -> None:
    s = sched()
    now = msk(*FRI, 11, 37)
    assert header_text(s.state(now), now, 7, 19, 0) == "window open · 23 min left · 7 of 19 cleared"
    assert header_text(s.state(now), now, 0, 0, 2) == "window open · 23 min left · nothing waiting · 2 urgent"


def test_header_closed_today_and_later() -> None:
    s = sched()
    now = msk(*FRI, 14, 47)
    assert header_text(s.state(now), now, 0, 5, 3) == "next window 17:00 (in 2h 13m) · 3 urgent"
    sat = msk(2026, 11, 7, 10, 0)
    assert header_text(s.state(sat), sat, 0, 5, 0) == "next window Mon 11:00 (in 2d 1h)"
    far = sched(["Mon 11:00-12:00"])
    tue = msk(2026, 11, 10, 12, 0)
    assert header_text(far.state(tue), tue, 0, 0, 0) == "next window Mon 11:00 (in 5d 23h)"


def test_header_empty_schedule() -> None:
    now = msk(*FRI, 3, 0)
    assert header_text(sched([]).state(now), now, 1, 2, 0) == "no reply windows · 1 of 2 cleared"


def test_first_start() -> None:
    s = sched()
    assert s.first_start(msk(*FRI, 0, 0).date()) == msk(*FRI, 11, 0)
    assert s.first_start(msk(2026, 11, 7, 0, 0).date()) is None


def test_header_counts_real_time_across_dst() -> None:
    # Saturday 2026-10-24 20:00 CEST; the night has 25 hours; Monday 11:00 CET.
    s = sched(["Mon-Fri 11:00-12:00"], "Europe/Berlin")
    now = ber(2026, 10, 24, 20, 0)
    assert header_text(s.state(now), now, 0, 0, 0) == "next window Mon 11:00 (in 1d 16h)"
