"""A fake of exactly the Telethon client methods the user-account connector calls.

``FakeClient`` implements ``connectors.telegram_user.client.UserClient`` over a
``FakeTelegram`` world that holds chats and messages as **real Telethon TL objects**
(``types.Message``, ``types.Channel``, ``types.Dialog`` …).  Each method follows what
the installed Telethon 1.x documents and does in its message, dialog, sign-in and QR-login
methods:

- ``iter_messages``: newest first (oldest first with ``reverse``), ``min_id`` exclusive,
  ``limit``; yielded messages went through ``Message._finish_init`` as Telethon does, so
  ``.sender`` / ``.chat`` / ``.forward`` are set;
- ``get_messages(ids=…)``: one entry per id, ``None`` for a missing (deleted) message;
- ``iter_dialogs``: real ``custom.Dialog`` objects, most recent first;
- errors are the real classes, built as Telethon's RPC layer builds them:
  ``FloodWaitError(request, capture=N)``, ``RandomIdDuplicateError(request)``,
  ``AuthKeyUnregisteredError(request)`` (a revoked session), ``SessionPasswordNeededError``;
- ``messages.sendMessage`` keeps the ``random_id`` of each message and answers a repeat
  with ``RANDOM_ID_DUPLICATE``, as MTProto does; the answer is an ``Updates`` with
  ``UpdateMessageID`` + ``UpdateNewChannelMessage`` (channels) or
  ``UpdateShortSentMessage`` (private chats).

What this does NOT prove: that Telegram's servers behave like this (how long they keep a
``random_id``, which updates they push when, flood limits, the exact errors for a
revoked session), nor anything about MTProto transport, encryption or reconnection.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telethon import errors, events, functions, types, utils
from telethon._updates import EntityCache
from telethon.tl import custom

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SESSION = "1" + "S" * 100 + "session-secret-string"
API_HASH = "0123456789abcdef0123456789abcdef"
API_ID = 123456


def user(uid: int, first: str, username: str = "", *, bot: bool = False,
         is_self: bool = False) -> Any:
    return types.User(id=uid, first_name=first, username=username or None, bot=bot,
                      access_hash=uid * 7, is_self=is_self)


def channel(cid: int, title: str, *, forum: bool = False, username: str = "") -> Any:
    return types.Channel(id=cid, title=title, photo=types.ChatPhotoEmpty(), date=T0,
                         megagroup=True, forum=forum, access_hash=cid * 3,
                         username=username or None)


def basic_group(cid: int, title: str) -> Any:
    return types.Chat(id=cid, title=title, photo=types.ChatPhotoEmpty(), participants_count=3,
                      date=T0, version=1)


ME = user(1000, "Мария", "maria_seo", is_self=True)
IVAN = user(2000, "Иван", "ivan_client")
ANNA = user(3000, "Анна", "anna_am")


@dataclass
class FakeTelegram:
    """The server side: entities, messages per chat, sessions, faults, requests seen."""

    me: Any = field(default_factory=lambda: ME)
    entities: dict[int, Any] = field(default_factory=dict)  # marked id → User/Chat/Channel
    history: dict[int, list[Any]] = field(default_factory=dict)  # chat → messages by id
    dialog_order: list[int] = field(default_factory=list)
    sessions: set[str] = field(default_factory=lambda: {SESSION})
    password: str = ""
    code: str = "12345"
    random_ids: dict[int, tuple[int, int]] = field(default_factory=dict)  # rid → (chat, id)
    faults: dict[str, list[BaseException | Callable[[Any], BaseException] | None]] = field(
        default_factory=dict)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    read: list[tuple[str, int, int | None]] = field(default_factory=list)  # (chat, max id, topic)
    offline: bool = False
    clients: list[FakeClient] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _channel_ids: dict[int, itertools.count[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.entities[utils.get_peer_id(self.me)] = self.me
        for u in (IVAN, ANNA):
            self.entities[utils.get_peer_id(u)] = u

    # -- building the world ---------------------------------------------------------------

    def add_chat(self, entity: Any) -> int:
        cid = int(utils.get_peer_id(entity))
        self.entities[cid] = entity
        self.history.setdefault(cid, [])
        if cid not in self.dialog_order:
            self.dialog_order.insert(0, cid)
        return cid

    def next_id(self, chat: int) -> int:
        if str(chat).startswith("-100"):
            return next(self._channel_ids.setdefault(chat, itertools.count(1)))
        return next(self._ids)  # basic groups and private chats share one sequence

    def post(self, chat: int, text: str, *, sender: Any = IVAN, minutes: float = 0,
             reply_to: Any = None, entities: list[Any] | None = None, media: Any = None,
             fwd_from: Any = None, out: bool = False, mentioned: bool = False) -> Any:
        """A new message in ``chat`` (not pushed: call ``push_new`` for a live update)."""
        peer = utils.get_peer(self.entities[chat])
        from_id = None if isinstance(peer, types.PeerUser) and not out else \
            utils.get_peer(self.me if out else sender)
        msg = types.Message(id=self.next_id(chat), peer_id=peer, date=T0 + timedelta(minutes=minutes),
                            message=text, from_id=from_id, reply_to=reply_to, entities=entities,
                            media=media, fwd_from=fwd_from, out=out, mentioned=mentioned)
        self.history[chat].append(msg)
        self.dialog_order.remove(chat)
        self.dialog_order.insert(0, chat)
        return msg

    def service(self, chat: int, action: Any, *, minutes: float = 0, reply_to: Any = None) -> Any:
        msg = types.MessageService(id=self.next_id(chat), peer_id=utils.get_peer(self.entities[chat]),
                                   date=T0 + timedelta(minutes=minutes), action=action,
                                   from_id=utils.get_peer(IVAN), reply_to=reply_to)
        self.history[chat].append(msg)
        return msg

    def delete(self, chat: int, mid: int) -> None:
        self.history[chat] = [m for m in self.history[chat] if m.id != mid]

    def edit(self, chat: int, mid: int, text: str, *, minutes: float = 1) -> Any:
        msg = next(m for m in self.history[chat] if m.id == mid)
        msg.message = text
        msg.edit_date = T0 + timedelta(minutes=minutes)
        return msg

    def fail(self, method: str, *errs: BaseException | Callable[[Any], BaseException] | None) -> None:
        """The next calls of ``method`` raise these in turn (built with the request when
        callable; ``None`` lets that call through)."""
        self.faults.setdefault(method, []).extend(errs)

    def take_fault(self, method: str, request: Any = None) -> None:
        queue = self.faults.get(method)
        if queue:
            e = queue.pop(0)
            if e is not None:
                raise e(request) if callable(e) and not isinstance(e, BaseException) else e

    def revoke(self) -> None:
        """Settings → Devices → Terminate: every call now fails AUTH_KEY_UNREGISTERED."""
        self.sessions.clear()

    async def push(self, update: Any) -> None:
        """Deliver a raw update to every client's handlers, as Telethon's update loop does."""
        for c in self.clients:
            await c.dispatch(update)

    async def push_new(self, msg: Any) -> None:
        chan = isinstance(msg.peer_id, types.PeerChannel)
        cls = types.UpdateNewChannelMessage if chan else types.UpdateNewMessage
        upd = cls(message=msg, pts=1, pts_count=1)
        upd._entities = {k: v for k, v in self.entities.items()}
        await self.push(upd)

    def messages(self, chat: int) -> list[Any]:
        return list(self.history.get(chat, []))


class FakeSession:
    """``StringSession``'s one method in use: ``save()`` → the session string."""

    def __init__(self, world: FakeTelegram, string: str) -> None:
        self._world = world
        self.string = string

    def save(self) -> str:
        return self.string


