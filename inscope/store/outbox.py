"""The outbox: queueing replies and escalation notes, reading rows, moving them.

A reply is an outbox row, committed, before the composer closes — invariant 1
(docs/architecture.md, Invariants).  Rows move only as ``states.OUTBOX_MOVES``
allows, each move guarded in SQL by the states it may come from, so two
senders cannot both take a row: the store's part of invariant 2
(docs/architecture.md, Invariants).
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from inscope.store import events, rows, states
from inscope.store.errors import StoreError
from inscope.store.rows import OutboxRow

if TYPE_CHECKING:
    from connectors.base import Item  # annotations only: the TUI's first frame loads no connector


def queue_reply(c: sqlite3.Connection, tid: int, text: str, account: str | None) -> int:
    """Queue a reply to thread ``tid`` and answer the thread, in ``c``'s transaction."""
    th = c.execute(
        "SELECT account, conversation, state, title FROM threads WHERE id = ?", (tid,)
    ).fetchone()
    if th is None:
        raise StoreError(f"no thread {tid}")
    reply_to = c.execute(
        "SELECT external_id FROM messages WHERE thread_id = ? AND is_me = 0 AND deleted = 0 "
        "ORDER BY created_at DESC LIMIT 1",
        (tid,),
    ).fetchone()
    t = time.time()
    cur = c.execute(
        "INSERT INTO outbox (key, kind, account, thread_id, conversation, reply_to, subject, text, "
        "created_at, updated_at) VALUES (?, 'reply', ?, ?, ?, ?, ?, ?, ?, ?)",
        (uuid.uuid4().hex, account or th[0], tid, th[1], reply_to[0] if reply_to else None, th[3],
         text, t, t),
    )
    oid = int(cur.lastrowid or 0)
    before = events.snapshot(c, tid)
    after = states.thread_after_action(before["state"], "reply")
    if after is not None:
        c.execute("UPDATE threads SET state = ?, snooze_until = NULL, snooze_kind = NULL, "
                  "snooze_reason = '' WHERE id = ?", (after, tid))
    c.execute("DELETE FROM drafts WHERE thread_id = ?", (tid,))
    events.log(c, "reply", tid, {"before": before, "outbox": oid, "chars": len(text)})
    return oid


def queue_outgoing(conn: sqlite3.Connection, *, kind: str, account: str, conversation: str, text: str,
                   thread_id: int | None, reply_to: str | None, subject: str,
                   target: dict[str, str] | None) -> int:
    """Queue any outgoing message; returns its outbox id."""
    t = time.time()
    cur = conn.execute(
        "INSERT INTO outbox (key, kind, account, thread_id, conversation, reply_to, subject, text, "
        "target, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uuid.uuid4().hex, kind, account, thread_id, conversation, reply_to, subject, text,
         json.dumps(target or {}), t, t),
    )
    return int(cur.lastrowid or 0)


def listing(conn: sqlite3.Connection, wanted: Sequence[str], due_only: bool) -> list[OutboxRow]:
    """Rows in ``wanted`` states by id (``due_only``: past their retry back-off)."""
    sql = f"SELECT {rows.OUTBOX.select} FROM outbox WHERE state IN ({','.join('?' * len(wanted))})"
    args: list[Any] = list(wanted)
    if due_only:
        sql += " AND not_before <= ?"
        args.append(time.time())
    sql += " ORDER BY id"
    make = rows.OUTBOX.make
    return [make(r) for r in conn.execute(sql, args)]


def row(conn: sqlite3.Connection, oid: int) -> OutboxRow:
    """One row by id, in any state."""
    r = conn.execute(f"SELECT {rows.OUTBOX.select} FROM outbox WHERE id = ?", (oid,)).fetchone()
    if r is None:
        raise StoreError(f"no outbox row {oid}")
    return rows.OUTBOX.make(r)


def claim(conn: sqlite3.Connection, oid: int, owner: str) -> bool:
    """Take queued row ``oid`` for sending under ``owner``'s lease; False if another sender
    (another process) took it first.  The guarded UPDATE is the whole race."""
    t = time.time()
    cur = conn.execute(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?, "
        "lease_owner = ?, lease_at = ? WHERE id = ? AND state = 'queued' AND not_before <= ?",
        (t, owner, t, oid, t),
    )
    return cur.rowcount == 1


