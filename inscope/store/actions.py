"""What the user does to threads and projects, each action logged as one event.

Done, reopen, snooze, follow-up, assign, priority, relevance, escalate, resolve; undo (of
the kinds in ``events.UNDOABLE``); drafts; the clock's wake-ups; a project's status.  State
changes come from ``states.THREAD_ACTIONS``.  Every function that writes runs in the caller's
transaction (``c``), except the draft and validation helpers, which say so.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from inscope.model import PROJECT_STATUSES, Priority, ThreadState
from inscope.store import events, outbox, states
from inscope.store.errors import StoreError

_NO_SNOOZE: dict[str, Any] = {"snooze_until": None, "snooze_kind": None, "snooze_reason": "",
                              "followup_since": None}


@dataclass(frozen=True, slots=True)
class WakeUp:
    """What one wake-up did: every thread woken, and which of them are follow-ups back with
    "no answer since …" (the client stayed silent)."""

    woken: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)


def _act(c: sqlite3.Connection, tid: int, kind: str, action: states.ThreadAction | None,
         sets: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Snapshot the thread, move it by ``action`` (if any), apply ``sets``, log event ``kind``."""
    before = events.snapshot(c, tid)
    if action is not None:
        sets = {"state": _after(before["state"], action), **sets}
    cols = ", ".join(f"{k} = ?" for k in sets)
    c.execute(f"UPDATE threads SET {cols} WHERE id = ?", (*sets.values(), tid))
    events.log(c, kind, tid, {"before": before, **(extra or {})})


def _after(state: ThreadState, action: states.ThreadAction, refusal: str = "") -> ThreadState:
    """The state ``action`` leads to from ``state``; ``StoreError`` where it does not apply."""
    after = states.thread_after_action(state, action)
    if after is None:
        raise StoreError(refusal or f"a thread that is {state} cannot take {action!r}")
    return after


def mark_done(c: sqlite3.Connection, tid: int) -> None:
    """Done: out of every working view until a client writes again."""
    _act(c, tid, "done", "done", _NO_SNOOZE)


def reopen(c: sqlite3.Connection, tid: int) -> None:
    """Back to open, whatever it was."""
    _act(c, tid, "reopen", "reopen", _NO_SNOOZE)


def check_snooze(kind: str, until: float | None) -> None:
    """Refuse an unknown snooze kind or a timed one without a wake time (no transaction)."""
    refusal = states.snooze_refusal(kind, until)
    if refusal is not None:
        raise StoreError(refusal)


def snooze(c: sqlite3.Connection, tid: int, kind: str, until: float | None, reason: str) -> None:
    """Snooze (``check_snooze`` first); the reason is always stored."""
    _act(c, tid, "snooze", "snooze",
         {"snooze_until": until, "snooze_kind": kind, "snooze_reason": reason, "followup_since": None},
         {"until": until, "kind": kind})


def followup(c: sqlite3.Connection, tid: int, until: float, since: float, reason: str) -> None:
    """Wait on the client: the thread is snoozed (kind ``followup``) until ``until``; a client
    message ends it first, else it comes back saying "no answer since ``since``"."""
    _act(c, tid, "followup", "snooze",
         {"snooze_until": until, "snooze_kind": states.FOLLOWUP, "snooze_reason": reason,
          "followup_since": since},
         {"until": until, "since": since})


def my_last_reply_at(c: sqlite3.Connection, tid: int) -> float | None:
    """When I last answered ``tid``: my newest stored message, or a reply of mine still on its
    way (scheduled: its send time; queued or sending: when it was written)."""
    msg = c.execute("SELECT max(created_at) FROM messages WHERE thread_id = ? AND is_me = 1 "
                    "AND deleted = 0", (tid,)).fetchone()[0]
    out = c.execute(
        "SELECT max(coalesce(send_at, created_at)) FROM outbox WHERE thread_id = ? AND kind = 'reply' "
        "AND state IN ('scheduled', 'queued', 'sending', 'unknown')", (tid,)).fetchone()[0]
    times = [float(x) for x in (msg, out) if x is not None]
    return max(times) if times else None


