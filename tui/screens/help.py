"""The ``?`` help: every binding, read live from the widgets' bindings and the keymap."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass(frozen=True, slots=True)
class HelpRow:
    """One line of the help: where it applies, keys, what it does, its keymap id."""

    section: str
    keys: str
    description: str
    binding_id: str
    tooltip: str


def binding_rows(app: App[Any], sections: Iterable[tuple[str, list[BindingType]]]) -> list[HelpRow]:
    """Bindings per section with the user's keymap applied (keys as the user presses them)."""
    keymap = app._keymap  # the normalized keymap set through App.set_keymap
    rows: list[HelpRow] = []
    for section, bindings in sections:
        bmap = BindingsMap(bindings)
        if keymap:
            bmap.apply_keymap(keymap)
        by_id: dict[str, list[Binding]] = {}
        order: list[str] = []
        for _key, b in bmap:
            bid = b.id or b.action
            if bid not in by_id:
                by_id[bid] = []
                order.append(bid)
            by_id[bid].append(b)
        for bid in order:
            group = by_id[bid]
            keys = ", ".join(app.get_key_display(b) for b in group)
            b = group[0]
            rows.append(HelpRow(section, keys, b.description, b.id or "", b.tooltip))
    return rows


class HelpScreen(ModalScreen[None]):
    """A table of every key; ``esc``/``?``/``q`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        """One table; keys are remapped in the config as [keymap] binding_id = "keys"."""
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("where")
        table.add_column("keys", no_wrap=True)
        table.add_column("action")
        table.add_column("keymap id", style="dim")
        table.add_column("details", style="dim")
        for r in self.rows:
            table.add_row(Text(r.section), Text(r.keys), Text(r.description), Text(r.binding_id),
                          Text(r.tooltip))
        with VerticalScroll(classes="dialog help"):
            yield Static(Text("Keys — remap in config.toml: [keymap] binding_id = \"keys\"",
                              style="bold"), classes="dialog-title")
            yield Static(table, id="help-table")

    def action_close(self) -> None:
        """Back to the inbox."""
        self.dismiss(None)
