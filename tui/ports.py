"""The slice of ``inscope.workspace.Workspace`` the TUI uses, as a Protocol.

The app is typed against this protocol rather than importing the concrete
class so that ``tui`` depends only on the behaviour it needs (and tests can
pass a small fake with the same methods).  ``inscope.workspace.Workspace``
satisfies it structurally.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from inscope.config import Config
from inscope.store import InboxGate, Store

if TYPE_CHECKING:
    # Annotations only: the action layer and the report are imported when first used, not
    # before the first frame.
    from inscope.actions import Actions
    from inscope.attachments import AttachmentRef
    from inscope.report import ProjectReport


class SyncReportLike(Protocol):
    """What one sync round reports (``inscope.sync.SyncReport``)."""

    threads: set[int]
    errors: dict[str, str]
    sent: int
    unknown: int
    notes: list[str]

    @property
    def changed(self) -> bool: ...


class SourceStatusLike(Protocol):
    """One account's health (``inscope.sync.SourceStatus``)."""

    account: str
    kind: str
    state: str
    message: str


class EngineLike(Protocol):
    """The sync engine (``inscope.sync.SyncEngine``)."""

    @property
    def status(self) -> Mapping[str, Any]: ...

    async def run_forever(
        self,
        on_round: Callable[[Any], None],
        *,
        interval: float = 30.0,
        stop: asyncio.Event | None = None,
        wake: asyncio.Event | None = None,
    ) -> None: ...

    async def aclose(self) -> None: ...


class WorkspaceLike(Protocol):
    """A workspace: config, data dir, store connections, sync engine and helpers."""

    config: Config
    home: Path
    db_path: Path
    demo: bool

    def store(self) -> Store: ...

    def engine(self, store: Store) -> Any: ...

    def actions(self, store: Store, now: Callable[[], float] = ...) -> Actions:
        """The shared action layer (``inscope.actions``) over ``store``."""
        ...

    def header(self, store: Store, now: float | None = None) -> str: ...

    def snooze_until(self, text: str, now: float | None = None) -> float: ...

    def next_window_start(self, now: float | None = None) -> float | None: ...

    def download(self, ref: AttachmentRef, directory: Path) -> Path:
        """One attachment read from its source into ``directory`` (a connector of its own)."""
        ...


@runtime_checkable
class ScheduleAware(Protocol):
    """A workspace that knows the reply-window schedule (``inscope.workspace.Workspace`` does).

    Optional on purpose: a workspace without it (a test double for other flows)
    gets an ungated Inbox, no boundary re-triage and a report in wall-clock hours,
    instead of an inbox that changes with the hour the tests happen to run at.
    """

    def inbox_gate(self, now: float | None = None) -> InboxGate: ...

    def retriage(self, store: Store, now: float | None = None, *, waiting_only: bool = False) -> int: ...

    def report(self, store: Store, since: float) -> list[ProjectReport]: ...
