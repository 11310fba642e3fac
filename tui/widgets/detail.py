"""The detail pane: the whole conversation of the selected thread.

Everything from a client is sanitized and appended to ``rich.text.Text`` as
plain strings (never ``from_markup``), so markup in a message renders literally.
"""

from __future__ import annotations

import time
from datetime import tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from inscope.text import one_line, sanitize
from tui.format import SOURCE_ICONS, clock, relative, status_mark
from tui.messages import Conversation

ROLE_STYLES: dict[str, str] = {
    "client": "bold",
    "me": "italic",
    "am": "bold magenta",
    "team": "cyan",
}


def render_conversation(conv: Conversation, tz: tzinfo, now: float | None = None) -> Text:
    """Build the detail text: thread facts, why this priority, then every message."""
    t = conv.thread
    now = time.time() if now is None else now
    out = Text()
    out.append(sanitize(t.title) or "(untitled)", "bold")
    out.append("\n")
    mark = status_mark(conv.project_status)
    out.append(f"{t.project}", "bold")
    if conv.project_status != "active":
        since = f" since {clock(conv.project_since, tz)}" if conv.project_since else ""
        out.append(f" {mark} {conv.project_status}{since}", "bold yellow")
    out.append(f" · {SOURCE_ICONS.get(t.source, '?')} {t.source} · {t.state} · {t.msg_count} messages\n",
               "dim")
    out.append(f"priority: {t.priority.label}", "bold")
    if t.due_at:
        late = " (overdue)" if t.due_at < now and t.state == "open" else ""
        out.append(f" · due {clock(t.due_at, tz)}{late}")
    out.append("\n")
    if t.reasons:
        out.append("why this priority:\n", "dim")
        for reason in t.reasons:
            out.append(f"  • {one_line(reason)}\n")
    if t.scope != "unknown":
        out.append(f"scope: {t.scope}", "bold red" if t.scope == "out" else "")
        if t.scope_reason:
            out.append(f" — {one_line(t.scope_reason)}")
        out.append("\n")
    if t.state == "snoozed":
        wake = {
            "client": "until the client replies",
            "project": "until the project is active",
        }.get(t.snooze_kind or "", f"until {clock(t.snooze_until, tz)}")
        out.append(f"snoozed {wake}", "bold")
        if t.snooze_reason:
            out.append(f" — {one_line(t.snooze_reason)}")
        out.append("\n")
    for e in conv.escalations:
        state = "resolved" if e.get("resolved_at") else f"delivery: {e.get('delivery') or 'n/a'}"
        out.append(f"escalated to {one_line(str(e.get('to', '')))} via {e.get('channel', '')} · "
                   f"{clock(e.get('created_at'), tz)} · {state}\n", "magenta")
        if e.get("note"):
            out.append(f"  note: {one_line(str(e['note']))}\n")
    if t.url:
        out.append(f"{one_line(t.url)}\n", "dim underline")
    out.append("─" * 40 + "\n", "dim")
    for m in conv.messages:
        out.append(sanitize(m.author_name) or "?", ROLE_STYLES.get(m.role, ""))
        if m.author_handle:
            out.append(f" @{sanitize(m.author_handle)}", "dim")
        out.append(f" ({m.role}) · {m.source} · {clock(m.created_at, tz)} · "
                   f"{relative(m.created_at, now)}", "dim")
        if m.edited_at:
            out.append(" · edited", "yellow")
        if m.deleted:
            out.append(" · deleted", "red")
        out.append("\n")
        if m.reply_to:
            excerpt = one_line(m.reply_to_text or "", 80) or m.reply_to
            out.append(f"  ↳ replying to: {excerpt}\n", "dim italic")
        body = sanitize(m.text)
        out.append("  " + body.replace("\n", "\n  ") + "\n\n", "strike dim" if m.deleted else "")
    return out


class DetailPane(VerticalScroll, can_focus=True):
    """Scrollable conversation view; ``enter`` again maximizes it."""

    ALLOW_MAXIMIZE = True

    def compose(self) -> ComposeResult:
        """One Static holding the conversation text."""
        yield Static(Text("Select a thread.", style="dim"), id="detail-body")

    def show(self, text: Text) -> None:
        """Replace the content and scroll to the newest message."""
        self.query_one("#detail-body", Static).update(text)
        self.scroll_end(animate=False, immediate=True)

    @property
    def text(self) -> str:
        """The plain text shown (tests and screen readers)."""
        content = self.query_one("#detail-body", Static).content
        return str(content)
