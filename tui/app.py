"""The inscope Textual app: lifecycle, the keymap, the palette, the sync thread, quitting.

The app is thin on purpose: the inbox's behaviour (views, the detail pane, moving, the
user's actions, the clock, focus time) belongs to its screen, ``tui.screens.inbox``.  The
app owns what outlives a screen: the db thread for actions (``DbExecutor``), the user's
keymap, the command palette's provider, the sync engine in a thread worker (its own event
loop, rounds reported as ``SyncRound``), notifications (``tui.notify``, made when the first
alert arrives) and quitting.

Threading (invariant 7, docs/architecture.md, Invariants): the sync thread writes with its
own store connection and only posts messages; the UI thread never waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import BindingType
from textual.worker import Worker, WorkerState

from tui.bindings import bindings_for
from tui.dbexec import DbExecutor
from tui.messages import ClockTicked, SourceState, SyncRound
from tui.ports import WorkspaceLike
from tui.screens.inbox import InboxScreen
from tui.widgets.message_list import MessageList

if TYPE_CHECKING:
    # The palette provider is imported when the palette first opens (see _commands_provider).
    from textual.command import Provider

    from inscope.alerts import Alert
    from tui.notify import TuiNotifier


WOKEN = "{n} snoozed thread(s) are back."


def _commands_provider() -> type[Provider]:
    """The palette provider, imported when the palette first opens (Textual calls this lazily)."""
    from tui.commands import InscopeCommands

    return InscopeCommands


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
        self.sync_rounds = 0
        self._clock_interval = clock_interval
        self._sync_enabled = sync
        self._sync_interval = sync_interval
        self._sync_lock = threading.Lock()
        self._sync_loop: asyncio.AbstractEventLoop | None = None
        self._sync_stop: asyncio.Event | None = None
        self._sync_wake: asyncio.Event | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._background_started = False
        self._notifier: TuiNotifier | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def get_default_screen(self) -> InboxScreen:
        """The inbox is the app's only full screen."""
        return InboxScreen(self.ws, db=self.db, clock=self.clock,
                           clock_interval=self._clock_interval)

    def on_mount(self) -> None:
        """The user's keymap (binding id → keys; checked when the config was loaded)."""
        self.set_keymap(dict(self.ws.config.keymap))

    def start_background(self) -> None:
        """After the first view is painted (the inbox screen calls this): freeze, then sync.

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

    async def action_quit(self) -> None:
        """Stop sync, quit (the inbox screen records the focus time as it unmounts)."""
        self._stop_sync()
        self.exit()

    def on_unmount(self) -> None:
        """Stop the sync thread, drain the db thread (after the screens unmounted)."""
        self._stop_sync()
        self.db.close()

    # -- the inbox, for the palette, the tests and the benchmark ------------------------------

    @property
    def inbox_screen(self) -> InboxScreen:
        """The inbox screen (the bottom of the stack, whatever is on top of it)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, InboxScreen)
        return screen

    def _inbox_if_mounted(self) -> InboxScreen | None:
        """The inbox screen, or None while quitting (a sync round can arrive after it left)."""
        screen = self.screen_stack[0] if self.screen_stack else None
        return screen if isinstance(screen, InboxScreen) and screen.is_mounted else None

    @property
    def inbox(self) -> MessageList:
        """The virtual list of the inbox screen."""
        return self.inbox_screen.inbox

    @property
    def settled(self) -> bool:
        """No view build pending and the detail shows the selected thread (tests wait on this)."""
        return self.inbox_screen.settled

    # -- notifications -------------------------------------------------------------------------

    @property
    def notifier(self) -> TuiNotifier:
        """Toasts and desktop notifications (``tui.notify``), made on first use."""
        if self._notifier is None:
            from tui.notify import TuiNotifier

            self._notifier = TuiNotifier(self, clock=self.clock)
        return self._notifier

    def alert(self, alerts: list[Alert]) -> None:
        """Urgent arrivals and follow-ups back: to the notifier (``[notify] enabled`` aside)."""
        if alerts and self.ws.config.notify.enabled:
            self.notifier.alerts(alerts)

    async def on_clock_ticked(self, msg: ClockTicked) -> None:
        """The inbox's clock woke threads (the message bubbles up from the screen): the
        follow-ups among them that came back unanswered are alerts."""
        woken = list(msg.woken)
        if not woken or not self.ws.config.notify.enabled:
            return
        from inscope.alerts import followup_alert
        from inscope.store.states import followup_returned

        now = self.clock()
        rows = await self.db.run(lambda s: s.threads_by_id(woken))
        self.alert([followup_alert(r, now) for r in rows.values()
                    if followup_returned(r.state, r.followup_since, r.last_client_at)])

    # -- every key ---------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Every key is activity: on the composer it is compose time, else the inbox's focus time.

        Here because only the app sees every key, whichever screen is on top.
        """
        if isinstance(event, events.Key):
            screen = self.screen
            # The composer module is loaded only once a composer was opened; until then no
            # screen can be one (and this runs for every key, so no import here).
            composer = sys.modules.get("tui.screens.composer")
            if composer is not None and isinstance(screen, composer.ComposerScreen):
                screen.clock.touch()
            elif (inbox := self._inbox_if_mounted()) is not None:
                inbox.note_key()
        await super().on_event(event)

    # -- the sync runner --------------------------------------------------------------------

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
                                        sources, int(report.unknown), list(report.notes),
                                        list(getattr(report, "alerts", ())),
                                        list(getattr(report, "woken", ()))))

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
        """A sync round finished: notes and unknown deliveries here, the rest on the inbox."""
        self.sync_rounds += 1
        if msg.unknown:
            self.notify(f"{msg.unknown} repl{'y' if msg.unknown == 1 else 'ies'}: delivery unknown — "
                        "ctrl+p → resend?", severity="warning", markup=False)
        for note in msg.notes:
            self.notify(note, markup=False)
        if msg.woken:
            # The engine's clock woke them (the inbox's own clock says the same for its wakes).
            self.notify(WOKEN.format(n=len(msg.woken)), markup=False)
        self.alert(msg.alerts)
        if (inbox := self._inbox_if_mounted()) is not None:
            inbox.apply_sync_round(msg)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of the app died: the sync thread's error goes to the status line."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = f"{type(error).__name__}: {error}" if error else "unknown error"
        if event.worker.group == "sync":
            if (inbox := self._inbox_if_mounted()) is not None:
                inbox.sync_stopped(text)
        else:
            self.notify(text, severity="error", markup=False)


def run(ws: WorkspaceLike) -> None:
    """Run the TUI on ``ws`` (what ``inscope`` with no command calls)."""
    InscopeApp(ws).run()
