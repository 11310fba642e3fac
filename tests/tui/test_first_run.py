"""First start with no accounts: the empty inbox says how to get messages in."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import list_lines, make_workspace, settle
from tests.tui.test_inbox import SIZE
from tui.app import InscopeApp


async def test_empty_workspace_without_accounts_shows_how_to_connect(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, fill_data=False, accounts=False)
    assert not ws.config.accounts
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = "\n".join(list_lines(app))
        assert "Nothing here." in text
        assert "inscope connect trello | telegram | email" in text
        assert "inscope --demo" in text
