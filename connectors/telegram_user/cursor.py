"""The user-account cursor: per chat, the last message id stored and the recent ids.

Committed with the items of each batch (invariant 3, docs/architecture.md), as JSON::

    {"v": 1, "synced": 1730000000.0,
     "chats": {"-1001234": {"last": 5012, "recent": [[5010, 0], [5012, 77]]}},
     "read": {"-1001234:77": 5012}}

- ``last``: the highest message id of the chat that is stored; the catch-up after a
  restart asks for ``min_id = last`` (nothing older is downloaded again);
- ``recent``: the newest message ids (with their forum topic, 0 for none), so that a
  deletion can be given the right conversation (Telegram reports deletions in private
  chats and basic groups with message ids only) and the start-up re-check can spot edits
  and deletions made while the app was closed;
- ``read``: how far each conversation was marked read, so a read receipt is sent once;
- ``synced``: when the last batch was made (edits after it are new).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

VERSION = 1


@dataclass(slots=True)
class ChatCursor:
    """Where one chat stands."""

    last: int = 0
    recent: list[tuple[int, int]] = field(default_factory=list)  # (message id, topic or 0)

    def saw(self, message_id: int, topic: int, keep: int) -> None:
        """Remember a stored message (keeps the newest ``keep`` ids, in id order)."""
        if any(mid == message_id for mid, _ in self.recent):
            return
        self.recent.append((message_id, topic))
        self.recent.sort()
        del self.recent[:-keep]

    def topic_of(self, message_id: int) -> int | None:
        """The topic (0 for none) of a recent message, None if it is not among them."""
        for mid, topic in self.recent:
            if mid == message_id:
                return topic
        return None

    def forget(self, message_id: int) -> None:
        self.recent = [(m, t) for m, t in self.recent if m != message_id]


@dataclass(slots=True)
class Cursor:
    """The whole account's position."""

    chats: dict[int, ChatCursor] = field(default_factory=dict)
    read: dict[str, int] = field(default_factory=dict)
    synced: float = 0.0

    def chat(self, chat_id: int) -> ChatCursor:
        return self.chats.setdefault(chat_id, ChatCursor())

    def dump(self) -> str:
        return json.dumps({
            "v": VERSION, "synced": self.synced,
            "chats": {str(k): {"last": c.last, "recent": [list(r) for r in c.recent]}
                      for k, c in sorted(self.chats.items())},
            "read": dict(sorted(self.read.items())),
        }, separators=(",", ":"))

    @classmethod
    def load(cls, text: str | None, account: str) -> Cursor:
        """Parse a stored cursor; ``None`` or an unreadable one is a first run."""
        if not text:
            return cls()
        try:
            data: Any = json.loads(text)
            if not isinstance(data, dict) or data.get("v") != VERSION:
                raise ValueError("not a telegram_user cursor")
            chats: dict[int, ChatCursor] = {}
            for key, c in data.get("chats", {}).items():
                recent = [(int(m), int(t)) for m, t in c.get("recent", [])]
                chats[int(key)] = ChatCursor(last=int(c.get("last", 0)), recent=recent)
            read = {str(k): int(v) for k, v in data.get("read", {}).items()}
            return cls(chats=chats, read=read, synced=float(data.get("synced", 0.0)))
        except (ValueError, TypeError, AttributeError):
            log.warning("telegram_user %s: ignoring an unreadable cursor (backfill again)", account)
            return cls()
