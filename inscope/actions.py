"""The user's actions: one implementation that both front ends call.

Every key of the TUI and every command of the CLI that changes something (reply — now or
held for a later send time —, done, snooze, follow-up, priority, relevance, assign, escalate,
resolve, project status, resend / edit / cancel, undo, reply templates, the Saved Messages
notice) and the grouped inbox that ``inscope inbox --json`` prints go through :class:`Actions`, so
the two cannot drift: the unpaid-project confirmation, re-triage after an assignment,
the wording of what happened and every time shown (always in ``[me] timezone``) are
decided here, once.

An action returns an :class:`Outcome` — one line for the user plus the threads it
changed and the state they end in (the TUI drops them from the list at once).  A refusal
raises :class:`ActionError` with the message to show; :class:`NeedsConfirmation` is the
refusal that a second, explicit "yes" overrides (``ctrl+s`` again, ``--yes``).
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from connectors import registry
from inscope.alerts import Notice
from inscope.model import (
    PROJECT_STATUSES,
    UNSORTED,
    MessageRow,
    Priority,
    ProjectInfo,
    SnoozeKind,
    ThreadRow,
    ThreadState,
)
from inscope.store import DatabaseUnavailable, OutboxRow, Store, StoreError, WakeUp, explain
from inscope.store import states as machine
from inscope.text import one_line

if TYPE_CHECKING:
    from inscope.templates import Catalog, Template
    from inscope.workspace import Workspace


_C = TypeVar("_C")


class ActionError(ValueError):
    """An action was refused; the message says why and what to do."""


class NeedsConfirmation(ActionError):
    """Refused until confirmed: ``warning`` is what the user must acknowledge."""

    def __init__(self, warning: str, how: str) -> None:
        super().__init__(f"{warning} — {how}")
        self.warning = warning


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did: a line for the user, the threads changed, the state they end in."""

    message: str
    threads: tuple[int, ...] = ()
    state: ThreadState | None = None
    outbox_id: int | None = None


@dataclass(frozen=True, slots=True)
class SnoozeOption:
    """One preset of the snooze picker (and ``inscope snooze``): label, kind, wake time."""

    label: str
    kind: SnoozeKind
    until: float | None


@dataclass(frozen=True, slots=True)
class FollowupOption:
    """One preset of the follow-up picker: its label (with the wake time) and what to ask."""

    label: str
    after: str
    until: float


@dataclass(frozen=True, slots=True)
class SendPlan:
    """When "send at the next window" would send a reply now: ``at`` (``None``: at once,
    a window is open or none are configured) and the words for it."""

    at: float | None
    label: str


@dataclass(frozen=True, slots=True)
class PreparedTemplate:
    """A template chosen for a thread: the definition, the values known, the fields to ask."""

    template: Template
    values: dict[str, str]
    missing: list[str]


@dataclass(frozen=True, slots=True)
class Conversation:
    """Everything the detail pane and ``inscope show`` show for one thread."""

    thread: ThreadRow
    messages: list[MessageRow]
    escalations: list[dict[str, Any]]
    project_status: str = "active"
    project_since: float | None = None
    total_messages: int = 0
    scheduled: tuple[tuple[int, str], ...] = ()  # (outbox id, "Mon 11:00") of held replies
    followup_note: str = ""  # "no answer since Mon 14:05" while a follow-up is back


@dataclass(slots=True)
class InboxGroup:
    """A run of threads of one project and priority, as the TUI groups them."""

    project: str
    project_status: str
    priority: Priority
    threads: list[ThreadRow] = field(default_factory=list)


# What the user reads about held replies, follow-ups and templates (one place per module).
SCHEDULED_MSG = "reply scheduled for {when} (outbox #{oid}) — it goes out then, not before"
QUEUED_MSG = "reply queued (outbox #{oid})"
WINDOW_OPEN_MSG = "a reply window is open: reply queued (outbox #{oid})"
FOLLOWUP_REASON = "until {until} unless the client answers (waiting since {since})"
FOLLOWUP_MSG = "waiting on the client: back {until} unless they answer"
NO_ANSWER = "no answer since {since}"
NOTHING_TO_WAIT_ON = ("#{tid}: no reply of mine to wait on — reply first (r, inscope reply), "
                      "then set the follow-up")
CLIENT_WROTE_LAST = "#{tid}: the client wrote after my last reply — answer them first"
TEMPLATE_NEEDS = "template {name!r} needs {fields}"
ONE_TIME_ONLY = "say one of: a time, or the next reply window"
PASSED = "that time has already passed"
WORDS_PASSED = "{text!r} has already passed"
NOW_OPEN = "now (a reply window is open)"
NOW_NO_WINDOWS = "now (no reply windows are configured)"
AT_NEXT_WINDOW = "at the next window, {when}"
NOT_HELD = ("outbox #{oid} is {state}: only a scheduled reply can be changed (it went out, or its "
            "time came and it is on its way)")
