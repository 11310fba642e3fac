"""Fewer cyclic collections while a headless sync round runs.

A backfill allocates millions of short-lived objects (parses, rows, tuples) that reference
counting frees at once; the cyclic collector at its default threshold (700 net new
objects) still runs a young collection every few hundred items, and a full one — a walk
over everything alive, the rules' caches and the demo world included — every 70,000.
Measured in a headless sync: 1.1–1.9 s of a 10,000-message Maildir backfill and ~1.5 s
of the 100k demo sync were collections (docs/performance.md).

During a round the young threshold is raised to :data:`YOUNG`: garbage cycles are still
found, in bigger batches (at most about :data:`YOUNG` objects wait), and the full walks
that the young collections trigger become rare.  The thresholds are restored when the
last round running ends.  The TUI turns automatic collection off altogether and collects
between keys (``tui/gcpolicy.py``); there this changes nothing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 50_000
"""Net new container objects between two young collections during a sync round."""

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young threshold to :data:`YOUNG` for the body (nested or from threads: once).

    A threshold already at or above it (or 0, collection off) is left as the process set it."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            t0, t1, t2 = gc.get_threshold()
            if 0 < t0 < YOUNG:
                _saved = (t0, t1, t2)
                gc.set_threshold(YOUNG, t1, t2)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
