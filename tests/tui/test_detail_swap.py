"""Swapping a conversation into the detail pane: what ``enter`` costs, and that it shows the same.

The pane draws whole lines itself instead of through Textual's styles cache, gives a new
document's scroll range to the scrollbars without a layout of the screen, and the loader
posts a long conversation once its first screen is wrapped; these tests pin that the screen
shows exactly what it showed before, and that each shortcut is taken.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widget import Widget

from inscope.store import Store
from tests.helpers import item, make_workspace, role_of, settle
from tui.app import InscopeApp
from tui.screens.inbox import InboxScreen
from tui.widgets.detail import DetailPane, lays_out_in_background

SIZE = (140, 30)
# Messages per thread, newest thread first in the list: a long thread, short ones, a huge one
# (more paragraphs than the pane wraps on the UI thread), and long ones again.
LENGTHS = (30, 1, 2, 150, 25, 1, 40)


def _inbox(tmp_path: Path) -> InscopeApp:
    ws = make_workspace(tmp_path, fill_data=False)
    store = Store(ws.db_path)
    store.sync_projects([("Alpha", "active")])
    items = []
    for i, n in enumerate(LENGTHS):
        items += [item(f"c{i}", k, f"thread {i} msg {k}: " + "слово word " * (3 + k % 9), i + (n - k) / 1000)
                  for k in range(n)]
    store.apply_batch("tg", items, "c", project_of=lambda it: "Alpha", role_of=role_of)
    store.close()
    return InscopeApp(ws, sync=False)


def _styles_cache_lines(pane: DetailPane, region: Region) -> list[list[Any]]:
    """What Textual's own path (styles cache + ``render_line``) draws for ``region``."""
    pane._styles_cache.clear()
    return [list(s) for s in Widget.render_lines(pane, region)]


def _direct(pane: DetailPane, region: Region) -> list[list[Any]]:
    return [list(s) for s in pane.render_lines(region)]


def _thread_of(app: InscopeApp, messages: int) -> int:
    store = Store(app.ws.db_path)
    try:
        row = store.conn.execute("SELECT id FROM threads WHERE msg_count = ? LIMIT 1", (messages,)).fetchone()
    finally:
        store.close()
    return int(row[0])


def _select(app: InscopeApp, tid: int) -> None:
    """The cursor on ``tid`` and its conversation asked for now (what ``enter`` does)."""
    assert app.inbox.go_to(tid)
    app.inbox_screen.show_thread(tid)


async def test_direct_lines_are_what_the_styles_cache_draws(tmp_path: Path) -> None:
    """Long and short threads, blurred and focused (the border colour), the top and the end,
    a narrower terminal: the pane's own lines equal Textual's."""
    app = _inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.inbox_screen._detail
        for messages in (30, 1):
            _select(app, _thread_of(app, messages))
            await settle(pilot)
            for focus in (False, True):
                if focus:
                    pane.focus()
                else:
                    app.inbox.focus()
                await pilot.pause()
                for scroll in (0, pane.max_scroll_y):
                    pane.scroll_to(y=scroll, animate=False, immediate=True)
                    whole = Region(0, 0, pane.region.width, pane.region.height)
                    assert pane._chrome_now() is not None
                    assert _direct(pane, whole) == _styles_cache_lines(pane, whole)
                    part = Region(1, 3, pane.region.width - 2, 4)
                    assert _direct(pane, part) == _styles_cache_lines(pane, part)
        await pilot.resize_terminal(100, 24)
        await settle(pilot)
        whole = Region(0, 0, pane.region.width, pane.region.height)
        assert _direct(pane, whole) == _styles_cache_lines(pane, whole)


async def test_a_new_document_does_not_lay_the_screen_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two long threads: the second one's scroll range reaches the scrollbar without a layout."""
    from textual._compositor import Compositor

    app = _inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.inbox_screen._detail
        _select(app, _thread_of(app, 40))
        await settle(pilot)
        assert pane.show_vertical_scrollbar
        layouts: list[int] = []
        orig = Compositor.reflow

        def reflow(self: Compositor, *args: Any) -> Any:
            layouts.append(1)
            return orig(self, *args)

        monkeypatch.setattr(Compositor, "reflow", reflow)
        _select(app, _thread_of(app, 30))
        await settle(pilot)
        assert layouts == []  # repaints of the pane and the list, no layout of the screen
        rows = len(pane._layout.rows) if pane._layout is not None else 0
        assert pane.virtual_size.height == rows > pane.size.height
        assert pane.vertical_scrollbar.window_virtual_size == rows
        assert pane.scroll_y == pane.max_scroll_y == rows - pane.scrollable_content_region.height
        assert "thread 0 msg 29: " in pane.text
        lines = [pane.render_line(y).text for y in range(pane.size.height)]
        assert any("thread 0 msg 29: " in line for line in lines)
        # A short thread takes the scrollbar away: that still lays out, as before.
        _select(app, _thread_of(app, 1))
        await settle(pilot)
        assert layouts and not pane.show_vertical_scrollbar and pane.scroll_y == 0