class FakeQR:
    """``custom.QRLogin``: ``url``, ``wait(timeout)``, ``recreate()``."""

    def __init__(self, client: FakeClient, scans_after: int) -> None:
        self._client = client
        self._rounds = scans_after
        self.url = "tg://login?token=AAAA"

    async def recreate(self) -> None:
        self.url = "tg://login?token=BBBB"

    async def wait(self, timeout: float | None = None) -> Any:
        if self._rounds > 0:
            self._rounds -= 1
            raise TimeoutError
        if self._client.world.password:
            raise errors.SessionPasswordNeededError(request=None)
        return self._client.finish_login()


class FakeClient:
    """Implements ``UserClient`` (connectors/telegram_user/client.py) and nothing else."""

    def __init__(self, world: FakeTelegram, session: str, api_id: int, api_hash: str,
                 *, qr_scans_after: int = 0) -> None:
        self.world = world
        self.session = FakeSession(world, session)
        self.api_id, self.api_hash = api_id, api_hash
        self._connected = False
        self._handlers: list[tuple[Callable[[Any], Awaitable[None]], Any]] = []
        self._qr_scans_after = qr_scans_after
        self._code_hash = ""
        # What Message._finish_init reads from a TelegramClient.
        self._self_id = world.me.id
        self._mb_entity_cache = EntityCache()
        world.clients.append(self)

    # -- helpers ----------------------------------------------------------------------------

    def _log(self, method: str, **kw: Any) -> None:
        self.world.requests.append((method, kw))

    def _check(self, method: str, request: Any = None) -> None:
        if not self._connected:
            raise ConnectionError("not connected")
        self.world.take_fault(method, request)
        if self.session.string not in self.world.sessions:
            raise errors.AuthKeyUnregisteredError(request=request)

    def _chat_of(self, entity: Any) -> int:
        if isinstance(entity, types.InputPeerSelf):  # "Saved Messages": her own chat
            return int(utils.get_peer_id(self.world.me))
        cid = int(utils.get_peer_id(entity))
        if cid not in self.world.entities:
            raise ValueError(f"Could not find the input entity for {entity!r}")
        return cid

    def _finish(self, msg: Any) -> Any:
        msg._finish_init(self, self.world.entities, None)
        return msg

    def finish_login(self) -> Any:
        self.session.string = SESSION
        self.world.sessions.add(SESSION)
        return self.world.me

    async def dispatch(self, update: Any) -> None:
        for cb, ev in list(self._handlers):
            if isinstance(ev, events.Raw) and ev.filter(update):
                await cb(update)

    # -- the UserClient surface -------------------------------------------------------------

    async def connect(self) -> None:
        self._log("connect")
        if self.world.offline:
            raise ConnectionError("Connection to Telegram failed 2 time(s)")
        self._connected = True

    def disconnect(self) -> Any:
        self._connected = False

        async def done() -> None:
            return None

        return done()

    def is_connected(self) -> bool:
        return self._connected

    async def is_user_authorized(self) -> bool:
        return self._connected and self.session.string in self.world.sessions

    async def get_me(self) -> Any:
        if self.session.string not in self.world.sessions:
            return None  # Telethon's get_me returns None when not authorized
        return self.world.me

    async def iter_dialogs(self, limit: int | None = None) -> AsyncIterator[Any]:
        self._check("iter_dialogs")
        self._log("iter_dialogs")
        for n, cid in enumerate(self.world.dialog_order):
            if limit is not None and n >= limit:
                return
            hist = self.world.history.get(cid, [])
            top = hist[-1] if hist else None
            d = types.Dialog(peer=utils.get_peer(self.world.entities[cid]),
                             top_message=top.id if top else 0, read_inbox_max_id=0,
                             read_outbox_max_id=0, unread_count=0, unread_mentions_count=0,
                             unread_reactions_count=0, unread_poll_votes_count=0,
                             notify_settings=types.PeerNotifySettings())
            yield custom.Dialog(self, d, self.world.entities, top)

    async def iter_messages(self, entity: Any, limit: int | None = None, *,
                            min_id: int = 0, reverse: bool = False) -> AsyncIterator[Any]:
        self._check("iter_messages")
        chat = self._chat_of(entity)
        self._log("iter_messages", chat=chat, limit=limit, min_id=min_id, reverse=reverse)
        msgs = [m for m in self.world.history[chat] if m.id > min_id]
        if not reverse:
            msgs = list(reversed(msgs))
        for m in msgs[:limit] if limit is not None else msgs:
            yield self._finish(m)

    async def get_messages(self, entity: Any, *, ids: list[int]) -> Any:
        self._check("get_messages")
        chat = self._chat_of(entity)
        self._log("get_messages", chat=chat, ids=list(ids))
        by_id = {m.id: m for m in self.world.history[chat]}
        return [self._finish(by_id[i]) if i in by_id else None for i in ids]

    async def get_input_entity(self, peer: Any) -> Any:
        self._check("get_input_entity")
        if isinstance(peer, str):
            name = peer.lstrip("@").lower()
            for e in self.world.entities.values():
                if (getattr(e, "username", None) or "").lower() == name:
                    return utils.get_input_peer(e)
            raise ValueError(f'No user has "{name}" as username')
        if isinstance(peer, int) and peer in self.world.entities:
            return utils.get_input_peer(self.world.entities[peer])
        raise ValueError(f"Could not find the input entity for {peer!r}")

    async def send_read_acknowledge(self, entity: Any, *, max_id: int) -> Any:
        self._check("send_read_acknowledge")
        self.world.read.append((str(self._chat_of(entity)), max_id, None))
        return True

    async def download_media(self, message: Any, file: str) -> Any:
        self._check("download_media")
        self._log("download_media", id=message.id)
        path = Path(file) / f"file_{message.id}.bin"
        path.write_bytes(b"media bytes")
        return str(path)

    def add_event_handler(self, callback: Callable[[Any], Awaitable[None]], event: Any) -> None:
        self._handlers.append((callback, event))

    def remove_event_handler(self, callback: Callable[[Any], Awaitable[None]],
                             event: Any = None) -> int:
        before = len(self._handlers)
        self._handlers = [(c, e) for c, e in self._handlers if c != callback]
        return before - len(self._handlers)

    def __call__(self, request: Any) -> Awaitable[Any]:
        return self._invoke(request)

    async def _invoke(self, request: Any) -> Any:
        name = type(request).__name__
        self._check(name, request)
        self._log(name, request=request)
        if isinstance(request, functions.messages.SendMessageRequest):
            return self._send(request)
        if isinstance(request, functions.messages.GetForumTopicsByIDRequest):
            chat = self._chat_of(request.peer)
            topics = []
            for m in self.world.history[chat]:
                if isinstance(m, types.MessageService) and m.id in request.topics and \
                        isinstance(m.action, types.MessageActionTopicCreate):
                    topics.append(types.ForumTopic(
                        id=m.id, date=m.date, peer=m.peer_id, title=m.action.title, icon_color=0,
                        top_message=m.id, read_inbox_max_id=0, read_outbox_max_id=0,
                        unread_count=0, unread_mentions_count=0, unread_reactions_count=0,
                        unread_poll_votes_count=0, from_id=utils.get_peer(IVAN),
                        notify_settings=types.PeerNotifySettings()))
            return types.messages.ForumTopics(count=len(topics), topics=topics, messages=[],
                                              chats=[], users=[], pts=1)
        if isinstance(request, functions.messages.GetPeerDialogsRequest):
            dialogs = []
            for p in request.peers:
                chat = self._chat_of(p.peer)
                hist = self.world.history[chat]
                dialogs.append(types.Dialog(
                    peer=utils.get_peer(self.world.entities[chat]),
                    top_message=hist[-1].id if hist else 0, read_inbox_max_id=0,
                    read_outbox_max_id=0, unread_count=0, unread_mentions_count=0,
                    unread_reactions_count=0, unread_poll_votes_count=0,
                    notify_settings=types.PeerNotifySettings()))
            return types.messages.PeerDialogs(dialogs=dialogs, messages=[], chats=[], users=[],
                                              state=types.updates.State(1, 1, T0, 1, 0))
        if isinstance(request, functions.messages.ReadDiscussionRequest):
            self.world.read.append((str(self._chat_of(request.peer)), request.read_max_id,
                                    request.msg_id))
            return True
        raise NotImplementedError(name)

    def _send(self, req: Any) -> Any:
        chat = self._chat_of(req.peer)
        if req.random_id in self.world.random_ids:
            raise errors.RandomIdDuplicateError(request=req)
        rt = req.reply_to
        header = None
        if isinstance(rt, types.InputReplyToMessage):
            forum = bool(getattr(self.world.entities[chat], "forum", False))
            header = types.MessageReplyHeader(
                reply_to_msg_id=rt.reply_to_msg_id, reply_to_top_id=rt.top_msg_id,
                forum_topic=forum or None)
        msg = self.world.post(chat, req.message, out=True, reply_to=header, minutes=30)
        self.world.random_ids[req.random_id] = (chat, msg.id)
        if chat > 0:
            return types.UpdateShortSentMessage(id=msg.id, pts=1, pts_count=1, date=msg.date,
                                                out=True)
        return types.Updates(updates=[types.UpdateMessageID(id=msg.id, random_id=req.random_id),
                                      types.UpdateNewChannelMessage(message=msg, pts=1, pts_count=1)],
                             users=[self.world.me], chats=[self.world.entities[chat]], date=msg.date,
                             seq=0)

    # -- sign-in ----------------------------------------------------------------------------

    async def send_code_request(self, phone: str) -> Any:
        self._check_connected()
        self.world.take_fault("send_code_request")
        self._log("send_code_request", phone=phone)
        self._code_hash = "hash-abc"
        return types.auth.SentCode(type=types.auth.SentCodeTypeApp(length=5),
                                   phone_code_hash=self._code_hash)

    def _check_connected(self) -> None:
        if not self._connected:
            raise ConnectionError("not connected")

    async def sign_in(self, phone: str | None = None, code: str | None = None, *,
                      password: str | None = None, phone_code_hash: str | None = None) -> Any:
        self._check_connected()
        if password is not None:
            if password != self.world.password:
                raise errors.PasswordHashInvalidError(request=None)
            return self.finish_login()
        if code != self.world.code or phone_code_hash != self._code_hash:
            raise errors.PhoneCodeInvalidError(request=None)
        if self.world.password:
            raise errors.SessionPasswordNeededError(request=None)
        return self.finish_login()

    async def qr_login(self) -> Any:
        self._check_connected()
        return FakeQR(self, self._qr_scans_after)


def factory(world: FakeTelegram, **kw: Any) -> Callable[[str, int, str], FakeClient]:
    """A ``ClientFactory`` making fake clients over ``world``."""
    return lambda session, api_id, api_hash: FakeClient(world, session, api_id, api_hash, **kw)


def topic_reply(topic: int, to: int | None = None) -> Any:
    """The reply header of a message in forum ``topic`` (answering ``to`` inside it)."""
    if to is None:
        return types.MessageReplyHeader(forum_topic=True, reply_to_msg_id=topic)
    return types.MessageReplyHeader(forum_topic=True, reply_to_msg_id=to, reply_to_top_id=topic)
