"""Thread refresh: a thread's summary and state after its messages, and its triage.

Two steps, each over a set of threads in the caller's transaction and in bulk (thread rows
read in chunks of ``CHUNK``, one query per chunk; updates as one ``executemany`` per set of
columns); a state or triage column whose value did not change is not written:

- :func:`summarise` — count, newest message, the state machine's transition
  (``states.thread_after_messages``).  It runs with every batch: a transition depends on
  the state the previous batch left (a client message reopens a done thread, then my
  reply answers it; taken together the thread would have stayed done).
- :func:`triage_threads` — the assessment of the thread's newest ``RECENT`` messages.  It
  is a function of those messages, the project and the card members only, so a sync
  round can leave it to its end and assess each thread once however many of its batches
  touched it (``inscope.store.untriaged``).

``refresh_threads`` is both.  What each thread ends up with is exactly what refreshing it
alone gives (``refresh_thread``): a thread's refresh reads only its own row and messages.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from inscope.model import Assessment, MsgFacts, Priority
from inscope.store import events, states, untriaged

if TYPE_CHECKING:
    from concurrent.futures import Future

    from inscope.store.workers import Result, TriagePool

TriageFn = Callable[[int, str, Sequence[MsgFacts], tuple[str, ...]], Assessment]
"""(project_id, project_name, recent message facts, card members) → Assessment."""

Work = tuple[int, Sequence[Any], Sequence[Any]]
"""What assessing one thread reads: (thread id, its row, its newest messages newest first)."""

Delta = tuple[int, float | None]
"""(messages inserted, newest client message among them) since the last refresh."""

RECENT = 20
"""Triage reads a thread's newest RECENT messages: what is waiting is at the end, and a
long chat costs no more than a short one."""

CHUNK = 500  # thread rows read per query (well under SQLite's 999 bound parameters)
AHEAD = 4
"""Chunks read and handed to triage workers ahead of the one whose results are written."""

TRIAGED = ("relevance", "scope", "scope_reason", "priority", "reasons", "due_at", "urgent",
           "urgent_reason", "relevance_reason", "scope_service")
"""The thread columns an assessment sets."""

_SUMMARY = ("SELECT t.id, t.state, t.snooze_kind, t.last_client_at, t.priority_override, t.msg_count, "
            "(SELECT m.id FROM messages m WHERE m.thread_id = t.id AND m.deleted = 0 "
            "ORDER BY m.created_at DESC, m.id DESC LIMIT 1) "
            "FROM threads t WHERE t.id IN ")
_NEWEST = "SELECT id, role, text, created_at, is_me, author_name FROM messages WHERE id IN "

_TRIAGE = ("SELECT t.id, t.msg_count, t.project_id, p.name, t.members, t.relevance_override, t.account, "
           "t.conversation, t.source, t.title, "
           + ", ".join(f"t.{k}" for k in TRIAGED)
           + " FROM threads t JOIN projects p ON p.id = t.project_id WHERE t.id IN ")

# What triage reads of a message, with who wrote the message it answers (a reply to my
# message is addressed to me): one indexed lookup per reply.
_FACTS = ("m.role, m.text, m.created_at, m.mentions_me, m.is_me, m.author_name, m.id, "
          "coalesce(nullif(m.author_handle, ''), m.author_email), m.addr, r.is_me, r.role")
_REPLIED = "LEFT JOIN messages r ON r.account = m.account AND r.external_id = m.reply_to"

# The newest RECENT live messages of one thread, newest first, by its index.  One query
# per thread measured faster than one per chunk ranking the chunk's messages (a window
# function, or a correlated IN per thread): SQLite's cost is reading the rows, not the calls.
_RECENT = (f"SELECT {_FACTS} FROM messages m {_REPLIED} "
           "WHERE m.thread_id = ? AND m.deleted = 0 ORDER BY m.created_at DESC, m.id DESC LIMIT ?")
# The same rows for many threads at once, newest first within each thread.
_RECENT_OF = f"SELECT m.thread_id, {_FACTS} FROM messages m {_REPLIED} WHERE m.deleted = 0 AND m.thread_id IN "
_RECENT_ORDER = " ORDER BY m.thread_id, m.created_at DESC, m.id DESC"
SHORT = 3 * RECENT
"""A thread of at most this many messages is read with its chunk (all its rows, then the
newest ``RECENT`` kept); a longer one by its own ``LIMIT`` query."""


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
                    am_spoke: set[int] | frozenset[int] = frozenset(), *,
                    pool: TriagePool | None = None) -> None:
    """``refresh_thread`` for each of ``tids`` (each once), in ``c``'s transaction:
    :func:`summarise`, then (with a ``triage``) :func:`triage_threads` (in ``pool``)."""
    ids = list(dict.fromkeys(tids))
    summarise(c, ids, deltas, am_spoke)
    if triage is not None:
        triage_threads(c, ids, triage, pool)


def summarise(c: sqlite3.Connection, tids: Iterable[int],
              deltas: Mapping[int, Delta | None] | None = None,
              am_spoke: set[int] | frozenset[int] = frozenset()) -> None:
    """Each thread's count, newest message and state after its messages changed.

    ``deltas`` maps a thread to its inserts-only delta (missing or ``None``: recount);
    ``am_spoke`` are the threads with a new message from their account manager.
    """
    ids = list(dict.fromkeys(tids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        rows = {r[0]: r[1:] for r in c.execute(_SUMMARY + _marks(len(chunk)), chunk)}
        newest_ids = [r[-1] for r in rows.values() if r[-1] is not None]
        newest = {r[0]: r[1:] for r in c.execute(_NEWEST + _marks(len(newest_ids)), newest_ids)}
        updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for tid in chunk:
            th = rows.get(tid)
            if th is None:
                continue  # gone meanwhile (merged into another thread): nothing to refresh
            last = newest.get(th[-1]) if th[-1] is not None else None
            sets = _summarised(c, tid, th[:-1], last, (deltas or {}).get(tid), tid in am_spoke)
            updates.setdefault(tuple(sets), []).append((*sets.values(), tid))
        _write(c, updates)


def _summarised(c: sqlite3.Connection, tid: int, th: Sequence[Any], last: Sequence[Any] | None,
                delta: Delta | None, am_spoke: bool) -> dict[str, Any]:
    """The columns of thread ``tid`` (its row ``th``, its newest live message ``last``) to
    update after its messages."""
    state, snooze_kind, prev_client_at, override, prev_count = th
    if last is None:
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
    last_role, text, last_at, last_is_me, author = last
    new_client_msg = last_client_at is not None and (prev_client_at is None or last_client_at > prev_client_at)
    new_state, resolved_by_am = states.thread_after_messages(
        state, snooze_kind, last_is_me=bool(last_is_me), new_client_msg=new_client_msg,
        last_role=last_role, am_spoke=am_spoke)
    new_override = None if new_client_msg else override  # a manual priority sticks until then
    sets: dict[str, Any] = {
        "last_text": _one_line(text)[:500],
        "last_author": author,
        "last_is_me": int(last_is_me),
        "last_at": last_at,
        "last_client_at": last_client_at,
        "msg_count": count,
    }
    # An unchanged state or override stays out of the UPDATE: writing it anyway rewrites
    # its index entries and fires the thread summary's trigger for nothing.
    if new_state != state:
        sets["state"] = new_state
    if new_override != override:
        sets["priority_override"] = new_override
    if states.leaves_snooze(state, new_state):
        sets.update(snooze_until=None, snooze_kind=None, snooze_reason="")
    if resolved_by_am:
        before = events.snapshot(c, tid)
        sets["escalated_to"] = ""
        c.execute("UPDATE escalations SET resolved_at = ? WHERE thread_id = ? AND resolved_at IS NULL",
                  (time.time(), tid))
        # Not an undoable "resolve": the user did not do it, so z must not take it back.
        events.log(c, "resolved_by_am", tid, {"before": before, "by": author})
    return sets


def triage_threads(c: sqlite3.Connection, tids: Iterable[int], triage: TriageFn,
                   pool: TriagePool | None = None) -> None:
    """Assess each thread's newest ``RECENT`` live messages (read per chunk, ``_work``)
    and store what changed; their untriaged marks (``inscope.store.untriaged``) go in the
    same transaction.  A thread without a live message keeps the triage it had.

    With a ``pool`` the assessments run in its worker processes: up to ``AHEAD`` chunks
    are read and handed over before the oldest one's results are written, so the workers
    assess while the next chunk is read (and memory stays bounded on a re-triage of
    everything) — the same rows as assessing inline.
    """
    ids = list(dict.fromkeys(tids))
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    if pool is None:
        for chunk in chunks:
            _store(c, chunk, assess_all(_work(c, chunk), triage))
        return
    handed: deque[tuple[list[int], list[tuple[Sequence[Work], Future[Result] | None]]]] = deque()
    for n, chunk in enumerate(chunks, 1):
        handed.append((chunk, pool.submit(_work(c, chunk))))
        while handed and (len(handed) > AHEAD or n == len(chunks)):
            done, parts = handed.popleft()
            _store(c, done, [r for part, fut in parts for r in pool.result(part, fut)])


def _work(c: sqlite3.Connection, chunk: Sequence[int]) -> list[Work]:
    """What assessing the threads of ``chunk`` reads: each thread's row and newest messages.

    Short threads (most of them) have their messages read in one query for the chunk; a
    long one keeps its own ``LIMIT`` query, so a big chat is never read whole."""
    read = c.execute(_TRIAGE + _marks(len(chunk)), chunk).fetchall()
    rows = {r[0]: r[2:] for r in read}
    short = [r[0] for r in read if (r[1] or 0) <= SHORT]
    recent: dict[int, list[Any]] = {tid: [] for tid in short}
    if short:
        for r in c.execute(_RECENT_OF + _marks(len(short)) + _RECENT_ORDER, short):
            got = recent[r[0]]
            if len(got) < RECENT:
                got.append(r[1:])
    out: list[Work] = []
    for tid in chunk:
        th = rows.get(tid)
        if th is None:
            continue  # gone meanwhile (merged into another thread)
        msgs = recent[tid] if tid in recent else c.execute(_RECENT, (tid, RECENT)).fetchall()
        if msgs:
            out.append((tid, th, msgs))
    return out


def _store(c: sqlite3.Connection, chunk: Sequence[int], results: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Write the changed triage columns of ``chunk``'s threads and clear their marks."""
    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for tid, sets in results:
        if sets:
            updates.setdefault(tuple(sets), []).append((*sets.values(), tid))
    _write(c, updates)
    untriaged.clear(c, chunk)


