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
        frame, notify = Screen._compositor_refresh, InboxScreen.notify

        def painted(self: Screen[Any]) -> None:
            frame(self)
            seen.append(("frame", gone not in lst.index.pos))

        def notified(self: InboxScreen, *args: Any, **kw: Any) -> None:
            seen.append(("notify", gone not in lst.index.pos))
            notify(self, *args, **kw)

        def instant(self: DbExecutor, fn: Any) -> Future[Any]:
            # The action's result is there at once: only the order of frame and toast is left.
            done: Future[Any] = Future()
            done.set_result(self._call(fn))
            return done

        monkeypatch.setattr(Screen, "_compositor_refresh", painted)
        monkeypatch.setattr(InboxScreen, "notify", notified)
        monkeypatch.setattr(DbExecutor, "submit", instant)
        await pilot.press("e")
        await settle(pilot)
        assert ("notify", True) in seen
        first = seen.index(("notify", True))
        assert ("frame", True) in seen[:first]  # the thread was gone on screen before the toast
        assert gone not in lst.index.pos
