"""The reply composer: send now, hold until the next window or a time, insert a template.

``ctrl+s`` puts the reply in the durable outbox and only then closes (invariant 1,
docs/architecture.md, Invariants: nothing the user typed is ever lost); ``ctrl+l`` holds it
until the next reply window opens (the line under the text says when), ``ctrl+o`` until a
time typed in words; ``esc`` saves the draft and closes.  When the action layer refuses a
reply until confirmed (an unpaid project: ``NeedsConfirmation``), the first press shows its
warning and a second press of the same key sends.

``ctrl+t`` opens the template picker; a template's placeholders are filled from the
thread, and what it does not know is asked in a small form before the text is inserted.

Opened on a reply that is still scheduled (``editing``), the composer edits that outbox
row: ``ctrl+s`` sends it now, ``ctrl+l`` / ``ctrl+o`` move it, ``esc`` keeps it scheduled
with the changed text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

from inscope.actions import ActionError, NeedsConfirmation, Outcome
from inscope.store import StoreError
from tui.activity import ActivityClock
from tui.bindings import bindings_for
from tui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from inscope.actions import PreparedTemplate
    from inscope.templates import Template

SendWhen = Literal["now", "window"] | str
"""When to send: ``"now"``, ``"window"`` (the next reply window) or a time in words."""

# What the composer says (one place, for the later translation pass).
TITLE = "Reply: {title}"
EDIT_TITLE = "Scheduled reply: {title}"
WHEN_HINT = "ctrl+s sends now · ctrl+l sends {window} · ctrl+o at a time you type · ctrl+t template"
EDIT_HINT = ("Scheduled for {when} (outbox #{oid}) — ctrl+s sends it now · ctrl+l {window} · "
             "ctrl+o another time · esc keeps it scheduled")
AT_PLACEHOLDER = "send at… e.g. завтра 11:00, fri 10:00, 2h — enter schedules, esc goes back"
EMPTY = "Nothing to send: the reply is empty."
CONFIRM = "⚠ {warning} — press {key} again to send anyway."
NOT_QUEUED = "Not queued: {error}"
NOT_SAVED = "Draft not saved: {error}"
SCHEDULE_KEPT = "The scheduled reply keeps its time ({when})."
NO_TEMPLATES = "No templates: add [[templates]] to the config or files to the templates folder."
TEMPLATE_FAILED = "Template: {error}"


@dataclass(frozen=True, slots=True)
class ComposerResult:
    """How the composer closed: ``sent`` (outbox id, what happened) or the draft kept."""

    sent: bool
    outbox_id: int | None
    compose_seconds: float
    message: str = ""


@dataclass(frozen=True, slots=True)
class Editing:
    """The scheduled reply the composer edits: its outbox id and when it is due."""

    outbox_id: int
    when: str


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """Where the composer's templates come from (the action layer, for this thread)."""

    offer: Callable[[], Awaitable[list[Template]]]
    prepare: Callable[[str], Awaitable[PreparedTemplate]]


