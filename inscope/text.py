"""Client text is data: make it safe to show in a terminal (design invariant 6).

``sanitize`` strips terminal escape sequences (CSI/OSC/DCS …), C0/C1 control
characters other than newline and tab, and bidi override/isolate controls that
could reorder what the user sees.  Markup is *not* touched here: the UI renders
text with ``rich.text.Text`` (never ``from_markup``), so ``[bold]`` stays literal.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ … final), OSC (ESC ] … BEL/ST), DCS/SOS/PM/APC (… ST),
# and two-character escapes.  Also the 8-bit C1 forms (0x9b CSI, 0x9d OSC).
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]            # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)? # OSC
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?     # DCS, SOS, PM, APC
    | \x1b[@-Z\\-_]                     # other 2-char escapes
    | \x9b[0-?]*[ -/]*[@-~]             # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?    # 8-bit OSC
    """,
    re.VERBOSE,
)
# C0 except \t \n, DEL, C1; bidi embeddings/overrides/isolates (LRE…RLO, LRI…PDI).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str) -> str:
    """Remove escapes and control characters; keep newlines, tabs and all printable text."""
    if not text:
        return text
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str, limit: int = 500) -> str:
    """Collapse whitespace for single-line previews."""
    return " ".join(sanitize(text).split())[:limit]
