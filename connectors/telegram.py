"""Telegram Bot API connector: client group chats in (long-polled getUpdates), replies out.

Facts this follows are in connector-apis.md §2.  The shape of it:

* ``fetch(cursor)``: the cursor is the next ``getUpdates`` offset.  Passing it confirms
  (deletes on the server) every update below it, so the core must commit the items of a
  batch together with the new cursor before the next call: a crash in between only
  re-delivers, and the store upserts on ``external_id = "<chat_id>:<message_id>"``.
* ``send(out)``: ``sendMessage`` as plain text (never ``parse_mode``: a client's text is
  data), signed with the user's prefix, split into ≤ 4096-character parts at paragraph,
  then line, then word boundaries, paced per chat (flood limits) and honouring
  ``retry_after``.
* ``reconcile(out)``: a bot cannot read chat history, so whether a send that crashed
  happened cannot be known: always :class:`ReconcileUnknown`.

The token sits in the URL path (``/bot<token>/method``).  To keep it out of httpx's own
log lines and exception texts, requests are built against a placeholder path and a
small transport swaps the real token in just before the bytes go out; every message we
produce is additionally passed through :func:`connectors.base.redact`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.base import (
    Author,
    Batch,
    ChatMigrated,
    Item,
    MaybeSentError,
    Outgoing,
    PermanentSendError,
    ReconcileUnknown,
    SendResult,
    SourceContext,
    SourceError,
    SourceEvent,
    redact,
    register_secret,
)

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.telegram.org"
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post",
                   "my_chat_member"]
MAX_TEXT = 4096
"""sendMessage's limit: 4096 characters *after* the server trims surrounding whitespace.

