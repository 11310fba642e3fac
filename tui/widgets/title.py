"""The line above the list: the view's title, or — while one is typed — the search prompt.

The prompt lives in this row rather than in an ``Input`` above the list: showing an
``Input`` moved the list down three rows and took the focus, and either one repaints the
whole screen in Textual (50–200 ms at 160×45).  Here ``/`` changes one line, the list keeps
the focus, and the inbox screen hands this widget the editing keys (``tui.lineedit``).
Everything is drawn as plain ``Text``, never markup.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from inscope.i18n import N_, _
from tui.lineedit import LineEdit

PROMPT = N_(" Search: ")
HINT = N_("  enter searches message text · esc cancels")
_CURSOR = Style(reverse=True)
_HINT = Style(dim=True)


class TitleLine(Widget):
    """One row: ``title`` normally; ``prompt`` (a ``LineEdit``) while a search is typed."""

    DEFAULT_CSS = "TitleLine { height: 1; }"

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._title = Text("")
        self.prompt: LineEdit | None = None

    @property
    def title(self) -> Text:
        """The view's title (shown whenever no prompt is open)."""
        return self._title

    @title.setter
    def title(self, text: Text) -> None:
        if text != self._title:
            self._title = text
            if self.prompt is None:
                self.refresh()

    def open_prompt(self, value: str) -> LineEdit:
        """Show the prompt, prefilled with ``value`` and the cursor at its end."""
        self.prompt = LineEdit(value)
        self.refresh()
        return self.prompt

    def close_prompt(self) -> str:
        """Back to the title; returns what was typed."""
        value = self.prompt.value if self.prompt is not None else ""
        self.prompt = None
        self.refresh()
        return value

    def render(self) -> Text:
        """The title, or the prompt with its cursor."""
        edit = self.prompt
        if edit is None:
            return self._title
        prompt, hint = _(PROMPT), _(HINT)
        text = Text(prompt, style="bold")
        value, at = edit.value, edit.cursor
        # Keep the cursor in view on a narrow screen: drop characters off the left.
        room = max(1, self.size.width - len(prompt) - len(hint) - 1)
        start = max(0, at - room + 1)
        text.append(value[start:at])
        text.append(value[at:at + 1] or " ", _CURSOR)
        text.append(value[at + 1:start + room])
        text.append(hint, _HINT)
        return text
