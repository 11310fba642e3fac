"""The inbox's detail pane: the selected conversation, loaded and laid out off the UI thread.

``InboxScreen`` (``tui.screens.inbox``) inherits this.  The cursor resting on a thread
(after ``DETAIL_DEBOUNCE``; at once for ``enter``) asks for its conversation: from the cache
of laid-out documents (``tui.doccache``) when it is there, else from the detail worker,
which reads it on its own store connection, renders and wraps it at the pane's width and
posts it back (``DetailLoaded``).  Either way the worker then lays out the neighbours the
next ``j`` / ``k`` land on, so ``enter`` there only swaps a ready document in.
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
from tui.widgets.detail import DetailPane

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
        if wanted:
            self._prefetching = True
            self._load_detail(wanted, self._docs.epoch, self._detail.content_width)
        else:
            self._prefetching = False

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, tids: list[int], epoch: int, width: int) -> None:
        """Load and lay out each thread in turn (the wanted one first), posting each one."""
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
                doc.layout(width)
                if worker.is_cancelled:
                    return
                self.post_message(DetailLoaded(tid, conv, doc=doc, epoch=epoch, last=tid == tids[-1]))
        finally:
            store.close()

    def on_detail_loaded(self, msg: DetailLoaded) -> None:
        """Keep the laid-out doc; show it if it is the one wanted (and not debounced)."""
        if msg.last:
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
