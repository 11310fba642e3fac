"""The inscope Textual app: one inbox screen, pickers, composer, palette, background sync.

Threading (the Harlequin rule): the UI thread never runs a query that grows
with the inbox.  View indexes, sidebar counts and detail loads run in thread
workers with their own store connection and come back as messages; user
actions run in order on one db thread (``DbExecutor``); the sync engine runs
its own event loop in a thread worker and reports rounds as ``SyncRound``.
The only store call on the UI thread is ``threads_by_id`` for the visible page.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.worker import Worker, WorkerState, get_current_worker

from inscope.actions import ActionError, Actions, Outcome
from inscope.model import VIEW_TITLES, ProjectInfo, ThreadRow
from inscope.store import InboxGate, Store, StoreError
from inscope.text import one_line
from tui.activity import FocusTracker
from tui.bindings import bindings_for
from tui.dbexec import DbExecutor
from tui.format import SOURCE_ICONS, zone
from tui.messages import (
    ClockTicked,
    CountsBuilt,
    DetailLoaded,
    SourceState,
    SyncRound,
    ViewBuilt,
    ViewFailed,
)
from tui.ports import ScheduleAware, WorkspaceLike
from tui.render.conversation import render_conversation
from tui.viewindex import ViewIndex, ViewQuery, build_index
from tui.widgets.detail import DetailPane
from tui.widgets.footer import KeyFooter
from tui.widgets.message_list import MessageList
from tui.widgets.sidebar import Sidebar

if TYPE_CHECKING:
    # Only for annotations: the screens, the palette provider and the report are imported
    # when first used, so the first paint does not pay for them (TextArea alone is ~8 ms).
    from textual.command import Provider

    from inscope.model import Priority
    from inscope.report import ProjectReport
    from tui.screens.composer import ComposerResult
    from tui.screens.snooze import SnoozeChoice

DETAIL_DEBOUNCE = 0.05  # holding j: only the thread the cursor rests on is loaded
DETAIL_MESSAGES = 200  # newest messages shown; older ones are counted ("o" opens the original)
# Rows fetched around each project's first thread with every view build, so J / K land on
# cached rows instead of querying a fresh page on the UI thread (about one screen each side).
PREFETCH_AROUND_PROJECT = 48


def _commands_provider() -> type[Provider]:
    """The palette provider, imported when the palette first opens (Textual calls this lazily)."""
    from tui.commands import InscopeCommands

    return InscopeCommands



class WindowRetriaged(Message):
    """A reply-window boundary passed and the waiting threads were re-triaged."""

    def __init__(self, count: int, error: str = "") -> None:
        super().__init__()
        self.count = count
        self.error = error


class InboxScreen(Screen[None]):
    """Header, sidebar, the virtual list, the detail pane, status line, footer."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # narrow: a slimmer sidebar (inscope.tcss)

    BINDING_GROUP_TITLE = "Inbox"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "app.move(1)", "Next", key_display="j/↓", id="inbox.next",
                tooltip="Next thread (group headers are skipped)"),
        Binding("k,up", "app.move(-1)", "Prev", key_display="k/↑", id="inbox.prev",
                tooltip="Previous thread"),
        Binding("J", "app.project(1)", "Next project", show=False, id="inbox.next_project",
                tooltip="First thread of the next project group"),
        Binding("K", "app.project(-1)", "Prev project", show=False, id="inbox.prev_project",
                tooltip="First thread of the previous project group"),
        Binding("enter", "app.open_thread", "Open", id="thread.open",
                tooltip="Open the whole conversation (enter again: full screen)"),
        Binding("space", "app.page_detail", "Page conversation", show=False, id="thread.page",
                tooltip="Scroll the open conversation one page down (from the list)"),
        Binding("o", "app.open_original", "Original", show=False, id="thread.browser",
                tooltip="Open the original card / chat / mail in the browser"),
        Binding("r", "app.reply", "Reply", id="thread.reply",
                tooltip="Write a reply (ctrl+s queues it, esc keeps the draft)"),
        Binding("e", "app.done", "Done", id="thread.done",
                tooltip="Mark done (or every thread selected with x)"),
        Binding("h", "app.snooze", "Snooze", id="thread.snooze",
                tooltip="Snooze: 1 hour, next window, tomorrow, client replies, project active, custom"),
        Binding("exclamation_mark", "app.escalate", "Escalate", key_display="!", id="thread.escalate",
                tooltip="Escalate to the project's account manager with a note"),
        Binding("p", "app.priority", "Priority", show=False, id="thread.priority",
                tooltip="Set the priority by hand (until the next client message)"),
        Binding("a", "app.assign", "Assign project", show=False, id="thread.assign",
                tooltip="Move the thread to a project (Unsorted threads land here)"),
        Binding("u", "app.resolve", "Resolve", show=False, id="thread.resolve",
                tooltip="Resolve the escalation (the AM answered elsewhere); the thread is open again"),
        Binding("w", "app.peek_held", "Peek held", show=False, id="inbox.peek_held",
                tooltip="Outside a reply window: show / hide the threads held until the window"),
        Binding("R", "app.report", "Report", show=False, id="app.report",
                tooltip="Time per client: messages, replies, response time, time spent, escalations"),
        Binding("x", "app.select", "Select", show=False, id="thread.select",
                tooltip="Select for bulk done / snooze / escalate"),
        Binding("z", "app.undo", "Undo", id="app.undo", tooltip="Undo the last action"),
        Binding("slash", "app.search", "Search", key_display="/", id="app.search",
                tooltip="Search message text"),
        Binding("question_mark", "app.help", "Help", key_display="?", id="app.help",
                tooltip="Every key, with its keymap id"),
        Binding("escape", "app.leave", "Back", show=False, id="app.back",
                tooltip="Leave search / full screen / the detail pane"),
        Binding("q", "app.quit", "Quit", id="app.quit", tooltip="Quit inscope"),
    ]

    def compose(self) -> ComposeResult:
        """The fixed layout; the list fills itself once the first view index arrives."""
        yield Static("", id="header")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="center"):
                yield Input(placeholder="search message text — enter to search, esc to cancel",
                            id="search")
                yield Static("", id="list-title")
                yield MessageList(id="inbox")
            yield DetailPane(id="detail")
        yield Static("", id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Hand over to the app now that the widgets exist."""
        app = self.app
        if isinstance(app, InscopeApp):
            app.inbox_mounted()


class InscopeApp(App[None], inherit_bindings=False):
    """The inscope inbox.  Takes a workspace (``inscope.workspace.Workspace``)."""

    TITLE = "inscope"
    CSS_PATH = Path(__file__).with_name("inscope.tcss")
    COMMANDS = App.COMMANDS | {_commands_provider}
    BINDINGS: ClassVar[list[BindingType]] = bindings_for("app")

    def __init__(self, ws: WorkspaceLike, *, sync: bool = True, sync_interval: float = 30.0,
                 clock_interval: float = 30.0, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.ws = ws
        self.clock = clock  # wall clock for relative times (fixed in snapshot tests)
        self.db = DbExecutor(ws.store)
        self.tz = zone(ws.config.me.timezone)
        self.query_state = ViewQuery()
        self.counts: dict[str, int] = {}
        self.projects: list[ProjectInfo] = []
        self.accounts: list[dict[str, Any]] = []
        self.sources: list[SourceState] = []
        self.header_text = ""
        # Reply windows: the Inbox's view condition right now, and "w" peeking past it.
        self.gate = InboxGate()
        self.peek_held = False
        self._window_open: bool | None = None  # at the last clock tick (boundary detection)
        self.unknown_outbox = 0
        self.sync_error = ""
        self.view_error = ""
        self.focus_tracker = FocusTracker()
        self._ui_store: Store | None = None
        self._view_gen = 0
        self._applied_gen = 0
        self._detail_timer: Timer | None = None
        self._detail_id: int | None = None
        self._detail_want: int | None = None
        self._opened: int | None = None  # the thread `enter` opened (enter again: full screen)
        self._sync_enabled = sync
        self._sync_interval = sync_interval
        self._clock_interval = clock_interval
        self._sync_lock = threading.Lock()
        self._sync_loop: asyncio.AbstractEventLoop | None = None
        self._sync_stop: asyncio.Event | None = None
        self._sync_wake: asyncio.Event | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.sync_rounds = 0
        self._background_started = False
        self._counts_gen = 0  # the build whose counts / header / accounts are shown

    # -- startup / shutdown -----------------------------------------------------------------

    def get_default_screen(self) -> InboxScreen:
        """The inbox is the app's only full screen."""
        return InboxScreen()

    def on_mount(self) -> None:
        """The user's keymap (binding id → keys)."""
        self.set_keymap(dict(self.ws.config.keymap))

    def inbox_mounted(self) -> None:
        """The inbox screen exists: start the first view build (sync starts after the first frame)."""
        self._ui_store = self.ws.store()
        lst = self.inbox
        lst.fetch_rows = self._fetch_rows
        lst.clock = self.clock
        if not self.ws.config.accounts:
            # First start: say how to get messages in, instead of an empty screen.
            lst.empty_hint = ["", "  No accounts yet. Add one (secrets go to the keyring):",
                              "    inscope connect trello | telegram | email",
                              "  or look around the demo workspace:  inscope --demo"]
        lst.focus()
        self.query_one("#search", Input).display = False
        self._window_open = self._gate_now().open
        self._render_header()
        self.request_rebuild()

    def _start_background(self) -> None:
        """After the first *view* is painted: background sync and the clock.

        Not in ``on_ready``: that is the first frame, the empty "loading…" list, and a sync
        thread started there (the demo connector builds its whole world in it) holds the
        GIL against the view worker, which at 1M messages delayed the rows by seconds.
        """
        if self._background_started:
            return
        self._background_started = True
        # Everything alive now (Textual, the stylesheet, the DOM, our modules) lives as long
        # as the app; moving it out of the collector's generations means a full collection
        # later only scans what the session allocated (each one was ~40–100 ms here).
        gc.freeze()
        if self._sync_enabled:
            self._sync_worker()
        self.set_interval(self._clock_interval, self._on_clock)

    async def action_quit(self) -> None:
        """Record focus time, stop sync, quit."""
        self._flush_focus()
        self._stop_sync()
        self.exit()

    def on_unmount(self) -> None:
        """Stop the sync thread, drain the db thread, close connections."""
        self._stop_sync()
        self.db.close()
        if self._ui_store is not None:
            self._ui_store.close()
            self._ui_store = None

    # -- small accessors ----------------------------------------------------------------------

    @property
    def inbox(self) -> MessageList:
        """The virtual list (on the inbox screen, whatever screen is on top)."""
        return self.get_screen_stack_bottom().query_one("#inbox", MessageList)

    def get_screen_stack_bottom(self) -> Screen[Any]:
        """The inbox screen (bottom of the stack)."""
        return self.screen_stack[0]

    def _q(self, selector: str) -> Any:
        return self.get_screen_stack_bottom().query_one(selector)

    def _fetch_rows(self, ids: Any) -> dict[int, ThreadRow]:
        # O(page): the visible window ± one page, by primary key.
        if self._ui_store is None:
            return {}
        return self._ui_store.threads_by_id(list(ids))

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
                and self._detail_timer is None)

    # -- the view index -------------------------------------------------------------------------

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
        self.inbox.invalidate(changed)
        self._view_gen += 1
        self.gate = self._gate_now()
        lst = self.inbox
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
            try:
                header = self.ws.header(store, now=self.clock())
            except Exception as e:  # the window line is informative; never fatal
                header = f"window: {e}"
        except Exception as e:
            self.post_message(ViewFailed(generation, f"{type(e).__name__}: {e}"))
            return
        finally:
            store.close()
        if not worker.is_cancelled:
            self.post_message(CountsBuilt(generation, counts, header, accounts, unknown))

    def on_view_built(self, msg: ViewBuilt) -> None:
        """Swap the new index in (the cursor stays on its thread); the first one starts sync."""
        if msg.generation != self._view_gen:
            return  # a newer build is on its way
        self._applied_gen = msg.generation
        self.projects = msg.projects
        self.view_error = ""
        with self.batch_update():
            lst = self.inbox
            lst.add_rows(msg.rows)
            lst.set_index(msg.index)
            self._render_title()
        # The selected thread may have changed under us (an action, a sync): reload it.
        self._schedule_detail(self.inbox.selected_id, 0.0)
        if not self._background_started:
            self.call_after_refresh(self._start_background)

    def on_counts_built(self, msg: CountsBuilt) -> None:
        """Sidebar, header and status for the build that is on screen."""
        if msg.generation != self._view_gen:
            return
        self._counts_gen = msg.generation
        self.counts = dict(msg.counts)
        self.accounts = msg.accounts
        self.header_text = msg.header
        self.unknown_outbox = msg.unknown_outbox
        with self.batch_update():
            current = (f"project:{self.query_state.project_id}" if self.query_state.project_id
                       else f"view:{self.query_state.view}")
            self._q("#sidebar").update_items(self.counts, self.projects, current)
            self._render_header()
            self._render_title()
            self._render_status()

    def on_view_failed(self, msg: ViewFailed) -> None:
        """Show a failed build in the status line and keep the old view."""
        if msg.generation != self._view_gen:
            return
        self._applied_gen = self._counts_gen = self._view_gen
        self.view_error = msg.error
        self._render_status()
        if not self._background_started:
            self.call_after_refresh(self._start_background)  # sync may be what fixes it

    # -- chrome --------------------------------------------------------------------------------

    def _render_header(self) -> None:
        t = Text()
        t.append(" inscope ", "bold reverse")
        if self.ws.demo:
            t.append(" demo ", "reverse")
        t.append(" ")
        t.append(one_line(self.header_text) or "…")
        if self.sources:
            t.append("  │ ", "dim")
            for s in self.sources:
                icon = SOURCE_ICONS.get(s.kind, "") or SOURCE_ICONS.get(_kind_source(s.kind), "◇")
                style = "" if s.state in ("ok", "idle", "syncing") else "bold red"
                t.append(f"{icon} {s.account} {s.state}  ", style)
        elif self.accounts:
            t.append("  │ ", "dim")
            for a in self.accounts:
                icon = SOURCE_ICONS.get(_kind_source(str(a["kind"])), "◇")
                style = "" if a["status"] == "ok" else "bold red"
                t.append(f"{icon} {a['name']} {a['status']}  ", style)
        if self.counts:
            t.append(" │ ", "dim")
            t.append(f"inbox {self.counts.get('inbox', 0)} · held {self.counts.get('held', 0)} · "
                     f"snoozed {self.counts.get('snoozed', 0)} · noise {self.counts.get('noise', 0)}")
            waiting = self.counts.get("held_until_window", 0)
            if waiting:
                t.append(f" · {waiting} held until {self._held_until_label()}", "bold")
        self._q("#header").update(t)

    def _held_until_label(self) -> str:
        """When the held threads come back: "17:00" today, "Mon 11:00" on a later day."""
        until = self.gate.held_until
        if until is None:
            return "the next window"
        at = datetime.fromtimestamp(until, self.tz)
        today = datetime.fromtimestamp(self.clock(), self.tz).date()
        return at.strftime("%H:%M") if at.date() == today else at.strftime("%a %H:%M")

    def _render_title(self) -> None:
        q = self.query_state
        n = self.inbox.index.thread_count
        if q.search:
            title = f" Search “{one_line(q.search, 60)}” · {n} threads — esc leaves search"
        else:
            title = f" {VIEW_TITLES.get(q.view, q.view)} · {n} threads"
            if q.project_id is not None:
                p = self.project_info(q.project_id)
                title = f" {p.name if p else q.project_id} ·" + title
            held = self.counts.get("held_until_window", 0)
            if q.view == "inbox" and held:
                until = self._held_until_label()
                title += (f" · peeking at {held} held until {until} — w hides them" if self.peek_held
                          else f" · {held} held until {until} — w to peek")
        marked = len(self.inbox.marked)
        if marked:
            title += f" · {marked} selected"
        self._q("#list-title").update(Text(title))

    def _render_status(self) -> None:
        t = Text()
        problems: list[str] = []
        if self.sources:
            for s in self.sources:
                if s.state in ("error", "backoff", "disabled") and s.message:
                    problems.append(f"{s.account}: {one_line(s.message, 160)}")
        else:
            for a in self.accounts:
                if a["status"] != "ok" and a["last_error"]:
                    problems.append(f"{a['name']}: {one_line(str(a['last_error']), 160)}")
        if self.sync_error:
            problems.append(f"sync stopped: {one_line(self.sync_error, 160)}")
        if self.view_error:
            problems.append(f"view: {one_line(self.view_error, 160)}")
        if problems:
            t.append(" ⚠ " + " · ".join(problems), "bold red")
        if self.unknown_outbox:
            t.append(f"  {self.unknown_outbox} repl{'y' if self.unknown_outbox == 1 else 'ies'} "
                     "with unknown delivery — ctrl+p → resend", "bold yellow")
        if not problems and not self.unknown_outbox:
            t.append(" ok", "dim")
            if self.sync_rounds:
                synced = datetime.fromtimestamp(self.clock(), self.tz).strftime("%H:%M:%S")
                t.append(f" · synced {synced}", "dim")
        self._q("#status").update(t)

    # -- detail -------------------------------------------------------------------------------

    def on_message_list_highlighted(self, msg: MessageList.Highlighted) -> None:
        """Selection moved: account focus time, debounce the detail load."""
        self._opened = None  # enter on the new thread opens it (not full screen)
        flushed = self.focus_tracker.select(msg.thread_id)
        if flushed is not None:
            self._log_event("focus", flushed[0], {"seconds": flushed[1]})
        self._schedule_detail(msg.thread_id, DETAIL_DEBOUNCE)

    def _schedule_detail(self, tid: int | None, delay: float) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        self._detail_want = tid
        if tid is None:
            self._detail_id = None
            self._q("#detail").show(Text("Nothing selected.", style="dim"))
            return
        if delay <= 0:
            self._load_detail(tid)  # (a 0 s Timer divides by zero in Textual's skip logic)
        else:
            self._detail_timer = self.set_timer(delay, partial(self._fire_detail, tid))

    def _fire_detail(self, tid: int) -> None:
        self._detail_timer = None
        self._load_detail(tid)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, tid: int) -> None:
        projects = self.projects  # replaced, never mutated: safe to read here
        store = self.ws.store()
        try:
            conv = self.ws.actions(store, now=self.clock).conversation(
                tid, limit=DETAIL_MESSAGES, projects=projects)
        except Exception as e:
            self.post_message(DetailLoaded(tid, None, f"{type(e).__name__}: {e}"))
            return
        finally:
            store.close()
        if get_current_worker().is_cancelled:
            return
        # Build and wrap here, off the UI thread, so the handler only swaps in a ready doc.
        doc = render_conversation(conv, self.tz, self.clock())
        doc.layout(self._q("#detail").content_width)
        if not get_current_worker().is_cancelled:
            self.post_message(DetailLoaded(tid, conv, doc=doc))

    def on_detail_loaded(self, msg: DetailLoaded) -> None:
        """Render the conversation if it is still the one wanted."""
        if msg.thread_id != self._detail_want:
            return
        self._detail_id = msg.thread_id
        pane: DetailPane = self._q("#detail")
        if msg.conversation is None:
            pane.show(Text(f"Could not load the thread: {msg.error}", style="red"))
        elif msg.doc is not None:
            pane.show(msg.doc)
        else:
            pane.show(render_conversation(msg.conversation, self.tz, self.clock()))

    # -- moving ---------------------------------------------------------------------------------

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
        pane: DetailPane = self._q("#detail")
        screen = self.get_screen_stack_bottom()
        if screen.maximized is pane:
            screen.minimize()
            self.inbox.focus()
            return
        if self._opened == tid or pane.has_focus:
            screen.maximize(pane)
            pane.focus()
            return
        self._opened = tid
        if self._detail_id != tid or self._detail_want != tid:
            self._schedule_detail(tid, 0.0)
        self._log_event("open", tid, {})

    def action_page_detail(self) -> None:
        """space: the next page of the conversation, without leaving the list."""
        pane: DetailPane = self._q("#detail")
        pane.scroll_page_down(animate=False)

    def action_leave(self) -> None:
        """esc: leave full screen, the search box, the detail pane, then the search results."""
        screen = self.get_screen_stack_bottom()
        box: Input = self._q("#search")
        if screen.maximized is not None:
            screen.minimize()
        elif box.display:
            box.display = False
            self.inbox.focus()
        elif self.focused is not self.inbox:
            self.inbox.focus()
        elif self.query_state.search:
            self.query_state = dataclasses.replace(self.query_state, search=None)
            self.request_rebuild()
        elif self.inbox.marked:
            self.inbox.clear_marks()
            self._render_title()

    def action_open_original(self) -> None:
        """o: the card / chat / mail in the browser."""
        row = self.inbox.selected_row
        if row is None:
            return
        if not row.url:
            self.notify("This thread has no link to the original.", severity="warning")
            return
        self.open_url(row.url)

    def action_select(self) -> None:
        """x: toggle the bulk mark and move on."""
        if self.inbox.selected_id is None:
            return
        self.inbox.toggle_mark()
        self.inbox.move(1)
        self._render_title()

    def _targets(self) -> list[int]:
        lst = self.inbox
        if lst.marked:
            pos = lst.index.pos
            return sorted(lst.marked, key=lambda t: pos.get(t, 0))
        return [] if lst.selected_id is None else [lst.selected_id]

    # -- actions ----------------------------------------------------------------------------------

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
            self._render_title()
            removed = True
        ws, clock = self.ws, self.clock
        try:
            outcome = await self.db.run(lambda s: fn(ws.actions(s, now=clock)))
        except Exception as e:  # a failed action is a message, never a traceback on screen
            known = isinstance(e, ActionError | StoreError)
            if not known:
                self.log.error("action failed", e)
            self.notify(str(e) if known else f"{type(e).__name__}: {e}", severity="error", markup=False)
            if removed:
                self.request_rebuild(ids)  # put back what the failed action took out
            return None
        self.inbox.clear_marks()
        self.notify(outcome.message, markup=False)
        self.request_rebuild(ids)
        return outcome

    def _leaves_view(self, new_state: str) -> bool:
        """Does a thread that becomes ``new_state`` drop out of the view on screen?"""
        q = self.query_state
        if q.search or q.view == "all":
            return False  # search results and "all" show every state
        return q.view not in _VIEWS_SHOWING.get(new_state, {q.view})

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
        self.push_screen(picker, partial(self._snoozed, ids))

    async def _snoozed(self, ids: list[int], choice: SnoozeChoice | str | None) -> None:
        from tui.screens.snooze import SnoozeChoice

        if not isinstance(choice, SnoozeChoice):
            return
        await self._act(lambda a: a.snooze(ids, choice.kind, until=choice.until), ids, "snoozed")

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

        self.push_screen(EscalateScreen(am=am, count=len(ids)), partial(self._escalated, ids))

    async def _escalated(self, ids: list[int], note: str | None) -> None:
        if not note:
            return
        if await self._act(lambda a: a.escalate(ids, note), ids, "escalated"):
            self.action_sync_now()

    def action_priority(self) -> None:
        """p: the priority picker."""
        ids = self._targets()
        if not ids:
            return
        from tui.screens.priority import PriorityPicker

        row = self.inbox.selected_row
        self.push_screen(PriorityPicker(row.priority if row else None, len(ids)),
                         partial(self._prioritized, ids))

    async def _prioritized(self, ids: list[int], priority: Priority | None) -> None:
        if priority is None:
            return
        await self._act(lambda a: a.priority(ids, priority), ids)

    def action_assign(self) -> None:
        """a: move the selected thread(s) to a project; the conversation stays there."""
        ids = self._targets()
        if not ids:
            return
        from tui.screens.picker import PickerScreen

        choices = [(p.name, p.name) for p in self.projects if p.name != "Unsorted"]
        self.push_screen(PickerScreen(f"Assign {len(ids)} thread(s) to project", choices),
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
            self.notify("A reply window is open: nothing is held.", markup=False)
            return
        self.peek_held = not self.peek_held
        if self.query_state.view != "inbox" or self.query_state.search:
            self.query_state = ViewQuery(view="inbox", project_id=self.query_state.project_id)
        self.request_rebuild()

    def action_report(self) -> None:
        """R: time per client (the same numbers as ``inscope report``)."""
        from tui.screens.report import ReportScreen

        self.push_screen(ReportScreen(self._load_report, tz=self.tz, now=self.clock))

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
        """r: the composer, prefilled with the saved draft."""
        row = self.inbox.selected_row
        if row is None:
            return
        tid = row.id
        ws, clock = self.ws, self.clock
        draft = await self.db.run(lambda s: ws.actions(s, now=clock).draft(tid))
        context = f"{one_line(row.last_author, 40)}: {one_line(row.last_text, 300)}"

        async def queue(text: str, confirmed: bool) -> Outcome:
            # The unpaid confirmation is the action layer's: it raises NeedsConfirmation.
            return await self.db.run(lambda s: ws.actions(s, now=clock).reply(tid, text, confirmed=confirmed))

        async def save(text: str) -> None:
            await self.db.run(lambda s: ws.actions(s, now=clock).save_draft(tid, text))

        from tui.screens.composer import ComposerScreen

        screen = ComposerScreen(title=one_line(row.title, 80), context=context, draft=draft,
                                queue=queue, save_draft=save)
        self.push_screen(screen, partial(self._after_composer, tid))

    def _after_composer(self, tid: int, result: ComposerResult | None) -> None:
        if result is None:
            return
        if result.compose_seconds >= 1:
            self._log_event("compose", tid, {"seconds": round(result.compose_seconds, 1)})
        if result.sent:
            self.notify("Reply queued; it goes out with the next sync.")
            self.action_sync_now()
            self.request_rebuild([tid])
        else:
            self.notify("Draft kept.")

    def action_search(self) -> None:
        """/: the search box."""
        box: Input = self._q("#search")
        box.display = True
        box.value = self.query_state.search or ""
        box.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        box: Input = self._q("#search")
        box.display = False
        self.query_state = dataclasses.replace(self.query_state, search=text or None)
        self.inbox.focus()
        self.request_rebuild()

    def action_help(self) -> None:
        """?: every key of the key table, with the user's keymap."""
        from tui.screens.help import HelpScreen, help_rows

        self.push_screen(HelpScreen(help_rows(self)))

    # -- sidebar and palette targets ------------------------------------------------------------

    @on(OptionList.OptionSelected, "#sidebar")
    def _sidebar_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        oid = event.option.id or ""
        kind, _, value = oid.partition(":")
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

    async def set_project_status(self, name: str, status: str) -> None:
        """Palette: project status (undo with z)."""
        await self._act(lambda a: a.project_status(name, status))

    def resend_unknown(self, oid: int) -> None:
        """Palette: ask, then put an unknown-delivery reply back in the queue."""

        async def answer(yes: bool | None) -> None:
            if yes and await self._act(lambda a: a.resend(oid, confirmed=True)):
                self.action_sync_now()

        from tui.screens.confirm import ConfirmScreen

        self.push_screen(ConfirmScreen(
            f"Resend reply #{oid}?",
            "Its delivery could not be verified; if it did arrive, the client gets it twice.",
        ), answer)

    async def cancel_unknown(self, oid: int) -> None:
        """Palette: treat an unknown-delivery reply as delivered (never resend)."""
        await self._act(lambda a: a.cancel(oid))

    # -- background sync and the clock -----------------------------------------------------------

    @work(thread=True, group="sync", exit_on_error=False, name="sync")
    def _sync_worker(self) -> None:
        store = self.ws.store()
        try:
            engine = self.ws.engine(store)
            asyncio.run(self._sync_main(engine))
        finally:
            store.close()

    async def _sync_main(self, engine: Any) -> None:
        loop = asyncio.get_running_loop()
        stop, wake = asyncio.Event(), asyncio.Event()

        def on_round(report: Any) -> None:
            sources = [SourceState(str(st.account), str(st.kind), str(st.state), str(st.message))
                       for st in engine.status.values()]
            # post_message is thread-safe; the handler runs on the UI thread.
            self.post_message(SyncRound(bool(report.changed), set(report.threads), report.errors,
                                        sources, int(report.unknown), list(report.notes)))

        task = asyncio.ensure_future(engine.run_forever(on_round, interval=self._sync_interval,
                                                        stop=stop, wake=wake))
        with self._sync_lock:
            self._sync_loop, self._sync_stop, self._sync_wake, self._sync_task = loop, stop, wake, task
            if self._stopping:
                stop.set()
                task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass  # quitting: a send cut short stays `sending` and is reconciled next start
        finally:
            with self._sync_lock:
                self._sync_loop = self._sync_stop = self._sync_wake = self._sync_task = None
            await engine.aclose()

    def _stop_sync(self) -> None:
        with self._sync_lock:
            self._stopping = True
            loop, stop, task = self._sync_loop, self._sync_stop, self._sync_task
        if loop is None or stop is None:
            return
        try:
            loop.call_soon_threadsafe(stop.set)
            if task is not None:
                # A long poll would otherwise hold the quit up for its whole timeout.
                loop.call_soon_threadsafe(task.cancel)
        except RuntimeError:
            pass  # the loop already closed

    def action_sync_now(self) -> None:
        """Wake the sync loop now (palette "sync now", after queueing a reply)."""
        with self._sync_lock:
            loop, wake = self._sync_loop, self._sync_wake
        if loop is None or wake is None:
            if self._sync_enabled:
                self.notify("Sync is not running.", severity="warning")
            return
        with contextlib.suppress(RuntimeError):  # the loop closed under us: nothing to wake
            loop.call_soon_threadsafe(wake.set)

    def on_sync_round(self, msg: SyncRound) -> None:
        """A sync round finished: status, and a rebuild when something changed."""
        self.sync_rounds += 1
        self.sources = msg.sources
        self.sync_error = ""
        if msg.unknown:
            self.notify(f"{msg.unknown} repl{'y' if msg.unknown == 1 else 'ies'}: delivery unknown — "
                        "ctrl+p → resend?", severity="warning", markup=False)
        for note in msg.notes:
            self.notify(note, markup=False)
        if msg.changed:
            self.request_rebuild(msg.threads or None)  # no ids reported: any row may have changed
        self._render_header()
        self._render_status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker died: show it as a status, never as a traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = f"{type(error).__name__}: {error}" if error else "unknown error"
        if event.worker.group == "sync":
            self.sync_error = text
            self._render_status()
        else:
            self.notify(text, severity="error", markup=False)

    def _on_clock(self) -> None:
        """The 30 s tick: snoozes that are due wake; a window boundary re-triages and regates."""
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
            self.notify(f"re-triage failed: {msg.error}", severity="error", markup=False)
        self.request_rebuild()

    @work(thread=True, exclusive=True, group="clock", exit_on_error=False)
    def _clock_worker(self) -> None:
        store = self.ws.store()
        try:
            woken = store.wake_due(self.clock())
            try:
                header = self.ws.header(store, now=self.clock())
            except Exception as e:
                header = f"window: {e}"
        finally:
            store.close()
        self.post_message(ClockTicked(header, woken))

    def on_clock_ticked(self, msg: ClockTicked) -> None:
        """Fresh header and relative times; woken snoozes come back."""
        self.header_text = msg.header
        self._render_header()
        self.inbox.invalidate([])
        if msg.woken:
            self.notify(f"{len(msg.woken)} snoozed thread(s) are back.")
            self.request_rebuild(msg.woken)

    # -- time per client ----------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Every key is activity: on the composer it is compose time, else focus time."""
        if isinstance(event, events.Key):
            screen = self.screen
            # The composer module is loaded only once a composer was opened; until then no
            # screen can be one (and this runs for every key, so no import here).
            composer = sys.modules.get("tui.screens.composer")
            if composer is not None and isinstance(screen, composer.ComposerScreen):
                screen.clock.touch()
            else:
                self.focus_tracker.touch()
        await super().on_event(event)

    def _flush_focus(self) -> None:
        flushed = self.focus_tracker.flush()
        if flushed is not None:
            self._log_event("focus", flushed[0], {"seconds": flushed[1]})

    def _log_event(self, kind: str, tid: int, data: dict[str, Any]) -> None:
        # Fire and forget on the db thread: in order with the actions, never blocking a key.
        self.db.submit(lambda s: s.log_event(kind, tid, data))


# Views (besides "all" and search results) that still show a thread after it becomes a state.
_VIEWS_SHOWING: dict[str, set[str]] = {
    "done": {"done"},
    "snoozed": {"snoozed", "held"},
    "escalated": {"escalated"},
}


def _kind_source(kind: str) -> str:
    """Account kind → source icon key (imap/maildir/smtp are email)."""
    return "email" if kind in ("imap", "maildir", "smtp", "email") else kind


def run(ws: WorkspaceLike) -> None:
    """Run the TUI on ``ws`` (what ``inscope`` with no command calls)."""
    InscopeApp(ws).run()

