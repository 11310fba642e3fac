"""The inbox's top line as a reactive widget: set a value, it repaints itself.

The screen assigns what it learns (the window line, the sources' health, the counts, when
the held threads come back); ``render`` draws it with ``tui.render.chrome.header_text``.
An assignment that does not change the value costs nothing (reactive values compare first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.messages import SourceState
from tui.render.chrome import header_text


class InboxHeader(Widget):
    """`` inscope  <window line>  │ sources  │ inbox N · held N · snoozed N · noise N``."""

    DEFAULT_CSS = "InboxHeader { height: 1; }"

    window: reactive[str] = reactive("")
    """The reply-window line (``Workspace.header``)."""
    demo: reactive[bool] = reactive(False)
    """The demo workspace is open (a "demo" badge)."""
    sources: reactive[tuple[SourceState, ...]] = reactive(tuple)
    """Each account's state from the last sync round (empty before the first)."""
    accounts: reactive[tuple[Mapping[str, Any], ...]] = reactive(tuple)
    """The store's account rows (shown until the first sync round reports)."""
    counts: reactive[dict[str, int]] = reactive(dict)
    """View counts (``Store.view_counts``)."""
    held_until: reactive[str] = reactive("")
    """When the threads held until the window come back ("17:00")."""

    def render(self) -> Text:
        """The line from the current values (never markup)."""
        return header_text(window=self.window, demo=self.demo, sources=self.sources,
                           accounts=self.accounts, counts=self.counts, held_until=self.held_until)