def assign_project(c: sqlite3.Connection, tid: int, pid: int) -> tuple[str, str]:
    """Move a thread to project ``pid`` and route its conversation there from now on;
    returns (account, conversation) so the caller drops it from the thread cache."""
    row = c.execute("SELECT account, conversation, project_id FROM threads WHERE id = ?",
                    (tid,)).fetchone()
    if row is None:
        raise StoreError(f"no thread {tid}")
    c.execute("UPDATE threads SET project_id = ? WHERE id = ?", (pid, tid))
    c.execute("INSERT OR REPLACE INTO routes (account, conversation, project_id) VALUES (?, ?, ?)",
              (row[0], row[1], pid))
    events.log(c, "assign", tid, {"from": row[2], "to": pid})
    return str(row[0]), str(row[1])


RELEVANCE_VALUES = ("mine", "noise")


def check_relevance(relevance: str) -> None:
    """Refuse a relevance other than ``mine`` / ``noise`` (no transaction)."""
    if relevance not in RELEVANCE_VALUES:
        raise StoreError(f"unknown relevance {relevance!r}: use mine or noise")


def set_relevance(c: sqlite3.Connection, tid: int, relevance: str) -> None:
    """Mark the thread mine or not by hand (sticks across new messages; undoable)."""
    reason = "you marked it yours" if relevance == "mine" else "you marked it not yours"
    _act(c, tid, "relevance", None, {"relevance_override": relevance, "relevance": relevance,
                                     "relevance_reason": reason}, {"relevance": relevance})


def set_priority(c: sqlite3.Connection, tid: int, priority: Priority) -> None:
    """Override the triaged priority (until the next client message)."""
    _act(c, tid, "priority", None, {"priority_override": int(priority)}, {"priority": priority.label})


def escalate(c: sqlite3.Connection, tid: int, *, to_name: str, channel: str, note: str, account: str,
             conversation: str, text: str, target: dict[str, str]) -> int:
    """Move the thread to Escalated and queue the note to the AM; returns the outbox id."""
    before = events.snapshot(c, tid)
    oid = outbox.queue_outgoing(c, kind="escalation", account=account, conversation=conversation,
                                text=text, thread_id=tid, reply_to=None, target=target,
                                subject=f"Escalation: {to_name}")
    c.execute(
        "INSERT INTO escalations (thread_id, to_name, channel, note, outbox_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (tid, to_name, channel, note, oid, time.time()),
    )
    c.execute("UPDATE threads SET state = ?, escalated_to = ? WHERE id = ?",
              (_after(before["state"], "escalate"), to_name, tid))
    events.log(c, "escalate", tid, {"before": before, "to": to_name, "channel": channel,
                                    "outbox": oid, "note": note})
    return oid


def resolve_escalation(c: sqlite3.Connection, tid: int) -> None:
    """End a thread's escalation by hand: it is open again; refused unless it is escalated."""
    before = events.snapshot(c, tid)
    after = _after(before["state"], "resolve", "this thread is not escalated")
    c.execute("UPDATE escalations SET resolved_at = ? WHERE thread_id = ? AND resolved_at IS NULL",
              (time.time(), tid))
    c.execute("UPDATE threads SET state = ?, escalated_to = '' WHERE id = ?", (after, tid))
    events.log(c, "resolve", tid, {"before": before})


def undo(c: sqlite3.Connection) -> str | None:
    """Undo the last undoable action; returns its kind (``None``: nothing to undo).

    A reply or an escalation note can be taken back only while no sender has
    picked it up; the reply's text goes back to the thread's draft.
    """
    q = ",".join("?" * len(events.UNDOABLE))
    row = c.execute(
        f"SELECT id, kind, thread_id, data FROM events WHERE undone = 0 AND kind IN ({q}) "
        "ORDER BY id DESC LIMIT 1",
        events.UNDOABLE,
    ).fetchone()
    if row is None:
        return None
    eid, kind, tid, data_s = row
    data = json.loads(data_s)
    if kind == "project_status":
        c.execute("UPDATE projects SET status = ?, status_since = ? WHERE name = ?",
                  (data["before"], time.time(), data["project"]))
    else:
        if kind in ("reply", "escalate"):
            if not outbox.take_back(c, data["outbox"]):
                raise StoreError("already sent — it cannot be taken back")
            if kind == "escalate":
                c.execute("DELETE FROM escalations WHERE outbox_id = ?", (data["outbox"],))
            else:
                text = c.execute("SELECT text FROM outbox WHERE id = ?", (data["outbox"],)).fetchone()[0]
                c.execute("INSERT OR REPLACE INTO drafts (thread_id, text, updated_at) VALUES (?, ?, ?)",
                          (tid, text, time.time()))
        events.restore(c, tid, data["before"])
    c.execute("UPDATE events SET undone = 1 WHERE id = ?", (eid,))
    events.log(c, "undo", tid, {"event": eid, "kind": kind})
    return str(kind)


