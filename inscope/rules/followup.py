"""When a follow-up brings a thread back: "2 windows", "3 days", or any snooze time (pure).

A follow-up says "if the client has not answered by then, bring it back".  The time is
counted in the specialist's own units:

=========================================  ===============================================
input                                      wakes at
=========================================  ===============================================
``1 window``, ``2 windows``, ``2 окна``,    the end of the N-th reply window that opens
``3 окон``, ``окно``, ``window``            after now (a window open now does not count);
                                           with no windows configured, N × 24 hours
``3 days``, ``1 day``, ``2 дня``, ``5 дней``  the same clock time N calendar days later
``3d``, ``2д``
anything ``inscope.rules.snooze`` reads     that time (``tomorrow 11:00``, ``fri``, ``2h``)
=========================================  ===============================================

:func:`followup_at` raises ``ValueError`` naming what was not understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inscope.rules.snooze import parse_when
from inscope.rules.windows import Schedule

_WINDOWS = re.compile(r"^(?:(\d+)\s*)?(?:windows?|reply windows?|окно|окна|окон)$")
_DAYS = re.compile(r"^(\d+)\s*(?:d|days?|д|день|дня|дней|сут|суток)$")
MAX_COUNT = 100


@dataclass(frozen=True, slots=True)
class FollowupTime:
    """When a follow-up wakes (aware, in the schedule's timezone) and how it was asked."""

    at: datetime
    label: str  # "2 reply windows", "3 days", or the input as typed


def followup_at(text: str, now: datetime, schedule: Schedule) -> FollowupTime:
    """The wake time of a follow-up asked as ``text`` at ``now`` (aware).  ``ValueError`` if
    ``text`` is not understood or names a time that is not ahead."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    t = " ".join(text.lower().replace("ё", "е").split()).strip(" .")
    t = re.sub(r"^(?:in|after|через)\s+", "", t)
    if not t:
        raise ValueError("say when: e.g. \"2 windows\", \"3 days\", \"2 окна\", \"tomorrow 11:00\"")
    m = _WINDOWS.match(t)
    if m:
        n = int(m.group(1) or 1)
        _check(n, text)
        end = schedule.nth_window_end_ts(now.timestamp(), n)
        label = "1 reply window" if n == 1 else f"{n} reply windows"
        return FollowupTime(datetime.fromtimestamp(end, schedule.tz), label)
    m = _DAYS.match(t)
    if m:
        n = int(m.group(1))
        _check(n, text)
        local = now.astimezone(schedule.tz)
        wall = (local.replace(tzinfo=None) + timedelta(days=n)).replace(tzinfo=schedule.tz)
        # Round-trip through UTC so a DST switch in between keeps the wall-clock time.
        later = wall.astimezone(UTC).astimezone(schedule.tz)
        return FollowupTime(later, "1 day" if n == 1 else f"{n} days")
    return FollowupTime(parse_when(text, now, schedule), " ".join(text.split()))


def _check(n: int, text: str) -> None:
    if not 1 <= n <= MAX_COUNT:
        raise ValueError(f"{text!r}: the number must be between 1 and {MAX_COUNT}")
