"""Parse one raw e-mail into plain, displayable parts — never raising, never dropping.

Pure functions over bytes; no I/O.  Built on the stdlib ``email`` package with
``policy=default`` semantics plus the recovery recipes Russian mail needs:

* raw 8-bit header bytes (no RFC 2047 words) are recovered from ``raw_items()``
  and decoded as utf-8, else the better of cp1251 / koi8-r;
* bodies are decoded from their *bytes* (``get_payload(decode=True)``), so a
  missing or unknown charset (``x-unknown``) or a koi8-r/cp1251 mislabel falls
  back to a guess instead of U+FFFD or ``LookupError``;
* HTML-only bodies become text with ``html2text``; ``multipart/alternative``
  prefers text/plain unless it is empty;
* quoted history and signatures are trimmed from the displayed text (the full
  text is kept as well);
* a bad ``Date`` is ``None`` here and the caller falls back to the IMAP
  INTERNALDATE / Maildir file time.

Speed: ``policy.default`` spends almost all of its time turning raw header
strings into structured header objects (an address list is ~0.1 ms, and the
parser itself re-reads ``Content-Type`` several times per part).  Those objects
are a pure function of (name, raw value) and immutable, and real mail repeats
the same values endlessly (``text/plain; charset=utf-8``, your own address in
``To``, the regular correspondents), so :data:`MEMO_POLICY` is ``policy.default``
with a bounded LRU in front of ``header_fetch_parse``.  Results are identical
to ``policy.default`` by construction; only repeated work is skipped.

``raw_text`` / ``raw_bytes`` define how raw bytes live in ``Item.raw``: decoded
as **latin-1**, the one codec that maps every byte to one character and back,
so ``raw_bytes(raw_text(b)) == b`` for any message (8-bit junk included).
"""

from __future__ import annotations

import email
import email.utils
import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from typing import TYPE_CHECKING, Any

from . import replies
from .charsets import decode_guess, decode_words, has_8bit

__all__ = [
    "Parsed",
    "parse",
    "raw_text",
    "raw_bytes",
    "normalize_msgid",
    "split_msgids",
    "decode_guess",
    "decode_words",
    "trim_quoted",
    "html_to_text",
]

# --- parsing policy -----------------------------------------------------------------------

# Distinct header values kept.  A parsed address list is a few KB of tree; 2048 of them stay
# in the low MB while covering the recurring values of a real mailbox (per-message ones such
# as Message-ID or Date are read raw, never through the policy: see _Headers).
HEADER_MEMO = 2048


@functools.lru_cache(maxsize=HEADER_MEMO)
def _fetch_header(name: str, value: str) -> Any:
    return policy.default.header_fetch_parse(name, value)


if TYPE_CHECKING:  # typeshed makes the policy generic; the runtime class is not subscriptable
    _EmailPolicyBase = EmailPolicy[EmailMessage]
else:
    _EmailPolicyBase = EmailPolicy


class _MemoPolicy(_EmailPolicyBase):
    """``policy.default`` whose structured header objects are memoized by (name, raw value).

    Header objects are immutable ``str`` subclasses, so sharing one between messages is
    safe; ``lru_cache`` is thread-safe, which matters because connectors parse in worker
    threads.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):  # already a header object (set by code, not parsed)
            return value
        return _fetch_header(name, value)


class _IndexedMessage(EmailMessage):
    """``EmailMessage`` whose header lookups use an index built on first use.

    The stdlib's ``get`` scans every header and lower-cases each name on every call, and
    a parse asks several times per part (content type, charset, disposition…).  Results
    are those of the scan: the index keeps each name's first occurrence, and is rebuilt
    whenever the header list changes length or is edited in place.
    """

    def get(self, name: str, failobj: Any = None) -> Any:  # type: ignore[override]
        d = self.__dict__
        idx: dict[str, tuple[str, str]] | None = d.get("_index")
        if idx is None or d.get("_index_n") != len(self._headers):  # type: ignore[attr-defined]
            idx = {}
            for k, v in self._headers:  # type: ignore[attr-defined]
                idx.setdefault(k.lower(), (k, v))
            d["_index"], d["_index_n"] = idx, len(self._headers)  # type: ignore[attr-defined]
        hit = idx.get(name.lower())
        return failobj if hit is None else self.policy.header_fetch_parse(*hit)

    def replace_header(self, _name: str, _value: Any) -> None:
        self.__dict__.pop("_index", None)  # an in-place edit keeps the length: drop the index
        super().replace_header(_name, _value)


MEMO_POLICY = _MemoPolicy(message_factory=_IndexedMessage)


# --- raw storage --------------------------------------------------------------------------

def raw_text(raw: bytes) -> str:
    """The raw message as text for ``Item.raw``: latin-1, byte-for-byte reversible."""
    return raw.decode("latin-1")


MAX_STORED_RAW = 512 * 1024
"""A message larger than this is not kept whole in the database (a 21 MB attachment must
not add 21 MB): its headers are, with the size and hash of the whole; the original stays
in the mailbox and its attachments are listed in the item's meta."""


