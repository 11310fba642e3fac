"""Backfills from a ``ReadAhead`` connector: pages stored together, never past what is fetched.

The engine fetches the next page of such a connector before the last one is stored and
stores a round of pages in one transaction with the last page's cursor (invariant 3: the
cursor still moves only with what it covers).  A connector that is not ``ReadAhead`` keeps
one transaction per page; pages read ahead are stored before an event or a failure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import (
    Author,
    Batch,
    ConversationsJoined,
    Item,
    Outgoing,
    PermanentSendError,
    ReadAhead,
    SendResult,
    SourceError,
)
from inscope import sync
from inscope.store import Store
from inscope.sync import Hooks, SyncEngine

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def page(n: int, start: int) -> list[Item]:
    return [Item(source="demo", account="a", external_id=f"a-{i}", conversation=f"c{i % 4}",
                 conversation_title="t", author=Author("c", "Client"), text=f"m{i}",
                 created_at=T0 + timedelta(minutes=i)) for i in range(start, start + n)]


class Paged:
    """Serves ``pages`` by position; records the cursor and the ahead flag of each fetch."""

    kind = "paged"
    account = "a"

    def __init__(self, pages: list[list[Item]], *, fail_at: int | None = None,
                 events_at: int | None = None) -> None:
        self.pages = pages
        self.fail_at = fail_at
        self.events_at = events_at
        self.seen: list[tuple[str | None, bool]] = []

    async def fetch(self, cursor: str | None) -> Batch:
        self.seen.append((cursor, bool(getattr(self, "ahead_of_store", False))))
        pos = int(cursor or 0)
        if pos == self.fail_at:
            raise SourceError("the server went away")
        if pos >= len(self.pages):
            return Batch([], cursor)
        events = [ConversationsJoined(absorbed="c9", into="c1")] if pos == self.events_at else []
        return Batch(self.pages[pos], str(pos + 1), more=pos + 1 < len(self.pages), events=list(events))

    async def send(self, out: Outgoing) -> SendResult:
        raise PermanentSendError("a read-only test source")

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        return None

    async def aclose(self) -> None:
        return None


class PagedAhead(Paged):
    ahead_of_store = False


def hooks() -> Hooks:
    return Hooks(project_of=lambda it: "P", role_of=lambda it: "client", triage=lambda: None)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inscope.db")
    s.sync_projects([("P", "active")])
    return s


def counting(store: Store) -> list[tuple[int, str | None]]:
    calls: list[tuple[int, str | None]] = []
    real = store.apply_batch

    def spy(account: str, items: list[Item], cursor: str | None, **kw: object) -> object:
        calls.append((len(items), cursor))
        return real(account, items, cursor, **kw)  # type: ignore[arg-type]

    store.apply_batch = spy  # type: ignore[assignment,method-assign]
    return calls


async def test_a_backfill_is_stored_in_one_transaction_with_the_last_cursor(store: Store) -> None:
    src = PagedAhead([page(5, i * 5) for i in range(4)])
    assert isinstance(src, ReadAhead)
    calls = counting(store)
    rep = await SyncEngine(store, {"a": src}, hooks()).sync_all()
    assert rep.inserted == 20 and store.cursor("a") == "4"
    assert calls == [(20, "4")], "four pages, one transaction, the last page's cursor"
    # Each fetch got the previous page's cursor; all but the first ran ahead of the store.
    assert src.seen == [(None, False), ("1", True), ("2", True), ("3", True)]
    assert src.ahead_of_store is False, "reset once the pages are stored"
    counts = dict(store.conn.execute("SELECT conversation, msg_count FROM threads"))
    assert counts == {"c0": 5, "c1": 5, "c2": 5, "c3": 5}


async def test_a_plain_connector_keeps_one_transaction_per_page(store: Store) -> None:
    src = Paged([page(5, i * 5) for i in range(3)])
    assert not isinstance(src, ReadAhead)
    calls = counting(store)
    await SyncEngine(store, {"a": src}, hooks()).sync_all()
    assert calls == [(5, "1"), (5, "2"), (5, "3")]
    assert [c for c, _a in src.seen] == [None, "1", "2"]


async def test_read_ahead_is_bounded(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sync, "READ_AHEAD_ITEMS", 10)
    src = PagedAhead([page(5, i * 5) for i in range(5)])
    calls = counting(store)
    await SyncEngine(store, {"a": src}, hooks()).sync_all()
    assert calls == [(10, "2"), (10, "4"), (5, "5")]
    assert [a for _c, a in src.seen] == [False, True, False, True, False]


async def test_a_failure_keeps_the_pages_read_ahead(store: Store) -> None:
    src = PagedAhead([page(5, i * 5) for i in range(4)], fail_at=2)
    eng = SyncEngine(store, {"a": src}, hooks())
    rep = await eng.sync_all()
    assert rep.inserted == 10 and store.cursor("a") == "2", "pages 1-2 stored, as if one by one"
    assert rep.errors == {"a": "the server went away"}
    assert eng.status["a"].state == "backoff"


async def test_pages_read_ahead_go_in_before_an_event(store: Store) -> None:
    src = PagedAhead([page(5, i * 5) for i in range(4)], events_at=2)
    calls = counting(store)
    await SyncEngine(store, {"a": src}, hooks()).sync_all()
    assert calls == [(10, "2"), (5, "3"), (5, "4")]
    assert store.cursor("a") == "4"
