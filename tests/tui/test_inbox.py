"""Pilot tests of the inbox: every key action, persistence, injection, cursor stability.

Why one module of this size: the inbox screen's key flows, one test per key, sharing one
set of fixtures.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from inscope.model import Priority
from inscope.store import Store
from tests.helpers import (
    FailingConnector,
    fill,
    item,
    list_lines,
    make_workspace,
    project_of,
    role_of,
    screen_text,
    settle,
    thread_id,
    triage,
)
from tui.app import InscopeApp
from tui.screens.composer import ComposerScreen
from tui.screens.help import HelpScreen
from tui.screens.inbox import PREFETCH_AROUND_PROJECT
from tui.screens.snooze import SnoozePicker
from tui.widgets.detail import DetailPane
from tui.widgets.message_list import MessageList

SIZE = (140, 45)


def app_for(tmp_path: Path, **kw: object) -> tuple[InscopeApp, Store]:
    ws = make_workspace(tmp_path, **kw)  # type: ignore[arg-type]
    return InscopeApp(ws, sync=False), Store(ws.db_path)


async def palette_search(pilot: Any, query: str) -> None:
    """Type ``query`` into the open command palette at once (not key by key) and wait for hits."""
    from textual.command import CommandInput

    pilot.app.screen.query_one(CommandInput).value = query
    # The palette batches hits every 0.25 s.
    await pilot.pause(0.35)


def sel_conv(app: InscopeApp) -> str:
    row = app.inbox.selected_row
    assert row is not None
    return row.title.removeprefix("Chat ")


async def test_inbox_groups_headers_and_first_selection(tmp_path: Path) -> None:
    app, _ = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = list_lines(app)
        assert lines[0].strip().startswith("Alpha · urgent · 2")
        assert lines[3].strip().startswith("Alpha · normal · 4")
        assert lines[8].strip().startswith("Gamma · normal · 3")
        # Paused Beta and unpaid Delta are held out of the inbox.
        assert not any("Chat c6" in ln or "Chat c11" in ln for ln in lines)
        assert app.inbox.cursor == 1 and sel_conv(app) == "c0"
        assert app.inbox_screen.counts["inbox"] == 9 and app.inbox_screen.counts["held"] == 3
        text = screen_text(app)
        assert "no reply windows · 0 of 9 cleared · 2 urgent" in text  # the real header line
        assert "Held (paused/unpaid)  3" in text
        assert "⏸ Beta" in text and "₽ Delta" in text


async def test_j_k_skip_headers_and_J_K_jump_projects(tmp_path: Path) -> None:
    app, _ = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        assert app.inbox.cursor == 2
        await pilot.press("j")  # over the "Alpha · normal" header
        assert app.inbox.cursor == 4 and sel_conv(app) == "c2"
        await pilot.press("k")
        assert app.inbox.cursor == 2
        await pilot.press("k", "k")  # stays on the first thread at the top edge
        assert app.inbox.cursor == 1
        await pilot.press("J")
        assert app.inbox.cursor == 9 and app.inbox.selected_row is not None
        assert app.inbox.selected_row.project == "Gamma"
        await pilot.press("J")  # no next project: stays
        assert app.inbox.cursor == 9
        await pilot.press("K")
        assert app.inbox.cursor == 1
        await pilot.press("down")
        assert app.inbox.cursor == 2
        await settle(pilot)
        # The detail followed the cursor (debounced).
        assert "вопрос 1" in app.query_one(DetailPane).text


async def test_enter_shows_conversation_and_logs_open(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.query_one(DetailPane)
        assert app.inbox.has_focus, "j/k go on through threads; no whole-screen repaint"
        text = pane.text
        assert "first message in c0" in text and "вопрос 0 про robots.txt СРОЧНО" in text
        assert "Иван (client) · telegram" in text
        assert "↳ replying to: first message in c0" in text
        assert "why this priority:" in text and "client wrote СРОЧНО" in text
        await pilot.press("enter")  # again: full screen, to read
        assert app.screen.maximized is pane and pane.has_focus
        await pilot.press("escape")
        assert app.screen.maximized is None
        await pilot.press("escape")
        assert app.inbox.has_focus
        await settle(pilot)
    kinds = [r[0] for r in store.conn.execute("SELECT kind FROM events WHERE kind = 'open'")]
    assert kinds == ["open"]


async def test_reply_ctrl_s_queues_outbox_and_thread_answered(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)
        await pilot.press(*"Готово")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
        rows = store.outbox(("queued",))
        assert [(r.thread_id, r.text, r.kind) for r in rows] == [(tid, "Готово", "reply")]
        assert store.thread(tid).state == "answered"
        # It left the inbox; the cursor went on to the next thread.
        assert tid not in app.inbox.index.pos
        assert sel_conv(app) == "c1"
    events = [r[0] for r in store.conn.execute("SELECT kind FROM events ORDER BY id")]
    assert "reply" in events


async def test_composer_escape_keeps_the_draft(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"draft one")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
        assert store.draft(tid) == "draft one"
        assert store.thread(tid).state == "open" and store.outbox(("queued",)) == []
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)
        assert app.screen.text == "draft one"
        await pilot.press("escape")
        await settle(pilot)


async def test_unpaid_project_warns_and_needs_second_ctrl_s(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        delta = next(p for p in app.inbox_screen.projects if p.name == "Delta")
        app.inbox_screen.show_project(delta.id)
        await settle(pilot)
        assert sel_conv(app) == "c11"
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"ok")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)
        assert "unpaid since" in screen_text(app)
        assert store.outbox(("queued",)) == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
        assert len(store.outbox(("queued",))) == 1


async def test_done_then_undo(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("j")
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("e")
        await settle(pilot)
        assert store.thread(tid).state == "done"
        assert tid not in app.inbox.index.pos
        assert sel_conv(app) == "c2"  # the next thread, over the header
        await pilot.press("z")
        await settle(pilot)
        assert store.thread(tid).state == "open"
        assert tid in app.inbox.index.pos
        assert any("undone: done" in str(n.message) for n in app._notifications)
        await pilot.press("z", "z")  # keep undoing until nothing is left, then say so
        await settle(pilot)
        assert any("nothing to undo" in str(n.message) for n in app._notifications)


@pytest.mark.parametrize(
    ("keys", "kind", "reason"),
    [
        # No reply windows here, so no "next window" preset (tests/tui/test_reply_windows.py
        # has it); timed reasons are worded by the action layer: "until 14:05" / "until Tue …".
        (["1"], "until", "until "),
        (["2"], "until", "until "),
        (["3"], "client", "until the client replies"),
        (["j", "j", "enter"], "client", "until the client replies"),
    ],
)
async def test_snooze_variants(tmp_path: Path, keys: list[str], kind: str, reason: str) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, SnoozePicker)
        await pilot.press(*keys)
        await settle(pilot)
        t = store.thread(tid)
        assert (t.state, t.snooze_kind) == ("snoozed", kind)
        assert t.snooze_reason.startswith(reason)
        if kind in ("until", "window"):
            assert t.snooze_until is not None and t.snooze_until > time.time()
        else:
            assert t.snooze_until is None
        assert tid not in app.inbox.index.pos


async def test_snooze_custom_with_inline_error(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("5")  # custom…
        await pilot.pause()
        await pilot.press(*"whenever", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SnoozePicker)
        assert "cannot understand 'whenever'" in screen_text(app)
        inp = app.screen.query_one("#snooze-custom")
        inp.value = ""  # type: ignore[attr-defined]
        await pilot.press(*"in 2 days", "enter")
        await settle(pilot)
        t = store.thread(tid)
        assert (t.state, t.snooze_kind) == ("snoozed", "until")
        assert t.snooze_until is not None and t.snooze_until > time.time() + 86400
        wake = datetime.fromtimestamp(t.snooze_until, UTC)
        assert t.snooze_reason == f"until {wake:%a} {wake.day} {wake:%b %H:%M}"


async def test_a_snooze_that_could_never_wake_is_refused(tmp_path: Path) -> None:
    # "Until the project is active again" on an active project would never wake.
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("h", "4")
        await settle(pilot)
        assert store.thread(tid).state == "open"
        assert tid in app.inbox.index.pos
        assert "Alpha is active — this snooze would never wake" in screen_text(app)


async def test_escalate_with_note(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert "Anna (telegram)" in screen_text(app)
        await pilot.press("enter")  # an empty note is refused inline
        await pilot.pause()
        assert "write a short note first" in screen_text(app)
        await pilot.press(*"contract question", "enter")
        await settle(pilot)
        assert store.thread(tid).state == "escalated"
        esc = store.escalations(tid)
        assert esc[0]["note"] == "contract question" and esc[0]["to"] == "Anna"
        assert any("escalated to Anna via telegram" in str(n.message) for n in app._notifications)


async def test_priority_picker_moves_thread_to_its_group(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("J")
        tid = app.inbox.selected_id
        assert tid is not None and sel_conv(app) == "c9"
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("1")  # urgent
        await settle(pilot)
        assert store.thread(tid).priority == Priority.URGENT
        # Still selected, now under a "Gamma · urgent" header.
        assert app.inbox.selected_id == tid
        hdr = app.inbox.index.group_of(app.inbox.cursor)
        assert hdr is not None and (hdr.project, hdr.priority) == ("Gamma", Priority.URGENT)


async def test_bulk_select_and_done(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        a = app.inbox.selected_id
        await pilot.press("x")  # marks c0, moves to c1
        await pilot.press("j")  # skip c1
        b = app.inbox.selected_id
        await pilot.press("x")
        assert app.inbox.marked == {a, b}
        assert "●" in list_lines(app)[1]
        await pilot.press("e")
        await settle(pilot)
        assert a is not None and b is not None
        assert store.thread(a).state == "done" and store.thread(b).state == "done"
        assert store.thread(thread_id(store, "c1")).state == "open"
        assert app.inbox.marked == set()


async def test_search_and_escape_leaves_it(tmp_path: Path) -> None:
    app, _ = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"баннеры", "enter")
        await settle(pilot)
        assert app.inbox.index.thread_count == 1 and sel_conv(app) == "c10"
        assert "Search “баннеры” · 1 threads" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.inbox_screen.query_state.search is None and app.inbox.index.thread_count == 9
        # Search also finds held threads (it searches the "all" view).
        await pilot.press("slash")
        await pilot.press(*"вопрос 6", "enter")
        await settle(pilot)
        assert sel_conv(app) == "c6"


async def test_palette_project_status_and_jump_to_view(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await palette_search(pilot, "project status: Beta → active")
        await pilot.press("enter")
        await settle(pilot)
        assert {p.name: p.status for p in store.projects()}["Beta"] == "active"
        assert app.inbox_screen.counts["inbox"] == 11
        await pilot.press("ctrl+p")
        await pilot.pause()
        await palette_search(pilot, "view: Done")
        await pilot.press("enter")
        await settle(pilot)
        assert app.inbox_screen.query_state.view == "done"
        await pilot.press("z")  # project status is undoable
        await settle(pilot)
        assert {p.name: p.status for p in store.projects()}["Beta"] == "paused"


async def test_palette_resend_unknown_reply(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    tid = thread_id(store, "c0")
    oid = store.queue_reply(tid, "hello")
    store.outbox_move(oid, "sending")
    store.outbox_move(oid, "unknown", error="cannot verify")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "with unknown delivery" in screen_text(app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await palette_search(pilot, "resend unknown reply")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert [r.id for r in store.outbox(("queued",))] == [oid]


async def test_help_lists_every_binding_with_keymap(tmp_path: Path) -> None:
    app, store = app_for(tmp_path, keymap={"thread.done": "d"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {r.binding_id for r in app.screen.rows}
        for bid in ("inbox.next", "inbox.prev", "inbox.next_project", "inbox.prev_project",
                    "thread.open", "thread.browser", "thread.reply", "thread.done", "thread.snooze",
                    "thread.escalate", "thread.priority", "thread.select", "app.undo", "app.search",
                    "app.help", "app.quit", "app.palette", "composer.send", "composer.close"):
            assert bid in ids, bid
        done = next(r for r in app.screen.rows if r.binding_id == "thread.done")
        assert done.keys == "d"
        await pilot.press("escape")
        await pilot.pause()
        # The remapped key works; the old one no longer does.
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("e")
        await settle(pilot)
        assert store.thread(tid).state == "open"
        await pilot.press("d")
        await settle(pilot)
        assert store.thread(tid).state == "done"


async def test_sidebar_tab_and_enter_selects_view(tmp_path: Path) -> None:
    app, _ = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "sidebar"
        await pilot.press("j", "enter")  # Held
        await settle(pilot)
        assert app.inbox_screen.query_state.view == "held" and app.inbox.has_focus
        assert {sel_conv(app)} <= {"c6", "c7", "c11"}
        await pilot.press("tab")
        assert isinstance(app.focused, DetailPane)


async def test_state_persists_across_restart(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        done_id = app.inbox.selected_id
        await pilot.press("e")
        await settle(pilot)
        snoozed_id = app.inbox.selected_id
        await pilot.press("h", "3")
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"kept", "escape")
        await settle(pilot)
        draft_id = app.inbox.selected_id
        await pilot.press("q")
    assert done_id and snoozed_id and draft_id
    app2 = InscopeApp(app.ws, sync=False)
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert done_id not in app2.inbox.index.pos and snoozed_id not in app2.inbox.index.pos
        assert app2.inbox_screen.counts["done"] == 1 and app2.inbox_screen.counts["snoozed"] == 1
        assert app2.inbox.selected_id == draft_id
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app2.screen, ComposerScreen) and app2.screen.text == "kept"


async def test_markup_and_escapes_render_literally(tmp_path: Path) -> None:
    app, _ = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("J")
        await settle(pilot)
        assert sel_conv(app) == "c9"
        row_text = list_lines(app)[app.inbox.cursor]
        assert "[bold]x[/] [link=http://e]y[/" in row_text
        assert "\x1b" not in row_text
        detail = app.query_one(DetailPane).text
        assert "[bold]x[/] [link=http://e]y[/link] red" in detail and "\x1b" not in detail
        shot = screen_text(app)
        assert "[bold]x[/] [link=http://e]y[/link] red" in shot
        assert "\x1b" not in shot and "[31m" not in shot
        assert "· edited" in shot


async def test_cursor_stays_when_rows_are_inserted_above(tmp_path: Path) -> None:
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("J")
        await settle(pilot)
        tid = app.inbox.selected_id
        screen_row = app.inbox.cursor - int(app.inbox.scroll_offset.y)
        # A background sync brings two new urgent Alpha threads (above the cursor).
        items = [item(f"new{i}", 0, "СРОЧНО новое", 0.5) for i in range(2)]
        store.apply_batch("tg", items, "cursor-2", project_of=lambda it: "Alpha", role_of=role_of,
                          triage=triage)
        app.inbox_screen.request_rebuild()
        await settle(pilot)
        # The list fits on screen (nothing to scroll), so the row moves down by the two
        # inserted rows, but the cursor stays on the same thread.
        assert app.inbox.selected_id == tid
        assert app.inbox.cursor - int(app.inbox.scroll_offset.y) == screen_row + 2
        assert app.inbox.index.thread_count == 11


async def test_cursor_stays_while_scrolled_in_a_long_list(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, fill_data=False)
    store = Store(ws.db_path)
    store.sync_projects([("Alpha", "active")])
    store.apply_batch("tg", [item(f"c{i}", 0, f"msg {i}", i) for i in range(600)], "c",
                      project_of=lambda it: "Alpha", role_of=role_of)
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("pagedown")
        await settle(pilot)
        lst = app.query_one(MessageList)
        tid, y0 = lst.selected_id, lst.scroll_offset.y
        assert y0 > 0
        screen_row = lst.cursor - int(y0)
        store.apply_batch("tg", [item(f"n{i}", 0, "new", 0.1) for i in range(5)], "c2",
                          project_of=lambda it: "Alpha", role_of=role_of)
        app.inbox_screen.request_rebuild()
        await settle(pilot)
        assert lst.selected_id == tid
        assert lst.cursor - int(lst.scroll_offset.y) == screen_row
        # Only the visible page ± a page was fetched, plus the view worker's prefetch (a
        # screen around the cursor and the first screen of each project) — not the whole view.
        h = lst.size.height
        prefetch = (h + PREFETCH_AROUND_PROJECT) * (1 + len(lst.index.project_rows))
        assert len(lst._rows) <= 3 * h + 2 + prefetch < lst.index.thread_count


async def test_background_sync_reports_source_errors_without_traceback(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, connectors={"trello-main": FailingConnector("trello-main",
                                                                              "401 unauthorized")})
    app = InscopeApp(ws, sync=True, sync_interval=60)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(100):
            if app.sync_rounds:
                break
            await pilot.pause(0.02)
        assert app.sync_rounds >= 1
        await pilot.pause()
        text = screen_text(app)
        assert "trello-main: 401 unauthorized" in text
        assert "Traceback" not in text
        await pilot.press("q")
    assert app._sync_loop is None  # the sync thread's loop ended cleanly


async def test_focus_time_is_logged_when_selection_changes(tmp_path: Path) -> None:
    from tui.activity import FocusTracker

    clock = [1000.0]
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tracker = FocusTracker(now=lambda: clock[0])
        tracker.select(app.inbox.selected_id)
        app.inbox_screen.focus_tracker = tracker
        first = app.inbox.selected_id
        clock[0] += 20
        await pilot.press("ctrl+l")  # any key is activity (unbound here)
        clock[0] += 500  # idle: capped at 60 s
        await pilot.press("j")
        await settle(pilot)
    rows = store.conn.execute("SELECT thread_id, data FROM events WHERE kind = 'focus'").fetchall()
    assert rows and rows[0][0] == first
    assert '"seconds": 80.0' in rows[0][1]


async def test_focus_time_is_logged_when_quitting(tmp_path: Path) -> None:
    from tui.activity import FocusTracker

    clock = [1000.0]
    app, store = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tracker = FocusTracker(now=lambda: clock[0])
        tracker.select(app.inbox.selected_id)
        app.inbox_screen.focus_tracker = tracker
        first = app.inbox.selected_id
        clock[0] += 30
        await pilot.press("q")  # the screen logs it as it unmounts, before the db thread drains
    rows = store.conn.execute("SELECT thread_id, data FROM events WHERE kind = 'focus'").fetchall()
    assert rows == [(first, '{"seconds": 30.0}')]


async def test_fill_helper_is_idempotent(tmp_path: Path) -> None:
    # Re-applying the same items must not duplicate threads (the tests rely on stable ids).
    store = Store(tmp_path / "x.db")
    fill(store)
    fill(store)
    assert store.view_counts()["all"] == 12
    assert project_of(item("c6", 0, "", 0)) == "Beta"
