"""Paragraphs of styled runs, wrapped to rows of a given width (no Textual, no console).

The detail pane's document is a list of :class:`Para` (a message body is one paragraph);
:func:`wrap_para` turns one into rows of ``(text, Style)`` runs for one width.  Body text is
wrapped with one compiled regex per width (C speed) when every character is one cell wide,
which covers Latin and Cyrillic; other text falls back to cell-aware wrapping.  Pure
functions: a worker thread may call them while the UI thread draws.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rich.cells import cell_len, chop_cells
from rich.style import Style

Run = tuple[str, Style]
# One screen row: left indent (cells) and its styled runs.
Row = tuple[int, tuple[Run, ...]]

_TAB = 8

# Paragraph kinds: wrap at spaces; keep each run whole (meta lines); a rule as wide as the pane.
WORDS, CHUNKS, RULE = 0, 1, 2


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


def wrap_para(para: Para, width: int) -> list[tuple[Run, ...]]:
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


def first_row_of(layout: Layout, para: int) -> int:
    """The first row of paragraph ``para`` (binary search; rows are in paragraph order)."""
    return bisect_left(layout.para_of_row, para)


def iter_rows_text(layout: Layout) -> Iterable[str]:
    """Each row as plain text, indent included (tests)."""
    for indent, runs in layout.rows:
        yield " " * indent + "".join(t for t, _ in runs)
