"""Telethon TL messages → ``Item``s: forum topics, replies, mentions, media, forwards.

Ids and keys are the Bot API connector's, so both Telegram kinds agree:

- ``external_id`` is ``"<chat_id>:<message_id>"``; an edit re-delivers it with ``edited_at``,
  a deletion as a tombstone (``deleted=True``);
- a forum topic is its own conversation ``"<chat_id>:<topic_id>"`` (the topic id is the
  id of the message that created it; the General topic stays ``"<chat_id>"``);
- entity offsets are UTF-16 code units, so mentions are sliced from the UTF-16 text.

What is set for the triage rules: ``mentions_me`` for an ``@mention`` of my username or a
``[me] handles`` entry, a mention-by-name entity of my user id, Telegram's own
``mentioned`` flag (which it sets for mentions and replies to my messages), and any reply
to a message of mine, which also sets ``meta["reply_to_me"] = True``.  Name matching in
the text ("Мария, …") is left to the core rules, which know my name and aliases.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telethon import types, utils

from connectors.base import Author, ChatMigrated, Item, SourceEvent, utc
from connectors.telegram.mapping import EXCERPT, utf16_slice
from connectors.telegram.text import clean_text
from connectors.telegram_user.peers import ChatInfo, Peers

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Replied:
    """What a reply shows of the message it answers."""

    text: str
    author: str
    mine: bool


def chat_id_of(msg: Any) -> int:
    """The marked id of the chat a message is in."""
    return int(utils.get_peer_id(msg.peer_id))


def topic_of(msg: Any, chat: ChatInfo | None) -> int | None:
    """The forum topic a message belongs to (None: not a forum, or the General topic)."""
    rt = getattr(msg, "reply_to", None)
    if not isinstance(rt, types.MessageReplyHeader) or not rt.forum_topic:
        return None
    # A reply inside a topic has the topic in reply_to_top_id; a plain message in a topic
    # "replies" to the topic's first message, so reply_to_msg_id is the topic id.
    top = rt.reply_to_top_id or rt.reply_to_msg_id
    return int(top) if top else None


def reply_target(msg: Any, topic: int | None) -> int | None:
    """The message id this one really answers (not the topic root), in the same chat."""
    rt = getattr(msg, "reply_to", None)
    if not isinstance(rt, types.MessageReplyHeader) or rt.reply_to_peer_id is not None:
        return None
    mid = rt.reply_to_msg_id
    if not mid or (topic is not None and mid == topic and not rt.reply_to_top_id):
        return None
    return int(mid)


def conversation(chat_id: int, topic: int | None) -> str:
    return f"{chat_id}:{topic}" if topic is not None else str(chat_id)


def _photo_size(photo: Any) -> int | None:
    best: int | None = None
    for s in getattr(photo, "sizes", None) or []:
        size = getattr(s, "size", None)
        if size is None and isinstance(getattr(s, "sizes", None), list) and s.sizes:
            size = max(s.sizes)  # PhotoSizeProgressive
        if isinstance(size, int) and (best is None or size > best):
            best = size
    return best


def media_info(media: Any) -> tuple[str, list[dict[str, Any]]]:
    """A readable label (``[document: brief.pdf]``) and attachment descriptors for meta.

    Nothing is downloaded: ``downloadable`` attachments are fetched on demand
    (``TelegramUserConnector.download``).  A link preview is not an attachment.
    """
    if media is None or isinstance(media, types.MessageMediaWebPage | types.MessageMediaEmpty):
        return "", []
    att: dict[str, Any]
    if isinstance(media, types.MessageMediaPhoto):
        att = {"kind": "photo", "downloadable": media.photo is not None}
        size = _photo_size(media.photo)
        if size is not None:
            att["file_size"] = size
    elif isinstance(media, types.MessageMediaDocument):
        doc = media.document
        kind = "document"
        att = {"kind": kind, "downloadable": isinstance(doc, types.Document)}
        if isinstance(doc, types.Document):
            att["mime_type"] = doc.mime_type
            att["file_size"] = doc.size
            for a in doc.attributes or []:
                if isinstance(a, types.DocumentAttributeFilename):
                    att["file_name"] = clean_text(a.file_name)
                elif isinstance(a, types.DocumentAttributeSticker):
                    kind = "sticker"
                    if a.alt:
                        att["emoji"] = a.alt
                elif isinstance(a, types.DocumentAttributeAudio):
                    kind = "voice" if a.voice else "audio"
                    att["duration"] = a.duration
                elif isinstance(a, types.DocumentAttributeVideo) and kind == "document":
                    kind = "video_note" if a.round_message else "video"
                    att["duration"] = a.duration
                elif isinstance(a, types.DocumentAttributeAnimated) and kind in ("document", "video"):
                    kind = "animation"
        att["kind"] = kind
    elif isinstance(media, types.MessageMediaVenue):
        att = {"kind": "venue", "title": clean_text(media.title or "")}
    elif isinstance(media, types.MessageMediaGeo | types.MessageMediaGeoLive):
        att = {"kind": "location"}
    elif isinstance(media, types.MessageMediaContact):
        att = {"kind": "contact", "name": clean_text(f"{media.first_name} {media.last_name}".strip())}
    elif isinstance(media, types.MessageMediaPoll):
        q = media.poll.question
        att = {"kind": "poll", "question": clean_text(getattr(q, "text", q) if q else "")}
    elif isinstance(media, types.MessageMediaDice):
        att = {"kind": "dice", "emoji": media.emoticon}
    else:
        name = type(media).__name__.removeprefix("MessageMedia").lower() or "media"
        att = {"kind": name}
    label_name = att.get("file_name") or att.get("emoji") or att.get("title") or att.get("question")
    label = f"[{att['kind']}: {label_name}]" if label_name else f"[{att['kind']}]"
    return label, [att]


def message_url(chat: ChatInfo | None, chat_id: int, message_id: int, topic: int | None) -> str:
    """t.me link: public chats by username, private supergroups by the -100-less id."""
    mid = f"{topic}/{message_id}" if topic is not None else str(message_id)
    if chat is not None and chat.username and chat.kind != "private":
        return f"https://t.me/{chat.username}/{mid}"
    real, kind = utils.resolve_id(chat_id)
    if kind is types.PeerChannel:
        return f"https://t.me/c/{real}/{mid}"
    return ""  # basic groups and private chats have no web link


class MessageMapper:
    """Maps one account's messages; names come from :class:`Peers`.

    ``me_id`` is my Telegram user id (from ``get_me``), ``handles`` my usernames and
    ``[me] handles`` in lower case without "@".
    """

    def __init__(self, account: str, peers: Peers, *, me_id: int, me_name: str,
                 handles: set[str]) -> None:
        self.account = account
        self.peers = peers
        self.me_id = me_id
        self.me_name = me_name
        self.handles = handles

    # -- service messages ---------------------------------------------------------------

    def service(self, msg: Any, events: list[SourceEvent]) -> None:
        """Learn from a service message: topic names, group → supergroup migrations."""
        action = getattr(msg, "action", None)
        chat_id = chat_id_of(msg)
        if isinstance(action, types.MessageActionTopicCreate):
            self.peers.topics[(chat_id, msg.id)] = clean_text(action.title)
        elif isinstance(action, types.MessageActionTopicEdit) and action.title:
            topic = topic_of(msg, self.peers.chats.get(chat_id))
            if topic is not None:
                self.peers.topics[(chat_id, topic)] = clean_text(action.title)
        elif isinstance(action, types.MessageActionChatMigrateTo):
            new = utils.get_peer_id(types.PeerChannel(action.channel_id))
            events.append(ChatMigrated(old=str(chat_id), new=str(new)))
        elif isinstance(action, types.MessageActionChannelMigrateFrom):
            old = utils.get_peer_id(types.PeerChat(action.chat_id))
            events.append(ChatMigrated(old=str(old), new=str(chat_id)))

    # -- messages ---------------------------------------------------------------------

    def title(self, chat_id: int, topic: int | None) -> str:
        chat = self.peers.chats.get(chat_id)
        title = chat.title if chat else str(chat_id)
        if topic is not None:
            name = self.peers.topics.get((chat_id, topic))
            if name:
                title = f"{title} · {name}"
        return title

    def author(self, msg: Any) -> Author:
        """The sender: me for outgoing messages, a user, or a chat posting as itself."""
        if getattr(msg, "out", False):
            me = self.peers.person(self.me_id)
            return Author(id=str(self.me_id), name=me.name if me else self.me_name,
                          handle=me.username if me else "", is_me=True)
        sender = getattr(msg, "sender_id", None)
        if sender is None:
            return Author(id="", name=clean_text(getattr(msg, "post_author", "") or "") or "unknown")
        person = self.peers.person(int(sender))
        handle = person.username if person else ""
        return Author(id=str(sender), name=person.name if person else f"user {sender}",
                      handle=handle, is_me=int(sender) == self.me_id
                      or (bool(handle) and handle.lower() in self.handles),
                      is_bot=person.is_bot if person else False)

    def mentions(self, text: str, entities: Any) -> tuple[list[str], bool]:
        """Handles mentioned (``@name`` and mention-by-name entities), and whether one is me."""
        found: list[str] = []
        me = False
        encoded = text.encode("utf-16-le", errors="surrogatepass")
        for ent in entities or []:
            if isinstance(ent, types.MessageEntityMention):
                frag = utf16_slice(encoded, ent.offset, ent.length)
                if frag and frag.startswith("@"):
                    handle = frag[1:].lower()
                    found.append(handle)
                    me = me or handle in self.handles
            elif isinstance(ent, types.MessageEntityMentionName):
                person = self.peers.person(int(ent.user_id))
                frag = utf16_slice(encoded, ent.offset, ent.length) or ""
                found.append((person.username.lower() if person and person.username else "")
                             or clean_text(frag))
                me = me or int(ent.user_id) == self.me_id
        return found, me

    def item(self, msg: Any, replied: Replied | None = None) -> Item | None:
        """The ``Item`` of one ``Message`` (None for a message with neither text nor media)."""
        chat_id = chat_id_of(msg)
        chat = self.peers.chats.get(chat_id)
        topic = topic_of(msg, chat)
        raw_text = msg.message or ""
        label, attachments = media_info(getattr(msg, "media", None))
        if not raw_text and not label:
            return None
        text = clean_text(raw_text)
        if label:
            text = f"{label}\n{text}" if text else label
        mentions, mentions_me = self.mentions(raw_text, msg.entities)
        author = self.author(msg)
        meta: dict[str, Any] = {"chat_type": chat.kind if chat else "unknown",
                                "message_id": msg.id}
        if topic is not None:
            meta["topic_id"] = topic
        if attachments:
            meta["attachments"] = attachments
        reply_mid = reply_target(msg, topic)
        reply_to: str | None = None
        if reply_mid is not None:
            reply_to = f"{chat_id}:{reply_mid}"
            if replied is not None:
                meta["reply_to_text"] = replied.text[:EXCERPT]
                meta["reply_to_author"] = replied.author
                if replied.mine:
                    meta["reply_to_me"] = True
        rt = getattr(msg, "reply_to", None)
        if isinstance(rt, types.MessageReplyHeader):
            if rt.quote_text:
                meta["quote"] = clean_text(rt.quote_text)[:EXCERPT]
            if rt.reply_to_peer_id is not None:
                meta["external_reply"] = {"chat": utils.get_peer_id(rt.reply_to_peer_id),
                                          "message_id": rt.reply_to_msg_id}
        fwd = getattr(msg, "fwd_from", None)
        if isinstance(fwd, types.MessageFwdHeader):
            meta["forwarded"] = True
            origin = ""
            if fwd.from_id is not None:
                who = self.peers.person(utils.get_peer_id(fwd.from_id))
                origin = who.name if who else ""
            meta["forwarded_from"] = origin or clean_text(fwd.from_name or "") or "hidden"
            if fwd.post_author:
                meta["forwarded_author"] = clean_text(fwd.post_author)
            if isinstance(fwd.date, datetime):
                meta["forwarded_date"] = utc(fwd.date).isoformat()
        if not author.is_me:
            mentions_me = mentions_me or bool(getattr(msg, "mentioned", False)) \
                or bool(meta.get("reply_to_me"))
        edited = getattr(msg, "edit_date", None)
        return Item(
            source="telegram", account=self.account,
            external_id=f"{chat_id}:{msg.id}", conversation=conversation(chat_id, topic),
            conversation_title=self.title(chat_id, topic), author=author, text=text,
            created_at=utc(msg.date),
            edited_at=utc(edited) if isinstance(edited, datetime) and not msg.edit_hide else None,
            reply_to=reply_to, mentions=tuple(mentions), mentions_me=mentions_me and not author.is_me,
            url=message_url(chat, chat_id, msg.id, topic),
            routes=(f"telegram_chat:{chat_id}",), meta=meta, raw=_raw(msg),
        )

    def tombstone(self, chat_id: int, message_id: int, topic: int | None, at: datetime) -> Item:
        """A deleted message: the store keeps its last text and shows it as deleted."""
        return Item(
            source="telegram", account=self.account, external_id=f"{chat_id}:{message_id}",
            conversation=conversation(chat_id, topic), conversation_title=self.title(chat_id, topic),
            author=Author(id="", name=""), text="", created_at=at, deleted=True,
            routes=(f"telegram_chat:{chat_id}",),
        )

    def replied(self, msg: Any) -> Replied:
        """How a reply to ``msg`` shows it."""
        label, _ = media_info(getattr(msg, "media", None))
        text = clean_text(msg.message or "") or label
        return Replied(text=text[:EXCERPT], author=self.author(msg).name,
                       mine=bool(getattr(msg, "out", False)))


def _raw(msg: Any) -> str:
    """The TL object as JSON (for re-parsing later); never fails the mapping."""
    try:
        return str(msg.to_json())
    except Exception:  # noqa: BLE001 — raw is a convenience, the item matters
        return ""
