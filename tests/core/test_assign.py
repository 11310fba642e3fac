"""Unsorted threads are one key away from a project, and the conversation stays there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.base import Author, Item
from inscope.store import Store
from tests.helpers import settle
from tests.tui.test_inbox import SIZE, app_for
from tui.app import InscopeApp


def _item(n: int, conv: str = "lost") -> Item:
    return Item(source="email", account="mail", external_id=f"m{n}", conversation=conv,
                conversation_title="Без проекта", author=Author("x", "Незнакомец", email="x@new-client.ru"),
                text=f"письмо {n}", created_at=datetime.now(UTC) - timedelta(minutes=60 - n))


def test_assign_moves_thread_and_later_messages_follow(tmp_path: Path) -> None:
    s = Store(tmp_path / "inscope.db")
    s.sync_projects([("Alpha", "active")])
    s.apply_batch("mail", [_item(1)], "c1", project_of=lambda it: None, role_of=lambda it: "client")
    tid = s.view_index("inbox")[0][0]
    assert s.thread(tid).project == "Unsorted"
    s.assign_project(tid, "Alpha")
    assert s.thread(tid).project == "Alpha"
    s.apply_batch("mail", [_item(2)], "c2", project_of=lambda it: None, role_of=lambda it: "client")
    assert s.thread(tid).project == "Alpha" and s.thread(tid).msg_count == 2
    # A new thread of the same conversation after a restart also lands in Alpha (routes table).
    s.close()
    s2 = Store(tmp_path / "inscope.db")
    assert s2.thread(tid).project == "Alpha"


async def test_a_key_assigns_from_the_tui(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    assert isinstance(app, InscopeApp)
    store.apply_batch("tg", [_item(1, conv="stray")], "x", project_of=lambda it: None,
                      role_of=lambda it: "client")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tid = next(t for t, _, _ in store.view_index("inbox") if store.thread(t).project == "Unsorted")
        assert app.inbox.go_to(tid)
        await settle(pilot)
        assert app.inbox.selected_id == tid
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("1")  # the first project in the picker: Alpha
        await settle(pilot)
        assert store.thread(tid).project == "Alpha"
