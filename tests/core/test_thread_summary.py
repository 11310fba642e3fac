"""The thread summary (``thread_counts``, kept by triggers) and the bounded first page.

Every count the UI shows comes from the summary now, so it must equal a real count of the
threads after anything that changes a thread: ingest (new threads, re-triage, a client
message resetting an override), the user's actions and their undo, re-keying (which deletes
a thread), a project's status, and the migration that fills it for an existing file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.model import Assessment, MsgFacts, Priority
from inscope.store import Store, summary
from inscope.store.rows import DISPLAY_PRIORITY
from inscope.store.views import VIEW_WHERE

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CLIENT = Author(id="c1", name="Иван", handle="ivan")
PROJECTS = {"a": "Alpha", "b": "Beta", "g": "Gamma"}


def item(n: int, conv: str, text: str = "") -> Item:
    return Item(source="trello", account="tr", external_id=f"m{n}", conversation=conv,
                conversation_title=f"Card {conv}", author=CLIENT, text=text or f"сообщение {n}",
                created_at=T0 + timedelta(minutes=n))


def triage(_pid: int, _name: str, facts: Sequence[MsgFacts], _members: tuple[str, ...]) -> Assessment:
    """'urgent' → urgent, 'spam' → noise, else normal: enough to move threads between buckets."""
    text = " ".join(f.text for f in facts)
    if "spam" in text:
        return Assessment(relevance="noise", priority=Priority.LOW)
    return Assessment(priority=Priority.URGENT if "urgent" in text else Priority.NORMAL)


def apply(store: Store, items: list[Item]) -> None:
    store.apply_batch("tr", items, None, project_of=lambda it: PROJECTS.get(it.conversation[0], "Unsorted"),
                      role_of=lambda it: "client", triage=triage)


def scan_counts(store: Store, max_priority: int | None = None) -> dict[str, int]:
    """The counts as the pre-summary code computed them: one pass over the threads."""
    prio = DISPLAY_PRIORITY
    out = {}
    for view, where in VIEW_WHERE.items():
        out[view] = int(store.conn.execute(
            f"SELECT count(*) FROM threads t JOIN projects p ON p.id = t.project_id WHERE {where}").fetchone()[0])
    held = store.conn.execute(
        f"SELECT count(*) FROM threads t JOIN projects p ON p.id = t.project_id WHERE {VIEW_WHERE['inbox']} "
        f"AND {prio} > ?", (max_priority if max_priority is not None else 99,)).fetchone()[0]
    out["held_until_window"] = int(held) if max_priority is not None else 0
    # Not a thread count (replies held for later, from the outbox): read the same way.
    out["scheduled"] = int(store.conn.execute(
        "SELECT count(*) FROM outbox WHERE state = 'scheduled' AND kind = 'reply'").fetchone()[0])
    return out


def assert_exact(store: Store) -> None:
    assert summary.mismatches(store.conn) == []
    for gate in (None, 0, 1):
        assert store.view_counts(max_priority=gate) == scan_counts(store, gate)
    for view in VIEW_WHERE:
        for pr in Priority:
            want = store.conn.execute(
                f"SELECT count(*) FROM threads t JOIN projects p ON p.id = t.project_id WHERE {VIEW_WHERE[view]} "
                f"AND {DISPLAY_PRIORITY} = ?", (int(pr),)).fetchone()[0]
            assert store.count_priority(view, pr) == want, (view, pr)
    for p in store.projects():
        n = {k: store.conn.execute(
            f"SELECT count(*) FROM threads t JOIN projects p ON p.id = t.project_id WHERE t.project_id = ? AND {w}",
            (p.id,)).fetchone()[0] for k, w in (("open", VIEW_WHERE["inbox"].replace("p.status = 'active'", "1")),
                                                ("held", VIEW_WHERE["held"]), ("noise", VIEW_WHERE["noise"]
                                                                               .replace("p.status = 'active'", "1")))}
        assert (p.open_count, p.held_count, p.noise_count) == (n["open"], n["held"], n["noise"]), p.name


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inscope.db")
    s.sync_projects([("Alpha", "active"), ("Beta", "paused"), ("Gamma", "active")])
    apply(s, [item(i, f"{'abg'[i % 3]}{i % 7}", "urgent" if i % 5 == 0 else "spam" if i % 11 == 0 else "")
              for i in range(60)])
    return s


def tid(store: Store, conv: str) -> int:
    return int(store.conn.execute("SELECT id FROM threads WHERE conversation = ?", (conv,)).fetchone()[0])


def test_summary_follows_ingest_actions_undo_and_rekey(store: Store) -> None:
    assert_exact(store)
    a0, a1, g2 = tid(store, "a0"), tid(store, "a1"), tid(store, "g2")
    store.mark_done(a0)
    store.snooze(a1, "until", (T0 + timedelta(days=1)).timestamp(), "tomorrow")
    store.set_priority(g2, Priority.URGENT)
    assert_exact(store)
    store.assign_project(g2, "Alpha")
    store.set_project_status("Gamma", "paused")
    assert_exact(store)
    store.undo()
    store.undo()
    assert_exact(store)
    # A client message clears the override and re-triages; "spam" turns a thread into noise.
    apply(store, [item(100, "g2", "spam"), item(101, "a3", "urgent"), item(102, "b9", "new card")])
    assert_exact(store)
    store.wake_due((T0 + timedelta(days=2)).timestamp())
    store.retriage(lambda *_: Assessment(priority=Priority.HIGH))
    assert_exact(store)
    # Re-keying onto an existing conversation deletes the old thread row.
    assert store.rekey_conversation("tr", "a4", "a5") >= 1
    assert_exact(store)


def test_a_rolled_back_write_leaves_the_summary_alone(store: Store) -> None:
    before = store.view_counts()
    with pytest.raises(RuntimeError), store.tx() as c:
        c.execute("UPDATE threads SET state = 'done'")
        raise RuntimeError("abort")
    assert store.view_counts() == before
    assert_exact(store)


@pytest.mark.parametrize("view", list(VIEW_WHERE))
@pytest.mark.parametrize("gate", [None, 0])
def test_first_page_is_the_head_of_the_view_index(store: Store, view: str, gate: int | None) -> None:
    full = store.view_index(view, max_priority=gate)
    for limit in (1, 5, 1000):
        page = store.first_page(view, max_priority=gate, limit=limit)
        assert page.rows == full[:limit]
        assert set(page.threads) == {t for t, _, _ in page.rows}
        groups: dict[tuple[int, int], int] = {}
        for _t, pid, pr in full:
            groups[(pid, pr)] = groups.get((pid, pr), 0) + 1
        assert [(p, pr) for p, pr, _n in page.groups] == list(groups)
        assert {(p, pr): n for p, pr, n in page.groups} == groups


def test_first_page_of_one_project(store: Store) -> None:
    pid = store.project_id("Alpha")
    assert store.first_page("inbox", pid, limit=3).rows == store.view_index("inbox", pid)[:3]


def test_migration_fills_the_summary_of_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    s = Store(path)
    s.sync_projects([("Alpha", "active"), ("Beta", "paused")])
    apply(s, [item(i, f"{'ab'[i % 2]}{i % 5}", "urgent" if i % 3 == 0 else "") for i in range(20)])
    want = s.view_counts()
    s.close()
    # Take the file back to version 6 (no summary, migration 5's threads_view), as an older
    # inscope left it.
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TRIGGER thread_counts_ai; DROP TRIGGER thread_counts_ad; DROP TRIGGER thread_counts_au;"
        "DROP TABLE thread_counts; DROP INDEX threads_inbox_order; DROP INDEX threads_state;"
        "CREATE INDEX threads_view ON threads (state, project_id, urgent, priority, last_client_at DESC, id);"
        "PRAGMA user_version = 6;")
    conn.close()
    s = Store(path)
    assert s.view_counts() == want
    assert_exact(s)
