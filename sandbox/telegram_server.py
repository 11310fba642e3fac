"""A faithful local fake of the Telegram Bot API (the parts inscope uses), as a Starlette app.

The world (bots, chats, messages, update queues) lives in :class:`TelegramWorld`, which
tests and the demo seed directly from Python; :func:`create_app` serves it over HTTP so
the real connector talks to it through a real loopback socket::

    world = TelegramWorld()
    bot = world.add_bot(token="123:ABC", username="agency_bot")
    chat = world.add_chat(-100123, "ООО Ромашка · SEO", type="supergroup")
    world.post(chat.id, from_user={"id": 7, "first_name": "Иван"}, text="Привет")
    with ServerThread(create_app(world)) as srv:
        ...  # api_base = srv.url

What it copies from the real server (tdlib/telegram-bot-api): ``/bot<token>/<method>``
routing with case-insensitive method names; 401 for malformed / unknown tokens and 404
for unknown methods; parameters from the query string, form bodies and JSON bodies
(JSON-serialized objects such as ``reply_parameters`` accepted as strings); an update
queue per bot with ``offset`` confirmation, negative offsets, ``limit`` clamped to
1–100, long polling with ``timeout`` clamped to 0–50 s; 409 for the *older* of two
overlapping polls and for getUpdates while a webhook is set; 24 h expiry of unconfirmed
updates; sendMessage validation (empty text, > 4096 characters counted as Unicode code
points after trimming, unknown chat, missing reply target, forum threads) with per-chat
increasing message ids; bots never see other bots' messages; and forum-topic messages
carry the topic's creation message as ``reply_to_message`` like the real API.

Deliberate simplifications: no privacy mode (every bot in a chat gets every human
message, as a bot with privacy off or admin rights does); no files; the 24 h expiry is
measured from when the update was queued on the world clock (so the demo can seed
back-dated history), and the "same offset within 3 s → timeout forced to 3" rule is
not reproduced (it would only slow tests down).

Thread safety: every world mutation and read takes one lock; long polls wait on an
``asyncio.Event`` that posting threads set through ``call_soon_threadsafe``.

One module on purpose (~750 lines): the world and the routes that serve it are read side by
side against the real Bot API they copy; split, each half would make no sense alone.

Why one module of this size: it fakes one API, method by method, so it reads top to
bottom against the Bot API reference; it is test and demo infrastructure, never imported
by the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JSON = dict[str, Any]

UPDATE_TTL = 86400.0
"""Seconds an unconfirmed update is kept (the real server: 24 h)."""

MAX_TEXT = 4096
LONG_POLL_MAX = 50
DEFAULT_ALLOWED = ("message", "edited_message", "channel_post", "edited_channel_post",
                   "my_chat_member", "callback_query", "inline_query")
"""Update types delivered when ``allowed_updates`` was never set or set to ``[]``.

The real default is "all except chat_member / message_reaction*"; these are the types
this fake can produce."""

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class ApiError(Exception):
    """A Bot API error reply: HTTP status == ``error_code``, plus optional ``parameters``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class Fault:
    """A switch that makes the next ``count`` matching requests fail (or stall)."""

    kind: str  # "429" | "blocked" | "kicked" | "migrate" | "5xx" | "slow"
    method: str  # lower-case method name, or "*" for any
    count: int
    retry_after: int = 5
    migrate_to: int = 0
    status: int = 502
    delay: float = 1.0
    skip: int = 0  # let this many matching requests through first


@dataclass
class Bot:
    """A bot account: its user object, its update queue and its polling state."""

    token: str
    id: int
    username: str
    first_name: str
    can_read_all_group_messages: bool = True
    updates: deque[tuple[JSON, float]] = field(default_factory=deque)  # (update, queued_at)
    next_update_id: int = 0
    allowed: tuple[str, ...] | None = None
    webhook_url: str = ""
    poll_serial: int = 0  # bumped by every getUpdates: a waiting poll that sees a newer one fails
    waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(default_factory=list)

    def user(self) -> JSON:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name,
                "username": self.username}


