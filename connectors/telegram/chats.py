"""What the Telegram connector knows about chats: which it follows, where they moved, names.

A basic group upgraded to a supergroup gets a new chat id; messages to the old id then
fail with ``migrate_to_chat_id``.  The connector keeps following the chat under its new
id and reports :class:`~connectors.base.ChatMigrated` so the core re-keys its threads.
"""

from __future__ import annotations

from connectors.base import ChatMigrated


class Chats:
    """Per-process memory of one bot account's chats (rebuilt from updates after a restart)."""

    def __init__(self, followed: set[int] | None, skip: set[int] | None = None) -> None:
        self._followed = followed  # None: every chat the bot is in …
        self._skip = skip or set()  # … except these (read by a user account, see ownership.py)
        self._moved: dict[int, int] = {}
        self.titles: dict[int, str] = {}
        self.topics: dict[tuple[int, int], str] = {}  # (chat id, topic id) → topic name

    def follows(self, chat_id: int) -> bool:
        """Whether messages of ``chat_id`` become items (the ``chats`` option, if set)."""
        if self._followed is None:
            return chat_id not in self._skip
        return chat_id in self._followed

    def current(self, chat_id: int) -> int:
        """The id to send to: ``chat_id``, or the supergroup it became."""
        return self._moved.get(chat_id, chat_id)

    def migrate(self, old: int, new: int) -> ChatMigrated:
        """A group became a supergroup: keep following it; the event asks the core to re-key."""
        self._moved[old] = new
        if self._followed is not None and old in self._followed:
            self._followed.add(new)
        if old in self._skip:
            self._skip.add(new)
        return ChatMigrated(old=str(old), new=str(new))
