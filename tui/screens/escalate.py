"""Escalate to the account manager: shows who gets it, asks for a note."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from inscope.i18n import _, ngettext
from tui.bindings import bindings_for


class EscalateScreen(ModalScreen[str | None]):
    """Returns the note (enter) or None (esc)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("escalate")

    def __init__(self, *, am: str, count: int) -> None:
        super().__init__()
        self._am = am
        self._count = count

    def compose(self) -> ComposeResult:
        """Who, the note input, and an error line."""
        title = ngettext("Escalate this thread", "Escalate {n} threads", self._count).format(
            n=self._count)
        with Vertical(classes="dialog"):
            yield Static(Text(title, style="bold"), classes="dialog-title")
            if self._am:
                yield Static(Text(_("to the account manager: {am}").format(am=self._am)),
                             id="escalate-am")
            else:
                yield Static(Text(_("No account manager is configured for this project "
                                    "(config: projects.account_manager).")), id="escalate-am",
                             classes="error")
            yield Input(placeholder=_("note for the account manager (enter to send)"),
                        id="escalate-note", disabled=not self._am)
            yield Static("", id="escalate-error", classes="error")

    def on_mount(self) -> None:
        """Focus the note."""
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """A note is required: the AM needs to know what this is about."""
        event.stop()
        note = event.value.strip()
        if not note:
            self.query_one("#escalate-error", Static).update(Text(_("write a short note first")))
            return
        self.dismiss(note)

    def action_cancel(self) -> None:
        """Close without escalating."""
        self.dismiss(None)