@dataclass
class Chat:
    """A chat with its messages (by id) and the bots that are members."""

    id: int
    title: str
    type: str
    username: str = ""
    is_forum: bool = False
    bots: set[int] = field(default_factory=set)  # bot ids that are members
    messages: dict[int, JSON] = field(default_factory=dict)
    next_message_id: int = 1
    topics: dict[int, str] = field(default_factory=dict)  # topic id → name
    migrated_to: int | None = None
    first_name: str = ""

    def obj(self) -> JSON:
        """The ``Chat`` object as embedded in messages."""
        o: JSON = {"id": self.id, "type": self.type}
        if self.type == "private":
            o["first_name"] = self.first_name or self.title
        else:
            o["title"] = self.title
        if self.username:
            o["username"] = self.username
        if self.is_forum:
            o["is_forum"] = True
        return o


@dataclass
class LoggedRequest:
    """One request as the fake saw it (the token is not kept, only the bot's username)."""

    method: str
    bot: str
    params: JSON
    status: int
    at: float


class TelegramWorld:
    """The state of the fake Telegram: bots, chats, messages and update queues."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._lock = threading.RLock()
        self._clock = clock or time.time
        self._offset = 0.0  # added to the clock by advance() (time-travel tests)
        self.bots: dict[str, Bot] = {}
        self.chats: dict[int, Chat] = {}
        self._by_username: dict[str, int] = {}
        self._faults: list[Fault] = []
        self.requests: list[LoggedRequest] = []
        self._next_user_id = 5_000_000_000

    # -- clock -----------------------------------------------------------------------

    def now(self) -> float:
        """The world clock (wall clock plus whatever :meth:`advance` added)."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the world clock forward (e.g. past the 24 h update expiry)."""
        with self._lock:
            self._offset += seconds

    # -- seeding -----------------------------------------------------------------------

    def add_bot(self, token: str, username: str, first_name: str = "",
                *, can_read_all_group_messages: bool = True) -> Bot:
        """Register a bot; its id is the number before ``:`` in the token, as on Telegram."""
        if not _TOKEN_RE.match(token):
            raise ValueError("a bot token looks like 123456:ABC-def")
        with self._lock:
            bot = Bot(token=token, id=int(token.split(":", 1)[0]), username=username,
                      first_name=first_name or username,
                      can_read_all_group_messages=can_read_all_group_messages,
                      next_update_id=700_000_000 + len(self.bots) * 10_000_000)
            self.bots[token] = bot
            for chat in self.chats.values():
                if chat.type != "private":
                    chat.bots.add(bot.id)
            return bot

    def add_chat(self, chat_id: int, title: str, *, type: str = "supergroup",  # noqa: A002
                 is_forum: bool = False, username: str = "",
                 bots: Iterable[str] | None = None) -> Chat:
        """Create a chat; by default every bot (known now or added later) is a member.

        ``bots`` restricts membership to the given tokens.  A private chat (``type="private"``)
        is the chat with one user: its id is the user's id and its title their first name.
        """
        if type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        with self._lock:
            chat = Chat(id=int(chat_id), title=title, type=type, username=username,
                        is_forum=is_forum, first_name=title if type == "private" else "")
            members = self.bots.values() if bots is None else [self.bots[t] for t in bots]
            chat.bots = {b.id for b in members}
            self.chats[chat.id] = chat
            if username:
                self._by_username[username.lower()] = chat.id
            return chat

    def add_topic(self, chat_id: int, name: str, *, from_user: JSON | None = None,
                  at: datetime | float | None = None) -> int:
        """Create a forum topic; returns its id (= the id of its creation service message)."""
        with self._lock:
            chat = self._chat(chat_id)
            if not chat.is_forum:
                raise ValueError("topics exist only in forum supergroups")
            msg = self._new_message(chat, from_user or self._anon_user(), at)
            msg["forum_topic_created"] = {"name": name, "icon_color": 7322096}
            msg["message_thread_id"] = msg["message_id"]
            msg["is_topic_message"] = True
            chat.topics[msg["message_id"]] = name
            self._deliver(chat, "message", msg, sender_is_bot=False)
            return int(msg["message_id"])

    def post(self, chat_id: int, *, from_user: JSON | None = None, text: str = "",
             at: datetime | float | None = None, reply_to: int | None = None,
             topic_id: int | None = None, entities: list[JSON] | None = None,
             extra: JSON | None = None) -> JSON:
        """A human (or another bot) posts ``text``; queues an update for every member bot.

        Returns the stored Message.  ``reply_to`` is a message id in the same chat;
        ``topic_id`` a forum topic id.  ``@username`` mentions get ``mention`` entities
        with UTF-16 offsets unless ``entities`` is given.  ``extra`` adds raw fields
        (a photo, a caption, service fields …).
        """
        with self._lock:
            chat = self._chat(chat_id)
            user = dict(from_user) if from_user else self._anon_user()
            user.setdefault("is_bot", False)
            user.setdefault("first_name", "User")
            # Validate before allocating an id, so a bad seed call leaves no trace.
            if topic_id is not None and topic_id not in chat.topics:
                raise ValueError(f"chat {chat_id} has no topic {topic_id}")
            if reply_to is not None and reply_to not in chat.messages:
                raise ValueError(f"chat {chat_id} has no message {reply_to}")
            msg = self._new_message(chat, user, at)
            if text:
                msg["text"] = text
                ents = entities if entities is not None else mention_entities(text)
                if ents:
                    msg["entities"] = ents
            if extra:
                msg.update(extra)
            self._thread_fields(chat, msg, reply_to, topic_id)
            self._deliver(chat, "message", msg, sender_is_bot=bool(user.get("is_bot")))
            return msg

    def edit(self, chat_id: int, message_id: int, text: str,
             at: datetime | float | None = None) -> JSON:
        """Edit a message's text; queues an ``edited_message`` update."""
        with self._lock:
            chat = self._chat(chat_id)
            msg = chat.messages[message_id]
            msg["text"] = text
            ents = mention_entities(text)
            if ents:
                msg["entities"] = ents
            else:
                msg.pop("entities", None)
            msg["edit_date"] = int(_ts(at) if at is not None else self.now())
            sender_is_bot = bool(msg.get("from", {}).get("is_bot"))
            self._deliver(chat, "edited_message", msg, sender_is_bot=sender_is_bot)
            return msg

    def migrate(self, old_chat_id: int, new_chat_id: int) -> Chat:
        """Upgrade a basic group to a supergroup, as Telegram does.

        The old chat gets a service message with ``migrate_to_chat_id``, the new one a
        service message with ``migrate_from_chat_id``; sending to the old chat afterwards
        fails with 400 and ``parameters.migrate_to_chat_id``.  Members carry over.
        """
        with self._lock:
            old = self._chat(old_chat_id)
            new = Chat(id=int(new_chat_id), title=old.title, type="supergroup",
                       bots=set(old.bots))
            self.chats[new.id] = new
            old.migrated_to = new.id
            anon = self._anon_user()
            m1 = self._new_message(old, anon, None)
            m1["migrate_to_chat_id"] = new.id
            self._deliver(old, "message", m1, sender_is_bot=False)
            m2 = self._new_message(new, {"id": 1087968824, "is_bot": True,
                                         "first_name": "Group", "username": "GroupAnonymousBot"},
                                   None)
            m2["sender_chat"] = new.obj()
            m2["migrate_from_chat_id"] = old.id
            # Service messages reach every bot, even from the anonymous admin "bot".
            self._deliver(new, "message", m2, sender_is_bot=False)
            return new

    def remove_bot(self, chat_id: int, token: str) -> None:
        """Take a bot out of a chat (sends then fail with 403 "bot was kicked")."""
        with self._lock:
            self._chat(chat_id).bots.discard(self.bots[token].id)

    def set_webhook(self, token: str, url: str) -> None:
        """Set (or clear with "") a webhook: getUpdates then fails with 409."""
        with self._lock:
            self.bots[token].webhook_url = url

    def sent(self, chat_id: int) -> list[JSON]:
        """Messages bots sent to ``chat_id`` (through sendMessage), oldest first."""
        with self._lock:
            chat = self._chat(chat_id)
            return [json.loads(json.dumps(m)) for m in chat.messages.values()
                    if m.get("from", {}).get("is_bot") and m.get("_sent_by_api")]

    def pending(self, token: str) -> int:
        """How many updates are queued (unconfirmed) for a bot."""
        with self._lock:
            bot = self.bots[token]
            self._expire(bot)
            return len(bot.updates)

    def fault(self, kind: str, *, method: str = "*", count: int = 1, retry_after: int = 5,
              migrate_to: int = 0, status: int = 502, delay: float = 1.0,
              skip: int = 0) -> None:
        """Make the next ``count`` requests for ``method`` fail with ``kind``.

        ``skip`` lets that many matching requests succeed first (e.g. to fail the second
        part of a split reply).
        Kinds: ``"429"`` (with ``retry_after``), ``"blocked"`` / ``"kicked"`` (403),
        ``"migrate"`` (400 with ``migrate_to_chat_id``), ``"5xx"`` (``status``, a
        plain-text proxy-like body), ``"slow"`` (sleep ``delay`` seconds, then answer).
        """
        if kind not in ("429", "blocked", "kicked", "migrate", "5xx", "slow"):
            raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._faults.append(Fault(kind=kind, method=method.lower(), count=count,
                                      retry_after=retry_after, migrate_to=migrate_to,
                                      status=status, delay=delay, skip=skip))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- internals (call with the lock held) -----------------------------------------------

    def _chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise KeyError(f"no chat {chat_id}")
        return chat

    def _anon_user(self) -> JSON:
        self._next_user_id += 1
        return {"id": self._next_user_id, "is_bot": False, "first_name": "User"}

    def _new_message(self, chat: Chat, user: JSON, at: datetime | float | None) -> JSON:
        mid = chat.next_message_id
        chat.next_message_id += 1
        msg: JSON = {"message_id": mid, "from": user, "chat": chat.obj(),
                     "date": int(_ts(at) if at is not None else self.now())}
        chat.messages[mid] = msg
        return msg

    def _thread_fields(self, chat: Chat, msg: JSON, reply_to: int | None,
                       topic_id: int | None) -> None:
        if topic_id is not None:
            if topic_id not in chat.topics:
                raise ApiError(400, "Bad Request: message thread not found")
            msg["message_thread_id"] = topic_id
            msg["is_topic_message"] = True
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None:
                raise ApiError(400, "Bad Request: message to be replied not found")
            msg["reply_to_message"] = _shallow(target)
            if topic_id is None and chat.type == "supergroup" and not chat.is_forum:
                # Reply threads in ordinary supergroups carry the root as message_thread_id.
                root = target.get("message_thread_id", target["message_id"])
                msg["message_thread_id"] = root
        elif topic_id is not None:
            # In a forum topic a plain message "replies" to the topic's creation message.
            msg["reply_to_message"] = _shallow(chat.messages[topic_id])

    def _deliver(self, chat: Chat, kind: str, msg: JSON, *, sender_is_bot: bool) -> None:
        if sender_is_bot:
            return  # bots never see messages from other bots
        if chat.type == "channel":
            kind = "channel_post" if kind == "message" else "edited_channel_post"
        queued_at = self.now()
        for bot in self.bots.values():
            if bot.id not in chat.bots:
                continue
            allowed = bot.allowed or DEFAULT_ALLOWED
            if kind not in allowed:
                continue
            public = {k: v for k, v in msg.items() if not k.startswith("_")}
            bot.updates.append(({"update_id": bot.next_update_id, kind: public}, queued_at))
            bot.next_update_id += 1
            self._wake(bot)

    def _wake(self, bot: Bot) -> None:
        for loop, ev in bot.waiters:
            # RuntimeError: the server's loop is gone (shut down); nothing to wake.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(ev.set)

    def _expire(self, bot: Bot) -> None:
        limit = self.now() - UPDATE_TTL
        while bot.updates and bot.updates[0][1] < limit:
            bot.updates.popleft()

    def _take_fault(self, method: str) -> Fault | None:
        for f in self._faults:
            if f.method in ("*", method):
                if f.skip > 0:
                    f.skip -= 1
                    return None
                f.count -= 1
                if f.count <= 0:
                    self._faults.remove(f)
                return f
        return None

    # -- API methods (called by the app with parsed params) -------------------------------

    def _updates_ready(self, bot: Bot, offset: int | None, limit: int) -> list[JSON]:
        self._expire(bot)
        if offset is not None:
            if offset < 0:
                # "the last -offset updates": everything older is forgotten
                while len(bot.updates) > -offset:
                    bot.updates.popleft()
            else:
                while bot.updates and bot.updates[0][0]["update_id"] < offset:
                    bot.updates.popleft()
        out: list[JSON] = []
        for upd, _ in bot.updates:
            if len(out) >= limit:
                break
            out.append(upd)
        return out

    def send_message(self, bot: Bot, p: JSON) -> JSON:
        """sendMessage validation and delivery; returns the sent Message."""
        chat = self._resolve_chat(p.get("chat_id"))
        if chat.migrated_to is not None:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": chat.migrated_to})
        if bot.id not in chat.bots and chat.type != "private":
            raise ApiError(403, f"Forbidden: bot is not a member of the {_kind(chat)} chat")
        raw_text = p.get("text")
        text = "" if raw_text is None else str(raw_text)
        # The server trims surrounding whitespace, then counts Unicode code points.
        text = text.strip()
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        if p.get("parse_mode") not in (None, "", "MarkdownV2", "HTML", "Markdown"):
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        topic = _opt_int(p.get("message_thread_id"), "message_thread_id")
        reply = _json_param(p.get("reply_parameters"), "reply_parameters")
        if reply is None and p.get("reply_to_message_id") is not None:
            reply = {"message_id": p.get("reply_to_message_id")}
        if reply is not None and not isinstance(reply, dict):
            raise ApiError(400, "Bad Request: can't parse reply parameters JSON object")
        if topic is not None and chat.is_forum and topic not in chat.topics:
            raise ApiError(400, "Bad Request: message thread not found")
        if not chat.is_forum:
            topic = None  # ignored outside forums
        reply_to: int | None = None
        if reply is not None:
            rid = _opt_int(reply.get("message_id"), "reply_parameters.message_id")
            if rid is not None and rid in chat.messages:
                reply_to = rid
            elif not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        msg = self._new_message(chat, bot.user(), None)
        msg["text"] = text
        msg["_sent_by_api"] = True
        self._thread_fields(chat, msg, reply_to, topic)
        return {k: v for k, v in msg.items() if not k.startswith("_")}

    def _resolve_chat(self, chat_id: Any) -> Chat:
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            cid = self._by_username.get(chat_id[1:].lower())
            if cid is None:
                raise ApiError(400, "Bad Request: chat not found")
            return self.chats[cid]
        try:
            cid = int(chat_id)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        chat = self.chats.get(cid)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat


