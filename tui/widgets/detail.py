"""The detail pane: the whole conversation of the selected thread, on the Line API.

A Telegram group can be one thread of thousands of messages and an e-mail can be a megabyte,
so the pane never hands the whole conversation to Textual's layout.  Instead:

* ``render_conversation`` returns a ``ConversationDoc``: the thread facts and every message
  as *paragraphs* of ``(text, Style)`` runs.  It is pure (no Textual, no console) and lazy,
  so it can be built and laid out in the worker that loaded the thread.
* ``ConversationDoc.layout(width)`` wraps the paragraphs into rows once per width (cached).
  Body text is wrapped with one compiled regex per width (C speed) when every character is
  one cell wide, which covers Latin and Cyrillic; other text falls back to cell-aware
  wrapping.  A 1 MB mail lays out in a few tens of milliseconds.
* ``DetailPane`` is a ``ScrollView``: ``virtual_size`` is the row count and ``render_line``
  turns only the visible rows into ``Strip``s (LRU-cached).  A doc too big to lay out on the
  UI thread is laid out in a thread worker; the previous content stays until it is ready.

Everything from a client passes ``inscope.text.sanitize`` and is drawn as plain
``Segment``s, never parsed as markup, so ``[bold]`` in a message renders literally.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache, partial
from threading import Lock
from typing import ClassVar

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from inscope.model import MessageRow
from inscope.text import one_line, sanitize
from tui.format import SOURCE_ICONS, clock, relative, status_mark
from tui.messages import Conversation

Run = tuple[str, Style]
# One screen row: left indent (cells) and its styled runs.
Row = tuple[int, tuple[Run, ...]]

PLAIN = Style()
BOLD = Style(bold=True)
DIM = Style(dim=True)
ROLE_STYLES: dict[str, Style] = {
    "client": BOLD,
    "me": Style(italic=True),
    "am": Style(bold=True, color="magenta"),
    "team": Style(color="cyan"),
}
_WARN = Style(bold=True, color="yellow")
_OUT = Style(bold=True, color="red")
_ESCALATION = Style(color="magenta")
_EDITED = Style(color="yellow")
_DELETED = Style(color="red")
_DELETED_BODY = Style(dim=True, strike=True)
_REPLY = Style(dim=True, italic=True)
_URL = Style(dim=True, underline=True)
_TAB = 8

# Paragraph kinds: wrap at spaces; keep each run whole (meta lines); a rule as wide as the pane.
WORDS, CHUNKS, RULE = 0, 1, 2

# Above this many characters (or messages) a doc is laid out in a worker, not on the UI thread.
# (~100 messages, a few ms); the old content stays on screen for the worker's few tens of ms.
SYNC_LAYOUT_CHARS = 50_000
SYNC_LAYOUT_PARAS = 400
STRIP_CACHE_SIZE = 512
# Message bodies longer than this are split (at line breaks) into paragraphs of so many lines.
BODY_CHUNK = 8_000
BODY_CHUNK_LINES = 100


@dataclass(frozen=True, slots=True)
class Para:
    """One logical paragraph: runs of styled text, an indent for every row, a wrap kind.

    A ``WORDS`` paragraph may contain newlines (a whole message body is one paragraph, so a
    thread of thousands of messages is thousands of objects, not hundreds of thousands).
    """

    runs: tuple[Run, ...]
    indent: int = 0
    kind: int = WORDS


@dataclass(frozen=True, slots=True)
class Layout:
    """A doc wrapped to one width: the rows and, per row, the paragraph it came from."""

    width: int
    rows: list[Row]
    para_of_row: list[int]
    partial: bool = False  # only the last paragraphs (a first paint while the rest is wrapped)


# -- wrapping ------------------------------------------------------------------------------------

# A character outside these ranges (Latin, Cyrillic, Greek, punctuation, arrows, maths, box
# drawing — all exactly one cell wide) means the text needs cell-aware wrapping; text without
# one is wrapped on character counts by a regex.  One C-speed scan per paragraph.
_NOT_ONE_CELL = re.compile(
    "[^\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0482\u2010-\u2027\u2030-\u205e"
    "\u2190-\u22ff\u2500-\u25fc\n]"
)


@lru_cache(maxsize=64)
def _row_regex(width: int) -> re.Pattern[str]:
    # Greedy: up to ``width`` characters ending in a non-space right before a space or the
    # end (the spaces are eaten at the break), else exactly ``width`` characters (a word
    # longer than the row is cut).  Leading spaces (indented text) stay on their row.
    return re.compile(rf"(.{{0,{width - 1}}}\S)(?: +|$)|(.{{{width}}})")


def wrap_line(line: str, width: int) -> list[str]:
    """Wrap one line (no newlines, tabs already expanded) to rows of at most ``width`` cells."""
    width = max(1, width)
    if not line:
        return [""]
    if _NOT_ONE_CELL.search(line) is None:
        if len(line) <= width:
            return [line]
        return [a or b for a, b in _row_regex(width).findall(line)] or [""]
    return _wrap_any(line, width)


def _wrap_any(line: str, width: int) -> list[str]:
    """Wrap a line that may hold wide or zero-width characters."""
    if cell_len(line) <= width:
        return [line]
    return _wrap_cells(line, width)


def _wrap_cells(line: str, width: int) -> list[str]:
    """Cell-aware word wrap for text with wide or zero-width characters (emoji, CJK)."""
    rows: list[str] = []
    current, used = "", 0
    for word in re.split(r"( +)", line):
        if not word:
            continue
        w = cell_len(word)
        if word.startswith(" ") and used == 0 and rows:
            continue  # spaces at a break are eaten, as in the regex path
        if used + w <= width:
            current, used = current + word, used + w
            continue
        if word.startswith(" "):
            rows.append(current)
            current, used = "", 0
            continue
        if current:
            rows.append(current.rstrip(" "))
            current, used = "", 0
        pieces = chop_cells(word, width) if w > width else [word]
        rows.extend(pieces[:-1])
        current, used = pieces[-1], cell_len(pieces[-1])
    rows.append(current)
    return rows


def _wrap_para(para: Para, width: int) -> list[tuple[Run, ...]]:
    """The rows of one paragraph (runs per row), indent not included."""
    avail = max(1, width - para.indent)
    if para.kind == RULE:
        text, style = para.runs[0]
        return [((text * avail, style),)]
    if para.kind == CHUNKS:
        return _pack_chunks(para.runs, avail)
    if len(para.runs) == 1:
        text, style = para.runs[0]
        if "\t" in text:
            text = "\n".join(line.expandtabs(_TAB) for line in text.split("\n"))
        one_cell = _NOT_ONE_CELL.search(text) is None  # one scan for the whole body
        rows: list[str] = []
        if one_cell:
            findall = _row_regex(avail).findall
            for line in text.split("\n"):
                if len(line) <= avail:
                    rows.append(line)
                else:
                    rows.extend([a or b for a, b in findall(line)] or [""])
        else:
            for line in text.split("\n"):
                rows.extend(wrap_line(line, avail))
        return [((row, style),) for row in rows]
    return _wrap_styled(para.runs, avail)


def _pack_chunks(runs: tuple[Run, ...], width: int) -> list[tuple[Run, ...]]:
    """Fill rows with whole runs ("· Fri 27 Nov 04:26" never splits); cut only a run wider than a row."""
    rows: list[tuple[Run, ...]] = []
    current: list[Run] = []
    used = 0
    for text, style in runs:
        w = cell_len(text)
        if current and used + w > width:
            rows.append(tuple(current))
            current, used = [], 0
            text = text.lstrip(" ").removeprefix("· ")  # no separator dot at a row start
            w = cell_len(text)
        if w > width:
            for piece in wrap_line(text, width):
                if current:
                    rows.append(tuple(current))
                current, used = [(piece, style)], cell_len(piece)
            continue
        current.append((text, style))
        used += w
    rows.append(tuple(current))
    return rows


def _wrap_styled(runs: tuple[Run, ...], width: int) -> list[tuple[Run, ...]]:
    """Word-wrap several runs as one text, then cut the runs at the row boundaries."""
    plain = "".join(t for t, _ in runs).expandtabs(_TAB)
    runs = tuple((t.expandtabs(_TAB), s) for t, s in runs)
    out: list[tuple[Run, ...]] = []
    pos = 0
    for line in plain.split("\n"):
        for row in wrap_line(line, width):
            start = plain.index(row, pos) if row else pos
            out.append(_slice_runs(runs, start, start + len(row)))
            pos = start + len(row)
        pos += 1  # the newline
    return out


def _slice_runs(runs: tuple[Run, ...], start: int, end: int) -> tuple[Run, ...]:
    out: list[Run] = []
    offset = 0
    for text, style in runs:
        lo, hi = max(start, offset), min(end, offset + len(text))
        if lo < hi:
            out.append((text[lo - offset:hi - offset], style))
        offset += len(text)
    return tuple(out)


# -- the document ----------------------------------------------------------------------------------


class ConversationDoc:
    """What the detail pane shows, as paragraphs, with a per-width layout cache.

    Thread-safe enough for its use: a worker may build and lay it out while the UI thread
    later reads the cached layout (a lock guards the cache).
    """

    def __init__(self, paras: list[Para] | Callable[[], list[Para]], *, thread_id: int | None = None,
                 size_hint: tuple[int, int] | None = None,
                 tail: Callable[[int], list[Para]] | None = None) -> None:
        """``paras`` may be a builder, run on first use (so a worker pays for it, not the UI).

        ``tail(n)`` builds only the paragraphs of the last ``n`` messages: the first paint
        of a huge thread then costs O(screen) even before the full build ran.
        """
        self.thread_id = thread_id
        self._tail = tail
        self._layouts: dict[int, Layout] = {}
        self._lock = Lock()
        if callable(paras):
            self._paras: list[Para] | None = None
            self._build: Callable[[], list[Para]] | None = paras
            self._hint = size_hint or (0, 0)
        else:
            self._paras, self._build = paras, None
            self._hint = size_hint or (sum(len(t) for p in paras for t, _ in p.runs), len(paras))

    @property
    def paras(self) -> list[Para]:
        """The paragraphs (built on first access, once, whichever thread gets there first)."""
        with self._lock:
            if self._paras is None:
                assert self._build is not None
                self._paras, self._build = self._build(), None
            return self._paras

    @classmethod
    def from_text(cls, text: Text | str, style: Style | str = "") -> ConversationDoc:
        """A doc from a Rich ``Text`` (its spans become runs) or a plain string — never markup."""
        if isinstance(text, str):
            text = Text(text, style=style)
        paras = [Para(_runs_of(line)) for line in text.split("\n", allow_blank=True)]
        return cls(paras)

    @property
    def size_hint(self) -> tuple[int, int]:
        """(characters, paragraphs), exact or estimated: how much work a layout is."""
        return self._hint

    @property
    def plain(self) -> str:
        """All the text, one paragraph per line (tests, copying, screen readers)."""
        return "\n".join("".join(t for t, _ in p.runs) if p.kind != RULE else p.runs[0][0] * 40
                         for p in self.paras)

    def tail_layout(self, width: int, min_rows: int) -> Layout:
        """Just the last paragraphs, at least ``min_rows`` rows of them (cost O(screen))."""
        if (full := self.cached_layout(width)) is not None:
            return full
        with self._lock:
            built = self._paras is not None
        # Every message takes at least three rows, so ``min_rows`` messages always suffice.
        paras = self.paras if built or self._tail is None else self._tail(min_rows)
        chunks: list[tuple[int, list[tuple[Run, ...]]]] = []
        total, i = 0, len(paras)
        while i > 0 and total < min_rows:
            i -= 1
            wrapped = _wrap_para(paras[i], width)
            chunks.append((i, wrapped))
            total += len(wrapped)
        rows: list[Row] = []
        para_of_row: list[int] = []
        for idx, wrapped in reversed(chunks):
            rows.extend([(paras[idx].indent, r) for r in wrapped])
            para_of_row.extend([idx] * len(wrapped))
        if not built and self._tail is not None:
            para_of_row = [-1] * len(rows)  # indices into the full doc are not known yet
        return Layout(width, rows, para_of_row, partial=True)

    def cached_layout(self, width: int) -> Layout | None:
        """The layout for ``width`` if it was already computed (no work)."""
        with self._lock:
            return self._layouts.get(width)

    def layout(self, width: int) -> Layout:
        """Wrap every paragraph to ``width`` cells (cached per width; callable from a worker)."""
        width = max(1, width)
        cached = self.cached_layout(width)
        if cached is not None:
            return cached
        rows: list[Row] = []
        para_of_row: list[int] = []
        for i, para in enumerate(self.paras):
            wrapped = _wrap_para(para, width)
            indent = para.indent
            rows.extend([(indent, r) for r in wrapped])
            para_of_row.extend([i] * len(wrapped))
        result = Layout(width, rows, para_of_row)
        with self._lock:
            if len(self._layouts) >= 4:
                self._layouts.clear()  # a resize storm: keep memory bounded
            self._layouts[width] = result
        return result


def _runs_of(line: Text) -> tuple[Run, ...]:
    """A one-line ``Text`` as runs (spans resolved against the base style)."""
    base = line.style if isinstance(line.style, Style) else Style.parse(line.style or "")
    if not line.spans:
        return ((line.plain, base),)
    cuts = sorted({0, len(line.plain), *(s.start for s in line.spans), *(s.end for s in line.spans)})
    runs: list[Run] = []
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        if lo >= hi:
            continue
        style = base
        for span in line.spans:
            if span.start <= lo and hi <= span.end:
                extra = span.style if isinstance(span.style, Style) else Style.parse(span.style)
                style = style + extra
        runs.append((line.plain[lo:hi], style))
    return tuple(runs)


def render_conversation(conv: Conversation, tz: tzinfo, now: float | None = None) -> ConversationDoc:
    """The detail doc: thread facts, why this priority, then every message.

    O(1) here: the paragraphs are built on first use — by ``layout`` in a worker for a big
    thread — so calling this on the UI thread does not cost a pass over the conversation.
    """
    now = time.time() if now is None else now
    # An estimate is enough to pick "lay out here" or "lay out in a worker".
    chars = sum(len(m.text) for m in conv.messages)
    return ConversationDoc(partial(_conversation_paras, conv, tz, now), thread_id=conv.thread.id,
                           size_hint=(chars, 4 * len(conv.messages) + 12),
                           tail=partial(_tail_paras, conv, tz, now))


def _tail_paras(conv: Conversation, tz: tzinfo, now: float, count: int) -> list[Para]:
    """The paragraphs of the last ``count`` messages (the first paint of a huge thread)."""
    paras: list[Para] = []
    for m in conv.messages[-count:]:
        _add_message(paras, m, tz, now)
    return paras


def _conversation_paras(conv: Conversation, tz: tzinfo, now: float) -> list[Para]:
    """Thread facts, why this priority, then every message (pure; runs once per doc)."""
    t = conv.thread
    paras: list[Para] = []
    add = paras.append

    add(Para(((sanitize(t.title) or "(untitled)", BOLD),)))
    facts: list[Run] = [(sanitize(t.project), BOLD)]
    if conv.project_status != "active":
        since = f" since {clock(conv.project_since, tz)}" if conv.project_since else ""
        facts.append((f" {status_mark(conv.project_status)} {conv.project_status}{since}", _WARN))
    facts += [(f" · {SOURCE_ICONS.get(t.source, '?')} {t.source}", DIM), (f" · {t.state}", DIM),
              (f" · {t.msg_count} messages", DIM)]
    add(Para(tuple(facts), kind=CHUNKS))
    prio: list[Run] = [(f"priority: {t.priority.label}", BOLD)]
    if t.due_at:
        late = " (overdue)" if t.due_at < now and t.state == "open" else ""
        prio.append((f" · due {clock(t.due_at, tz)}{late}", _OUT if late else PLAIN))
    add(Para(tuple(prio), kind=CHUNKS))
    if t.reasons:
        add(Para((("why this priority:", DIM),)))
        paras.extend(Para(((f"• {one_line(r)}", PLAIN),), indent=2) for r in t.reasons)
    if t.scope != "unknown":
        scope: list[Run] = [(f"scope: {t.scope}", _OUT if t.scope == "out" else PLAIN)]
        if t.scope_reason:
            scope.append((f" — {one_line(t.scope_reason)}", PLAIN))
        add(Para(tuple(scope)))
    if t.state == "snoozed":
        # The action layer words the reason ("until Fri 5 Dec 10:00", "until the client
        # replies"); older rows kept a bare label ("1 hour") and get the wake time added.
        reason = one_line(t.snooze_reason)
        if reason.startswith("until"):
            snooze: list[Run] = [(f"snoozed {reason}", BOLD)]
        else:
            wake = {
                "client": "until the client replies",
                "project": "until the project is active",
            }.get(t.snooze_kind or "", f"until {clock(t.snooze_until, tz)}")
            snooze = [(f"snoozed {wake}", BOLD)]
            if reason:
                snooze.append((f" — {reason}", PLAIN))
        add(Para(tuple(snooze)))
    for e in conv.escalations:
        state = "resolved" if e.get("resolved_at") else f"delivery: {e.get('delivery') or 'n/a'}"
        add(Para(((f"escalated to {one_line(str(e.get('to', '')))} via {one_line(str(e.get('channel', '')))}",
                   _ESCALATION), (f" · {clock(e.get('created_at'), tz)}", _ESCALATION),
                  (f" · {state}", _ESCALATION)), kind=CHUNKS))
        if e.get("note"):
            add(Para(((f"note: {one_line(str(e['note']))}", PLAIN),), indent=2))
    if t.url:
        add(Para(((one_line(t.url), _URL),)))
    add(Para((("─", DIM),), kind=RULE))
    hidden = t.msg_count - len(conv.messages)
    if hidden > 0:
        add(Para(((f"… {hidden} older messages not shown — o opens the original", DIM),)))
        add(Para((("", PLAIN),)))
    for m in conv.messages:
        _add_message(paras, m, tz, now)
    return paras


def _add_message(paras: list[Para], m: MessageRow, tz: tzinfo, now: float) -> None:
    """Author line, reply excerpt, body, blank line — per message."""
    head: list[Run] = [(sanitize(m.author_name) or "?", ROLE_STYLES.get(m.role, PLAIN))]
    if m.author_handle:
        head.append((f" @{sanitize(m.author_handle)}", DIM))
    head += [(f" ({one_line(m.role, 20)})", DIM), (f" · {m.source}", DIM),
             (f" · {clock(m.created_at, tz)}", DIM), (f" · {relative(m.created_at, now)}", DIM)]
    if m.edited_at:
        head.append((" · edited", _EDITED))
    if m.deleted:
        head.append((" · deleted", _DELETED))
    paras.append(Para(tuple(head), kind=CHUNKS))
    if m.reply_to:
        excerpt = one_line(m.reply_to_text or "", 80) or one_line(m.reply_to, 80)
        paras.append(Para(((f"↳ replying to: {excerpt}", _REPLY),), indent=2))
    body, style = sanitize(m.text), _DELETED_BODY if m.deleted else PLAIN
    if len(body) <= BODY_CHUNK:
        paras.append(Para(((body, style),), indent=2))
    else:
        # A 1 MB mail as ~100-line paragraphs: the first paint wraps only the last few.
        lines = body.split("\n")
        for k in range(0, len(lines), BODY_CHUNK_LINES):
            paras.append(Para((("\n".join(lines[k:k + BODY_CHUNK_LINES]), style),), indent=2))
    paras.append(Para((("", PLAIN),)))


# -- the widget ------------------------------------------------------------------------------------


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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "page_down", "Page down", show=False, id="detail.page_down",
                tooltip="Scroll the conversation one page down"),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None,  # noqa: A002 - Textual's name
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.doc = ConversationDoc.from_text(Text("Select a thread.", style="dim"))
        self._layout: Layout | None = None
        self._strips: LRUCache[tuple[int, int, int], Strip] = LRUCache(STRIP_CACHE_SIZE)
        self._generation = 0
        self._pending: ConversationDoc | None = None
        self._pending_worker: Worker[Layout] | None = None
        self.shown_thread: int | None = None  # the thread whose doc is on screen (tests, probes)

    # -- content -------------------------------------------------------------------------

    @property
    def layout_pending(self) -> bool:
        """A doc is being laid out in a worker (the old content is still shown)."""
        return self._pending is not None

    @property
    def text(self) -> str:
        """The plain text of what is (or is about to be) shown."""
        return (self._pending or self.doc).plain

    @property
    def content_width(self) -> int:
        """Cells available to text (the scrollbar gutter is stable, so this does not jump)."""
        return max(1, self.scrollable_content_region.width)

    def show(self, content: ConversationDoc | Text | str) -> None:
        """Show a conversation (or a one-line notice) and scroll to the newest message.

        Cheap when the doc was already laid out for this width (the loader's worker can do
        that); small docs are laid out here; big ones in a thread worker.
        """
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
                Text(f"Could not lay out the thread: {event.worker.error}", style="red"))
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
        if layout is None or layout.width == width:
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
        new = self.doc.layout(width)
        self._apply(self.doc, new, at_end=at_end, anchor=_first_row_of(new, para))

    # -- rendering -------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """A theme or CSS change: cached strips hold old colours."""
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        """One visible row, built from the layout on demand and cached."""
        width = self.content_width
        base = self.rich_style
        layout = self._layout
        index = int(self.scroll_y) + y
        if layout is None or index >= len(layout.rows):
            return Strip.blank(width, base)
        key = (index, self._generation, width)
        strip = self._strips.get(key)
        if strip is None:
            indent, runs = layout.rows[index]
            segments = [Segment(" " * indent, base)] if indent else []
            segments += [Segment(text, base + style) for text, style in runs if text]
            strip = Strip(segments).adjust_cell_length(width, base)
            self._strips.set(key, strip)
        return strip


def _first_row_of(layout: Layout, para: int) -> int:
    """The first row of paragraph ``para`` (binary search; rows are in paragraph order)."""
    from bisect import bisect_left

    return bisect_left(layout.para_of_row, para)


def iter_rows_text(layout: Layout) -> Iterable[str]:
    """Each row as plain text, indent included (tests)."""
    for indent, runs in layout.rows:
        yield " " * indent + "".join(t for t, _ in runs)
