"""Pilot tests of the issue 6 flows in the TUI: reply windows (held until the window, `w`
to peek, the boundary re-triage), snooze until the next window, priority override until
the next client message, resolving an escalation, project status flips, the report screen.

The app runs on a fixed, movable clock: Wednesday 12 March 2025, Europe/Moscow.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from inscope.model import Priority
from inscope.store import Store
from tests.helpers import (
    FakeWorkspace,
    fill,
    item,
    list_lines,
    project_of,
    role_of,
    screen_text,
    settle,
    thread_id,
    triage,
)
from tui.app import InscopeApp
from tui.ports import ScheduleAware
from tui.screens.report import ReportScreen
from tui.widgets.detail import DetailPane

SIZE = (140, 45)
MSK = ZoneInfo("Europe/Moscow")


def msk(day: int, hh: int, mm: int = 0) -> float:
    return datetime(2025, 3, day, hh, mm, tzinfo=MSK).timestamp()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def windowed_app(tmp_path: Path, at: float, **kw: Any) -> tuple[InscopeApp, Store, FakeWorkspace, Clock]:
    ws = FakeWorkspace(tmp_path, windows=["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"],
                       timezone="Europe/Moscow", **kw)
    assert isinstance(ws, ScheduleAware)
    store = Store(ws.db_path)
    fill(store, now=datetime.fromtimestamp(at - 600, MSK))
    clock = Clock(at)
    return InscopeApp(ws, sync=False, clock=clock), store, ws, clock


async def tick(pilot: Any) -> None:
    """Run the app's clock tick and wait for its workers (clock, re-triage) and the rebuild."""
    app = pilot.app
    app.inbox_screen.tick()
    for _ in range(200):
        await pilot.pause(0.01)
        if not any(w.group in ("clock", "retriage") and w.is_running for w in app.workers):
            break
    await settle(pilot)


def shown(app: InscopeApp) -> set[str]:
    """Conversation keys of the threads in the list."""
    idx = app.inbox.index
    rows = app.inbox_screen._fetch_rows([t for t in (idx.thread_at(r) for r in range(len(idx))) if t])
    return {r.title.removeprefix("Chat ") for r in rows.values()}


async def test_outside_a_window_only_urgent_shows_and_w_peeks(tmp_path: Path) -> None:
    app, _store, _ws, _clock = windowed_app(tmp_path, msk(12, 14, 47))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown(app) == {"c0", "c1"}
        assert app.inbox_screen.counts["held_until_window"] == 7 and app.inbox_screen.counts["inbox"] == 9
        text = screen_text(app)
        assert "7 held until 17:00 — w to peek" in text
        assert "Inbox · 2 threads" in text
        await pilot.press("w")
        await settle(pilot)
        assert len(shown(app)) == 9
        assert "peeking at 7 held until 17:00 — w hides them" in screen_text(app)
        await pilot.press("w")
        await settle(pilot)
        assert shown(app) == {"c0", "c1"}


