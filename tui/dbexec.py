"""One background thread for user actions, with its own store connection.

Actions (done, snooze, reply …) are small writes, but a write can wait for a
sync transaction to commit; running them here keeps the UI thread free, and a
single thread keeps them in the order the keys were pressed (``e`` then ``z``
undoes that ``e``).  Callers ``await db.run(fn)``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from inscope.store import Store

T = TypeVar("T")


class DbExecutor:
    """Runs ``fn(store)`` calls serially on one thread that owns one ``Store``."""

    def __init__(self, open_store: Callable[[], Store]) -> None:
        self._open = open_store
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inscope-db")
        self._closed = False

    def _store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self._open()
        return store

    def _call(self, fn: Callable[[Store], T]) -> T:
        store = self._store()
        store.heal_if_needed()  # a deleted -wal/-shm must not hide our writes from others
        return fn(store)

    def submit(self, fn: Callable[[Store], T]) -> Future[T]:
        """Queue ``fn`` (fire and forget is fine: errors stay in the future)."""
        return self._pool.submit(self._call, fn)

    async def run(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` on the db thread and await its result."""
        return await asyncio.wrap_future(self.submit(fn))

    def close(self) -> None:
        """Finish queued work, close the connection, stop the thread."""
        if self._closed:
            return
        self._closed = True

        def _close() -> None:
            store: Store | None = getattr(self._local, "store", None)
            if store is not None:
                store.close()
                self._local.store = None

        self._pool.submit(_close)
        self._pool.shutdown(wait=True)
