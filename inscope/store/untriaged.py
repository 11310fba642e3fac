"""Threads whose messages changed since their last triage: the sync round's to-do list.

A sync round stores a backfill in many batches, and a long conversation is in most of
them.  Each batch summarises the threads it touched (count, newest message, state) but
leaves their triage for the end of the round, which assesses each thread once
(``Store.triage_pending``).  What is left to assess is a row here, written in the batch's
own transaction and deleted in the one that stores the assessment, so a crash in between
leaves the row, and the next sync triages the thread before anything else — the stored
triage is never stale for longer than one round.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

DDL = """
CREATE TABLE IF NOT EXISTS untriaged (
    thread_id INTEGER PRIMARY KEY,
    account TEXT NOT NULL
)
"""


def mark(c: sqlite3.Connection, account: str, tids: Iterable[int]) -> None:
    """Note that ``tids`` (threads of ``account``) wait for their triage."""
    c.executemany("INSERT OR IGNORE INTO untriaged (thread_id, account) VALUES (?, ?)",
                  [(tid, account) for tid in tids])


def clear(c: sqlite3.Connection, tids: Iterable[int]) -> None:
    """``tids`` were just triaged (in ``c``'s transaction)."""
    c.executemany("DELETE FROM untriaged WHERE thread_id = ?", [(tid,) for tid in tids])


def pending(c: sqlite3.Connection, account: str | None = None) -> list[int]:
    """The threads waiting for their triage (of ``account``, or of every account)."""
    if account is None:
        return [r[0] for r in c.execute("SELECT thread_id FROM untriaged ORDER BY thread_id")]
    return [r[0] for r in c.execute("SELECT thread_id FROM untriaged WHERE account = ? ORDER BY thread_id",
                                    (account,))]
