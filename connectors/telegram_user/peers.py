"""What the user-account connector knows about chats and people, learned from Telethon.

Chat ids are *marked* peer ids, as the Bot API writes them (``utils.get_peer_id``):
a user's id, ``-<id>`` for a basic group, ``-100<id>`` for a supergroup or forum.  So a
chat has the same id, conversation key and ``telegram_chat:<id>`` route for both
Telegram kinds, and the project mapping (``telegram_chats``) is shared.

A ``StringSession`` keeps no entity cache across restarts, so input peers (ids with
their access hashes) are learned again from the dialog list at start and kept here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telethon import types, utils

from connectors.telegram.text import clean_text


@dataclass(slots=True)
class ChatInfo:
    """One chat: id (marked), title, kind, public username and the input peer to call with."""

    id: int
    title: str
    kind: str  # "private" | "group" | "supergroup" | "forum" | "channel"
    username: str = ""
    peer: Any = None  # InputPeerUser / InputPeerChat / InputPeerChannel
    top: int = 0  # the newest message id, as the dialog list said
    migrated_to: int | None = None  # a basic group upgraded to this supergroup
    is_bot: bool = False


def display_name(entity: Any) -> str:
    """A person's or chat's name, cleaned (control characters dropped)."""
    return clean_text(utils.get_display_name(entity) or "").strip()


def chat_kind(entity: Any) -> str:
    """The Bot API's word for a chat's type, plus "forum" for forum supergroups."""
    if isinstance(entity, types.User):
        return "private"
    if isinstance(entity, types.Chat | types.ChatForbidden):
        return "group"
    if isinstance(entity, types.Channel):
        if getattr(entity, "forum", False):
            return "forum"
        return "supergroup" if getattr(entity, "megagroup", False) else "channel"
    return "unknown"


def chat_info(entity: Any, top: int = 0) -> ChatInfo:
    """The :class:`ChatInfo` of a User / Chat / Channel entity."""
    migrated: int | None = None
    moved = getattr(entity, "migrated_to", None)
    if isinstance(moved, types.InputChannel):
        migrated = utils.get_peer_id(types.PeerChannel(moved.channel_id))
    try:
        peer = utils.get_input_peer(entity)
    except TypeError:
        peer = None  # a forbidden or empty entity: known by name, not callable
    return ChatInfo(id=utils.get_peer_id(entity), title=display_name(entity) or str(entity.id),
                    kind=chat_kind(entity), username=str(getattr(entity, "username", "") or ""),
                    peer=peer, top=top, migrated_to=migrated,
                    is_bot=bool(getattr(entity, "bot", False)))


@dataclass(slots=True)
class Person:
    """A sender, as far as the entities seen so far tell."""

    name: str
    username: str = ""
    is_bot: bool = False


@dataclass(slots=True)
class Peers:
    """Chats (the followed ones, and any reached for sending), people, topic names."""

    chats: dict[int, ChatInfo] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    topics: dict[tuple[int, int], str] = field(default_factory=dict)  # (chat, topic) → name

    def learn(self, entity: Any) -> None:
        """Remember a User / Chat / Channel's name (from a response's entities)."""
        if entity is None or not isinstance(entity, types.User | types.Chat | types.Channel
                                            | types.ChatForbidden | types.ChannelForbidden):
            return
        pid = utils.get_peer_id(entity)
        self.people[pid] = Person(name=display_name(entity) or str(entity.id),
                                  username=str(getattr(entity, "username", "") or ""),
                                  is_bot=bool(getattr(entity, "bot", False)))

    def learn_message(self, msg: Any) -> None:
        """Remember the entities Telethon attached to a message (``sender``, ``chat``,
        the forward's origin), if the message came through a friendly method."""
        for attr in ("sender", "chat"):
            self.learn(getattr(msg, attr, None))
        fwd = getattr(msg, "forward", None)
        if fwd is not None:
            self.learn(getattr(fwd, "sender", None))
            self.learn(getattr(fwd, "chat", None))

    def person(self, peer_id: int) -> Person | None:
        return self.people.get(peer_id)
