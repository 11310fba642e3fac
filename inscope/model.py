"""Plain data of the core: priorities, states, rows the UI shows.  No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal, get_args


class Priority(IntEnum):
    """Lower sorts first."""

    URGENT = 0
    HIGH = 1
    NORMAL = 2
    LOW = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, s: str) -> Priority:
        try:
            return cls[s.strip().upper()]
        except KeyError as e:
            raise ValueError(f"unknown priority {s!r}: use urgent, high, normal or low") from e


ThreadState = Literal["open", "answered", "done", "snoozed", "escalated"]
THREAD_STATES: tuple[ThreadState, ...] = get_args(ThreadState)

# Snooze kinds: until a time, until the next reply window, until the client replies,
# until the project is active again, and a follow-up ("waiting on the client": back at a
# time unless the client answers first).
SnoozeKind = Literal["until", "window", "client", "project", "followup"]
SNOOZE_KINDS: tuple[SnoozeKind, ...] = get_args(SnoozeKind)

# A paused or unpaid project's threads are held out of the Inbox (the "held" view).
ProjectStatus = Literal["active", "paused", "unpaid"]
PROJECT_STATUSES: tuple[ProjectStatus, ...] = get_args(ProjectStatus)

UNSORTED = "Unsorted"
"""The project of conversations that no config route maps (counted, one key to assign)."""

Relevance = Literal["mine", "watch", "noise"]
Scope = Literal["in", "out", "unknown"]
Role = Literal["client", "team", "am", "me", "bot", "unknown"]

VIEWS: tuple[str, ...] = ("inbox", "held", "snoozed", "escalated", "answered", "done", "noise", "all")
VIEW_TITLES: dict[str, str] = {
    "inbox": "Inbox",
    "held": "Held (paused/unpaid)",
    "snoozed": "Snoozed",
    "escalated": "Escalated",
    "answered": "Answered",
    "done": "Done",
    "noise": "Noise",
    "all": "All",
}


@dataclass(frozen=True, slots=True)
class MsgFacts:
    """What the triage rules may know about one message (pure data)."""

    role: Role
    text: str
    created_at: float  # epoch seconds, UTC
    mentions_me: bool = False
    is_me: bool = False
    id: int = 0  # the stored message id (0: not stored); lets the rules cache per-message work
    author: str = ""  # display name as the source gives it
    handle: str = ""  # @handle without "@" (Trello, Telegram), or the e-mail address
    addr: str = ""  # e-mail only: "to" (my address in To), "cc" (only in Cc), "" otherwise
    reply_to_me: bool = False  # it answers one of my messages (Telegram reply, Trello @reply)
    reply_to_role: str = ""  # the role of the author of the message it answers ("" if none)
    conversation: str = ""  # "account:conversation" of its thread (per-conversation learning)
    subject: str = ""  # e-mail threads: the thread's subject (read with its first message)


@dataclass(frozen=True, slots=True)
class Assessment:
    """Triage output stored on a thread for fast grouping.

    Two axes: ``urgent`` (must break through the reply windows now, with
    ``urgent_reason``) and ``priority`` — high, normal or low, the order of work inside a
    window, with ``reasons``.  A legacy triage function may still return
    ``Priority.URGENT`` as the priority; the store shows that as urgent too.
    """

    relevance: Relevance = "mine"
    scope: Scope = "unknown"
    scope_reason: str = ""
    priority: Priority = Priority.NORMAL
    reasons: tuple[str, ...] = ()
    due_at: float | None = None
    urgent: bool = False
    urgent_reason: str = ""
    relevance_reason: str = ""
    scope_service: str = ""  # the service an out-of-scope request asks for ("" if none)


@dataclass(frozen=True, slots=True)
class ThreadRow:
    """One line of the inbox list."""

    id: int
    project_id: int
    project: str
    source: str
    title: str
    last_text: str
    last_author: str
    state: str
    priority: Priority
    reasons: tuple[str, ...]
    scope: str
    scope_reason: str
    relevance: str
    due_at: float | None
    last_client_at: float | None
    last_at: float
    msg_count: int
    url: str
    snooze_until: float | None = None
    snooze_kind: str | None = None
    snooze_reason: str = ""
    escalated_to: str = ""
    delivery_error: str = ""  # my last reply was refused for good: why ("" when none)
    urgent: bool = False
    urgent_reason: str = ""
    relevance_reason: str = ""
    base_priority: Priority = Priority.NORMAL  # high / normal / low without the emergency
    relevance_override: str | None = None  # "mine" / "noise" set by hand (Actions.relevance)
    followup_since: float | None = None  # a follow-up waits on the client since my reply then


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message in the detail view."""

    id: int
    external_id: str
    author_name: str
    author_handle: str
    role: str
    is_me: bool
    text: str
    created_at: float
    edited_at: float | None
    deleted: bool
    reply_to: str | None
    reply_to_text: str | None
    url: str
    source: str
    meta: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    id: int
    name: str
    status: str
    status_since: float | None
    open_count: int = 0
    held_count: int = 0
    noise_count: int = 0


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """A group in the view index: a (project, priority) run of thread ids."""

    project_id: int
    project: str
    project_status: str
    priority: Priority
    count: int
