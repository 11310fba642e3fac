"""A template's fields the thread does not know, asked in a small form before inserting.

One input per field (``{summary}``, ``{access}`` …); enter inserts once every field has a
value, else moves to the next empty one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.bindings import bindings_for

TITLE = "Template {name}: fill in"
HINT = "enter: the next empty field, or insert when all are filled · esc: back to the reply"
NEEDED = "fill in {field} first"


class FieldsScreen(ModalScreen[dict[str, str] | None]):
    """Returns field name → value for every field, or None (esc)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("fields")

    def __init__(self, template: str, fields: Sequence[str]) -> None:
        super().__init__()
        self._template = template
        self.fields = list(fields)

    def compose(self) -> ComposeResult:
        """A label and an input per field, a hint and an error line."""
        with Vertical(classes="dialog"):
            yield Static(Text(TITLE.format(name=self._template), style="bold"), classes="dialog-title")
            for i, name in enumerate(self.fields):
                yield Static(Text("{" + name + "}"), classes="field-label")
                yield Input(id=f"field-{i}", placeholder=name.replace("_", " "))
            yield Static(Text(HINT, style="dim"))
            yield Static("", id="fields-error", classes="error")

    def on_mount(self) -> None:
        """Focus the first field."""
        self.query_one("#field-0", Input).focus()

    def values(self) -> dict[str, str]:
        """What has been typed so far, per field."""
        return {name: self.query_one(f"#field-{i}", Input).value for i, name in enumerate(self.fields)}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: insert once every field has a value, else go to the next empty field."""
        event.stop()
        idx = int((event.input.id or "field-0").removeprefix("field-"))
        values = self.values()
        empty = [i for i, name in enumerate(self.fields) if not values[name].strip()]
        if not empty:
            self.dismiss(values)
            return
        nxt = next((i for i in empty if i > idx), empty[0])
        if nxt <= idx:  # nothing empty after this one: say which is still missing
            field = "{" + self.fields[nxt] + "}"
            self.query_one("#fields-error", Static).update(Text(NEEDED.format(field=field)))
        self.query_one(f"#field-{nxt}", Input).focus()

    def action_cancel(self) -> None:
        """Back to the reply, nothing inserted."""
        self.dismiss(None)
