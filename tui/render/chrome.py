"""The inbox's chrome as text, from plain values: the header, the list title, the status line.

Pure functions (no widget, no store): ``tui.widgets.header`` and ``tui.widgets.status`` call
them from ``render`` with their reactive values, the inbox screen for the list title.  Every
line is a ``rich.text.Text`` built by appending, so a project or account name is never
parsed as markup (invariant 6, docs/architecture.md, Invariants).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, Protocol

from rich.text import Text

from inscope.model import VIEW_TITLES
from inscope.text import one_line
from tui.format import SOURCE_ICONS
from tui.viewindex import ViewQuery

# Source states that are not a problem (anything else is shown in red).
_HEALTHY = ("ok", "idle", "syncing")
_PROBLEMS = ("error", "backoff", "disabled")


class SourceLike(Protocol):
    """One account's sync status as the sync engine reports it (``tui.messages.SourceState``)."""

    @property
    def account(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def message(self) -> str: ...


def kind_source(kind: str) -> str:
    """Account kind → source icon key (imap/maildir/smtp are email)."""
    return "email" if kind in ("imap", "maildir", "smtp", "email") else kind


def held_until_label(until: float | None, now: float, tz: tzinfo) -> str:
    """When the held threads come back: "17:00" today, "Mon 11:00" on a later day."""
    if until is None:
        return "the next window"
    at = datetime.fromtimestamp(until, tz)
    today = datetime.fromtimestamp(now, tz).date()
    return at.strftime("%H:%M") if at.date() == today else at.strftime("%a %H:%M")


def header_text(*, window: str, demo: bool, sources: Sequence[SourceLike],
                accounts: Sequence[Mapping[str, Any]], counts: Mapping[str, int],
                held_until: str) -> Text:
    """The top line: the window state, each source's health, the inbox counts, and the
    replies scheduled for later (``counts["scheduled"]``, when any).

    ``sources`` (from the last sync round) win over ``accounts`` (the store's last known
    states, before the first round); ``held_until`` is ``held_until_label``'s text.
    """
    t = Text()
    t.append(" inscope ", "bold reverse")
    if demo:
        t.append(" demo ", "reverse")
    t.append(" ")
    t.append(one_line(window) or "…")
    if sources:
        t.append("  │ ", "dim")
        for s in sources:
            icon = SOURCE_ICONS.get(s.kind, "") or SOURCE_ICONS.get(kind_source(s.kind), "◇")
            t.append(f"{icon} {s.account} {s.state}  ", "" if s.state in _HEALTHY else "bold red")
    elif accounts:
        t.append("  │ ", "dim")
        for a in accounts:
            icon = SOURCE_ICONS.get(kind_source(str(a["kind"])), "◇")
            t.append(f"{icon} {a['name']} {a['status']}  ", "" if a["status"] == "ok" else "bold red")
    if counts:
        t.append(" │ ", "dim")
        t.append(f"inbox {counts.get('inbox', 0)} · held {counts.get('held', 0)} · "
                 f"snoozed {counts.get('snoozed', 0)} · noise {counts.get('noise', 0)}")
        waiting = counts.get("held_until_window", 0)
        if waiting:
            t.append(f" · {waiting} held until {held_until}", "bold")
        scheduled = counts.get("scheduled", 0)
        if scheduled:
            t.append(f" · {scheduled} scheduled")
    return t


def list_title(query: ViewQuery, *, threads: int, project: str | None, held: int,
               held_until: str, peeking: bool, marked: int) -> Text:
    """The line above the list: view (or search), project, thread count, held, selected."""
    if query.search:
        title = f" Search “{one_line(query.search, 60)}” · {threads} threads — esc leaves search"
    else:
        title = f" {VIEW_TITLES.get(query.view, query.view)} · {threads} threads"
        if query.project_id is not None:
            title = f" {project if project is not None else query.project_id} ·" + title
        if query.view == "inbox" and held:
            title += (f" · peeking at {held} held until {held_until} — w hides them" if peeking
                      else f" · {held} held until {held_until} — w to peek")
    if marked:
        title += f" · {marked} selected"
    return Text(title)


def status_text(*, sources: Sequence[SourceLike], accounts: Sequence[Mapping[str, Any]],
                sync_error: str, view_error: str, unknown_outbox: int, synced_at: str,
                failed_outbox: int = 0) -> Text:
    """The bottom line: source problems, a stopped sync, a failed view, replies not delivered
    (refused for good) and replies with unknown delivery.

    With nothing wrong: "ok", and the time of the last sync round (``synced_at``) if any.
    """
    t = Text()
    problems: list[str] = []
    if sources:
        problems += [f"{s.account}: {one_line(s.message, 160)}" for s in sources
                     if s.state in _PROBLEMS and s.message]
    else:
        problems += [f"{a['name']}: {one_line(str(a['last_error']), 160)}" for a in accounts
                     if a["status"] != "ok" and a["last_error"]]
    if sync_error:
        problems.append(f"sync stopped: {one_line(sync_error, 160)}")
    if view_error:
        problems.append(f"view: {one_line(view_error, 160)}")
    if failed_outbox:
        problems.append(f"{failed_outbox} repl{'y' if failed_outbox == 1 else 'ies'} not delivered "
                        "— ctrl+p → resend, edit or cancel")
    if problems:
        t.append(" ⚠ " + " · ".join(problems), "bold red")
    if unknown_outbox:
        t.append(f"  {unknown_outbox} repl{'y' if unknown_outbox == 1 else 'ies'} "
                 "with unknown delivery — ctrl+p → resend", "bold yellow")
    if not problems and not unknown_outbox:
        t.append(" ok", "dim")
        if synced_at:
            t.append(f" · synced {synced_at}", "dim")
    return t
