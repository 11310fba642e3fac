"""Reads for the UI: the view index, rows by id, counts, search, a thread's messages.

These run on the UI's own connection; WAL lets them go on while a sync write
commits — invariant 7 (docs/architecture.md, Invariants).  The inbox keeps only
``view_index`` triples for every thread and fetches ``ThreadRow``s a page at a
time, so nothing here builds a row per thread of a 100k-thread view.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inscope.model import MessageRow, Priority, ProjectInfo, ThreadRow
from inscope.store import rows
from inscope.store.errors import StoreError

# Which threads each view shows.  ``p`` is projects, ``t`` threads.
VIEW_WHERE: dict[str, str] = {
    "inbox": "t.state = 'open' AND p.status = 'active' AND t.relevance != 'noise'",
    "held": "t.state IN ('open', 'snoozed') AND p.status != 'active'",
    "snoozed": "t.state = 'snoozed' AND p.status = 'active'",
    "escalated": "t.state = 'escalated'",
    "answered": "t.state = 'answered'",
    "done": "t.state = 'done'",
    "noise": "t.state = 'open' AND p.status = 'active' AND t.relevance = 'noise'",
    "all": "1",
}

_PRIORITY = rows.DISPLAY_PRIORITY


@dataclass(frozen=True, slots=True)
class InboxGate:
    """The reply-window view condition of the Inbox at one instant.

    Outside a reply window the Inbox shows only threads at or above
    ``max_priority`` (urgent, by default); the rest is *held until the window*
    (``held_until``, epoch seconds) — a view condition, like held projects, so
    opening the window shows them again without rewriting a row.
    ``max_priority`` is ``None`` while a window is open (nothing is held) and
    ``-1`` when nothing breaks through (``[windows] urgent_breaks_through = false``).
    """

    open: bool = True
    max_priority: int | None = None
    held_until: float | None = None

    @property
    def gated(self) -> bool:
        """True when the Inbox is filtered right now."""
        return self.max_priority is not None


def view_index(conn: sqlite3.Connection, view: str, project_id: int | None,
               thread_ids: Sequence[int] | None, max_priority: int | None) -> list[tuple[int, int, int]]:
    """Ordered (thread id, project id, priority) for a view; see ``Store.view_index``."""
    where = VIEW_WHERE.get(view)
    if where is None:
        raise StoreError(f"unknown view {view!r}")
    args: list[Any] = []
    if max_priority is not None:
        where += f" AND {_PRIORITY} <= ?"
        args.append(max_priority)
    if project_id is not None:
        where += " AND t.project_id = ?"
        args.append(project_id)
    if thread_ids is not None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS _ids (id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM _ids")
        conn.executemany("INSERT OR IGNORE INTO _ids VALUES (?)", ((i,) for i in thread_ids))
        where += " AND t.id IN (SELECT id FROM _ids)"
    sql = (
        f"SELECT t.id, t.project_id, {_PRIORITY} AS pr "
        f"FROM threads t JOIN projects p ON p.id = t.project_id WHERE {where} "
        "ORDER BY p.sort, p.id, pr, coalesce(t.last_client_at, t.last_at) DESC, t.id DESC"
    )
    return [(r[0], r[1], r[2]) for r in conn.execute(sql, args)]


def threads_by_id(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, ThreadRow]:
    """Rows for a page of thread ids (unknown ids are left out)."""
    out: dict[int, ThreadRow] = {}
    make = rows.THREAD.make
    sql = f"SELECT {rows.THREAD.select} FROM threads t JOIN projects p ON p.id = t.project_id WHERE t.id IN "
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in conn.execute(f"{sql}({','.join('?' * len(chunk))})", chunk):
            row = make(r)
            out[row.id] = row
    return out


def messages(conn: sqlite3.Connection, tid: int, limit: int) -> list[MessageRow]:
    """The newest ``limit`` messages of a thread, oldest first, with what each answers."""
    found = conn.execute(
        f"SELECT {rows.MESSAGE.select} FROM messages m JOIN threads t ON t.id = m.thread_id "
        "WHERE m.thread_id = ? ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
        (tid, limit),
    ).fetchall()
    make = rows.MESSAGE.make
    return [make(r) for r in reversed(found)]


def conversation_of(conn: sqlite3.Connection, tid: int) -> tuple[str, str]:
    """(account, conversation key) of a thread."""
    row = conn.execute("SELECT account, conversation FROM threads WHERE id = ?", (tid,)).fetchone()
    if row is None:
        raise StoreError(f"no thread {tid}")
    return str(row[0]), str(row[1])


def projects(conn: sqlite3.Connection) -> list[ProjectInfo]:
    """Projects in display order with open / held / noise counts."""
    make = rows.PROJECT.make
    return [make(r) for r in conn.execute(
        f"SELECT {rows.PROJECT.select} FROM projects p ORDER BY p.sort, p.name")]


def escalations(conn: sqlite3.Connection, tid: int) -> list[dict[str, Any]]:
    """A thread's escalations, oldest first, with the delivery state of each note."""
    cur = conn.execute(
        "SELECT e.to_name, e.channel, e.note, e.created_at, e.resolved_at, o.state FROM escalations e "
        "LEFT JOIN outbox o ON o.id = e.outbox_id WHERE e.thread_id = ? ORDER BY e.id",
        (tid,),
    )
    cols = ["to", "channel", "note", "created_at", "resolved_at", "delivery"]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def waiting_thread_ids(conn: sqlite3.Connection) -> list[int]:
    """Threads where a client message waits for me (their triage depends on the clock)."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM threads WHERE last_is_me = 0 AND last_client_at IS NOT NULL "
        "AND state IN ('open', 'snoozed', 'escalated')")]


def cleared_since(conn: sqlite3.Connection, since: float) -> int:
    """Threads replied to or marked done since ``since`` (not undone)."""
    return int(conn.execute(
        "SELECT count(DISTINCT thread_id) FROM events WHERE kind IN ('reply', 'done') AND undone = 0 "
        "AND ts >= ?", (since,)).fetchone()[0])


def count_priority(conn: sqlite3.Connection, view: str, priority: Priority) -> int:
    """Threads of ``view`` at ``priority``."""
    return int(conn.execute(
        f"SELECT count(*) FROM threads t JOIN projects p ON p.id = t.project_id WHERE {VIEW_WHERE[view]} "
        f"AND {_PRIORITY} = ?", (int(priority),)).fetchone()[0])


def held_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Threads held back because their project is paused or unpaid, per status."""
    return {r[0]: int(r[1]) for r in conn.execute(
        "SELECT p.status, count(*) FROM threads t JOIN projects p ON p.id = t.project_id "
        "WHERE p.status != 'active' AND t.state IN ('open', 'snoozed') GROUP BY p.status")}