def _kind(chat: Chat) -> str:
    return {"group": "group", "supergroup": "supergroup", "channel": "channel"}.get(
        chat.type, "private")


def _ts(at: datetime | float) -> float:
    return at.timestamp() if isinstance(at, datetime) else float(at)


def _shallow(msg: JSON) -> JSON:
    """A message as embedded in ``reply_to_message``: no nested reply, no private fields."""
    return {k: v for k, v in msg.items() if k != "reply_to_message" and not k.startswith("_")}


def mention_entities(text: str) -> list[JSON]:
    """``mention`` entities for every ``@username`` in ``text``, offsets in UTF-16 units."""
    out: list[JSON] = []
    for m in re.finditer(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}", text):
        offset = len(text[: m.start()].encode("utf-16-le")) // 2
        length = len(m.group(0).encode("utf-16-le")) // 2
        out.append({"type": "mention", "offset": offset, "length": length})
    return out


def _opt_int(v: Any, name: str) -> int | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise ApiError(400, f"Bad Request: field \"{name}\" must be of type Integer")
    try:
        return int(v)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: field \"{name}\" must be of type Integer") from None


def _json_param(v: Any, name: str) -> Any:
    """Objects/arrays arrive as real JSON in a JSON body, or JSON-serialized in query/form."""
    if v is None or v == "":
        return None
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
    return v


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _err(code: int, description: str, parameters: JSON | None = None) -> JSONResponse:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


