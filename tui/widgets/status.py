"""The inbox's status line as a reactive widget: problems, unknown deliveries, or "ok".

The screen (and the app, for a sync thread that died) assigns the values; ``render`` draws
them with ``tui.render.chrome.status_text``.  Unchanged assignments cost nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.messages import SourceState
from tui.render.chrome import status_text


class StatusLine(Widget):
    """`` ⚠ account: error · sync stopped: … · view: …  N replies with unknown delivery``."""

    DEFAULT_CSS = "StatusLine { height: 1; }"

    sources: reactive[tuple[SourceState, ...]] = reactive(tuple)
    """Each account's state from the last sync round (empty before the first)."""
    accounts: reactive[tuple[Mapping[str, Any], ...]] = reactive(tuple)
    """The store's account rows, with their last errors (until the first sync round)."""
    sync_error: reactive[str] = reactive("")
    """Why the sync thread stopped, if it did."""
    view_error: reactive[str] = reactive("")
    """Why the last view build failed, if it did."""
    unknown_outbox: reactive[int] = reactive(0)
    """Replies whose delivery could not be verified."""
    failed_outbox: reactive[int] = reactive(0)
    """Replies the remote refused for good (their threads are back in the Inbox)."""
    synced_at: reactive[str] = reactive("")
    """Local time of the last sync round ("" before the first)."""

    def render(self) -> Text:
        """The line from the current values (never markup)."""
        return status_text(sources=self.sources, accounts=self.accounts,
                           sync_error=self.sync_error, view_error=self.view_error,
                           unknown_outbox=self.unknown_outbox, synced_at=self.synced_at,
                           failed_outbox=self.failed_outbox)