def view_counts(conn: sqlite3.Connection, max_priority: int | None) -> dict[str, int]:
    """Thread counts per view plus ``held_until_window``; see ``Store.view_counts``."""
    # One pass over the threads for every view at once (was one query per view).
    views = list(VIEW_WHERE)
    sums = ", ".join(f"coalesce(sum(CASE WHEN {VIEW_WHERE[v]} THEN 1 ELSE 0 END), 0)" for v in views)
    held_expr = (f"coalesce(sum(CASE WHEN {VIEW_WHERE['inbox']} AND "
                 f"{_PRIORITY} > ? THEN 1 ELSE 0 END), 0)")
    row = conn.execute(
        f"SELECT {sums}, {held_expr} FROM threads t JOIN projects p ON p.id = t.project_id",
        (max_priority if max_priority is not None else 99,),
    ).fetchone()
    out = {v: int(n) for v, n in zip(views, row, strict=False)}
    out["held_until_window"] = int(row[-1]) if max_priority is not None else 0
    # Not a view of threads: replies held in the outbox for a later send time (the header).
    out["scheduled"] = int(conn.execute(
        "SELECT count(*) FROM outbox WHERE state = 'scheduled' AND kind = 'reply'").fetchone()[0])
    return out


def search(conn: sqlite3.Connection, query: str, limit: int) -> list[int]:
    """Thread ids whose messages match ``query`` as words, best match first; see ``Store.search``."""
    terms = [w for w in query.replace('"', " ").split() if w]
    if not terms:
        return []
    fts = " ".join(f'"{w}"' for w in terms[:-1])
    fts = (fts + " " if fts else "") + f'"{terms[-1]}"*'
    found = conn.execute(
        """
        SELECT m.thread_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
        WHERE messages_fts MATCH ? GROUP BY m.thread_id ORDER BY min(f.rank) LIMIT ?
        """,
        (fts, limit),
    ).fetchall()
    return [r[0] for r in found]