def storable_raw(raw: bytes) -> str:
    """What the database keeps of ``raw`` (see :data:`MAX_STORED_RAW`): all of it, or the
    header block and a line naming the rest — identical input gives identical output, so a
    different message under a reused Message-ID is still told apart."""
    if len(raw) <= MAX_STORED_RAW:
        return raw_text(raw)
    head, sep, _body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, _body = raw.partition(b"\n\n")
    head = head[:MAX_HEADER_CHARS * 2]
    rest = (f"[inscope: the body and attachments of this message ({len(raw):,} bytes, "
            f"{raw_hash(raw)}) are not stored here; the original is in the mailbox]")
    return raw_text(head) + "\r\n\r\n" + rest


def raw_bytes(text: str) -> bytes:
    """Inverse of :func:`raw_text`."""
    return text.encode("latin-1")


def raw_hash(raw: bytes) -> str:
    """Stable id for a message without a Message-ID (same bytes → same id)."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:40]


# --- message ids ----------------------------------------------------------------------------

_MSGID_RE = re.compile(r"<([^<>\s]+)>")


def normalize_msgid(value: str | None) -> str:
    """``" abc@x "`` / ``"<abc@x>"`` → ``"<abc@x>"``; ``""`` when there is nothing usable."""
    if not value:
        return ""
    value = value.strip()
    m = _MSGID_RE.search(value)
    if m:
        return f"<{m.group(1)}>"
    token = value.split()[0] if value.split() else ""
    token = token.strip("<>")
    return f"<{token}>" if token else ""


def split_msgids(value: str | None) -> list[str]:
    """The ids in a References / In-Reply-To value, normalized, order kept, deduplicated —
    at most :data:`MAX_REFERENCES`: the first (the thread's root) and the newest."""
    if not value:
        return []
    found = [f"<{m}>" for m in _MSGID_RE.findall(value)]
    if not found:
        # Some mailers write ids without brackets, separated by whitespace.
        found = [normalize_msgid(tok) for tok in value.split() if "@" in tok]
    out = [mid for mid in dict.fromkeys(found) if mid]
    if len(out) > MAX_REFERENCES:
        out = [out[0], *out[-(MAX_REFERENCES - 1):]]
    return out


MAX_HEADER_CHARS = 32_768
"""A header value longer than this is cut before it is parsed (Subjects, names, ids)."""
MAX_ADDRESS_CHARS = 65_536
"""… an address header (To, Cc) keeps more: a long Cc list is real, 2,000 addresses rarely."""
MAX_REFERENCES = 200
"""References kept per message: the root and the newest ids are what threading needs."""


def _bounded(name: str, value: str) -> str:
    limit = MAX_ADDRESS_CHARS if name in ("to", "cc", "bcc", "reply-to") else MAX_HEADER_CHARS
    if name == "references" or len(value) <= limit:
        return value  # References: bounded by split_msgids, root first and newest last
    cut = value[:limit]
    # End at the last separator, so an encoded word or an address is never cut in half.
    sep = max(cut.rfind(","), cut.rfind(" "), cut.rfind("\n"))
    return cut[:sep] if sep > limit // 2 else cut


# --- result -----------------------------------------------------------------------------

@dataclass(slots=True)
class Parsed:
    """What we could read from one message; every field has a safe default."""

    subject: str = ""
    from_name: str = ""
    from_addr: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)  # (display name, address)
    cc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    message_id: str = ""  # normalized "<…>", "" when absent
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    date: datetime | None = None  # aware; None when missing or unparsable
    text: str = ""  # displayed: quoted history and signature trimmed
    full_text: str = ""  # the whole body as text
    attachments: list[dict[str, Any]] = field(default_factory=list)  # {name, size, type}
    answer: str = ""  # what the person wrote, without the forwarded blocks ``text`` adds
    quoted: str = ""  # the quoted history taken out of ``text`` (shown on request)
    forwarded: list[dict[str, str]] = field(default_factory=list)  # {author, date, subject, text}
    unparsed: bool = False  # the parser failed; text says so
    auth_results: str = ""  # the topmost Authentication-Results (added by our own server)
    received: int = 0  # how many Received headers: 0 = never went through a mail server
    notes: list[str] = field(default_factory=list)  # recoveries applied (for debugging)