def assess_all(work: Iterable[Work], triage: TriageFn) -> list[tuple[int, dict[str, Any]]]:
    """(thread id, the triage columns that changed) for each thread of ``work``, in order:
    what the store does inline and a triage worker does in its process."""
    return [(w[0], assessed(*w, triage)) for w in work]


def assessed(tid: int, th: Sequence[Any], recent: Sequence[Any], triage: TriageFn) -> dict[str, Any]:
    """The triage columns of thread ``tid`` (its row ``th``) that the assessment of its
    newest messages ``recent`` (newest first) changes.  Pure: a worker process computes
    it as the store would (``inscope.store.workers``)."""
    pid, pname, members, relevance_override, account, conversation, source, title, *stored = th
    conv = f"{account}:{conversation}"
    subject = title if source == "email" else ""  # a card name or chat title is no message
    facts = [
        MsgFacts(role=r[0], text=r[1], created_at=r[2], mentions_me=bool(r[3]), is_me=bool(r[4]),
                 id=r[6], author=r[5] or "", handle=r[7] or "", addr=r[8] or "",
                 reply_to_me=bool(r[9]), reply_to_role=r[10] or "", conversation=conv,
                 subject=subject)
        for r in reversed(recent)
    ]
    new = _triaged(triage(pid, pname, facts, _members(members)), relevance_override)
    return {k: v for (k, v), old in zip(new.items(), stored, strict=True) if v != old}


