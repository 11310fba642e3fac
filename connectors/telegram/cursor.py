"""The Telegram cursor: the next ``getUpdates`` offset, as text.

Passing an offset confirms (deletes on the server) every update below it, so the
core must commit a batch's items together with the new cursor before the next call,
as invariant 3 (docs/architecture.md, Invariants) requires: a crash in between only
re-delivers, and the store upserts on ``external_id = "<chat_id>:<message_id>"``.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def offset_of(cursor: str | None, account: str) -> int | None:
    """The offset to ask from; ``None`` (everything pending) for a first run or a bad cursor."""
    if not cursor:
        return None
    try:
        return int(cursor)
    except ValueError:
        log.warning("telegram %s: ignoring unreadable cursor", account)
        return None


def next_cursor(max_update_id: int | None, cursor: str | None) -> str | None:
    """The cursor after a batch whose highest ``update_id`` is ``max_update_id``: one past
    it, so the next call confirms the batch; unchanged when nothing came."""
    return str(max_update_id + 1) if max_update_id is not None else cursor
