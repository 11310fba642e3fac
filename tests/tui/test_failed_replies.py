"""A reply the remote refuses for good is loud in the TUI and one palette entry from fixed.

The connector refuses every send the way Telegram does when the bot was kicked (403,
permanent).  After ``ctrl+s`` the sync engine fails the row: the thread is back in the
Inbox with a ⚠ flag and "reply not delivered: …" in the detail pane, the status line
counts it, and the palette offers resend / edit / cancel — edit puts the text back in the
composer.
"""

from __future__ import annotations

import time
from pathlib import Path

from connectors.base import Batch, Outgoing, PermanentSendError, SendResult
from tests.helpers import make_workspace, screen_text, settle
from tests.tui.test_reply_windows import palette
from tui.app import InscopeApp
from tui.screens.composer import ComposerScreen
from tui.widgets.detail import DetailPane


class RefusingConnector:
    """Receives nothing; refuses every reply for good."""

    kind = "telegram"

    def __init__(self, account: str) -> None:
        self.account = account

    async def fetch(self, cursor: str | None) -> Batch:
        return Batch(items=[], cursor=cursor)

    async def send(self, out: Outgoing) -> SendResult:
        raise PermanentSendError("Telegram: 403 Forbidden: bot was kicked from the group chat")

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        return None

    async def aclose(self) -> None:
        return None


async def test_a_refused_reply_is_back_in_the_inbox_and_can_be_edited(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, connectors={"tg": RefusingConnector("tg")})
    app = InscopeApp(ws, sync=True, sync_interval=0.2)
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"отчёт в пятницу", "ctrl+s")
        deadline = time.monotonic() + 10
        store = ws.store()
        while time.monotonic() < deadline and not (store.thread(tid).delivery_error
                                                   and tid in app.inbox.index.pos):
            await pilot.pause(0.05)  # the failure, then the rebuild its sync round asks for
        await settle(pilot)
        th = store.thread(tid)
        assert th.state == "open" and "bot was kicked" in th.delivery_error
        assert tid in app.inbox.index.pos  # back in the Inbox
        text = screen_text(app)
        assert "1 reply not delivered — ctrl+p → resend, edit or cancel" in text
        assert "⚠" in text
        app.inbox.go_to(tid)
        await settle(pilot)
        assert "reply not delivered: Telegram: 403 Forbidden: bot was kicked" in app.screen.query_one(DetailPane).text
        oid = store.outbox(("failed",))[0].id
        await palette(pilot, f"edit failed reply: #{oid}")
        for _ in range(100):
            if isinstance(app.screen, ComposerScreen):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, ComposerScreen) and app.screen.text == "отчёт в пятницу"
        assert store.outbox_row(oid).state == "cancelled"
        assert store.thread(tid).delivery_error == ""
        store.close()
