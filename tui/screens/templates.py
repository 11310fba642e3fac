"""The composer's template picker: type to filter (fuzzy), enter inserts the highlighted one.

It only chooses a name; the composer fills the template from the thread and asks for the
fields it does not know (``tui.screens.fields``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from inscope.text import one_line
from tui.bindings import bindings_for

if TYPE_CHECKING:
    from inscope.templates import Template

TITLE = "Insert a template"
FILTER = "type to filter — enter inserts, esc goes back"
NOTHING = "no template matches"


def label(t: Template) -> str:
    """How a template reads in the list: ``monthly-report (ru) — the description``."""
    lang = f" ({t.language})" if t.language else ""
    desc = f" — {one_line(t.description, 60)}" if t.description else ""
    return f"{t.name}{lang}{desc}"


def ranked(templates: Sequence[Template], query: str) -> list[Template]:
    """``templates`` matching ``query`` (fuzzy, over name and description), best first;
    all of them, in order, for an empty query."""
    if not query.strip():
        return list(templates)
    matcher = Matcher(query.strip())
    scored = [(matcher.match(f"{t.name} {t.description}"), i, t) for i, t in enumerate(templates)]
    return [t for score, _, t in sorted(scored, key=lambda x: (-x[0], x[1])) if score > 0]


class TemplatePicker(ModalScreen[str | None]):
    """Returns the chosen template's name, or None (esc)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("templates")

    def __init__(self, templates: Sequence[Template]) -> None:
        super().__init__()
        self._all = list(templates)
        self.shown: list[Template] = list(templates)

    def compose(self) -> ComposeResult:
        """Title, the filter, the matching templates and their text."""
        with Vertical(classes="dialog"):
            yield Static(Text(TITLE, style="bold"), classes="dialog-title")
            yield Input(placeholder=FILTER, id="template-filter")
            yield OptionList(*self._options(), id="template-options")
            yield Static("", id="template-preview", classes="preview")

    def _options(self) -> list[Option]:
        if not self.shown:
            return [Option(Text(NOTHING, style="dim"), id="-", disabled=True)]
        return [Option(Text(label(t)), id=str(i)) for i, t in enumerate(self.shown)]

    def on_mount(self) -> None:
        """Focus the filter; the first template is highlighted."""
        self.query_one("#template-options", OptionList).highlighted = 0 if self.shown else None
        self.query_one("#template-filter", Input).focus()
        self._preview()

    def _preview(self) -> None:
        i = self.query_one("#template-options", OptionList).highlighted
        text = self.shown[i].text if i is not None and 0 <= i < len(self.shown) else ""
        self.query_one("#template-preview", Static).update(Text(text, style="dim"))

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as she types."""
        event.stop()
        self.shown = ranked(self._all, event.value)
        options = self.query_one("#template-options", OptionList)
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = 0 if self.shown else None
        self._preview()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted template's text under the list."""
        event.stop()
        self._preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter: the highlighted template."""
        event.stop()
        self._choose(self.query_one("#template-options", OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on a template."""
        event.stop()
        self._choose(event.option_index)

    def _choose(self, i: int | None) -> None:
        if i is not None and 0 <= i < len(self.shown):
            self.dismiss(self.shown[i].name)

    def action_down(self) -> None:
        """The next template."""
        self.query_one("#template-options", OptionList).action_cursor_down()

    def action_up(self) -> None:
        """The previous template."""
        self.query_one("#template-options", OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        """Back to the reply, nothing inserted."""
        self.dismiss(None)
