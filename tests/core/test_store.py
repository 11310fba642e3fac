"""Store: migrations, idempotent upserts, cursor atomicity, outbox transitions, FTS, undo."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.model import Priority
from inscope.store import SCHEMA_VERSION, Store, StoreError

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CLIENT = Author(id="c1", name="Иван Петров", handle="ivan")
ME = Author(id="me", name="Мария", handle="maria_seo", is_me=True)


def item(n: int, conv: str = "card1", author: Author = CLIENT, text: str | None = None, **kw: object) -> Item:
    return Item(source="trello", account="tr", external_id=f"a{n}", conversation=conv,
                conversation_title=f"Card {conv}", author=author, text=text or f"сообщение {n}",
                created_at=T0 + timedelta(minutes=n), **kw)  # type: ignore[arg-type]


def apply(store: Store, items: list[Item], cursor: str | None = "c") -> object:
    return store.apply_batch("tr", items, cursor, project_of=lambda it: "Alpha",
                             role_of=lambda it: "me" if it.author.is_me else "client")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data" / "inscope.db")
    s.sync_projects([("Alpha", "active"), ("Beta", "paused")])
    return s


def test_new_db_is_private_wal_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "inscope.db"
    s = Store(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert s.schema_version() == SCHEMA_VERSION
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"projects", "accounts", "threads", "messages", "outbox", "cursors", "events"} <= tables


def test_migration_from_v1_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    import sqlite_utils

    from inscope.store.schema import MIGRATIONS
    MIGRATIONS[0](sqlite_utils.Database(conn))
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO projects (name, status, sort) VALUES ('Old', 'active', 0)")
    conn.commit()
    conn.close()
    s = Store(path)
    assert s.schema_version() == SCHEMA_VERSION
    assert [p.name for p in s.projects()] == ["Old"]
    idx = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"threads_state", "threads_project", "threads_inbox_order"} <= idx
    assert "threads_view" not in idx  # replaced in migration 7 (only its state prefix was used)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_apply_is_idempotent_and_moves_cursor(store: Store) -> None:
    items = [item(i) for i in range(5)]
    r1 = apply(store, items, "c5")
    assert (r1.inserted, r1.updated) == (5, 0)  # type: ignore[attr-defined]
    r2 = apply(store, items, "c5")
    assert (r2.inserted, r2.updated) == (0, 0)  # type: ignore[attr-defined]
    assert store.cursor("tr") == "c5"
    assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 5
    th = store.thread(1)
    assert th.msg_count == 5 and th.state == "open" and th.title == "Card card1"


def test_cursor_does_not_move_when_batch_fails(store: Store) -> None:
    apply(store, [item(1)], "c1")
    bad = item(2)
    with pytest.raises(ZeroDivisionError):
        store.apply_batch("tr", [item(3), bad], "c3", project_of=lambda it: "Alpha",
                          role_of=lambda it: str(1 / 0) if it is bad else "client")
    assert store.cursor("tr") == "c1"
    assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 1


def test_edit_and_delete_are_applied_not_lost(store: Store) -> None:
    apply(store, [item(1, text="старый текст")])
    edited = item(1, text="новый текст", edited_at=T0 + timedelta(hours=1))
    r = apply(store, [edited])
    assert r.updated == 1  # type: ignore[attr-defined]
    m = store.messages(1)[0]
    assert m.text == "новый текст" and m.edited_at is not None
    assert store.search("старый") == [] and store.search("новый") == [1]
    gone = item(1, text="", deleted=True)
    apply(store, [gone])
    m = store.messages(1)[0]
    assert m.deleted and m.text == "новый текст"  # the last text is kept, shown as deleted


def test_thread_states_follow_messages(store: Store) -> None:
    apply(store, [item(1)])
    assert store.thread(1).state == "open"
    apply(store, [item(2, author=ME)])
    assert store.thread(1).state == "answered"
    apply(store, [item(3)])
    assert store.thread(1).state == "open"
    store.mark_done(1)
    apply(store, [item(4)])
    assert store.thread(1).state == "open", "a client message reopens a done thread"


def test_snooze_until_client_replies_wakes_on_reply(store: Store) -> None:
    apply(store, [item(1)])
    store.snooze(1, "client", None, "until the client replies")
    assert store.thread(1).state == "snoozed"
    assert store.view_index("inbox") == []
    apply(store, [item(2)])
    assert store.thread(1).state == "open"


def test_project_snooze_wakes_when_active(store: Store) -> None:
    apply(store, [item(1)])
    store.snooze(1, "project", None, "until the project is active again")
    apply(store, [item(2)])
    assert store.thread(1).state == "snoozed", "project holds survive client messages"
    store.set_project_status("Alpha", "paused")
    store.set_project_status("Alpha", "active")
    assert store.thread(1).state == "open"


def test_timed_snooze_wakes(store: Store) -> None:
    apply(store, [item(1)])
    store.snooze(1, "until", 1000.0, "until Mon")
    assert store.wake_due(at=999.0) == []
    assert store.wake_due(at=1001.0) == [1]
    assert store.thread(1).state == "open"


def test_view_index_groups_and_orders(store: Store) -> None:
    items = [item(1, conv="a"), item(2, conv="b"), item(3, conv="c")]
    apply(store, items)
    store.set_priority(1, Priority.URGENT)
    idx = store.view_index("inbox")
    assert [t for t, _, _ in idx] == [1, 3, 2]  # urgent first, then newest client message first
    assert [p for _, _, p in idx] == [0, 2, 2]


def test_paused_project_held_out_of_inbox(store: Store) -> None:
    store.apply_batch("tr", [item(1, conv="x")], "c", project_of=lambda it: "Beta", role_of=lambda it: "client")
    assert store.view_index("inbox") == []
    assert [t for t, _, _ in store.view_index("held")] == [1]
    assert store.held_counts() == {"paused": 1}


def test_unknown_project_goes_to_unsorted(store: Store) -> None:
    store.apply_batch("tr", [item(1, conv="x")], "c", project_of=lambda it: None, role_of=lambda it: "client")
    assert store.thread(1).project == "Unsorted"


def test_fts_search_is_safe_for_any_input(store: Store) -> None:
    apply(store, [item(1, conv="a", text="Срочно: редиректы сломались"), item(2, conv="b", text="robots.txt поправили")])
    assert store.search("редиректы") == [1]
    assert store.search("редир") == [1], "the last word matches as a prefix"
    assert store.search("robots.txt") == [2]
    for hostile in ['"', "AND OR NOT", "a* (b", "NEAR(", "'; DROP TABLE messages; --", ""]:
        store.search(hostile)  # must not raise
    assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 2


def test_outbox_state_machine(store: Store) -> None:
    apply(store, [item(1)])
    oid = store.queue_reply(1, "Ответ клиенту")
    row = store.outbox_row(oid)
    assert row.state == "queued" and row.reply_to == "a1" and row.conversation == "card1"
    assert store.thread(1).state == "answered"
    with pytest.raises(StoreError):
        store.outbox_move(oid, "sent")  # must pass through sending
    store.outbox_move(oid, "sending")
    store.outbox_move(oid, "unknown")
    store.outbox_move(oid, "queued")
    store.outbox_move(oid, "sending")
    store.record_sent(oid, "remote-1", item(9, author=ME, text="Ответ клиенту"),
                      project_of=lambda it: "Alpha", role_of=lambda it: "me")
    assert store.outbox_row(oid).state == "sent"
    assert store.outbox() == []
    assert [m.text for m in store.messages(1)][-1] == "Ответ клиенту"
    with pytest.raises(StoreError):
        store.queue_reply(1, "   ")


def test_undo_restores_state_and_draft(store: Store) -> None:
    apply(store, [item(1)])
    store.mark_done(1)
    assert store.undo() == "done"
    assert store.thread(1).state == "open"
    oid = store.queue_reply(1, "черновик ответа")
    assert store.undo() == "reply"
    assert store.outbox_row(oid).state == "cancelled"
    assert store.draft(1) == "черновик ответа", "an undone reply comes back as the draft"
    assert store.thread(1).state == "open"
    store.outbox_move(store.queue_reply(1, "второй"), "sending")
    with pytest.raises(StoreError, match="already sent"):
        store.undo()


def test_state_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "inscope.db"
    s = Store(path)
    s.sync_projects([("Alpha", "active")])
    apply(s, [item(1), item(2, conv="b")])
    s.mark_done(1)
    s.snooze(2, "client", None, "until the client replies")
    s.close()
    s2 = Store(path)
    assert s2.thread(1).state == "done"
    assert s2.thread(2).snooze_reason == "until the client replies"


def test_manual_status_sticks_until_config_changes(store: Store) -> None:
    store.set_project_status("Alpha", "unpaid")
    store.sync_projects([("Alpha", "active"), ("Beta", "paused")])
    assert {p.name: p.status for p in store.projects()}["Alpha"] == "unpaid"
    store.sync_projects([("Alpha", "paused"), ("Beta", "paused")])
    assert {p.name: p.status for p in store.projects()}["Alpha"] == "paused"


def test_rekey_conversation_keeps_history(store: Store) -> None:
    apply(store, [item(1, conv="-100"), item(2, conv="-100:7")])
    apply(store, [item(3, conv="-200")])
    assert store.rekey_conversation("tr", "-100", "-200") == 2
    convs = {store.conversation_of(t)[1] for t in (1, 2)}
    assert convs == {"-200", "-200:7"}
    assert store.thread(1).msg_count == 2, "messages that arrived under the new id join the old thread"


def test_role_is_decided_in_the_threads_project(store: Store) -> None:
    seen: list[str] = []

    def role_in(it: Item, project: str) -> str:
        seen.append(project)
        return "am" if it.author.id == "anna" else "client"

    apply(store, [item(1)])  # the thread starts in Alpha (routed by the client's message)
    anna = Author(id="anna", name="Анна", email="anna@agency.example")
    store.apply_batch("tr", [item(2, author=anna)], "c", project_of=lambda it: None,
                      role_of=lambda it: "client", role_in=role_in)
    assert seen == ["Alpha"], "an item that routes nowhere is judged by its thread's project"
    assert store.messages(1)[-1].role == "am"


def test_record_sent_stores_own_message_in_the_same_transaction(store: Store) -> None:
    apply(store, [item(1)])
    oid = store.queue_reply(1, "ответ")
    store.outbox_move(oid, "sending")

    def boom(it: Item) -> str:
        raise RuntimeError("crash while storing our own copy")

    with pytest.raises(RuntimeError):
        store.record_sent(oid, "r1", item(9, author=Author("x", "X"), text="ответ"),
                          project_of=lambda it: "Alpha", role_of=boom)
    assert store.outbox_row(oid).state == "sending", "not marked sent without its message"


def test_thread_started_by_an_unroutable_item_is_adopted_by_the_first_routable_one(store: Store) -> None:
    am = Author(id="am", name="Анна", email="anna@agency.example")
    routes = {"a1": None, "a2": "Alpha"}  # the AM's mail came first; the client's routes
    store.apply_batch("tr", [item(1, author=am), item(2)], "c",
                      project_of=lambda it: routes[it.external_id], role_of=lambda it: "client")
    assert store.thread(1).project == "Alpha"
    # A thread put in Unsorted by hand stays there.
    store.apply_batch("tr", [item(3, conv="x", author=am)], "c",
                      project_of=lambda it: None, role_of=lambda it: "client")
    t2 = [t for t, _, _ in store.view_index("all") if store.thread(t).project == "Unsorted"][0]
    store.assign_project(t2, "Unsorted")
    store.apply_batch("tr", [item(4, conv="x")], "c", project_of=lambda it: "Alpha",
                      role_of=lambda it: "client")
    assert store.thread(t2).project == "Unsorted"
