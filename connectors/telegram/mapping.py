"""Bot API updates → ``Item``s: groups, forum topics, reply chains, mentions, media.

- ``external_id`` is ``"<chat_id>:<message_id>"``; an edited message re-delivers the
  same id with ``edited_at``.
- Forum topics are their own conversations (``"<chat_id>:<topic_id>"``); reply chains
  in plain groups stay in the chat's conversation, with ``reply_to`` set.
- Mention entities give ``offset`` / ``length`` in UTF-16 code units, so they are sliced
  from the UTF-16 encoding of the text (an emoji counts two there).
- Client text is data: control characters are dropped; ``parse_mode`` is never used.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from connectors.base import Author, Item, SourceEvent
from connectors.telegram.chats import Chats
from connectors.telegram.text import clean_text

EXCERPT = 200  # characters of a replied-to message kept in meta["reply_to_text"]

_MEDIA = ("photo", "video", "animation", "document", "audio", "voice", "video_note",
          "sticker", "contact", "location", "venue", "poll", "dice")


def utf16_slice(encoded: bytes, offset: Any, length: Any) -> str | None:
    """Text of an entity given UTF-16 ``offset`` / ``length`` (Bot API units), or None."""
    if not (isinstance(offset, int) and isinstance(length, int)) or isinstance(offset, bool):
        return None
    if offset < 0 or length <= 0 or 2 * (offset + length) > len(encoded):
        return None
    return encoded[2 * offset: 2 * (offset + length)].decode("utf-16-le", errors="replace")


def chat_title(chat: dict[str, Any]) -> str:
    """A group's title, or a private chat's person, or at least the chat id."""
    title = chat.get("title")
    if isinstance(title, str) and title:
        return clean_text(title)
    names = [chat.get("first_name"), chat.get("last_name")]
    name = " ".join(n for n in names if isinstance(n, str) and n)
    return clean_text(name) or str(chat.get("id", ""))


def _user_name(user: dict[str, Any]) -> str:
    names = [user.get("first_name"), user.get("last_name")]
    return clean_text(" ".join(n for n in names if isinstance(n, str) and n))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected an integer, got {type(v).__name__}")
    return v


def _media_text(msg: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """A readable stand-in for media without caption, and attachment descriptors for meta."""
    attachments: list[dict[str, Any]] = []
    labels: list[str] = []
    for kind in _MEDIA:
        obj = msg.get(kind)
        if obj is None:
            continue
        att: dict[str, Any] = {"kind": kind}
        if isinstance(obj, dict):
            for k in ("file_name", "mime_type", "file_size", "emoji", "duration"):
                if k in obj:
                    att[k] = obj[k]
        attachments.append(att)
        name = att.get("file_name") or att.get("emoji")
        labels.append(f"[{kind}: {clean_text(str(name))}]" if name else f"[{kind}]")
    return " ".join(labels), attachments


def message_url(chat: dict[str, Any], chat_id: int, message_id: int, topic: Any) -> str:
    """t.me link: public chats by username, private supergroups by the -100-less id."""
    mid = f"{topic}/{message_id}" if topic is not None else str(message_id)
    username = chat.get("username")
    if isinstance(username, str) and username and chat.get("type") != "private":
        return f"https://t.me/{username}/{mid}"
    if chat.get("type") == "supergroup" and str(chat_id).startswith("-100"):
        return f"https://t.me/c/{str(chat_id)[4:]}/{mid}"
    return ""  # basic groups and private chats have no web link


class UpdateParser:
    """Parses one bot account's updates; remembers chat titles and topic names in ``chats``.

    ``handles`` are my handles (lower case, no "@"), ``me_ids`` my Telegram user ids;
    a message from the bot itself (``bot_id``) or from me is ``is_me``.
    """

    def __init__(self, account: str, chats: Chats, *, handles: set[str], me_ids: set[int],
                 bot_id: int | None) -> None:
        self.account = account
        self.chats = chats
        self.handles = handles
        self.me_ids = me_ids
        self.bot_id = bot_id

    def parse_update(self, upd: Any, items: list[Item], events: list[SourceEvent],
                     notes: list[str], bot_handle: str) -> None:
        """Add what one update carries to ``items`` / ``events`` / ``notes``; raises
        ``ValueError`` (or another error) for a malformed update, which the caller skips."""
        if not isinstance(upd, dict):
            raise ValueError("update is not an object")
        _int(upd.get("update_id"))
        for key in ("message", "edited_message"):
            msg = upd.get(key)
            if msg is not None:
                if not isinstance(msg, dict):
                    raise ValueError(f"{key} is not an object")
                item = self.parse_message(msg, events, bot_handle, raw=upd)
                if item is not None:
                    items.append(item)
                return
        member = upd.get("my_chat_member")
        if isinstance(member, dict):
            chat = member.get("chat")
            new = member.get("new_chat_member")
            if isinstance(chat, dict) and isinstance(new, dict):
                status = new.get("status")
                title = chat_title(chat)
                if status in ("member", "administrator"):
                    notes.append(f"bot added to {title} ({chat.get('id')})")
                elif status in ("left", "kicked"):
                    notes.append(f"bot removed from {title} ({chat.get('id')})")
        # channel posts are requested (a future channel inbox) but not turned into items yet

    def parse_message(self, msg: dict[str, Any], events: list[SourceEvent], bot_handle: str, *,
                      raw: Any, check_allowed: bool = True) -> Item | None:
        """The ``Item`` for one Message, or None for service messages and unfollowed chats.

        A migration service message adds a ``ChatMigrated`` to ``events`` instead.
        """
        chat = msg["chat"]
        if not isinstance(chat, dict):
            raise ValueError("chat is not an object")
        chat_id = _int(chat["id"])
        ctype = chat.get("type")
        if ctype not in ("group", "supergroup", "private"):
            return None
        new_id = msg.get("migrate_to_chat_id")
        old_id = msg.get("migrate_from_chat_id")
        if new_id is not None or old_id is not None:
            old, new = (chat_id, _int(new_id)) if new_id is not None else (_int(old_id), chat_id)
            events.append(self.chats.migrate(old, new))
            return None
        if check_allowed and not self.chats.follows(chat_id):
            return None
        self.chats.titles[chat_id] = chat_title(chat)
        thread = msg.get("message_thread_id")
        topic_created = msg.get("forum_topic_created") or msg.get("forum_topic_edited")
        if isinstance(topic_created, dict) and isinstance(thread, int):
            name = topic_created.get("name")
            if isinstance(name, str) and name:
                self.chats.topics[(chat_id, thread)] = clean_text(name)
            return None
        message_id = _int(msg["message_id"])
        date = _int(msg["date"])
        raw_text = msg.get("text")
        ents_key = "entities"
        if not isinstance(raw_text, str):
            raw_text = msg.get("caption")
            ents_key = "caption_entities"
        media_label, attachments = _media_text(msg)
        if not isinstance(raw_text, str) or not raw_text:
            if not media_label:
                return None  # a service message (joins, title changes, pins …): not an item
            raw_text = ""
        text = clean_text(raw_text)
        if media_label:
            text = f"{media_label}\n{text}" if text else media_label
        mentions, mentions_me = self._mentions(raw_text, msg.get(ents_key), bot_handle)
        author = self._author(msg)

        # Forum topics are their own conversations; reply threads in plain groups are not.
        topic: int | None = None
        if msg.get("is_topic_message") and isinstance(thread, int) and not isinstance(thread, bool):
            topic = thread
        conversation = f"{chat_id}:{topic}" if topic is not None else str(chat_id)
        meta: dict[str, Any] = {"chat_type": ctype, "message_id": message_id}
        reply_to = self._reply(msg, chat_id, topic, meta)
        if topic is not None:
            meta["topic_id"] = topic
        if attachments:
            meta["attachments"] = attachments
        if "forward_origin" in msg:
            meta["forwarded"] = True

        title = self.chats.titles[chat_id]
        if topic is not None:
            topic_name = self.chats.topics.get((chat_id, topic))
            if topic_name:
                title = f"{title} · {topic_name}"
        edit_date = msg.get("edit_date")
        return Item(
            source="telegram", account=self.account,
            external_id=f"{chat_id}:{message_id}", conversation=conversation,
            conversation_title=title, author=author, text=text,
            created_at=datetime.fromtimestamp(date, UTC),
            edited_at=(datetime.fromtimestamp(_int(edit_date), UTC)
                       if edit_date is not None else None),
            reply_to=reply_to, mentions=tuple(mentions), mentions_me=mentions_me,
            url=message_url(chat, chat_id, message_id, topic),
            routes=(f"telegram_chat:{chat_id}",), meta=meta,
            raw=json.dumps(raw, ensure_ascii=False),
        )

    def _mentions(self, raw_text: str, ents: Any, bot_handle: str) -> tuple[list[str], bool]:
        """Handles mentioned (``mention`` and ``text_mention`` entities), and whether one is me
        or the bot."""
        mentions: list[str] = []
        mentions_me = False
        # Entity offsets are UTF-16 code units, so slice the UTF-16 encoding.
        encoded = raw_text.encode("utf-16-le", errors="surrogatepass")
        for ent in ents if isinstance(ents, list) else []:
            if not isinstance(ent, dict):
                continue
            if ent.get("type") == "mention":
                frag = utf16_slice(encoded, ent.get("offset"), ent.get("length"))
                if frag and frag.startswith("@"):
                    handle = frag[1:].lower()
                    mentions.append(handle)
                    if handle in self.handles or (bot_handle and handle == bot_handle):
                        mentions_me = True
            elif ent.get("type") == "text_mention" and isinstance(ent.get("user"), dict):
                user = ent["user"]
                uname = str(user.get("username") or "").lower()
                mentions.append(uname or _user_name(user))
                if (uname and uname in self.handles) or user.get("id") in self.me_ids:
                    mentions_me = True
        return mentions, mentions_me

    def _author(self, msg: dict[str, Any]) -> Author:
        """A user, or a chat when someone posts "as the group/channel"."""
        sender_obj = msg.get("from")
        sender: dict[str, Any] = sender_obj if isinstance(sender_obj, dict) else {}
        sender_chat = msg.get("sender_chat")
        if isinstance(sender_chat, dict) and _is_int(sender_chat.get("id")):
            return Author(id=str(sender_chat["id"]), name=chat_title(sender_chat),
                          handle=str(sender_chat.get("username") or ""), is_bot=False)
        # A client's words matter more than a well-formed sender: degrade, don't drop.
        raw_uid = sender.get("id")
        uid = raw_uid if _is_int(raw_uid) else None
        handle = str(sender.get("username") or "")
        is_me = (uid is not None and (uid == self.bot_id or uid in self.me_ids)) or (
            bool(handle) and handle.lower() in self.handles)
        return Author(id="" if uid is None else str(uid),
                      name=_user_name(sender) or handle or str(uid or "unknown"),
                      handle=handle, is_me=is_me, is_bot=sender.get("is_bot") is True)

    def _reply(self, msg: dict[str, Any], chat_id: int, topic: int | None,
               meta: dict[str, Any]) -> str | None:
        """The external id this message answers (if any); excerpts and quotes go to ``meta``."""
        reply = msg.get("reply_to_message")
        reply_to: str | None = None
        if isinstance(reply, dict):
            rid = reply.get("message_id")
            created = reply.get("forum_topic_created")
            if topic is not None and rid == topic and isinstance(created, dict):
                # In a topic a plain message "replies" to the topic's creation message.
                if isinstance(created.get("name"), str) and created["name"]:
                    self.chats.topics[(chat_id, topic)] = clean_text(created["name"])
            elif isinstance(rid, int) and not isinstance(rid, bool):
                reply_to = f"{chat_id}:{rid}"
                rtext = reply.get("text", reply.get("caption"))
                if isinstance(rtext, str):
                    meta["reply_to_text"] = clean_text(rtext)[:EXCERPT]
                rfrom = reply.get("from")
                if isinstance(rfrom, dict):
                    meta["reply_to_author"] = _user_name(rfrom)
        ext = msg.get("external_reply")
        if isinstance(ext, dict):
            meta["external_reply"] = {"chat": chat_title(ext["chat"])
                                      if isinstance(ext.get("chat"), dict) else "",
                                      "message_id": ext.get("message_id")}
        quote = msg.get("quote")
        if isinstance(quote, dict) and isinstance(quote.get("text"), str):
            meta["quote"] = clean_text(quote["text"])[:EXCERPT]
        return reply_to
