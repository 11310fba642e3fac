"""Every key of the TUI comes from the key table, runs an action that exists, and is in the help."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

from inscope.keys import APP_WIDE, BY_ID, COMMANDS
from tests.helpers import make_workspace, settle
from tests.tui.test_inbox import SIZE
from tui.app import InscopeApp
from tui.screens.composer import ComposerScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.escalate import EscalateScreen
from tui.screens.fields import FieldsScreen
from tui.screens.followup import FollowupPicker
from tui.screens.help import HelpScreen
from tui.screens.inbox import InboxScreen
from tui.screens.picker import PickerScreen
from tui.screens.report import ReportScreen
from tui.screens.snooze import SnoozePicker
from tui.screens.templates import TemplatePicker
from tui.widgets.detail import DetailPane
from tui.widgets.message_list import MessageList
from tui.widgets.sidebar import Sidebar

# The node that owns each context's bindings.
OWNERS: dict[str, type[DOMNode]] = {
    "inbox": InboxScreen, APP_WIDE: InscopeApp, "list": MessageList, "sidebar": Sidebar,
    "detail": DetailPane, "composer": ComposerScreen, "pickers": PickerScreen,
    "escalate": EscalateScreen, "confirm": ConfirmScreen, "report": ReportScreen,
    "help": HelpScreen, "templates": TemplatePicker, "fields": FieldsScreen,
}


def _own_bindings(cls: type[DOMNode]) -> list[Binding]:
    return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


@pytest.mark.parametrize("context", sorted(OWNERS))
def test_each_owner_binds_exactly_its_context_of_the_table(context: str) -> None:
    cls = OWNERS[context]
    bound = _own_bindings(cls)
    assert len(bound) == len(cls.__dict__["BINDINGS"]), "nothing but table bindings"
    assert [b.id for b in bound] == [c.id for c in COMMANDS if c.context == context]
    for b in bound:
        cmd = BY_ID[str(b.id)]
        assert (b.key, b.action, b.description, b.show) == (cmd.keys, cmd.action, cmd.description,
                                                          cmd.show)


def test_every_command_runs_an_action_that_exists() -> None:
    for cmd in COMMANDS:
        namespace, _, call = cmd.action.rpartition(".")
        owner = InscopeApp if namespace == "app" else OWNERS[cmd.context]
        name = call.partition("(")[0]
        assert callable(getattr(owner, f"action_{name}", None)), (cmd.id, owner.__name__, name)


def test_subclassed_pickers_keep_the_picker_keys() -> None:
    assert "BINDINGS" not in SnoozePicker.__dict__  # inherits PickerScreen's, from the table
    assert "BINDINGS" not in FollowupPicker.__dict__


async def test_help_lists_every_command_with_the_remapped_keys(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, keymap={"app.back": "ctrl+b", "inbox.next": "j,n"})
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {r.binding_id: r for r in app.screen.rows}
        assert set(rows) == set(BY_ID)
        assert rows["app.back"].keys == "^b"
        assert rows["inbox.next"].keys == "j, n"
        assert rows["escalate.cancel"].section == "Escalation dialog"
        assert "Leave full screen" in rows["app.back"].tooltip
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_the_documented_back_remap_works(tmp_path: Path) -> None:
    # docs/keys.md named this binding app.leave, so remapping esc did nothing; it is app.back.
    ws = make_workspace(tmp_path, keymap={"app.back": "ctrl+b"})
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        box = app.inbox_screen.query_one("#search")
        await pilot.press("slash")
        assert box.display
        await pilot.press("escape")  # no longer "back"
        assert box.display
        await pilot.press("ctrl+b")
        assert not box.display and app.inbox.has_focus
        await pilot.press("n")  # inbox.next is still j here
        await pilot.press("j")
        await settle(pilot)
        assert app.inbox.cursor == 2
