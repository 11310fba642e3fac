"""Time and response statistics per project: how much of the specialist's time each client takes.

Sources: messages (received, replies), events (focus / compose seconds,
escalations) and the reply-window schedule (first-response time is counted in
window hours, so a message that arrived at night is not "late" by morning).
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol

from inscope.store import Store


class WindowClock(Protocol):
    """What the report needs of ``inscope.rules.windows.Schedule``: window-time arithmetic."""

    def window_hours_between(self, a: datetime, b: datetime) -> float: ...


@dataclass(slots=True)
class ProjectReport:
    """One row: what a project cost me since the report's start."""

    project: str
    status: str
    received: int
    replies: int
    median_first_response_wh: float | None  # window hours
    time_spent_min: float
    escalations: int
    out_of_scope: int


# My message: sent through inscope (is_me) or written elsewhere under my handle/address
# (the rules give it role 'me' without the connector knowing it was me).
_MINE = "(m.is_me = 1 OR m.role = 'me')"


def build_report(store: Store, schedule: WindowClock, since: float) -> list[ProjectReport]:
    """One row per project with activity since ``since`` (epoch seconds)."""
    c = store.conn
    out: list[ProjectReport] = []
    for p in store.projects():
        received = c.execute(
            "SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.project_id = ? "
            "AND m.role = 'client' AND m.created_at >= ?", (p.id, since)).fetchone()[0]
        replies = c.execute(
            "SELECT count(*) FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.project_id = ? "
            f"AND {_MINE} AND m.created_at >= ?", (p.id, since)).fetchone()[0]
        seconds = c.execute(
            "SELECT coalesce(sum(json_extract(e.data, '$.seconds')), 0) FROM events e JOIN threads t "
            "ON t.id = e.thread_id WHERE t.project_id = ? AND e.kind IN ('focus', 'compose') AND e.ts >= ?",
            (p.id, since)).fetchone()[0]
        escalations = c.execute(
            "SELECT count(*) FROM escalations x JOIN threads t ON t.id = x.thread_id WHERE t.project_id = ? "
            "AND x.created_at >= ?", (p.id, since)).fetchone()[0]
        oos = c.execute(
            "SELECT count(*) FROM threads t WHERE t.project_id = ? AND t.scope = 'out' "
            "AND coalesce(t.last_client_at, 0) >= ?", (p.id, since)).fetchone()[0]
        firsts = _first_responses(store, p.id, since, schedule)
        if not (received or replies or seconds or escalations):
            continue
        out.append(ProjectReport(
            project=p.name, status=p.status, received=received, replies=replies,
            median_first_response_wh=round(statistics.median(firsts), 2) if firsts else None,
            time_spent_min=round(float(seconds) / 60, 1), escalations=escalations, out_of_scope=oos,
        ))
    return out


def _first_responses(store: Store, project_id: int, since: float, schedule: WindowClock) -> list[float]:
    """Window hours from the first unanswered client message to my next message, per exchange."""
    rows = store.conn.execute(
        f"SELECT m.thread_id, m.role, {_MINE}, m.created_at FROM messages m JOIN threads t ON t.id = m.thread_id "
        "WHERE t.project_id = ? AND m.created_at >= ? AND m.deleted = 0 ORDER BY m.thread_id, m.created_at, m.id",
        (project_id, since)).fetchall()
    out: list[float] = []
    waiting: dict[int, float] = {}
    for tid, role, is_me, at in rows:
        if is_me:
            start = waiting.pop(tid, None)
            if start is not None:
                out.append(schedule.window_hours_between(datetime.fromtimestamp(start, UTC),
                                                         datetime.fromtimestamp(at, UTC)))
        elif role == "client":
            waiting.setdefault(tid, at)
    return out


HEADERS = ["project", "status", "received", "replies", "median first response (window h)",
           "time spent (min)", "escalations", "out of scope"]


def render(rows: list[ProjectReport], fmt: str) -> str:
    """Markdown table, CSV or JSON."""
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n"
    values = [[r.project, r.status, r.received, r.replies,
               "—" if r.median_first_response_wh is None else r.median_first_response_wh,
               r.time_spent_min, r.escalations, r.out_of_scope] for r in rows]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(HEADERS)
        w.writerows(values)
        return buf.getvalue()
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in values]
    total_min = sum(r.time_spent_min for r in rows)
    lines.append(f"\nTotal time: {total_min:.0f} min across {len(rows)} projects.")
    return "\n".join(lines) + "\n"
