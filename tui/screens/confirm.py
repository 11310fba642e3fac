"""A yes/no question (e.g. "resend a reply whose delivery is unknown?")."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from inscope.i18n import _
from tui.bindings import bindings_for


class ConfirmScreen(ModalScreen[bool]):
    """``y`` / ``enter`` → True, ``n`` / ``esc`` → False."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("confirm")

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self._question = question
        self._detail = detail

    def compose(self) -> ComposeResult:
        """The question, the detail (plain text) and the keys."""
        with Vertical(classes="dialog"):
            yield Static(Text(self._question, style="bold"), classes="dialog-title")
            if self._detail:
                yield Static(Text(self._detail), id="confirm-detail")
            yield Static(Text(_("y / enter: yes    n / esc: no"), style="dim"))

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)
