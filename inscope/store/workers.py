"""Triage a backfill's threads on the other cores: a forked process pool.

``refresh.assessed`` is a pure function of a thread's row, its newest messages and the
triage function, so the columns a worker computes are exactly the ones the store would
have computed itself (tests compare the two on a whole demo workspace).  Only the
assessment moves: the store still reads the rows and writes the results in its own
transaction, in order, and clears the untriaged marks with them.

The workers are forked after the rules were warmed (lexicons compiled, the Russian
dictionary loaded, the user's decisions fitted), so each inherits them instead of
building its own; the rules renew their locks in a forked child (``inscope.rules``).
Where processes cannot be forked, or below :data:`MIN_THREADS` threads, or when the
pool breaks, the store assesses inline — the result is the same, only slower.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from inscope.store.refresh import TriageFn, Work, assess_all

if TYPE_CHECKING:  # concurrent.futures loads multiprocessing: not before a pool is needed
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = ["CHUNK", "MIN_THREADS", "WORKERS", "TriagePool", "pool", "pool_for"]

log = logging.getLogger("inscope.store.workers")

WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Worker processes: the machine's cores, at most two (the store's thread reads and
writes meanwhile, which is cheap next to the rules)."""
MIN_THREADS = 1000
"""Threads to triage below which no pool is started (forking and warming cost ~0.1 s;
1000 threads are ~0.3 s of rules)."""
CHUNK = 100
"""Threads per task: small enough that both workers stay busy to the end of a transaction."""

Result = list[tuple[int, dict[str, Any]]]
"""(thread id, the triage columns that changed) per thread of a task, in order."""

_triage: TriageFn | None = None  # the worker's triage function, inherited at the fork


def _install(triage: TriageFn) -> None:
    """Worker initializer: keep the triage function (not pickled: the worker is forked)
    and exit with the parent."""
    global _triage
    from connectors.procs import watch_parent

    _triage = triage
    watch_parent()


def assess_chunk(work: Sequence[Work]) -> Result:
    """What a worker runs: the changed triage columns of each thread of ``work``."""
    assert _triage is not None, "a triage worker runs only after _install"
    return assess_all(work, _triage)


class TriagePool:
    """Worker processes assessing threads with one triage function (``close`` when done)."""

    def __init__(self, triage: TriageFn, workers: int = WORKERS) -> None:
        from concurrent.futures import ProcessPoolExecutor

        from connectors.procs import start_context

        self.triage = triage
        self._ex: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers, mp_context=start_context(), initializer=_install, initargs=(triage,))

    def submit(self, work: Sequence[Work]) -> list[tuple[Sequence[Work], Future[Result] | None]]:
        """Hand ``work`` to the workers in tasks of :data:`CHUNK` threads: per task (its
        work, its future); the future is ``None`` once the pool is unusable (assess inline)."""
        out: list[tuple[Sequence[Work], Future[Result] | None]] = []
        for i in range(0, len(work), CHUNK):
            part = work[i:i + CHUNK]
            fut: Future[Result] | None = None
            if self._ex is not None:
                try:
                    fut = self._ex.submit(assess_chunk, part)
                except Exception as e:  # cannot fork, or a worker died: inline from now on
                    log.warning("triage pool unusable (%s); assessing inline", e)
                    self.close()
            out.append((part, fut))
        return out

    def result(self, part: Sequence[Work], fut: Future[Result] | None) -> Result:
        """The workers' result for ``part`` (waits for it); assessed inline if they failed."""
        if fut is not None:
            try:
                return fut.result()
            except Exception as e:  # a broken pool must not lose a thread's triage
                log.warning("triage in the pool failed (%s); assessing inline", e)
                self.close()
        return assess_all(part, self.triage)

    def close(self) -> None:
        """Stop the workers; results not collected yet are computed inline by ``result``."""
        ex, self._ex = self._ex, None
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)


def pool_for(triage: TriageFn, threads: int) -> TriagePool | None:
    """A pool for triaging ``threads`` threads, or ``None`` to assess inline (a single
    core, no fork, or no processes to be had); :func:`pool` decides whether there are
    enough threads for one."""
    from connectors.procs import can_fork

    if WORKERS < 2 or not can_fork():
        return None
    try:
        return TriagePool(triage)
    except Exception as e:  # no semaphores, no processes: inline
        log.warning("cannot start a triage pool (%s); assessing inline", e)
        return None


@contextmanager
def pool(triage: TriageFn, threads: int, warm: Callable[[], None] | None = None) -> Iterator[TriagePool | None]:
    """A pool for triaging ``threads`` threads while the block runs (``None``: inline),
    forked after ``warm`` so the workers inherit the warmed rules; closed at the end."""
    if threads < MIN_THREADS:
        yield None
        return
    if warm is not None:
        try:
            warm()
        except Exception:  # warming is an optimisation: each assessment does it anyway
            log.debug("warming the rules before the triage pool failed", exc_info=True)
    p = pool_for(triage, threads)
    try:
        yield p
    finally:
        if p is not None:
            p.close()
