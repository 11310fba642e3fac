"""The follow-up picker (``f``): bring the thread back after 1 or 2 reply windows, 1, 3 or 7
days, or a time typed in words — unless the client answers first.

The picker only chooses what to ask for ("2 windows"); the wake time and the wording come
from ``inscope.actions.Actions.followup``, the same as for ``inscope followup``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from inscope.actions import ActionError, FollowupOption
from tui.screens.picker import PickerScreen

TITLE = "Waiting on the client — bring {what} back if there is no answer in…"
CUSTOM = "custom…"
PLACEHOLDER = "e.g. 4 windows, 2 дня, fri 11:00 — enter sets it"
SAY_WHEN = "say when, e.g. 2 windows"
_CUSTOM = "\0custom"


class FollowupPicker(PickerScreen[str]):
    """Returns what to ask for ("2 windows", or the custom text), or None (esc)."""

    def __init__(self, *, count: int, options: Sequence[FollowupOption],
                 check: Callable[[str], Awaitable[object]]) -> None:
        self._check = check
        choices: list[tuple[str, str]] = [(o.label, o.after) for o in options]
        choices.append((CUSTOM, _CUSTOM))
        what = "it" if count == 1 else f"the {count} threads"
        super().__init__(TITLE.format(what=what), choices)

    def compose_extra(self) -> ComposeResult:
        """The custom input (hidden until chosen) and its error line."""
        yield Input(placeholder=PLACEHOLDER, id="followup-custom")
        yield Static("", id="followup-error", classes="error")

    def on_mount(self) -> None:
        """Hide the custom input until asked for."""
        super().on_mount()
        self.query_one("#followup-custom", Input).display = False

    def choose(self, i: int) -> None:
        """"custom…" opens the input; a preset closes the picker."""
        value = self._choices[i][1]
        if value == _CUSTOM:
            box = self.query_one("#followup-custom", Input)
            box.display = True
            box.focus()
            return
        self.dismiss(value)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        """The custom text, checked by the action layer first (an unclear time stays inline)."""
        event.stop()
        text = event.value.strip()
        error = self.query_one("#followup-error", Static)
        if not text:
            error.update(Text(SAY_WHEN))
            return
        try:
            await self._check(text)
        except ActionError as e:
            error.update(Text(str(e)))
            return
        self.dismiss(text)
