"""Telegram Bot API connector: client group chats in (long-polled getUpdates), replies out.

The package is cut by job:

- ``transport.py``: the Bot API client; the token lives only there (and in the keyring);
- ``cursor.py``: the ``getUpdates`` offset, and why it is committed with the items;
- ``chats.py``: which chats are followed, where they migrated, titles and topic names;
- ``ownership.py``: which account reads a chat when a user account could read it too;
- ``mapping.py``: updates → ``Item``s (forum topics, reply chains, UTF-16 mention offsets);
- ``text.py``: cleaning incoming text and splitting replies at the 4096-character limit;
- ``send.py``: ``sendMessage`` with signature, split, flood pacing, migrations;
- ``onboarding.py``: the token and chat checks used by ``inscope connect telegram``.

:class:`TelegramConnector` composes them; ``build(ctx)`` is the factory named in
``connectors.registry`` for ``kind = "telegram"``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from connectors.base import (
    Batch,
    Item,
    LongPoll,
    Outgoing,
    ReplyLimit,
    SendResult,
    SourceContext,
    SourceError,
    SourceEvent,
    redact,
    register_secret,
)
from connectors.options import Opt
from connectors.telegram.chats import Chats
from connectors.telegram.cursor import next_cursor, offset_of
from connectors.telegram.mapping import UpdateParser
from connectors.telegram.onboarding import get_me, seen_chats
from connectors.telegram.ownership import listed_chats
from connectors.telegram.send import MessageSender
from connectors.telegram.text import MAX_TEXT, clean_text, split_text
from connectors.telegram.transport import DEFAULT_API_BASE, ApiError, BotApi, source_error

__all__ = [
    "MAX_TEXT",
    "TelegramConnector",
    "build",
    "clean_text",
    "get_me",
    "seen_chats",
    "split_text",
]

OPTIONS: dict[str, Opt] = {
    "api_base": Opt("str", "the Bot API root (default https://api.telegram.org)"),
    "poll_timeout": Opt("int", "long-poll seconds of getUpdates (default 25; 0 = short polls)", min=0),
    "limit": Opt("int", "updates per getUpdates (1–100, default 100)", min=1),
    "chats": Opt("strs", "chat ids this bot reads (default: every chat it is in)"),
    "me_ids": Opt("strs", "Telegram user ids that are me (my own messages seen by the bot)"),
    "pace_chat_seconds": Opt("float", "seconds between sends to one chat (default 1)", min=0),
    "group_per_minute": Opt("int", "sends per minute to one group (default 20)", min=1),
    "max_inline_wait": Opt("float", "longest pacing wait inside one send (default 30)", min=0),
}
"""The options of a ``kind = "telegram"`` (Bot API) account; the bot token is a secret."""

REPLY_LIMIT = ReplyLimit(part_chars=MAX_TEXT, parts_per_minute=20.0)
"""Long replies go out in parts of 4096 characters, at most 20 a minute to a group."""

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post",
                   "my_chat_member"]
LONG_POLL_MAX = 50  # seconds; getUpdates holds a request at most about this long


class TelegramConnector(LongPoll):
    """Connector for one bot account.

    Options: ``api_base``, ``poll_timeout`` (the getUpdates long poll, 0–50 s, default
    25), ``limit`` (updates per call, ≤ 100), ``chats`` (ids to follow; default: all but
    those another account lists, see ``ownership.py``),
    ``me_ids`` (my Telegram user ids, for "from me" and mentions), and the pacing
    options of :class:`~connectors.telegram.send.MessageSender`.  Secret: ``token``.
    """

    kind = "telegram"

    def __init__(self, ctx: SourceContext, *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.account = ctx.account
        opts = ctx.options
        self.api_base = str(opts.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        self.poll_timeout = max(0, min(LONG_POLL_MAX, int(opts.get("poll_timeout", 25))))
        self.limit = max(1, min(100, int(opts.get("limit", 100))))
        chats = opts.get("chats")
        # Without a `chats` list the bot reads every chat it is in, except the chats another
        # account lists (connectors/telegram/ownership.py): never two threads for one chat.
        skip = set() if chats else set(listed_chats(ctx.other_accounts))
        self._chats = Chats({int(c) for c in chats} if chats else None, skip)
        self._api: BotApi | None = None
        self._token_error: SourceError | None = None
        self._bot_username: str | None = None
        token = ctx.secret("token")
        if not token:
            self._token_error = SourceError(
                f"Telegram account {ctx.account!r}: no bot token; run `inscope connect telegram`",
                fatal=True)
        else:
            register_secret(token)
            try:
                self._api = BotApi(self.api_base, token, transport)
            except SourceError as e:
                self._token_error = e
        self.bot_id: int | None = self._api.bot_id if self._api else None
        self._parser = UpdateParser(
            ctx.account, self._chats,
            handles={h.lstrip("@").lower() for h in ctx.me_handles if h},
            me_ids={int(x) for x in opts.get("me_ids", ())}, bot_id=self.bot_id)
        self._sender = MessageSender(ctx.account, self._need_api, self._chats, self._parser,
                                     signature=ctx.signature, options=opts, sleep=sleep,
                                     clock=clock)

    def _need_api(self) -> BotApi:
        if self._api is None:
            raise self._token_error or SourceError("Telegram: not configured", fatal=True)
        return self._api

    async def _bot_handle(self) -> str:
        """The bot's @username (cached; a mention of the bot counts as a mention of me)."""
        if self._bot_username is None:
            try:
                me = await self._need_api().call("getMe", {})
            except ApiError as e:
                raise source_error(e, "getMe") from None
            self._bot_username = str(me.get("username") or "").lower() if isinstance(me, dict) else ""
        return self._bot_username

    async def fetch(self, cursor: str | None) -> Batch:
        """One ``getUpdates`` call from offset ``cursor``; the batch's cursor confirms it next time."""
        api = self._need_api()
        bot_handle = await self._bot_handle()
        offset = offset_of(cursor, self.account)
        params: dict[str, Any] = {"timeout": self.poll_timeout, "limit": self.limit,
                                  "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            params["offset"] = offset
        try:
            result = await api.call("getUpdates", params, read_timeout=self.poll_timeout + 15)
        except ApiError as e:
            raise source_error(e, "getUpdates") from None
        if not isinstance(result, list):
            raise SourceError("Telegram: getUpdates returned something that is not a list",
                              retry_after=30)
        items: list[Item] = []
        events: list[SourceEvent] = self._sender.take_events()
        notes: list[str] = []
        max_id: int | None = None
        skipped = 0
        for upd in result:
            uid = upd.get("update_id") if isinstance(upd, dict) else None
            if isinstance(uid, int) and not isinstance(uid, bool):
                max_id = uid if max_id is None else max(max_id, uid)
            try:
                self._parser.parse_update(upd, items, events, notes, bot_handle)
            except Exception as e:  # noqa: BLE001 — one bad update must not stop the others
                skipped += 1
                log.warning("telegram %s: skipped malformed update %s (%s)", self.account,
                            uid if isinstance(uid, int) else "?", redact(type(e).__name__))
        if skipped:
            notes.append(f"{skipped} malformed update(s) skipped")
        # Both sides of a migration arrive as service messages: report it once.
        return Batch(items=items, cursor=next_cursor(max_id, cursor),
                     more=len(result) >= self.limit, notes=list(dict.fromkeys(notes)),
                     events=list(dict.fromkeys(events)))

    async def send(self, out: Outgoing) -> SendResult:
        """Post ``out`` (signed, split, paced); returns the last part's id and our message."""
        return await self._sender.send(out)

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """Always ``ReconcileUnknown``: a bot cannot read chat history to check."""
        return await self._sender.reconcile(out)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._api is not None:
            await self._api.aclose()


def build(ctx: SourceContext) -> TelegramConnector:
    """The connector for one ``kind = "telegram"`` account."""
    return TelegramConnector(ctx)
