"""Messages from the TUI's workers: they post these (thread-safe), UI-thread handlers apply them.

The inbox screen's workers post the view, counts, detail, clock and re-triage results to the
screen; the app's sync thread posts ``SyncRound`` to the app (invariant 7,
docs/architecture.md, Invariants: a UI read never waits on a sync write).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from inscope.actions import Conversation
from inscope.alerts import Alert
from inscope.model import ProjectInfo, ThreadRow
from tui.render.conversation import ConversationDoc
from tui.viewindex import ViewIndex


class ViewBuilt(Message):
    """A view index is ready to swap in, with the rows the first screens and J / K need.

    Sidebar counts, the header line and account states come separately (``CountsBuilt``),
    so the list paints as soon as its order is known.
    """

    def __init__(self, generation: int, index: ViewIndex, projects: list[ProjectInfo],
                 rows: Mapping[int, ThreadRow] | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.index = index
        self.projects = projects
        # Rows prefetched by the worker (around the cursor and each project's start).
        self.rows: Mapping[int, ThreadRow] = rows or {}


class CountsBuilt(Message):
    """Sidebar counts, the header line, account states: the rest of a view build."""

    def __init__(self, generation: int, counts: Mapping[str, int], header: str,
                 accounts: list[dict[str, Any]], unknown_outbox: int, failed_outbox: int = 0) -> None:
        super().__init__()
        self.generation = generation
        self.counts = counts
        self.header = header
        self.accounts = accounts
        self.unknown_outbox = unknown_outbox
        self.failed_outbox = failed_outbox


class ViewFailed(Message):
    """Building the view failed (a store error); shown in the status line."""

    def __init__(self, generation: int, error: str) -> None:
        super().__init__()
        self.generation = generation
        self.error = error


class DetailLoaded(Message):
    """The conversation of a thread was loaded by the detail worker."""

    def __init__(self, thread_id: int, conversation: Conversation | None, error: str = "",
                 doc: ConversationDoc | None = None) -> None:
        super().__init__()
        self.thread_id = thread_id
        self.conversation = conversation
        self.error = error
        # The rendered, already laid-out doc (built in the worker), if any.
        self.doc = doc


@dataclass(frozen=True, slots=True)
class SourceState:
    """A copy of one account's sync status, safe to hand across threads."""

    account: str
    kind: str
    state: str
    message: str


class SyncRound(Message):
    """One background sync round finished."""

    def __init__(self, changed: bool, threads: set[int], errors: Mapping[str, str],
                 sources: list[SourceState], unknown: int, notes: list[str],
                 alerts: Sequence[Alert] = (), woken: Sequence[int] = ()) -> None:
        super().__init__()
        self.changed = changed
        self.threads = threads
        self.errors = dict(errors)
        self.sources = sources
        self.unknown = unknown
        self.notes = notes
        self.alerts = list(alerts)  # urgent arrivals, follow-ups back (the app notifies)
        self.woken = list(woken)  # snoozes the engine's clock ended (in ``threads`` too)


class ClockTicked(Message):
    """The 30 s clock: a fresh header line and the threads whose snooze just ended."""

    def __init__(self, header: str, woken: list[int]) -> None:
        super().__init__()
        self.header = header
        self.woken = woken


class WindowRetriaged(Message):
    """A reply-window boundary passed and the waiting threads were re-triaged."""

    def __init__(self, count: int, error: str = "") -> None:
        super().__init__()
        self.count = count
        self.error = error
