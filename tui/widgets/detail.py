"""The detail pane: the whole conversation of the selected thread, on the Line API.

A Telegram group can be one thread of thousands of messages and an e-mail can be a megabyte,
so the pane never hands the whole conversation to Textual's layout.  It shows a
``ConversationDoc`` (``tui.render.conversation``: paragraphs, laid out per width, usually
already in the worker that loaded the thread): ``virtual_size`` is the row count and
``render_line`` turns only the visible rows into ``Strip``s (LRU-cached).  A doc too big to
lay out on the UI thread is laid out in a thread worker; the previous content stays until it
is ready.

Rows are drawn as plain ``Segment``s, never parsed as markup (invariant 6,
docs/architecture.md, Invariants).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.text import Text
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from inscope.i18n import _
from tui.bindings import bindings_for
from tui.lru import LRU

if TYPE_CHECKING:
    # The document and its layout are imported with the first conversation (in the worker
    # that loads it), not before the first frame: the pane starts empty.
    from tui.render.conversation import ConversationDoc
    from tui.render.wrap import Layout

# Above this many characters (or messages) a doc is laid out in a worker, not on the UI thread.
# (~100 messages, a few ms); the old content stays on screen for the worker's few tens of ms.
SYNC_LAYOUT_CHARS = 50_000
SYNC_LAYOUT_PARAS = 400
STRIP_CACHE_SIZE = 512

class DetailPane(ScrollView, can_focus=True):
    """Scrollable conversation view (Line API); ``enter`` again maximizes it.

    | Key | Action |
    | :- | :- |
    | ↓ / ↑ | scroll one line |
    | space / pgdn, pgup | scroll one page |
    | home / end | first / newest message |

    ``j`` / ``k`` keep their meaning everywhere (next / previous thread, as in a mail pager):
    so the footer is the same whether the list or the conversation has focus, and moving
    focus costs no footer rebuild (a whole-screen relayout).
    """

    ALLOW_MAXIMIZE = True
    BINDINGS: ClassVar[list[BindingType]] = bindings_for("detail")

    def __init__(self, *, name: str | None = None, id: str | None = None,  # noqa: A002 - Textual's name
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.doc: ConversationDoc | None = None  # nothing shown yet
        self._layout: Layout | None = None
        self._strips: LRU[tuple[int, int, int], Strip] = LRU(STRIP_CACHE_SIZE)
        self._generation = 0
        self._pending: ConversationDoc | None = None
        self._pending_worker: Worker[Layout] | None = None
        self.shown_thread: int | None = None  # the thread whose doc is on screen (tests, probes)
        self._frame: tuple[int, int] | None = None  # (width, top row) while a frame renders

    # -- content -------------------------------------------------------------------------

    @property
    def layout_pending(self) -> bool:
        """A doc is being laid out in a worker (the old content is still shown)."""
        return self._pending is not None

    @property
    def text(self) -> str:
        """The plain text of what is (or is about to be) shown."""
        doc = self._pending or self.doc
        return doc.plain if doc is not None else ""

    @property
    def content_width(self) -> int:
        """Cells available to text (the scrollbar gutter is stable, so this does not jump)."""
        return max(1, self.scrollable_content_region.width)

    def show(self, content: ConversationDoc | Text | str) -> None:
        """Show a conversation (or a one-line notice) and scroll to the newest message.

        Cheap when the doc was already laid out for this width (the loader's worker can do
        that); small docs are laid out here; big ones in a thread worker.
        """
        from tui.render.conversation import ConversationDoc

        doc = content if isinstance(content, ConversationDoc) else ConversationDoc.from_text(content)
        width = self.content_width
        chars, paras = doc.size_hint
        if (doc.cached_layout(width) is not None or not self.is_mounted
                or (chars <= SYNC_LAYOUT_CHARS and paras <= SYNC_LAYOUT_PARAS)):
            self._pending = self._pending_worker = None
            self._apply(doc, doc.layout(width), at_end=True)
            return
        # Big: paint the newest messages now (O(screen)), wrap the rest in a worker.
        self._apply(doc, doc.tail_layout(width, 3 * max(1, self.size.height)), at_end=True)
        self._pending = doc
        self._pending_worker = None
        # Start the worker after that paint: a thread holding the GIL would delay it.
        self.call_after_refresh(self._start_layout, doc, width)

    def _start_layout(self, doc: ConversationDoc, width: int) -> None:
        if self._pending is doc and self._pending_worker is None:
            self._pending_worker = self.run_worker(partial(doc.layout, width), thread=True,
                                                   exclusive=True, group="detail-layout",
                                                   exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A background layout finished: swap it in if it is still the wanted doc."""
        if event.worker.group != "detail-layout":
            return
        event.stop()
        from tui.render.conversation import ConversationDoc
        from tui.render.wrap import Layout

        doc = self._pending
        if doc is None or event.worker is not self._pending_worker:
            return  # a newer doc (or a synchronous show) replaced this one
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, Layout):
            self._pending = self._pending_worker = None
            full, shown = event.worker.result, self._layout
            # The tail rows are the last rows of the full layout: keep the same distance from
            # the end so what the user is reading does not move.
            from_end = (len(shown.rows) - int(self.scroll_y)) if shown is not None else 0
            self._apply(doc, full, at_end=False, anchor=max(0, len(full.rows) - from_end))
        elif event.state == WorkerState.ERROR:
            # Never leave the pane stuck on the old thread: say so instead.
            self._pending = self._pending_worker = None
            notice = ConversationDoc.from_text(
                Text(_("Could not lay out the thread: {error}").format(error=event.worker.error),
                     style="red"))
            self._apply(notice, notice.layout(self.content_width), at_end=True)

    def _apply(self, doc: ConversationDoc, layout: Layout, *, at_end: bool, anchor: int | None = None) -> None:
        self.doc = doc
        self.shown_thread = doc.thread_id
        self._layout = layout
        self._strips.clear()
        self._generation += 1
        self.virtual_size = Size(layout.width, len(layout.rows))
        if at_end:
            self.scroll_to(y=max(0, len(layout.rows) - self.scrollable_content_region.height),
                           animate=False, immediate=True)
        elif anchor is not None:
            self.scroll_to(y=anchor, animate=False, immediate=True)
        self.refresh()

    def on_resize(self) -> None:
        """Re-wrap for the new width, keeping the paragraph at the top (or the end) in view."""
        layout = self._layout
        width = self.content_width
        if layout is None or self.doc is None or layout.width == width:
            return
        if self._pending is not None:
            self.show(self._pending)  # restart the background layout at the new width
            return
        at_end = self.scroll_y >= self.max_scroll_y
        top = int(self.scroll_y)
        para = layout.para_of_row[top] if 0 <= top < len(layout.para_of_row) else 0
        chars, paras = self.doc.size_hint
        if chars > SYNC_LAYOUT_CHARS or paras > SYNC_LAYOUT_PARAS:
            self.show(self.doc)  # big: lay out in the background, land at the end
            return
        from tui.render.wrap import first_row_of

        new = self.doc.layout(width)
        self._apply(self.doc, new, at_end=at_end, anchor=first_row_of(new, para))

    # -- rendering -------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """A theme or CSS change: cached strips hold old colours."""
        super().notify_style_update()
        self._strips.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Lines through Textual's styles cache (the border and padding are CSS), with the
        width and scroll position read once per frame rather than once per line."""
        self._frame = (self.content_width, int(self.scroll_y))
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        """One visible row, built from the layout on demand and cached."""
        width, top = self._frame or (self.content_width, int(self.scroll_y))
        layout = self._layout
        index = top + y
        if layout is None or index >= len(layout.rows):
            key: tuple[int, int, int] = (-1, self._generation, width)
            strip = self._strips.get(key)
            if strip is None:
                strip = Strip.blank(width, self.rich_style)
                self._strips.set(key, strip)
            return strip
        key = (index, self._generation, width)
        strip = self._strips.get(key)
        if strip is None:
            base = self.rich_style  # an ancestor walk: only for a row not drawn yet
            indent, runs = layout.rows[index]
            segments = [Segment(" " * indent, base)] if indent else []
            segments += [Segment(text, base + style) for text, style in runs if text]
            strip = Strip(segments).adjust_cell_length(width, base)
            self._strips.set(key, strip)
        return strip
