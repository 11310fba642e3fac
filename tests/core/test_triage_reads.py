"""Store: what a triage chunk reads — short threads' newest messages in one query per chunk,
long threads by their own LIMIT query — is exactly what one query per thread reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.base import Author, Item
from inscope.store import Store, refresh

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CLIENT = Author(id="c1", name="Иван", handle="ivan")


def _items(conv: str, n: int, start: int, same_time: bool = False) -> list[Item]:
    return [Item(source="trello", account="tr", external_id=f"{conv}-{k}", conversation=conv,
                 conversation_title=conv, author=CLIENT, text=f"{conv} {k}",
                 created_at=T0 + timedelta(minutes=0 if same_time else start + k),
                 reply_to=f"{conv}-{k - 1}" if k else None)
            for k in range(n)]


def _per_thread(store: Store, tids: list[int]) -> dict[int, list[tuple[object, ...]]]:
    return {tid: store.conn.execute(refresh._RECENT, (tid, refresh.RECENT)).fetchall() for tid in tids}


def test_a_chunk_reads_the_same_newest_messages_as_one_query_per_thread(tmp_path: Path) -> None:
    store = Store(tmp_path / "inscope.db")
    store.sync_projects([("Alpha", "active")])
    batch = (_items("short", 5, 0) + _items("exact", refresh.SHORT, 100)
             + _items("long", refresh.SHORT + 7, 500) + _items("ties", 30, 0, same_time=True))
    store.apply_batch("tr", batch, "c", project_of=lambda it: "Alpha", role_of=lambda it: "client")
    deleted = Item(source="trello", account="tr", external_id="short-4", conversation="short",
                   conversation_title="short", author=CLIENT, text="short 4",
                   created_at=T0 + timedelta(minutes=4), deleted=True)
    store.apply_batch("tr", [deleted], "c2", project_of=lambda it: "Alpha", role_of=lambda it: "client")
    tids = [t for (t,) in store.conn.execute("SELECT id FROM threads ORDER BY id")]
    assert len(tids) == 4
    work = refresh._work(store.conn, tids)
    expected = _per_thread(store, tids)
    assert [w[0] for w in work] == tids
    for tid, _row, msgs in work:
        assert [tuple(m) for m in msgs] == [tuple(m) for m in expected[tid]], tid
    short = dict((w[0], w[2]) for w in work)[tids[0]]
    assert len(short) == 4, "the deleted message is not read"
    assert all(len(w[2]) <= refresh.RECENT for w in work)


def test_long_threads_keep_their_own_limit_query(tmp_path: Path) -> None:
    store = Store(tmp_path / "inscope.db")
    store.sync_projects([("Alpha", "active")])
    store.apply_batch("tr", _items("a", 3, 0) + _items("b", refresh.SHORT + 1, 10), "c",
                      project_of=lambda it: "Alpha", role_of=lambda it: "client")
    tids = [t for (t,) in store.conn.execute("SELECT id FROM threads ORDER BY id")]
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        refresh._work(store.conn, tids)
    finally:
        store.conn.set_trace_callback(None)
    per_thread = [s for s in seen if "LIMIT" in s]
    assert len(per_thread) == 1, "only the long thread is read on its own"
    assert sum(1 for s in seen if "m.thread_id IN" in s) == 1, "the short one is read with its chunk"
