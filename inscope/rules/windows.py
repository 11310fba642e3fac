"""Reply windows: the schedule and window-time arithmetic (pure, no I/O).

A specialist answers clients in fixed *reply windows*, e.g. ``"Mon-Fri 11:00-12:00"`` and
``"Mon-Fri 17:00-18:00"``, in their own timezone.  This module turns those specs into a
:class:`Schedule` that answers:

* is a window open now, when does it end, when is the next one (:meth:`Schedule.state`);
* how many hours of *window time* lie between two instants
  (:meth:`Schedule.window_hours_between`) — the unit of the response-time SLA;
* by when a message must be answered (:meth:`Schedule.due_at`) and how many windows it has
  already waited (:meth:`Schedule.windows_waited`).

Decisions (documented in docs/config.md too):

* Windows are half-open ``[start, end)`` in local wall-clock time and never cross midnight
  (``24:00`` is allowed as an end).  Overlapping windows on one day are merged.
* All arithmetic is done on real instants (epoch seconds), so a window that spans a DST
  switch is as long as it really is.  A local time that does not exist (the spring-forward
  gap) resolves like ``zoneinfo`` does with ``fold=0``; a window lying entirely in such a gap
  shrinks to nothing for that day (it still has an end, so counting stays regular).
* **SLA eligibility.**  A message that arrives *before* a window must be answered by that
  window's end.  A message that arrives *inside* a window counts towards that window only if
  at least ``min_left`` (default 15 minutes) of it remain; otherwise the first window is the
  next one.  "N windows" = the end of the N-th eligible window.
* :meth:`Schedule.windows_waited` counts eligible window ends that have passed, so
  ``windows_waited(a, now) >= n`` exactly when ``now >= due_at(a, n)``.
* **Empty schedule** (no windows configured): always open; one "window" is 24 hours, so
  ``due_at(a, n) = a + n·24h``, ``windows_waited`` = whole days waited and window hours are
  plain hours.
* Naive datetimes are rejected with ``ValueError``: every instant must be aware.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from inscope.config.schema import Windows
from inscope.config.windowspec import DAY_ABBR, WindowSpec, parse_window

DAY_SECONDS = 86_400.0

@dataclass(frozen=True, slots=True)
class WindowState:
    """Where ``now`` is relative to the schedule.

    ``open``: a window is open now; ``current_end``: when it closes (windows that touch,
    e.g. ``22:00-24:00`` and ``00:00-02:00``, count as one).  ``next_start`` / ``next_end``:
    the next window after the current one (or after ``now`` when closed).  All datetimes are
    aware, in the schedule's timezone.  An empty schedule is always open with no ends.
    """

    open: bool
    current_end: datetime | None
    next_start: datetime | None
    next_end: datetime | None


def _aware_ts(dt: datetime, what: str) -> float:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got naive {dt.isoformat()}")
    return dt.timestamp()


class Schedule:
    """A weekly set of reply windows in one timezone, with window-time arithmetic.

    Public methods take and return aware datetimes; the ``*_ts`` twins work on epoch
    seconds for hot paths (triage over thousands of threads).
    """

    __slots__ = ("specs", "tz", "min_left", "_by_weekday", "_ends_per_weekday", "_days")

    def __init__(
        self,
        specs: Sequence[WindowSpec] = (),
        tz: str | ZoneInfo = "UTC",
        *,
        min_left: timedelta = timedelta(minutes=15),
    ) -> None:
        self.specs: tuple[WindowSpec, ...] = tuple(specs)
        self.tz: ZoneInfo = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.min_left: float = min_left.total_seconds()
        per_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for s in self.specs:
            for d in s.days:
                per_day[d].append((s.start_min, s.end_min))
        merged: list[tuple[tuple[int, int], ...]] = []
        for spans in per_day:
            spans.sort()
            acc: list[tuple[int, int]] = []
            for a, b in spans:
                if acc and a <= acc[-1][1]:
                    acc[-1] = (acc[-1][0], max(acc[-1][1], b))
                else:
                    acc.append((a, b))
            merged.append(tuple(acc))
        self._by_weekday: tuple[tuple[tuple[int, int], ...], ...] = tuple(merged)
        self._ends_per_weekday: tuple[int, ...] = tuple(len(x) for x in merged)
        # Local date ordinal -> that day's windows as epoch (start, end); bounded below.
        self._days: dict[int, tuple[tuple[float, float], ...]] = {}

    @classmethod
    def from_config(cls, windows_cfg: Windows, tz: str) -> Schedule:
        """Build from ``[windows]`` and ``[me] timezone``; ``ValueError`` on a bad spec."""
        specs: list[WindowSpec] = []
        for spec in windows_cfg.reply:
            specs.extend(parse_window(spec))
        return cls(specs, tz)

    @property
    def empty(self) -> bool:
        """No windows configured: the schedule is always open."""
        return not any(self._ends_per_weekday)

    def first_start(self, d: date) -> datetime | None:
        """The start of the first window on local date ``d`` (``None``: no window that day)."""
        spans = self._by_weekday[d.weekday()]
        if not spans:
            return None
        m = spans[0][0]
        return datetime(d.year, d.month, d.day, m // 60, m % 60, tzinfo=self.tz)

    def __repr__(self) -> str:
        return f"Schedule({[str(s) for s in self.specs]!r}, tz={self.tz.key!r})"

    # -- day expansion ---------------------------------------------------------------

    def _local_ord(self, ts: float) -> int:
        return datetime.fromtimestamp(ts, self.tz).toordinal()

    def _epoch(self, d: date, minute: int) -> float:
        if minute >= 1440:
            d = d + timedelta(days=1)
            minute -= 1440
        return datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=self.tz).timestamp()

    def _day(self, ordinal: int) -> tuple[tuple[float, float], ...]:
        """The windows of one local date as epoch ``(start, end)`` pairs, cached."""
        got = self._days.get(ordinal)
        if got is None:
            if len(self._days) > 4096:  # a long-running app must not grow without bound
                self._days.clear()
            d = date.fromordinal(ordinal)
            got = tuple(
                (self._epoch(d, a), self._epoch(d, b)) for a, b in self._by_weekday[d.weekday()]
            )
            self._days[ordinal] = got
        return got

    def _windows_from(self, ts: float) -> Iterator[tuple[float, float]]:
        """Windows with ``end > ts`` in time order (endless; the schedule must not be empty)."""
        o = self._local_ord(ts)
        while True:
            for s, e in self._day(o):
                if e > ts:
                    yield s, e
            o += 1

    def _dt(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.tz)

    # -- state -----------------------------------------------------------------------

    def _chain(
        self, it: Iterator[tuple[float, float]], s: float, e: float, limit: float
    ) -> tuple[float, float, tuple[float, float]]:
        """Extend window ``(s, e)`` over windows that touch it (``22:00-24:00`` followed by
        ``00:00-02:00``), skipping windows shrunk to nothing by a DST gap; return the chained
        window and the first window after it.  ``limit`` bounds a 24/7 schedule."""
        n = next(it)
        while n[1] <= n[0] or (n[0] <= e and e < limit):
            if n[1] > n[0]:
                e = max(e, n[1])
            n = next(it)
        return s, e, n

    def state_ts(self, now: float) -> tuple[bool, float | None, float | None, float | None]:
        """:meth:`state` on epoch seconds: ``(open, current_end, next_start, next_end)``."""
        if self.empty:
            return True, None, None, None
        it = self._windows_from(now)
        s, e = next(it)
        while e <= s:  # a window lost in a DST gap can never be open
            s, e = next(it)
        limit = now + 8 * DAY_SECONDS
        s, e, after = self._chain(it, s, e, limit)
        if s <= now:
            ns, ne, _ = self._chain(it, after[0], after[1], limit + 8 * DAY_SECONDS)
            return True, e, ns, ne
        return False, None, s, e

    def state(self, now: datetime) -> WindowState:
        """Is a window open at ``now``; when does it close; when is the next one."""
        is_open, ce, ns, ne = self.state_ts(_aware_ts(now, "now"))
        return WindowState(
            open=is_open,
            current_end=None if ce is None else self._dt(ce),
            next_start=None if ns is None else self._dt(ns),
            next_end=None if ne is None else self._dt(ne),
        )

    # -- window time -----------------------------------------------------------------

    def window_seconds_between_ts(self, a: float, b: float) -> float:
        """Seconds of window time in ``[a, b)``; 0 when ``b <= a``."""
        if b <= a:
            return 0.0
        if self.empty:
            return b - a
        total = 0.0
        o, ob = self._local_ord(a), self._local_ord(b)
        while o <= ob:
            for s, e in self._day(o):
                lo = s if s > a else a
                hi = e if e < b else b
                if hi > lo:
                    total += hi - lo
            o += 1
        return total

    def window_hours_between(self, a: datetime, b: datetime) -> float:
        """Hours of window time between two instants (0 when ``b <= a``).

        Additive: ``f(a, b) + f(b, c) == f(a, c)`` for ``a <= b <= c``.  With no windows
        configured this is plain elapsed hours.
        """
        return self.window_seconds_between_ts(_aware_ts(a, "a"), _aware_ts(b, "b")) / 3600.0

    # -- SLA ---------------------------------------------------------------------------

    def due_at_ts(self, arrived: float, sla_windows: int = 1) -> float:
        """:meth:`due_at` on epoch seconds."""
        if sla_windows < 1:
            raise ValueError(f"sla_windows must be >= 1, got {sla_windows}")
        if self.empty:
            return arrived + sla_windows * DAY_SECONDS
        n = 0
        for s, e in self._windows_from(arrived):
            if s < arrived and e - arrived < self.min_left:
                continue  # arrived too late in this window to be answered in it
            n += 1
            if n == sla_windows:
                return e
        raise AssertionError("unreachable: _windows_from is endless")

    def due_at(self, arrived: datetime, sla_windows: int = 1) -> datetime:
        """When a message that arrived at ``arrived`` should be answered.

        ``sla_windows = 1``: the end of the first window that starts at/after the arrival,
        or the window it arrived in if at least ``min_left`` of it remained; ``2``: the end
        of the window after that, and so on.  Empty schedule: ``arrived + n·24h``.
        """
        ts = _aware_ts(arrived, "arrived")
        return self._dt(self.due_at_ts(ts, sla_windows))

    def nth_window_end_ts(self, after: float, n: int) -> float:
        """The end of the ``n``-th window that opens at or after ``after`` (a window open at
        ``after`` does not count); an empty schedule: ``after + n·24h``.  A follow-up of
        "2 windows" wakes here: the client has had two of my windows to answer."""
        if n < 1:
            raise ValueError(f"the number of windows must be >= 1, got {n}")
        if self.empty:
            return after + n * DAY_SECONDS
        k = 0
        for s, e in self._windows_from(after):
            if s < after or e <= s:  # already open, or lost in a DST gap
                continue
            k += 1
            if k == n:
                return e
        raise AssertionError("unreachable: _windows_from is endless")

    def due_after_window_hours_ts(self, arrived: float, hours: float) -> float:
        """The instant at which ``hours`` of window time have passed since ``arrived``
        (for an SLA written in hours, e.g. ``sla = "2h"``)."""
        left = max(hours, 0.0) * 3600.0
        if self.empty or left == 0.0:
            return arrived + left
        for s, e in self._windows_from(arrived):
            lo = s if s > arrived else arrived
            if e - lo >= left:
                return lo + left
            left -= e - lo
        raise AssertionError("unreachable: _windows_from is endless")

    def _count_ends_ts(self, a: float, b: float) -> int:
        """Number of window ends ``e`` with ``a < e <= b``, in O(1) for long spans."""
        oa, ob = self._local_ord(a), self._local_ord(b)
        if oa == ob:
            return sum(1 for _, e in self._day(oa) if a < e <= b)
        count = sum(1 for _, e in self._day(oa) if e > a)
        count += sum(1 for _, e in self._day(ob) if e <= b)
        # Full days in between: every window of a date ends within (a, b], and the number
        # of windows per date depends only on the weekday (DST never removes a window).
        first, last = oa + 1, ob - 1
        if last >= first:
            n_days = last - first + 1
            weeks, rem = divmod(n_days, 7)
            count += weeks * sum(self._ends_per_weekday)
            wd = date.fromordinal(first).weekday()
            for k in range(rem):
                count += self._ends_per_weekday[(wd + k) % 7]
        return count

    def windows_waited_ts(self, arrived: float, now: float) -> int:
        """:meth:`windows_waited` on epoch seconds."""
        if now <= arrived:
            return 0
        if self.empty:
            return int((now - arrived) // DAY_SECONDS)
        n = self._count_ends_ts(arrived, now)
        # The window the message arrived in does not count if too little of it was left.
        for s, e in self._day(self._local_ord(arrived)):
            if s < arrived < e and e - arrived < self.min_left and e <= now:
                n -= 1
                break
        return n

    def windows_waited(self, arrived: datetime, now: datetime) -> int:
        """How many (eligible) window ends passed between ``arrived`` and ``now``.

        Consistent with :meth:`due_at`: ``windows_waited(a, now) >= n`` iff
        ``now >= due_at(a, n)``.  Empty schedule: whole days waited.
        """
        return self.windows_waited_ts(_aware_ts(arrived, "arrived"), _aware_ts(now, "now"))


# -- header --------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """Compact human duration, rounded up to the minute: ``"23 min"``, ``"2h 13m"``,
    ``"2d 1h"``.  Rounding up means an open window never shows "0 min left"."""
    total = max(0, math.ceil(seconds / 60.0 - 1e-9))
    if total < 60:
        return f"{total} min"
    days, rem = divmod(total, 24 * 60)
    hours, minutes = divmod(rem, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    return f"{hours}h {minutes}m" if minutes else f"{hours}h"


def _when_label(at: datetime, now: datetime) -> str:
    local_now = now.astimezone(at.tzinfo) if at.tzinfo else now
    days_ahead = (at.date() - local_now.date()).days
    if days_ahead == 0:
        return at.strftime("%H:%M")
    if 0 < days_ahead < 7:
        return f"{DAY_ABBR[at.weekday()]} {at.strftime('%H:%M')}"
    return f"{DAY_ABBR[at.weekday()]} {at.day} {at.strftime('%b %H:%M')}"


def header_text(state: WindowState, now: datetime, cleared: int, total: int, urgent: int) -> str:
    """The inbox header line.

    Open: ``"window open · 23 min left · 7 of 19 cleared"``.  Closed:
    ``"next window 17:00 (in 2h 13m) · 3 urgent"``; a later day shows the weekday
    (``"next window Mon 11:00 (in 2d 1h)"``), more than a week ahead the date too.
    ``· N urgent`` is appended only when ``urgent > 0`` (in both states); an empty schedule
    says ``"no reply windows"`` instead of the window part.
    """
    parts: list[str] = []
    if state.open:
        if state.current_end is None:
            parts.append("no reply windows")
        else:
            # Timestamps, not datetime subtraction: within one zone that is wall-clock time.
            left = state.current_end.timestamp() - now.timestamp()
            parts.append("window open")
            parts.append(f"{format_duration(left)} left")
        parts.append(f"{cleared} of {total} cleared" if total else "nothing waiting")
    elif state.next_start is None:
        parts.append("no upcoming window")
    else:
        wait = state.next_start.timestamp() - now.timestamp()
        parts.append(
            f"next window {_when_label(state.next_start, now)} (in {format_duration(wait)})"
        )
    if urgent > 0:
        parts.append(f"{urgent} urgent")
    return " · ".join(parts)