# --- headers ----------------------------------------------------------------------------

class _Headers:
    """First raw value of each header of one message, looked up in O(1).

    ``parse`` reads about ten headers per message; scanning ``raw_items()`` (a copy of
    the header list) for each one was a measurable share of the fast path.
    """

    __slots__ = ("msg", "raw", "names", "_hint")

    def __init__(self, msg: Message) -> None:
        self.msg = msg
        self.raw: dict[str, str] = {}
        self.names: dict[str, str] = {}  # lower-case → the name as the message spells it
        self._hint: str | None | bool = False  # False: not looked up yet
        for k, v in msg.raw_items():
            low = k.lower()
            if low not in self.raw:
                # Bounded before any structured parse: the stdlib's header parser grows
                # quadratically with encoded words and addresses (a 580 KB Subject once
                # cost 5.7 GB).  What is kept is far more than a person writes.
                self.raw[low] = _bounded(low, str(v))
                self.names[low] = k

    def get(self, name: str) -> str | None:
        return self.raw.get(name)

    def parsed(self, name: str) -> Any:
        """The policy's header object for ``name`` — what ``msg.get(name)`` returns, without
        its scan over every header of the message (this runs several times per message)."""
        raw = self.raw.get(name)
        if raw is None:
            return None
        return self.msg.policy.header_fetch_parse(self.names[name], raw)  # type: ignore[union-attr]

    def hint(self) -> str | None:
        """The charset the message declares for its text (raw 8-bit headers are read in it)."""
        if self._hint is False:
            self._hint = _declared_charset(self.msg)
        return self._hint if isinstance(self._hint, str) else None


def _declared_charset(msg: Message) -> str | None:
    try:
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                cs = part.get_content_charset()
                if cs:
                    return str(cs)
    except Exception:
        return None
    return None


def _has_8bit(value: str) -> bool:
    # Bytes >= 0x80 arrive as surrogate escapes (\udc80-\udcff) from message_from_bytes.
    return has_8bit(value)


def _decode_words(value: str, hint: str | None = None) -> str:
    """Decode RFC 2047 encoded words (and raw 8-bit bytes) in a header value."""
    if "=?" not in value and not has_8bit(value):
        return value
    return _decode_words_memo(value, hint)


@functools.lru_cache(maxsize=HEADER_MEMO)
def _decode_words_memo(value: str, hint: str | None) -> str:
    # Memoized like the policy's header objects: subjects and names recur across a mailbox.
    try:
        return decode_words(value, hint)
    except Exception:  # a decoder bug must not lose the header: show it as it came
        return value


def _unfold(value: str) -> str:
    if "\n" not in value and "\r" not in value:
        return value  # most header values are one line: skip the regex
    return re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", "")


