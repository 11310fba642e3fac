"""Thread refresh: a thread's summary, state and triage, recomputed from its messages.

``refresh_threads`` does a set of threads in the caller's transaction: their rows are
read in chunks (one query per chunk), each thread's newest ``RECENT`` messages with one
indexed query, and the updates go out as one ``executemany`` per set of columns.  What
each thread ends up with is exactly what refreshing it alone gives (``refresh_thread``):
a thread's refresh reads only its own row and messages.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from inscope.model import Assessment, MsgFacts, Priority
from inscope.store import events, states

TriageFn = Callable[[int, str, Sequence[MsgFacts], tuple[str, ...]], Assessment]
"""(project_id, project_name, recent message facts, card members) → Assessment."""

Delta = tuple[int, float | None]
"""(messages inserted, newest client message among them) since the last refresh."""

RECENT = 20
"""Triage reads a thread's newest RECENT messages: what is waiting is at the end, and a
long chat costs no more than a short one."""

CHUNK = 500  # thread rows read per query (well under SQLite's 999 bound parameters)

_THREAD = ("SELECT t.id, t.state, t.snooze_kind, t.last_client_at, t.priority_override, t.project_id, "
           "t.members, p.name, t.msg_count, t.relevance_override, t.account, t.conversation, t.source, "
           "t.title, t.priority, t.relevance, t.urgent "
           "FROM threads t JOIN projects p ON p.id = t.project_id WHERE t.id IN ")

# The newest RECENT messages, with who wrote the message each one answers (a reply to my
# message is addressed to me): one indexed lookup per reply.
_RECENT = ("SELECT m.role, m.text, m.created_at, m.mentions_me, m.is_me, m.author_name, m.id, "
           "coalesce(nullif(m.author_handle, ''), m.author_email), m.addr, r.is_me, r.role "
           "FROM messages m LEFT JOIN messages r ON r.account = m.account "
           "AND r.external_id = m.reply_to "
           "WHERE m.thread_id = ? AND m.deleted = 0 ORDER BY m.created_at DESC, m.id DESC LIMIT ?")


def refresh_thread(c: sqlite3.Connection, tid: int, triage: TriageFn | None,
                   delta: Delta | None = None, *, am_spoke: bool = False) -> None:
    """Recompute one thread's summary, state (``states.thread_after_messages``) and triage.

    ``delta`` = (messages inserted, newest client message among them) when the
    change was inserts only; ``None`` recounts from scratch (edits, deletions).
    ``am_spoke``: a *new* message from the project's account manager arrived —
    in an escalated thread that answers the escalation, which resolves it.
    """
    refresh_threads(c, [tid], triage, {tid: delta}, {tid} if am_spoke else set())


def refresh_threads(c: sqlite3.Connection, tids: Iterable[int], triage: TriageFn | None,
                    deltas: Mapping[int, Delta | None] | None = None,
                    am_spoke: set[int] | frozenset[int] = frozenset()) -> None:
    """``refresh_thread`` for each of ``tids`` (each once), in ``c``'s transaction.

    ``deltas`` maps a thread to its inserts-only delta (missing or ``None``: recount);
    ``am_spoke`` are the threads with a new message from their account manager.
    """
    ids = list(dict.fromkeys(tids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        rows = {r[0]: r[1:] for r in c.execute(_THREAD + f"({','.join('?' * len(chunk))})", chunk)}
        updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for tid in chunk:
            th = rows.get(tid)
            if th is None:
                continue  # gone meanwhile (merged into another thread): nothing to refresh
            sets = _refreshed(c, tid, th, triage, (deltas or {}).get(tid), tid in am_spoke)
            updates.setdefault(tuple(sets), []).append((*sets.values(), tid))
        for cols, values in updates.items():
            c.executemany(f"UPDATE threads SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ?", values)


def _refreshed(c: sqlite3.Connection, tid: int, th: Sequence[Any], triage: TriageFn | None,
               delta: Delta | None, am_spoke: bool) -> dict[str, Any]:
    """The columns of thread ``tid`` (its row ``th``) to update, after its messages."""
    (state, snooze_kind, prev_client_at, override, pid, members, pname, prev_count,
     relevance_override, account, conversation, source, title, *stored) = th
    current = {"state": state, "priority_override": override,
               **dict(zip(("priority", "relevance", "urgent"), stored, strict=True))}
    recent = c.execute(_RECENT, (tid, RECENT)).fetchall()
    if not recent:
        return {"msg_count": 0}
    if delta is None:
        count, last_client_at = c.execute(
            "SELECT count(*), max(CASE WHEN role = 'client' THEN created_at END) FROM messages "
            "WHERE thread_id = ? AND deleted = 0",
            (tid,),
        ).fetchone()
    else:
        # Only inserts since the last refresh: O(1) instead of a scan of a long chat.
        count = (prev_count or 0) + delta[0]
        last_client_at = max((x for x in (prev_client_at, delta[1]) if x is not None), default=None)
    last_role, text, last_at, _, last_is_me, author = recent[0][:6]
    new_client_msg = last_client_at is not None and (prev_client_at is None or last_client_at > prev_client_at)
    new_state, resolved_by_am = states.thread_after_messages(
        state, snooze_kind, last_is_me=bool(last_is_me), new_client_msg=new_client_msg,
        last_role=last_role, am_spoke=am_spoke)
    if new_client_msg:
        override = None  # a manual priority sticks until the next client message
    sets: dict[str, Any] = {
        "last_text": _one_line(text)[:500],
        "last_author": author,
        "last_is_me": int(last_is_me),
        "last_at": last_at,
        "last_client_at": last_client_at,
        "msg_count": count,
        "state": new_state,
        "priority_override": override,
    }
    if states.leaves_snooze(state, new_state):
        sets.update(snooze_until=None, snooze_kind=None, snooze_reason="")
    if resolved_by_am:
        before = events.snapshot(c, tid)
        sets["escalated_to"] = ""
        c.execute("UPDATE escalations SET resolved_at = ? WHERE thread_id = ? AND resolved_at IS NULL",
                  (time.time(), tid))
        # Not an undoable "resolve": the user did not do it, so z must not take it back.
        events.log(c, "resolved_by_am", tid, {"before": before, "by": author})
    if triage is not None:
        conv = f"{account}:{conversation}"
        subject = title if source == "email" else ""  # a card name or chat title is no message
        facts = [
            MsgFacts(role=r[0], text=r[1], created_at=r[2], mentions_me=bool(r[3]), is_me=bool(r[4]),
                     id=r[6], author=r[5] or "", handle=r[7] or "", addr=r[8] or "",
                     reply_to_me=bool(r[9]), reply_to_role=r[10] or "", conversation=conv,
                     subject=subject)
            for r in reversed(recent)
        ]
        sets.update(_triaged(triage(pid, pname, facts, tuple(json.loads(members))), relevance_override))
    # Unchanged state, priority, urgency and relevance stay out of the UPDATE: writing them anyway
    # rewrites their index entries and fires the thread summary's trigger for nothing.
    return {k: v for k, v in sets.items() if k not in current or current[k] != v}


def _triaged(a: Assessment, relevance_override: str | None) -> dict[str, Any]:
    """The thread columns an assessment sets (a relevance set by hand sticks)."""
    relevance: str = a.relevance
    relevance_reason = a.relevance_reason
    if relevance_override:
        # Set by hand (Actions.relevance): it sticks; the rules' view stays in the reason.
        relevance = relevance_override
        relevance_reason = ("you marked it yours" if relevance_override == "mine"
                            else "you marked it not yours")
    # A legacy triage may say Priority.URGENT: that is the urgent axis.
    urgent = a.urgent or a.priority == Priority.URGENT
    return {
        "relevance": relevance, "scope": a.scope, "scope_reason": a.scope_reason,
        "priority": max(int(Priority.HIGH), int(a.priority)),
        "reasons": json.dumps(list(a.reasons), ensure_ascii=False),
        "due_at": a.due_at, "urgent": int(urgent and relevance != "noise"),
        "urgent_reason": a.urgent_reason or ("urgent" if urgent else ""),
        "relevance_reason": relevance_reason, "scope_service": a.scope_service,
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())
