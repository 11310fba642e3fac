"""What the person wrote in one message: the answer, the quoted history, the forwards.

:func:`extract` splits a plain-text body (HTML bodies are converted first) into

* ``text`` — the new part, whatever the posting style: top-posted (answer above
  the quote), bottom-posted ("Hi," + quote + answer: both parts kept), or
  interleaved (answers between quoted lines: the quoted questions stay inline,
  they are what the answers refer to); signatures (``-- ``, "Sent from my
  iPhone", "Отправлено из мобильной Почты Mail.ru") are trimmed, but a message
  is never trimmed to nothing;
* ``quoted`` — everything taken out of ``text`` (attribution lines, ``>`` blocks,
  Outlook header blocks and what follows them): the history one key away;
* ``forwarded`` — forwarded messages as blocks (author, date, subject, text):
  the forwarded text *is* the message ("FYI" + the client's correction), so it
  is not cut as history.

Where the quote headers come from (clients, languages) is
:mod:`connectors.email.quote_headers`.  The rules here are about structure:

1. ``>`` blocks: an attribution right above one belongs to it.  A block with
   no new text after it is history.  If two or more blocks are each answered
   the message is interleaved and the quoted lines stay; a single answered
   block is history when it is long or attributed (bottom posting), and stays
   when it is a short unattributed citation.
2. An attribution, ``-----Original Message-----`` or a header block that is
   *not* followed by ``>`` lines starts unmarked history: the rest of the
   message is quoted (nothing marks where such a quote would end) — unless the
   subject says the message is a forward, then the first such block is the
   forwarded message.
3. A forward separator starts a forwarded message that runs to the next
   separator or the Yandex "end of forwarded message" line (or, in Apple's
   ``>`` style, to the end of its ``>`` block); its own history is trimmed the
   same way, recursively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import quote_headers as qh

__all__ = ["Forward", "Reply", "extract", "render"]

_SIG_DELIMS = frozenset({"-- ", "--", "—", "-- \u00a0", "__", "–"})
_MOBILE_SIG = re.compile(
    r"^\s*(?:Sent from my [\w\s-]{1,40}|Sent from (?:Mail|Outlook|Yandex|Samsung|Yahoo|Gmail|ProtonMail)\b.{0,60}"
    r"|Sent with \w+(?: \(.*\))?|Sent via .{1,60}|Get Outlook for \w+.{0,20}"
    r"|Отправлено (?:с|из|со) .{1,60}|Отправлено из мобильной .{1,60}|Отправлено с помощью .{1,60}"
    r"|Написано с \w+.{0,40}|Von meinem .{1,60} gesendet|Envoyé de mon .{1,40}|Inviato da(?:l mio)? .{1,40}"
    r"|Enviado desde mi .{1,40}|Enviado do meu .{1,40}|Verzonden vanaf mijn .{1,40}|Wysłane z .{1,40}"
    r"|Skickat från min .{1,40}|Sendt fra min .{1,40}|Lähetetty .{1,40}(?:laitteesta|puhelimesta))\s*$",
    re.IGNORECASE,
)
# "reply On Wed, … wrote:" — the answer and the attribution on one line (some webmail).
_INLINE_ATTRIBUTION = re.compile(r"^(?P<head>.*?\S)\s*(?:-{2,}\s*)?(?P<attr>\bOn\s.{5,200}\bwrote:\s*)$")
_FWD_WHO = [
    # Mail.ru: "<date> от <who>:" / "<date> from <who>:"
    re.compile(r"^(?P<date>.*?\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[+-]\d{2}:?\d{2})?),?\s+(?:от|from)\s+(?P<who>.+?):\s*$",
               re.IGNORECASE),
    # Yandex: "<date>, <time>, <who>:"
    re.compile(r"^(?P<date>.*?\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[+-]\d{2}:?\d{2})?),\s*(?P<who>.+?):\s*$"),
    # "On <date>, <who> wrote:"
    re.compile(r"^\s*\S+\s+(?P<date>.+?\d{1,2}[:.]\d{2}(?:\s*[AP]M)?),?\s+(?P<who>.+?)\s+\S+:\s*$", re.IGNORECASE),
]


@dataclass(frozen=True, slots=True)
class Forward:
    """One forwarded message: who wrote it, when, its subject and its (trimmed) text."""

    author: str
    date: str
    subject: str
    text: str

    def as_meta(self) -> dict[str, str]:
        """The JSON-able form stored in ``Item.meta["forwarded"]``."""
        return {"author": self.author, "date": self.date, "subject": self.subject, "text": self.text}


@dataclass(frozen=True, slots=True)
class Reply:
    """The parts of one body; ``text`` is what to show, nothing else is lost."""

    text: str
    quoted: str = ""
    forwarded: tuple[Forward, ...] = ()


@dataclass(slots=True)
class _Seg:
    kind: str  # "text" | "quote" | "history"
    lines: list[str] = field(default_factory=list)
    attribution: list[str] = field(default_factory=list)


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _unquote(line: str) -> str:
    s = line.lstrip()
    if s.startswith(">"):
        s = s[1:]
        return s[1:] if s.startswith(" ") else s
    return line


# The last line of a wrapped header that a client broke right after the address: ">:" or
# "> wrote:" — it starts with ">" but is not a quoted line.
_ATTR_TAIL = re.compile(r"^\s*>\s*(?:\w+(?:\(\w+\))?)?\s*:\s*$")
_SEPARATOR_LINE = re.compile(r"^\s*(?:_{8,}|-{8,}|\* \* \*)\s*$")
_WEEKDAYS = (r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
             r"|пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье")
_HEADER_START = re.compile(
    rf"^\s*(?:-{{2,}}\s*)?(?:On|Am|Le|Op|El|Il|Em|Dne|Den|På|W\s+dniu|В|Vào|\d|(?:{_WEEKDAYS})\.?,)",
    re.IGNORECASE,
)


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines (1-3) starting at ``i`` form an attribution; 0 if none.

    A header wrapped over several lines must begin like one ("On …", a date, a
    weekday): otherwise the last line of the answer would be swallowed with it.
    """
    if not lines[i].strip() or _is_quote(lines[i]):
        return 0
    multi_ok = bool(_HEADER_START.match(lines[i]))
    joined = ""
    for k in range(qh.ATTRIBUTION_MAX_LINES if multi_ok else 1):
        if i + k >= len(lines) or (_is_quote(lines[i + k]) and not (k and _ATTR_TAIL.match(lines[i + k]))):
            return 0
        part = lines[i + k].strip()
        if not part and k:
            return 0
        joined = f"{joined} {part}" if joined else part
        if qh.is_attribution(joined):
            return k + 1
        # Only an unfinished header continues: a line already ending a sentence does not.
        if part.endswith((".", "!", "?")) and not re.search(r"\d\.$", part):
            return 0
    return 0


