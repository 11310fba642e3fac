"""Parse e-mails on the other cores during a backfill: a process pool, results in order.

:func:`connectors.email.mime.parse` is a pure function of the message bytes, so a
:class:`~connectors.email.mime.Parsed` made in a worker process is exactly the one the
connector would have made itself (tests compare the two on the whole corpus).  Only the
parse moves: the connector still turns every parse into an ``Item`` in order on its own
thread — threading, the parent cache and the sync state stay serial, as do the store's
writes.

A backfill reads a few pages ahead (:data:`AHEAD_PAGES`) and hands them to the workers,
so they parse the next pages while the engine stores the current one.  Below
:data:`MIN_BACKLOG` messages to read the pool is not started (a quiet poll parses
inline); a pool that cannot start or breaks falls back to parsing inline.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from connectors.procs import start_context as _context
from connectors.procs import watch_parent as _watch_parent

from . import mime

log = logging.getLogger("inscope.email.pool")

WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Worker processes: the machine's cores, at most two (the sync thread needs one too)."""
MIN_BACKLOG = 200
"""Messages still to read below which a backfill parses inline (a pool costs ~0.2 s to start)."""
AHEAD_PAGES = 4
"""Pages read and handed to the workers ahead of the one being returned (bounds memory)."""
CHUNK = 50
"""Messages per task: small enough that both workers stay busy on one page."""


def parse_chunk(raws: Sequence[bytes]) -> list[mime.Parsed]:
    """What a worker runs: ``mime.parse`` of each message, in order."""
    return [mime.parse(r) for r in raws]


@dataclass(slots=True)
class Ahead:
    """One message read ahead: its bytes, its file time and where its parse will come from."""

    raw: bytes
    mtime: datetime
    future: Future[list[mime.Parsed]] | None
    index: int

    def parsed(self) -> mime.Parsed:
        """The worker's parse (waits for it); parsed inline if the worker failed."""
        if self.future is not None:
            try:
                return self.future.result()[self.index]
            except Exception as e:  # a broken pool must not lose the message
                log.debug("parse in the pool failed (%s); parsing inline", e)
        return mime.parse(self.raw)


class ParsePool:
    """A lazily started process pool for :func:`parse_chunk`."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._ex: ProcessPoolExecutor | None = None
        self._broken = False

    @property
    def running(self) -> bool:
        """Whether worker processes are up (started by a ``submit``, not closed since)."""
        return self._ex is not None

    def submit(self, raws: Sequence[bytes]) -> list[tuple[Future[list[mime.Parsed]] | None, int]]:
        """Hand ``raws`` to the workers in chunks; per message (its chunk's future, index).

        The future is ``None`` when there is no pool (it could not start): parse inline.
        """
        ex = self._executor()
        out: list[tuple[Future[list[mime.Parsed]] | None, int]] = []
        for i in range(0, len(raws), CHUNK):
            chunk = list(raws[i:i + CHUNK])
            fut: Future[list[mime.Parsed]] | None = None
            if ex is not None:
                try:
                    fut = ex.submit(parse_chunk, chunk)
                except Exception as e:  # cannot fork, or a worker died: parse inline from now on
                    log.debug("parse pool unusable (%s); parsing inline", e)
                    self._broken = True
                    self._abandon(ex)
                    ex = None
            out.extend((fut, j) for j in range(len(chunk)))
        return out

    def _executor(self) -> ProcessPoolExecutor | None:
        if self._ex is None and not self._broken:
            try:
                self._ex = ProcessPoolExecutor(self.workers, mp_context=_context(),
                                               initializer=_watch_parent)
            except Exception as e:  # no semaphores, no processes: parse inline
                log.debug("cannot start a parse pool (%s)", e)
                self._broken = True
        return self._ex

    def _abandon(self, ex: ProcessPoolExecutor) -> None:
        """Close a pool that failed mid-start, ending the workers it did start.

        When forking the second worker fails, the first is up with no executor thread
        to stop it, and multiprocessing would wait for it at exit: end it here."""
        procs = list((getattr(ex, "_processes", None) or {}).values())  # the executor keeps no public list
        self.close()
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join(1.0)

    def close(self) -> None:
        """Stop the workers (what they were still parsing is dropped).

        Does not wait: the chunk a worker is on (:data:`CHUNK` messages, milliseconds)
        finishes, then the executor's own thread ends the workers.  A later ``submit``
        starts a new pool unless this one broke."""
        ex, self._ex = self._ex, None
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)
