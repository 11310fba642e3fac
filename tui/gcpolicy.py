"""When the cyclic garbage collector runs: right after a key's frame, and while keys pause.

Python collects when allocations pass a threshold, wherever that happens to be — in the
middle of a key's frame, mostly.  Textual makes a lot of cyclic garbage (a ``Strip`` that
was cropped or divided holds itself in its own cache; messages, workers and timers hold
each other): ~8,000 objects per ``e``, so a young collection (2–6 ms) lands on some ``j``
and a full one (150–180 ms at 100k messages, measured in the benchmark's key run) on some
``e`` or ``/``.  Those were the p95s.

``IdleCollector`` turns automatic collection off once the app has started (everything
alive then is frozen first: it lives as long as the app) and collects on the UI thread at
moments nobody waits for:

* the young generations right after the frame that shows a key's effect (``after_frame``):
  the garbage of that key is collected while the user looks at its result (~2–10 ms; key
  repeat leaves ~30 ms between two keys);
* the young generations from a timer once the keys have paused for ``IDLE_YOUNG`` seconds
  (what workers and the sync thread left);
* everything once the keys have paused for ``IDLE_FULL`` seconds, at most every
  ``FULL_EVERY`` seconds, and after every ``FULL_AFTER_YOUNG`` young collections (a full
  pass is ~20–40 ms once start-up is frozen): what survived a young collection in a cache
  and died later — Textual's strips, most of all — is only found by a full one;
* regardless of keys, the young generations when ``HARD_LIMIT`` objects are waiting and
  everything after ``FULL_AT_LATEST`` seconds, so memory stays bounded under a key held
  for minutes or a sync thread that allocates without pause.

The collector is process-wide: what worker threads leave behind is collected here too.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

IDLE_YOUNG = 0.15  # s without a key before the young generations are collected
IDLE_FULL = 1.0  # s without a key before a full collection
FULL_EVERY = 10.0  # s at least between two full collections (when idle)
FULL_AFTER_YOUNG = 200  # young collections after which the next one is a full one, keys or not
FULL_AT_LATEST = 60.0  # s at most between two full collections, keys or not
SOFT_LIMIT = 2_000  # waiting objects worth a young collection when idle
HARD_LIMIT = 100_000  # waiting objects collected even while keys come in
TICK = 0.1  # s between two looks (the app's timer)


class IdleCollector:
    """Collects between keys; the app calls ``start``, ``touch`` per key, ``tick`` per ``TICK``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 pending: Callable[[], int] = lambda: gc.get_count()[0],
                 collect: Callable[[int], object] = gc.collect,
                 middle: Callable[[], int] = lambda: gc.get_count()[1]) -> None:
        self._clock = clock
        self._pending = pending
        self._middle_count = middle
        self._collect = collect
        self._active = False
        self._last_key = self._last_full = clock()
        self._young_since_full = 0
        self.collections: list[int] = []  # generations collected, oldest first (tests)

    @property
    def active(self) -> bool:
        """Automatic collection is off and this collector decides."""
        return self._active

    def start(self) -> None:
        """Freeze what exists (it lives as long as the app) and take over from the thresholds."""
        gc.freeze()
        gc.disable()
        self._active = True
        self._last_key = self._last_full = self._clock()

    def stop(self) -> None:
        """Give collection back to the interpreter (the app is leaving)."""
        if self._active:
            self._active = False
            gc.enable()

    def touch(self) -> None:
        """A key was pressed: no timed collection until the keys pause."""
        self._last_key = self._clock()

    def after_frame(self) -> int | None:
        """The frame after a key is out: collect the youngest generation if worth it.

        Only generation 0: what is still in use right after a key (the strips on screen,
        the previous document) moves to generation 1, where the idle collection finds the
        part of it that died meanwhile, instead of straight to the old generation, which
        only a full (and long) collection searches.
        """
        if not self._active or self._pending() < SOFT_LIMIT:
            return None
        return self._run(0)

    def _run(self, generation: int) -> int:
        if generation == 2:
            self._last_full = self._clock()
            self._young_since_full = 0
        elif generation == 1:
            self._young_since_full += 1
        self._collect(generation)
        self.collections.append(generation)
        return generation

    def tick(self) -> int | None:
        """Collect if it is time; returns the generation collected (or None)."""
        if not self._active:
            return None
        now = self._clock()
        idle = now - self._last_key
        pending = self._pending()
        since_full = now - self._last_full
        waiting = self._young_since_full > 0 or pending >= SOFT_LIMIT
        if waiting and (since_full >= FULL_AT_LATEST or (idle >= IDLE_FULL and since_full >= FULL_EVERY)):
            return self._run(2)
        if pending >= HARD_LIMIT or (idle >= IDLE_YOUNG and (pending >= SOFT_LIMIT or self._middle())):
            return self._run(2 if self._young_since_full >= FULL_AFTER_YOUNG else 1)
        return None

    def _middle(self) -> bool:
        """Generation 1 holds what ``after_frame`` collections left (``gc.get_count()[1]``)."""
        return self._middle_count() > 0