def _quote_end(lines: list[str], i: int) -> int:
    """End of the ``>`` block starting at ``i``: blank lines inside it, and a line a long
    link pushed out of it ("(http://…) >", the rest of an unclosed "(" or "<"), belong to it."""
    n = len(lines)
    j = i
    while j < n:
        line = lines[j]
        if _is_quote(line):
            j += 1
            continue
        nxt = j + 1 < n and _is_quote(lines[j + 1])
        if not line.strip() and nxt:
            j += 1
            continue
        prev = lines[j - 1] if j > i else ""
        unclosed = prev.count("(") > prev.count(")") or prev.count("<") > prev.count(">")
        if line.strip() and nxt and (line.rstrip().endswith(">") or unclosed) and len(line) < 120:
            j += 1
            continue
        break
    return j


def _header_block_at(lines: list[str], i: int, *, any_first: bool = False) -> int:
    """Length of an Outlook-style header block starting at ``i`` (0 if none).

    ``any_first``: inside a forward, where the block may open with any field
    ("Sujet :", "Subject:"); elsewhere it opens with From or Date, as clients write it.
    """
    first = qh.header_field(lines[i])
    if first is None or not first[1] and first[0] != "subject":
        return 0
    if first[0] not in ("from", "date") and not any_first:
        return 0
    seen = {first[0]}
    end = i + 1
    j = i + 1
    while j < len(lines) and j < i + 12:
        line = lines[j]
        if not line.strip():
            break
        f = qh.header_field(line)
        if f is not None:
            seen.add(f[0])
            end = j + 1
        elif j - end >= 2:
            break  # a field's value wraps at most over two more lines
        j += 1
    if len(seen) < 2 or not seen & {"date", "to", "subject"}:
        return 0
    # The value of the last field may continue ("Subject: Two\nline subject").
    while end < len(lines) and lines[end].strip() and end < i + 12:
        end += 1
    return end - i


