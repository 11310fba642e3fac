"""A small modal list of choices: the base of the snooze and priority pickers."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.bindings import bindings_for

T = TypeVar("T")


class PickerScreen(ModalScreen[T | None], Generic[T]):
    """Pick one of ``choices`` (label, value); ``esc`` cancels with None."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("pickers")

    def __init__(self, title: str, choices: list[tuple[str, T]], *, initial: int = 0) -> None:
        super().__init__()
        self._title = title
        self._choices = choices
        self._initial = initial

    def compose(self) -> ComposeResult:
        """Title and the options, numbered 1…n (digits pick directly)."""
        with Vertical(classes="dialog"):
            yield Static(Text(self._title, style="bold"), classes="dialog-title")
            yield OptionList(
                *[Option(Text(f"{i}  {label}"), id=str(i - 1))
                  for i, (label, _) in enumerate(self._choices, 1)],
                id="picker-options",
            )
            yield from self.compose_extra()

    def compose_extra(self) -> ComposeResult:
        """Extra widgets under the options (the snooze picker's custom input)."""
        yield from ()

    def on_mount(self) -> None:
        """Focus the options at the initial choice."""
        options = self.query_one("#picker-options", OptionList)
        options.highlighted = self._initial
        options.focus()

    def on_key(self, event: events.Key) -> None:
        """Digits 1–9 choose directly (unless an Input has focus)."""
        if isinstance(self.focused, Input):
            return
        ch = event.character or ""
        if len(ch) == 1 and ch.isdigit() and 1 <= int(ch) <= len(self._choices):
            event.stop()
            self.choose(int(ch) - 1)

    def action_down(self) -> None:
        """Next choice."""
        self.query_one("#picker-options", OptionList).action_cursor_down()

    def action_up(self) -> None:
        """Previous choice."""
        self.query_one("#picker-options", OptionList).action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a choice."""
        event.stop()
        self.choose(int(event.option.id or 0))

    def choose(self, i: int) -> None:
        """Resolve choice ``i`` (subclasses may ask for more first)."""
        self.dismiss(self._choices[i][1])

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)
