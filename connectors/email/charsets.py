"""Bytes of unknown or doubtful charset → text, the way a mature mail client reads them.

* :func:`decode_guess` — the declared charset first, corrected only when the
  bytes contradict it: valid multi-byte UTF-8 wins over a declared single-byte
  charset (a mislabel; by chance Latin or Cyrillic text is practically never
  valid UTF-8); the ISO-8859-1 / US-ASCII labels read as windows-1252 (what
  every browser and mail client does); a koi8-r / cp1251 mislabel is swapped
  when the other reading is clearly more Russian; declared UTF-8 with stray
  8-bit bytes keeps its UTF-8 and reads only the stray bytes by guess.
  Undeclared 8-bit: UTF-8, else Russian (cp1251 / koi8-r by lowercase count)
  when the high bytes form words, else Western (cp1252) when they are isolated
  accented letters, else ``charset-normalizer``'s best guess.
* :func:`decode_words` — RFC 2047 encoded words as real mailers write them:
  raw 8-bit bytes inside a word (``=?koi8-r?Q?<raw bytes>?=``), words glued to
  text without the required space (Mail.ru web mail:
  ``=?koi8-r?Q?=22?=Andrey Borzenkov=?koi8-r?Q?=22=20?=``), a multi-byte
  character split across adjacent words, missing base64 padding.

Why not charset-normalizer alone: on short Russian text (a subject, a one-line
reply) it answers koi8-r as cp932 and cp1251 as cp1125, and Latin-1 accents as
cp1250 (measured in ``python -m eval.email``); it is kept for what the two
cheap rules above do not cover.

Raw 8-bit bytes arrive in header strings as surrogate escapes (``\\udc80``-
``\\udcff``, from ``message_from_bytes``); both functions accept such strings.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

__all__ = ["decode_guess", "decode_words", "has_8bit", "codec_name"]

# Lowercase Cyrillic is the bulk of real Russian text.  cp1251 puts lowercase at
# 0xE0-0xFF and koi8-r puts it at 0xC0-0xDF, so decoding with the wrong one of the
# two yields mostly capitals: counting lowercase letters tells them apart.
_COMMON = set("оеаинтсрвлкмдпуяы")
_LOWER = re.compile("[а-яё]")
_UPPER = re.compile("[А-ЯЁ]")
_BAD = re.compile("[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_ASCII_LETTER = re.compile(rb"[A-Za-z]")
_SURROGATE_8BIT = re.compile("[\udc80-\udcff]")

# Labels that mean "Western single-byte"; decoded as windows-1252, a superset that
# gives 0x80-0x9F their real meaning (… “ ” €) instead of C1 control characters.
_WESTERN = frozenset({"us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1",
                      "windows-1252", "cp1252", "iso-8859-15", "iso8859-15", "ansi_x3.4-1968"})
_NO_CHARSET = frozenset({"", "unknown-8bit", "x-unknown", "8bit", "unknown", "default", "x-user-defined"})
# Mailers label text with the old standard and write its superset (GBK bytes as "gb2312",
# Windows code page 932 as "shift_jis"): decode with the superset, as mail clients do.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "euc_cn": "gb18030", "big5": "big5hkscs",
             "shift_jis": "cp932", "euc_kr": "cp949", "ks_c_5601-1987": "cp949"}
_MULTIBYTE = frozenset({"gb18030", "big5hkscs", "cp932", "cp949", "euc_jp", "iso2022_jp", "utf-16",
                        "utf-16-le", "utf-16-be", "utf-32", "cp950", "hz", "johab"})
# Pairs that are confused with each other in practice.
_CYR_SWAP = {"cp1251": "koi8-r", "koi8-r": "cp1251", "koi8-u": "cp1251"}
_ALIASES = {"x-mac-cyrillic": "mac-cyrillic", "x-mac-cyr": "mac-cyrillic", "win-1251": "cp1251",
            "x-cp1251": "cp1251", "cp-1251": "cp1251", "windows-1251": "cp1251", "koi8r": "koi8-r",
            "utf8": "utf-8", "x-unicode20utf8": "utf-8", "unicode-1-1-utf-8": "utf-8"}


def _cyr_score(text: str) -> int:
    lower = len(_LOWER.findall(text))
    upper = len(_UPPER.findall(text))
    common = sum(1 for ch in text if ch in _COMMON)
    return lower + common - 2 * upper - 4 * len(_BAD.findall(text))


def has_8bit(value: str) -> bool:
    """True when a header string carries raw 8-bit bytes (as surrogate escapes)."""
    return _SURROGATE_8BIT.search(value) is not None


def codec_name(label: str) -> str:
    """Python's canonical codec name for a charset label, or the label if unknown."""
    try:
        return codecs.lookup(label).name
    except LookupError:
        return label


def _label(declared: str | None) -> str:
    cs = (declared or "").strip().strip('"').strip("'").lower()
    return _ALIASES.get(cs, cs)


def _multibyte_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 if it decodes strictly (it has 8-bit bytes: the caller checked)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _best_cyrillic(data: bytes) -> tuple[str, int]:
    a = data.decode("cp1251", errors="replace")
    b = data.decode("koi8-r", errors="replace")
    sa, sb = _cyr_score(a), _cyr_score(b)
    return (a, sa) if sa >= sb else (b, sb)


def _looks_western(context: bytes) -> bool:
    """Latin text with a few accented letters, not Russian: Russian words are runs of 8-bit
    letters and leave few ASCII letters; Western text has lone accents ("Grüße", "ção")
    among many ASCII letters."""
    runs = _HIGH_RUN.findall(context)
    if not runs:
        return False
    high = sum(map(len, runs))
    mean_run = high / len(runs)
    ascii_letters = len(_ASCII_LETTER.findall(context))
    return mean_run < 1.6 and ascii_letters > 0 or mean_run < 3 and ascii_letters >= 3 * high


