"""The report's queries: what each project cost since a moment, as plain data.

``inscope.report`` turns this into window hours, medians and minutes; nothing
here knows the reply-window schedule.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# My message: sent through inscope (is_me) or written elsewhere under my handle/address
# (the rules give it role 'me' without the connector knowing it was me).
_MINE = "(m.is_me = 1 OR m.role = 'me')"


@dataclass(frozen=True, slots=True)
class ProjectActivity:
    """One project's raw numbers since the report's start (epoch seconds throughout)."""

    project: str
    status: str
    received: int  # client messages
    replies: int  # my messages
    seconds: float  # focus and compose time on its threads
    escalations: int
    out_of_scope: int  # out-of-scope threads a client wrote in
    exchanges: list[tuple[float, float]]  # (first unanswered client message, my next message)


def activity(conn: sqlite3.Connection, since: float) -> list[ProjectActivity]:
    """Every project in display order, active or not (the report drops the quiet ones)."""
    out: list[ProjectActivity] = []
    for pid, name, status in conn.execute("SELECT id, name, status FROM projects ORDER BY sort, name").fetchall():
        received = conn.execute(
            "SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.project_id = ? "
            "AND m.role = 'client' AND m.created_at >= ?", (pid, since)).fetchone()[0]
        replies = conn.execute(
            "SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.project_id = ? "
            f"AND {_MINE} AND m.created_at >= ?", (pid, since)).fetchone()[0]
        seconds = conn.execute(
            "SELECT coalesce(sum(json_extract(e.data, '$.seconds')), 0) FROM events e JOIN threads t "
            "ON t.id = e.thread_id WHERE t.project_id = ? AND e.kind IN ('focus', 'compose') AND e.ts >= ?",
            (pid, since)).fetchone()[0]
        escalations = conn.execute(
            "SELECT count(*) FROM escalations x JOIN threads t ON t.id = x.thread_id WHERE t.project_id = ? "
            "AND x.created_at >= ?", (pid, since)).fetchone()[0]
        oos = conn.execute(
            "SELECT count(*) FROM threads t WHERE t.project_id = ? AND t.scope = 'out' "
            "AND coalesce(t.last_client_at, 0) >= ?", (pid, since)).fetchone()[0]
        out.append(ProjectActivity(
            project=name, status=status, received=received, replies=replies, seconds=float(seconds),
            escalations=escalations, out_of_scope=oos, exchanges=exchanges(conn, pid, since)))
    return out


def exchanges(conn: sqlite3.Connection, project_id: int, since: float) -> list[tuple[float, float]]:
    """(first unanswered client message, my next message) per exchange in the project's threads."""
    found = conn.execute(
        f"SELECT m.thread_id, m.role, {_MINE}, m.created_at FROM messages m JOIN threads t ON t.id = m.thread_id "
        "WHERE t.project_id = ? AND m.created_at >= ? AND m.deleted = 0 ORDER BY m.thread_id, m.created_at, m.id",
        (project_id, since)).fetchall()
    out: list[tuple[float, float]] = []
    waiting: dict[int, float] = {}
    for tid, role, mine, at in found:
        if mine:
            start = waiting.pop(tid, None)
            if start is not None:
                out.append((start, at))
        elif role == "client":
            waiting.setdefault(tid, at)
    return out