EMPTY_EDIT = "an empty reply is not sent — cancel it instead"
GOES_NOW = "outbox #{oid} goes out now"
CHANGED = "scheduled reply #{oid} changed: it goes out {when}"
MOVED = "scheduled reply #{oid} moved: it goes out {when}"
SAY_WHEN_FOLLOWUP = "say when: e.g. \"2 windows\", \"3 days\", \"2 окна\", \"fri 11:00\""
FOLLOWUP_OPTION = "{label} (back {when})"
CANCELLED_HELD = "scheduled reply #{oid} cancelled — its text is back in the draft"
CANCELLED_NOTE = "scheduled #{oid} cancelled"
SAVED_QUEUED = "notice queued for Saved Messages (outbox #{oid})"

CONFIRM_PARTS = 10
"""A reply longer than this many parts (40 KB on Telegram) needs a confirmation."""
MAX_PARTS = 60
"""… and one longer than this (about 3 minutes of paced sending) is refused."""


def _n(what: str, ids: Sequence[int]) -> str:
    return f"{what}: {len(ids)} threads" if len(ids) > 1 else what


def _db_errors_told(cls: type[_C]) -> type[_C]:
    """Wrap every public method of ``cls`` so a SQLite failure becomes an ``ActionError``."""
    for name, fn in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(fn):
            continue

        def guarded(self: Any, *args: Any, __fn: Callable[..., Any] = fn, **kwargs: Any) -> Any:
            try:
                return __fn(self, *args, **kwargs)
            except sqlite3.Error as e:
                raise ActionError(str(explain(e, self.store.path))) from e
            except DatabaseUnavailable as e:
                raise ActionError(str(e)) from e

        functools.update_wrapper(guarded, fn)
        setattr(cls, name, guarded)
    return cls


