"""Sending replies with ``sendMessage``: signed, split, paced, following migrations.

- Plain text only (never ``parse_mode``: a client's text is data), prefixed with the
  user's signature (the bot speaks on the user's behalf), split into parts of at most
  4096 characters at paragraph, then line, then word boundaries.
- Paced per chat to stay under Telegram's flood limits (about one message per second
  per chat, twenty per minute per group); a short ``retry_after`` is waited out here,
  a long one becomes a retryable ``SourceError``.
- A reply to a group that became a supergroup is re-sent to the new chat id, and a
  :class:`~connectors.base.ChatMigrated` is reported with the next fetch.
- A bot cannot read chat history, so whether an interrupted send arrived can never be
  checked afterwards: ``reconcile`` is always :class:`ReconcileUnknown`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from connectors.base import (
    Item,
    Outgoing,
    PermanentSendError,
    ReconcileUnknown,
    SendResult,
    SourceError,
    SourceEvent,
)
from connectors.telegram.chats import Chats
from connectors.telegram.mapping import UpdateParser
from connectors.telegram.text import clean_text, split_text
from connectors.telegram.transport import ApiError, BotApi, source_error

log = logging.getLogger(__name__)


class MessageSender:
    """Delivers outbox rows for one bot account.

    Options: ``pace_chat_seconds`` (between two messages to one chat, default 1),
    ``group_per_minute`` (default 20), ``max_inline_wait`` (the longest flood wait
    slept here, default 30 s).
    """

    def __init__(self, account: str, api: Callable[[], BotApi], chats: Chats,
                 parser: UpdateParser, *, signature: str, options: dict[str, Any],
                 sleep: Callable[[float], Awaitable[None]],
                 clock: Callable[[], float]) -> None:
        self.account = account
        self._api = api
        self._chats = chats
        self._parser = parser
        self._signature = signature
        self._pace_chat = float(options.get("pace_chat_seconds", 1.0))
        self._group_per_min = int(options.get("group_per_minute", 20))
        self._max_inline_wait = float(options.get("max_inline_wait", 30.0))
        self._sleep = sleep
        self._clock = clock
        self._sent_times: dict[int, deque[float]] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        # outbox key → (parts delivered, their remote ids, the chat they went to)
        self._progress: dict[str, tuple[int, list[str], int]] = {}
        self._events: list[SourceEvent] = []

    def take_events(self) -> list[SourceEvent]:
        """Events found while sending (migrations), to report with the next fetch."""
        events, self._events = self._events, []
        return events

    def sign(self, text: str) -> str:
        """The text as posted: trimmed, with the signature prefix unless it already has it."""
        sig = self._signature
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
        api = self._api()
        for _attempt in range(6):
            err: ApiError | None = None
            lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
            async with lock:
                await self._pace(chat_id)
                try:
                    msg = await api.call("sendMessage", {**params, "chat_id": chat_id})
                except ApiError as e:
                    err = e
                finally:
                    # The flood limit is the server's: count the gap from when this send
                    # ended, so a request slowed on its way cannot arrive closer than the
                    # pace to the next one.
                    self._sent_times[chat_id][-1] = self._clock()
            if err is None:
                if not isinstance(msg, dict):
                    raise SourceError("Telegram: sendMessage returned no message", retry_after=30)
                return chat_id, msg
            if err.migrate_to is not None:
                log.info("telegram %s: chat %s moved to %s", self.account, chat_id, err.migrate_to)
                self._events.append(self._chats.migrate(chat_id, err.migrate_to))
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
            raise source_error(err, "sendMessage")
        raise SourceError("Telegram: sendMessage kept failing (flood waits / migrations)",
                          retry_after=60)

    async def send(self, out: Outgoing) -> SendResult:
        """Post ``out`` (split and paced); returns the last part's id and our message as an item."""
        self._api()
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
        chat_id = self._chats.current(chat_id)
        text = self.sign(out.text)
        parts = split_text(text)
        if not parts:
            raise PermanentSendError("Telegram: the reply is empty")
        # Resuming a multi-part send that a flood wait or a crash interrupted: the parts
        # already delivered are not sent again (``out.progress`` is the durable record the
        # core kept from ``on_progress``; the in-memory one covers this process).
        done, remote_ids, prev_chat = self._progress.get(out.key, (0, [], chat_id))
        durable = out.progress.get("parts")
        if isinstance(durable, list) and len(durable) > done:
            done, remote_ids = len(durable), [str(x) for x in durable]
            prev_chat = int(out.progress.get("chat", prev_chat))
        remote_ids = list(remote_ids)
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
            if out.on_progress is not None and len(parts) > 1:
                out.on_progress({"parts": list(remote_ids), "chat": chat_id, "of": len(parts)})
        self._progress.pop(out.key, None)
        if last is None:  # every part had been sent before a crash-free retry
            return SendResult(remote_id=remote_ids[-1])
        item: Item | None = None
        try:
            item = self._parser.parse_message(last, self._events, "", raw=last,
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
