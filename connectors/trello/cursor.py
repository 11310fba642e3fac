"""The Trello cursor: per-board positions and gaps, the recheck memory, cached identity.

The core stores the cursor as opaque text, committed in the same transaction as the
items it covers, as invariant 3 (docs/architecture.md, Invariants) requires, so a
crash mid-backfill resumes from the last commit.  It is JSON:

``{"v": 1, "me": [member id, username], "boards": {board id: {"last": id, "gap": [lo,
before]}}, "boards_at": t, "recheck_at": t, "seen": {comment id: [card id, board id,
text hash, created, mentions_me]}}``

Caching my member id and the board list here means polls never spend the small
``/1/members/`` rate-limit bucket (100 requests per 900 s).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.trello.mapping import ParsedComment, text_hash

log = logging.getLogger(__name__)

CURSOR_VERSION = 1


@dataclass(slots=True)
class BoardState:
    """Per board: the newest comment id stored, and an unfinished walk back (a gap).

    A gap is ``(lo, before)``: comments with ``lo < id < before`` are still to fetch
    (``lo`` None = back to the beginning, i.e. the backfill).
    """

    last: str | None = None
    gap_lo: str | None = None
    gap_before: str | None = None
    gap_open: bool = False

    def to_json(self) -> dict[str, Any]:
        """The board's entry in the cursor (``gap`` only while one is open)."""
        out: dict[str, Any] = {"last": self.last}
        if self.gap_open:
            out["gap"] = [self.gap_lo, self.gap_before]
        return out

    @classmethod
    def from_json(cls, d: Any) -> BoardState:
        """Read an entry back; anything malformed is a board never polled."""
        if not isinstance(d, Mapping):
            return cls()
        st = cls(last=d.get("last") if isinstance(d.get("last"), str) else None)
        gap = d.get("gap")
        if isinstance(gap, list) and len(gap) == 2:
            st.gap_open, st.gap_lo, st.gap_before = True, gap[0], gap[1]
        return st


@dataclass(slots=True)
class Cursor:
    """Everything the connector remembers between fetches (stored by the core, opaque to it).

    ``seen`` maps comment id → ``[card id, board id, text hash, created unix time,
    mentions_me]`` for comments inside the edit/delete window.
    """

    me_id: str = ""
    me_username: str = ""
    boards: dict[str, BoardState] = field(default_factory=dict)
    boards_at: float = 0.0  # when the board list (for boards = []) was last read
    recheck_at: float = 0.0
    seen: dict[str, list[Any]] = field(default_factory=dict)

    def remember(self, p: ParsedComment, board_id: str, mentions_me: bool) -> None:
        """Note a stored comment, so a later recheck can tell it was edited or deleted."""
        self.seen[p.id] = [p.card_id, board_id, text_hash(p.text), int(p.date.timestamp()),
                           int(mentions_me)]

    def forget_before(self, start: float) -> None:
        """Drop comments created at or before ``start`` (+1 s): the window has passed them."""
        for aid in [a for a, e in self.seen.items() if e[3] <= start + 1]:
            del self.seen[aid]

    def dumps(self) -> str:
        """The cursor text to commit with the batch."""
        return json.dumps({
            "v": CURSOR_VERSION, "me": [self.me_id, self.me_username],
            "boards": {b: s.to_json() for b, s in self.boards.items()},
            "boards_at": self.boards_at, "recheck_at": self.recheck_at, "seen": self.seen,
        }, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> Cursor:
        """Parse a stored cursor; anything unreadable starts over (inserts are idempotent)."""
        if not text:
            return cls()
        try:
            d = json.loads(text)
        except ValueError:
            log.warning("trello: unreadable cursor, starting a fresh backfill")
            return cls()
        if not isinstance(d, dict) or d.get("v") != CURSOR_VERSION:
            return cls()
        me_raw, boards_raw, seen_raw = d.get("me"), d.get("boards"), d.get("seen")
        me: list[Any] = me_raw if isinstance(me_raw, list) else ["", ""]
        boards: dict[str, Any] = boards_raw if isinstance(boards_raw, dict) else {}
        seen: dict[str, Any] = seen_raw if isinstance(seen_raw, dict) else {}
        return cls(
            me_id=str(me[0]) if me else "", me_username=str(me[1]) if len(me) > 1 else "",
            boards={str(b): BoardState.from_json(s) for b, s in boards.items()},
            boards_at=float(d.get("boards_at") or 0.0), recheck_at=float(d.get("recheck_at") or 0.0),
            seen={str(k): v for k, v in seen.items() if isinstance(v, list) and len(v) == 5},
        )
