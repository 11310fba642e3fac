"""A conversation → the document the detail pane shows (no Textual, no console).

``render_conversation`` returns a :class:`ConversationDoc`: the thread facts, why this
priority, then every message, as *paragraphs* of ``(text, Style)`` runs.  It is lazy (the
paragraphs are built on first use) and ``ConversationDoc.layout(width)`` wraps them once per
width (cached), so both can run in the worker that loaded the thread; the pane only draws
the rows on screen.  A 1 MB mail lays out in a few tens of milliseconds.

Everything from a client passes ``inscope.text.sanitize`` and becomes plain runs, never
markup, so ``[bold]`` in a message renders literally (invariant 6, docs/architecture.md,
Invariants).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import tzinfo
from functools import partial
from threading import Lock
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from inscope.attachments import AttachmentRef, human_size, of_messages
from inscope.i18n import N_, _, ngettext
from inscope.i18n.labels import PRIORITY, PROJECT_STATUS, ROLE, STATE, label, project_name
from inscope.i18n.reasons import reason_text
from inscope.model import MessageRow
from inscope.text import one_line, sanitize
from tui.format import SOURCE_ICONS, clock, relative, status_mark
from tui.render.wrap import CHUNKS, RULE, Layout, Para, Row, Run, wrap_para

if TYPE_CHECKING:
    from inscope.actions import Conversation  # annotations only: imported with its first load

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
_ATTACHMENT = Style(bold=True)
_QUOTED = Style(dim=True, italic=True)

# Message bodies longer than this are split (at line breaks) into paragraphs of so many lines.
BODY_CHUNK = 8_000
BODY_CHUNK_LINES = 100

def attachment_list(m: MessageRow) -> list[AttachmentRef]:
    """The attachments ``m`` lists (names and sizes only: the bytes stay at the source)."""
    return of_messages("", [m]) if m.meta.get("attachments") else []


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
        self._tails: dict[tuple[int, int], Layout] = {}  # first paints, by (width, rows)
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
        """Just the last paragraphs, at least ``min_rows`` rows of them (cost O(screen)).

        Kept per (width, rows): the loader's worker wraps them, the pane's first paint reuses them.
        """
        if (full := self.cached_layout(width)) is not None:
            return full
        with self._lock:
            built = self._paras is not None
            if (kept := self._tails.get((width, min_rows))) is not None:
                return kept
        # Every message takes at least three rows, so ``min_rows`` messages always suffice.
        paras = self.paras if built or self._tail is None else self._tail(min_rows)
        chunks: list[tuple[int, list[tuple[Run, ...]]]] = []
        total, i = 0, len(paras)
        while i > 0 and total < min_rows:
            i -= 1
            wrapped = wrap_para(paras[i], width)
            chunks.append((i, wrapped))
            total += len(wrapped)
        rows: list[Row] = []
        para_of_row: list[int] = []
        for idx, wrapped in reversed(chunks):
            rows.extend([(paras[idx].indent, r) for r in wrapped])
            para_of_row.extend([idx] * len(wrapped))
        if not built and self._tail is not None:
            para_of_row = [-1] * len(rows)  # indices into the full doc are not known yet
        result = Layout(width, rows, para_of_row, partial=True)
        with self._lock:
            if len(self._tails) >= 4:
                self._tails.clear()  # a resize storm: keep memory bounded
            self._tails[(width, min_rows)] = result
        return result

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
            wrapped = wrap_para(para, width)
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


def render_conversation(conv: Conversation, tz: tzinfo, now: float | None = None, *,
                        quoted: bool = False) -> ConversationDoc:
    """The detail doc: thread facts, why this priority, then every message.

    ``quoted``: show each e-mail's quoted history (``meta["quoted"]``, taken out of its text at
    ingest) under it; else one dim line says it is there and that ``T`` shows it.

    O(1) here: the paragraphs are built on first use — by ``layout`` in a worker for a big
    thread — so calling this on the UI thread does not cost a pass over the conversation.
    """
    now = time.time() if now is None else now
    # An estimate is enough to pick "lay out here" or "lay out in a worker".
    chars = sum(len(m.text) for m in conv.messages)
    return ConversationDoc(partial(_conversation_paras, conv, tz, now, quoted),
                           thread_id=conv.thread.id,
                           size_hint=(chars, 4 * len(conv.messages) + 12),
                           tail=partial(_tail_paras, conv, tz, now, quoted))


def _tail_paras(conv: Conversation, tz: tzinfo, now: float, quoted: bool, count: int) -> list[Para]:
    """The paragraphs of the last ``count`` messages (the first paint of a huge thread)."""
    paras: list[Para] = []
    for m in conv.messages[-count:]:
        _add_message(paras, m, tz, now, quoted=quoted)
    return paras


# The toolkit's lines in the thread facts (msgids; translated where shown).
FOLLOWUP_BACK = N_("back from a follow-up: {note}")
SCHEDULED_REPLY = N_("reply scheduled for {when} (outbox #{oid}) — r edits it, ctrl+p sends it now "
                     "or cancels it")
RELEVANCE = {"mine": N_("yours"), "watch": N_("shown (not addressed to you)"),
             "noise": N_("not yours")}
SCOPE = {"in": N_("in scope"), "out": N_("out of scope")}


def _conversation_paras(conv: Conversation, tz: tzinfo, now: float, quoted: bool = False) -> list[Para]:
    """Thread facts, why this priority, then every message (pure; runs once per doc)."""
    t = conv.thread
    paras: list[Para] = []
    add = paras.append

    add(Para(((sanitize(t.title) or _("(untitled)"), BOLD),)))
    facts: list[Run] = [(sanitize(project_name(t.project)), BOLD)]
    if conv.project_status != "active":
        since = (" " + _("since {when}").format(when=clock(conv.project_since, tz))
                 if conv.project_since else "")
        facts.append((f" {status_mark(conv.project_status)} "
                      f"{label(PROJECT_STATUS, conv.project_status)}{since}", _WARN))
    count = ngettext("{n} message", "{n} messages", t.msg_count).format(n=t.msg_count)
    facts += [(f" · {SOURCE_ICONS.get(t.source, '?')} {t.source}", DIM),
              (f" · {label(STATE, t.state)}", DIM), (f" · {count}", DIM)]
    add(Para(tuple(facts), kind=CHUNKS))
    if t.delivery_error:
        add(Para(((_("⚠ reply not delivered: {error}").format(error=one_line(t.delivery_error)),
                   _OUT), (" — " + _("ctrl+p: resend, edit or cancel it"), DIM)), kind=CHUNKS))
    if t.urgent:
        why = one_line(reason_text(t.urgent_reason)) or _("an emergency")
        add(Para(((_("urgent: {reason}").format(reason=why), _OUT),
                  (" — " + _("it breaks through the reply windows"), DIM)), kind=CHUNKS))
    whose = _(RELEVANCE[t.relevance]) if t.relevance in RELEVANCE else t.relevance
    rel: list[Run] = [(_("whose: {relevance}").format(relevance=whose), BOLD)]
    if t.relevance_reason:
        rel.append((f" — {one_line(reason_text(t.relevance_reason))}", PLAIN))
    rel.append((" " + _("(m corrects it)"), DIM))
    add(Para(tuple(rel), kind=CHUNKS))
    prio: list[Run] = [(_("priority: {priority}").format(priority=label(PRIORITY, t.priority.label)),
                        BOLD)]
    if t.due_at:
        late = " " + _("(overdue)") if t.due_at < now and t.state == "open" else ""
        prio.append((" · " + _("due {when}").format(when=clock(t.due_at, tz)) + late,
                     _OUT if late else PLAIN))
    add(Para(tuple(prio), kind=CHUNKS))
    if t.reasons:
        add(Para(((_("why this priority:"), DIM),)))
        paras.extend(Para(((f"• {one_line(reason_text(r))}", PLAIN),), indent=2) for r in t.reasons)
    if t.scope != "unknown":
        scope_word = _(SCOPE[t.scope]) if t.scope in SCOPE else t.scope
        scope: list[Run] = [(_("scope: {scope}").format(scope=scope_word),
                             _OUT if t.scope == "out" else PLAIN)]
        if t.scope_reason:
            scope.append((f" — {one_line(reason_text(t.scope_reason))}", PLAIN))
        add(Para(tuple(scope)))
    if t.state == "snoozed":
        # The action layer words the reason ("until Fri 5 Dec 10:00", "until the client
        # replies"); older rows kept a bare label ("1 hour") and get the wake time added.
        reason = one_line(t.snooze_reason)
        if reason.startswith("until"):
            # The action layer's words for it in the interface language (the stored ones
            # are English).
            until = one_line(conv.snooze_text) or reason_text(reason)
            snooze: list[Run] = [(_("snoozed {until}").format(until=until), BOLD)]
        else:
            wake = {
                "client": _("until the client replies"),
                "project": _("until the project is active"),
            }.get(t.snooze_kind or "", _("until {when}").format(when=clock(t.snooze_until, tz)))
            snooze = [(_("snoozed {until}").format(until=wake), BOLD)]
            if reason:
                snooze.append((f" — {reason}", PLAIN))
        add(Para(tuple(snooze)))
    if conv.followup_note:
        add(Para(((_(FOLLOWUP_BACK).format(note=one_line(conv.followup_note)), BOLD),)))
    for oid, when in conv.scheduled:
        add(Para(((_(SCHEDULED_REPLY).format(when=one_line(when), oid=oid), BOLD),)))
    for e in conv.escalations:
        state = (_("resolved") if e.get("resolved_at")
                 else _("delivery: {state}").format(state=e.get("delivery") or _("n/a")))
        add(Para(((_("escalated to {whom} via {channel}").format(
                    whom=one_line(str(e.get("to", ""))), channel=one_line(str(e.get("channel", "")))),
                   _ESCALATION), (f" · {clock(e.get('created_at'), tz)}", _ESCALATION),
                  (f" · {state}", _ESCALATION)), kind=CHUNKS))
        if e.get("note"):
            add(Para(((_("note: {note}").format(note=one_line(str(e["note"]))), PLAIN),), indent=2))
    if t.url:
        add(Para(((one_line(t.url), _URL),)))
    add(Para((("─", DIM),), kind=RULE))
    hidden = t.msg_count - len(conv.messages)
    if hidden > 0:
        add(Para(((ngettext("… {n} older message not shown — o opens the original",
                             "… {n} older messages not shown — o opens the original",
                             hidden).format(n=hidden), DIM),)))
        add(Para((("", PLAIN),)))
    numbered = 0  # attachments are numbered across the thread, as `A` and `inscope show` say
    for m in conv.messages:
        numbered = _add_message(paras, m, tz, now, numbered, quoted=quoted)
    return paras


def _add_message(paras: list[Para], m: MessageRow, tz: tzinfo, now: float, numbered: int = 0, *,
                 quoted: bool = False) -> int:
    """Author line, reply excerpt, body, its quoted history (or a line saying it is hidden),
    its attachments, blank line — per message.  Returns ``numbered`` plus the attachments
    this message lists."""
    head: list[Run] = [(sanitize(m.author_name) or "?", ROLE_STYLES.get(m.role, PLAIN))]
    if m.author_handle:
        head.append((f" @{sanitize(m.author_handle)}", DIM))
    head += [(f" ({one_line(label(ROLE, m.role), 20)})", DIM), (f" · {m.source}", DIM),
             (f" · {clock(m.created_at, tz)}", DIM), (f" · {relative(m.created_at, now)}", DIM)]
    if m.edited_at:
        head.append((" · " + _("edited"), _EDITED))
    if m.deleted:
        head.append((" · " + _("deleted"), _DELETED))
    paras.append(Para(tuple(head), kind=CHUNKS))
    if m.reply_to:
        excerpt = one_line(m.reply_to_text or "", 80) or one_line(m.reply_to, 80)
        paras.append(Para(((_("↳ replying to: {excerpt}").format(excerpt=excerpt), _REPLY),), indent=2))
    body, style = sanitize(m.text), _DELETED_BODY if m.deleted else PLAIN
    if len(body) <= BODY_CHUNK:
        paras.append(Para(((body, style),), indent=2))
    else:
        # A 1 MB mail as ~100-line paragraphs: the first paint wraps only the last few.
        lines = body.split("\n")
        for k in range(0, len(lines), BODY_CHUNK_LINES):
            paras.append(Para((("\n".join(lines[k:k + BODY_CHUNK_LINES]), style),), indent=2))
    history = m.meta.get("quoted") if not m.deleted else None
    if isinstance(history, str) and history.strip():
        lines = sanitize(history).strip("\n").split("\n")
        if quoted:  # as the sender's client quoted it (its "> " marks included), dimmed
            for k in range(0, len(lines), BODY_CHUNK_LINES):
                paras.append(Para((("\n".join(lines[k:k + BODY_CHUNK_LINES]), _QUOTED),), indent=2))
        else:
            # English keeps its one form for every count.
            hidden = ngettext("┄ quoted history, {n} line(s) — T shows it",
                              "┄ quoted history, {n} line(s) — T shows it",
                              len(lines)).format(n=len(lines))
            paras.append(Para(((hidden, DIM),), indent=2))
    if not m.deleted:
        for a in attachment_list(m):
            numbered += 1
            paras.append(Para(((f"📎 {numbered} ", _ATTACHMENT), (one_line(a.name, 120), PLAIN),
                               (f" · {human_size(a.size)}" + (" — " + _("A saves it") if numbered == 1 else ""),
                                DIM)), indent=2, kind=CHUNKS))
    paras.append(Para((("", PLAIN),)))
    return numbered
