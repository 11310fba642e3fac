"""The command palette provider (ctrl+p), built from the inbox screen's current state.

Offers only what makes sense now: views and projects to jump to, "sync now",
the report, peeking at threads held until the reply window (outside one),
resolving the selected thread's escalation, each project's *other* statuses,
the replies whose delivery is unknown, and the scheduled replies (edit, send now, cancel).
Titles are escaped before fuzzy highlighting, which parses markup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from inscope.model import PROJECT_STATUSES, VIEW_TITLES, VIEWS
from inscope.store import OutboxRow, Store
from inscope.text import one_line
from tui.render.chrome import held_until_label

if TYPE_CHECKING:
    from tui.app import InscopeApp

def _undelivered(store: Store) -> list[OutboxRow]:
    return store.outbox(("unknown", "failed"))


def _scheduled(store: Store) -> list[tuple[OutboxRow, str]]:
    """Scheduled replies, soonest first, each with its thread's title."""
    rows = sorted((r for r in store.outbox(("scheduled",)) if r.kind == "reply"),
                  key=lambda r: (r.send_at or 0.0, r.id))
    titles = store.threads_by_id([r.thread_id for r in rows if r.thread_id is not None])
    return [(r, titles[r.thread_id].title if r.thread_id in titles else r.subject) for r in rows]


SCHEDULED_EDIT = "scheduled reply #{oid} ({when}) {title}: edit"
SCHEDULED_NOW = "scheduled reply #{oid} ({when}) {title}: send now"
SCHEDULED_CANCEL = "scheduled reply #{oid} ({when}) {title}: cancel"
SCHEDULED_EDIT_HELP = "Change the text or the time; it waits until then (r on the thread too)"
SCHEDULED_NOW_HELP = "Send it now instead of at its time"
SCHEDULED_CANCEL_HELP = "Never send it; the text goes back to the thread's draft"


class InscopeCommands(Provider):
    """Jump to a view or project, sync now, report, peek held, resolve, project status, resend."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._commands: list[tuple[str, Callable[[], Any], str]] = []

    @property
    def inscope(self) -> InscopeApp:
        """The app, typed."""
        return cast("InscopeApp", self.app)

    async def startup(self) -> None:
        """Collect the commands once per palette opening (one small outbox query)."""
        app = self.inscope
        inbox = app.inbox_screen
        cmds: list[tuple[str, Callable[[], Any], str]] = []
        for view in VIEWS:
            n = inbox.counts.get(view, 0)
            cmds.append((f"view: {VIEW_TITLES[view]} ({n})", partial(inbox.show_view, view),
                         "Show this view"))
        for p in inbox.projects:
            cmds.append((f"project: {p.name}", partial(inbox.show_project, p.id),
                         f"Show {p.name} ({p.status})"))
        cmds.append(("sync now", app.action_sync_now, "Fetch from every source and send the outbox now"))
        cmds.append(("report: time per client", inbox.action_report,
                      "Messages, replies, first response in window hours, time spent, escalations"))
        held = inbox.counts.get("held_until_window", 0)
        if inbox.gate.gated and held:
            cmds.append((("hide" if inbox.peek_held else "peek at") + f" threads held until the window ({held})",
                         inbox.action_peek_held, "Outside a reply window only urgent threads show (w)"))
        selected = inbox.inbox.selected_row
        if selected is not None and selected.state == "escalated":
            cmds.append((f"resolve escalation: {one_line(selected.title, 40)}", inbox.action_resolve,
                         f"It leaves Escalated ({one_line(selected.escalated_to, 30)}) and is open again (u)"))
        for p in inbox.projects:
            for status in PROJECT_STATUSES:
                if status != p.status:
                    cmds.append((f"project status: {p.name} → {status}",
                                 partial(inbox.set_project_status, p.name, status),
                                 f"Mark {p.name} as {status} (undo with z)"))
        try:
            undelivered = await app.db.run(_undelivered)
            scheduled = await app.db.run(_scheduled)
        except Exception:  # the palette must open even if the store is busy or broken
            undelivered, scheduled = [], []
        for row in (r for r in undelivered if r.state == "failed" and r.kind == "reply"):
            what = one_line(row.subject or row.text, 40)
            why = one_line(row.last_error, 60)
            cmds.append((f"resend failed reply: #{row.id} {what}", partial(inbox.resend_failed, row.id),
                         f"Not delivered ({why}): send it again"))
            if row.thread_id is not None:
                cmds.append((f"edit failed reply: #{row.id} {what}",
                             partial(inbox.edit_failed, row.id, row.thread_id),
                             "Back in the composer as a draft"))
            cmds.append((f"cancel failed reply: #{row.id} {what}", partial(inbox.cancel_unknown, row.id),
                         "Give it up; the thread stays in the Inbox"))
        for row in (r for r in undelivered if r.state == "unknown"):
            what = one_line(row.subject or row.text, 40)
            cmds.append((f"resend unknown reply: #{row.id} {what}", partial(inbox.resend_unknown, row.id),
                         "Delivery could not be verified: send it again"))
            cmds.append((f"cancel unknown reply: #{row.id} {what}", partial(inbox.cancel_unknown, row.id),
                         "Assume it arrived; do not send again"))
        for row, title in scheduled:
            when = held_until_label(row.send_at, app.clock(), inbox.tz)
            fmt: dict[str, object] = {"oid": row.id, "when": when, "title": one_line(title, 40)}
            cmds.append((SCHEDULED_EDIT.format(**fmt), partial(inbox.open_scheduled, row.id),
                         SCHEDULED_EDIT_HELP))
            cmds.append((SCHEDULED_NOW.format(**fmt), partial(inbox.send_scheduled_now, row.id),
                         SCHEDULED_NOW_HELP))
            cmds.append((SCHEDULED_CANCEL.format(**fmt), partial(inbox.cancel_scheduled, row.id),
                         SCHEDULED_CANCEL_HELP))
        self._commands = cmds

    async def discover(self) -> Hits:
        """Everything, before anything is typed."""
        for title, cmd, help_text in self._commands:
            yield DiscoveryHit(escape(title), cmd, text=title, help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        """Fuzzy-match the titles."""
        matcher = self.matcher(query)
        for title, cmd, help_text in self._commands:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(escape(title)), cmd, text=title, help=help_text)
