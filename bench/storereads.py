"""Store-side measures behind the first screen: the thread summary and the bounded first page.

``reads_table``: in-process timings on a built workspace — the counts from the summary
(``Store.view_counts``, migration 7) against the one-pass scan of ``threads`` they replaced
(the query is kept here as the reference), and the first page of the Inbox
(``Store.first_page``) against the full view index.

``trigger_table``: what keeping the summary costs ingest.  The same demo batches are applied,
alternately, to two stores in one process — one as migration 7 leaves it, one taken back to
the version-6 layout (no summary triggers, no Inbox order index, the old ``threads_view``
index) — and each store's ``apply_batch`` is timed with ``time.thread_time`` (CPU of this
thread: the machine is shared, wall time would measure the neighbours).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import Table, median
from inscope.store import Store
from inscope.store.rows import DISPLAY_PRIORITY
from inscope.store.views import VIEW_WHERE
from inscope.workspace import Workspace

_PRIORITY = DISPLAY_PRIORITY


def scan_counts(store: Store) -> tuple[int, ...]:
    """The pre-summary ``view_counts``: one pass over every thread (the reference)."""
    sums = ", ".join(f"coalesce(sum(CASE WHEN {w} THEN 1 ELSE 0 END), 0)" for w in VIEW_WHERE.values())
    held = f"coalesce(sum(CASE WHEN {VIEW_WHERE['inbox']} AND {_PRIORITY} > 99 THEN 1 ELSE 0 END), 0)"
    row = store.conn.execute(f"SELECT {sums}, {held} FROM threads t JOIN projects p ON p.id = t.project_id")
    return tuple(row.fetchone())


def _best_ms(fn: Callable[[], Any], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def reads_table(stores: dict[str, Path]) -> Table:
    """Counts and the first page vs the scans they replaced, per size (best of 5, warm cache)."""
    t = Table("Store reads: counts from the thread summary and the first page vs the full scans",
              ["size", "threads", "view_counts: scan ms", "summary ms", "scan / summary",
               "Inbox index ms", "first page (45) ms", "index / first page"])
    for size, db in stores.items():
        s = Store(db, readonly=True)
        try:
            threads = int(s.conn.execute("SELECT count(*) FROM threads").fetchone()[0])
            want = s.view_counts()
            got = scan_counts(s)
            assert [want[v] for v in VIEW_WHERE] == list(got[:len(VIEW_WHERE)]), "summary != scan"
            scan = _best_ms(partial(scan_counts, s))
            summary = _best_ms(s.view_counts)
            index = _best_ms(partial(s.view_index, "inbox"), runs=3)
            page = _best_ms(partial(s.first_page, "inbox", limit=45))
        finally:
            s.close()
        t.add(size, threads, scan, summary, f"{scan / summary:,.0f}×", index, page, f"{index / page:,.0f}×")
    t.notes.append("Both count queries run on the same file and must agree (checked). The first page is what "
                   "the first frame shows: the summary's group sizes plus one range of the Inbox order index "
                   "per group on screen; the full index is then built in the view worker.")
    return t


def _as_version_6(store: Store) -> None:
    """Take a fresh store back to the version-6 layout the summary's cost is measured against."""
    c = store.conn
    for trigger in ("thread_counts_ai", "thread_counts_ad", "thread_counts_au"):
        c.execute(f"DROP TRIGGER {trigger}")
    c.execute("DROP INDEX threads_inbox_order")
    c.execute("DROP INDEX threads_state")
    c.execute("CREATE INDEX threads_view ON threads (state, project_id, urgent, priority, last_client_at DESC, id)")


def trigger_table(work: Path, size: int) -> Table:
    """Ingest CPU time with and without the summary, same batches, one process."""
    homes = {k: work / f"summary-ab-{k}" for k in ("with", "without")}
    for h in homes.values():
        shutil.rmtree(h, ignore_errors=True)
    wss = {k: Workspace.open(home=h, demo=True, demo_size=size) for k, h in homes.items()}
    stores = {k: ws.store() for k, ws in wss.items()}
    _as_version_6(stores["without"])
    engine = wss["with"].engine(stores["with"])
    hooks = engine.hooks
    cpu: dict[str, list[float]] = {k: [] for k in stores}
    flip = [0]

    async def feed() -> None:
        try:
            for name, conn in engine.connectors.items():
                cursor = None
                while True:
                    batch = await conn.fetch(cursor)
                    flip[0] += 1
                    order = list(stores.items())
                    for key, store in order if flip[0] % 2 else order[::-1]:
                        t = time.thread_time()
                        store.apply_batch(name, batch.items, batch.cursor, project_of=hooks.project_of,
                                          role_of=hooks.role_of, role_in=hooks.role_in, triage=hooks.triage())
                        cpu[key].append(time.thread_time() - t)
                    cursor = batch.cursor
                    if not batch.more:
                        break
        finally:
            await engine.aclose()

    try:
        asyncio.run(feed())
        items = int(stores["with"].conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    finally:
        for s in stores.values():
            s.close()
        for ws in wss.values():
            ws.close()
        for h in homes.values():
            shutil.rmtree(h, ignore_errors=True)
    t = Table(f"Ingest with the thread summary (migration 7) vs without (version-6 layout), {items:,} items",
              ["store", "batches", "CPU s", "items per CPU s", "median batch ms", "vs without"])
    base = sum(cpu["without"])
    for key in ("without", "with"):
        total = sum(cpu[key])
        t.add(key, len(cpu[key]), total, f"{items / total:,.0f}", median(cpu[key]) * 1000,
              f"{(total / base - 1) * 100:+.1f} %")
    t.notes.append("The same batches from one demo connector go to both stores, alternating which goes first; "
                   "CPU time of the applying thread (time.thread_time). 'with': the summary's three triggers "
                   "and the Inbox order index, threads_view replaced by a state index; 'without': as before "
                   "migration 7.")
    return t