def header_text(msg: Message | _Headers, name: str, notes: list[str] | None = None) -> str:
    """A header as text, recovering raw 8-bit bytes and broken encoded words; ``""`` when absent.

    Raw 8-bit values and values with encoded words go through our own decoder
    (:func:`connectors.email.charsets.decode_words`): the stdlib leaves raw bytes
    inside a word, and words glued to text, undecoded.
    """
    h = msg if isinstance(msg, _Headers) else _Headers(msg)
    raw = h.get(name.lower())
    if raw is None:
        return ""
    if _has_8bit(raw) or "=?" in raw:
        if notes is not None and _has_8bit(raw):
            notes.append(f"8bit-header:{name}")
        return _decode_words(_unfold(raw), h.hint() if _has_8bit(raw) else None).strip()
    try:
        value = h.parsed(name.lower())
        text = str(value) if value is not None else ""
    except Exception:
        text = _unfold(raw)
    return _unfold(text).strip()


def _structured_pairs(hdr: Any) -> tuple[tuple[str, str], ...]:
    """(name, address) pairs of a parsed address header; ``()`` when the stdlib's parse is
    unusable — a name still holding "=?" is a word it could not take apart (glued to text,
    as Mail.ru's web mail writes it), which our own decoder then handles."""
    try:
        pairs = tuple((str(a.display_name or ""), str(a.addr_spec)) for a in getattr(hdr, "addresses", ())
                      if a.addr_spec and a.addr_spec != "<>")
    except Exception:
        return ()
    return () if any("=?" in n or "\ufffd" in n for n, _a in pairs) else pairs


@functools.lru_cache(maxsize=HEADER_MEMO)
def _memo_pairs(name: str, raw: str) -> tuple[tuple[str, str], ...]:
    return _structured_pairs(_fetch_header(name, raw))


def _addresses(h: _Headers, name: str, notes: list[str]) -> list[tuple[str, str]]:
    raw = h.get(name)
    if raw is None:
        return []
    pairs: list[tuple[str, str]] = []
    # A long list goes straight to the linear splitter below: the structured parser's cost
    # grows with the square of the addresses.
    if not _has_8bit(raw) and len(raw) <= 8192:
        if h.msg.policy is MEMO_POLICY:
            # The same From/To values recur across a mailbox: keep the pairs, not just the header.
            found = _memo_pairs(h.names[name], raw)
        else:
            found = _structured_pairs(h.parsed(name))
        if found:
            return list(found)
    # 8-bit names or something the structured parser rejected: decode then split ourselves.
    text = header_text(h, name, notes)
    for disp, addr in email.utils.getaddresses([text]):
        if addr and "@" in addr:
            pairs.append((disp.strip(), addr.strip()))
    return pairs


def _date(h: _Headers) -> datetime | None:
    raw = h.get("date")
    if not raw:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(_unfold(raw).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None or dt.tzinfo is None:
        # RFC 5322 "-0000" means "no zone info"; treat as UTC rather than local time.
        return None if dt is None else dt.replace(tzinfo=UTC)
    try:
        dt.utcoffset()
    except (OverflowError, ValueError):
        return None
    if not 1971 <= dt.year <= 2200:
        return None
    return dt


# --- bodies -----------------------------------------------------------------------------

def html_to_text(html: str) -> str:
    """Readable plain text from HTML (html2text, no wrapping, no images)."""
    try:
        import html2text

        h = html2text.HTML2Text()
        h.body_width = 0
        h.ignore_images = True
        h.ignore_emphasis = True
        h.ignore_tables = True  # layout tables (newsletters, Outlook) are not data: cells as lines
        h.unicode_snob = True
        h.single_line_break = False
        text = h.handle(html)
    except Exception:
        # html2text choking on hostile markup must not lose the message: strip tags crudely.
        text = re.sub(r"<[^>]*>", " ", html)
    # A mailto link is an address, not a link: "<[a@x](mailto:a@x)>" would hide it from
    # the quote-header patterns.
    text = _MAILTO.sub(r"\1", text)
    text = _EMPTY_LINK.sub("", text)  # "[ ](https://…)": an image link with the image dropped
    # "* * *" is html2text's <hr>: Outlook's line above the quoted header block, layout only.
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip() not in _HR_LINES]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_EMPTY_LINK = re.compile(r"\[\s*\]\([^)\s]*\)")
_MAILTO = re.compile(r"\[([^\]\n]*)\]\(mailto:[^)\s]*\)")
_HR_LINES = frozenset({"* * *", "---", "___", "- - -"})


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("ascii", "surrogateescape")
    return b""


