"""What deserves a notification, and how often: urgent arrivals, follow-ups back (pure).

An :class:`Alert` is one thread that should reach the specialist even when she is not
looking: an **urgent** thread a client just wrote in (urgent breaks through reply windows,
so this fires outside them too), or a **follow-up** that came back because the client
stayed silent.  The sync engine finds them (``new_urgent`` over the threads a batch
touched, the wake-up's ``returned`` list); the front ends decide whether to show them
(the TUI only while the terminal does not have the focus) and pass them through a
:class:`Throttle`, which groups what arrives close together into one :class:`Notice`
("3 urgent threads") and keeps at most one notice per interval.

Everything here is data in, data out: no clock is read and nothing is written.  Client
text in a notice is ``one_line``-d (escapes, control and bidi characters stripped) and
cut short; ``inscope.desktop`` cleans it again for the channel it goes through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from inscope.model import ThreadRow
from inscope.text import one_line

AlertKind = Literal["urgent", "followup"]

# The words of a notice, in one place (the later translation pass wraps these).
URGENT_ONE = "Urgent · {project}"
FOLLOWUP_ONE = "No answer · {project}"
FOLLOWUP_BODY = "{title} — the client has not answered; back in the Inbox"
MANY_URGENT = "{n} urgent threads"
MANY_FOLLOWUPS = "{n} follow-ups back"
AND_MORE = "… and {n} more"
JOIN = ", "

TITLE_CHARS = 80
BODY_CHARS = 240
LISTED = 3
"""Threads named in a grouped notice's body; the rest are counted."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One thread worth a notification: its kind, id, project, title, who wrote and what."""

    kind: AlertKind
    thread_id: int
    project: str
    title: str
    author: str = ""
    text: str = ""
    at: float = 0.0  # the client's message (urgent) or the wake time (follow-up)


@dataclass(frozen=True, slots=True)
class Notice:
    """What one notification says: a title, a body, and the alerts it stands for."""

    title: str
    body: str
    alerts: tuple[Alert, ...]


def urgent_alert(row: ThreadRow) -> Alert:
    """The alert of an urgent thread (``row`` as the inbox shows it)."""
    return Alert("urgent", row.id, row.project, row.title, row.last_author, row.last_text,
                 row.last_client_at or row.last_at)


def followup_alert(row: ThreadRow, at: float) -> Alert:
    """The alert of a follow-up that came back at ``at``."""
    return Alert("followup", row.id, row.project, row.title, "", "", at)


def new_urgent(rows: Iterable[ThreadRow], seen: Mapping[int, float]) -> list[Alert]:
    """Alerts for urgent threads whose newest client message is one not alerted yet.

    ``rows``: threads the Inbox shows as urgent (the caller filters: open, active project,
    not noise, urgent); ``seen``: thread id → the client message time last alerted.  An
    edit, a teammate's message or my own reply in an urgent thread changes nothing.
    """
    out: list[Alert] = []
    for r in rows:
        at = r.last_client_at
        if at is None or seen.get(r.id) == at:
            continue
        out.append(urgent_alert(r))
    return out


def remember(seen: dict[int, float], alerts: Iterable[Alert]) -> None:
    """Record urgent alerts as shown (``seen`` is the caller's memory for ``new_urgent``)."""
    for a in alerts:
        if a.kind == "urgent":
            seen[a.thread_id] = a.at


def _line(a: Alert) -> str:
    who = f"{one_line(a.author, 40)}: " if a.author else ""
    what = one_line(a.text, 120) if a.kind == "urgent" else one_line(a.title, 80)
    return f"{one_line(a.project, 40)} — {who}{what}"


def compose(alerts: Sequence[Alert]) -> Notice:
    """One notice for ``alerts``: the thread itself when there is one, else a count and the
    first few (``"3 urgent threads"``, ``"Acme — Ivan: сайт упал, …"``)."""
    if not alerts:
        raise ValueError("a notice needs at least one alert")
    if len(alerts) == 1:
        a = alerts[0]
        if a.kind == "urgent":
            title = URGENT_ONE.format(project=one_line(a.project, 40))
            who = f"{one_line(a.author, 40)}: " if a.author else ""
            body = f"{who}{one_line(a.text, BODY_CHARS)}"
        else:
            title = FOLLOWUP_ONE.format(project=one_line(a.project, 40))
            body = FOLLOWUP_BODY.format(title=one_line(a.title, 120))
        return Notice(title[:TITLE_CHARS], body[:BODY_CHARS], tuple(alerts))
    urgent = sum(1 for a in alerts if a.kind == "urgent")
    back = len(alerts) - urgent
    parts = ([MANY_URGENT.format(n=urgent)] if urgent else []) + (
        [MANY_FOLLOWUPS.format(n=back)] if back else [])
    lines = [_line(a) for a in alerts[:LISTED]]
    if len(alerts) > LISTED:
        lines.append(AND_MORE.format(n=len(alerts) - LISTED))
    return Notice(JOIN.join(parts)[:TITLE_CHARS], "; ".join(lines)[:BODY_CHARS], tuple(alerts))


@dataclass(slots=True)
class Throttle:
    """At most one notice per ``interval`` seconds; what arrives meanwhile is grouped.

    ``offer`` returns a notice at once when the last one is at least ``interval`` old,
    else keeps the alerts; ``flush`` (call it at ``due_at``) returns them as one grouped
    notice.  A thread offered again while held is not counted twice.
    """

    interval: float = 60.0
    last: float | None = None
    held: list[Alert] = field(default_factory=list)

    def _ready(self, now: float) -> bool:
        return self.last is None or now - self.last >= self.interval

    def offer(self, alerts: Iterable[Alert], now: float) -> Notice | None:
        """Take new alerts; a notice if one may be shown now."""
        for a in alerts:
            if not any(h.thread_id == a.thread_id and h.kind == a.kind for h in self.held):
                self.held.append(a)
        return self.flush(now)

    def flush(self, now: float) -> Notice | None:
        """The held alerts as one notice, if the interval allows one now."""
        if not self.held or not self._ready(now):
            return None
        notice = compose(self.held)
        self.held = []
        self.last = now
        return notice

    @property
    def due_at(self) -> float | None:
        """When the held alerts may go out (``None``: nothing is held)."""
        if not self.held:
            return None
        return 0.0 if self.last is None else self.last + self.interval
