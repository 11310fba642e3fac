"""The virtual inbox: one ScrollView over a view index, rendered with the Line API.

Only the rows on screen (± one page) are ever fetched (``threads_by_id`` for a
page of ids, O(page)) into an LRU row cache; each rendered line is an LRU-cached
``Strip`` keyed by (row item, generation, width, cursor, marked, focus).  No
markup is parsed anywhere: client text is sanitized and drawn as plain
``Segment``s, so ``[bold]`` in a message stays literal.

The selected thread id, not the row number, is the cursor's truth: when a new
index is swapped in (a background sync, an action elsewhere) the cursor is
re-found by id and the scroll offset moves with it, so nothing under the user's
eyes jumps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from inscope.i18n import _
from inscope.model import ThreadRow
from tui.bindings import bindings_for
from tui.lru import LRU
from tui.render.rows import RowAccents, fg, fit, header_text, thread_segments
from tui.viewindex import ViewIndex, ViewQuery
from tui.widgets.scrollbar import vertical_line_scrollbar

RowFetcher = Callable[[Sequence[int]], dict[int, ThreadRow]]

# Bounded so a long session does not grow: a few screens around the cursor plus the rows the
# view worker prefetches around every project start (~50 per project).
ROW_CACHE_SIZE = 2048
STRIP_CACHE_SIZE = 512
# How far (in rows) the neighbour search goes when the selected thread left the view.
NEIGHBOUR_SCAN = 500


class MessageList(ScrollView, can_focus=True):
    """The inbox list.  The app owns the data flow; this widget only draws and moves."""

    ALLOW_MAXIMIZE = False
    BINDINGS: ClassVar[list[BindingType]] = bindings_for("list")
    COMPONENT_CLASSES = {
        "message-list--header",
        "message-list--cursor",
        "message-list--cursor-blur",
        "message-list--marked",
        "message-list--dim",
        "message-list--urgent",
        "message-list--high",
        "message-list--flag",
    }

    class Highlighted(Message):
        """The selected thread changed (None: the view is empty)."""

        def __init__(self, thread_id: int | None) -> None:
            super().__init__()
            self.thread_id = thread_id

    def __init__(self, *, name: str | None = None, id: str | None = None,  # noqa: A002 - Textual's name
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.index = ViewIndex(ViewQuery(), [], {})
        self.cursor = -1
        self.selected_id: int | None = None
        self.marked: set[int] = set()
        self.loaded = False
        # Shown under "Nothing here." (the app sets it when no account is configured yet).
        self.empty_hint: list[str] = []
        self.fetch_rows: RowFetcher | None = None
        self._rows: LRU[int, ThreadRow] = LRU(ROW_CACHE_SIZE)
        self._strips: LRU[tuple[object, ...], Strip] = LRU(STRIP_CACHE_SIZE)
        self._generation = 0
        self._margin_pending = False
        self._plain_box_cache: bool | None = None
        self.clock: Callable[[], float] = time.time
        self._now = self.clock()

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The scrollbar, drawn row by row (``tui.widgets.scrollbar``): it moves with every
        new conversation or page, and Textual's own one costs ~3 ms a move."""
        return vertical_line_scrollbar(self)

    # -- data ----------------------------------------------------------------------------

    def set_index(self, index: ViewIndex) -> None:
        """Swap in a freshly built index, keeping the selected thread under the cursor."""
        old, old_cursor, old_id = self.index, self.cursor, self.selected_id
        screen_offset = old_cursor - int(self.scroll_offset.y)
        self.index = index
        self.loaded = True
        # Positions changed, rows did not: cached rows and their strips are dropped by
        # ``invalidate(ids)`` when the app learns they changed (an action, a sync round),
        # not on every swap, so swapping in an index costs no query and no strip (strips
        # are keyed by what they show, not by position).
        self.marked &= set(index.pos)
        new_row = self._refind(old, old_cursor, old_id)
        # A partial index (the first screen) already has the full index's length.
        self.virtual_size = Size(self.content_width, index.virtual_rows)
        self.cursor = -1 if new_row is None else new_row
        if new_row is not None and old_cursor >= 0:
            # Keep the cursor on the same screen line: rows inserted above it scroll too.
            self.scroll_to(y=max(0, new_row - screen_offset), animate=False, immediate=True)
        self._select(index.thread_at(self.cursor), scroll=True)
        self.refresh()

    def _refind(self, old: ViewIndex, old_cursor: int, old_id: int | None) -> int | None:
        """Where the cursor goes in the new index."""
        new = self.index
        if old_id is not None and old_id in new.pos:
            return new.pos[old_id]
        if old_id is not None and old_cursor >= 0:
            # The thread left the view (done, snoozed …): take the next one that is still
            # here, then the previous one, so the user continues where they were.
            for direction in (1, -1):
                r = old_cursor + direction
                scanned = 0
                while 0 <= r < len(old) and scanned < NEIGHBOUR_SCAN:
                    tid = old.thread_at(r)
                    if tid is not None and tid in new.pos:
                        return new.pos[tid]
                    r += direction
                    scanned += 1
            # Nothing nearby survived: stay at the same position, clamped to a thread.
            row = min(old_cursor, len(new) - 1)
            if row >= 0:
                return new.step(row - 1, 1) or new.step(row + 1, -1)
        return new.first_thread()

    def invalidate(self, thread_ids: Iterable[int] | None = None) -> None:
        """Forget cached rows (all, or some) and their strips; the next paint refetches.

        ``[]`` forgets no row but every strip (the clock: relative times move on).
        """
        if thread_ids is None:
            self._rows.clear()
            self._forget_strips()
            return
        ids = set(thread_ids)
        if not ids:
            self._forget_strips()
            return
        for tid in ids:
            self._rows.discard(tid)
        for key in [k for k in self._strips if k[0] in ids]:
            self._strips.discard(key)
        self.refresh()

    def _forget_strips(self) -> None:
        self._strips.clear()
        self._generation += 1
        self._now = self.clock()
        self.refresh()

    def add_rows(self, rows: Mapping[int, ThreadRow]) -> None:
        """Cache rows fetched elsewhere (the view worker's prefetch)."""
        for tid, r in rows.items():
            self._rows.set(tid, r)

    def row(self, tid: int) -> ThreadRow | None:
        """The cached row for ``tid`` (fetching it if needed; O(1) query)."""
        r = self._rows.get(tid)
        if r is None and self.fetch_rows is not None:
            got = self.fetch_rows([tid])
            r = got.get(tid)
            if r is not None:
                self._rows.set(tid, r)
        return r

    def _missing(self, lo: int, hi: int) -> list[int]:
        rows = self.index.rows
        lo, hi = max(0, lo), min(len(rows), hi)
        cached = self._rows
        return [tid for tid in rows[lo:hi] if tid > 0 and tid not in cached]

    def _ensure_rows(self, lo: int, hi: int) -> None:
        missing = self._missing(lo, hi)
        if missing and self.fetch_rows is not None:
            for tid, r in self.fetch_rows(missing).items():
                self._rows.set(tid, r)

    def _fill_margin(self) -> None:
        """After a frame: fetch the page above and below the visible one (for j / k / pgdn)."""
        self._margin_pending = False
        top = int(self.scroll_offset.y)
        h = max(1, self.size.height)
        self._ensure_rows(top - h, top)
        self._ensure_rows(top + h, top + 2 * h)

    # -- moving --------------------------------------------------------------------------

    @property
    def selected_row(self) -> ThreadRow | None:
        """The selected thread's row, if any."""
        return None if self.selected_id is None else self.row(self.selected_id)

    def move(self, delta: int) -> bool:
        """Next (1) / previous (-1) thread, skipping headers.  False at the edge."""
        start = self.cursor if self.cursor >= 0 else -1
        row = self.index.step(start, delta)
        if row is None:
            return False
        self._move_to(row)
        return True

    def jump_project(self, delta: int) -> bool:
        """First thread of the next (1) / previous (-1) project group."""
        row = self.index.project_jump(max(self.cursor, 0), delta)
        if row is None:
            return False
        self._move_to(row)
        return True

    def action_page(self, direction: int) -> None:
        """Move one page of rows, landing on a thread."""
        target = max(0, min(len(self.index) - 1, self.cursor + direction * max(1, self.size.height - 1)))
        row = self.index.step(target - direction, direction) or self.index.step(target, -direction)
        if row is not None:
            self._move_to(row)

    def action_edge(self, end: int) -> None:
        """First (0) or last (1) thread."""
        row = self.index.step(len(self.index), -1) if end else self.index.first_thread()
        if row is not None:
            self._move_to(row)

    def go_to(self, tid: int) -> bool:
        """Put the cursor on thread ``tid`` if it is in the view."""
        row = self.index.pos.get(tid)
        if row is None:
            return False
        self._move_to(row)
        return True

    def _move_to(self, row: int) -> None:
        old = self.cursor
        self.cursor = row
        if old >= 0:
            self.refresh_line(old)
        self.refresh_line(row)
        self._select(self.index.thread_at(row), scroll=True)

    def _select(self, tid: int | None, *, scroll: bool) -> None:
        if scroll and self.cursor >= 0:
            self._scroll_to_cursor()
        if tid != self.selected_id:
            self.selected_id = tid
            self.post_message(self.Highlighted(tid))

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height)
        row = self.cursor
        # Show the group header with the first thread of a group.
        want_top = row - 1 if self.index.header_at(row - 1) is not None else row
        if want_top < top:
            self.scroll_to(y=want_top, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def toggle_mark(self) -> bool:
        """Toggle the bulk-selection mark on the selected thread; returns the new state."""
        tid = self.selected_id
        if tid is None:
            return False
        if tid in self.marked:
            self.marked.discard(tid)
        else:
            self.marked.add(tid)
        self.refresh_line(self.cursor)  # marked is part of a strip's key: nothing to forget
        return tid in self.marked

    def clear_marks(self) -> None:
        """Forget the bulk selection."""
        if self.marked:
            self.marked.clear()
            self.refresh()

    # -- rendering -----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """A theme or CSS change: cached strips hold old colours."""
        super().notify_style_update()
        self._strips.clear()
        self._plain_box_cache = None

    def on_resize(self) -> None:
        """Keep the virtual size in step with the width."""
        self.virtual_size = Size(self.content_width, self.index.virtual_rows)

    def on_focus(self) -> None:
        """The cursor colour depends on focus (only that line: enter / esc move focus)."""
        self._refresh_cursor_line()

    def on_blur(self) -> None:
        """The cursor colour depends on focus (only that line: enter / esc move focus)."""
        self._refresh_cursor_line()

    def _refresh_cursor_line(self) -> None:
        if self.cursor >= 0:
            self.refresh_line(self.cursor)
        else:
            self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Fetch the visible rows that are not cached (one query), then draw line by line.

        The page above and below (what j / k / pgdn reach next) is fetched after the frame
        is out, so a jump (J / K, g / G) costs one query of one page at most, and none when
        the view worker prefetched it.
        """
        top = int(self.scroll_offset.y)
        h = max(1, self.size.height)
        self._ensure_rows(top, top + h)
        if not self._margin_pending and (self._missing(top - h, top) or self._missing(top + h, top + 2 * h)):
            self._margin_pending = True
            self.call_after_refresh(self._fill_margin)
        if not self._plain_box:
            return super().render_lines(crop)
        return self._direct_lines(crop)

    def _direct_lines(self, crop: Region) -> list[Strip]:
        """The lines as Textual's styles cache would draw them, from the cached strips.

        With no border, padding, outline, tint or opacity (``_plain_box``) that cache only
        copies each strip into a new one and applies the app's line filters, for every line
        of every frame that scrolled: ~0.3 ms a line, the whole cost of J / K / a scroll.
        Here the strips of the row cache go out as they are (a filter's result is cached on
        its strip), so a line already seen costs a lookup.  ``tests/tui`` checks both paths
        draw the same.
        """
        filters = self.get_line_filters()
        background = self.background_colors[1]
        width = self.content_region.width
        fill = Style.from_color(bgcolor=background.rich_color)
        line, top, row_width, focused = self._line, int(self.scroll_offset.y), self.content_width, self.has_focus
        strips: list[Strip] = []
        for y in crop.line_range:
            strip = line(top + y, y, row_width, focused)
            if strip.cell_length != width:
                strip = strip.adjust_cell_length(width, fill)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    @property
    def _plain_box(self) -> bool:
        """No CSS here that the styles cache would have to draw (see ``_direct_lines``)."""
        plain = self._plain_box_cache
        if plain is None:
            styles = self.styles
            plain = self._plain_box_cache = (
                not any(edge for edge, _color in styles.border)
                and not any(edge for edge, _color in styles.outline)
                and styles.padding == (0, 0, 0, 0)
                and not styles.tint.a and self.opacity == 1.0 and styles.text_opacity == 1.0
                and (not styles.has_rule("hatch") or styles.hatch == "none"))
        return plain

    @property
    def content_width(self) -> int:
        """Cells for a row: the widget minus the scrollbar (rows must not run under it)."""
        return max(1, self.scrollable_content_region.width)

    def render_line(self, y: int) -> Strip:
        """One row of the list: a group header, a thread, or blank."""
        return self._line(int(self.scroll_offset.y) + y, y, self.content_width, self.has_focus)

    def _line(self, row: int, y: int, width: int, focused: bool) -> Strip:
        """Screen line ``y`` showing view row ``row``: a cached strip, built on a miss.

        The widget's style (an ancestor walk) is read only on a miss: a frame of cached rows
        costs a few lookups per line.
        """
        index = self.index
        if not len(index):
            base = self.rich_style
            lines = ([f"  {_('loading…')}"] if not self.loaded
                     else [f"  {_('Nothing here.')}", *self.empty_hint])
            if y < len(lines):
                return Strip([Segment(fit(lines[y], width), base + self.get_component_rich_style(
                    "message-list--dim"))])
            return Strip.blank(width, base)
        if row >= len(index):
            key: tuple[object, ...] = ("blank", self._generation, width)
            strip = self._strips.get(key)
            if strip is None:
                strip = Strip.blank(width, self.rich_style)
                self._strips.set(key, strip)
            return strip
        value = index.rows[row]
        if value < 0:
            header = index.headers[-value - 1]
            key = ("h", header, self._generation, width)  # by content: indexes renumber groups
            strip = self._strips.get(key)
            if strip is None:
                style = self.rich_style + self.get_component_rich_style("message-list--header")
                strip = Strip([Segment(header_text(header, width), style)])
                self._strips.set(key, strip)
            return strip
        is_cursor = row == self.cursor
        marked = value in self.marked
        key = (value, self._generation, width, is_cursor, marked, focused and is_cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._thread_strip(value, width, self.rich_style, is_cursor, marked, focused)
            if value in self._rows:  # a "…" placeholder is not kept: the row is on its way
                self._strips.set(key, strip)
        return strip

    def _thread_strip(self, tid: int, width: int, base: Style, is_cursor: bool, marked: bool,
                      focused: bool) -> Strip:
        r = self._rows.get(tid)
        style = base
        if is_cursor:
            style = base + self.get_component_rich_style(
                "message-list--cursor" if focused else "message-list--cursor-blur")
        if r is None:
            return Strip([Segment(fit("  …", width), style)])
        component = self.get_component_rich_style
        accents = RowAccents(dim=fg(component("message-list--dim")),
                             flag=fg(component("message-list--flag")),
                             urgent=fg(component("message-list--urgent")),
                             high=fg(component("message-list--high")),
                             marked=fg(component("message-list--marked")))
        segs = thread_segments(r, width, self._now, style, accents, marked)
        return Strip(segs).adjust_cell_length(width, style)
