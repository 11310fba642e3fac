"""What the store raises when it refuses, and how SQLite's own errors are told to a person.

``StoreError`` is a refusal (unknown thread, a move the state machine forbids, a file
that cannot be the database).  :func:`explain` turns a ``sqlite3.Error`` — the database
locked by another program, a full disk, a damaged file — into one line that names the
file and says what to do; callers show it instead of a traceback and keep what the user
typed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StoreError(RuntimeError):
    """A store operation was refused (unknown thread, bad state transition …)."""


class DatabaseUnavailable(StoreError):
    """The database cannot be used right now (locked, disk full, damaged, unreadable).

    ``kind`` is ``locked`` | ``full`` | ``damaged`` | ``readonly`` | ``other``; ``retry``
    says whether trying again later may work (locked, full) or the file needs fixing.
    """

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry = kind in ("locked", "full")


def _kind(e: BaseException) -> str:
    text = str(e).lower()
    if "locked" in text or "busy" in text:
        return "locked"
    if "disk is full" in text or "database or disk is full" in text or "no space" in text:
        return "full"
    if "readonly" in text or "read-only" in text or "attempt to write a readonly" in text:
        return "readonly"
    if isinstance(e, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
        or "no such table" in text or "no such module" in text
        or "unable to open" in text or "disk i/o error" in text
    ):
        return "damaged"
    return "other"


def explain(e: BaseException, path: Path) -> DatabaseUnavailable:
    """One clear line for a SQLite failure on the database at ``path`` (never its contents)."""
    kind = _kind(e)
    if kind == "locked":
        msg = (f"{path}: the database is locked by another program (a sqlite3 shell, a backup "
               "tool?) — nothing was lost; retry when it is done")
    elif kind == "full":
        msg = f"{path}: the disk is full — nothing was lost; free some space and retry"
    elif kind == "readonly":
        msg = f"{path}: the database cannot be written (read-only file or directory); check its permissions"
    elif kind == "damaged":
        msg = (f"{path}: the database is damaged ({e}). Restore it from a backup, or move it "
               "aside and run `inscope sync` to rebuild it from your sources (local state — "
               "drafts, snoozes, the report history — would be lost); `inscope doctor` checks it")
    else:
        msg = f"{path}: database error: {e}"
    return DatabaseUnavailable(msg, kind)
