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

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inscope.model import GroupHeader, ThreadRow
from inscope.text import one_line
from tui.format import PRIORITY_MARKS, SOURCE_ICONS, relative, status_mark
from tui.viewindex import ViewIndex, ViewQuery

RowFetcher = Callable[[Sequence[int]], dict[int, ThreadRow]]

# Bounded so a long session does not grow: a few screens around the cursor plus the rows the
# view worker prefetches around every project start (~50 per project).
ROW_CACHE_SIZE = 2048
STRIP_CACHE_SIZE = 512
# How far (in rows) the neighbour search goes when the selected thread left the view.
NEIGHBOUR_SCAN = 500


def _fit(text: str, width: int) -> str:
    """Crop or pad ``text`` to exactly ``width`` cells (wide characters aware)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


# Fixed columns: mark 2, priority 2, icon 2, flags 4, age 5 (right-aligned).
FIXED_COLUMNS = 15


def column_widths(width: int) -> tuple[int, int, int]:
    """(title, author, text) widths for a row ``width`` cells wide.

    Wide (a 160-column terminal): title ~35 % of the free space, author 14 (a whole
    "Kevin Marsh"), text the rest.  Medium: the preview text keeps ~30 cells (it is what
    tells threads apart) and title and author share the remainder.  Narrow (an 80-column
    terminal leaves the list ~30 cells): no preview; the title takes what is left.
    """
    rest = max(0, width - FIXED_COLUMNS)
    if rest >= 60:
        author = 14
        title = rest * 35 // 100
    elif rest >= 36:
        text = min(30, rest - 20)
        author = min(12, (rest - text) // 3)
        title = rest - text - author
    else:
        author = min(8, rest // 4) if rest >= 24 else 0  # 3 cells of a name say nothing
        title = rest - author
    return title, author, max(0, rest - title - author)


class MessageList(ScrollView, can_focus=True):
    """The inbox list.  The app owns the data flow; this widget only draws and moves."""

    ALLOW_MAXIMIZE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down",
                tooltip="Move the cursor one page down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up",
                tooltip="Move the cursor one page up"),
        Binding("home,g", "edge(0)", "First", show=False, id="list.first",
                tooltip="Go to the first thread"),
        Binding("end,G", "edge(1)", "Last", show=False, id="list.last",
                tooltip="Go to the last thread"),
    ]
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
        self._rows: LRUCache[int, ThreadRow] = LRUCache(ROW_CACHE_SIZE)
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(STRIP_CACHE_SIZE)
        self._generation = 0
        self._margin_pending = False
        self.clock: Callable[[], float] = time.time
        self._now = self.clock()

    # -- data ----------------------------------------------------------------------------

    def set_index(self, index: ViewIndex) -> None:
        """Swap in a freshly built index, keeping the selected thread under the cursor."""
        old, old_cursor, old_id = self.index, self.cursor, self.selected_id
        screen_offset = old_cursor - int(self.scroll_offset.y)
        self.index = index
        self.loaded = True
        # Positions changed, rows did not: cached rows are dropped by ``invalidate(ids)``
        # when the app learns they changed (an action, a sync round), not on every swap,
        # so swapping in an index costs no query.
        self._forget_strips()
        self.marked &= set(index.pos)
        new_row = self._refind(old, old_cursor, old_id)
        self.virtual_size = Size(self.content_width, len(index))
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
        """Forget cached rows (all, or some) and strips; the next paint refetches."""
        if thread_ids is None:
            self._rows.clear()
        else:
            for tid in thread_ids:
                self._rows.discard(tid)
        self._forget_strips()

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
        self._strips.clear()
        self.refresh_line(self.cursor)
        return tid in self.marked

    def clear_marks(self) -> None:
        """Forget the bulk selection."""
        if self.marked:
            self.marked.clear()
            self._strips.clear()
            self.refresh()

    # -- rendering -----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """A theme or CSS change: cached strips hold old colours."""
        super().notify_style_update()
        self._strips.clear()

    def on_resize(self) -> None:
        """Keep the virtual size in step with the width."""
        self.virtual_size = Size(self.content_width, len(self.index))

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
        return super().render_lines(crop)

    @property
    def content_width(self) -> int:
        """Cells for a row: the widget minus the scrollbar (rows must not run under it)."""
        return max(1, self.scrollable_content_region.width)

    def render_line(self, y: int) -> Strip:
        """One row of the list: a group header, a thread, or blank."""
        width = self.content_width
        base = self.rich_style
        row = int(self.scroll_offset.y) + y
        index = self.index
        if not len(index):
            lines = ["  loading…"] if not self.loaded else ["  Nothing here.", *self.empty_hint]
            if y < len(lines):
                return Strip([Segment(_fit(lines[y], width), base + self.get_component_rich_style(
                    "message-list--dim"))])
            return Strip.blank(width, base)
        if row >= len(index):
            return Strip.blank(width, base)
        value = index.rows[row]
        if value < 0:
            key: tuple[object, ...] = ("h", value, self._generation, width)
            strip = self._strips.get(key)
            if strip is None:
                strip = self._header_strip(index.headers[-value - 1], width, base)
                self._strips.set(key, strip)
            return strip
        is_cursor = row == self.cursor
        focused = self.has_focus
        marked = value in self.marked
        key = (value, self._generation, width, is_cursor, marked, focused and is_cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._thread_strip(value, width, base, is_cursor, marked, focused)
            self._strips.set(key, strip)
        return strip

    def _header_strip(self, h: GroupHeader, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("message-list--header")
        mark = status_mark(h.project_status)
        status = f" {mark} {h.project_status}" if mark else ""
        text = f" {h.project}{status} · {h.priority.label} · {h.count}"
        return Strip([Segment(_fit(text, width), style)])

    def _thread_strip(self, tid: int, width: int, base: Style, is_cursor: bool, marked: bool,
                      focused: bool) -> Strip:
        r = self._rows.get(tid)
        style = base
        if is_cursor:
            style = base + self.get_component_rich_style(
                "message-list--cursor" if focused else "message-list--cursor-blur")
        if r is None:
            return Strip([Segment(_fit("  …", width), style)])
        # Only the foreground of these accents: their background would cut holes in the cursor bar.
        dim = _fg(self.get_component_rich_style("message-list--dim"))
        flag_style = _fg(self.get_component_rich_style("message-list--flag"))
        prio_style = Style()
        if r.priority.label == "urgent":
            prio_style = _fg(self.get_component_rich_style("message-list--urgent"))
        elif r.priority.label == "high":
            prio_style = _fg(self.get_component_rich_style("message-list--high"))
        sel = "●" if marked else " "
        flags = ""
        if r.scope == "out":
            flags += "⊘"
        if r.due_at is not None and r.due_at < self._now and r.state == "open":
            flags += "◷"
        if r.state == "escalated" or r.escalated_to:
            flags += "⇡"
        age = relative(r.last_client_at or r.last_at, self._now)
        title_w, author_w, text_w = column_widths(width)
        segs = [
            Segment(sel + " ", style + (_fg(self.get_component_rich_style("message-list--marked"))
                                        if marked else Style())),
            Segment(PRIORITY_MARKS.get(r.priority, " ") + " ", style + prio_style),
            Segment(SOURCE_ICONS.get(r.source, "?") + " ", style + dim),
            Segment(_fit(one_line(r.title, 200), title_w - 1) + " ", style),
        ]
        if author_w:
            segs.append(Segment(_fit(one_line(r.last_author, 100), author_w - 1) + " ", style + dim))
        if text_w:
            segs.append(Segment(_fit(one_line(r.last_text, 500), text_w), style))
        segs += [
            Segment(_fit(" " + flags, 4), style + flag_style),
            Segment(age[:4].rjust(4) + " ", style + dim),
        ]
        return Strip(segs).adjust_cell_length(width, style)


def _fg(style: Style) -> Style:
    """The foreground part of a component style (colour, bold), without its background."""
    return Style(color=style.color, bold=style.bold)