def save_draft(conn: sqlite3.Connection, tid: int, text: str) -> None:
    """Keep the composer's text for ``tid`` (blank text deletes the draft); no transaction needed."""
    if text.strip():
        conn.execute("INSERT OR REPLACE INTO drafts (thread_id, text, updated_at) VALUES (?, ?, ?)",
                     (tid, text, time.time()))
    else:
        conn.execute("DELETE FROM drafts WHERE thread_id = ?", (tid,))


def draft(conn: sqlite3.Connection, tid: int) -> str:
    """The saved draft of ``tid`` ('' when none)."""
    row = conn.execute("SELECT text FROM drafts WHERE thread_id = ?", (tid,)).fetchone()
    return "" if row is None else str(row[0])


def any_due(conn: sqlite3.Connection, at: float) -> bool:
    """Is a timed snooze or follow-up due by ``at``?  (A read; no transaction needed.)"""
    kinds = ",".join("?" * len(states.CLOCK_SNOOZES))
    return conn.execute(
        f"SELECT 1 FROM threads WHERE state = 'snoozed' AND snooze_kind IN ({kinds}) "
        "AND snooze_until <= ? LIMIT 1", (*states.CLOCK_SNOOZES, at)).fetchone() is not None


def wake_due(c: sqlite3.Connection, at: float) -> WakeUp:
    """Wake threads whose timed snooze (or follow-up) ended by ``at``.

    A follow-up whose client stayed silent keeps ``followup_since`` (the thread shows "no
    answer since …"); one the client answered (``states.followup_wake``) clears it.
    """
    (snoozed,), woken = states.THREAD_ACTIONS["wake"]
    kinds = ",".join("?" * len(states.CLOCK_SNOOZES))
    rows = c.execute(
        f"SELECT id, snooze_kind, followup_since, last_client_at FROM threads WHERE state = ? "
        f"AND snooze_kind IN ({kinds}) AND snooze_until <= ?",
        (snoozed, *states.CLOCK_SNOOZES, at)).fetchall()
    out = WakeUp()
    for tid, kind, since, last_client_at in rows:
        back = states.followup_wake(since, last_client_at) if kind == states.FOLLOWUP else None
        c.execute("UPDATE threads SET state = ?, snooze_until = NULL, snooze_kind = NULL, "
                  "snooze_reason = '', followup_since = ? WHERE id = ?", (woken, back, tid))
        events.log(c, "wake", tid, {"kind": kind, **({"no_answer_since": back} if back else {})})
        out.woken.append(int(tid))
        if back is not None:
            out.returned.append(int(tid))
    return out


def check_project_status(status: str) -> None:
    """Refuse a status that is not one of ``PROJECT_STATUSES`` (no transaction)."""
    if status not in PROJECT_STATUSES:
        raise StoreError(f"unknown project status {status!r}")


def set_project_status(c: sqlite3.Connection, pid: int, name: str, status: str) -> list[int]:
    """Set project ``pid``'s status by hand; returns the threads whose visibility changes."""
    before = c.execute("SELECT status FROM projects WHERE id = ?", (pid,)).fetchone()[0]
    c.execute("UPDATE projects SET status = ?, status_since = ? WHERE id = ?", (status, time.time(), pid))
    events.log(c, "project_status", None, {"project": name, "before": before, "after": status})
    if status == "active":
        # Threads held "until the project is active again" wake now.
        (snoozed,), woken = states.THREAD_ACTIONS["wake"]
        c.execute(
            "UPDATE threads SET state = ?, snooze_until = NULL, snooze_kind = NULL, "
            "snooze_reason = '' WHERE project_id = ? AND state = ? AND snooze_kind = ?",
            (woken, pid, snoozed, states.PROJECT_SNOOZE),
        )
    return [r[0] for r in c.execute("SELECT id FROM threads WHERE project_id = ?", (pid,))]