tdlib counts ``utf8_length`` (Unicode code points), which is Python's ``len``: an emoji
is one character here even though it is two UTF-16 units in entity offsets."""

LONG_POLL_MAX = 50
EXCERPT = 200  # characters of a replied-to message kept in meta["reply_to_text"]

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_PLACEHOLDER = "/bot_/"  # the token-free path prefix that httpx sees and logs
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MEDIA = ("photo", "video", "animation", "document", "audio", "voice", "video_note",
          "sticker", "contact", "location", "venue", "poll", "dice")


# --- transport and calls ------------------------------------------------------------------


class _TokenTransport(httpx.AsyncBaseTransport):
    """Puts the token into the path at the last moment, so httpx never logs or raises with it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, token: str) -> None:
        self._inner = inner
        self._prefix = ("/bot" + token + "/").encode("ascii")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raw = request.url.raw_path.replace(_PLACEHOLDER.encode("ascii"), self._prefix, 1)
        real = httpx.Request(request.method, request.url.copy_with(raw_path=raw),
                             headers=request.headers, stream=request.stream,
                             extensions=request.extensions)
        return await self._inner.handle_async_request(real)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _ApiError(Exception):
    """An ``ok: false`` reply from the Bot API (internal; mapped to SourceError by callers)."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any]) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = redact(description)
        self.parameters = parameters

    @property
    def retry_after(self) -> float | None:
        v = self.parameters.get("retry_after")
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    @property
    def migrate_to(self) -> int | None:
        v = self.parameters.get("migrate_to_chat_id")
        return v if isinstance(v, int) and not isinstance(v, bool) else None


class _Api:
    """A Bot API client for one token: JSON POSTs, token-safe errors."""

    def __init__(self, api_base: str, token: str,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not _TOKEN_RE.match(token):
            raise SourceError("Telegram: the bot token is malformed (expected 123456:ABC…); "
                              "run `inscope connect telegram`", fatal=True)
        register_secret(token)
        self.host = httpx.URL(api_base).host or api_base
        inner = transport or httpx.AsyncHTTPTransport(retries=0)
        self._client = httpx.AsyncClient(
            base_url=api_base.rstrip("/") + _PLACEHOLDER.rstrip("/"),
            transport=_TokenTransport(inner, token),
            timeout=httpx.Timeout(30.0, connect=10.0),
            headers={"User-Agent": "inscope"},
        )

    async def call(self, method: str, params: dict[str, Any], *,
                   read_timeout: float = 30.0) -> Any:
        """POST ``params`` as JSON; return ``result`` or raise ``_ApiError`` / ``SourceError``."""
        timeout = httpx.Timeout(read_timeout, connect=10.0)
        # For sendMessage, a failure after the request left us may hide a delivered message:
        # the engine must not simply retry it (a bot cannot check history afterwards).
        maybe = MaybeSentError if method == "sendMessage" else SourceError
        try:
            resp = await self._client.post("/" + method, json=params, timeout=timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as e:
            raise SourceError(f"Telegram: cannot reach {self.host} ({type(e).__name__}: "
                              f"{redact(str(e))})", retry_after=30) from None
        except httpx.TimeoutException:
            raise maybe(f"Telegram: {method} timed out talking to {self.host}",
                        retry_after=10) from None
        except httpx.HTTPError as e:
            # str(e) of transport errors carries no URL, but redact anyway: belt and braces.
            raise maybe(f"Telegram: lost the connection to {self.host} ({type(e).__name__}: "
                        f"{redact(str(e))})", retry_after=30) from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            # A proxy page, a crash page or a cut body instead of Bot API JSON.
            raise maybe(f"Telegram: {method} got HTTP {resp.status_code} without a Bot API "
                        f"reply from {self.host}", retry_after=15)
        if body.get("ok") is True:
            return body.get("result")
        params_obj = body.get("parameters")
        code = body.get("error_code")
        raise _ApiError(code if isinstance(code, int) else resp.status_code,
                        str(body.get("description") or "error"),
                        params_obj if isinstance(params_obj, dict) else {})

    async def aclose(self) -> None:
        await self._client.aclose()


def _source_error(e: _ApiError, doing: str) -> SourceError:
    """The account-status form of an API error (no secrets: descriptions are redacted)."""
    if e.code == 401:
        return SourceError(f"Telegram: the bot token was rejected ({e.description}); it was "
                           "revoked or mistyped: run `inscope connect telegram`", fatal=True)
    if e.code == 404:
        return SourceError(f"Telegram: {doing}: {e.description} (is api_base right?)", fatal=True)
    if e.code == 409:
        return SourceError(
            f"Telegram: {doing}: {e.description}. Another program is polling this bot (or a "
            "webhook is set): stop it, or call deleteWebhook", retry_after=60)
    if e.code == 429:
        return SourceError(f"Telegram: {doing}: flood limit, retry after {e.retry_after or 5:g} s",
                           retry_after=e.retry_after or 5)
    if e.code >= 500:
        return SourceError(f"Telegram: {doing}: server error {e.code}", retry_after=15)
    return SourceError(f"Telegram: {doing}: {e.code} {e.description}", retry_after=60)


# --- connect helpers (used by `inscope connect telegram`) -------------------------------------


async def get_me(api_base: str, token: str, *,
                 transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Any]:
    """``getMe`` for a token: the bot's user object plus ``can_read_all_group_messages``.

    Raises ``SourceError`` (fatal for a rejected token) with a secret-free message.
    """
    api = _Api(api_base, token, transport)
    try:
        result = await api.call("getMe", {})
    except _ApiError as e:
        raise _source_error(e, "getMe") from None
    finally:
        await api.aclose()
    if not isinstance(result, dict):
        raise SourceError("Telegram: getMe returned something that is not a user")
    return result


async def seen_chats(api_base: str, token: str, *,
                     transport: httpx.AsyncBaseTransport | None = None) -> list[dict[str, Any]]:
    """Chats present in the bot's pending updates, without confirming any of them.

    Calls ``getUpdates`` with no ``offset`` (nothing is confirmed) and no
    ``allowed_updates`` (the bot's setting is kept).  Returns one dict per chat:
    ``id``, ``type``, ``title``, ``username``, ``is_forum``, in first-seen order.
    """
    api = _Api(api_base, token, transport)
    try:
        result = await api.call("getUpdates", {"timeout": 0, "limit": 100})
    except _ApiError as e:
        raise _source_error(e, "getUpdates") from None
    finally:
        await api.aclose()
    chats: dict[int, dict[str, Any]] = {}
    for upd in result if isinstance(result, list) else []:
        if not isinstance(upd, dict):
            continue
        for key in ("message", "edited_message", "channel_post", "edited_channel_post",
                    "my_chat_member"):
            obj = upd.get(key)
            chat = obj.get("chat") if isinstance(obj, dict) else None
            cid = chat.get("id") if isinstance(chat, dict) else None
            if isinstance(chat, dict) and isinstance(cid, int) and cid not in chats:
                chats[cid] = {"id": cid, "type": str(chat.get("type", "")),
                              "title": _chat_title(chat),
                              "username": str(chat.get("username") or ""),
                              "is_forum": bool(chat.get("is_forum"))}
    return list(chats.values())


# --- text helpers ------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Client text is data: drop control characters (terminal escapes) but keep \\n and \\t."""
    return _CONTROL_RE.sub("", text.replace("\r\n", "\n"))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters for sendMessage.

    Cuts at the last paragraph break (blank line) that fits, else the last line break,
    else the last space, else hard at ``limit``.  Parts are trimmed, since the server
    trims them anyway and an all-blank part would be rejected; order is kept.
    """
    rest = text.strip()
    parts: list[str] = []
    while len(rest) > limit:
        window = rest[: limit + 1]  # a break right after the limit still leaves a full part
        cut = -1
        for sep in ("\n\n", "\n", " "):
            idx = window.rfind(sep)
            if idx > 0 and rest[:idx].strip():
                cut = idx
                break
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _utf16_slice(encoded: bytes, offset: Any, length: Any) -> str | None:
    """Text of an entity given UTF-16 ``offset`` / ``length`` (Bot API units), or None."""
    if not (isinstance(offset, int) and isinstance(length, int)) or isinstance(offset, bool):
        return None
    if offset < 0 or length <= 0 or 2 * (offset + length) > len(encoded):
        return None
    return encoded[2 * offset: 2 * (offset + length)].decode("utf-16-le", errors="replace")


def _chat_title(chat: dict[str, Any]) -> str:
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


# --- the connector -----------------------------------------------------------------------------------


class TelegramConnector:
    """Connector for one bot account (see the module docstring)."""

    kind = "telegram"

    def __init__(self, ctx: SourceContext, *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.account = ctx.account
        self._ctx = ctx
        opts = ctx.options
        self.api_base = str(opts.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        self.poll_timeout = max(0, min(LONG_POLL_MAX, int(opts.get("poll_timeout", 25))))
        self.limit = max(1, min(100, int(opts.get("limit", 100))))
        chats = opts.get("chats")
        self._chats: set[int] | None = {int(c) for c in chats} if chats else None
        self._pace_chat = float(opts.get("pace_chat_seconds", 1.0))
        self._group_per_min = int(opts.get("group_per_minute", 20))
        self._max_inline_wait = float(opts.get("max_inline_wait", 30.0))
        self._me_ids = {int(x) for x in opts.get("me_ids", ())}
        self._handles = {h.lstrip("@").lower() for h in ctx.me_handles if h}
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._api: _Api | None = None
        self._token_error: SourceError | None = None
        self.bot_id: int | None = None
        self._bot_username: str | None = None
        self._titles: dict[int, str] = {}
        self._topics: dict[tuple[int, int], str] = {}
        self._pending_events: list[SourceEvent] = []
        self._migrated: dict[int, int] = {}
        self._sent_times: dict[int, deque[float]] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._progress: dict[str, tuple[int, list[str], int]] = {}
        token = ctx.secret("token")
        if not token:
            self._token_error = SourceError(
                f"Telegram account {ctx.account!r}: no bot token; run `inscope connect telegram`",
                fatal=True)
            return
        register_secret(token)
        try:
            self._api = _Api(self.api_base, token, transport)
        except SourceError as e:
            self._token_error = e
            return
        self.bot_id = int(token.split(":", 1)[0])  # a bot token starts with the bot's user id

    # -- plumbing ----------------------------------------------------------------------

    def _need_api(self) -> _Api:
        if self._api is None:
            raise self._token_error or SourceError("Telegram: not configured", fatal=True)
        return self._api

    async def _bot_handle(self) -> str:
        """The bot's @username (cached; a mention of the bot counts as a mention of me)."""
        if self._bot_username is None:
            try:
                me = await self._need_api().call("getMe", {})
            except _ApiError as e:
                raise _source_error(e, "getMe") from None
            self._bot_username = str(me.get("username") or "").lower() if isinstance(me, dict) else ""
        return self._bot_username

    async def aclose(self) -> None:
        if self._api is not None:
            await self._api.aclose()

    # -- fetch --------------------------------------------------------------------------

    async def fetch(self, cursor: str | None) -> Batch:
        """One ``getUpdates`` call from offset ``cursor``; the batch's cursor confirms it next time."""
        api = self._need_api()
        bot_handle = await self._bot_handle()
        offset: int | None = None
        if cursor:
            try:
                offset = int(cursor)
            except ValueError:
                log.warning("telegram %s: ignoring unreadable cursor", self.account)
        params: dict[str, Any] = {"timeout": self.poll_timeout, "limit": self.limit,
                                  "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            params["offset"] = offset
        try:
            result = await api.call("getUpdates", params, read_timeout=self.poll_timeout + 15)
        except _ApiError as e:
            raise _source_error(e, "getUpdates") from None
        if not isinstance(result, list):
            raise SourceError("Telegram: getUpdates returned something that is not a list",
                              retry_after=30)
        items: list[Item] = []
        events: list[SourceEvent] = self._pending_events
        self._pending_events = []
        notes: list[str] = []
        max_id: int | None = None
        skipped = 0
        for upd in result:
            uid = upd.get("update_id") if isinstance(upd, dict) else None
            if isinstance(uid, int) and not isinstance(uid, bool):
                max_id = uid if max_id is None else max(max_id, uid)
            try:
                self._parse_update(upd, items, events, notes, bot_handle)
            except Exception as e:  # noqa: BLE001 — one bad update must not stop the others
                skipped += 1
                log.warning("telegram %s: skipped malformed update %s (%s)", self.account,
                            uid if isinstance(uid, int) else "?", redact(type(e).__name__))
        if skipped:
            notes.append(f"{skipped} malformed update(s) skipped")
        new_cursor = str(max_id + 1) if max_id is not None else cursor
        # Both sides of a migration arrive as service messages: report it once.
        return Batch(items=items, cursor=new_cursor, more=len(result) >= self.limit,
                     notes=list(dict.fromkeys(notes)), events=list(dict.fromkeys(events)))

    def _parse_update(self, upd: Any, items: list[Item], events: list[SourceEvent],
                      notes: list[str], bot_handle: str) -> None:
        if not isinstance(upd, dict):
            raise ValueError("update is not an object")
        _int(upd.get("update_id"))
        for key in ("message", "edited_message"):
            msg = upd.get(key)
            if msg is not None:
                if not isinstance(msg, dict):
                    raise ValueError(f"{key} is not an object")
                item = self._parse_message(msg, events, bot_handle, raw=upd)
                if item is not None:
                    items.append(item)
                return
        member = upd.get("my_chat_member")
        if isinstance(member, dict):
            chat = member.get("chat")
            new = member.get("new_chat_member")
            if isinstance(chat, dict) and isinstance(new, dict):
                status = new.get("status")
                title = _chat_title(chat)
                if status in ("member", "administrator"):
                    notes.append(f"bot added to {title} ({chat.get('id')})")
                elif status in ("left", "kicked"):
                    notes.append(f"bot removed from {title} ({chat.get('id')})")
        # channel posts are requested (a future channel inbox) but not turned into items yet

    def _allowed(self, chat_id: int) -> bool:
        return self._chats is None or chat_id in self._chats

    def _parse_message(self, msg: dict[str, Any], events: list[SourceEvent], bot_handle: str, *,
                       raw: Any, check_allowed: bool = True) -> Item | None:
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
            self._note_migration(old, new, events)
            return None
        if check_allowed and not self._allowed(chat_id):
            return None
        self._titles[chat_id] = _chat_title(chat)
        thread = msg.get("message_thread_id")
        topic_created = msg.get("forum_topic_created") or msg.get("forum_topic_edited")
        if isinstance(topic_created, dict) and isinstance(thread, int):
            name = topic_created.get("name")
            if isinstance(name, str) and name:
                self._topics[(chat_id, thread)] = clean_text(name)
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

        # Mentions: entity offsets are UTF-16 code units, so slice the UTF-16 encoding.
        mentions: list[str] = []
        mentions_me = False
        encoded = raw_text.encode("utf-16-le", errors="surrogatepass")
        ents = msg.get(ents_key)
        for ent in ents if isinstance(ents, list) else []:
            if not isinstance(ent, dict):
                continue
            if ent.get("type") == "mention":
                frag = _utf16_slice(encoded, ent.get("offset"), ent.get("length"))
                if frag and frag.startswith("@"):
                    handle = frag[1:].lower()
                    mentions.append(handle)
                    if handle in self._handles or (bot_handle and handle == bot_handle):
                        mentions_me = True
            elif ent.get("type") == "text_mention" and isinstance(ent.get("user"), dict):
                user = ent["user"]
                uname = str(user.get("username") or "").lower()
                mentions.append(uname or _user_name(user))
                if (uname and uname in self._handles) or user.get("id") in self._me_ids:
                    mentions_me = True

        # Author: a user, or a chat when someone posts "as the group/channel".
        sender_obj = msg.get("from")
        sender: dict[str, Any] = sender_obj if isinstance(sender_obj, dict) else {}
        sender_chat = msg.get("sender_chat")
        if isinstance(sender_chat, dict) and _is_int(sender_chat.get("id")):
            author = Author(id=str(sender_chat["id"]), name=_chat_title(sender_chat),
                            handle=str(sender_chat.get("username") or ""), is_bot=False)
        else:
            # A client's words matter more than a well-formed sender: degrade, don't drop.
            raw_uid = sender.get("id")
            uid = raw_uid if _is_int(raw_uid) else None
            handle = str(sender.get("username") or "")
            is_me = (uid is not None and (uid == self.bot_id or uid in self._me_ids)) or (
                bool(handle) and handle.lower() in self._handles)
            author = Author(id="" if uid is None else str(uid),
                            name=_user_name(sender) or handle or str(uid or "unknown"),
                            handle=handle, is_me=is_me, is_bot=sender.get("is_bot") is True)

        # Forum topics are their own conversations; reply threads in plain groups are not.
        topic: int | None = None
        if msg.get("is_topic_message") and isinstance(thread, int) and not isinstance(thread, bool):
            topic = thread
        is_topic = topic is not None
        conversation = f"{chat_id}:{topic}" if is_topic else str(chat_id)
        reply = msg.get("reply_to_message")
        reply_to: str | None = None
        meta: dict[str, Any] = {"chat_type": ctype, "message_id": message_id}
        if isinstance(reply, dict):
            rid = reply.get("message_id")
            created = reply.get("forum_topic_created")
            if topic is not None and rid == topic and isinstance(created, dict):
                # In a topic a plain message "replies" to the topic's creation message.
                if isinstance(created.get("name"), str) and created["name"]:
                    self._topics[(chat_id, topic)] = clean_text(created["name"])
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
            meta["external_reply"] = {"chat": _chat_title(ext["chat"])
                                      if isinstance(ext.get("chat"), dict) else "",
                                      "message_id": ext.get("message_id")}
        quote = msg.get("quote")
        if isinstance(quote, dict) and isinstance(quote.get("text"), str):
            meta["quote"] = clean_text(quote["text"])[:EXCERPT]
        if topic is not None:
            meta["topic_id"] = topic
        if attachments:
            meta["attachments"] = attachments
        if "forward_origin" in msg:
            meta["forwarded"] = True

        title = self._titles[chat_id]
        if topic is not None:
            topic_name = self._topics.get((chat_id, topic))
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
            url=self._url(chat, chat_id, message_id, topic),
            routes=(f"telegram_chat:{chat_id}",), meta=meta,
            raw=json.dumps(raw, ensure_ascii=False),
        )

    @staticmethod
    def _url(chat: dict[str, Any], chat_id: int, message_id: int, topic: Any) -> str:
        """t.me link: public chats by username, private supergroups by the -100-less id."""
        mid = f"{topic}/{message_id}" if topic is not None else str(message_id)
        username = chat.get("username")
        if isinstance(username, str) and username and chat.get("type") != "private":
            return f"https://t.me/{username}/{mid}"
        if chat.get("type") == "supergroup" and str(chat_id).startswith("-100"):
            return f"https://t.me/c/{str(chat_id)[4:]}/{mid}"
        return ""  # basic groups and private chats have no web link

    def _note_migration(self, old: int, new: int, events: list[SourceEvent]) -> None:
        """A group became a supergroup: keep following it and ask the core to re-key."""
        self._migrated[old] = new
        if self._chats is not None and old in self._chats:
            self._chats.add(new)
        events.append(ChatMigrated(old=str(old), new=str(new)))

    # -- send ---------------------------------------------------------------------------

    def _sign(self, text: str) -> str:
        sig = self._ctx.signature
        body = text.strip()
        if sig and not body.startswith(sig.strip()):
            return sig + body
        return body

    async def _pace(self, chat_id: int) -> None:
        """Wait so this chat gets ≤ 1 message per ``pace_chat_seconds`` and a group ≤ N/min."""
        times = self._sent_times.setdefault(chat_id, deque(maxlen=max(1, self._group_per_min)))
        now = self._clock()
        wait = 0.0
        if times:
            wait = times[-1] + self._pace_chat - now
        if chat_id < 0 and len(times) >= self._group_per_min:
            wait = max(wait, times[0] + 60.0 - now)
        if wait > 0:
            await self._sleep(wait)
        times.append(self._clock())

    async def _send_part(self, chat_id: int, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """sendMessage with flood pacing; follows a migration; waits out short retry_after.

        Returns (the chat id finally used, the sent Message).
        """
        api = self._need_api()
        for _attempt in range(6):
            err: _ApiError | None = None
            lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
            async with lock:
                await self._pace(chat_id)
                try:
                    msg = await api.call("sendMessage", {**params, "chat_id": chat_id})
                except _ApiError as e:
                    err = e
            if err is None:
                if not isinstance(msg, dict):
                    raise SourceError("Telegram: sendMessage returned no message", retry_after=30)
                return chat_id, msg
            if err.migrate_to is not None:
                log.info("telegram %s: chat %s moved to %s", self.account, chat_id, err.migrate_to)
                self._note_migration(chat_id, err.migrate_to, self._pending_events)
                chat_id = err.migrate_to
                continue
            if err.code == 429 and (err.retry_after or 0) <= self._max_inline_wait:
                await self._sleep(err.retry_after or 1.0)
                continue
            if err.code in (400, 403):
                # chat not found, bot kicked/blocked, thread gone, text rejected: retrying
                # the same request cannot succeed, so the outbox row must fail visibly.
                raise PermanentSendError(f"Telegram: cannot send to chat {chat_id}: "
                                         f"{err.description}")
            raise _source_error(err, "sendMessage")
        raise SourceError("Telegram: sendMessage kept failing (flood waits / migrations)",
                          retry_after=60)

    async def send(self, out: Outgoing) -> SendResult:
        """Post ``out`` (split and paced); returns the last part's id and our message as an item."""
        self._need_api()
        topic: int | None = None
        reply_mid: int | None = None
        try:
            if out.target.get("chat_id"):
                # An escalation: a DM or the AM's chat; nothing to reply to there.
                chat_id = int(out.target["chat_id"])
                if out.target.get("message_thread_id"):
                    topic = int(out.target["message_thread_id"])
            else:
                head, _, tail = out.conversation.partition(":")
                chat_id = int(head)
                topic = int(tail) if tail else None
                if out.reply_to:
                    rchat, _, rmid = out.reply_to.partition(":")
                    if int(rchat) == chat_id and rmid:
                        reply_mid = int(rmid)
        except ValueError:
            raise PermanentSendError(f"Telegram: cannot tell the chat from {out.conversation!r}"
                                     ) from None
        chat_id = self._migrated.get(chat_id, chat_id)
        text = self._sign(out.text)
        parts = split_text(text)
        if not parts:
            raise PermanentSendError("Telegram: the reply is empty")
        # Resuming after a flood wait that interrupted a multi-part send (same process):
        # parts already delivered are not sent again.
        done, remote_ids, prev_chat = self._progress.get(out.key, (0, [], chat_id))
        chat_id = prev_chat if done else chat_id
        last: dict[str, Any] | None = None
        for i in range(done, len(parts)):
            params: dict[str, Any] = {"text": parts[i]}
            if topic is not None:
                params["message_thread_id"] = topic
            if i == 0 and reply_mid is not None:
                params["reply_parameters"] = {"message_id": reply_mid,
                                              "allow_sending_without_reply": True}
            try:
                chat_id, last = await self._send_part(chat_id, params)
            except SourceError:
                if remote_ids:
                    self._progress[out.key] = (i, remote_ids, chat_id)
                raise
            remote_ids.append(f"{chat_id}:{last['message_id']}")
        self._progress.pop(out.key, None)
        if last is None:  # every part had been sent before a crash-free retry
            return SendResult(remote_id=remote_ids[-1])
        item: Item | None = None
        try:
            item = self._parse_message(last, self._pending_events, "", raw=last,
                                       check_allowed=False)
        except Exception as e:  # noqa: BLE001 — delivery succeeded; a parse problem must not undo it
            log.warning("telegram %s: could not parse the sent message (%s)", self.account,
                        type(e).__name__)
        if item is not None:
            item.text = clean_text(text)
            item.meta["parts"] = remote_ids
        return SendResult(remote_id=remote_ids[-1], item=item)

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """A bot cannot read chat history, so an interrupted send can never be confirmed."""
        raise ReconcileUnknown(
            "Telegram bots cannot read chat history: whether this reply was delivered is unknown")


def build(ctx: SourceContext) -> TelegramConnector:
    """The connector for one ``kind = "telegram"`` account."""
    return TelegramConnector(ctx)
