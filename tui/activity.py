"""Active-time accounting for "time per client" (no Textual).

A clock accumulates the gaps between key presses, each gap capped at
``IDLE_CAP`` seconds: someone reading a long message between two keys is
working, someone who walked away for an hour is not.
"""

from __future__ import annotations

import time
from collections.abc import Callable

IDLE_CAP = 60.0


class ActivityClock:
    """Accumulates active seconds from activity pings."""

    def __init__(self, now: Callable[[], float] = time.monotonic, cap: float = IDLE_CAP) -> None:
        self._now = now
        self._cap = cap
        self._last: float | None = None
        self.seconds = 0.0

    def start(self) -> None:
        """Begin counting from now (selection changed, composer opened)."""
        self._last = self._now()
        self.seconds = 0.0

    def touch(self) -> None:
        """A key was pressed: count the gap since the last one (capped)."""
        t = self._now()
        if self._last is not None:
            self.seconds += min(max(t - self._last, 0.0), self._cap)
        self._last = t

    def take(self) -> float:
        """Return the accumulated seconds (counting up to now) and reset."""
        self.touch()
        s, self.seconds = self.seconds, 0.0
        return s


class FocusTracker:
    """Focus time per thread: flushes (tid, seconds) when the selection changes."""

    def __init__(self, now: Callable[[], float] = time.monotonic, cap: float = IDLE_CAP) -> None:
        self.clock = ActivityClock(now, cap)
        self.thread_id: int | None = None

    def select(self, tid: int | None) -> tuple[int, float] | None:
        """Switch to ``tid``; returns what to log for the previous thread (≥ 1 s) or None."""
        if tid == self.thread_id:
            return None
        out = self.flush()
        self.thread_id = tid
        self.clock.start()
        return out

    def touch(self) -> None:
        """Record activity on the current thread."""
        if self.thread_id is not None:
            self.clock.touch()

    def flush(self) -> tuple[int, float] | None:
        """Take the time of the current thread (without changing the selection)."""
        if self.thread_id is None:
            return None
        s = self.clock.take()
        return (self.thread_id, round(s, 1)) if s >= 1.0 else None
