"""Accounts: each source's health for the status line, and its sync cursor.

The cursor is written only by ingest, in the transaction that stored what it
covers — invariant 3 (docs/architecture.md, Invariants).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any


def ensure(conn: sqlite3.Connection, name: str, kind: str) -> None:
    """Register account ``name`` (or update its kind)."""
    conn.execute(
        "INSERT INTO accounts (name, kind) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind",
        (name, kind),
    )


def set_status(conn: sqlite3.Connection, name: str, status: str, error: str,
               disabled: bool | None) -> None:
    """Record a source's health; writes nothing when nothing changed."""
    sets = "status = ?, last_error = ?"
    args: list[Any] = [status, error]
    where = "(status IS NOT ? OR last_error IS NOT ?"
    wargs: list[Any] = [status, error]
    if status == "ok":
        sets += ", last_sync_at = ?"  # "ok since": a quiet round writes nothing
        args.append(time.time())
    if disabled is not None:
        sets += ", disabled = ?"
        args.append(int(disabled))
        where += " OR disabled IS NOT ?"
        wargs.append(int(disabled))
    conn.execute(f"UPDATE accounts SET {sets} WHERE name = ? AND {where})",
                 (*args, name, *wargs))


def listing(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every account by name: kind, status, last error, last good sync, disabled."""
    cur = conn.execute(
        "SELECT name, kind, status, last_error, last_sync_at, disabled FROM accounts ORDER BY name"
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def cursor(conn: sqlite3.Connection, account: str) -> str | None:
    """The cursor last committed for ``account`` (``None``: never synced, or no cursor)."""
    row = conn.execute("SELECT value FROM cursors WHERE account = ?", (account,)).fetchone()
    return None if row is None else row[0]


def cursor_is(conn: sqlite3.Connection, account: str, value: str | None) -> bool:
    """True when ``account`` has a cursor row holding ``value``."""
    row = conn.execute("SELECT value FROM cursors WHERE account = ?", (account,)).fetchone()
    return row is not None and row[0] == value


def store_cursor(c: sqlite3.Connection, account: str, value: str | None, at: float) -> None:
    """Write ``account``'s cursor, in the caller's (ingest) transaction."""
    c.execute(
        "INSERT INTO cursors (account, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(account) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (account, value, at),
    )
