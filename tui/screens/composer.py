"""The reply composer.

``ctrl+s`` puts the reply in the durable outbox and only then closes (invariant 1,
docs/architecture.md, Invariants: nothing the user typed is ever lost); ``esc`` saves the
draft and closes.  When the action layer refuses a reply until confirmed (an unpaid
project: ``NeedsConfirmation``), the first ``ctrl+s`` shows its warning and a second one
sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from inscope.actions import ActionError, NeedsConfirmation, Outcome
from inscope.store import StoreError
from tui.activity import ActivityClock
from tui.bindings import bindings_for
from tui.widgets.footer import KeyFooter


@dataclass(frozen=True, slots=True)
class ComposerResult:
    """How the composer closed: ``sent`` (outbox id) or the draft kept."""

    sent: bool
    outbox_id: int | None
    compose_seconds: float


class ComposerScreen(ModalScreen[ComposerResult]):
    """Write a reply to one thread."""

    BINDING_GROUP_TITLE = "Composer"
    BINDINGS: ClassVar[list[BindingType]] = bindings_for("composer")

    def __init__(self, *, title: str, context: str, draft: str,
                 queue: Callable[[str, bool], Awaitable[Outcome]],
                 save_draft: Callable[[str], Awaitable[None]]) -> None:
        super().__init__()
        self._reply_title = title
        self._reply_context = context
        self._reply_draft = draft
        self._confirmed = False  # set by the second ctrl+s after a NeedsConfirmation
        self._queue = queue
        self._save_draft = save_draft
        self._busy = False
        self.clock = ActivityClock()

    def compose(self) -> ComposeResult:
        """Title, what we answer, the text area, warnings and errors, footer."""
        with Vertical(id="composer"):
            yield Static(Text(f"Reply: {self._reply_title}", style="bold"), id="composer-title")
            yield Static(Text(self._reply_context, style="dim"), id="composer-context")
            yield TextArea(self._reply_draft, id="composer-text", soft_wrap=True, tab_behavior="focus")
            yield Static("", id="composer-warning")
            yield Static("", id="composer-error")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Focus the text, cursor at the end of the draft."""
        self.clock.start()
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        """The current reply text."""
        return self.query_one(TextArea).text

    def _show(self, widget_id: str, message: str) -> None:
        self.query_one(widget_id, Static).update(Text(message))

    async def action_send(self) -> None:
        """Queue the reply (after the unpaid warning was confirmed), then close."""
        if self._busy:
            return
        text = self.text
        if not text.strip():
            self._show("#composer-error", "Nothing to send: the reply is empty.")
            return
        self._busy = True
        try:
            outcome = await self._queue(text, self._confirmed)
        except NeedsConfirmation as e:
            self._busy = False
            self._confirmed = True
            self._show("#composer-warning", f"⚠ {e.warning} — press ctrl+s again to send anyway.")
            return
        except (ActionError, StoreError) as e:
            self._busy = False
            self._show("#composer-error", f"Not queued: {e}")
            return
        # The reply is in the outbox now; only now may the composer close.
        self.dismiss(ComposerResult(True, outcome.outbox_id, self.clock.take()))

    async def action_close(self) -> None:
        """Save the draft (or clear it when empty) and close."""
        if self._busy:
            return
        self._busy = True
        try:
            await self._save_draft(self.text)
        except StoreError as e:
            self._busy = False
            self._show("#composer-error", f"Draft not saved: {e}")
            return
        self.dismiss(ComposerResult(False, None, self.clock.take()))
