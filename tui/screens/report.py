"""The report screen (``R``): time and response statistics per project, as in ``inscope report``.

The numbers come from ``inscope.report.build_report`` — queries that grow with
the inbox — so they are loaded through an awaitable the app runs on its db
thread; this screen only renders.  ``t`` cycles the period.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inscope.i18n import _, ngettext
from inscope.i18n.dates import full_date
from inscope.i18n.labels import PROJECT_STATUS, label
from inscope.report import HEADERS, ProjectReport, total_line
from tui.bindings import bindings_for

ReportLoader = Callable[[float], Awaitable[list[ProjectReport]]]
"""since (epoch seconds) → one row per project with activity since then."""


def periods(now: float, tz: tzinfo) -> list[tuple[str, float]]:
    """The periods ``t`` cycles through: (label, start as epoch seconds)."""
    local = datetime.fromtimestamp(now, tz)
    month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return [
        (_("this month (since {date})").format(date=full_date(month)), month.timestamp()),
        (_("last 30 days"), now - 30 * 86400),
        (_("all time"), 0.0),
    ]


def report_table(rows: list[ProjectReport]) -> Table:
    """The per-project table; every cell is ``Text`` so a project name is never markup."""
    table = Table(box=None, expand=True, show_header=True, header_style="bold")
    for i, h in enumerate(HEADERS):
        table.add_column(_(h), justify="left" if i < 2 else "right", no_wrap=i == 0)
    for r in rows:
        median = "—" if r.median_first_response_wh is None else f"{r.median_first_response_wh:g}"
        table.add_row(*(Text(str(v)) for v in (
            r.project, label(PROJECT_STATUS, r.status), r.received, r.replies, median,
            f"{r.time_spent_min:g}", r.escalations, r.out_of_scope)))
    return table


class ReportScreen(ModalScreen[None]):
    """Per-project report; ``t`` changes the period, ``esc``/``q`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("report")

    def __init__(self, load: ReportLoader, *, tz: tzinfo, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self._load = load
        self._periods = periods(now(), tz)
        self._period = 0
        self.rows: list[ProjectReport] | None = None  # the last loaded rows (tests read them)

    def compose(self) -> ComposeResult:
        """Title, the table (filled when loaded), the totals line."""
        with VerticalScroll(classes="dialog help"):
            yield Static("", id="report-title", classes="dialog-title")
            yield Static(Text(_("loading…"), style="dim"), id="report-table")
            yield Static("", id="report-total")
            yield Static(Text(_("t: period · esc: close · same numbers: inscope report --format md|csv"),
                              style="dim"))

    def on_mount(self) -> None:
        """Load the first period."""
        self._reload()

    def action_period(self) -> None:
        """Next period."""
        self._period = (self._period + 1) % len(self._periods)
        self._reload()

    def action_close(self) -> None:
        """Back to the inbox."""
        self.dismiss(None)

    def _reload(self) -> None:
        period, since = self._periods[self._period]
        self.query_one("#report-title", Static).update(
            Text(_("Time per client — {period}").format(period=period), style="bold"))
        self.run_worker(self._fill(since), exclusive=True, group="report", exit_on_error=False)

    async def _fill(self, since: float) -> None:
        try:
            rows = await self._load(since)
        except Exception as e:  # a report that cannot load is a message, not a crash
            self.query_one("#report-table", Static).update(
                Text(_("Could not build the report: {error}").format(error=f"{type(e).__name__}: {e}"),
                     style="red"))
            return
        self.rows = rows
        table = self.query_one("#report-table", Static)
        total = self.query_one("#report-total", Static)
        if not rows:
            table.update(Text(_("No activity in this period."), style="dim"))
            total.update("")
            return
        table.update(report_table(rows))
        minutes = sum(r.time_spent_min for r in rows)
        received, replies = sum(r.received for r in rows), sum(r.replies for r in rows)
        total.update(Text(" · ".join((
            total_line(minutes, len(rows)),
            ngettext("{n} message received", "{n} messages received", received).format(n=received),
            ngettext("{n} reply", "{n} replies", replies).format(n=replies))), style="bold"))
