"""The event log (every user action, for undo and the report) and the thread snapshot undo restores."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from inscope.store.errors import StoreError

UNDOABLE = ("done", "reopen", "snooze", "priority", "escalate", "resolve", "reply", "project_status",
            "relevance", "followup")
"""Event kinds ``undo`` takes back; the rest (open, focus, wake …) are a record only."""

_SNAPSHOT = ("state", "snooze_until", "snooze_kind", "snooze_reason", "priority_override", "escalated_to",
             "relevance", "relevance_reason", "relevance_override", "followup_since")
_CONTEXT = ("priority", "urgent", "scope", "scope_service", "last_client_at")
"""What the triage said when the user acted (kept in ``before`` for learning, never restored:
the next triage recomputes it)."""


clock: Callable[[], float] = time.time
"""When a user action happens: the wall clock (the eval's simulated week, which acts for the
user at its own pace, sets its own; learning reads how fast and in what order she answered)."""


def log(c: sqlite3.Connection, kind: str, tid: int | None, data: dict[str, Any]) -> int:
    """Append an event; returns its id."""
    cur = c.execute(
        "INSERT INTO events (ts, kind, thread_id, data) VALUES (?, ?, ?, ?)",
        (clock(), kind, tid, json.dumps(data, ensure_ascii=False)),
    )
    return int(cur.lastrowid or 0)


def snapshot(c: sqlite3.Connection, tid: int) -> dict[str, Any]:
    """What a user action may change on a thread, and what the triage said of it
    (``_CONTEXT``), stored in its event as ``before``."""
    cols = (*_SNAPSHOT, *_CONTEXT)
    r = c.execute(f"SELECT {', '.join(cols)} FROM threads WHERE id = ?", (tid,)).fetchone()
    if r is None:
        raise StoreError(f"no thread {tid}")
    return dict(zip(cols, r, strict=True))


def restore(c: sqlite3.Connection, tid: int, before: dict[str, Any]) -> None:
    """Put a ``snapshot`` back on its thread (keys an older snapshot lacks stay as they are)."""
    keys = [k for k in _SNAPSHOT if k in before]
    c.execute(f"UPDATE threads SET {', '.join(f'{k} = ?' for k in keys)} WHERE id = ?",
              (*(before[k] for k in keys), tid))
