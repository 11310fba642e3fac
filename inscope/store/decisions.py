"""The user's decisions as training rows for the learned triage (``inscope.rules.learned``).

Read from the event log (reply, done, escalate, snooze, priority, relevance — undone
events excluded) joined with what each thread looks like now: who wrote its latest
message that is not mine, that message's text, the thread's conversation and project —
and what the triage said about it when the user decided (each event's ``before``
snapshot: relevance, priority, scope), because a decision teaches something only where it
disagrees with the triage.  Two facts about *when* she answered: how long after the
client's message (``reply_latency``), and whether she answered it ahead of a thread the
triage ranked higher (``answered_ahead``).  Plain data; the rules turn it into examples.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

KINDS = ("reply", "done", "escalate", "snooze", "priority", "relevance")
SESSION_S = 3600.0
"""Replies this close together are one sitting: their order says what she took first."""
MIN_REPLY_GAP_S = 10.0
"""Replies closer together than this were not written one by one (a batch, a script):
their order says nothing."""
_LEVEL = {0: "high", 1: "high", 2: "normal", 3: "low"}  # stored priority → level (urgent: high)
_RANK = {"high": 0, "normal": 1, "low": 2}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the user did with one thread, and what the thread looks like."""

    thread_id: int
    kinds: tuple[str, ...]  # in order, e.g. ("reply", "done")
    relevance_set: str  # "mine" / "noise" from the last relevance event, "" if none
    priority_set: str  # the last priority label set by hand, "" if none
    i_wrote: bool  # a message of mine is in the thread
    sender: str  # handle / e-mail / name of the latest message not mine
    sender_name: str
    role: str
    text: str
    conversation: str
    relevance_reason: str
    before_relevance: str = ""  # the triage's relevance when the first decision was taken
    before_reason: str = ""
    project: str = ""  # the thread's project
    before_priority: str = ""  # "high" / "normal" / "low" (an urgent thread: its base level)
    before_scope: str = ""  # "in" / "out" / "unknown"
    before_service: str = ""  # the service an out-of-scope request asked for (its label)
    reply_latency: float | None = None  # seconds from the client's message to my first reply
    answered_ahead: bool = False  # replied before a thread ranked higher, in the same sitting


def decisions(conn: sqlite3.Connection, limit: int = 5000) -> list[Decision]:
    """The newest ``limit`` threads the user decided on, one row each."""
    q = ",".join("?" * len(KINDS))
    per: dict[int, list[tuple[str, str, float]]] = {}
    for kind, tid, data, ts in conn.execute(
            f"SELECT kind, thread_id, data, ts FROM events WHERE undone = 0 AND kind IN ({q}) "
            "AND thread_id IS NOT NULL ORDER BY id", KINDS):
        per.setdefault(int(tid), []).append((str(kind), str(data), float(ts)))
    ids = list(per)[-limit:]
    firsts = {tid: json.loads(per[tid][0][1]).get("before") or {} for tid in ids}
    ahead = _answered_ahead({tid: per[tid] for tid in ids}, firsts)
    out: list[Decision] = []
    for tid in ids:
        evs = per[tid]
        rel = pri = ""
        first = firsts[tid]
        for kind, data, _ts in evs:
            d = json.loads(data)
            if kind == "relevance":
                rel = str(d.get("relevance", ""))
            elif kind == "priority":
                pri = str(d.get("priority", ""))
        th = conn.execute(
            "SELECT t.account, t.conversation, t.relevance_reason, p.name FROM threads t "
            "JOIN projects p ON p.id = t.project_id WHERE t.id = ?", (tid,)).fetchone()
        if th is None:
            continue
        wrote = conn.execute("SELECT 1 FROM messages WHERE thread_id = ? AND is_me = 1 LIMIT 1",
                             (tid,)).fetchone() is not None
        m = conn.execute(
            "SELECT coalesce(nullif(author_handle, ''), author_email), author_name, role, text "
            "FROM messages WHERE thread_id = ? AND is_me = 0 AND deleted = 0 "
            "ORDER BY created_at DESC, id DESC LIMIT 1", (tid,)).fetchone()
        if m is None:
            continue
        level = first.get("priority")
        waited = first.get("last_client_at")
        reply_ts = next((ts for kind, _d, ts in evs if kind == "reply"), None)
        latency = (reply_ts - float(waited)) if reply_ts is not None and waited is not None else None
        out.append(Decision(
            tid, tuple(k for k, _d, _t in evs), rel, pri, wrote, str(m[0] or ""), str(m[1] or ""),
            str(m[2] or ""), str(m[3] or ""), f"{th[0]}:{th[1]}", str(th[2] or ""),
            str(first.get("relevance") or ""), str(first.get("relevance_reason") or ""),
            project=str(th[3] or ""),
            before_priority=_LEVEL.get(int(level), "") if isinstance(level, int) else "",
            before_scope=str(first.get("scope") or ""), before_service=str(first.get("scope_service") or ""),
            # a clock set back, or a message dated after the answer, tells nothing
            reply_latency=latency if latency is not None and latency >= 0 else None,
            answered_ahead=tid in ahead,
        ))
    return out


def _answered_ahead(per: dict[int, list[tuple[str, str, float]]],
                    firsts: dict[int, dict[str, object]]) -> set[int]:
    """Threads answered before a thread the triage ranked higher, later in the same
    sitting (``SESSION_S``) — replies written one by one (``MIN_REPLY_GAP_S`` apart)."""
    replies = sorted((next(ts for k, _d, ts in evs if k == "reply"), tid)
                     for tid, evs in per.items() if any(k == "reply" for k, _d, _t in evs))
    rank: dict[int, int] = {}
    for _ts, tid in replies:
        level = firsts[tid].get("priority")
        rank[tid] = _RANK.get(_LEVEL.get(level, "") if isinstance(level, int) else "", -1)
    out: set[int] = set()
    for i, (ts, tid) in enumerate(replies):
        if rank[tid] < 0:
            continue
        for ts2, tid2 in replies[i + 1:]:
            if ts2 - ts > SESSION_S:
                break
            if ts2 - ts >= MIN_REPLY_GAP_S and 0 <= rank[tid2] < rank[tid]:
                out.add(tid)
                break
    return out
