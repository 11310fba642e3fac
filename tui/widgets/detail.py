"""The detail pane: the whole conversation of the selected thread, on the Line API.

A Telegram group can be one thread of thousands of messages and an e-mail can be a megabyte,
so the pane never hands the whole conversation to Textual's layout.  It shows a
``ConversationDoc`` (``tui.render.conversation``: paragraphs, laid out per width, usually
already in the worker that loaded the thread): ``virtual_size`` is the row count and
``render_line`` turns only the visible rows into ``Strip``s (LRU-cached).  A doc too big to
lay out on the UI thread is laid out in a thread worker; the previous content stays until it
is ready.

Swapping a document in is the cost of ``enter``, so it is kept to the rows on screen:

* the new scroll range is given to the scrollbars without a layout of the whole screen
  (``virtual_size`` is a layout reactive in Textual; only a scrollbar that appears or goes
  away needs one);
* whole lines — the border and padding around the text included — are built here and kept,
  instead of going through Textual's styles cache, which rebuilds every line of a repainted
  widget (``_direct_lines``; ``tests/tui`` checks both draw the same).

Rows are drawn as plain ``Segment``s, never parsed as markup (invariant 6,
docs/architecture.md, Invariants).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.filter import LineFilter
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from inscope.i18n import _
from tui.bindings import bindings_for
from tui.lru import LRU
from tui.widgets.scrollbar import vertical_line_scrollbar

if TYPE_CHECKING:
    # The document and its layout are imported with the first conversation (in the worker
    # that loads it), not before the first frame: the pane starts empty.
    from tui.render.conversation import ConversationDoc
    from tui.render.wrap import Layout, Row

# Above this many characters (or messages) a doc is laid out in a worker, not on the UI thread.
# (~100 messages, a few ms); the old content stays on screen for the worker's few tens of ms.
SYNC_LAYOUT_CHARS = 50_000
SYNC_LAYOUT_PARAS = 400
STRIP_CACHE_SIZE = 512


def lays_out_in_background(doc: ConversationDoc) -> bool:
    """Too big to wrap on the UI thread: the pane paints its newest rows, a worker the rest."""
    chars, paras = doc.size_hint
    return chars > SYNC_LAYOUT_CHARS or paras > SYNC_LAYOUT_PARAS


class _Chrome:
    """What Textual draws around every text row of the pane: border and padding, as segments.

    Taken from one row the styles cache drew with empty text, so the pane's own lines are
    the styles cache's lines without asking it for every row.
    """

    __slots__ = ("inner", "left", "right", "size", "text_width")

    def __init__(self, size: Size, left: list[Segment], text_width: int, inner: Style,
                 right: list[Segment]) -> None:
        self.size = size
        self.left = left
        self.text_width = text_width  # cells between the left and right parts
        self.inner = inner  # the padding's style (the pane's background)
        self.right = right

    def line(self, segments: list[Segment], width: int, base: Style) -> Strip:
        """A text row (the segments ``render_line`` would make a strip of, ``width`` cells
        at most) as the whole line of the pane: one ``Strip``, no intermediate ones."""
        cells = sum(segment.cell_length for segment in segments)
        if cells > width or width > self.text_width:
            # Wider than its row (not made by the wrapper): the styles cache's own steps.
            text = Strip(segments).adjust_cell_length(width, base).adjust_cell_length(self.text_width, self.inner)
            return Strip.join([Strip(self.left), text, Strip(self.right)])
        out = [*self.left, *segments]
        if cells < width:
            out.append(Segment(" " * (width - cells), base))
        if width < self.text_width:
            out.append(Segment(" " * (self.text_width - width), self.inner))
        out += self.right
        return Strip(out, self.size.width)


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
        self._lines: LRU[tuple[int, int, int], Strip] = LRU(STRIP_CACHE_SIZE)  # whole lines
        self._generation = 0
        self._pending: ConversationDoc | None = None
        self._pending_worker: Worker[Layout] | None = None
        self.shown_thread: int | None = None  # the thread whose doc is on screen (tests, probes)
        # (width, top row, base style) while a frame renders: read once, not once per line.
        self._frame: tuple[int, int, Style] | None = None
        self._chrome: _Chrome | None = None
        self._probing = False  # drawing the empty row the chrome is taken from

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The scrollbar, drawn row by row (``tui.widgets.scrollbar``): it moves with every
        new conversation or page, and Textual's own one costs ~3 ms a move."""
        return vertical_line_scrollbar(self)

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
    def first_screen_rows(self) -> int:
        """Rows a big doc's first paint wraps (three screens: room to scroll back a little)."""
        return 3 * max(1, self.size.height)

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
        if doc.cached_layout(width) is not None or not self.is_mounted or not lays_out_in_background(doc):
            self._pending = self._pending_worker = None
            self._apply(doc, doc.layout(width), at_end=True)
            return
        # Big: paint the newest messages now (O(screen); the loader may have wrapped them
        # already), wrap the rest in a worker.
        self._apply(doc, doc.tail_layout(width, self.first_screen_rows), at_end=True)
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
        self._lines.clear()
        self._generation += 1
        self._set_virtual_size(Size(layout.width, len(layout.rows)))
        if at_end:
            self.scroll_to(y=max(0, len(layout.rows) - self.scrollable_content_region.height),
                           animate=False, immediate=True)
        elif anchor is not None:
            self.scroll_to(y=anchor, animate=False, immediate=True)
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """The new document's scroll range, without a layout of the screen when it can.

        Textual lays the whole screen out for a new ``virtual_size`` (~2–3 ms at 160×45),
        though only the scrollbar depends on it here: the pane's size is set by CSS.  So the
        scrollbars are updated the way a layout would update them (``_size_updated``) and the
        pane repaints; if the vertical scrollbar has to appear or go away, setting it is a
        layout reactive too and that layout happens as before.
        """
        if size == self.virtual_size:
            return
        if not self.is_mounted or not self.container_size:
            self.virtual_size = size  # not laid out yet: the first layout sets everything
            return
        self.set_reactive(ScrollView.virtual_size, size)
        self._scrollbar_changes.clear()
        self._scroll_update(size)
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
        if lays_out_in_background(self.doc):
            self.show(self.doc)  # big: lay out in the background, land at the end
            return
        from tui.render.wrap import first_row_of

        new = self.doc.layout(width)
        self._apply(self.doc, new, at_end=at_end, anchor=first_row_of(new, para))

    # -- rendering -------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """A theme or CSS change (focus too: the border colour): cached strips hold old colours."""
        super().notify_style_update()
        self._strips.clear()
        self._lines.clear()
        self._chrome = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """The visible lines, with the width, scroll position and style read once per frame."""
        self._frame = (self.content_width, int(self.scroll_y), self.rich_style)
        try:
            chrome = self._chrome_now()
            if chrome is None:
                return super().render_lines(crop)  # CSS the direct lines do not draw
            return self._direct_lines(crop, chrome)
        finally:
            self._frame = None

    def _direct_lines(self, crop: Region, chrome: _Chrome) -> list[Strip]:
        """The lines as Textual's styles cache draws them, from whole lines kept per row.

        The styles cache redraws every line of the pane for a new document (~90 µs a line
        for the border, padding and its own bookkeeping, on top of the text); here a line is
        the text row between the chrome's two parts, one ``Strip`` built once per row and
        document.
        """
        width, top, base = self._frame or (self.content_width, int(self.scroll_y), self.rich_style)
        filters = self.get_line_filters()
        background = self.background_colors[1]
        lines, generation, layout = self._lines, self._generation, self._layout
        rows = layout.rows if layout is not None else []
        strips: list[Strip] = []
        for y in crop.line_range:
            index = top + y
            key = (index if index < len(rows) else -1, generation, width)
            strip = lines.get(key)
            if strip is None:
                strip = chrome.line(_row_segments(rows[index], base) if index < len(rows) else [],
                                    width, base)
                lines.set(key, strip)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        if crop.column_span != (0, chrome.size.width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _chrome_now(self) -> _Chrome | None:
        """The border and padding of a text row, or None when the pane's CSS has more than
        a left/right border and left/right padding (then the styles cache draws it all)."""
        size = self.region.size
        chrome = self._chrome
        if chrome is not None and chrome.size == size:
            return chrome
        styles = self.styles
        (top, _), (_, _), (bottom, _), (_, _) = styles.border
        if (top or bottom or styles.padding.top or styles.padding.bottom or any(e for e, _c in styles.outline)
                or styles.tint.a or self.opacity != 1.0 or styles.text_opacity != 1.0
                or (styles.has_rule("hatch") and styles.hatch != "none")
                or self._border_title is not None or self._border_subtitle is not None
                or not size.width or not size.height):
            return None
        gutter = styles.gutter
        # One row drawn by the styles cache with no text: border, padding, and the padded
        # text cells in between (the widget's inner background).
        self._probing = True
        try:
            self._styles_cache.clear()
            probe = self._styles_cache.render_widget(self, Region(0, 0, size.width, 1))[0]
        finally:
            self._probing = False
            self._styles_cache.clear()
        text_width = size.width - gutter.left - gutter.right
        if probe.cell_length != size.width or text_width != self.content_region.width or text_width <= 0:
            return None
        left, middle, right = probe.divide([gutter.left, gutter.left + text_width, size.width])
        inner = next(iter(middle)).style or Style()
        self._chrome = chrome = _Chrome(size, list(left), text_width, inner, list(right))
        self._lines.clear()
        return chrome

    def get_line_filters(self) -> Sequence[LineFilter]:
        """The app's line filters, none for the chrome's probe (they apply to whole lines)."""
        return [] if self._probing else super().get_line_filters()

    def render_line(self, y: int) -> Strip:
        """One visible row, built from the layout on demand and cached."""
        if self._probing:
            return Strip([])  # the chrome's probe: the styles cache pads it with the background
        width, top, base = self._frame or (self.content_width, int(self.scroll_y), self.rich_style)
        layout = self._layout
        index = top + y
        if layout is None or index >= len(layout.rows):
            key: tuple[int, int, int] = (-1, self._generation, width)
            strip = self._strips.get(key)
            if strip is None:
                strip = Strip.blank(width, base)
                self._strips.set(key, strip)
            return strip
        key = (index, self._generation, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = Strip(_row_segments(layout.rows[index], base)).adjust_cell_length(width, base)
            self._strips.set(key, strip)
        return strip


def _row_segments(row: Row, base: Style) -> list[Segment]:
    """A laid-out row as plain segments on the pane's style (never parsed as markup)."""
    indent, runs = row
    segments = [Segment(" " * indent, base)] if indent else []
    segments += [Segment(text, base + style) for text, style in runs if text]
    return segments
