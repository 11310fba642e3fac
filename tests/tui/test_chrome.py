"""The header, the status line and the list title: pure text, and reactive widgets that repaint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult

from tests.helpers import FakeWorkspace, make_workspace, screen_text, settle
from tests.tui.test_inbox import SIZE
from tui.app import InscopeApp
from tui.format import zone
from tui.messages import SourceState
from tui.render.chrome import header_text, held_until_label, list_title, status_text
from tui.viewindex import ViewQuery
from tui.widgets.header import InboxHeader
from tui.widgets.status import StatusLine

UTC = zone("UTC")


def test_header_prefers_sync_sources_and_never_parses_markup() -> None:
    account = {"name": "[bold]tg[/]", "kind": "telegram", "status": "error", "last_error": "x"}
    t = header_text(window="window open", demo=True, sources=(), accounts=(account,),
                    counts={"inbox": 3, "held": 1, "held_until_window": 2}, held_until="17:00")
    assert t.plain.startswith(" inscope  demo  window open  │ ✈ [bold]tg[/] error")
    assert "inbox 3 · held 1 · snoozed 0 · noise 0 · 2 held until 17:00" in t.plain
    src = SourceState("mail", "imap", "ok", "")
    t = header_text(window="", demo=False, sources=(src,), accounts=(account,), counts={},
                    held_until="")
    assert t.plain == " inscope  …  │ @ mail ok  "


def test_status_line_problems_unknown_and_ok() -> None:
    ok = status_text(sources=(), accounts=(), sync_error="", view_error="", unknown_outbox=0,
                     synced_at="10:00:00")
    assert ok.plain == " ok · synced 10:00:00"
    bad = status_text(sources=(SourceState("tr", "trello", "backoff", "401"),), accounts=(),
                      sync_error="boom", view_error="", unknown_outbox=1, synced_at="10:00:00")
    assert bad.plain == (" ⚠ tr: 401 · sync stopped: boom  1 reply with unknown delivery — "
                         "ctrl+p → resend")


def test_list_title_and_held_until() -> None:
    assert held_until_label(None, 0.0, UTC) == "the next window"
    assert held_until_label(3600.0 * 17, 0.0, UTC) == "17:00"
    assert held_until_label(86400.0 * 4 + 3600 * 11, 0.0, UTC) == "Mon 11:00"
    t = list_title(ViewQuery(project_id=7), threads=4, project=None, held=2, held_until="17:00",
                   peeking=False, marked=1)
    assert t.plain == " 7 · Inbox · 4 threads · 2 held until 17:00 — w to peek · 1 selected"
    t = list_title(ViewQuery(search="[b]"), threads=1, project="A", held=0, held_until="",
                   peeking=False, marked=0)
    assert t.plain == " Search “[b]” · 1 threads — esc leaves search"


class _Chrome(App[None]):
    def compose(self) -> ComposeResult:
        yield InboxHeader()
        yield StatusLine()


async def test_header_and_status_repaint_when_a_value_is_set() -> None:
    app = _Chrome()
    async with app.run_test(size=(100, 5)) as pilot:
        header, status = app.query_one(InboxHeader), app.query_one(StatusLine)
        await pilot.pause()
        assert " inscope  …" in screen_text(app) and " ok" in screen_text(app)
        header.window = "no reply windows"
        header.counts = {"inbox": 5}
        status.unknown_outbox = 2
        await pilot.pause()
        text = screen_text(app)
        assert "no reply windows" in text and "inbox 5 · held 0" in text
        assert "2 replies with unknown delivery" in text and " ok" not in text


class _NoEngine(FakeWorkspace):
    def engine(self, store: Any) -> Any:
        raise RuntimeError("engine broke")


async def test_a_dead_sync_thread_shows_in_the_status_line(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    app = InscopeApp(_NoEngine(tmp_path), sync=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(100):
            if "sync stopped" in screen_text(app):
                break
            await pilot.pause(0.02)
        assert "sync stopped: RuntimeError: engine broke" in screen_text(app)
