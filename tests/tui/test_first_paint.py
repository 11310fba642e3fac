"""The first screen comes from a bounded query, before the full view index exists.

The view worker's full build is held back here (``Store.view_index`` waits on an event), so
the tests see exactly what the first frame shows: the first page of rows with the real group
counts, the title and the sidebar from the thread summary, a scrollbar as long as the whole
view; then the full index is swapped in without moving the cursor or the screen.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from inscope.store import Store
from tests.helpers import item, list_lines, make_workspace, role_of, screen_text, settle
from tui.app import InscopeApp

SIZE = (140, 30)
THREADS = 120


@pytest.fixture
def held_view_index(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """``Store.view_index`` blocks until the event is set (the worker's full build waits)."""
    release = threading.Event()
    orig = Store.view_index

    def view_index(self: Store, *a: Any, **k: Any) -> list[tuple[int, int, int]]:
        assert release.wait(10), "the test never released the view index"
        return orig(self, *a, **k)

    monkeypatch.setattr(Store, "view_index", view_index)
    yield release
    release.set()


def long_inbox(tmp_path: Path) -> InscopeApp:
    ws = make_workspace(tmp_path, fill_data=False)
    store = Store(ws.db_path)
    store.sync_projects([("Alpha", "active"), ("Beta", "active")])
    items = [item(f"c{i}", 0, ("СРОЧНО " if i % 4 == 0 else "") + f"msg {i}", i) for i in range(THREADS)]
    store.apply_batch("tg", items, "c", project_of=lambda it: "Beta" if it.conversation.endswith("7") else "Alpha",
                      role_of=role_of, triage=_triage)
    store.close()
    return InscopeApp(ws, sync=False)


def _triage(pid: int, name: str, facts: Sequence[Any], members: tuple[str, ...]) -> Any:
    from tests.helpers import triage

    return triage(pid, name, facts, members)


async def test_the_first_frame_has_rows_counts_and_the_full_length(
        tmp_path: Path, held_view_index: threading.Event) -> None:
    app = long_inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lst = app.inbox
        index = lst.index
        assert not index.complete, "the full index is held back: this is the first page"
        assert sum(1 for r in index.rows if r > 0) <= SIZE[1] < index.virtual_rows
        assert index.thread_count == THREADS
        # Rows with their data, group headers with the groups' real sizes.
        lines = list_lines(app)
        assert any("msg" in line for line in lines)
        assert "…" not in " ".join(lines)
        sizes = {(h.project, int(h.priority)): h.count for h in index.headers}
        assert sum(sizes.values()) <= THREADS and max(sizes.values()) > len(index) // 2
        # The scrollbar is the whole view's already; title and sidebar count every thread.
        assert lst.virtual_size.height == index.virtual_rows
        text = screen_text(app)
        assert f"Inbox · {THREADS} threads" in text
        assert lst.selected_id is not None and lst.cursor == index.first_thread()
        first = lst.selected_id
        await pilot.press("j", "j")
        moved_to, cursor, top = lst.selected_id, lst.cursor, lst.scroll_offset.y
        assert moved_to != first

        held_view_index.set()
        await settle(pilot)
        full = lst.index
        assert full.complete and len(full) == index.virtual_rows
        # The swap kept the cursor on its thread and on its screen line.
        assert (lst.selected_id, lst.cursor, lst.scroll_offset.y) == (moved_to, cursor, top)
        assert lst.virtual_size.height == len(full)


async def test_done_on_the_first_page_before_the_full_index(
        tmp_path: Path, held_view_index: threading.Event) -> None:
    app = long_inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lst = app.inbox
        assert not lst.index.complete
        gone = lst.selected_id
        before = lst.index.headers[0].count
        await pilot.press("e")
        await pilot.pause()
        assert gone not in lst.index.pos
        assert lst.index.thread_count == THREADS - 1
        assert lst.index.headers[0].count == before - 1
        held_view_index.set()
        await settle(pilot)
        assert lst.index.complete and gone not in lst.index.pos
        assert lst.index.thread_count == THREADS - 1


async def test_a_small_inbox_is_complete_from_the_first_frame(
        tmp_path: Path, held_view_index: threading.Event) -> None:
    ws = make_workspace(tmp_path)
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.inbox.index.complete
        assert app.inbox.index.thread_count == 9
        held_view_index.set()
        await settle(pilot)
        assert app.inbox.index.thread_count == 9


async def test_the_lists_direct_lines_are_what_the_styles_cache_draws(tmp_path: Path) -> None:
    """``MessageList._direct_lines`` skips Textual's styles cache: it must draw the same."""
    from textual.geometry import Region
    from textual.widget import Widget

    app = long_inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lst = app.inbox
        await pilot.press("j", "x", "J")  # a cursor, a mark, a header on screen
        await settle(pilot)
        assert lst._plain_box
        region = Region(0, 0, lst.size.width, lst.size.height)
        lst._styles_cache.clear()
        styled = Widget.render_lines(lst, region)
        direct = lst._direct_lines(region)
        assert [list(s) for s in direct] == [list(s) for s in styled]
        part = Region(3, 2, 20, 5)
        assert [list(s) for s in lst._direct_lines(part)] == [list(s) for s in Widget.render_lines(lst, part)]


async def test_enter_on_a_neighbour_shows_the_prefetched_conversation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the cursor rests, the neighbours are laid out; j + enter then loads nothing."""
    from inscope.actions import Actions

    app = long_inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, lst = app.inbox_screen, app.inbox
        nxt = lst.index.thread_at(lst.index.step(lst.cursor, 1) or -1)
        assert nxt is not None and nxt in screen._docs
        loads: list[int] = []
        orig = Actions.conversation

        def counting(self: Actions, tid: int, **kw: Any) -> Any:
            loads.append(tid)
            return orig(self, tid, **kw)

        monkeypatch.setattr(Actions, "conversation", counting)
        await pilot.press("j", "enter")
        await pilot.pause()
        pane = screen._detail
        assert pane.shown_thread == nxt and nxt not in loads
        assert "msg" in pane.text
        await settle(pilot)
        # Resting there lays out its own neighbours (the one after it) in the background.
        after = lst.index.thread_at(lst.index.step(lst.cursor, 1) or -1)
        assert after is not None and after in screen._docs and after in loads


async def test_a_changed_thread_is_not_shown_from_the_cache(tmp_path: Path) -> None:
    app = long_inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, lst = app.inbox_screen, app.inbox
        nxt = lst.index.thread_at(lst.index.step(lst.cursor, 1) or -1)
        assert nxt is not None and nxt in screen._docs
        store = Store(app.ws.db_path)
        try:
            conv = store.conn.execute("SELECT conversation FROM threads WHERE id = ?", (nxt,)).fetchone()[0]
            store.apply_batch("tg", [item(conv, 9, "новое сообщение", 0.01)], "c2",
                              project_of=lambda it: "Alpha", role_of=role_of)
        finally:
            store.close()
        screen.request_rebuild([nxt])
        assert nxt not in screen._docs
        await settle(pilot)
        assert lst.go_to(nxt)
        await pilot.press("enter")
        await settle(pilot)
        assert screen._detail.shown_thread == nxt and "новое сообщение" in screen._detail.text
