"""Which conversations the user opened or closed, for sources that keep read receipts.

The user's actions are rows of the ``events`` table (``done`` from both front ends,
``open`` from the TUI).  For a connector with the :class:`~connectors.base.MarksRead`
capability the sync engine asks here for the actions since the last look and sends one
read mark per conversation: up to the newest message the thread held *when* the user
acted, so a message that arrived afterwards stays unread at the source.  Read only;
sending the same mark twice is harmless (the connector drops marks it has sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from inscope.store import Store

LOOKBACK = 86400.0
"""Seconds of past actions looked at when an engine starts (its first look): the marks
of a CLI ``inscope done`` run while no sync was running are sent by the next one."""

KINDS = {"done": ("done",), "open": ("open", "done"), "never": ()}
"""The connector's ``mark_read_on`` → the user actions that mark a conversation read."""


@dataclass(frozen=True, slots=True)
class ReadMark:
    """Mark ``conversation`` read up to the item ``up_to`` (its ``external_id``)."""

    conversation: str
    up_to: str


def pending(store: Store, account: str, when: str, after_event: int | None,
            now: float) -> tuple[list[ReadMark], int]:
    """Read marks owed for ``account`` since event ``after_event`` (None: the last day),
    and the newest event id looked at (the next call's ``after_event``)."""
    kinds = KINDS.get(when, ())
    top = store.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    if not kinds:
        return [], int(top)
    q = ",".join("?" * len(kinds))
    if after_event is None:
        where, arg = "e.ts >= ?", now - LOOKBACK
    else:
        where, arg = "e.id > ?", after_event
    rows = store.conn.execute(
        f"SELECT e.id, e.ts, t.id, t.conversation FROM events e JOIN threads t ON t.id = e.thread_id "
        f"WHERE t.account = ? AND e.kind IN ({q}) AND e.undone = 0 AND {where} AND e.id <= ? "
        "ORDER BY e.id", (account, *kinds, arg, top)).fetchall()
    latest: dict[str, ReadMark] = {}
    for _eid, ts, tid, conv in rows:
        r = store.conn.execute(
            "SELECT external_id FROM messages WHERE thread_id = ? AND created_at <= ? "
            "ORDER BY created_at DESC, id DESC LIMIT 1", (tid, ts)).fetchone()
        if r is not None:
            latest[str(conv)] = ReadMark(str(conv), str(r[0]))
    return list(latest.values()), int(top)
