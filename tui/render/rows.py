"""A row of the inbox list as text and styled segments: group headers and thread rows.

Pure (Rich segments and styles, no widget): ``MessageList`` passes the row, the width and
its component styles and caches the ``Strip`` it makes of the result.  Client text is
``one_line``-d (escapes and controls stripped) and drawn as plain segments, never markup
(invariant 6, docs/architecture.md, Invariants).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from inscope.i18n.labels import PRIORITY, PROJECT_STATUS, label, project_name
from inscope.i18n.reasons import reason_text
from inscope.model import GroupHeader, ThreadRow
from inscope.store.states import FOLLOWUP, followup_returned
from inscope.text import one_line
from tui.format import PRIORITY_MARKS, SOURCE_ICONS, relative, status_mark

# Fixed columns: mark 2, priority 2, icon 2, flags 4, age 5 (right-aligned).
FIXED_COLUMNS = 15


def fit(text: str, width: int) -> str:
    """Crop or pad ``text`` to exactly ``width`` cells (wide characters aware)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


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


def header_text(h: GroupHeader, width: int) -> str:
    """A group header row: `` Alpha ⏸ paused · urgent · 2``, fitted to ``width``."""
    mark = status_mark(h.project_status)
    status = f" {mark} {label(PROJECT_STATUS, h.project_status)}" if mark else ""
    return fit(f" {project_name(h.project)}{status} · {label(PRIORITY, h.priority.label)} · {h.count}",
               width)


def fg(style: Style) -> Style:
    """The foreground part of a component style (colour, bold), without its background."""
    return Style(color=style.color, bold=style.bold)


@dataclass(frozen=True, slots=True)
class RowAccents:
    """Foreground accents of a thread row (their background would cut holes in the cursor bar)."""

    dim: Style
    flag: Style
    urgent: Style
    high: Style
    marked: Style


def thread_segments(r: ThreadRow, width: int, now: float, style: Style, accents: RowAccents,
                    marked: bool) -> list[Segment]:
    """A thread row: mark, priority, source, title, author, preview, flags, age.

    ``style`` is the row's base (the cursor bar when it is the cursor row); the caller pads
    the segments to ``width`` cells.
    """
    prio_style = Style()
    if r.priority.label == "urgent":
        prio_style = accents.urgent
    elif r.priority.label == "high":
        prio_style = accents.high
    sel = "●" if marked else " "
    flags = ""
    if r.delivery_error:
        flags += "⚠"  # my reply was refused for good
    if r.scope == "out":
        flags += "⊘"
    if r.due_at is not None and r.due_at < now and r.state == "open":
        flags += "◷"
    if r.state == "escalated" or r.escalated_to:
        flags += "⇡"
    if followup_returned(r.state, r.followup_since, r.last_client_at):
        flags += "↩"  # back from a follow-up: no answer from the client
    preview = r.last_text
    if r.state == "snoozed" and r.snooze_kind == FOLLOWUP and r.snooze_reason:
        preview = f"↩ {reason_text(r.snooze_reason)} · {r.last_text}"  # when it comes back
    age = relative(r.last_client_at or r.last_at, now)
    title_w, author_w, text_w = column_widths(width)
    segs = [
        Segment(sel + " ", style + (accents.marked if marked else Style())),
        Segment(PRIORITY_MARKS.get(r.priority, " ") + " ", style + prio_style),
        Segment(SOURCE_ICONS.get(r.source, "?") + " ", style + accents.dim),
        Segment(fit(one_line(r.title, 200), title_w - 1) + " ", style),
    ]
    if author_w:
        segs.append(Segment(fit(one_line(r.last_author, 100), author_w - 1) + " ", style + accents.dim))
    if text_w:
        segs.append(Segment(fit(one_line(preview, 500), text_w), style))
    segs += [
        Segment(fit(" " + flags, 4), style + accents.flag),
        Segment(age[:4].rjust(4) + " ", style + accents.dim),
    ]
    return segs
