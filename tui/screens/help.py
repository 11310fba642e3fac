"""The ``?`` help: every binding of the key table (``inscope.keys``) with the live keymap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inscope.i18n import _
from inscope.keys import CONTEXTS, commands_in
from tui.bindings import bindings_for


@dataclass(frozen=True, slots=True)
class HelpRow:
    """One line of the help: where it applies, keys, what it does, its keymap id."""

    section: str
    keys: str
    description: str
    binding_id: str
    tooltip: str


def help_rows(app: App[Any]) -> list[HelpRow]:
    """Every command of the key table, context by context, with the user's keymap applied.

    Built from ``inscope.keys`` (the table every ``BINDINGS`` comes from), so no screen can
    be missing; the keys are the live ones (a remapped binding shows its new keys).
    """
    keymap = app._keymap  # the normalized keymap set through App.set_keymap
    rows: list[HelpRow] = []
    for ctx in CONTEXTS:
        bmap = BindingsMap(bindings_for(ctx.id))
        if keymap:
            bmap.apply_keymap(keymap)
        by_id: dict[str, list[Binding]] = {}
        for _key, b in bmap:
            by_id.setdefault(b.id or b.action, []).append(b)
        # Table order, not key order: a remap must not move a command around the help.
        for cmd in commands_in(ctx.id):
            # dict.fromkeys: Textual's apply_keymap adds a remapped key once per default key.
            keys = ", ".join(dict.fromkeys(app.get_key_display(b) for b in by_id.get(cmd.id, [])))
            rows.append(HelpRow(_(ctx.title), keys, _(cmd.description), cmd.id, _(cmd.help)))
    return rows


class HelpScreen(ModalScreen[None]):
    """A table of every key; ``esc``/``?``/``q`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("help")

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        """One table; keys are remapped in the config as [keymap] binding_id = "keys"."""
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column(_("where"))
        table.add_column(_("keys"), no_wrap=True)
        table.add_column(_("action"))
        table.add_column(_("keymap id"), style="dim")
        table.add_column(_("details"), style="dim")
        for r in self.rows:
            table.add_row(Text(r.section), Text(r.keys), Text(r.description), Text(r.binding_id),
                          Text(r.tooltip))
        with VerticalScroll(classes="dialog help"):
            yield Static(Text(_("Keys — remap in config.toml: [keymap] binding_id = \"keys\""),
                              style="bold"), classes="dialog-title")
            yield Static(table, id="help-table")

    def action_close(self) -> None:
        """Back to the inbox."""
        self.dismiss(None)