def _parse_fields(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    last = ""
    for line in lines:
        f = qh.header_field(line)
        if f is not None:
            last = f[0]
            out.setdefault(last, f[1])
        elif last and line.strip():
            out[last] = f"{out[last]} {line.strip()}".strip()
    return out


def _forward_from_block(lines: list[str], subject_hint: str) -> tuple[Forward, list[Forward], str]:
    """A forwarded message's header + body → the block, nested forwards, its history."""
    k = 0
    while k < len(lines) and not lines[k].strip():
        k += 1
    author = date = subject = ""
    n = _header_block_at(lines, k, any_first=True) if k < len(lines) else 0
    if n:
        fields = _parse_fields(lines[k : k + n])
        author, date, subject = fields.get("from", ""), fields.get("date", ""), fields.get("subject", "")
        body = lines[k + n :]
    else:
        a = _attribution_at(lines, k) if k < len(lines) else 0
        if a:
            head = " ".join(x.strip() for x in lines[k : k + a])
            for pat in _FWD_WHO:
                m = pat.match(head)
                if m:
                    author, date = m.group("who").strip(), m.group("date").strip()
                    break
            body = lines[k + a :]
        else:
            body = lines[k:]
    inner = _extract(body, subject_hint="")
    fwd = Forward(author=_clean_addr(author), date=date, subject=subject or subject_hint, text=inner.text)
    return fwd, list(inner.forwarded), inner.quoted


def _clean_addr(value: str) -> str:
    # Outlook writes "Ann [mailto:ann@x]", Gmail's HTML "Ann <ann@x<mailto:ann@x>>".
    value = re.sub(r"\s*\[mailto:[^\]]*\]", "", value)
    value = re.sub(r"<mailto:[^>]*>", "", value)
    return " ".join(value.split())


def _strip_signature(lines: list[str], *, first: bool) -> list[str]:
    out = list(lines)
    for i, line in enumerate(out):
        if line.rstrip("\u00a0") in _SIG_DELIMS or line in _SIG_DELIMS:
            # A delimiter on the very first line of the message is a stray dash, not a signature.
            if i > 0 or not first:
                out = out[:i]
            break
    while out and (not out[-1].strip() or _MOBILE_SIG.match(out[-1])):
        out.pop()
    return out


def extract(text: str, *, subject: str = "") -> Reply:
    """Split ``text`` (a plain-text body) into answer, quoted history and forwards.

    ``subject`` tells a forward ("Fwd:", "FW:", "Пересл:") from a reply when an
    Outlook header block is the only marker.  Never raises; never returns an
    empty ``text`` for a non-empty body unless the body is only forwards.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _extract(lines, subject_hint=subject)


# Could any line be a marker (a quote, a quote header, a separator, a header block)?  Every
# structure below needs one of these; most mail has none, and then the line-by-line scan is
# skipped (the result is the same: one text segment).  Header verbs may end a line without a
# colon ("---- John wrote ----", "On … wrote"), old Gmail headers end in "<addr>".
_MAYBE_MARKER = re.compile(r"^[ \t]*>|[:\->][ \t]*$|--|^[^\n:]{1,40}:|^[ \t]*_{8,}", re.MULTILINE)


def _maybe_structured(text: str, lines: list[str]) -> bool:
    if _MAYBE_MARKER.search(text):
        return True
    # A header verb ending a line without a colon ("… John wrote"): compare last words.
    return not qh.VERB_LAST.isdisjoint(
        ln.rsplit(None, 1)[-1].casefold() for ln in lines if ln and not ln.isspace())


def _plain(lines: list[str]) -> Reply:
    """A body without any marker: only a signature can go (what ``_assemble`` does with
    one text segment, without its bookkeeping — this is the path most mail takes)."""
    body = _strip_signature(lines, first=True)
    text = _join([body])
    if not text:
        return Reply(text=_join([lines]))
    removed = "\n".join(lines[len(body):]).strip("\n")
    return Reply(text=text, quoted=removed if removed.strip() else "")


def _extract(lines: list[str], *, subject_hint: str) -> Reply:
    if not _maybe_structured("\n".join(lines), lines):
        return _plain(lines)
    segs: list[_Seg] = []
    forwards: list[Forward] = []
    history_extra: list[str] = []
    buf: list[str] = []
    forward_mode = qh.is_forward_subject(subject_hint)
    n = len(lines)
    i = 0

    def flush() -> None:
        nonlocal buf
        if buf:
            segs.append(_Seg("text", buf))
            buf = []

    while i < n:
        line = lines[i]
        if _is_quote(line):
            j = _quote_end(lines, i)
            block = lines[i:j]
            inner = [_unquote(x) for x in block]
            fpos = next((k for k, x in enumerate(inner[:3]) if qh.is_forward_separator(x)), None)
            if fpos is not None:
                # Apple Mail's forward: the whole forwarded message is one ">" block.
                flush()
                fwd, nested, hist = _forward_from_block(inner[fpos + 1 :], subject_hint)
                forwards.append(fwd)
                forwards.extend(nested)
                if hist:
                    history_extra.append(hist)
                i = j
                continue
            attribution: list[str] = []
            # The attribution right above (blank lines between allowed) belongs to this block.
            tail = len(buf)
            while tail and not buf[tail - 1].strip():
                tail -= 1
            m = _INLINE_ATTRIBUTION.match(buf[tail - 1]) if tail else None
            if m and not _HEADER_START.match(buf[tail - 1]) and qh.is_attribution(m.group("attr")):
                # "reply On Wed, … wrote:": the answer and the header share the line.
                attribution = [m.group("attr")]
                buf[tail - 1] = m.group("head").rstrip("-").rstrip()
            else:
                for k in range(min(qh.ATTRIBUTION_MAX_LINES, tail), 0, -1):  # longest first
                    if _attribution_at(buf, tail - k) == k:
                        attribution = buf[tail - k : tail]
                        buf = buf[: tail - k]
                        break
            flush()
            segs.append(_Seg("quote", block, attribution))
            i = j
            continue
        if qh.is_forward_separator(line):
            flush()
            k = i + 1
            while k < n and not lines[k].strip():
                k += 1
            if k < n and _is_quote(lines[k]):
                # "Begin forwarded message:" then the message as a ">" block; text after it is ours.
                j = _quote_end(lines, k)
                fwd, nested, hist = _forward_from_block([_unquote(x) for x in lines[k:j]], subject_hint)
                forwards.append(fwd)
                forwards.extend(nested)
                if hist:
                    history_extra.append(hist)
                i = j
                continue
            j = i + 1
            while j < n and not qh.is_forward_separator(lines[j]) and not qh.is_forward_end(lines[j]):
                j += 1
            fwd, nested, hist = _forward_from_block(lines[i + 1 : j], subject_hint)
            forwards.append(fwd)
            forwards.extend(nested)
            if hist:
                history_extra.append(hist)
            i = j + 1 if j < n and qh.is_forward_end(lines[j]) else j
            continue
        a = _attribution_at(lines, i)
        if a:
            nxt = i + a
            while nxt < n and not lines[nxt].strip():
                nxt += 1
            if nxt < n and _is_quote(lines[nxt]):
                buf.extend(lines[i : i + a])  # claimed by the ">" block that follows
                i += a
                continue
        hdr = _header_block_at(lines, i) if not a else 0
        if a or hdr or qh.is_original_separator(line):
            sep: list[str] = []
            while buf and (not buf[-1].strip() or _SEPARATOR_LINE.match(buf[-1])):
                sep.insert(0, buf.pop())  # Outlook's "____" line above its header block
            flush()
            nothing_before = not forwards and not any(
                x.strip() for s in segs for x in s.lines if s.kind == "text")
            if (forward_mode and not forwards) or (nothing_before and not a):
                # A forward: by its subject, or a message that is nothing but the header
                # block of another one (Thunderbird's inline forward).
                start = i + 1 if qh.is_original_separator(line) else i
                fwd, nested, hist = _forward_from_block(lines[start:], subject_hint)
                forwards.append(fwd)
                forwards.extend(nested)
                if hist:
                    history_extra.append(hist)
            else:
                segs.append(_Seg("history", [x for x in sep if x.strip()] + lines[i:]))
            break
        buf.append(line)
        i += 1
    flush()
    return _assemble(segs, forwards, history_extra)


def _assemble(segs: list[_Seg], forwards: list[Forward], history_extra: list[str]) -> Reply:
    # Index of the last segment with new text in it (signatures do not count as an answer).
    stripped = {k: _strip_signature(s.lines, first=k == 0) for k, s in enumerate(segs) if s.kind == "text"}
    last_text = max((k for k, body in stripped.items() if any(x.strip() for x in body)), default=-1)
    answered = [k for k, s in enumerate(segs) if s.kind == "quote" and k < last_text]
    interleaved = len(answered) >= 2
    kept: list[list[str]] = []
    gap = False  # something was removed since the last kept segment
    quoted: list[str] = []

    def keep(lines: list[str]) -> None:
        nonlocal gap
        if gap or not kept:
            kept.append(list(lines))
        else:
            kept[-1].extend(lines)  # adjacent in the original: keep its own spacing
        gap = False

    for k, s in enumerate(segs):
        if s.kind == "text":
            body = stripped[k]
            removed = s.lines[len(body) :]
            if any(x.strip() for x in removed):
                quoted.append("\n".join(removed).strip("\n"))
            if any(x.strip() for x in body):
                keep(body)
                gap = any(x.strip() for x in removed)
            continue
        if s.attribution:
            quoted.append("\n".join(s.attribution))
            gap = True
        if s.kind == "quote" and k in answered:
            short = len([x for x in s.lines if x.strip()]) <= 3 and not s.attribution
            if interleaved or short:
                keep(s.lines)
                continue
        quoted.append("\n".join(s.lines).strip("\n"))
        gap = True
    quoted.extend(history_extra)
    text = _join(kept)
    quoted_text = "\n\n".join(q for q in quoted if q.strip())
    if not text and not forwards:
        # Never trim a message to nothing: a lone quote or header is what was sent.
        whole = _join([s.lines for s in segs])
        return Reply(text=whole, quoted="", forwarded=())
    return Reply(text=text, quoted=quoted_text, forwarded=tuple(forwards))


def _join(parts: list[list[str]]) -> str:
    out: list[str] = []
    for p in parts:
        block = "\n".join(x.rstrip() for x in p).strip("\n")
        if block.strip():
            out.append(block)
    return _BLANK_RUNS.sub("\n\n", "\n\n".join(out)).strip()


_BLANK_RUNS = re.compile(r"\n{3,}")


def render(reply: Reply) -> str:
    """The displayed text: the answer, then each forwarded message as a labelled block."""
    parts = [reply.text] if reply.text else []
    for f in reply.forwarded:
        head = " · ".join(x for x in (f.author, f.date) if x)
        label = f"---------- Forwarded: {head} ----------" if head else "---------- Forwarded ----------"
        parts.append(f"{label}\n{f.text}".rstrip())
    return "\n\n".join(parts).strip()


def as_meta(reply: Reply) -> dict[str, Any]:
    """``{"quoted": …, "forwarded": […]}`` for ``Item.meta`` (keys only when non-empty)."""
    out: dict[str, Any] = {}
    if reply.quoted:
        out["quoted"] = reply.quoted
    if reply.forwarded:
        out["forwarded"] = [f.as_meta() for f in reply.forwarded]
    return out
