"""The inbox's detail pane: the selected conversation, loaded and laid out off the UI thread.

``InboxScreen`` (``tui.screens.inbox``) inherits this.  The cursor resting on a thread
(after ``DETAIL_DEBOUNCE``; at once for ``enter``) asks for its conversation: from the cache
of laid-out documents (``tui.doccache``) when it is there, else from the detail worker,
which reads it on its own store connection, renders and wraps it at the pane's width and
posts it back (``DetailLoaded``).  Either way the worker then lays out the neighbours the
next ``j`` / ``k`` land on, so ``enter`` there only swaps a ready document in.

Two things keep the wait short when the document is not ready yet or is being shown:

* a long conversation is posted as soon as the rows of its first screen (its newest
  messages) are wrapped; the pane wraps the rest in its own worker after that frame;
* when the document came from the cache, the neighbours' worker starts after the frame
  that shows it: a worker wrapping text holds the GIL the frame needs.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.timer import Timer
from textual.worker import get_current_worker

from inscope.i18n import _
from tui.doccache import DocCache
from tui.messages import DetailLoaded
from tui.screens.inbox_actions import InboxActions
from tui.widgets.detail import DetailPane, lays_out_in_background

if TYPE_CHECKING:
    from tui.render.conversation import ConversationDoc

DETAIL_DEBOUNCE = 0.05  # holding j: only the thread the cursor rests on is loaded
DETAIL_MESSAGES = 200  # newest messages shown; older ones are counted ("o" opens the original)
# Where the next j / k land (next and previous thread): laid out while the cursor rests.
PREFETCH_NEIGHBOURS = (1, -1)


class InboxDetail(InboxActions):
    """The detail pane's loading and prefetch; ``InboxScreen`` provides the rest of the state."""

    def __init__(self) -> None:
        super().__init__()
        self._detail = DetailPane(id="detail")
        self._detail_timer: Timer | None = None
        self._detail_id: int | None = None  # the thread the pane shows
        self._detail_want: int | None = None  # the thread it should show
        self._docs = DocCache()  # laid-out conversations: the cursor's and its neighbours'
        self._prefetching = False
        # (threads, epoch, width, first screen) of a neighbours' load that waits for a frame.
        self._deferred: tuple[list[int], int, int, int] | None = None
        self.show_quoted = False  # T: e-mails' quoted history under each message

    def action_toggle_quoted(self) -> None:
        """T: show / hide the quoted history of e-mails (it sticks while moving on)."""
        self.show_quoted = not self.show_quoted
        self._docs.forget()  # every laid-out doc was built the other way
        self.show_thread(self._detail_want)
        self.notify(_("Quoted history shown.") if self.show_quoted else _("Quoted history hidden."))

    def show_thread(self, tid: int | None) -> None:
        """Show ``tid`` in the detail pane now (no debounce), repainted even if it is on screen."""
        if tid is not None and self._detail_want == tid:
            self._detail.doc = None  # shown again, from the start
        self._schedule_detail(tid, 0.0)

    def _schedule_detail(self, tid: int | None, delay: float) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        self._detail_want = tid
        if tid is None:
            if self._deferred is not None:  # nothing to prefetch around any more
                self._deferred = None
                self._prefetching = False
            self._detail_id = None
            self._detail.show(Text(_("Nothing selected."), style="dim"))
            return
        if delay <= 0:
            self._want_detail(tid)  # (a 0 s Timer divides by zero in Textual's skip logic)
        else:
            self._detail_timer = self.set_timer(delay, partial(self._fire_detail, tid))

    def _fire_detail(self, tid: int) -> None:
        self._detail_timer = None
        self._want_detail(tid)

    def _want_detail(self, tid: int) -> None:
        """Show ``tid``'s conversation: from the cache at once, else from the worker.

        Either way the worker then lays out the neighbours the next ``j`` / ``k`` land on,
        so ``enter`` there only swaps a ready document in.
        """
        self._deferred = None
        doc = self._docs.get(tid)
        if doc is not None:
            self._show_doc(tid, doc)
        wanted = [] if doc is not None else [tid]
        row = self.inbox.index.pos.get(tid)
        if row is not None:
            for delta in PREFETCH_NEIGHBOURS:
                near = self.inbox.index.step(row, delta)
                if near is not None:
                    ntid = self.inbox.index.rows[near]
                    if ntid not in self._docs and ntid not in wanted:
                        wanted.append(ntid)
        if not wanted:
            self._prefetching = False
            return
        self._prefetching = True
        pane = self._detail
        if doc is not None:
            # The pane shows ``doc`` in the coming frame: start the neighbours after it.
            self._deferred = (wanted, self._docs.epoch, pane.content_width, 0)
            self.call_after_refresh(self._start_deferred)
        else:
            self._load_detail(wanted, self._docs.epoch, pane.content_width, pane.first_screen_rows)

    def _start_deferred(self) -> None:
        """The frame showing the cached doc is out: lay out its neighbours now (if still wanted)."""
        args, self._deferred = self._deferred, None
        if args is not None:
            self._load_detail(*args)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, tids: list[int], epoch: int, width: int, first_screen: int) -> None:
        """Load and lay out each thread in turn (the wanted one first), posting each one.

        ``first_screen``: rows of the pane's first screen of the wanted thread (``tids[0]``),
        0 when every thread is a prefetch.  A wanted thread too long to lay out on the UI
        thread is posted once those rows are wrapped; the pane wraps the rest itself.
        """
        from tui.render.conversation import render_conversation

        worker = get_current_worker()
        quoted = self.show_quoted
        projects = self.projects  # replaced, never mutated: safe to read here
        store = self.ws.store()
        try:
            actions = self.ws.actions(store, now=self.clock)
            for tid in tids:
                if worker.is_cancelled:
                    return
                try:
                    conv = actions.conversation(tid, limit=DETAIL_MESSAGES, projects=projects)
                except Exception as e:
                    self.post_message(DetailLoaded(tid, None, f"{type(e).__name__}: {e}", epoch=epoch,
                                                   last=tid == tids[-1]))
                    continue
                # Build and wrap here, off the UI thread, so the handler only swaps in a ready doc.
                doc = render_conversation(conv, self.tz, self.clock(), quoted=quoted)
                if first_screen and tid == tids[0] and lays_out_in_background(doc):
                    doc.tail_layout(width, first_screen)  # kept by the doc: the pane paints it
                else:
                    doc.layout(width)
                if worker.is_cancelled:
                    return
                self.post_message(DetailLoaded(tid, conv, doc=doc, epoch=epoch, last=tid == tids[-1]))
        finally:
            store.close()

    def on_detail_loaded(self, msg: DetailLoaded) -> None:
        """Keep the laid-out doc; show it if it is the one wanted (and not debounced)."""
        if msg.last and self._deferred is None:  # (a deferred load is still owed)
            self._prefetching = False
        if msg.doc is not None:
            self._docs.put(msg.thread_id, msg.doc, msg.epoch)
        if msg.thread_id != self._detail_want or self._detail_timer is not None:
            return  # a neighbour, or the cursor moved on: the cache has it for later
        if msg.conversation is None:
            self._detail_id = msg.thread_id
            self._detail.show(Text(_("Could not load the thread: {error}").format(error=msg.error),
                                   style="red"))
        elif msg.doc is not None:
            self._show_doc(msg.thread_id, msg.doc)

    def _show_doc(self, tid: int, doc: ConversationDoc) -> None:
        """Swap a laid-out conversation into the pane (nothing to do if it is on screen)."""
        self._detail_id = tid
        if self._detail.doc is not doc:
            self._detail.show(doc)