def _triaged(a: Assessment, relevance_override: str | None) -> dict[str, Any]:
    """The thread columns an assessment sets (a relevance set by hand sticks), in the
    order of ``TRIAGED``."""
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
        "reasons": _reasons_json(tuple(a.reasons)),
        "due_at": a.due_at, "urgent": int(urgent and relevance != "noise"),
        "urgent_reason": a.urgent_reason or ("urgent" if urgent else ""),
        "relevance_reason": relevance_reason, "scope_service": a.scope_service,
    }


@lru_cache(maxsize=4096)
def _reasons_json(reasons: tuple[str, ...]) -> str:
    # Few distinct reason lists exist (the rules' phrases): encoded once each.
    return json.dumps(list(reasons), ensure_ascii=False)


@lru_cache(maxsize=4096)
def _members(stored: str) -> tuple[str, ...]:
    # Card members as stored (a JSON list); most threads share '[]' or a board's few lists.
    return tuple(json.loads(stored))


def _write(c: sqlite3.Connection, updates: Mapping[tuple[str, ...], list[tuple[Any, ...]]]) -> None:
    for cols, values in updates.items():
        if cols:
            c.executemany(f"UPDATE threads SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ?", values)


def _marks(n: int) -> str:
    return f"({','.join('?' * n)})"


def _one_line(text: str) -> str:
    return " ".join(text.split())
