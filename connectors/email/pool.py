"""Read and parse e-mails on the other cores during a backfill: a process pool, results in order.

:func:`connectors.email.loaded.load` is a pure function of the file's bytes, so a
:class:`~connectors.email.loaded.Loaded` made in a worker process is exactly the one
the connector would have made itself (tests compare the two on the whole corpus).  The
workers are handed file paths: the reading and the parse move; the connector still
turns every result into an ``Item`` in order on its own
thread — threading, the parent cache and the sync state stay serial, as do the store's
writes.

A backfill hands a few pages ahead (:data:`AHEAD_PAGES`) to the workers, so they read
and parse the next pages while the engine stores the current one.  Below
:data:`MIN_BACKLOG` messages to read the pool is not started (a quiet poll reads
inline); a pool that cannot start or breaks falls back to reading inline.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from connectors.procs import start_context as _context
from connectors.procs import watch_parent as _watch_parent

from .loaded import Loaded, load, load_chunk

log = logging.getLogger("inscope.email.pool")

WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Worker processes: the machine's cores, at most two (the sync thread needs one too)."""
MIN_BACKLOG = 200
"""Messages still to read below which a backfill reads inline (a pool costs ~0.2 s to start)."""
AHEAD_PAGES = 4
"""Pages handed to the workers ahead of the one being returned (bounds memory)."""
CHUNK = 50
"""Messages per task: small enough that both workers stay busy on one page."""

Result = Future[list[Loaded | OSError]]


@dataclass(slots=True)
class Ahead:
    """One message file handed ahead: its path and where its result will come from."""

    path: str
    future: Result | None
    index: int

    def loaded(self) -> Loaded:
        """The worker's result (waits for it); read inline if the worker failed.

        Raises the ``OSError`` the worker met reading the file, as reading it here would."""
        if self.future is not None:
            try:
                got = self.future.result()[self.index]
            except Exception as e:  # a broken pool must not lose the message
                log.debug("reading in the pool failed (%s); reading inline", e)
            else:
                if isinstance(got, OSError):
                    raise got
                return got
        return load(self.path)


class ParsePool:
    """A lazily started process pool for :func:`~connectors.email.loaded.load_chunk`."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._ex: ProcessPoolExecutor | None = None
        self._broken = False

    @property
    def running(self) -> bool:
        """Whether worker processes are up (started by a ``submit``, not closed since)."""
        return self._ex is not None

    def submit(self, paths: Sequence[str]) -> list[Ahead]:
        """Hand the files at ``paths`` to the workers in chunks; one :class:`Ahead` per path.

        Its future is ``None`` when there is no pool (it could not start): read inline.
        """
        ex = self._executor()
        out: list[Ahead] = []
        for i in range(0, len(paths), CHUNK):
            chunk = list(paths[i:i + CHUNK])
            fut: Result | None = None
            if ex is not None:
                try:
                    fut = ex.submit(load_chunk, chunk)
                except Exception as e:  # cannot fork, or a worker died: read inline from now on
                    log.debug("parse pool unusable (%s); reading inline", e)
                    self._broken = True
                    self._abandon(ex)
                    ex = None
            out.extend(Ahead(path, fut, j) for j, path in enumerate(chunk))
        return out

    def _executor(self) -> ProcessPoolExecutor | None:
        if self._ex is None and not self._broken:
            try:
                self._ex = ProcessPoolExecutor(self.workers, mp_context=_context(),
                                               initializer=_watch_parent)
            except Exception as e:  # no semaphores, no processes: read inline
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
        """Stop the workers (what they were still reading is dropped).

        Does not wait: the chunk a worker is on (:data:`CHUNK` messages, milliseconds)
        finishes, then the executor's own thread ends the workers.  A later ``submit``
        starts a new pool unless this one broke."""
        ex, self._ex = self._ex, None
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)
