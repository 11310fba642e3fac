"""Concurrency: the UI's reads while the sync writes 10k items (invariant 7).

A writer thread applies 10 000 items in batches of 200 through ``Store.apply_batch``
(its own connection, as the sync worker has), while a reader thread does what the
inbox does on every refresh — ``view_index`` then ``threads_by_id`` for a page — in a
loop, timing each call.  No "database is locked", and no read over 100 ms.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.base import Author, Item
from inscope.store import Store

N_ITEMS = 10_000
BATCH = 200
STALL = 0.100
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _items(start: int, n: int) -> list[Item]:
    return [Item(source="telegram", account="tg", external_id=f"m{i}", conversation=f"c{i % 1500}",
                 conversation_title=f"Chat {i % 1500}", author=Author(id="u1", name="Иван"),
                 text=f"сообщение {i} про robots.txt", created_at=T0 + timedelta(seconds=i))
            for i in range(start, start + n)]


def test_reads_never_wait_on_sync_writes(tmp_path: Path) -> None:
    db = tmp_path / "inscope.db"
    Store(db).close()
    errors: list[BaseException] = []
    timings: list[float] = []
    writing = threading.Event()
    done = threading.Event()

    def writer() -> None:
        store = Store(db)
        try:
            writing.set()
            for start in range(0, N_ITEMS, BATCH):
                store.apply_batch("tg", _items(start, BATCH), str(start), project_of=lambda it: "P",
                                  role_of=lambda it: "client")
        except BaseException as e:  # noqa: BLE001 — reported by the main thread
            errors.append(e)
        finally:
            store.close()
            done.set()

    def reader() -> None:
        store = Store(db)
        try:
            writing.wait()
            while not done.is_set():
                t = time.perf_counter()
                idx = store.view_index("inbox")
                store.threads_by_id([r[0] for r in idx[:120]])
                store.view_counts()
                timings.append(time.perf_counter() - t)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            store.close()

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    assert not any(isinstance(e, sqlite3.OperationalError) for e in errors)
    store = Store(db)
    try:
        assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == N_ITEMS
    finally:
        store.close()
    assert len(timings) >= 20, f"only {len(timings)} reads overlapped the writes"
    worst = max(timings)
    print(f"{len(timings)} reads during {N_ITEMS} writes; worst {worst * 1000:.1f} ms")
    assert worst < STALL, f"a read took {worst * 1000:.0f} ms while sync wrote"