class ComposerScreen(ModalScreen[ComposerResult]):
    """Write a reply to one thread (or edit a scheduled one)."""

    BINDING_GROUP_TITLE = "Composer"
    BINDINGS: ClassVar[list[BindingType]] = bindings_for("composer")

    def __init__(self, *, title: str, context: str, draft: str,
                 queue: Callable[[str, bool, SendWhen], Awaitable[Outcome]],
                 save_draft: Callable[[str], Awaitable[str | None]], window: str = "at the next window",
                 templates: TemplateSource | None = None, editing: Editing | None = None) -> None:
        super().__init__()
        self._reply_title = title
        self._reply_context = context
        self._reply_draft = draft
        self._confirmed: str | None = None  # the key pressed after a NeedsConfirmation
        self._queue = queue
        self._save_draft = save_draft
        self._window = window
        self._templates = templates
        self.editing = editing
        self._busy = False
        self.clock = ActivityClock()

    def compose(self) -> ComposeResult:
        """Title, what we answer, the text area, when it goes, warnings and errors, footer."""
        title = EDIT_TITLE if self.editing else TITLE
        with Vertical(id="composer"):
            yield Static(Text(title.format(title=self._reply_title), style="bold"), id="composer-title")
            yield Static(Text(self._reply_context, style="dim"), id="composer-context")
            yield TextArea(self._reply_draft, id="composer-text", soft_wrap=True, tab_behavior="focus")
            yield Static(Text(self.when_hint, style="dim"), id="composer-when")
            yield Input(placeholder=AT_PLACEHOLDER, id="composer-at")
            yield Static("", id="composer-warning")
            yield Static("", id="composer-error")
        yield KeyFooter()

    @property
    def when_hint(self) -> str:
        """The line under the text: what each key does and when the reply would go."""
        if self.editing is not None:
            return EDIT_HINT.format(when=self.editing.when, oid=self.editing.outbox_id,
                                    window=self._window)
        return WHEN_HINT.format(window=self._window)

    def on_mount(self) -> None:
        """Focus the text, cursor at the end of the draft; the time input stays hidden."""
        self.clock.start()
        self.query_one("#composer-at", Input).display = False
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        """The current reply text."""
        return self.query_one(TextArea).text

    def _show(self, widget_id: str, message: str) -> None:
        self.query_one(widget_id, Static).update(Text(message))

    # -- sending --------------------------------------------------------------------------

    async def _submit(self, when: SendWhen, key: str) -> None:
        """Queue (or hold) the reply; close only once it is in the outbox."""
        if self._busy:
            return
        text = self.text
        if not text.strip():
            self._show("#composer-error", EMPTY)
            return
        self._busy = True
        try:
            outcome = await self._queue(text, self._confirmed == key, when)
        except NeedsConfirmation as e:
            self._busy = False
            self._confirmed = key
            self._show("#composer-warning", CONFIRM.format(warning=e.warning, key=key))
            return
        except (ActionError, StoreError) as e:
            self._busy = False
            self._show("#composer-error", NOT_QUEUED.format(error=e))
            return
        # The reply is in the outbox now; only now may the composer close.
        self.dismiss(ComposerResult(True, outcome.outbox_id, self.clock.take(), outcome.message))

    async def action_send(self) -> None:
        """ctrl+s: queue the reply now (after the unpaid warning was confirmed), then close."""
        await self._submit("now", "ctrl+s")

    async def action_send_later(self) -> None:
        """ctrl+l: hold the reply until the next reply window opens."""
        await self._submit("window", "ctrl+l")

    def action_send_at(self) -> None:
        """ctrl+o: ask for a time in words (enter schedules)."""
        box = self.query_one("#composer-at", Input)
        box.display = True
        box.focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the time input: hold the reply until then (an unclear time stays inline)."""
        if event.input.id != "composer-at":
            return
        event.stop()
        when = event.value.strip()
        if not when:
            self._show("#composer-error", NOT_QUEUED.format(error="say when, e.g. завтра 11:00"))
            return
        await self._submit(when, "enter")

    async def action_close(self) -> None:
        """esc: leave the time input; else save the draft (or the scheduled reply) and close."""
        box = self.query_one("#composer-at", Input)
        if box.display:
            box.display = False
            self.query_one(TextArea).focus()
            return
        if self._busy:
            return
        self._busy = True
        try:
            said = await self._save_draft(self.text)
        except (ActionError, StoreError) as e:
            self._busy = False
            self._show("#composer-error", NOT_SAVED.format(error=e))
            return
        kept = SCHEDULE_KEPT.format(when=self.editing.when) if self.editing else ""
        self.dismiss(ComposerResult(False, None, self.clock.take(), said or kept))

    # -- templates --------------------------------------------------------------------------

    async def action_template(self) -> None:
        """ctrl+t: the template picker; the chosen one is filled and inserted at the cursor."""
        if self._templates is None or self._busy:
            return
        try:
            offered = await self._templates.offer()
        except (ActionError, StoreError) as e:
            self._show("#composer-error", TEMPLATE_FAILED.format(error=e))
            return
        if not offered:
            self._show("#composer-error", NO_TEMPLATES)
            return
        from tui.screens.templates import TemplatePicker

        self.app.push_screen(TemplatePicker(offered), self._template_chosen)

    async def _template_chosen(self, name: str | None) -> None:
        if name is None or self._templates is None:
            return
        try:
            prepared = await self._templates.prepare(name)
        except (ActionError, StoreError) as e:
            self._show("#composer-error", TEMPLATE_FAILED.format(error=e))
            return
        if not prepared.missing:
            self.insert_template(prepared, {})
            return
        from tui.screens.fields import FieldsScreen

        def asked(values: dict[str, str] | None) -> None:
            if values is not None:
                self.insert_template(prepared, values)

        self.app.push_screen(FieldsScreen(prepared.template.name, prepared.missing), asked)

    def insert_template(self, prepared: PreparedTemplate, given: dict[str, str]) -> None:
        """Fill ``prepared`` with ``given`` and put it in the text (at the cursor)."""
        from inscope.templates import MissingFields, fill

        try:
            text = fill(prepared.template.text, {**prepared.values, **given})
        except MissingFields as e:
            self._show("#composer-error", TEMPLATE_FAILED.format(error=e))
            return
        area = self.query_one(TextArea)
        if not area.text.strip():
            area.load_text(text)
            area.move_cursor(area.document.end)
        else:
            area.insert(text)
        area.focus()
        self._show("#composer-error", "")
