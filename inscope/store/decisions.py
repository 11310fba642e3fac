"""The user's decisions as training rows for the learned triage (``inscope.rules.learned``).

Read from the event log (reply, done, escalate, snooze, priority, relevance — undone
events excluded) joined with what each thread looks like now: who wrote its latest
message that is not mine, that message's text, the thread's conversation — and what the
triage said about it when the user decided (each event's ``before`` snapshot), because a
decision teaches something only where it disagrees with the triage.  Plain data; the
rules turn it into examples.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

KINDS = ("reply", "done", "escalate", "snooze", "priority", "relevance")


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


def decisions(conn: sqlite3.Connection, limit: int = 5000) -> list[Decision]:
    """The newest ``limit`` threads the user decided on, one row each."""
    q = ",".join("?" * len(KINDS))
    per: dict[int, list[tuple[str, str]]] = {}
    for kind, tid, data in conn.execute(
            f"SELECT kind, thread_id, data FROM events WHERE undone = 0 AND kind IN ({q}) "
            "AND thread_id IS NOT NULL ORDER BY id", KINDS):
        per.setdefault(int(tid), []).append((str(kind), str(data)))
    ids = list(per)[-limit:]
    out: list[Decision] = []
    for tid in ids:
        evs = per[tid]
        rel = pri = ""
        first = json.loads(evs[0][1]).get("before") or {}
        for kind, data in evs:
            d = json.loads(data)
            if kind == "relevance":
                rel = str(d.get("relevance", ""))
            elif kind == "priority":
                pri = str(d.get("priority", ""))
        th = conn.execute("SELECT account, conversation, relevance_reason FROM threads WHERE id = ?",
                          (tid,)).fetchone()
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
        out.append(Decision(tid, tuple(k for k, _ in evs), rel, pri, wrote, str(m[0] or ""),
                            str(m[1] or ""), str(m[2] or ""), str(m[3] or ""),
                            f"{th[0]}:{th[1]}", str(th[2] or ""),
                            str(first.get("relevance") or ""), str(first.get("relevance_reason") or "")))
    return out