async def _params(request: Request) -> JSON:
    p: JSON = dict(request.query_params)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/json"):
            body = await request.body()
            if body:
                try:
                    data = json.loads(body)
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from None
                if not isinstance(data, dict):
                    raise ApiError(400, "Bad Request: can't parse JSON object")
                p.update(data)
        elif ctype.startswith("application/x-www-form-urlencoded"):
            # Parsed by hand: Starlette's form parser needs python-multipart, which the
            # project does not depend on (and file uploads are out of scope here).
            form = (await request.body()).decode("utf-8", errors="replace")
            p.update(dict(parse_qsl(form, keep_blank_values=True)))
        elif ctype.startswith("multipart/form-data"):
            raise ApiError(400, "Bad Request: multipart bodies are not supported by this fake")
    return p


def create_app(world: TelegramWorld) -> Starlette:
    """The Starlette app serving ``world`` as the Bot API (``/bot<token>/<method>``)."""

    async def get_updates(bot: Bot, p: JSON) -> Response:
        offset = _opt_int(p.get("offset"), "offset")
        # Clamped like the server's get_integer_arg(name, default, min, max): 0 → 1 for limit.
        raw_limit = _opt_int(p.get("limit"), "limit")
        limit = 100 if raw_limit is None else max(1, min(100, raw_limit))
        raw_timeout = _opt_int(p.get("timeout"), "timeout")
        timeout = 0 if raw_timeout is None else max(0, min(LONG_POLL_MAX, raw_timeout))
        allowed = _json_param(p.get("allowed_updates"), "allowed_updates")
        loop = asyncio.get_running_loop()
        ev = asyncio.Event()
        with world._lock:
            if bot.webhook_url:
                return _err(409, "Conflict: can't use getUpdates method while webhook is active;"
                                 " use deleteWebhook to delete the webhook first")
            if allowed is not None:
                if not isinstance(allowed, list):
                    raise ApiError(400, "Bad Request: can't parse allowed_updates JSON array")
                bot.allowed = tuple(str(a) for a in allowed) or None
            bot.poll_serial += 1
            serial = bot.poll_serial
            # A newer poll ends any older one that is still waiting (it gets 409).
            world._wake(bot)
            ready = world._updates_ready(bot, offset, limit)
            if ready or timeout == 0:
                return _ok(ready)
            bot.waiters.append((loop, ev))
        deadline = loop.time() + timeout
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return _ok([])
                try:
                    await asyncio.wait_for(ev.wait(), remaining)
                except TimeoutError:
                    return _ok([])
                ev.clear()
                with world._lock:
                    if bot.poll_serial != serial:
                        return _err(409, "Conflict: terminated by other getUpdates request; "
                                         "make sure that only one bot instance is running")
                    # Offset and limit apply again: the queue may have changed meanwhile.
                    ready = world._updates_ready(bot, offset, limit)
                    if ready:
                        return _ok(ready)
        finally:
            with world._lock:
                if (loop, ev) in bot.waiters:
                    bot.waiters.remove((loop, ev))

    async def send_message(bot: Bot, p: JSON) -> Response:
        with world._lock:
            return _ok(world.send_message(bot, p))

    async def get_me(bot: Bot, p: JSON) -> Response:
        return _ok({**bot.user(), "can_join_groups": True,
                    "can_read_all_group_messages": bot.can_read_all_group_messages,
                    "supports_inline_queries": False})

    async def get_chat(bot: Bot, p: JSON) -> Response:
        with world._lock:
            chat = world._resolve_chat(p.get("chat_id"))
            return _ok(chat.obj())

    async def set_webhook(bot: Bot, p: JSON) -> Response:
        with world._lock:
            bot.webhook_url = str(p.get("url") or "")
        return _ok(True)

    async def delete_webhook(bot: Bot, p: JSON) -> Response:
        with world._lock:
            bot.webhook_url = ""
            if str(p.get("drop_pending_updates", "")).lower() in ("true", "1"):
                bot.updates.clear()
        return _ok(True)

    async def get_webhook_info(bot: Bot, p: JSON) -> Response:
        with world._lock:
            return _ok({"url": bot.webhook_url, "has_custom_certificate": False,
                        "pending_update_count": len(bot.updates)})

    methods: dict[str, Callable[[Bot, JSON], Any]] = {
        "getupdates": get_updates, "sendmessage": send_message, "getme": get_me,
        "getchat": get_chat, "setwebhook": set_webhook, "deletewebhook": delete_webhook,
        "getwebhookinfo": get_webhook_info,
    }

    async def endpoint(request: Request) -> Response:
        token = request.path_params["token"]
        method = request.path_params["method"].lower()
        status = 200
        bot_name = "?"
        params: JSON = {}
        try:
            if not _TOKEN_RE.match(token):
                raise ApiError(401, "Unauthorized: invalid token specified")
            with world._lock:
                bot = world.bots.get(token)
                fault = world._take_fault(method) if bot is not None else None
            if bot is None:
                raise ApiError(401, "Unauthorized")
            bot_name = bot.username
            handler = methods.get(method)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            params = await _params(request)
            if fault is not None:
                if fault.kind == "slow":
                    await asyncio.sleep(fault.delay)
                elif fault.kind == "5xx":
                    status = fault.status
                    return Response("<html><body>Bad Gateway</body></html>",
                                    status_code=fault.status, media_type="text/html")
                else:
                    raise _fault_error(fault)
            resp: Response = await handler(bot, params)
            status = resp.status_code
            return resp
        except ApiError as e:
            status = e.code
            return _err(e.code, e.description, e.parameters)
        finally:
            with world._lock:
                world.requests.append(LoggedRequest(method, bot_name, params, status, world.now()))

    async def not_found(request: Request) -> Response:
        return _err(404, "Not Found")

    return Starlette(routes=[
        Route("/bot{token}/{method}", endpoint, methods=["GET", "POST"]),
        Route("/{path:path}", not_found, methods=["GET", "POST"]),
    ])


def _fault_error(f: Fault) -> ApiError:
    if f.kind == "429":
        return ApiError(429, f"Too Many Requests: retry after {f.retry_after}",
                        {"retry_after": f.retry_after})
    if f.kind == "blocked":
        return ApiError(403, "Forbidden: bot was blocked by the user")
    if f.kind == "kicked":
        return ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
    return ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": f.migrate_to})
