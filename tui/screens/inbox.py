"""The inbox screen: header, sidebar, the virtual list, the detail pane, status line, footer.

The screen owns the inbox's behaviour; the app (``tui.app``) only runs the lifecycle, the
keymap and the sync thread.  Here:

* the view index, built in a thread worker and swapped in with the rows the next frames
  need (``ViewBuilt``); sidebar counts, the header line and account states follow
  (``CountsBuilt``), so the list paints as soon as its order is known;
* the detail pane: the selected thread is loaded (debounced) and laid out in a worker,
  its neighbours prefetched (``tui.screens.inbox_detail``);
* moving (j / k / J / K, enter, space, esc), search, the sidebar, the list title;
* the 30 s clock: snoozes that are due wake, a reply-window boundary re-triages;
* focus time per thread (the app forwards every key: only it sees them all).

The user's actions (done, snooze, reply …) and the palette's targets are in
``tui.screens.inbox_actions``.

Threading: the UI thread never runs a query that grows with the inbox.  View indexes,
counts, detail loads and the clock run in thread workers with their own store connection
and come back as messages; actions run in order on the app's db thread.  The only store
call on the UI thread is ``threads_by_id`` for the visible page (invariant 7,
docs/architecture.md, Invariants).

Why one module of this size: what is left here is the screen's own state (view builds,
counts and chrome, moving, search, the clock); its actions (``inbox_actions``) and its
detail loading (``inbox_detail``) are already apart.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList
from textual.worker import Worker, WorkerState, get_current_worker

from inscope.i18n import N_, _, ngettext
from inscope.links import refuse_reason
from inscope.model import ProjectInfo, ThreadRow
from inscope.store import InboxGate, Store, StoreError
from tui.activity import FocusTracker
from tui.bindings import bindings_for
from tui.dbexec import DbExecutor
from tui.format import zone
from tui.messages import (
    ClockTicked,
    CountsBuilt,
    SyncRound,
    ViewBuilt,
    ViewFailed,
    WindowRetriaged,
)
from tui.ports import ScheduleAware, WorkspaceLike
from tui.render.chrome import held_until_label, list_title
from tui.screens.inbox_detail import DETAIL_DEBOUNCE, InboxDetail
from tui.viewindex import ViewIndex, ViewQuery, build_index
from tui.widgets.footer import KeyFooter
from tui.widgets.header import InboxHeader
from tui.widgets.message_list import MessageList
from tui.widgets.sidebar import Sidebar
from tui.widgets.status import StatusLine
from tui.widgets.title import TitleLine

if TYPE_CHECKING:
    from tui.app import InscopeApp

# Rows fetched around each project's first thread with every view build, so J / K land on
# cached rows instead of querying a fresh page on the UI thread (about one screen each side).
PREFETCH_AROUND_PROJECT = 48


class InboxScreen(InboxDetail):
    """The inbox: the list of one view (or search) and the conversation of the selected thread."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # narrow: a slimmer sidebar (inscope.tcss)

    BINDING_GROUP_TITLE = N_("Inbox")
    BINDINGS: ClassVar[list[BindingType]] = bindings_for("inbox")

    def __init__(self, ws: WorkspaceLike, *, db: DbExecutor, clock: Callable[[], float],
                 clock_interval: float = 30.0) -> None:
        super().__init__()
        self.ws = ws
        self.db = db
        self.clock = clock  # wall clock for relative times (fixed in snapshot tests)
        self.tz = zone(ws.config.me.timezone)
        self.query_state = ViewQuery()
        self.counts: dict[str, int] = {}
        self.projects: list[ProjectInfo] = []
        # Reply windows: the Inbox's view condition right now, and "w" peeking past it.
        self.gate = InboxGate()
        self.peek_held = False
        self._window_open: bool | None = None  # at the last clock tick (boundary detection)
        self.focus_tracker = FocusTracker()
        self._clock_interval = clock_interval
        self._ui_store: Store | None = None
        self._view_gen = 0
        self._applied_gen = 0
        self._counts_gen = 0  # the build whose counts / header / accounts are shown
        self._opened: int | None = None  # the thread `enter` opened (enter again: full screen)
        self._background_started = False
        # Made here, not looked up: j / k must not pay for a DOM query.
        self.inbox = MessageList(id="inbox")
        self._header = InboxHeader(id="header")
        self._status = StatusLine(id="status")
        self._sidebar = Sidebar(id="sidebar")
        self._title = TitleLine(id="list-title")

    @property
    def inscope_app(self) -> InscopeApp:
        """The app, typed (it owns the sync runner)."""
        return cast("InscopeApp", self.app)

    # -- startup / shutdown -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """The fixed layout; the list fills itself once the first view index arrives."""
        yield self._header
        with Horizontal(id="body"):
            yield self._sidebar
            with Vertical(id="center"):
                yield self._title
                yield self.inbox
            yield self._detail
        yield self._status
        yield KeyFooter()

    def on_mount(self) -> None:
        """Start the first view build (sync and the clock start after the first view is painted)."""
        self._ui_store = self.ws.store()
        lst = self.inbox
        lst.fetch_rows = self._fetch_rows
        lst.clock = self.clock
        if not self.ws.config.accounts:
            # First start: say how to get messages in, instead of an empty screen.
            lst.empty_hint = ["", "  " + _("No accounts yet. Add one (secrets go to the keyring):"),
                              "    inscope connect trello | telegram | email",
                              "  " + _("or look around the demo workspace:") + "  inscope --demo"]
        lst.focus()
        self._header.demo = self.ws.demo
        self._window_open = self._gate_now().open
        self._show_first_page()
        self.request_rebuild()

    def _show_first_page(self) -> None:
        """The first screen of the Inbox before the first frame, from bounded queries.

        The first frame then already has rows, counts and the header, instead of "loading…"
        and a second full frame once the worker's index lands (at 1M messages the full
        index takes ~100 ms to build).  Everything here is O(screen + groups) at any inbox
        size: the counts come from the thread summary, the rows from the Inbox's order
        index (``Store.first_page``).  The full index follows from the worker and is
        swapped in without moving the cursor (its head is this page, row for row).
        """
        store = self._ui_store
        if store is None:
            return
        gate = self.gate = self._gate_now()
        limit = max(1, self.app.size.height)  # the list is shorter than the terminal
        try:
            page = store.first_page("inbox", max_priority=gate.max_priority, limit=limit)
            self.projects = store.projects()
            counts = store.view_counts(max_priority=gate.max_priority)
            accounts = store.accounts()
            unknown = len(store.outbox(("unknown",)))
            failed = _failed_replies(store)
            header = self._window_line(store)
        except Exception as e:  # the worker's full build reports errors; never fail the start
            self.log.error("first page failed", e)
            return
        lst = self.inbox
        lst.add_rows(page.threads)
        lst.set_index(ViewIndex.first_page(self.query_state, page, self.projects))
        self._apply_counts(counts, header, accounts, unknown, failed)

    def _start_background(self) -> None:
        """After the first *view* is painted: the app's background work, and the clock.

        Not on mount: that is the first frame, the empty "loading…" list, and a sync thread
        started there holds the GIL against the view worker.
        """
        if self._background_started:
            return
        self._background_started = True
        self.inscope_app.start_background()
        self.set_interval(self._clock_interval, self.tick)

    def on_unmount(self) -> None:
        """Record the focus time of the open thread; close the UI thread's connection.

        Runs before the app's unmount drains the db thread, so the last focus event is kept.
        """
        self.flush_focus()
        if self._ui_store is not None:
            self._ui_store.close()
            self._ui_store = None

    # -- small accessors --------------------------------------------------------------------

    def _fetch_rows(self, ids: Iterable[int]) -> dict[int, ThreadRow]:
        """Rows by id for the list: O(page), the visible window ± one page, by primary key."""
        store = self._ui_store
        if store is None:
            return {}
        try:
            store.heal_if_needed()  # the -wal/-shm deleted under us: reopen before reading
            return store.threads_by_id(list(ids))
        except (sqlite3.Error, StoreError) as e:
            # A render must never die on the database: the rows stay placeholders and the
            # status line says why until the next build succeeds.
            self.log.error("row fetch failed", e)
            return {}

    def project_info(self, pid: int) -> ProjectInfo | None:
        """The cached project row (from the last view build)."""
        for p in self.projects:
            if p.id == pid:
                return p
        return None

    @property
    def settled(self) -> bool:
        """No view build pending and the detail shows the selected thread (tests wait on this)."""
        return (self._applied_gen == self._view_gen and self._counts_gen == self._view_gen
                and self._detail_id == self.inbox.selected_id
                and self._detail_timer is None and not self._prefetching)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of this screen died: show it as a notification, never as a traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        self.notify(f"{type(error).__name__}: {error}" if error else _("unknown error"),
                    severity="error", markup=False)

    # -- the view index ---------------------------------------------------------------------

    def _gate_now(self) -> InboxGate:
        """The reply-window view condition at the app's clock (pure arithmetic, no I/O)."""
        ws = self.ws
        if isinstance(ws, ScheduleAware):
            return ws.inbox_gate(self.clock())
        return InboxGate()

    def request_rebuild(self, changed: Iterable[int] | None = None) -> None:
        """Rebuild the view index (and counts) in the background.

        ``changed``: the threads whose rows changed (None: any may have), so their cached
        rows are dropped now and the next paint shows them fresh.
        """
        lst = self.inbox
        lst.invalidate(changed)
        self._docs.forget(changed)
        self._view_gen += 1
        self.gate = self._gate_now()
        self._build_view(self._view_gen, self.query_state, self.gate, self.peek_held,
                         lst.selected_id, max(1, lst.size.height))

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def _build_view(self, generation: int, query: ViewQuery, gate: InboxGate, peek: bool,
                    selected: int | None, height: int) -> None:
        worker = get_current_worker()
        store = self.ws.store()
        try:
            projects = store.projects()
            if query.view == "inbox" and not query.search and gate.gated and not peek:
                # Outside a reply window: the same covering-index query, with the gate's
                # priority limit as one more view condition.
                rows = store.view_index("inbox", query.project_id, max_priority=gate.max_priority)
                index = ViewIndex(query, rows, {p.id: p for p in projects})
            else:
                index = build_index(store, query, projects)
            if worker.is_cancelled:
                return
            # The rows the next frames need, fetched here instead of on the UI thread: the
            # screen around the cursor (or the top, on a first build) and the first screen of
            # every project, where J / K land.
            starts = [index.pos.get(selected, 0) if selected is not None else 0, *index.project_rows]
            want: list[int] = []
            for r in starts:
                lo = max(0, r - height)
                want.extend(t for t in index.rows[lo:r + min(height, PREFETCH_AROUND_PROJECT)] if t > 0)
            prefetched = store.threads_by_id(list(dict.fromkeys(want)))
            if worker.is_cancelled:
                return
            # The list paints as soon as the order is known; counts and the header follow.
            self.post_message(ViewBuilt(generation, index, projects, prefetched))
            counts = store.view_counts(max_priority=gate.max_priority)
            accounts = store.accounts()
            unknown = len(store.outbox(("unknown",)))
            failed = _failed_replies(store)
            header = self._window_line(store)
        except Exception as e:
            self.post_message(ViewFailed(generation, f"{type(e).__name__}: {e}"))
            return
        finally:
            store.close()
        if not worker.is_cancelled:
            self.post_message(CountsBuilt(generation, counts, header, accounts, unknown, failed))

    def on_view_built(self, msg: ViewBuilt) -> None:
        """Swap the new index in (the cursor stays on its thread); the first one starts sync."""
        if msg.generation != self._view_gen:
            return  # a newer build is on its way
        self._applied_gen = msg.generation
        self.projects = msg.projects
        self._status.view_error = ""
        with self.app.batch_update():
            lst = self.inbox
            lst.add_rows(msg.rows)
            lst.set_index(msg.index)
            self.refresh_title()
        # The selected thread may have changed under us (an action, a sync): reload it.
        self._schedule_detail(self.inbox.selected_id, 0.0)
        if not self._background_started:
            self.call_after_refresh(self._start_background)

    def _window_line(self, store: Store) -> str:
        """The header's reply-window line (summary counts: cheap at any size)."""
        try:
            return self.ws.header(store, now=self.clock())
        except Exception as e:  # the window line is informative; never fatal
            return _("window: {error}").format(error=e)

    def on_counts_built(self, msg: CountsBuilt) -> None:
        """Sidebar, header and status for the build that is on screen."""
        if msg.generation != self._view_gen:
            return
        self._counts_gen = msg.generation
        self._apply_counts(msg.counts, msg.header, msg.accounts, msg.unknown_outbox, msg.failed_outbox)

    def _apply_counts(self, counts: Mapping[str, int], window: str, accounts: Sequence[Mapping[str, Any]],
                      unknown: int, failed: int) -> None:
        """Show counts, the window line and account states (unchanged values repaint nothing)."""
        self.counts = dict(counts)
        rows = tuple(accounts)
        with self.app.batch_update():
            q = self.query_state
            current = f"project:{q.project_id}" if q.project_id else f"view:{q.view}"
            self._sidebar.update_items(self.counts, self.projects, current)
            header = self._header
            header.window = window
            header.accounts = rows
            header.counts = self.counts
            header.held_until = self._held_until()
            self._status.accounts = rows
            self._status.unknown_outbox = unknown
            self._status.failed_outbox = failed
            self.refresh_title()

    def on_view_failed(self, msg: ViewFailed) -> None:
        """Show a failed build in the status line and keep the old view."""
        if msg.generation != self._view_gen:
            return
        self._applied_gen = self._counts_gen = self._view_gen
        self._status.view_error = msg.error
        if not self._background_started:
            self.call_after_refresh(self._start_background)  # sync may be what fixes it

    # -- chrome -----------------------------------------------------------------------------

    def _held_until(self) -> str:
        """When the held threads come back, as the header and the title say it."""
        return held_until_label(self.gate.held_until, self.clock(), self.tz)

    def refresh_title(self) -> None:
        """The line above the list: view, project, thread count, held threads, selection."""
        q = self.query_state
        project = None
        if q.project_id is not None:
            info = self.project_info(q.project_id)
            project = info.name if info is not None else None
        held = self.counts.get("held_until_window", 0)
        self._title.title = list_title(
            q, threads=self.inbox.index.thread_count, project=project, held=held,
            held_until=self._held_until() if held else "", peeking=self.peek_held,
            marked=len(self.inbox.marked))

    def apply_sync_round(self, msg: SyncRound) -> None:
        """A sync round finished (the app's runner reports it): sources, and a rebuild if needed."""
        sources = tuple(msg.sources)
        self._header.sources = sources
        status = self._status
        status.sources = sources
        status.sync_error = ""
        status.synced_at = datetime.fromtimestamp(self.clock(), self.tz).strftime("%H:%M:%S")
        if msg.changed:
            self.request_rebuild(msg.threads or None)  # no ids reported: any row may have changed

    def sync_stopped(self, error: str) -> None:
        """The sync thread died: say why in the status line."""
        self._status.sync_error = error

    # -- detail -----------------------------------------------------------------------------

    def on_message_list_highlighted(self, msg: MessageList.Highlighted) -> None:
        """Selection moved: account focus time, debounce the detail load."""
        self._opened = None  # enter on the new thread opens it (not full screen)
        flushed = self.focus_tracker.select(msg.thread_id)
        if flushed is not None:
            self.log_event("focus", flushed[0], {"seconds": flushed[1]})
        self._schedule_detail(msg.thread_id, DETAIL_DEBOUNCE)

    # -- moving -----------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        """j / k."""
        self.inbox.move(delta)

    def action_project(self, delta: int) -> None:
        """J / K."""
        self.inbox.jump_project(delta)

    def action_open_thread(self) -> None:
        """enter: show the conversation now; enter again reads it full screen.

        The first ``enter`` leaves the focus on the list: in Textual a focus change repaints
        the whole screen (~40–90 ms at 160×45), and j/k should go on moving through threads
        anyway.  ``space`` pages the conversation from the list; full screen has the focus.
        """
        tid = self.inbox.selected_id
        if tid is None:
            return
        pane = self._detail
        if self.maximized is pane:
            self.minimize()
            self.inbox.focus()
            return
        if self._opened == tid or pane.has_focus:
            self.maximize(pane)
            pane.focus()
            return
        self._opened = tid
        if self._detail_id != tid or self._detail_want != tid:
            self._schedule_detail(tid, 0.0)
        self.log_event("open", tid, {})

    def action_page_detail(self) -> None:
        """space: the next page of the conversation, without leaving the list."""
        self._detail.scroll_page_down(animate=False)

    def action_back(self) -> None:
        """esc: leave full screen, the search prompt, the detail pane, then the search results."""
        if self.maximized is not None:
            self.minimize()
        elif self._title.prompt is not None:
            self._title.close_prompt()
        elif self.focused is not self.inbox:
            self.inbox.focus()
        elif self.query_state.search:
            self.query_state = dataclasses.replace(self.query_state, search=None)
            self.request_rebuild()
        elif self.inbox.marked:
            self.inbox.clear_marks()
            self.refresh_title()

    def action_open_original(self) -> None:
        """o: the card / chat / mail in the browser."""
        row = self.inbox.selected_row
        if row is None:
            return
        if not row.url:
            self.notify(_("This thread has no link to the original."), severity="warning")
            return
        refused = refuse_reason(row.url, row.source)
        if refused:
            # The link is the server's text: never handed to $BROWSER unchecked.
            self.notify(_("Not opening this link: {why}.").format(why=refused), severity="warning",
                        markup=False)
            return
        self.app.open_url(row.url)

    def action_select(self) -> None:
        """x: toggle the bulk mark and move on."""
        if self.inbox.selected_id is None:
            return
        self.inbox.toggle_mark()
        self.inbox.move(1)
        self.refresh_title()

    def action_search(self) -> None:
        """/: the search prompt, in the title row; the focus stays where it is (one line repaints)."""
        self._title.open_prompt(self.query_state.search or "")

    @property
    def searching(self) -> bool:
        """The search prompt is open (keys go into it)."""
        return self._title.prompt is not None

    def on_key(self, event: events.Key) -> None:
        """While the search prompt is open, editing keys edit it and enter searches.

        The key reaches the screen after the focused widget (the list has no key handlers of
        its own) and before the bindings, so stopping it here is what keeps ``j`` a letter.
        Other keys (esc, or whatever ``app.back`` is mapped to) go on to the bindings.
        """
        edit = self._title.prompt
        if edit is None:
            return
        if event.key == "enter":
            self._submit_search(self._title.close_prompt())
        elif not edit.key(event.key, event.character, event.is_printable):
            return
        else:
            self._title.refresh()
        event.stop()
        event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        """Pasted text goes into an open search prompt (as one line)."""
        edit = self._title.prompt
        if edit is not None:
            edit.insert(event.text)
            self._title.refresh()
            event.stop()

    def _submit_search(self, value: str) -> None:
        self.query_state = dataclasses.replace(self.query_state, search=value.strip() or None)
        self.request_rebuild()

    def action_help(self) -> None:
        """?: every key of the key table, with the user's keymap."""
        from tui.screens.help import HelpScreen, help_rows

        self.app.push_screen(HelpScreen(help_rows(self.app)))

    # -- the sidebar and palette targets -------------------------------------------------------

    @on(OptionList.OptionSelected, "#sidebar")
    def _sidebar_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        kind, _sep, value = (event.option.id or "").partition(":")
        if kind == "view":
            self.show_view(value)
        elif kind == "project":
            self.show_project(int(value))

    def show_view(self, view: str) -> None:
        """Switch the list to a view (all projects, no search)."""
        self.query_state = ViewQuery(view=view)
        self.inbox.focus()
        self.request_rebuild()

    def show_project(self, pid: int) -> None:
        """Show one project: its inbox, or its held threads when paused/unpaid."""
        info = self.project_info(pid)
        view = self.query_state.view
        if view in ("inbox", "held") and info is not None:
            view = "inbox" if info.status == "active" else "held"
        self.query_state = ViewQuery(view=view, project_id=pid)
        self.inbox.focus()
        self.request_rebuild()

    # -- the clock ------------------------------------------------------------------------------

    def tick(self) -> None:
        """The 30 s tick: snoozes that are due wake; a window boundary re-triages and regates."""
        if self._ui_store is not None and self._ui_store.heal_if_needed():
            self.request_rebuild()  # the database's side files were replaced under us
        gate = self._gate_now()
        if self._window_open is not None and gate.open != self._window_open:
            if not gate.open:
                self.peek_held = False  # a new closed stretch holds the inbox back again
            self._retriage_worker()
        self._window_open = gate.open
        self._clock_worker()

    @work(thread=True, exclusive=True, group="retriage", exit_on_error=False)
    def _retriage_worker(self) -> None:
        # SLA due times, "overdue" and "waited N windows" change when a window opens or
        # closes; re-triage the threads that wait for me, then rebuild with the new gate.
        ws = self.ws
        if not isinstance(ws, ScheduleAware):
            return
        store = ws.store()
        try:
            n = ws.retriage(store, self.clock(), waiting_only=True)
        except Exception as e:
            self.post_message(WindowRetriaged(0, f"{type(e).__name__}: {e}"))
            return
        finally:
            store.close()
        self.post_message(WindowRetriaged(n))

    def on_window_retriaged(self, msg: WindowRetriaged) -> None:
        """The re-triage after a window boundary finished: show the new inbox."""
        if msg.error:
            self.notify(_("re-triage failed: {error}").format(error=msg.error), severity="error",
                        markup=False)
        self.request_rebuild()

    @work(thread=True, exclusive=True, group="clock", exit_on_error=False)
    def _clock_worker(self) -> None:
        store = self.ws.store()
        try:
            woken = store.wake_due(self.clock())
            try:
                header = self.ws.header(store, now=self.clock())
            except Exception as e:
                header = _("window: {error}").format(error=e)
        finally:
            store.close()
        self.post_message(ClockTicked(header, woken))

    def on_clock_ticked(self, msg: ClockTicked) -> None:
        """Fresh header and relative times; woken snoozes come back."""
        self._header.window = msg.header
        self._header.held_until = self._held_until()
        self.inbox.invalidate([])
        if msg.woken:
            n = len(msg.woken)
            self.notify(ngettext("{n} snoozed thread(s) are back.", "{n} snoozed thread(s) are back.",
                                 n).format(n=n))
            self.request_rebuild(msg.woken)

    # -- time per client ------------------------------------------------------------------------

    def note_key(self) -> None:
        """A key was pressed (not in the composer): focus time on the selected thread."""
        self.focus_tracker.touch()

    def flush_focus(self) -> None:
        """Log the focus time of the selected thread so far (quitting)."""
        flushed = self.focus_tracker.flush()
        if flushed is not None:
            self.log_event("focus", flushed[0], {"seconds": flushed[1]})

    def log_event(self, kind: str, tid: int, data: dict[str, Any]) -> None:
        """Fire and forget on the db thread: in order with the actions, never blocking a key."""
        self.db.submit(lambda s: s.log_event(kind, tid, data))


def _failed_replies(store: Store) -> int:
    """Replies the remote refused for good (the status line says how many)."""
    return sum(1 for r in store.outbox(("failed",)) if r.kind == "reply")
