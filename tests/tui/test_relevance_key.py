"""`m` corrects whose a thread is: not mine leaves the Inbox (noise), z brings it back, and the
detail pane says whose it is and why."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_workspace, screen_text, settle
from tui.app import InscopeApp
from tui.widgets.detail import DetailPane


async def test_m_marks_a_thread_not_mine_and_z_takes_it_back(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        assert "whose: yours" in app.screen.query_one(DetailPane).text
        await pilot.press("m")
        await settle(pilot)
        store = ws.store()
        assert store.thread(tid).relevance == "noise"
        assert tid not in app.inbox.index.pos
        assert "marked not yours" in screen_text(app)
        await pilot.press("z")
        await settle(pilot)
        assert store.thread(tid).relevance == "mine" and tid in app.inbox.index.pos
        app.inbox_screen.show_view("noise")
        await settle(pilot)
        assert tid not in app.inbox.index.pos
        store.close()
