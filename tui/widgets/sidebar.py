"""The sidebar: views with counts, then projects with status marks and counts.

About twenty options, so a stock ``OptionList`` is right here (unlike the inbox).
Prompts are ``rich.text.Text`` so a project name is never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from inscope.i18n import _
from inscope.i18n.labels import project_name
from inscope.model import VIEW_TITLES, VIEWS, ProjectInfo
from tui.bindings import bindings_for
from tui.format import status_mark


class Sidebar(OptionList):
    """Views and projects; ``enter`` selects (the app changes the list's query)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("sidebar")

    _shown: tuple[tuple[str, str, bool], ...] | None = None

    def update_items(self, counts: Mapping[str, int], projects: Sequence[ProjectInfo],
                     current: str) -> None:
        """Rebuild the options, keeping the highlight on the same id."""
        # Every view build reports counts; most report the ones on screen, and rebuilding
        # the options repaints the whole sidebar (~15 ms), so an unchanged list is kept.
        shown = (*((view, str(counts.get(view, 0)), False) for view in VIEWS),
                 *((f"project:{p.id}", f"{p.status}:{p.name}:{p.held_count}:{p.open_count}", p.status != "active")
                   for p in projects))
        if shown == self._shown:
            return
        self._shown = shown
        highlighted = self.highlighted_option.id if self.highlighted_option is not None else current
        options: list[Option | None] = []
        for view in VIEWS:
            n = counts.get(view, 0)
            options.append(Option(Text(f"{_(VIEW_TITLES[view])}  {n}"), id=f"view:{view}"))
        options.append(None)
        for p in projects:
            mark = status_mark(p.status)
            n = p.held_count if p.status != "active" else p.open_count
            label = Text(f"{mark + ' ' if mark else ''}{project_name(p.name)}  {n}")
            if p.status != "active":
                label.stylize("dim")
            options.append(Option(label, id=f"project:{p.id}"))
        self.set_options(options)
        try:
            self.highlighted = self.get_option_index(highlighted or current)
        except OptionDoesNotExist:  # the highlighted project vanished: back to the first view
            self.highlighted = 0
