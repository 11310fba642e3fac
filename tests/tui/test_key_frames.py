"""What a key's own frame holds: ``e`` paints the list without the thread before anything else.

The done action's toast and its rebuild are layouts of the whole screen; they come in later
frames, so the frame that shows the thread gone is the list's repaint alone.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen

from tests.helpers import make_workspace, settle
from tui.app import InscopeApp
from tui.dbexec import DbExecutor
from tui.screens.inbox import InboxScreen


async def test_e_paints_the_list_before_the_toast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = InscopeApp(make_workspace(tmp_path), sync=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        lst = app.inbox
        gone = lst.selected_id
        assert gone is not None
        seen: list[tuple[str, bool]] = []
        frame, say = Screen._compositor_refresh, InboxScreen._say_outcome

        def painted(self: Screen[Any]) -> None:
            frame(self)
            seen.append(("frame", gone not in lst.index.pos))

        def notified(self: InboxScreen, message: str) -> None:
            seen.append(("notify", gone not in lst.index.pos))
            say(self, message)

        def instant(self: DbExecutor, fn: Any) -> Future[Any]:
            # The action's result is there at once: only the order of frame and toast is left.
            done: Future[Any] = Future()
            done.set_result(self._call(fn))
            return done

        monkeypatch.setattr(Screen, "_compositor_refresh", painted)
        monkeypatch.setattr(InboxScreen, "_say_outcome", notified)
        monkeypatch.setattr(DbExecutor, "submit", instant)
        await pilot.press("e")
        await settle(pilot)
        assert ("notify", True) in seen
        first = seen.index(("notify", True))
        assert ("frame", True) in seen[:first]  # the thread was gone on screen before the toast
        assert gone not in lst.index.pos


async def test_quick_actions_leave_one_outcome_toast_not_a_stack(tmp_path: Path) -> None:
    app = InscopeApp(make_workspace(tmp_path), sync=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        for key in ("e", "z", "e", "z", "e"):
            await pilot.press(key)
            await settle(pilot)
        shown = [n.message for n in app._notifications]
        assert len(shown) == 1, shown  # the latest outcome replaced the earlier ones
        app.notify("a failure", severity="error")
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        shown = [n.message for n in app._notifications]
        assert "a failure" in shown and len(shown) == 2, shown  # other toasts are never replaced