async def test_nothing_breaks_through_when_turned_off(tmp_path: Path) -> None:
    app, _store, _ws, _clock = windowed_app(tmp_path, msk(12, 14, 47), breaks_through=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown(app) == set()
        assert app.inbox_screen.counts["held_until_window"] == 9
        assert "9 held until 17:00" in screen_text(app)


async def test_window_boundary_retriages_and_regates(tmp_path: Path) -> None:
    app, _store, ws, clock = windowed_app(tmp_path, msk(12, 16, 59))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown(app) == {"c0", "c1"}
        await tick(pilot)  # same side of the boundary: no re-triage
        assert ws.retriaged == []
        clock.t = msk(12, 17, 0) + 5
        await tick(pilot)
        assert ws.retriaged == [clock.t]
        assert len(shown(app)) == 9 and app.inbox_screen.counts["held_until_window"] == 0
        assert "held until" not in screen_text(app)
        await pilot.press("w")  # nothing to peek at inside a window
        await settle(pilot)
        assert app.inbox_screen.peek_held is False
        # The window closes at 18:00: held again (and a peek from before does not linger).
        clock.t = msk(12, 18, 0) + 5
        await tick(pilot)
        assert len(ws.retriaged) == 2
        assert shown(app) == {"c0", "c1"}
        assert "held until Thu 11:00" in screen_text(app)


async def test_snooze_until_next_window_shows_reason_and_wakes(tmp_path: Path) -> None:
    app, store, _ws, clock = windowed_app(tmp_path, msk(12, 14, 47))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.inbox.selected_row is not None
        tid = app.inbox.selected_id
        await pilot.press("h")
        await pilot.pause()
        assert "next reply window (17:00)" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        th = store.thread(tid)  # type: ignore[arg-type]
        assert (th.state, th.snooze_kind, th.snooze_until) == ("snoozed", "window", msk(12, 17))
        app.inbox_screen.show_view("snoozed")
        await settle(pilot)
        assert app.inbox.selected_id == tid
        detail = app.screen.query_one(DetailPane).text
        assert "snoozed until the next reply window (17:00)" in detail
        clock.t = msk(12, 17, 0) + 1
        await tick(pilot)
        assert store.thread(tid).state == "open"  # type: ignore[arg-type]
        assert tid not in app.inbox.index.pos


async def test_priority_override_sticks_until_the_next_client_message(tmp_path: Path) -> None:
    app, store, _ws, _clock = windowed_app(tmp_path, msk(12, 11, 30))  # window open
    c0 = thread_id(store, "c0")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.inbox.selected_id == c0
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("4")  # low
        await settle(pilot)
        assert store.thread(c0).priority == Priority.LOW
        assert any(ln.strip().startswith("Alpha · low · 1") for ln in list_lines(app))
        # The AM writing does not end the override …
        store.apply_batch("tg", [item("c0", 7, "видел", 0, author="Anna", author_id="am")], "c2",
                          project_of=project_of, role_of=role_of, triage=triage)
        app.inbox_screen.request_rebuild()
        await settle(pilot)
        assert store.thread(c0).priority == Priority.LOW
        # … the next client message does: back to what triage says (urgent).
        store.apply_batch("tg", [item("c0", 8, "ну что там? СРОЧНО", 0)], "c3",
                          project_of=project_of, role_of=role_of, triage=triage)
        app.inbox_screen.request_rebuild()
        await settle(pilot)
        assert store.thread(c0).priority == Priority.URGENT
        assert any(ln.strip().startswith("Alpha · urgent · 2") for ln in list_lines(app))
        assert not any("Alpha · low" in ln for ln in list_lines(app))


async def test_resolve_escalation_with_u_in_the_escalated_view(tmp_path: Path) -> None:
    app, store, _ws, _clock = windowed_app(tmp_path, msk(12, 11, 30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("u")  # not escalated: refused, nothing changes
        await settle(pilot)
        assert store.thread(tid).state == "open"
        await pilot.press("exclamation_mark")
        await pilot.pause()
        await pilot.press(*"вне договора", "enter")
        await settle(pilot)
        app.inbox_screen.show_view("escalated")
        await settle(pilot)
        assert app.inbox.selected_id == tid
        assert "escalated to Anna via telegram" in app.screen.query_one(DetailPane).text
        await pilot.press("u")
        await settle(pilot)
        assert store.thread(tid).state == "open"
        assert app.inbox.index.thread_count == 0
        assert store.escalations(tid)[0]["resolved_at"] is not None


async def test_project_status_flip_brings_held_threads_back(tmp_path: Path) -> None:
    app, store, _ws, _clock = windowed_app(tmp_path, msk(12, 11, 30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not {"c6", "c7"} & shown(app)
        await app.inbox_screen.set_project_status("Beta", "active")
        await settle(pilot)
        assert {"c6", "c7"} <= shown(app)
        await app.inbox_screen.set_project_status("Beta", "unpaid")
        await settle(pilot)
        assert not {"c6", "c7"} & shown(app)
        assert app.inbox_screen.counts["held"] == 3


async def test_report_screen_shows_the_per_project_table(tmp_path: Path) -> None:
    app, store, _ws, _clock = windowed_app(tmp_path, msk(12, 11, 30))
    c0 = thread_id(store, "c0")
    store.log_event("focus", c0, {"seconds": 300})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        for _ in range(200):  # the numbers load on the db thread
            if screen.rows is not None:
                break
            await pilot.pause(0.01)
        assert screen.rows is not None
        by = {r.project: r for r in screen.rows}
        assert by["Alpha"].received == 12 and by["Alpha"].time_spent_min == 5.0
        text = screen_text(app)
        assert "Time per client — this month (since 01 Mar 2025)" in text
        assert "Alpha" in text and "Total time: 5 min" in text
        await pilot.press("t")
        await pilot.pause()
        assert "last 30 days" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReportScreen)


async def palette(pilot: Any, query: str) -> None:
    """Open the palette, type ``query`` at once and run the best hit."""
    from textual.command import CommandInput, CommandPalette

    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    pilot.app.screen.query_one(CommandInput).value = query
    await pilot.pause(0.35)  # the palette batches hits every 0.25 s
    await pilot.press("enter")


async def test_palette_offers_resolve_peek_and_report(tmp_path: Path) -> None:
    app, store, _ws, _clock = windowed_app(tmp_path, msk(12, 14, 47))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        await pilot.press(*"note", "enter")
        await settle(pilot)
        app.inbox_screen.show_view("escalated")
        await settle(pilot)
        await palette(pilot, "resolve escalation: Chat c0")
        await settle(pilot)
        assert store.thread(thread_id(store, "c0")).state == "open"
        app.inbox_screen.show_view("inbox")
        await settle(pilot)
        await palette(pilot, "peek at threads held until the window (7)")
        await settle(pilot)
        assert app.inbox_screen.peek_held and len(shown(app)) == 9
        await palette(pilot, "report: time per client")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ReportScreen)


async def test_help_lists_the_new_keys(tmp_path: Path) -> None:
    from tui.screens.help import HelpScreen

    app, _store, _ws, _clock = windowed_app(tmp_path, msk(12, 11, 30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {r.binding_id: r.keys for r in app.screen.rows}
        assert rows["inbox.peek_held"] == "w" and rows["thread.resolve"] == "u"
        assert rows["app.report"] == "R" and rows["report.period"] == "t"
