"""The snooze picker: 1 hour, next window, tomorrow 9:00, until the client
replies, until the project is active, or a custom time in words."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from tui.format import clock
from tui.screens.picker import PickerScreen


@dataclass(frozen=True, slots=True)
class SnoozeChoice:
    """Arguments for ``Store.snooze``: kind, wake time, reason (always stored)."""

    kind: str
    until: float | None
    reason: str


CUSTOM = "custom"


def tomorrow_at(hour: int, tz: tzinfo, now: float | None = None) -> float:
    """Epoch seconds of tomorrow ``hour``:00 in ``tz``."""
    t = datetime.fromtimestamp(time.time() if now is None else now, tz)
    day = (t + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return day.timestamp()


class SnoozePicker(PickerScreen[SnoozeChoice | str]):
    """Choose how long to snooze; "custom…" asks for a time in words."""

    def __init__(self, *, count: int, tz: tzinfo, next_window: Callable[[], float | None],
                 parse: Callable[[str], float], now: Callable[[], float] = time.time) -> None:
        self._tz = tz
        self._parse = parse
        self._now = now
        t = now()
        choices: list[tuple[str, SnoozeChoice | str]] = [
            ("1 hour", SnoozeChoice("until", t + 3600, "1 hour")),
        ]
        nw = next_window()
        if nw is not None:
            choices.append((f"next reply window ({clock(nw, tz)})", SnoozeChoice("window", nw, "next reply window")))
        choices += [
            ("tomorrow 9:00", SnoozeChoice("until", tomorrow_at(9, tz, t), "tomorrow 9:00")),
            ("until the client replies", SnoozeChoice("client", None, "until the client replies")),
            ("until the project is active", SnoozeChoice("project", None, "until the project is active")),
            ("custom…", CUSTOM),
        ]
        what = "thread" if count == 1 else f"{count} threads"
        super().__init__(f"Snooze {what}", choices)

    def compose_extra(self) -> ComposeResult:
        """The custom time input (hidden until chosen) and its error line."""
        yield Input(placeholder="e.g. in 3 days, friday 10:00, 2025-07-01 14:00", id="snooze-custom")
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
            self.query_one("#snooze-error", Static).update(Text("that time has already passed"))
            return
        self.dismiss(SnoozeChoice("until", until, text))
