"""The thread and the outbox state machines, as pure functions and data (no SQL).

The store's SQL asks these what a row becomes and writes the answer, so every
transition is written down once, here, and unit-tested without a database.

Threads (``ThreadState``): my reply makes a thread ``answered``; a client
message reopens what I had answered or closed and wakes snoozes a reply should
end; an account manager's message resolves an escalation.  User actions move a
thread through ``THREAD_ACTIONS``.

Outbox rows: a reply is ``queued`` before the composer closes — invariant 1
(docs/architecture.md, Invariants); the sender marks it ``sending`` (committed)
before the request, then ``sent``, ``failed`` or ``unknown``.  An ``unknown`` or
left-over ``sending`` row is reconciled, never silently resent — invariant 2
(docs/architecture.md, Invariants).  A reply held for later is ``scheduled`` with its
``send_at``: its text and time may change until the sync engine promotes it to
``queued`` — never before ``send_at`` (:func:`is_due`) — or the user cancels it.

Follow-ups ("waiting on the client"): a ``followup`` snooze wakes at its time like a
timed one, but a client message ends it first (the client's message opens the thread
as any client message does); waking without one brings the thread back with
"no answer since <my reply>" (:func:`followup_wake`, :func:`followup_returned`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from inscope.model import THREAD_STATES, SnoozeKind, ThreadState

# --- threads ---------------------------------------------------------------------------

CLOCK_SNOOZES: tuple[SnoozeKind, ...] = ("until", "window", "followup")
"""Snoozes that end at ``snooze_until``: they need a wake time and ``wake_due`` ends them."""

CLIENT_ENDS: frozenset[SnoozeKind] = frozenset({"client", "until", "window", "followup"})
"""Snoozes a client message ends early.  A ``project`` snooze waits for the status flip."""

FOLLOWUP: SnoozeKind = "followup"
"""The snooze of a follow-up: back at its time with "no answer since …" unless the client
answers first."""

PROJECT_SNOOZE: SnoozeKind = "project"
"""The snooze that ends when its project is set active again."""

ThreadAction = Literal["done", "reopen", "snooze", "escalate", "resolve", "reply", "wake",
                       "reply_failed", "unreply"]

THREAD_ACTIONS: dict[ThreadAction, tuple[tuple[ThreadState, ...], ThreadState]] = {
    "done": (THREAD_STATES, "done"),
    "reopen": (THREAD_STATES, "open"),
    "snooze": (THREAD_STATES, "snoozed"),
    "escalate": (THREAD_STATES, "escalated"),
    "resolve": (("escalated",), "open"),
    # Queueing a reply answers the thread; an escalated thread stays with the AM.
    "reply": (("open", "snoozed", "done"), "answered"),
    # A snooze ends: its time came (CLOCK_SNOOZES) or its project is active again.
    "wake": (("snoozed",), "open"),
    # The remote refused my reply for good: the client still waits, the thread is back.
    "reply_failed": (("answered", "done"), "open"),
    # I cancelled a reply that had not gone out (a scheduled one): the client still waits.
    # Applies only while no message of mine answers the thread (see ``after_unreply``).
    "unreply": (("answered",), "open"),
}
"""action → (the states it applies from, the state it leads to)."""


def thread_after_action(state: ThreadState, action: ThreadAction) -> ThreadState | None:
    """The state ``action`` moves a thread in ``state`` to; ``None`` if it does not apply.

    The store refuses a ``resolve`` that does not apply; a ``reply`` that does
    not apply still queues the reply and leaves the thread as it is.
    """
    sources, target = THREAD_ACTIONS[action]
    return target if state in sources else None


def after_unreply(state: ThreadState, last_is_me: bool) -> ThreadState | None:
    """The state a thread moves to when my unsent reply to it is cancelled: ``open`` when
    that reply was what answered it, ``None`` (unchanged) when my own message already does."""
    if last_is_me:
        return None
    return thread_after_action(state, "unreply")


def followup_wake(since: float | None, last_client_at: float | None) -> float | None:
    """When a follow-up's time comes: the "no answer since" time to show (my reply's time),
    or ``None`` when the client did answer after it (then nothing is said; their message
    already opened the thread)."""
    if since is None:
        return None
    if last_client_at is not None and last_client_at > since:
        return None
    return since


def followup_returned(state: str, since: float | None, last_client_at: float | None) -> bool:
    """Is the thread back from a follow-up with "no answer since …" to show?

    Only while it is open and the client is still silent since ``since``: a client message
    (or my next reply, which clears ``since``) ends it.
    """
    return state == "open" and followup_wake(since, last_client_at) is not None


def snooze_refusal(kind: str, until: float | None) -> str | None:
    """Why a snooze of ``kind`` waking at ``until`` is refused, or ``None`` if it is valid."""
    if kind not in get_args(SnoozeKind):
        return f"unknown snooze kind {kind!r}"
    if kind in CLOCK_SNOOZES and until is None:
        return "a timed snooze needs a wake time"
    return None


def thread_after_messages(
    state: ThreadState,
    snooze_kind: SnoozeKind | None,
    *,
    last_is_me: bool,
    new_client_msg: bool,
    last_role: str,
    am_spoke: bool,
) -> tuple[ThreadState, bool]:
    """(new state, resolved by the AM) of a thread after messages arrived or changed.

    ``last_is_me``: the newest live message is mine; ``new_client_msg``: a client
    message newer than any seen before arrived; ``last_role``: the newest live
    message's role; ``am_spoke``: a new message from the project's account manager.
    """
    new_state = state
    if last_is_me:
        if state == "open":
            new_state = "answered"
    elif new_client_msg and last_role == "client":
        woken = state == "snoozed" and snooze_kind in CLIENT_ENDS
        if state in ("answered", "done") or woken:
            new_state = "open"
    resolved_by_am = am_spoke and state == "escalated"
    if resolved_by_am:
        # The escalation is over and the ball is back with me (open), unless my own
        # message already follows the AM's (answered).
        new_state = "answered" if last_is_me else "open"
    return new_state, resolved_by_am


def leaves_snooze(before: ThreadState, after: ThreadState) -> bool:
    """True when a transition ends a snooze, so its wake time, kind and reason are cleared."""
    return before == "snoozed" and after != "snoozed"


@dataclass(frozen=True, slots=True)
class ThreadFacts:
    """The user-facing state of a thread that a merge must not lose."""

    state: ThreadState
    snooze_until: float | None = None
    snooze_kind: SnoozeKind | None = None
    snooze_reason: str = ""
    escalated_to: str = ""
    priority_override: int | None = None
    due_at: float | None = None


# How much a state asks of the user: when two threads become one, the merged thread keeps
# the state that asks the most, so nothing waiting for an answer or an escalation is lost.
_ATTENTION: dict[ThreadState, int] = {"escalated": 4, "open": 3, "snoozed": 2, "answered": 1, "done": 0}


def merged_thread(into: ThreadFacts, absorbed: ThreadFacts) -> ThreadFacts:
    """The state of ``into`` after ``absorbed`` (the same conversation, found late) joins it.

    The state asking most of the user wins (escalated > open > snoozed > answered > done);
    a snooze that survives keeps the earliest wake time (a snooze without one —
    "until the client writes" — wakes later than any clock); the escalation
    contact, the manual priority and the deadline survive from either side (the
    earlier deadline).  ``into``'s values win ties.
    """
    state = into.state if _ATTENTION[into.state] >= _ATTENTION[absorbed.state] else absorbed.state
    snooze: ThreadFacts | None = None
    if state == "snoozed":
        snoozed = [t for t in (into, absorbed) if t.state == "snoozed"]
        snooze = min(snoozed, key=lambda t: float("inf") if t.snooze_until is None else t.snooze_until)
    dues = [d for d in (into.due_at, absorbed.due_at) if d is not None]
    return ThreadFacts(
        state=state,
        snooze_until=snooze.snooze_until if snooze else None,
        snooze_kind=snooze.snooze_kind if snooze else None,
        snooze_reason=snooze.snooze_reason if snooze else "",
        escalated_to=into.escalated_to or absorbed.escalated_to,
        priority_override=into.priority_override if into.priority_override is not None else absorbed.priority_override,
        due_at=min(dues) if dues else None,
    )


# --- outbox ----------------------------------------------------------------------------

OutboxState = Literal["scheduled", "queued", "sending", "sent", "failed", "unknown", "cancelled"]
OUTBOX_STATES: tuple[OutboxState, ...] = get_args(OutboxState)

OUTBOX_MOVES: dict[OutboxState, frozenset[OutboxState]] = {
    # queued: its send time came (the engine promotes it, never early) or "send now".
    "scheduled": frozenset({"queued", "cancelled"}),
    "queued": frozenset({"sending", "cancelled"}),
    # queued again: a retryable error, sent later with a back-off.
    "sending": frozenset({"sent", "failed", "unknown", "queued"}),
    "failed": frozenset({"queued", "cancelled"}),
    # sent: reconciliation found it; queued: the user answered "resend?" with yes.
    "unknown": frozenset({"sent", "queued", "cancelled"}),
    "sent": frozenset(),
    "cancelled": frozenset(),
}
"""from → the states an outbox row may move to."""

PENDING: tuple[OutboxState, ...] = ("scheduled", "queued", "sending", "failed", "unknown")
"""Not finished: the outbox listing shows these by default."""

WAITING: tuple[OutboxState, ...] = ("scheduled", "queued", "failed", "unknown")
"""Not sent and not in flight, yet a later attempt may send them (a renamed conversation
re-points these rows)."""

TAKE_BACK: tuple[OutboxState, ...] = ("scheduled", "queued")
"""What undo may cancel: only a row no sender has picked up."""

EDITABLE: tuple[OutboxState, ...] = ("scheduled",)
"""Rows whose text and send time may still change: held, not yet handed to a sender."""

UNDELIVERED: tuple[OutboxState, ...] = ("queued", "sending", "failed", "unknown")
"""Due or overdue and not delivered (``inscope doctor`` counts these; scheduled ones wait)."""


def is_due(send_at: float | None, now: float) -> bool:
    """May a row held until ``send_at`` go out at ``now``?  Never before its time; a row
    without a send time is always due."""
    return send_at is None or send_at <= now


def can_move(src: OutboxState, dst: OutboxState) -> bool:
    """True when an outbox row in ``src`` may move to ``dst``."""
    return dst in OUTBOX_MOVES[src]


def sources(dst: str) -> tuple[OutboxState, ...]:
    """The states a row may move to ``dst`` from, in ``OUTBOX_STATES`` order (the SQL guard).

    ``KeyError`` for a name that is not an outbox state.
    """
    return _INTO[dst]


_INTO: dict[str, tuple[OutboxState, ...]] = {
    dst: tuple(s for s in OUTBOX_STATES if dst in OUTBOX_MOVES[s]) for dst in OUTBOX_STATES
}
