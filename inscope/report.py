"""Time and response statistics per project: how much of the specialist's time each client takes.

The numbers come from ``Store.report_data`` (messages received and replied,
focus / compose seconds, escalations, first-response pairs); this module only
does the arithmetic over them with the reply-window schedule (first-response
time is counted in window hours, so a message that arrived at night is not
"late" by morning) and renders the table.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol

from inscope.i18n import N_, _, ngettext
from inscope.i18n.labels import PROJECT_STATUS, label
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


def build_report(store: Store, schedule: WindowClock, since: float) -> list[ProjectReport]:
    """One row per project with activity since ``since`` (epoch seconds)."""
    out: list[ProjectReport] = []
    for p in store.report_data(since):
        if not (p.received or p.replies or p.seconds or p.escalations):
            continue
        firsts = [_window_hours(schedule, a, b) for a, b in p.exchanges]
        out.append(ProjectReport(
            project=p.project, status=p.status, received=p.received, replies=p.replies,
            median_first_response_wh=round(statistics.median(firsts), 2) if firsts else None,
            time_spent_min=round(p.seconds / 60, 1), escalations=p.escalations,
            out_of_scope=p.out_of_scope,
        ))
    return out


def _window_hours(schedule: WindowClock, a: float, b: float) -> float:
    """Window hours from ``a`` to ``b`` (epoch seconds): how long I took, counted in my hours."""
    return schedule.window_hours_between(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC))


HEADERS = [N_("project"), N_("status"), N_("received"), N_("replies"),
           N_("median first response (window h)"), N_("time spent (min)"), N_("escalations"),
           N_("out of scope")]
"""The columns (English msgids: the CSV keeps them as they are, a machine reads it)."""


def total_line(minutes: float, projects: int) -> str:
    """``Total time: 95 min across 3 projects`` in the interface language."""
    return ngettext("Total time: {minutes} min across {n} project",
                    "Total time: {minutes} min across {n} projects", projects).format(
        minutes=f"{minutes:.0f}", n=projects)


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
    # Markdown is read by a person: its headers and statuses in the interface language.
    for row in values:
        row[1] = label(PROJECT_STATUS, str(row[1]))
    lines = ["| " + " | ".join(_(h) for h in HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in values]
    total_min = sum(r.time_spent_min for r in rows)
    lines.append("\n" + total_line(total_min, len(rows)) + ".")
    return "\n".join(lines) + "\n"
