"""Store: a sync batch finds and creates its threads in bulk, with the per-item path's results
(project, route, title, adoption, the project a role is computed in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.store import Store

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CLIENT = Author(id="c1", name="Иван", handle="ivan")
AM = Author(id="am", name="Анна", email="anna@agency.example")


def item(n: int, conv: str, author: Author = CLIENT, title: str | None = None) -> Item:
    return Item(source="trello", account="tr", external_id=f"a{n}", conversation=conv,
                conversation_title=f"Card {conv}" if title is None else title, author=author,
                text=f"сообщение {n}", created_at=T0 + timedelta(minutes=n))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data" / "inscope.db")
    s.sync_projects([("Alpha", "active"), ("Beta", "active")])
    return s


def _statements(store: Store, run: object) -> list[str]:
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        assert callable(run)
        run()
    finally:
        store.conn.set_trace_callback(None)
    return seen


def test_a_batch_of_many_new_conversations_costs_a_few_thread_statements(store: Store) -> None:
    items = [item(n, f"card{n}") for n in range(1200)]
    seen = _statements(store, lambda: store.apply_batch(
        "tr", items, "c", project_of=lambda it: "Alpha", role_of=lambda it: "client",
        role_in=lambda it, project: "client"))
    thread_reads = [s for s in seen if "FROM threads" in s or "FROM routes" in s]
    # Per conversation it was a route read, a thread read, an insert and a project read
    # (4,800 statements); in chunks of 500 it is a handful.
    assert len(thread_reads) < 20, len(thread_reads)
    assert len(store.view_index("all")) == 1200
    assert {store.thread(t).project for t, _, _ in store.view_index("all")} == {"Alpha"}


def test_bulk_resolution_keeps_routes_titles_and_adoption(store: Store) -> None:
    store.apply_batch("tr", [item(1, "old")], "c0", project_of=lambda it: "Alpha",
                      role_of=lambda it: "client")
    with store.tx() as c:  # a route set by hand before the conversation's first message
        c.execute("INSERT INTO routes (account, conversation, project_id) "
                  "SELECT 'tr', 'routed', id FROM projects WHERE name = 'Beta'")
    projects = {"a2": "Alpha", "a3": None, "a4": "Beta", "a5": "Alpha"}
    roles: list[tuple[str, str]] = []

    def role_in(it: Item, project: str) -> str:
        roles.append((it.external_id, project))
        return "am" if it.author is AM else "client"

    store.apply_batch(
        "tr", [item(2, "old", title="Card renamed"), item(3, "am-first", author=AM),
               item(4, "am-first"), item(5, "routed")], "c1",
        project_of=lambda it: projects[it.external_id], role_of=lambda it: "client", role_in=role_in)
    by_conv = dict(store.conn.execute(
        "SELECT t.conversation, t.title || ' / ' || p.name FROM threads t "
        "JOIN projects p ON p.id = t.project_id"))
    assert by_conv["old"] == "Card renamed / Alpha"
    assert by_conv["routed"] == "Card routed / Beta", "a route wins over where the item routes"
    assert by_conv["am-first"] == "Card am-first / Beta", "adopted by its first routable item"
    # The AM's item was stored before the adoption (in Unsorted); the client's after it.
    assert roles == [("a2", "Alpha"), ("a3", "Unsorted"), ("a4", "Unsorted"), ("a5", "Beta")]


def test_a_thread_adopted_in_a_batch_computes_roles_in_its_new_project(store: Store) -> None:
    store.apply_batch("tr", [item(1, "x", author=AM)], "c0", project_of=lambda it: None,
                      role_of=lambda it: "client")
    roles: list[tuple[str, str]] = []

    def role_in(it: Item, project: str) -> str:
        roles.append((it.external_id, project))
        return "client"

    store.apply_batch("tr", [item(2, "x"), item(3, "x")], "c1", project_of=lambda it: "Alpha",
                      role_of=lambda it: "client", role_in=role_in)
    assert roles == [("a2", "Alpha"), ("a3", "Alpha")]
