"""Plain-text rules of the Bot API, both ways: cleaning what comes in, splitting what goes out."""

from __future__ import annotations

import re

MAX_TEXT = 4096
"""sendMessage's limit: 4096 characters *after* the server trims surrounding whitespace.

The server counts Unicode code points, which is Python's ``len``: an emoji is one
character here even though it is two UTF-16 units in entity offsets."""

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Client text is data: drop control characters (terminal escapes) but keep \\n and \\t."""
    return _CONTROL_RE.sub("", text.replace("\r\n", "\n"))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters for sendMessage.

    Cuts at the last paragraph break (blank line) that fits, else the last line break,
    else the last space, else hard at ``limit``.  Parts are trimmed, since the server
    trims them anyway and an all-blank part would be rejected; order is kept.
    """
    rest = text.strip()
    parts: list[str] = []
    while len(rest) > limit:
        window = rest[: limit + 1]  # a break right after the limit still leaves a full part
        cut = -1
        for sep in ("\n\n", "\n", " "):
            idx = window.rfind(sep)
            if idx > 0 and rest[:idx].strip():
                cut = idx
                break
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
