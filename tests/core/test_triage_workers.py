"""A backfill's triage on the other cores gives exactly the rows of triaging inline.

The demo workspace is triaged by the real rules twice at one fixed instant — once in the
forked worker processes (``inscope.store.workers``), once inline by rules freshly built
(no cache shared with the first) — from columns wiped in between, so every row is
written both times; the two sets of rows must be equal.  A pool whose workers die, or
whose rules' locks a thread held at the fork, still triages every thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from inscope.rules.lemmas import LEMMATIZER
from inscope.store import Store, refresh, untriaged, workers
from inscope.workspace import Workspace

NOW = 1_796_000_000.0  # one instant for both runs: overdue and due times depend on it
WIPE = ("UPDATE threads SET relevance = 'x', scope = 'x', scope_reason = 'x', priority = 99, "
        "reasons = 'x', due_at = -1, urgent = -1, urgent_reason = 'x', relevance_reason = 'x', "
        "scope_service = 'x'")
TRIAGED = ", ".join(refresh.TRIAGED)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo workspace of a few thousand messages, synced once."""
    home = tmp_path_factory.mktemp("workers")
    ws = Workspace.open(home=home, demo=True, demo_size=3000)
    store = ws.store()
    try:
        import asyncio

        engine = ws.engine(store)

        async def once() -> None:
            try:
                await engine.sync_all()
            finally:
                await engine.aclose()

        asyncio.run(once())
    finally:
        store.close()
        ws.close()
    yield home


def _rows(store: Store) -> list[tuple[object, ...]]:
    return [tuple(r) for r in store.conn.execute(f"SELECT id, {TRIAGED} FROM threads ORDER BY id")]


class _Pools:
    """Counts the pools started (the test must not pass by assessing inline)."""

    def __init__(self) -> None:
        self.started = 0
        self._real = workers.pool_for

    def __call__(self, triage: refresh.TriageFn, threads: int) -> workers.TriagePool | None:
        pool = self._real(triage, threads)
        self.started += pool is not None
        return pool


def _retriage(home: Path, monkeypatch: pytest.MonkeyPatch, *, pool: bool) -> tuple[list[tuple[object, ...]], int]:
    pools = _Pools()
    monkeypatch.setattr(workers, "MIN_THREADS", 1 if pool else 10**9)
    monkeypatch.setattr(workers, "pool_for", pools)
    ws = Workspace.open(home=home, demo=True, demo_size=3000)  # new Rules: no cache from the last run
    store = ws.store()
    try:
        store.conn.execute(WIPE)
        n = ws.retriage(store, NOW)
        assert n > 100
        return _rows(store), pools.started
    finally:
        store.close()
        ws.close()


def test_the_workers_triage_every_thread_as_inline(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_pool, started = _retriage(demo, monkeypatch, pool=True)
    assert started == 1
    inline, started = _retriage(demo, monkeypatch, pool=False)
    assert started == 0
    assert in_pool == inline
    assert {r[1] for r in inline} <= {"mine", "watch", "noise"}, "every row was rewritten"


def test_a_backfill_round_clears_its_marks_through_the_pool(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pools = _Pools()
    monkeypatch.setattr(workers, "MIN_THREADS", 1)
    monkeypatch.setattr(workers, "pool_for", pools)
    ws = Workspace.open(home=demo, demo=True, demo_size=3000)
    store = ws.store()
    try:
        ids = [r[0] for r in store.conn.execute("SELECT id, account FROM threads")]
        with store.tx() as c:
            c.execute(WIPE)
            for (tid,) in c.execute("SELECT id FROM threads").fetchall():
                untriaged.mark(c, "demo", [tid])
        fn = ws.rules.triage_fn(NOW)
        assert store.triage_pending(fn, warm=ws.rules.warm) == len(ids)
        assert pools.started == 1
        assert store.untriaged() == []
        assert all(r[1] in ("mine", "watch", "noise") for r in _rows(store))
    finally:
        store.close()
        ws.close()


def _die(work: Sequence[refresh.Work]) -> workers.Result:
    os._exit(3)  # a worker killed mid-task (OOM killer, a crash in a C extension)


def test_a_pool_whose_workers_die_still_triages_every_thread(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inline, _ = _retriage(demo, monkeypatch, pool=False)
    monkeypatch.setattr(workers, "assess_chunk", _die)
    broken, started = _retriage(demo, monkeypatch, pool=True)
    assert started == 1
    assert broken == inline


def test_few_threads_start_no_pool() -> None:
    with workers.pool(lambda *a: None, workers.MIN_THREADS - 1) as pool:  # type: ignore[arg-type, return-value]
        assert pool is None


def test_a_lock_held_by_another_thread_at_the_fork_does_not_stop_a_worker(
        demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The UI's thread may be inside the rules (or the lemmatizer) when the sync forks."""
    ws = Workspace.open(home=demo, demo=True, demo_size=3000)
    store = ws.store()
    release = threading.Event()
    try:
        ws.rules.warm()
        ids = [r[0] for r in store.conn.execute("SELECT id FROM threads ORDER BY id LIMIT 50")]
        work = refresh._work(store.conn, ids)
        ws.rules._view_cache.clear()
        ws.rules._sig_cache.clear()
        ws.rules._own_cache.clear()
        LEMMATIZER._cache.clear()  # the worker must analyse words, under the lemmatizer's lock
        held = threading.Event()

        def hold() -> None:
            with ws.rules._lock, LEMMATIZER._lock:
                held.set()
                release.wait(30)

        threading.Thread(target=hold, daemon=True).start()
        assert held.wait(5)
        pool = workers.TriagePool(ws.rules.triage_fn(NOW))
        try:
            (part, fut), = pool.submit(work)
            assert fut is not None
            result = fut.result(timeout=60)  # would hang forever on an inherited held lock
        finally:
            pool.close()
        release.set()
        assert [tid for tid, _sets in result] == [w[0] for w in work]
        assert result == [(w[0], refresh.assessed(*w, ws.rules.triage_fn(NOW))) for w in work]
    finally:
        release.set()
        store.close()
        ws.close()


def test_a_retriage_of_many_chunks_keeps_few_in_flight(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-triaging every thread of a big database must not read them all before writing:
    at most ``AHEAD`` chunks are handed over before the oldest is written."""
    monkeypatch.setattr(refresh, "CHUNK", 20)
    in_flight: list[int] = []
    real_submit, real_store = workers.TriagePool.submit, refresh._store
    state = {"open": 0}

    def submit(self: workers.TriagePool, work: Sequence[refresh.Work]) -> list[tuple[Sequence[refresh.Work], Any]]:
        state["open"] += 1
        in_flight.append(state["open"])
        return real_submit(self, work)

    def store(c: Any, chunk: Sequence[int], results: Any) -> None:
        state["open"] -= 1
        real_store(c, chunk, results)

    monkeypatch.setattr(workers.TriagePool, "submit", submit)
    monkeypatch.setattr(refresh, "_store", store)
    rows, started = _retriage(demo, monkeypatch, pool=True)
    assert started == 1 and len(in_flight) > 2 * refresh.AHEAD
    assert max(in_flight) == refresh.AHEAD + 1 and state["open"] == 0
    inline, _ = _retriage(demo, monkeypatch, pool=False)
    assert rows == inline
