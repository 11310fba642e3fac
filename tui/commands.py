"""The command palette provider (ctrl+p), built from the inbox screen's current state.

Offers only what makes sense now: views and projects to jump to, "sync now",
the report, peeking at threads held until the reply window (outside one),
resolving the selected thread's escalation, each project's *other* statuses,
the replies whose delivery is unknown, and the scheduled replies (edit, send now, cancel).
Titles are escaped before fuzzy highlighting, which parses markup.  Each command is found
by its title in the interface language and by its English one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from inscope.i18n import N_, _
from inscope.i18n.labels import PROJECT_STATUS, label
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


SCHEDULED_EDIT = N_("scheduled reply #{oid} ({when}) {title}: edit")
SCHEDULED_NOW = N_("scheduled reply #{oid} ({when}) {title}: send now")
SCHEDULED_CANCEL = N_("scheduled reply #{oid} ({when}) {title}: cancel")
SCHEDULED_EDIT_HELP = N_("Change the text or the time; it waits until then (r on the thread too)")
SCHEDULED_NOW_HELP = N_("Send it now instead of at its time")
SCHEDULED_CANCEL_HELP = N_("Never send it; the text goes back to the thread's draft")


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    """One palette entry: its title in the interface language and in English (both are
    searched, so "sync" and «синхронизировать» find the same command), what it runs, help."""

    title: str
    english: str
    run: Callable[[], Any]
    help: str


def _entry(msgid: str, run: Callable[[], Any], help_text: str, **fields: object) -> PaletteCommand:
    """A command whose title is ``msgid`` filled with ``fields`` (data, in both languages)."""
    return PaletteCommand(_(msgid).format(**fields), msgid.format(**fields), run, help_text)


class InscopeCommands(Provider):
    """Jump to a view or project, sync now, report, peek held, resolve, project status, resend."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._commands: list[PaletteCommand] = []

    @property
    def inscope(self) -> InscopeApp:
        """The app, typed."""
        return cast("InscopeApp", self.app)

    async def startup(self) -> None:
        """Collect the commands once per palette opening (one small outbox query)."""
        app = self.inscope
        inbox = app.inbox_screen
        cmds: list[PaletteCommand] = []
        for view in VIEWS:
            n = inbox.counts.get(view, 0)
            cmds.append(PaletteCommand(
                _("view: {title} ({n})").format(title=_(VIEW_TITLES[view]), n=n),
                f"view: {VIEW_TITLES[view]} ({n})", partial(inbox.show_view, view),
                _("Show this view")))
        for p in inbox.projects:
            cmds.append(_entry(N_("project: {name}"), partial(inbox.show_project, p.id),
                               _("Show {name} ({status})").format(
                                   name=p.name, status=label(PROJECT_STATUS, p.status)),
                               name=p.name))
        cmds.append(_entry(N_("sync now"), app.action_sync_now,
                           _("Fetch from every source and send the outbox now")))
        cmds.append(_entry(N_("report: time per client"), inbox.action_report,
                           _("Messages, replies, first response in window hours, time spent, "
                             "escalations")))
        held = inbox.counts.get("held_until_window", 0)
        if inbox.gate.gated and held:
            msgid = (N_("hide threads held until the window ({n})") if inbox.peek_held
                     else N_("peek at threads held until the window ({n})"))
            cmds.append(_entry(msgid, inbox.action_peek_held,
                               _("Outside a reply window only urgent threads show (w)"), n=held))
        selected = inbox.inbox.selected_row
        if selected is not None and selected.state == "escalated":
            cmds.append(_entry(N_("resolve escalation: {title}"), inbox.action_resolve,
                               _("It leaves Escalated ({whom}) and is open again (u)").format(
                                   whom=one_line(selected.escalated_to, 30)),
                               title=one_line(selected.title, 40)))
        for p in inbox.projects:
            for status in PROJECT_STATUSES:
                if status != p.status:
                    cmds.append(PaletteCommand(
                        _("project status: {name} → {status}").format(
                            name=p.name, status=label(PROJECT_STATUS, status)),
                        f"project status: {p.name} → {status}",
                        partial(inbox.set_project_status, p.name, status),
                        _("Mark {name} as {status} (undo with z)").format(
                            name=p.name, status=label(PROJECT_STATUS, status))))
        try:
            undelivered = await app.db.run(_undelivered)
            scheduled = await app.db.run(_scheduled)
        except Exception:  # the palette must open even if the store is busy or broken
            undelivered, scheduled = [], []
        for row in (r for r in undelivered if r.state == "failed" and r.kind == "reply"):
            what = one_line(row.subject or row.text, 40)
            why = one_line(row.last_error, 60)
            cmds.append(_entry(N_("resend failed reply: #{oid} {what}"),
                               partial(inbox.resend_failed, row.id),
                               _("Not delivered ({why}): send it again").format(why=why),
                               oid=row.id, what=what))
            if row.thread_id is not None:
                cmds.append(_entry(N_("edit failed reply: #{oid} {what}"),
                                   partial(inbox.edit_failed, row.id, row.thread_id),
                                   _("Back in the composer as a draft"), oid=row.id, what=what))
            cmds.append(_entry(N_("cancel failed reply: #{oid} {what}"),
                               partial(inbox.cancel_unknown, row.id),
                               _("Give it up; the thread stays in the Inbox"), oid=row.id, what=what))
        for row in (r for r in undelivered if r.state == "unknown"):
            what = one_line(row.subject or row.text, 40)
            cmds.append(_entry(N_("resend unknown reply: #{oid} {what}"),
                               partial(inbox.resend_unknown, row.id),
                               _("Delivery could not be verified: send it again"), oid=row.id,
                               what=what))
            cmds.append(_entry(N_("cancel unknown reply: #{oid} {what}"),
                               partial(inbox.cancel_unknown, row.id),
                               _("Assume it arrived; do not send again"), oid=row.id, what=what))
        for row, title in scheduled:
            when = held_until_label(row.send_at, app.clock(), inbox.tz)
            fmt: dict[str, object] = {"oid": row.id, "when": when, "title": one_line(title, 40)}
            cmds.append(_entry(SCHEDULED_EDIT, partial(inbox.open_scheduled, row.id),
                               _(SCHEDULED_EDIT_HELP), **fmt))
            cmds.append(_entry(SCHEDULED_NOW, partial(inbox.send_scheduled_now, row.id),
                               _(SCHEDULED_NOW_HELP), **fmt))
            cmds.append(_entry(SCHEDULED_CANCEL, partial(inbox.cancel_scheduled, row.id),
                               _(SCHEDULED_CANCEL_HELP), **fmt))
        self._commands = cmds

    async def discover(self) -> Hits:
        """Everything, before anything is typed."""
        for c in self._commands:
            yield DiscoveryHit(escape(c.title), c.run, text=c.title, help=c.help)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        """Fuzzy-match the titles, in the interface language and in English."""
        matcher = self.matcher(query)
        for c in self._commands:
            shown = matcher.match(c.title)
            score = max(shown, matcher.match(c.english)) if c.english != c.title else shown
            if score > 0:
                title = matcher.highlight(escape(c.title)) if shown > 0 else escape(c.title)
                yield Hit(score, title, c.run, text=c.title, help=c.help)
