"""The inbox's user actions: done, snooze, follow-up, escalate, priority, assign, resolve,
save an attachment, reply (now, at the next window, at a time; with templates), scheduled replies, undo …

A base class of ``tui.screens.inbox.InboxScreen`` (kept apart so neither module is a wall of
code): the key handlers and the palette's targets.  Every change goes through the shared
action layer, ``inscope.actions.Actions`` (``ws.actions(store, now=clock)``), on the app's
db thread, never through ``Store`` mutators: the TUI and the CLI cannot drift.  An action
returns an ``Outcome`` (its message is shown) or raises ``ActionError`` (shown as an error);
``NeedsConfirmation`` (an unpaid project) is the composer's to ask about.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable
from datetime import tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from inscope.attachments import AttachmentRef, downloads_dir, human_size
from inscope.i18n import N_, _, ngettext
from inscope.i18n.labels import OUTBOX_STATE, label
from inscope.model import ProjectInfo
from inscope.store import InboxGate, StoreError
from inscope.text import one_line
from tui.dbexec import DbExecutor
from tui.ports import ScheduleAware, WorkspaceLike
from tui.viewindex import ViewQuery
from tui.widgets.message_list import MessageList

if TYPE_CHECKING:
    from textual.notifications import Notification

    # Only for annotations: the dialogs and the report are imported when first used, so
    # the first paint does not pay for them (TextArea alone is ~8 ms).
    from inscope.actions import Actions, Outcome
    from inscope.model import Priority
    from inscope.report import ProjectReport
    from inscope.store import OutboxRow
    from tui.app import InscopeApp
    from tui.screens.composer import ComposerResult, Editing, SendWhen
    from tui.screens.snooze import SnoozeChoice

# What these actions say (one place, for the later translation pass).
QUEUED = N_("Reply queued; it goes out with the next sync.")
DRAFT_KEPT = N_("Draft kept.")

# Views (besides "all" and search results) that still show a thread after it becomes a state.
_VIEWS_SHOWING: dict[str, set[str]] = {
    "done": {"done"},
    "snoozed": {"snoozed", "held"},
    "escalated": {"escalated"},
    # Not a state: a thread marked not mine is noise, out of the Inbox but still in these.
    "noise": {"noise", "held", "snoozed", "escalated", "answered", "done"},
}


class InboxActions(Screen[None]):
    """The inbox screen's actions; ``InboxScreen`` provides the state they work on."""

    # Provided by InboxScreen (set in its __init__).
    ws: WorkspaceLike
    db: DbExecutor
    clock: Callable[[], float]
    tz: tzinfo
    inbox: MessageList
    query_state: ViewQuery
    projects: list[ProjectInfo]
    gate: InboxGate
    peek_held: bool

    if TYPE_CHECKING:
        # InboxScreen's methods these actions call (declared for the type checker only).
        @property
        def inscope_app(self) -> InscopeApp: ...

        def request_rebuild(self, changed: Iterable[int] | None = None) -> None: ...

        def refresh_title(self) -> None: ...

        def log_event(self, kind: str, tid: int, data: dict[str, Any]) -> None: ...

    # -- running an action ------------------------------------------------------------------

    def _targets(self) -> list[int]:
        """The threads an action applies to: the ``x``-selected ones in list order, or the cursor's."""
        lst = self.inbox
        if lst.marked:
            pos = lst.index.pos
            return sorted(lst.marked, key=lambda t: pos.get(t, 0))
        return [] if lst.selected_id is None else [lst.selected_id]

    async def _act(self, fn: Callable[[Actions], Outcome], ids: list[int] | None = None,
                   new_state: str | None = None) -> Outcome | None:
        """Run one action of the shared action layer on the db thread; notify; refresh.

        ``ids``: the threads it changes (only their cached rows are dropped).  ``new_state``:
        the state they end in; when the current view does not show that state they leave
        the list *now*, before the write and the rebuild (which run off the UI thread and
        swap in when ready), so ``e`` costs one repaint, not a rebuild plus counts.
        """
        removed = False
        if ids and new_state is not None and self._leaves_view(new_state):
            lst = self.inbox
            lst.set_index(lst.index.without(ids))
            self.refresh_title()
            removed = True
        ws, clock = self.ws, self.clock
        if removed:
            # The list without the thread goes out first: the action's toast and rebuild are
            # a layout of the screen (~15 ms) that would otherwise land in that frame, and the
            # action's Python on the db thread would hold the GIL the frame needs.  (The next
            # key waits for this handler, so actions stay in key order.)
            await self._next_frame()
        done = self.db.submit(lambda s: fn(ws.actions(s, now=clock)))
        try:
            outcome = await asyncio.wrap_future(done)
        except Exception as e:  # a failed action is a message, never a traceback on screen
            from inscope.actions import ActionError  # loaded by the action that just ran

            known = isinstance(e, ActionError | StoreError)
            if not known:
                self.log.error("action failed", e)
            self.notify(str(e) if known else f"{type(e).__name__}: {e}", severity="error", markup=False)
            if removed:
                self.request_rebuild(ids)  # put back what the failed action took out
            return None
        self.inbox.clear_marks()
        self._say_outcome(outcome.message)
        self.request_rebuild(ids)
        return outcome

    _outcome_toast: Notification | None = None

    def _say_outcome(self, message: str) -> None:
        """Show an action's outcome in place of the last one still on screen.

        Ten quick ``e``/``z`` presses leave one current "done · z undoes" toast, not a stack
        of ten stale ones (each toast added or expiring is a layout of the screen, which
        would land in a later key's frame).  Errors are never replaced: they use notify.
        """
        from textual.notifications import Notification, Notify

        app = self.app
        prev = self._outcome_toast
        if prev is not None and prev in app._notifications:
            app._unnotify(prev, refresh=False)  # refreshed with the new one, one layout
        toast = Notification(message, "", "information", app.NOTIFICATION_TIMEOUT, markup=False)
        self._outcome_toast = toast
        app.post_message(Notify(toast))

    async def _next_frame(self) -> None:
        """Wait until the screen has painted what changed so far."""
        painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def out() -> None:
            if not painted.done():
                painted.set_result(None)

        self.call_after_refresh(out)
        await painted

    def _leaves_view(self, new_state: str) -> bool:
        """Does a thread that becomes ``new_state`` drop out of the view on screen?"""
        q = self.query_state
        if q.search or q.view == "all":
            return False  # search results and "all" show every state
        return q.view not in _VIEWS_SHOWING.get(new_state, {q.view})

    # -- the keys ----------------------------------------------------------------------------

    async def action_done(self) -> None:
        """e: done (bulk with x)."""
        ids = self._targets()
        if ids:
            await self._act(lambda a: a.done(ids), ids, "done")

    async def action_snooze(self) -> None:
        """h: the snooze picker."""
        ids = self._targets()
        if not ids:
            return
        from tui.screens.snooze import SnoozePicker

        ws, clock = self.ws, self.clock
        options = await self.db.run(lambda s: ws.actions(s, now=clock).snooze_options())
        picker = SnoozePicker(count=len(ids), options=options,
                              parse=lambda text: ws.snooze_until(text, clock()), now=clock)
        self.app.push_screen(picker, partial(self._snoozed, ids))

    async def _snoozed(self, ids: list[int], choice: SnoozeChoice | str | None) -> None:
        from tui.screens.snooze import SnoozeChoice

        if not isinstance(choice, SnoozeChoice):
            return
        await self._act(lambda a: a.snooze(ids, choice.kind, until=choice.until), ids, "snoozed")

    async def action_followup(self) -> None:
        """f: wait on the client — back if they have not answered in N windows / days."""
        ids = self._targets()
        if not ids:
            return
        from tui.screens.followup import FollowupPicker

        ws, clock = self.ws, self.clock
        try:
            options = await self.db.run(lambda s: ws.actions(s, now=clock).followup_options())
        except Exception as e:  # a failed action is a message, never a traceback on screen
            self.notify(str(e), severity="error", markup=False)
            return

        async def check(text: str) -> object:
            return await self.db.run(lambda s: ws.actions(s, now=clock).followup_time(text))

        picker = FollowupPicker(count=len(ids), options=options, check=check)
        self.app.push_screen(picker, partial(self._followed_up, ids))

    async def _followed_up(self, ids: list[int], after: str | None) -> None:
        if after:
            await self._act(lambda a: a.followup(ids, after), ids, "snoozed")

    async def action_escalate(self) -> None:
        """!: escalate to the account manager with a note."""
        ids = self._targets()
        if not ids:
            return
        ws, clock = self.ws, self.clock
        try:
            am = await self.db.run(lambda s: ws.actions(s, now=clock).escalation_target(ids[0]))
        except Exception as e:
            self.notify(f"{e}", severity="error", markup=False)
            return
        from tui.screens.escalate import EscalateScreen

        self.app.push_screen(EscalateScreen(am=am, count=len(ids)), partial(self._escalated, ids))

    async def _escalated(self, ids: list[int], note: str | None) -> None:
        if not note:
            return
        if await self._act(lambda a: a.escalate(ids, note), ids, "escalated"):
            self.inscope_app.action_sync_now()

    def action_priority(self) -> None:
        """p: the priority picker."""
        ids = self._targets()
        if not ids:
            return
        from tui.screens.priority import PriorityPicker

        row = self.inbox.selected_row
        self.app.push_screen(PriorityPicker(row.priority if row else None, len(ids)),
                             partial(self._prioritized, ids))

    async def _prioritized(self, ids: list[int], priority: Priority | None) -> None:
        if priority is None:
            return
        await self._act(lambda a: a.priority(ids, priority), ids)

    async def action_relevance(self) -> None:
        """m: mine ↔ not mine (the one key that corrects triage; it also teaches it)."""
        ids = self._targets()
        row = self.inbox.selected_row
        if not ids or row is None:
            return
        value = "mine" if row.relevance == "noise" else "not mine"
        # Marked not mine, a thread leaves the Inbox (it is noise); marked mine, it stays.
        await self._act(lambda a: a.relevance(ids, value), ids, "noise" if value != "mine" else None)

    async def action_attachments(self) -> None:
        """A: save an attachment of the thread (a picker when it has several)."""
        row = self.inbox.selected_row
        if row is None:
            return
        from inscope.actions import ActionError  # imported on use, like the action layer

        tid, ws, clock = row.id, self.ws, self.clock
        try:
            refs = await self.db.run(lambda s: ws.actions(s, now=clock).attachments(tid))
        except (ActionError, StoreError) as e:
            self.notify(str(e), severity="error", markup=False)
            return
        if not refs:
            self.notify(_("This thread has no attachments."), severity="warning")
            return
        if len(refs) == 1:
            await self._save_attachment(tid, refs, 1)
            return
        from tui.screens.picker import PickerScreen

        choices = [(f"{one_line(r.name, 60)} · {human_size(r.size)}", i)
                   for i, r in enumerate(refs, 1)]
        self.app.push_screen(PickerScreen(_("Save an attachment of #{tid}").format(tid=tid), choices),
                             partial(self._save_attachment, tid, refs))

    async def _save_attachment(self, tid: int, refs: list[AttachmentRef], n: int | None) -> None:
        if n is None:
            return
        from inscope.actions import NOT_SAVED, ActionError, save_fetched

        ref, fetch = refs[n - 1], self.inscope_app.fetch_attachment
        directory = downloads_dir(os.environ, Path.home(), self.ws.home)
        self.notify(_("Saving {name} …").format(name=one_line(ref.name, 60)), markup=False)
        try:
            # The download runs on a worker thread: the database thread keeps serving the list.
            outcome = await asyncio.to_thread(save_fetched, ref, directory, fetch, tid)
        except ActionError as e:
            self.notify(str(e), severity="error", markup=False)
            return
        except Exception as e:  # a timeout or a dead engine: a message, never a traceback
            self.notify(_(NOT_SAVED).format(name=ref.name, why=f"{type(e).__name__}: {e}"),
                        severity="error", markup=False)
            return
        self.notify(outcome.message, markup=False)

    def action_assign(self) -> None:
        """a: move the selected thread(s) to a project; the conversation stays there."""
        ids = self._targets()
        if not ids:
            return
        from tui.screens.picker import PickerScreen

        choices = [(p.name, p.name) for p in self.projects if p.name != "Unsorted"]
        title = ngettext("Assign {n} thread to project", "Assign {n} threads to project",
                         len(ids)).format(n=len(ids))
        self.app.push_screen(PickerScreen(title, choices),
                             partial(self._assigned, ids))

    async def _assigned(self, ids: list[int], project: str | None) -> None:
        if project is None:
            return
        await self._act(lambda a: a.assign(ids, project), ids)

    async def action_resolve(self) -> None:
        """u: resolve the escalation by hand (the AM answered outside the thread)."""
        ids = self._targets()
        if ids:
            await self._act(lambda a: a.resolve(ids), ids, "open")

    def action_peek_held(self) -> None:
        """w: show / hide the threads held until the next reply window."""
        if not self.gate.gated:
            self.notify(_("A reply window is open: nothing is held."), markup=False)
            return
        self.peek_held = not self.peek_held
        if self.query_state.view != "inbox" or self.query_state.search:
            self.query_state = ViewQuery(view="inbox", project_id=self.query_state.project_id)
        self.request_rebuild()

    def action_report(self) -> None:
        """R: time per client (the same numbers as ``inscope report``)."""
        from tui.screens.report import ReportScreen

        self.app.push_screen(ReportScreen(self._load_report, tz=self.tz, now=self.clock))

    async def _load_report(self, since: float) -> list[ProjectReport]:
        ws = self.ws
        if isinstance(ws, ScheduleAware):
            return await self.db.run(lambda s: ws.report(s, since))
        # No schedule known: first-response times in plain hours.
        from inscope.report import build_report
        from inscope.rules.windows import Schedule

        return await self.db.run(lambda s: build_report(s, Schedule(), since))

    async def action_undo(self) -> None:
        """z: undo the last action (a sent reply cannot be taken back)."""
        await self._act(lambda a: a.undo())

    async def action_reply(self) -> None:
        """r: the composer, prefilled with the saved draft — or, when a reply to the thread
        is still scheduled, with that reply (to edit, send now, move or keep it)."""
        row = self.inbox.selected_row
        if row is None:
            return
        tid = row.id
        ws, clock = self.ws, self.clock

        def load(s: Any) -> tuple[str, list[OutboxRow]]:
            act = ws.actions(s, now=clock)
            return act.draft(tid), act.scheduled_replies(tid)

        draft, held = await self.db.run(load)
        if held:
            await self.open_scheduled(held[0].id)
            return
        context = f"{one_line(row.last_author, 40)}: {one_line(row.last_text, 300)}"

        async def queue(text: str, confirmed: bool, when: SendWhen) -> Outcome:
            # The unpaid confirmation is the action layer's: it raises NeedsConfirmation.
            def go(s: Any) -> Outcome:
                act = ws.actions(s, now=clock)
                if when == "now":
                    return act.reply(tid, text, confirmed=confirmed)
                if when == "window":
                    return act.reply(tid, text, confirmed=confirmed, at_window=True)
                return act.reply(tid, text, confirmed=confirmed, when=when)
            return await self.db.run(go)

        async def save(text: str) -> str | None:
            await self.db.run(lambda s: ws.actions(s, now=clock).save_draft(tid, text))
            return None

        await self._open_composer(tid, one_line(row.title, 80), context, draft, queue, save)

    async def _open_composer(self, tid: int, title: str, context: str, text: str,
                             queue: Callable[[str, bool, SendWhen], Awaitable[Outcome]],
                             save: Callable[[str], Awaitable[str | None]],
                             editing: Editing | None = None) -> None:
        from tui.screens.composer import ComposerScreen, TemplateSource

        ws, clock = self.ws, self.clock
        plan = await self.db.run(lambda s: ws.actions(s, now=clock).window_send())

        async def offer() -> Any:
            return await self.db.run(lambda s: ws.actions(s, now=clock).templates(tid))

        async def prepare(name: str) -> Any:
            return await self.db.run(lambda s: ws.actions(s, now=clock).prepare_template(name, tid))

        screen = ComposerScreen(title=title, context=context, draft=text, queue=queue, save_draft=save,
                                window=plan.label, templates=TemplateSource(offer, prepare),
                                editing=editing)
        self.app.push_screen(screen, partial(self._after_composer, tid))

    async def open_scheduled(self, oid: int) -> None:
        """The composer on a scheduled reply: edit its text, send it now, move it, or keep it."""
        ws, clock = self.ws, self.clock

        def load(s: Any) -> tuple[OutboxRow, Any, str]:
            act = ws.actions(s, now=clock)
            r = act.outbox_row(oid)
            th = act.thread(r.thread_id) if r.thread_id else None
            return r, th, act.day_time(r.send_at) if r.send_at else ""

        try:
            out_row, th, when_s = await self.db.run(load)
        except Exception as e:
            self.notify(str(e), severity="error", markup=False)
            return
        if out_row.state != "scheduled" or th is None:
            self.notify(_("outbox #{oid} is {state}: it can no longer be changed").format(
                oid=oid, state=label(OUTBOX_STATE, out_row.state)), markup=False)
            return
        from tui.screens.composer import Editing

        async def queue(text: str, confirmed: bool, when: SendWhen) -> Outcome:
            def go(s: Any) -> Outcome:
                act = ws.actions(s, now=clock)
                if when == "now":
                    return act.edit_scheduled(oid, text, send_now=True)
                if when == "window":
                    return act.edit_scheduled(oid, text, at_window=True)
                return act.edit_scheduled(oid, text, when=when)
            return await self.db.run(go)

        async def keep(text: str) -> str | None:
            def go(s: Any) -> str | None:
                from inscope.actions import ActionError  # loaded by ws.actions just before

                act = ws.actions(s, now=clock)
                try:
                    act.edit_scheduled(oid, text)
                except ActionError as e:
                    # Its time came while she was editing: the edited text becomes the draft.
                    act.save_draft(th.id, text)
                    return _("{error} — your edited text is kept as the draft").format(error=e)
                return None
            return await self.db.run(go)

        context = f"{one_line(th.last_author, 40)}: {one_line(th.last_text, 300)}"
        await self._open_composer(th.id, one_line(th.title, 80), context, out_row.text, queue, keep,
                                  editing=Editing(oid, when_s))

    def _after_composer(self, tid: int, result: ComposerResult | None) -> None:
        if result is None:
            return
        if result.compose_seconds >= 1:
            self.log_event("compose", tid, {"seconds": round(result.compose_seconds, 1)})
        if result.sent:
            self.notify(result.message or _(QUEUED), markup=False)
            self.inscope_app.action_sync_now()
            self.request_rebuild([tid])
        else:
            self.notify(result.message or _(DRAFT_KEPT), markup=False)

    # -- palette targets ---------------------------------------------------------------------

    async def set_project_status(self, name: str, status: str) -> None:
        """Palette: project status (undo with z)."""
        await self._act(lambda a: a.project_status(name, status))

    def resend_unknown(self, oid: int) -> None:
        """Palette: ask, then put an unknown-delivery reply back in the queue."""

        async def answer(yes: bool | None) -> None:
            if yes and await self._act(lambda a: a.resend(oid, confirmed=True)):
                self.inscope_app.action_sync_now()

        from tui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(
            _("Resend reply #{oid}?").format(oid=oid),
            _("Its delivery could not be verified; if it did arrive, the client gets it twice."),
        ), answer)

    async def resend_failed(self, oid: int) -> None:
        """Palette: send a refused reply again (after fixing what refused it)."""
        if await self._act(lambda a: a.resend(oid)):
            self.inscope_app.action_sync_now()

    async def edit_failed(self, oid: int, tid: int) -> None:
        """Palette: the refused reply back in the composer (its row is given up)."""
        if await self._act(lambda a: a.edit_failed(oid)):
            self.inbox.go_to(tid)
            await self.action_reply()

    async def cancel_unknown(self, oid: int) -> None:
        """Palette: treat an unknown-delivery reply as delivered (never resend)."""
        await self._act(lambda a: a.cancel(oid))

    async def send_scheduled_now(self, oid: int) -> None:
        """Palette: send a scheduled reply now instead of at its time."""
        if await self._act(lambda a: a.send_scheduled_now(oid)):
            self.inscope_app.action_sync_now()

    async def cancel_scheduled(self, oid: int) -> None:
        """Palette: never send a scheduled reply; its text goes back to the draft."""
        outcome = await self._act(lambda a: a.cancel(oid))
        if outcome is not None:
            self.request_rebuild(list(outcome.threads))