def renew(conn: sqlite3.Connection, owner: str) -> int:
    """Renew ``owner``'s leases on the rows it is sending; returns how many."""
    cur = conn.execute("UPDATE outbox SET lease_at = ? WHERE state = 'sending' AND lease_owner = ?",
                       (time.time(), owner))
    return cur.rowcount


def save_progress(conn: sqlite3.Connection, oid: int, progress: dict[str, Any]) -> None:
    """Record which parts of a multi-part send were delivered (a retry skips them)."""
    conn.execute("UPDATE outbox SET progress = ?, updated_at = ? WHERE id = ?",
                 (json.dumps(progress), time.time(), oid))


def move(conn: sqlite3.Connection, oid: int, state: str, *, error: str, remote_id: str | None,
         retry_in: float) -> None:
    """Move row ``oid`` to ``state``; refuses what ``states.OUTBOX_MOVES`` does not allow."""
    allowed = states.sources(state)
    t = time.time()
    sets = "state = ?, updated_at = ?, last_error = ?"
    args: list[Any] = [state, t, error]
    if state == "sending":
        sets += ", attempts = attempts + 1"
    elif state != "sent":
        sets += ", lease_owner = NULL, lease_at = NULL"  # no sender holds it any more
    if remote_id is not None:
        sets += ", remote_id = ?"
        args.append(remote_id)
    if retry_in:
        sets += ", not_before = ?"
        args.append(t + retry_in)
    cur = conn.execute(
        f"UPDATE outbox SET {sets} WHERE id = ? AND state IN ({','.join('?' * len(allowed))})",
        (*args, oid, *allowed),
    )
    if cur.rowcount != 1:
        raise StoreError(f"outbox row {oid} cannot move to {state}")


def record_sent(c: sqlite3.Connection, oid: int, remote_id: str, item: Item | None,
                store_own: Callable[[Item], object]) -> None:
    """Mark row ``oid`` sent and, for a reply, store our own message through ``store_own``,
    in ``c``'s transaction (so a crash leaves neither or both)."""
    allowed = states.sources("sent")
    cur = c.execute(
        "UPDATE outbox SET state = 'sent', remote_id = ?, updated_at = ?, last_error = '' "
        f"WHERE id = ? AND state IN ({','.join('?' * len(allowed))})",
        (remote_id, time.time(), oid, *allowed),
    )
    if cur.rowcount != 1:
        raise StoreError(f"outbox row {oid} is not being sent")
    clear_delivery_error(c, oid)
    kind = c.execute("SELECT kind FROM outbox WHERE id = ?", (oid,)).fetchone()[0]
    if item is not None and kind == "reply":
        store_own(item)


def fail(c: sqlite3.Connection, oid: int, error: str) -> int | None:
    """Row ``oid`` failed for good: mark it so and bring its thread back to the Inbox with
    the reason (a reply nobody received must never look answered).  Returns the thread."""
    move(c, oid, "failed", error=error, remote_id=None, retry_in=0.0)
    kind, tid = c.execute("SELECT kind, thread_id FROM outbox WHERE id = ?", (oid,)).fetchone()
    if kind != "reply" or tid is None:
        return None
    state = c.execute("SELECT state FROM threads WHERE id = ?", (tid,)).fetchone()[0]
    after = states.thread_after_action(state, "reply_failed")
    c.execute("UPDATE threads SET delivery_error = ?, state = coalesce(?, state) WHERE id = ?",
              (error or "refused", after, tid))
    events.log(c, "reply_failed", tid, {"outbox": oid, "error": error})
    return int(tid)


def clear_delivery_error(c: sqlite3.Connection, oid: int) -> None:
    """A failed reply was sent, resent or given up: its thread no longer shows the failure."""
    tid = c.execute("SELECT thread_id FROM outbox WHERE id = ? AND kind = 'reply'", (oid,)).fetchone()
    if tid is not None and tid[0] is not None:
        c.execute("UPDATE threads SET delivery_error = '' WHERE id = ?", (tid[0],))


def take_back(c: sqlite3.Connection, oid: int) -> bool:
    """Cancel row ``oid`` if no sender has picked it up (undo); False when it is too late."""
    allowed = states.TAKE_BACK
    cur = c.execute(
        "UPDATE outbox SET state = 'cancelled', updated_at = ? WHERE id = ? "
        f"AND state IN ({','.join('?' * len(allowed))})",
        (time.time(), oid, *allowed),
    )
    return cur.rowcount == 1