def _part_text(part: Message, data: bytes | None = None) -> str:
    """The part as display text; ``data`` is its decoded payload when the caller has it."""
    if data is None:
        data = _part_bytes(part)
    # The (memoized) Content-Type header object already holds the parsed parameters; the
    # stdlib's get_content_charset would parse the raw value once more for every part.
    try:
        ctype: Any = part.get("content-type")
    except Exception:
        ctype = None
    params = getattr(ctype, "params", None)
    if params is not None:
        cs_value = params.get("charset")
        cs = str(cs_value).lower() if cs_value else None
        is_html = getattr(ctype, "content_type", "") == "text/html"
    else:
        try:
            cs = part.get_content_charset()
        except Exception:
            cs = None
        is_html = part.get_content_subtype() == "html"
    text = decode_guess(data, cs)
    if is_html:
        return html_to_text(text)
    return _clean(text)


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(ln.rstrip() for ln in text.split("\n")).strip()


def _is_attachment(part: Message) -> bool:
    if part.is_multipart():
        return False
    try:
        disp = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
    except Exception:
        disp, filename = "", None
    if disp == "attachment" or filename:
        return True
    return part.get_content_maintype() not in ("text", "multipart", "message")


def _attachment_name(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name:
        return _decode_words(name) if "=?" in name else name
    raw = part.get_param("name", header="content-type")
    if isinstance(raw, str) and raw:
        return _decode_words(raw)
    return f"unnamed.{part.get_content_subtype()}"


def _body(msg: EmailMessage) -> tuple[Message | None, bytes | None]:
    """The displayed body part: text/plain preferred unless empty, then text/html.

    Also returns the part's decoded payload when it had to be decoded to make the choice,
    so a base64 body is not decoded twice.
    """
    plain: Message | None = None
    html: Message | None = None
    try:
        plain = msg.get_body(preferencelist=("plain",))
        # A lone text/plain (most mail) cannot have an HTML sibling: skip the second walk.
        html = None if plain is msg else msg.get_body(preferencelist=("html",))
    except Exception:
        plain = html = None
    if plain is None and html is None:
        # get_body found nothing (odd nesting): take the first inline text part we see.
        for part in msg.walk():
            if part.get_content_maintype() == "text" and not _is_attachment(part):
                return part, None
        return None, None
    if plain is not None and html is None:
        return plain, None
    if plain is not None:
        data = _part_bytes(plain)
        if data.strip():
            return plain, data
    return html, None


def _attachments(msg: Message, body: Message | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in msg.walk():
        if part is body or not _is_attachment(part):
            continue
        out.append(
            {
                "name": _attachment_name(part),
                "size": len(_part_bytes(part)),
                "type": part.get_content_type(),
            }
        )
    return out


# --- quoted history and signatures -----------------------------------------------------

def trim_quoted(text: str, subject: str = "") -> str:
    """The displayed text of a body: what the person wrote, forwards shown as blocks.

    See :mod:`connectors.email.replies` for the rules (top/bottom/interleaved
    posting, quote headers of the common clients, signatures, forwards).
    """
    return replies.render(replies.extract(text, subject=subject))


# --- entry point ------------------------------------------------------------------------

def parse(raw: bytes, *, reference: bool = False) -> Parsed:
    """Parse ``raw`` into a :class:`Parsed`; never raises.

    If the stdlib parser itself fails, the result has ``unparsed=True`` and a
    text of ``"[unparsed message, N bytes]"`` followed by whatever headers and
    body could be scraped from the bytes.  ``reference=True`` parses with the
    plain, unmemoized ``policy.default`` (tests compare the two).
    """
    try:
        return _parse(raw, policy.default if reference else MEMO_POLICY)
    except Exception as exc:  # noqa: BLE001 - the one place that must never fail
        return _fallback(raw, exc)


def _parse(raw: bytes, pol: EmailPolicy[EmailMessage] = MEMO_POLICY) -> Parsed:
    msg = email.message_from_bytes(raw, policy=pol)
    assert isinstance(msg, EmailMessage)
    h = _Headers(msg)
    p = Parsed()
    notes = p.notes
    p.subject = header_text(h, "subject", notes)
    frm = _addresses(h, "from", notes) or _addresses(h, "sender", notes)
    if frm:
        p.from_name, p.from_addr = frm[0][0], frm[0][1].lower()
    p.to = [(n, a.lower()) for n, a in _addresses(h, "to", notes)]
    p.cc = [(n, a.lower()) for n, a in _addresses(h, "cc", notes)]
    p.reply_to = [(n, a.lower()) for n, a in _addresses(h, "reply-to", notes)]
    p.message_id = normalize_msgid(h.get("message-id"))
    p.in_reply_to = split_msgids(h.get("in-reply-to"))
    p.references = split_msgids(h.get("references"))
    p.date = _date(h)
    # Only the topmost Authentication-Results is our receiving server's; a sender can
    # write any number of them below it.
    p.auth_results = _unfold(h.get("authentication-results") or "")
    p.received = sum(1 for k, _v in msg.raw_items() if k.lower() == "received")
    body, body_bytes = _body(msg)
    if body is not None:
        p.full_text = _part_text(body, body_bytes)
    elif not msg.is_multipart() and msg.get_content_maintype() == "text":
        p.full_text = _part_text(msg)
    p.full_text = _cut_text(p.full_text, notes)
    p.attachments = _attachments(msg, body)
    reply = replies.extract(p.full_text, subject=p.subject)
    p.text = replies.render(reply)
    p.answer = reply.text
    p.quoted = reply.quoted
    p.forwarded = [f.as_meta() for f in reply.forwarded]
    if not p.text and p.attachments:
        p.text = "[attachments: " + ", ".join(a["name"] for a in p.attachments) + "]"
    return p


#: Body text kept per message. A person does not write more than this in one mail; a
#: log pasted inline or a generated report can be megabytes, and every rule, the
#: reply extractor and the list's search would pay for each byte. The rest stays in
#: the mailbox, and the cut says so.
MAX_TEXT_CHARS = 200_000


def _cut_text(text: str, notes: list[str]) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    notes.append("text-cut")
    rest = len(text) - MAX_TEXT_CHARS
    return text[:MAX_TEXT_CHARS] + f"\n[… {rest} more characters in the mailbox]"


def _fallback(raw: bytes, exc: BaseException) -> Parsed:
    """Scrape what we can from bytes the parser refused; the message is still shown."""
    p = Parsed(unparsed=True)
    p.notes.append(f"parse-error:{type(exc).__name__}")
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    fields: dict[str, str] = {}
    for m in re.finditer(rb"^([A-Za-z-]+):[ \t]*(.*(?:\n[ \t].*)*)", head, re.MULTILINE):
        name = m.group(1).decode("ascii", "replace").lower()
        fields.setdefault(name, _decode_words(_unfold(decode_guess(m.group(2)))))
    p.subject = fields.get("subject", "").strip()
    addrs = email.utils.getaddresses([fields.get("from", "")])
    if addrs and "@" in addrs[0][1]:
        p.from_name, p.from_addr = addrs[0][0], addrs[0][1].lower()
    p.message_id = normalize_msgid(fields.get("message-id"))
    p.in_reply_to = split_msgids(fields.get("in-reply-to"))
    p.references = split_msgids(fields.get("references"))
    recovered = _clean(decode_guess(body[:20000]))
    p.full_text = f"[unparsed message, {len(raw)} bytes]" + (f"\n{recovered}" if recovered else "")
    p.text = p.full_text
    return p
