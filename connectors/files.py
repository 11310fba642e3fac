"""Saving a remote file on the user's disk: a name that cannot escape, a file never overwritten.

An attachment's name is written by whoever sent it: ``../../.bashrc``, ``\\x1b]52;…``, a
name of 10,000 characters or none at all.  :func:`safe_filename` keeps what a person
would recognise of it and nothing that could leave the directory, hide as a dotfile or
reach the terminal; :func:`save_new` creates the file exclusively (a second download of
the same name gets `` (2)``), readable by its owner only.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

__all__ = ["MAX_NAME_BYTES", "safe_filename", "save_new"]

#: Most file systems take 255 bytes per name; a suffix like " (12)" must still fit.
MAX_NAME_BYTES = 200

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|]")


def _fits(text: str, limit: int) -> str:
    while len(text.encode("utf-8")) > limit:
        text = text[:-1]
    return text


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """``name`` as a plain file name: no directories, no control or bidi characters, no
    leading dot, at most :data:`MAX_NAME_BYTES` bytes (the extension is kept)."""
    # Only the last path component counts, whichever separator the sender's system used.
    base = re.sub(r"\s", " ", re.split(r"[/\\]", name)[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co"))
    base = _UNSAFE.sub("_", unicodedata.normalize("NFC", base))
    base = re.sub(r"\s+", " ", base).strip(" .")
    if not base or set(base) <= {"_", "."}:
        base = fallback
    stem, dot, ext = base.rpartition(".")
    if dot and stem and 0 < len(ext.encode("utf-8")) <= 16:
        return _fits(stem, MAX_NAME_BYTES - len(ext.encode("utf-8")) - 1).rstrip(" .") + "." + ext
    return _fits(base, MAX_NAME_BYTES).rstrip(" .") or fallback


def save_new(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a new file in ``directory`` named after ``name`` (made safe);
    never replaces a file: ``name (2).ext``, ``name (3).ext`` … instead.  Mode 0600."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    safe = safe_filename(name)
    stem, dot, ext = safe.rpartition(".")
    if not (dot and stem):
        stem, dot, ext = safe, "", ""
    for n in range(1, 10_000):
        candidate = directory / (safe if n == 1 else f"{stem} ({n}){dot}{ext}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                         0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except BaseException:
            candidate.unlink(missing_ok=True)
            raise
        return candidate
    raise FileExistsError(f"{directory}: 9,999 files named like {safe!r} already")
