"""Triage once per thread per sync round: batches mark their threads untriaged, the round's
end assesses each once, and a crash in between leaves the marks for the next start."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.base import Author, Batch, Item, SourceError
from inscope.model import Assessment, MsgFacts, Priority
from inscope.store import Store, StoreError, TriageFn, summary
from inscope.sync import Hooks, SyncEngine
from tests.core.test_sync import ScriptedSource
from tests.helpers import project_of, role_of, triage

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _page(start: int, n: int, *, urgent_at: int = -1) -> list[Item]:
    """``n`` client messages spread over conversations c0, c1, c2 (each in every page)."""
    return [Item(source="telegram", account="tg", external_id=f"m{i}", conversation=f"c{i % 3}",
                 conversation_title=f"Chat c{i % 3}", author=Author("u1", "Иван"),
                 text="СРОЧНО сайт упал" if i == urgent_at else f"вопрос {i}",
                 created_at=T0 + timedelta(minutes=i)) for i in range(start, start + n)]


PAGES = [_page(0, 6), _page(6, 6, urgent_at=7), _page(12, 6)]


class Counting:
    """The tests' triage, counting its assessments per conversation."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, pid: int, pname: str, facts: Sequence[MsgFacts], members: tuple[str, ...]) -> Assessment:
        self.calls[facts[0].conversation] += 1
        return triage(pid, pname, facts, members)


def _store(path: Path) -> Store:
    s = Store(path)
    s.sync_projects([("Alpha", "active")])
    return s


def _threads(s: Store) -> list[tuple[object, ...]]:
    return [tuple(r) for r in s.conn.execute("SELECT * FROM threads ORDER BY conversation")]


def _apply(s: Store, page: list[Item], cursor: str, **kw: object) -> None:
    s.apply_batch("tg", page, cursor, project_of=project_of, role_of=role_of, **kw)  # type: ignore[arg-type]


async def test_a_round_assesses_each_thread_once_with_the_same_result(tmp_path: Path) -> None:
    counting = Counting()
    store = _store(tmp_path / "round.db")
    eng = SyncEngine(store, {"tg": ScriptedSource("tg", PAGES)}, Hooks(project_of, role_of, lambda: counting))
    rep = await eng.sync_all()
    assert rep.inserted == 18
    assert counting.calls == {"tg:c0": 1, "tg:c1": 1, "tg:c2": 1}, "three batches, one assessment each"
    assert store.untriaged() == []
    # What triaging every batch at once gives (the path before the round's end did it).
    ref = _store(tmp_path / "ref.db")
    for n, page in enumerate(PAGES, 1):
        _apply(ref, page, str(n), triage=triage)
    assert _threads(store) == _threads(ref)
    assert summary.mismatches(store.conn) == []


def test_between_a_batch_and_its_triage_the_thread_is_summarised(tmp_path: Path) -> None:
    store = _store(tmp_path / "inscope.db")
    _apply(store, PAGES[0], "1", triage_later=True)
    _apply(store, PAGES[1], "2", triage_later=True)
    tids = store.untriaged("tg")
    assert len(tids) == 3 and store.untriaged("other") == []
    rows = store.threads_by_id(tids)
    assert sorted(r.msg_count for r in rows.values()) == [4, 4, 4]
    assert {r.last_text for r in rows.values()} == {"вопрос 9", "вопрос 10", "вопрос 11"}
    assert Priority.URGENT not in {r.priority for r in rows.values()}, "not assessed yet"
    assert summary.mismatches(store.conn) == [], "the counts agree with the threads meanwhile"
    assert store.triage_pending(triage, "tg") == 3
    assert store.untriaged() == [] and summary.mismatches(store.conn) == []
    assert [r.priority for r in store.threads_by_id(tids).values()].count(Priority.URGENT) == 1


async def test_a_crash_before_the_round_end_is_triaged_at_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "inscope.db"
    store = _store(path)
    # The batch and its cursor commit with the marks; the process dies before the round's end.
    _apply(store, PAGES[1], "2", triage_later=True)
    store.close()
    store = Store(path)
    assert len(store.untriaged()) == 3
    assert store.cursor("tg") == "2", "invariant 3: the cursor moved with what it covers"
    counting = Counting()
    eng = SyncEngine(store, {"tg": ScriptedSource("tg", PAGES[:2])}, Hooks(project_of, role_of, lambda: counting))
    rep = await eng.sync_all()
    assert rep.inserted == 0 and store.untriaged() == []
    assert counting.calls == {"tg:c0": 1, "tg:c1": 1, "tg:c2": 1}
    ref = _store(tmp_path / "ref.db")
    _apply(ref, PAGES[1], "2", triage=triage)
    assert _threads(store) == _threads(ref)


class FailsSecond(ScriptedSource):
    """Serves its first page, then the server fails."""

    async def fetch(self, cursor: str | None) -> Batch:
        if cursor:
            raise SourceError("server said 500", retry_after=30)
        return Batch(self.pages[0], "1", more=True)


async def test_a_round_that_fails_midway_triages_what_it_stored(tmp_path: Path) -> None:
    store = _store(tmp_path / "inscope.db")
    eng = SyncEngine(store, {"tg": FailsSecond("tg", PAGES)}, Hooks(project_of, role_of, lambda: triage))
    rep = await eng.sync_all()
    assert rep.inserted == 6 and rep.errors == {"tg": "server said 500"}
    assert store.untriaged() == []
    ref = _store(tmp_path / "ref.db")
    _apply(ref, PAGES[0], "1", triage=triage)
    assert _threads(store) == _threads(ref)


def test_any_triage_of_a_thread_clears_its_mark(tmp_path: Path) -> None:
    store = _store(tmp_path / "inscope.db")
    _apply(store, PAGES[0], "1", triage_later=True)
    assert len(store.untriaged()) == 3
    _apply(store, PAGES[1], "2", triage=triage)
    assert store.untriaged() == [], "the batch assessed them now: nothing waits"
    _apply(store, PAGES[2], "3", triage_later=True)
    store.retriage(triage)
    assert store.untriaged() == []


async def test_a_refused_triage_at_the_start_does_not_stop_the_round(tmp_path: Path) -> None:
    store = _store(tmp_path / "inscope.db")
    _apply(store, PAGES[0], "1", triage_later=True)  # left by a crash
    real = store.triage_pending
    calls: list[str | None] = []

    def locked_at_first(triage: TriageFn, account: str | None = None, **kw: Any) -> int:
        calls.append(account)
        if account is None:
            raise StoreError("database is locked by another program")
        return real(triage, account, **kw)

    store.triage_pending = locked_at_first  # type: ignore[method-assign]
    eng = SyncEngine(store, {"tg": ScriptedSource("tg", PAGES[:2])}, Hooks(project_of, role_of, lambda: triage))
    rep = await eng.sync_all()
    assert calls == [None, "tg"] and rep.inserted == 6 and not rep.errors
    assert store.untriaged() == [], "the account's round triaged its leftovers with its own"