def _single_byte_guess(data: bytes, context: bytes | None = None) -> str:
    """Undeclared, not UTF-8: Russian words, Western accents, or the detector's answer.

    ``context`` is the text the bytes sit in (stray bytes inside UTF-8 are judged by it).
    """
    if _looks_western(data if context is None else context):
        return data.decode("cp1252", errors="replace")
    text, score = _best_cyrillic(data)
    if score > 0:
        return text
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # the detector is a fallback: its failure must not lose the text
        best = None
    return str(best) if best is not None else text


def _utf8_with_strays(data: bytes) -> str:
    """Declared UTF-8 with some invalid bytes: keep the UTF-8, guess only the strays."""
    out: list[str] = []
    pos = 0
    while pos < len(data):
        try:
            out.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            out.append(data[pos : pos + exc.start].decode("utf-8"))
            bad_end = pos + exc.end
            # Swallow the whole run of undecodable bytes and read it as one piece.
            while bad_end < len(data) and data[bad_end] >= 0x80:
                try:
                    data[bad_end:bad_end + 4].decode("utf-8")
                    break
                except UnicodeDecodeError as inner:
                    if inner.start == 0:
                        bad_end += 1
                    else:
                        break
            out.append(_single_byte_guess(data[pos + exc.start : bad_end], context=data))
            pos = bad_end
    return "".join(out)


def decode_guess(data: bytes, declared: str | None = None, *, trust_label: bool = False) -> str:
    """Decode ``data`` honouring ``declared`` unless the bytes contradict it.  Never raises.

    ``trust_label``: no koi8-r/cp1251 swap — for encoded words, which carry their own
    label per word and are short (an all-capitals "РАССЫЛКА" is not a mislabel).
    """
    if not data:
        return ""
    if data.isascii():
        return data.decode("ascii")
    cs = _label(declared)
    utf8 = _multibyte_utf8(data)
    if cs in _NO_CHARSET:
        return utf8 if utf8 is not None else _single_byte_guess(data)
    name = codec_name(cs)
    if name == "utf-8":
        return utf8 if utf8 is not None else _utf8_with_strays(data)
    if utf8 is not None and name not in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-7"):
        return utf8  # valid multi-byte UTF-8 under a single-byte label: a mislabel
    if cs in _WESTERN or name in ("latin_1", "ascii", "cp1252", "iso8859-15"):
        runs = _HIGH_RUN.findall(data)
        mean_run = sum(map(len, runs)) / len(runs) if runs else 0.0
        if mean_run >= 2.5:
            # Words of 8-bit letters under a Latin label: Russian mail whose client
            # labelled it wrongly (common with old Windows mailers).
            text, score = _best_cyrillic(data)
            if score > 0:
                return text
        return data.decode("iso8859-15" if name == "iso8859-15" else "cp1252", errors="replace")
    name = _SUPERSET.get(name, name)
    try:
        text = data.decode(name)
    except LookupError:
        return _single_byte_guess(data)
    except (UnicodeDecodeError, ValueError):
        if name in _MULTIBYTE:
            # Guessing a single-byte charset for CJK text only makes other garbage: keep the
            # declared reading, with a replacement mark where the bytes are broken.
            return data.decode(name, errors="replace")
        return _single_byte_guess(data)
    alt = _CYR_SWAP.get(name)
    if alt is None or trust_label:
        return text
    # Declared koi8-r/cp1251 (or kin): mislabels are common, keep the declared
    # reading unless the other one is clearly more Russian.
    other = data.decode(alt, errors="replace")
    return other if _cyr_score(other) > _cyr_score(text) + 2 else text


# --- RFC 2047 -----------------------------------------------------------------------------

_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?(.*?)\?=", re.DOTALL)
_QHEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def _word_bytes(enc: str, payload: str) -> bytes:
    raw = payload.encode("utf-8", "surrogateescape")  # raw 8-bit bytes stay what they were
    if enc in "Qq":
        return _QHEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"_", b" "))
    clean = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
    clean += b"=" * (-len(clean) % 4)
    try:
        return base64.b64decode(clean)
    except (binascii.Error, ValueError):
        return raw


def decode_words(value: str, hint: str | None = None) -> str:
    """Decode RFC 2047 words and raw 8-bit bytes in a header value (see module doc).

    ``hint`` is the message's declared charset, used for raw 8-bit text outside
    encoded words.  Whitespace between adjacent encoded words is dropped, as the
    RFC says; adjacent words in one charset are decoded together so a character
    split across them survives.
    """
    out: list[str] = []
    pend_cs: str | None = None
    pend: bytearray = bytearray()
    last = 0

    def flush() -> None:
        nonlocal pend_cs, pend
        if pend_cs is not None:
            out.append(decode_guess(bytes(pend), pend_cs, trust_label=True))
        pend_cs, pend = None, bytearray()

    for m in _WORD.finditer(value):
        between = value[last : m.start()]
        cs = m.group(1).split("*", 1)[0]  # RFC 2231 language suffix: "utf-8*ru"
        if between and not (pend_cs is not None and not between.strip()):
            flush()
            out.append(_literal(between, hint))
        if pend_cs is not None and _label(cs) != _label(pend_cs):
            flush()
        pend_cs = cs
        pend += _word_bytes(m.group(2), m.group(3))
        last = m.end()
    flush()
    out.append(_literal(value[last:], hint))
    # An encoded CR or NUL ("=0D") is no part of a one-line header.
    return _CONTROL.sub("", "".join(out))


_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def _literal(text: str, hint: str | None) -> str:
    if not has_8bit(text):
        return text
    return decode_guess(text.encode("utf-8", "surrogateescape"), hint)