async def test_enter_without_a_rest_shows_a_huge_thread_from_its_first_screen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """j + enter onto a thread nobody prefetched: the loader posts it once its newest rows are
    wrapped, the pane shows them, and the whole conversation follows."""
    app = _inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, lst, pane = app.inbox_screen, app.inbox, app.inbox_screen._detail
        huge = _thread_of(app, 150)
        before = lst.index.thread_at(lst.index.step(lst.index.pos[huge], -1) or -1)
        assert before is not None
        screen._docs.forget()  # nothing laid out: the enter pays for the load
        posted: list[bool] = []
        orig = InboxScreen.on_detail_loaded

        def loaded(self: InboxScreen, msg: Any) -> None:
            if msg.thread_id == huge and msg.doc is not None:
                posted.append(msg.doc.cached_layout(pane.content_width) is None)
            orig(self, msg)

        monkeypatch.setattr(InboxScreen, "on_detail_loaded", loaded)
        assert lst.go_to(before)
        screen._docs.forget()
        await pilot.press("j", "enter")
        for _ in range(300):
            if pane.shown_thread == huge:
                break
            await pilot.pause(0.01)
        assert posted[:1] == [True]  # posted with its first screen only
        assert pane.doc is not None and lays_out_in_background(pane.doc)
        shown = [pane.render_line(y).text for y in range(pane.size.height)]
        assert any("thread 3 msg 149: " in line for line in shown)
        await settle(pilot)
        while pane.layout_pending:
            await pilot.pause(0.01)
        assert pane.scroll_y == pane.max_scroll_y
        assert "thread 3 msg 0: " in pane.text and "thread 3 msg 149: " in pane.text
        assert any("thread 3 msg 149: " in pane.render_line(y).text for y in range(pane.size.height))


async def test_neighbours_of_a_cached_thread_are_laid_out_after_its_frame(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """enter on a prefetched thread shows it at once; its neighbours' worker starts after that
    frame (a worker wrapping text holds the GIL the frame needs), and still runs."""
    app = _inbox(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, lst, pane = app.inbox_screen, app.inbox, app.inbox_screen._detail
        nxt = lst.index.thread_at(lst.index.step(lst.cursor, 1) or -1)
        assert nxt is not None and nxt in screen._docs
        started: list[list[int]] = []
        orig = InboxScreen._load_detail

        def load(self: InboxScreen, tids: list[int], *args: Any) -> Any:
            started.append(list(tids))
            return orig(self, tids, *args)

        monkeypatch.setattr(InboxScreen, "_load_detail", load)
        assert lst.move(1)
        screen._schedule_detail(nxt, 0.0)
        assert pane.shown_thread == nxt and started == []  # shown; nothing started yet
        assert not screen.settled  # the prefetch is still owed
        await settle(pilot)
        after = lst.index.thread_at(lst.index.step(lst.cursor, 1) or -1)
        assert started and after in started[0] and after in screen._docs


async def test_line_scrollbars_draw_what_textuals_scrollbar_draws(tmp_path: Path) -> None:
    """The pane's and the list's scrollbars, at the top, the middle and the end, hovered and
    not: the rows built directly equal Textual's rendering of the same bar."""
    from textual.geometry import Offset

    from tui.widgets.scrollbar import LineScrollBar

    app = _inbox(tmp_path)
    async with app.run_test(size=(140, 9)) as pilot:
        await settle(pilot)
        pane, lst = app.inbox_screen._detail, app.inbox
        _select(app, _thread_of(app, 40))
        await settle(pilot)
        for widget in (pane, lst):
            bar = widget.vertical_scrollbar
            assert isinstance(bar, LineScrollBar) and widget.show_vertical_scrollbar
            for y in (0, widget.max_scroll_y // 2, widget.max_scroll_y):
                widget.scroll_to(y=y, animate=False, immediate=True)
                for hover, grab in ((False, None), (True, None), (False, Offset(0, 1))):
                    bar.mouse_over, bar.grabbed = hover, grab
                    await pilot.pause()
                    region = Region(0, 0, bar.size.width, bar.size.height)
                    bar.refresh()  # Textual's path re-renders the bar from scratch
                    bar._styles_cache.clear()
                    textual = [list(s) for s in Widget.render_lines(bar, region)]
                    assert [list(s) for s in bar.render_lines(region)] == textual, (widget, y, hover, grab)
            assert len(bar._bars) >= 3  # drawn directly (kept per thumb), not by Textual
            bar.mouse_over, bar.grabbed = False, None