@_db_errors_told
class Actions:
    """The actions of one workspace over one store connection (one thread's).

    Cheap to make: the TUI makes one on its db thread, the CLI one per command.  Every
    public method turns a SQLite failure (the database locked by another program, a full
    disk, a damaged file) into an :class:`ActionError` that says so and what to do — the
    caller keeps what the user typed and shows the line, never a traceback.
    """

    def __init__(self, ws: Workspace, store: Store, *, now: Callable[[], float] = time.time) -> None:
        self.ws = ws
        self.store = store
        self.now = now

    # -- time, always in the user's timezone ---------------------------------------------

    @property
    def tz(self) -> Any:
        """``[me] timezone`` as a tzinfo."""
        return self.ws.schedule.tz

    def local(self, ts: float) -> datetime:
        """``ts`` (epoch seconds) as an aware datetime in the user's timezone."""
        return datetime.fromtimestamp(ts, self.tz)

    def when(self, ts: float) -> str:
        """A wake or send time for a message: ``"17:00"`` today, ``"Fri 5 Dec 10:00"`` later."""
        at = self.local(ts)
        today = self.local(self.now()).date()
        if at.date() == today:
            return at.strftime("%H:%M")
        return f"{at:%a} {at.day} {at:%b %H:%M}"

    def stamp(self, ts: float) -> str:
        """A message time: ``"2026-12-01 14:05"`` in the user's timezone."""
        return self.local(ts).strftime("%Y-%m-%d %H:%M")

    def day_time(self, ts: float) -> str:
        """A time kept in stored text (a reason read days later): always with its day,
        ``"Fri 5 Dec 10:00"``."""
        at = self.local(ts)
        return f"{at:%a} {at.day} {at:%b %H:%M}"

    # -- reading ------------------------------------------------------------------------

    def thread(self, tid: int) -> ThreadRow:
        """One thread, or ``ActionError`` naming it."""
        try:
            return self.store.thread(tid)
        except StoreError as e:
            raise ActionError(str(e)) from e

    def project_info(self, project_id: int) -> ProjectInfo | None:
        """The project row (status and since when) of ``project_id``."""
        return next((p for p in self.store.projects() if p.id == project_id), None)

    def conversation(self, tid: int, limit: int = 500, *,
                     projects: Sequence[ProjectInfo] = ()) -> Conversation:
        """A thread with its newest ``limit`` messages, escalations and project status.

        ``projects``: project rows the caller already holds (the TUI's, from its last view
        build); the thread's project is taken from them when it is there, which saves
        counting every project's threads each time a conversation is opened.
        """
        th = self.thread(tid)
        info = next((p for p in projects if p.id == th.project_id), None)
        if info is None:
            info = self.project_info(th.project_id)
        return Conversation(
            thread=th, messages=self.store.messages(tid, limit=limit),
            escalations=self.store.escalations(tid),
            project_status=info.status if info else "active",
            project_since=info.status_since if info else None,
            total_messages=th.msg_count,
            scheduled=tuple((r.id, self.day_time(r.send_at)) for r in self.scheduled_replies(tid)
                            if r.send_at is not None),
            followup_note=self.followup_note(th),
        )

    def followup_note(self, th: ThreadRow) -> str:
        """``"no answer since Mon 1 Dec 14:05"`` while ``th`` is back from a follow-up the
        client left unanswered, else ``""``."""
        if not machine.followup_returned(th.state, th.followup_since, th.last_client_at):
            return ""
        assert th.followup_since is not None
        return NO_ANSWER.format(since=self.day_time(th.followup_since))

    def inbox(self, view: str = "inbox", *, project_id: int | None = None,
              peek: bool = False) -> dict[str, Any]:
        """The grouped inbox exactly as the TUI groups it (the ``inbox --json`` object).

        Outside a reply window the Inbox holds back what does not break through (counted
        under ``hidden.held_until_window``) unless ``peek``.
        """
        t = self.now()
        st = self.ws.schedule.state(datetime.fromtimestamp(t, UTC))
        window: dict[str, Any] = {"open": st.open}
        if st.open and st.current_end is not None:
            window["ends_at"] = st.current_end.isoformat()
        if st.next_start is not None:
            window["next_start"] = st.next_start.isoformat()
        gate = self.ws.inbox_gate(t)
        if gate.held_until is not None:
            window["held_until"] = self.local(gate.held_until).isoformat()
        limit = gate.max_priority if view == "inbox" and not peek else None
        try:
            index = self.store.view_index(view, project_id, max_priority=limit)
        except StoreError as e:
            raise ActionError(str(e)) from e
        rows = self.store.threads_by_id([i for i, _, _ in index])
        statuses = {p.id: p.status for p in self.store.projects()}
        groups: list[InboxGroup] = []
        last: tuple[int, int] | None = None
        for tid, pid, pr in index:
            r = rows[tid]
            if last != (pid, pr):
                groups.append(InboxGroup(r.project, statuses.get(pid, "active"), Priority(pr)))
                last = (pid, pr)
            groups[-1].threads.append(r)
        counts = self.store.view_counts(max_priority=gate.max_priority)
        held = self.store.held_counts()
        return {
            "generated_at": datetime.fromtimestamp(t, UTC).isoformat(),
            "view": view,
            "window": window,
            "groups": [{
                "project": g.project, "project_status": g.project_status,
                "priority": g.priority.label,
                "threads": [self._thread_json(r) for r in g.threads],
            } for g in groups],
            "hidden": {"snoozed": counts["snoozed"], "paused": held.get("paused", 0),
                       "unpaid": held.get("unpaid", 0), "noise": counts["noise"],
                       "done": counts["done"], "held_until_window": counts["held_until_window"]},
            "undelivered": self.undelivered(),
            "scheduled": counts["scheduled"],
        }

    def undelivered(self) -> int:
        """Replies the remote refused for good, waiting for resend, edit or cancel."""
        return sum(1 for r in self.store.outbox(("failed",)) if r.kind == "reply")

    def _thread_json(self, r: ThreadRow) -> dict[str, Any]:
        return {
            "id": r.id, "source": r.source, "title": r.title, "last_text": r.last_text,
            "last_author": r.last_author, "state": r.state, "priority": r.priority.label,
            "reasons": list(r.reasons),
            "scope": {"value": r.scope, "reason": r.scope_reason} if r.scope_reason else r.scope,
            "due_at": self.local(r.due_at).isoformat() if r.due_at else None,
            "url": r.url,
            "delivery_error": r.delivery_error,
            "urgent": {"value": r.urgent, "reason": r.urgent_reason},
            "relevance": {"value": r.relevance, "reason": r.relevance_reason},
            "base_priority": r.base_priority.label,
            "snooze": ({"kind": r.snooze_kind, "reason": r.snooze_reason,
                        "until": self.local(r.snooze_until).isoformat() if r.snooze_until else None}
                       if r.state == "snoozed" else None),
            "followup": self.followup_note(r) or None,
        }

    # -- replying -------------------------------------------------------------------------

    def reply_warning(self, tid: int) -> str:
        """``"Acme is unpaid since 01 Dec 2026"`` when replying needs a confirmation, else ``""``."""
        th = self.thread(tid)
        info = self.project_info(th.project_id)
        if info is None or info.status != "unpaid":
            return ""
        since = self.local(info.status_since).strftime("%d %b %Y") if info.status_since else "a while"
        return f"{info.name} is unpaid since {since}"

    def reply(self, tid: int, text: str, *, confirmed: bool = False, at: float | None = None,
              when: str | None = None, at_window: bool = False) -> Outcome:
        """Queue a reply in the outbox (the thread becomes answered), or hold it.

        ``at`` (epoch seconds) or ``when`` (words: "завтра 11:00") hold it as *scheduled*
        until then; ``at_window`` holds it until the next reply window opens (sent at once
        while one is open).  A reply to an unpaid project is refused with
        :class:`NeedsConfirmation` until ``confirmed``; nothing is queued before that.
        """
        if not text.strip():
            raise ActionError("an empty reply is not sent")
        send_at = self.send_time(at=at, when=when, at_window=at_window)
        warning = self.reply_warning(tid)
        if warning and not confirmed:
            raise NeedsConfirmation(warning, "confirm to send anyway")
        self._check_length(tid, text, confirmed)
        try:
            oid = self.store.queue_reply(tid, text, send_at=send_at)
        except StoreError as e:
            raise ActionError(str(e)) from e
        if send_at is not None:
            msg = SCHEDULED_MSG.format(when=self.when(send_at), oid=oid)
        elif at_window:
            msg = WINDOW_OPEN_MSG.format(oid=oid)
        else:
            msg = QUEUED_MSG.format(oid=oid)
        return Outcome(msg, (tid,), "answered", oid)

    # -- held replies ---------------------------------------------------------------------

    def send_time(self, *, at: float | None = None, when: str | None = None,
                  at_window: bool = False) -> float | None:
        """When a reply asked to go ``at`` / ``when`` / ``at_window`` is sent (``None``: now).

        A time that has passed is refused; "the next window" is now while one is open
        (or when no windows are configured: always open)."""
        if sum(x is not None and x is not False for x in (at, when, at_window or None)) > 1:
            raise ActionError(ONE_TIME_ONLY)
        if at_window:
            return self.window_send().at
        if when is not None:
            return self.parse_when(when)
        if at is not None:
            if at <= self.now():
                raise ActionError(PASSED)
            return at
        return None

    def window_send(self) -> SendPlan:
        """When "send at the next window" sends a reply written now, in words."""
        t = self.now()
        is_open, _end, next_start, _next_end = self.ws.schedule.state_ts(t)
        if is_open or next_start is None:
            return SendPlan(None, NOW_NO_WINDOWS if self.ws.schedule.empty else NOW_OPEN)
        return SendPlan(next_start, AT_NEXT_WINDOW.format(when=self.when(next_start)))

    def scheduled_replies(self, tid: int | None = None) -> list[OutboxRow]:
        """Replies held for a later send time (of one thread, or all), soonest first."""
        rows = [r for r in self.store.outbox(("scheduled",)) if r.kind == "reply"
                and (tid is None or r.thread_id == tid)]
        return sorted(rows, key=lambda r: (r.send_at or 0.0, r.id))

    def _held(self, oid: int) -> OutboxRow:
        row = self._outbox_row(oid)
        if row.state != "scheduled":
            raise ActionError(NOT_HELD.format(oid=oid, state=row.state))
        return row

    def edit_scheduled(self, oid: int, text: str | None = None, *, at: float | None = None,
                       when: str | None = None, at_window: bool = False,
                       send_now: bool = False) -> Outcome:
        """Change a held reply before it goes: its text, its time (``at`` / ``when`` /
        ``at_window``), or send it now.  Refused once it is no longer held."""
        row = self._held(oid)
        if text is not None and not text.strip():
            raise ActionError(EMPTY_EDIT)
        tid = (row.thread_id,) if row.thread_id else ()
        moved = at is not None or when is not None or at_window
        send_at = None if send_now else self.send_time(at=at, when=when, at_window=at_window)
        if send_now or (moved and send_at is None):
            try:
                self.store.outbox_edit(oid, text=text, release_at=self.now())
            except StoreError as e:
                raise ActionError(str(e)) from e
            return Outcome(GOES_NOW.format(oid=oid), tid, outbox_id=oid)
        try:
            self.store.outbox_edit(oid, text=text, send_at=send_at)
        except StoreError as e:
            raise ActionError(str(e)) from e
        when_s = self.when(send_at if send_at is not None else (row.send_at or self.now()))
        said = CHANGED if text is not None else MOVED
        return Outcome(said.format(oid=oid, when=when_s), tid, outbox_id=oid)

    def send_scheduled_now(self, oid: int) -> Outcome:
        """Send a held reply now instead of at its time."""
        return self.edit_scheduled(oid, send_now=True)

    def _check_length(self, tid: int, text: str, confirmed: bool) -> None:
        """Refuse what the remote would refuse; make the user confirm a reply that takes
        minutes to deliver (it would hold its destination that long)."""
        account = self.store.conversation_of(tid)[0]
        acc = self.ws.config.account(account)
        if acc is None:
            return
        try:
            limit = registry.reply_limit(acc.kind)
        except registry.UnknownKind:
            return
        n = len(text)
        if limit.max_chars is not None and n > limit.max_chars:
            raise ActionError(f"{acc.kind} takes at most {limit.max_chars:,} characters in one "
                              f"message; this reply has {n:,} — shorten it or send a link")
        if limit.part_chars and limit.parts_per_minute:
            parts = -(-n // limit.part_chars)
            minutes = parts / limit.parts_per_minute
            if parts > MAX_PARTS:
                raise ActionError(f"this reply would go out as {parts} {acc.kind} messages over about "
                                  f"{minutes:.0f} minutes — shorten it or send a file or a link")
            if parts > CONFIRM_PARTS and not confirmed:
                raise NeedsConfirmation(f"this reply goes out as {parts} {acc.kind} messages and takes "
                                        f"about {max(1, round(minutes * 60))} seconds to deliver",
                                        "confirm to send it anyway")

    def draft(self, tid: int) -> str:
        """The saved draft of ``tid`` ("" when none)."""
        return self.store.draft(tid)

    def save_draft(self, tid: int, text: str) -> None:
        """Keep ``text`` as the draft of ``tid`` (an empty text deletes the draft)."""
        self.store.save_draft(tid, text)

    # -- thread states ------------------------------------------------------------------------

    def _each(self, ids: Sequence[int], fn: Callable[[int], None]) -> None:
        if not ids:
            raise ActionError("no thread given")
        for tid in ids:
            self.thread(tid)  # every id is checked before anything changes
        for tid in ids:
            try:
                fn(tid)
            except StoreError as e:
                raise ActionError(f"#{tid}: {e}") from e

    def done(self, ids: Sequence[int]) -> Outcome:
        """Mark threads done."""
        self._each(ids, self.store.mark_done)
        return Outcome(_n("done", ids), tuple(ids), "done")

    def snooze_options(self) -> list[SnoozeOption]:
        """The presets both front ends offer, with their wake times computed now."""
        t = self.now()
        out = [SnoozeOption("1 hour", "until", t + 3600)]
        nw = self.ws.next_window_start(t)
        if nw is not None:
            out.append(SnoozeOption(f"next reply window ({self.when(nw)})", "window", nw))
        tomorrow = self.ws.snooze_until("tomorrow 9:00", t)
        out += [
            SnoozeOption(f"tomorrow 9:00 ({self.when(tomorrow)})", "until", tomorrow),
            SnoozeOption("until the client replies", "client", None),
            SnoozeOption("until the project is active again", "project", None),
        ]
        return out

    def parse_when(self, text: str) -> float:
        """A wake time from words ("завтра 10:00", "fri", "2h"); ``ActionError`` if unclear."""
        if not text.strip():
            raise ActionError("say when: e.g. \"tomorrow 10:00\", \"завтра 10:00\", \"fri\", \"2h\"")
        try:
            until = self.ws.snooze_until(text, self.now())
        except ValueError as e:
            raise ActionError(str(e)) from e
        if until <= self.now():
            raise ActionError(f"{text!r} has already passed")
        return until

    def snooze(self, ids: Sequence[int], kind: SnoozeKind, *, until: float | None = None,
               when: str | None = None) -> Outcome:
        """Snooze threads until a time (``until`` or ``when`` in words), the next window, the
        client's reply, or the project's return.  A snooze that could never wake is refused."""
        if kind == "until":
            if until is None:
                until = self.parse_when(when or "")
            elif until <= self.now():
                raise ActionError("that time has already passed")
            reason = f"until {self.when(until)}"
        elif kind == "window":
            until = self.ws.next_window_start(self.now())
            if until is None:
                raise ActionError("no reply windows are configured")
            reason = f"until the next reply window ({self.when(until)})"
        elif kind == "client":
            until, reason = None, "until the client replies"
        else:
            until, reason = None, "until the project is active again"
            for tid in ids:
                th = self.thread(tid)
                info = self.project_info(th.project_id)
                if info is None or info.status == "active":
                    raise ActionError(f"#{tid}: {th.project} is active — this snooze would never wake; "
                                      "snooze until a time or the client's reply instead")
        wake, why = until, reason
        self._each(ids, lambda tid: self.store.snooze(tid, kind, wake, why))
        return Outcome(_n(f"snoozed {reason}", ids), tuple(ids), "snoozed")

    # -- follow-ups ("waiting on the client") ---------------------------------------------------

    def followup_time(self, after: str) -> tuple[float, str]:
        """The wake time of a follow-up asked as ``after`` ("2 windows", "3 days", "fri 11:00")
        and how it reads; ``ActionError`` if unclear or not ahead."""
        from inscope.rules.followup import followup_at

        if not after.strip():
            raise ActionError(SAY_WHEN_FOLLOWUP)
        try:
            got = followup_at(after, datetime.fromtimestamp(self.now(), UTC), self.ws.schedule)
        except ValueError as e:
            raise ActionError(str(e)) from e
        until = got.at.timestamp()
        if until <= self.now():
            raise ActionError(WORDS_PASSED.format(text=after))
        return until, got.label

    def followup_options(self) -> list[FollowupOption]:
        """The presets of the follow-up picker, with their wake times computed now."""
        out: list[FollowupOption] = []
        for after in ("1 window", "2 windows", "1 day", "3 days", "7 days"):
            until, label = self.followup_time(after)
            out.append(FollowupOption(FOLLOWUP_OPTION.format(label=label, when=self.when(until)),
                                      after, until))
        return out

    def followup(self, ids: Sequence[int], after: str) -> Outcome:
        """Wait on the client after my reply: each thread leaves the inbox (Snoozed, with its
        wake time) and comes back then with "no answer since <my reply>" — unless the client
        writes first, in which case their message opens it as any client message does."""
        until, _label = self.followup_time(after)
        plans: list[tuple[int, float]] = []
        for tid in ids:
            th = self.thread(tid)
            since = self.store.my_last_reply_at(tid)
            if since is None:
                raise ActionError(NOTHING_TO_WAIT_ON.format(tid=tid))
            if th.last_client_at is not None and th.last_client_at > since:
                raise ActionError(CLIENT_WROTE_LAST.format(tid=tid))
            plans.append((tid, since))
        if not plans:
            raise ActionError("no thread given")
        for tid, since in plans:
            reason = FOLLOWUP_REASON.format(until=self.day_time(until), since=self.day_time(since))
            self.store.followup(tid, until, since, reason)
        return Outcome(_n(FOLLOWUP_MSG.format(until=self.when(until)), ids), tuple(ids), "snoozed")

    def wake(self) -> WakeUp:
        """The clock's work on threads: snoozes and follow-ups whose time came wake now."""
        return self.store.wake(self.now())

    def priority(self, ids: Sequence[int], level: Priority) -> Outcome:
        """Set the priority by hand (it sticks until the client's next message)."""
        self._each(ids, lambda tid: self.store.set_priority(tid, level))
        return Outcome(_n(f"priority {level.label} (until the next client message)", ids), tuple(ids))

    def relevance(self, ids: Sequence[int], value: str) -> Outcome:
        """Mark threads mine (``"mine"``) or not (``"not mine"``) — the one key that
        corrects triage.  It sticks across new messages (undo takes it back), and the
        learned triage takes it as a decision: similar threads follow."""
        key = {"mine": "mine", "not mine": "noise", "not-mine": "noise", "noise": "noise"}.get(
            value.strip().lower())
        if key is None:
            raise ActionError(f"unknown relevance {value!r}: use mine or not-mine")
        self._each(ids, lambda tid: self.store.set_relevance(tid, key))
        self.ws.retriage(self.store, self.now(), thread_ids=ids)
        what = "marked yours" if key == "mine" else "marked not yours"
        return Outcome(_n(what, ids), tuple(ids))

    def assign(self, ids: Sequence[int], project: str) -> Outcome:
        """Move threads to ``project`` (their conversations follow) and re-triage them there:
        the new project's importance, SLA and scope apply at once."""
        if project == UNSORTED:
            raise ActionError(f"threads cannot be assigned to {UNSORTED}")
        if not any(p.name == project for p in self.store.projects()):
            known = ", ".join(p.name for p in self.store.projects() if p.name != UNSORTED)
            raise ActionError(f"no project named {project!r} (known: {known})")
        self._each(ids, lambda tid: self.store.assign_project(tid, project))
        self.ws.retriage(self.store, self.now(), thread_ids=ids)
        return Outcome(_n(f"moved to {project}", ids), tuple(ids))

    def resolve(self, ids: Sequence[int]) -> Outcome:
        """Resolve escalations by hand (the AM answered elsewhere): the threads are open again."""
        self._each(ids, self.store.resolve_escalation)
        return Outcome(_n("escalation resolved", ids), tuple(ids), "open")

    # -- escalation -------------------------------------------------------------------------------

    def escalation_target(self, tid: int) -> str:
        """Who an escalation of ``tid`` would reach: ``"Anna (telegram)"``; ``ActionError`` if nobody."""
        th = self.thread(tid)
        p = self.ws.config.project(th.project)
        if p is None or not p.account_manager.name:
            raise ActionError(f"no account manager configured for project {th.project!r}")
        channel, _ = self._am_channel(th)
        return f"{p.account_manager.name} ({channel})"

    def _am_channel(self, th: ThreadRow) -> tuple[str, dict[str, str]]:
        p = self.ws.config.project(th.project)
        assert p is not None
        am = p.account_manager
        order = [am.escalate_via] if am.escalate_via else []
        order += [th.source, "telegram", "email", "trello"]
        for ch in order:
            if ch == "telegram" and am.telegram:
                return "telegram", {"chat_id": am.telegram}
            if ch == "email" and am.email:
                return "email", {"email": am.email}
            if ch == "trello" and am.trello and th.source == "trello":
                return "trello", {"mention": am.trello}
        raise ActionError(f"project {p.name!r} has no way to reach its account manager configured")

    def _account_for(self, channel: str, thread_account: str) -> str:
        kinds = {"telegram": ("telegram", "telegram_user"), "email": ("imap", "maildir"),
                 "trello": ("trello",)}[channel]
        cfg = self.ws.config
        acc = cfg.account(thread_account)
        if acc is not None and acc.kind in (*kinds, "demo"):
            return thread_account
        for a in cfg.accounts:
            if a.kind in kinds:
                return a.name
        for a in cfg.accounts:
            if a.kind == "demo":
                return a.name
        raise ActionError(f"no {channel} account is configured to reach the account manager")

    def escalate(self, ids: Sequence[int], note: str) -> Outcome:
        """Queue the note, the client's last message, the project and a link for each thread's AM."""
        if not note.strip():
            raise ActionError("an escalation needs a note for the account manager")
        plans = [self._escalation(tid, note) for tid in ids]  # all checked before any is queued
        if not plans:
            raise ActionError("no thread given")
        for tid, kw in plans:
            self.store.escalate(tid, **kw)
        reached = sorted({f"{kw['to_name']} via {kw['channel']}" for _, kw in plans})
        return Outcome(_n(f"escalated to {'; '.join(reached)}", ids), tuple(ids), "escalated")

    def _escalation(self, tid: int, note: str) -> tuple[int, dict[str, Any]]:
        th = self.thread(tid)
        self.escalation_target(tid)  # refuses a project without an AM
        p = self.ws.config.project(th.project)
        assert p is not None
        channel, target = self._am_channel(th)
        account, conversation = self.store.conversation_of(tid)
        via = self._account_for(channel, account)
        last_client = next((m for m in reversed(self.store.messages(tid, limit=50))
                            if m.role == "client"), None)
        quoted = last_client.text if last_client else th.last_text
        me = self.ws.config.me
        text = (
            f"Escalation from {me.name} — {th.project}\n"
            f"Note: {note}\n"
            f"Client ({last_client.author_name if last_client else th.last_author}) wrote: "
            f"«{quoted[:1500]}»\n"
            f"Thread: {th.title}" + (f"\n{th.url}" if th.url else "")
        )
        return tid, {
            "to_name": p.account_manager.name, "channel": channel, "note": note, "account": via,
            "conversation": conversation if channel == "trello" else target.get("chat_id", ""),
            "text": text, "target": target,
        }

    # -- projects ----------------------------------------------------------------------------------

    def project_status(self, name: str, status: str) -> Outcome:
        """Set a project's status by hand (undo with z); its threads are re-triaged."""
        if status not in PROJECT_STATUSES:
            raise ActionError(f"unknown project status {status!r}: use {', '.join(PROJECT_STATUSES)}")
        try:
            ids = self.store.set_project_status(name, status)
        except StoreError as e:
            raise ActionError(str(e)) from e
        self.ws.retriage(self.store, self.now(), thread_ids=ids)
        return Outcome(f"{name} is now {status}", tuple(ids))

    # -- the outbox --------------------------------------------------------------------------------

    def outbox(self, states: Iterable[str] = machine.PENDING) -> list[OutboxRow]:
        """Rows not finished (by default: held, queued, sending, failed, unknown), by id."""
        return self.store.outbox(tuple(states))

    def outbox_row(self, oid: int) -> OutboxRow:
        """One outbox row (any state); ``ActionError`` naming it when there is none."""
        return self._outbox_row(oid)

    def _outbox_row(self, oid: int) -> OutboxRow:
        if oid <= 0:
            raise ActionError(f"no outbox row {oid} (ids start at 1; see `inscope outbox`)")
        try:
            return self.store.outbox_row(oid)
        except StoreError as e:
            raise ActionError(str(e)) from e

    def delivery_evidence(self, oid: int) -> str:
        """What is known about a row's delivery, for the "resend?" question."""
        row = self._outbox_row(oid)
        when = self.when(row.created_at)
        tries = f"{row.attempts} attempt{'s' if row.attempts != 1 else ''}"
        err = f"; last error: {row.last_error}" if row.last_error else ""
        parts = row.progress.get("parts")
        done = (f"; {len(parts)} of {row.progress.get('of', '?')} parts were delivered "
                "(only the rest would be sent)") if isinstance(parts, list) and parts else ""
        return f"outbox #{oid} ({row.account}, queued {when}): {tries}{err}{done}"

    def resend(self, oid: int, *, confirmed: bool = False) -> Outcome:
        """Queue a failed or unknown-delivery row again.  An *unknown* one may have arrived:
        it needs confirmation, because the client could get it twice."""
        row = self._outbox_row(oid)
        if row.state == "unknown" and not confirmed:
            raise NeedsConfirmation(f"{self.delivery_evidence(oid)} — its delivery could not be "
                                    "verified, so the client may already have it",
                                    "confirm to send it again")
        if row.state not in ("failed", "unknown"):
            raise ActionError(f"outbox #{oid} is {row.state}: only failed or unknown rows are resent")
        self.store.outbox_move(oid, "queued")
        return Outcome(f"outbox #{oid} queued again", (row.thread_id,) if row.thread_id else (),
                       outbox_id=oid)

    def edit_failed(self, oid: int) -> Outcome:
        """A refused reply back to its thread's draft, to change and send again (the row is
        given up, atomically with the draft being written)."""
        row = self._outbox_row(oid)
        if row.state != "failed" or row.kind != "reply" or row.thread_id is None:
            raise ActionError(f"outbox #{oid} is not a refused reply")
        self.store.outbox_to_draft(oid)
        return Outcome(f"reply #{oid} is a draft again", (row.thread_id,), outbox_id=oid)

    def cancel(self, oid: int) -> Outcome:
        """Never send this row (a scheduled, queued, failed or unknown-delivery one).

        A scheduled reply's text goes back to the thread's draft, and the thread is open
        again when that reply was what answered it."""
        row = self._outbox_row(oid)
        if row.state == "scheduled":
            try:
                tid = self.store.outbox_withdraw(oid)
            except StoreError as e:
                raise ActionError(str(e)) from e
            said = CANCELLED_HELD if tid is not None else CANCELLED_NOTE
            return Outcome(said.format(oid=oid), (tid,) if tid else (), outbox_id=oid)
        if row.state not in ("queued", "failed", "unknown"):
            raise ActionError(f"outbox #{oid} is {row.state}: it cannot be cancelled")
        self.store.outbox_move(oid, "cancelled")
        return Outcome(f"outbox #{oid} cancelled: it will not be sent",
                       (row.thread_id,) if row.thread_id else (), outbox_id=oid)

    # -- reply templates ----------------------------------------------------------------------

    def catalog(self) -> Catalog:
        """Every template (built-in, ``[[templates]]``, the templates folder)."""
        from inscope.templates import TemplateError

        try:
            return self.ws.templates()
        except TemplateError as e:
            raise ActionError(str(e)) from e

    def template_language(self, tid: int) -> str:
        """The language to answer ``tid`` in: that of the client's newest message that has
        words, else ``[me] language``."""
        from inscope.templates import language_of

        for m in reversed(self.store.messages(tid, limit=20)):
            if m.role == "client" and (lang := language_of(m.text)):
                return lang
        return self.ws.config.me.language

    def templates(self, tid: int | None = None, *, project: str | None = None,
                  language: str | None = None) -> list[Template]:
        """The templates offered for thread ``tid`` (its project, its language), or for
        ``project``; with neither, every definition."""
        cat = self.catalog()
        if tid is not None:
            th = self.thread(tid)
            lang = language if language is not None else self.template_language(tid)
            return cat.offer(th.project, lang)
        if project is not None:
            return cat.offer(project, language or "")
        return sorted(cat.templates, key=lambda t: (t.name, t.project, t.language))

    def template_values(self, tid: int, language: str) -> dict[str, str]:
        """What the thread and the config know: ``client_name``, ``client_full_name``,
        ``project``, ``title``, ``my_name``, ``account_manager``, ``next_window`` (in the
        template's ``language``) and the project's ``fields`` (``report_link`` …)."""
        from inscope.templates.when import in_words

        th = self.thread(tid)
        cfg = self.ws.config
        values: dict[str, str] = {"project": th.project, "title": one_line(th.title, 200)}
        if cfg.me.name and cfg.me.name != "Me":
            values["my_name"] = cfg.me.name
        client = next((m for m in reversed(self.store.messages(tid, limit=50)) if m.role == "client"), None)
        if client is not None and client.author_name.strip():
            full = one_line(client.author_name, 100)
            values["client_full_name"] = full
            values["client_name"] = full.split()[0]
        p = cfg.project(th.project)
        if p is not None:
            if p.account_manager.name:
                values["account_manager"] = p.account_manager.name
            values.update({k: v for k, v in p.fields.items() if v.strip()})
        t = self.now()
        st = self.ws.schedule.state(datetime.fromtimestamp(t, UTC))
        if st.next_start is not None:
            values["next_window"] = in_words(st.next_start, datetime.fromtimestamp(t, self.tz),
                                             language or "ru")
        return values

    def prepare_template(self, name: str, tid: int, *, language: str | None = None) -> PreparedTemplate:
        """Template ``name`` for thread ``tid``: the definition that applies, the values the
        thread knows and the fields still to ask for."""
        from inscope.templates import TemplateError, missing

        th = self.thread(tid)
        lang = language if language is not None else self.template_language(tid)
        try:
            tpl = self.catalog().pick(name, th.project, lang)
        except TemplateError as e:
            raise ActionError(str(e)) from e
        values = self.template_values(tid, tpl.language or lang)
        return PreparedTemplate(tpl, values, missing(tpl.text, values))

    def template_text(self, name: str, tid: int, given: Mapping[str, str] | None = None, *,
                      language: str | None = None) -> str:
        """The text of template ``name`` filled for ``tid``; ``given`` adds or overrides
        fields.  ``ActionError`` naming the fields still without a value."""
        from inscope.templates import MissingFields, fill

        prep = self.prepare_template(name, tid, language=language)
        values = {**prep.values, **{k: v for k, v in (given or {}).items() if v.strip()}}
        try:
            return fill(prep.template.text, values)
        except MissingFields as e:
            fields = ", ".join(e.names)
            raise ActionError(TEMPLATE_NEEDS.format(name=name, fields=fields)) from e

    # -- notices to her own Telegram ------------------------------------------------------------

    def send_to_saved(self, notice: Notice) -> Outcome | None:
        """Queue ``notice`` for her own Telegram "Saved Messages" (``[notify] saved_messages``
        names the telegram_user account); ``None`` when that is not configured."""
        account = self.ws.config.notify.saved_messages
        if not account or not self.ws.config.notify.enabled:
            return None
        text = f"{one_line(notice.title, 120)}\n{one_line(notice.body, 1000)}"
        ids = [a.thread_id for a in notice.alerts]
        oid = self.store.queue_outgoing(kind="notice", account=account, conversation="me", text=text,
                                        subject=one_line(notice.title, 120), target={"chat_id": "me"})
        return Outcome(SAVED_QUEUED.format(oid=oid), tuple(ids), outbox_id=oid)

    # -- undo -----------------------------------------------------------------------------------

    def undo(self) -> Outcome:
        """Undo the last action (a reply already sent cannot be taken back)."""
        try:
            kind = self.store.undo()
        except StoreError as e:
            raise ActionError(f"cannot undo: {e}") from e
        return Outcome(f"undone: {kind}" if kind else "nothing to undo")

