"""The snooze picker: the action layer's presets (1 hour, next window, tomorrow 9:00, until
the client replies, until the project is active) or a custom time in words.

The picker only chooses; the reason text and the wake time's wording come from
``inscope.actions.Actions.snooze``, the same as for ``inscope snooze``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from inscope.actions import SnoozeOption
from inscope.i18n import _, ngettext
from inscope.model import SnoozeKind
from tui.screens.picker import PickerScreen


@dataclass(frozen=True, slots=True)
class SnoozeChoice:
    """What was chosen: the kind and, for timed snoozes, the wake time."""

    kind: SnoozeKind
    until: float | None


CUSTOM = "custom"


class SnoozePicker(PickerScreen[SnoozeChoice | str]):
    """Choose how long to snooze; "custom…" asks for a time in words."""

    def __init__(self, *, count: int, options: Sequence[SnoozeOption],
                 parse: Callable[[str], float], now: Callable[[], float] = time.time) -> None:
        self._parse = parse
        self._now = now
        choices: list[tuple[str, SnoozeChoice | str]] = [
            (o.label, SnoozeChoice(o.kind, o.until)) for o in options
        ]
        choices.append((_("custom…"), CUSTOM))
        super().__init__(ngettext("Snooze thread", "Snooze {n} threads", count).format(n=count),
                         choices)

    def compose_extra(self) -> ComposeResult:
        """The custom time input (hidden until chosen) and its error line."""
        yield Input(placeholder=_("e.g. in 3 days, friday 10:00, 2025-07-01 14:00"), id="snooze-custom")
        yield Static("", id="snooze-error", classes="error")

    def on_mount(self) -> None:
        """Hide the custom input until asked for."""
        super().on_mount()
        self.query_one("#snooze-custom", Input).display = False

    def choose(self, i: int) -> None:
        """"custom…" opens the input; everything else closes the picker."""
        value = self._choices[i][1]
        if value == CUSTOM:
            box = self.query_one("#snooze-custom", Input)
            box.display = True
            box.focus()
            return
        self.dismiss(value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Parse the custom time; a parse error stays inline, the picker stays open."""
        event.stop()
        text = event.value.strip()
        try:
            until = self._parse(text)
        except ValueError as e:
            self.query_one("#snooze-error", Static).update(Text(str(e)))
            return
        if until <= self._now():
            self.query_one("#snooze-error", Static).update(Text(_("that time has already passed")))
            return
        self.dismiss(SnoozeChoice("until", until))
