"""The outbox: queueing replies and escalation notes, reading rows, moving them.

A reply is an outbox row, committed, before the composer closes — invariant 1
(docs/architecture.md, Invariants).  Rows move only as ``states.OUTBOX_MOVES``
allows, each move guarded in SQL by the states it may come from, so two
senders cannot both take a row: the store's part of invariant 2
(docs/architecture.md, Invariants).

A reply held for later is inserted ``scheduled`` with its ``send_at``; ``promote_due``
moves it to ``queued`` once the clock has passed that time, and ``claim`` refuses a row
whose ``send_at`` is still ahead whatever its state says — so a held reply never goes out
early, even if something put it back in the queue by hand.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from connectors.base import Item
from inscope.store import events, rows, states
from inscope.store.errors import StoreError
from inscope.store.rows import OutboxRow


def queue_reply(c: sqlite3.Connection, tid: int, text: str, account: str | None,
                send_at: float | None = None) -> int:
    """Queue a reply to thread ``tid`` and answer the thread, in ``c``'s transaction.

    ``send_at``: hold it (``scheduled``) until then; the thread is answered at once all the
    same (the reply is written; only its delivery waits).
    """
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
    state: states.OutboxState = "queued" if send_at is None else "scheduled"
    cur = c.execute(
        "INSERT INTO outbox (key, kind, account, thread_id, conversation, reply_to, subject, text, "
        "state, send_at, created_at, updated_at) VALUES (?, 'reply', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uuid.uuid4().hex, account or th[0], tid, th[1], reply_to[0] if reply_to else None, th[3],
         text, state, send_at, t, t),
    )
    oid = int(cur.lastrowid or 0)
    before = events.snapshot(c, tid)
    after = states.thread_after_action(before["state"], "reply")
    if after is not None:
        c.execute("UPDATE threads SET state = ?, snooze_until = NULL, snooze_kind = NULL, "
                  "snooze_reason = '' WHERE id = ?", (after, tid))
    # My reply ends a follow-up that came back ("no answer since …" is no longer true).
    c.execute("UPDATE threads SET followup_since = NULL WHERE id = ? AND state != 'snoozed'", (tid,))
    c.execute("DELETE FROM drafts WHERE thread_id = ?", (tid,))
    events.log(c, "reply", tid, {"before": before, "outbox": oid, "chars": len(text),
                                 **({"send_at": send_at} if send_at is not None else {})})
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
        "lease_owner = ?, lease_at = ? WHERE id = ? AND state = 'queued' AND not_before <= ? "
        "AND (send_at IS NULL OR send_at <= ?)",
        (t, owner, t, oid, t, t),
    )
    return cur.rowcount == 1


def promote_due(c: sqlite3.Connection, now: float) -> list[int]:
    """Move every ``scheduled`` row whose ``send_at`` has passed by ``now`` to ``queued``
    (oldest send time first); returns their ids.  Idempotent: a crash after this commit
    leaves queued rows, which the next drain sends (and a crash mid-send is reconciled)."""
    # not_before = send_at: the send-time guard holds in the queue too.
    cur = c.execute(
        "UPDATE outbox SET state = 'queued', updated_at = ?, not_before = max(not_before, send_at) "
        "WHERE state = 'scheduled' AND send_at <= ? RETURNING id", (time.time(), now))
    return sorted(int(r[0]) for r in cur.fetchall())


def next_send_at(conn: sqlite3.Connection) -> float | None:
    """The earliest send time of a ``scheduled`` row (``None``: nothing is held)."""
    r = conn.execute("SELECT min(send_at) FROM outbox WHERE state = 'scheduled'").fetchone()
    return None if r is None or r[0] is None else float(r[0])


def scheduled_count(conn: sqlite3.Connection) -> int:
    """Replies held for a later send time."""
    return int(conn.execute(
        "SELECT count(*) FROM outbox WHERE state = 'scheduled' AND kind = 'reply'").fetchone()[0])


def edit(c: sqlite3.Connection, oid: int, text: str | None, send_at: float | None) -> None:
    """Change a held row's text and/or send time (``None``: keep it); refused once the row
    left ``states.EDITABLE`` (its time came, it was sent or cancelled)."""
    allowed = states.EDITABLE
    sets: list[str] = ["updated_at = ?"]
    args: list[Any] = [time.time()]
    if text is not None:
        sets.append("text = ?")
        args.append(text)
    if send_at is not None:
        sets.append("send_at = ?")
        args.append(send_at)
    cur = c.execute(
        f"UPDATE outbox SET {', '.join(sets)} WHERE id = ? "
        f"AND state IN ({','.join('?' * len(allowed))})", (*args, oid, *allowed))
    if cur.rowcount != 1:
        state = row(c, oid).state
        raise StoreError(f"outbox #{oid} is {state}: only a scheduled reply can be changed")


def release(c: sqlite3.Connection, oid: int, now: float) -> None:
    """Send a held row now: ``scheduled`` → ``queued`` with its send time moved to ``now``."""
    allowed = states.EDITABLE
    cur = c.execute(
        "UPDATE outbox SET state = 'queued', send_at = ?, not_before = 0, updated_at = ? "
        f"WHERE id = ? AND state IN ({','.join('?' * len(allowed))})", (now, time.time(), oid, *allowed))
    if cur.rowcount != 1:
        raise StoreError(f"outbox #{oid} is {row(c, oid).state}: only a scheduled reply can be sent now")


def withdraw(c: sqlite3.Connection, oid: int) -> int | None:
    """Cancel a reply that has not gone out (scheduled or queued): its text goes back to the
    thread's draft (nothing typed is lost) and, when it was what answered the thread, the
    thread is open again.  Returns the thread (``None`` for other kinds of rows)."""
    r = row(c, oid)
    move(c, oid, "cancelled", error="", remote_id=None, retry_in=0.0)
    clear_delivery_error(c, oid)
    if r.kind != "reply" or r.thread_id is None:
        return None
    tid = r.thread_id
    old = c.execute("SELECT text FROM drafts WHERE thread_id = ?", (tid,)).fetchone()
    text = r.text if old is None or not str(old[0]).strip() else f"{old[0]}\n\n{r.text}"
    c.execute("INSERT OR REPLACE INTO drafts (thread_id, text, updated_at) VALUES (?, ?, ?)",
              (tid, text, time.time()))
    state, last_is_me = c.execute("SELECT state, last_is_me FROM threads WHERE id = ?", (tid,)).fetchone()
    after = states.after_unreply(state, bool(last_is_me))
    if after is not None:
        # Another reply of mine still waiting to go out answers the thread as well.
        others = c.execute(
            "SELECT count(*) FROM outbox WHERE thread_id = ? AND kind = 'reply' AND id != ? "
            "AND state IN ('scheduled', 'queued', 'sending', 'unknown')", (tid, oid)).fetchone()[0]
        if not others:
            c.execute("UPDATE threads SET state = ? WHERE id = ?", (after, tid))
    events.log(c, "reply_cancelled", tid, {"outbox": oid})
    return tid


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
