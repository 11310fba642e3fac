"""Replies in the specialist's own name, exactly once across crashes.

- Plain text, no signature (she is the sender), split at 4096 characters like the Bot
  API connector; the first part is a Telegram reply to the client's message, and in a
  forum every part goes into the topic (``top_msg_id``).
- **Exactly once**: MTProto drops a second ``messages.sendMessage`` that carries a
  ``random_id`` it has already seen, answering ``RANDOM_ID_DUPLICATE``.  Each part's
  ``random_id`` is derived from the outbox row's ``key`` (a uuid stored in the row before
  anything is sent) and the part's index, see :func:`random_id`, so a retry, a resend
  after a crash or a reconcile that found nothing all re-send with the *same* ids: a part
  that did arrive is answered ``RANDOM_ID_DUPLICATE``, counted as delivered and looked up
  in the chat.  Parts delivered in this process are not sent again at all.
- ``reconcile`` reads the chat's newest messages for ours (a user can read history,
  unlike a bot), so an interrupted send is settled without asking the user.
- Flood waits up to ``max_inline_wait`` seconds are slept here; a longer one puts the row
  back in the outbox with Telegram's wait as ``retry_after`` (shown in the status line).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telethon import errors, functions, types, utils

from connectors.base import (
    Item,
    MaybeSentError,
    Outgoing,
    PermanentSendError,
    SendResult,
    SourceError,
    utc,
)
from connectors.telegram.text import split_text
from connectors.telegram_user.client import UserClient
from connectors.telegram_user.errors import NETWORK, SIGNED_OUT, flood_seconds, not_signed_in
from connectors.telegram_user.mapping import MessageMapper

log = logging.getLogger(__name__)

SCAN = 200  # own messages looked at when finding a delivered part in the chat
SLACK = 120.0  # seconds: our clock and Telegram's may disagree this much


def random_id(key: str, part: int) -> int:
    """The ``random_id`` of part ``part`` of the outbox row ``key``: the first 8 bytes of
    sha256("<key>:<part>") as a signed 64-bit integer (MTProto's ``long``)."""
    digest = hashlib.sha256(f"{key}:{part}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


Resolve = Callable[[str], Awaitable[tuple[int, Any]]]
"""A chat id or ``@username`` → (marked chat id, input peer); ``PermanentSendError`` if unknown."""


class Sender:
    """Delivers outbox rows for one user account.

    Options: ``pace_chat_seconds`` (between two messages to one chat, default 1),
    ``max_inline_wait`` (the longest flood wait slept here, default 30 s).
    """

    def __init__(self, account: str, client: Callable[[], Awaitable[UserClient]],
                 resolve: Resolve, mapper: MessageMapper, deliver: Callable[[list[Item]], None],
                 *, options: dict[str, Any], sleep: Callable[[float], Awaitable[None]],
                 clock: Callable[[], float]) -> None:
        self.account = account
        self._client = client
        self._resolve = resolve
        self._mapper = mapper
        self._deliver = deliver
        self._pace_chat = float(options.get("pace_chat_seconds", 1.0))
        self._max_inline_wait = float(options.get("max_inline_wait", 30.0))
        self._sleep = sleep
        self._clock = clock
        self._last_sent: dict[int, float] = {}
        # outbox key → {part index: the delivered message (None: delivered, not found)}
        self._progress: dict[str, dict[int, Any]] = {}

    # -- where to -----------------------------------------------------------------------

    async def _where(self, out: Outgoing) -> tuple[int, Any, int | None, int | None]:
        """(chat id, input peer, forum topic, message to reply to) for ``out``."""
        topic: int | None = None
        reply_mid: int | None = None
        try:
            if out.target.get("chat_id"):
                # An escalation: the AM's private chat (an id or @username); no reply there.
                target = out.target["chat_id"].strip()
                if out.target.get("message_thread_id"):
                    topic = int(out.target["message_thread_id"])
            else:
                target, _, tail = out.conversation.partition(":")
                topic = int(tail) if tail else None
                if out.reply_to:
                    rchat, _, rmid = out.reply_to.partition(":")
                    if rchat == target and rmid:
                        reply_mid = int(rmid)
        except ValueError:
            raise PermanentSendError(f"Telegram ({self.account}): cannot tell the chat from "
                                     f"{out.conversation!r}") from None
        chat_id, peer = await self._resolve(target)
        return chat_id, peer, topic, reply_mid

    @staticmethod
    def _reply_header(i: int, topic: int | None, reply_mid: int | None) -> Any:
        if i == 0 and reply_mid is not None:
            top = topic if topic is not None and topic != reply_mid else None
            return types.InputReplyToMessage(reply_to_msg_id=reply_mid, top_msg_id=top)
        if topic is not None:
            return types.InputReplyToMessage(reply_to_msg_id=topic)  # into the topic
        return None

    # -- sending ------------------------------------------------------------------------

    async def send(self, out: Outgoing) -> SendResult:
        """Post ``out`` part by part; returns the last part's id and our message as an item."""
        client = await self._client()
        chat_id, peer, topic, reply_mid = await self._where(out)
        parts = split_text(out.text)
        if not parts:
            raise PermanentSendError("Telegram: the reply is empty")
        done = self._progress.setdefault(out.key, {})
        for i, part in enumerate(parts):
            if i in done:
                continue
            req = functions.messages.SendMessageRequest(
                peer=peer, message=part, random_id=random_id(out.key, i), no_webpage=True,
                reply_to=self._reply_header(i, topic, reply_mid))
            done[i] = await self._send_part(client, req, chat_id, out, i, len(parts), done)
            log.debug("telegram_user %s: part %d of %d of outbox %s delivered to %s", self.account,
                      i + 1, len(parts), out.key[:8], chat_id)
        self._progress.pop(out.key, None)
        return self._result(chat_id, [done[i] for i in range(len(parts))])

    def _result(self, chat_id: int, messages: list[Any]) -> SendResult:
        """The SendResult for delivered parts; the earlier parts go with the next batch."""
        items: list[Item | None] = []
        for m in messages:
            item: Item | None = None
            if m is not None:
                try:
                    item = self._mapper.item(m)
                except Exception as e:  # noqa: BLE001 — delivered; a parse problem must not undo it
                    log.warning("telegram_user %s: could not read a sent message (%s)",
                                self.account, type(e).__name__)
            items.append(item)
        self._deliver([i for i in items[:-1] if i is not None])
        last = messages[-1]
        remote = f"{chat_id}:{last.id}" if last is not None else f"{chat_id}:?"
        return SendResult(remote_id=remote, item=items[-1])

    async def _pace(self, chat_id: int) -> None:
        prev = self._last_sent.get(chat_id)
        if prev is not None:
            wait = prev + self._pace_chat - self._clock()
            if wait > 0:
                await self._sleep(wait)
        self._last_sent[chat_id] = self._clock()

    async def _send_part(self, client: UserClient, req: Any, chat_id: int, out: Outgoing,
                         i: int, n: int, done: dict[int, Any]) -> Any:
        """Send one part; the message as Telegram stored it (None if delivered but not found)."""
        sent = f" ({i} of {n} parts were delivered)" if i else ""
        for _attempt in range(5):
            await self._pace(chat_id)
            try:
                result = await client(req)
            except errors.RandomIdDuplicateError:
                # Sent before (a crash, a lost answer): Telegram dropped this copy.
                log.info("telegram_user %s: part %d of outbox %s was already delivered",
                         self.account, i + 1, out.key[:8])
                used = {m.id for m in done.values() if m is not None}
                return await self._find(client, req.peer, req.message, out.created_at, used)
            except SIGNED_OUT:
                raise not_signed_in(self.account, "the session was revoked or expired") from None
            except errors.FloodError as e:
                wait = flood_seconds(e) or 5.0
                if wait <= self._max_inline_wait:
                    await self._sleep(wait)
                    continue
                raise SourceError(f"Telegram ({self.account}): sending: flood wait — Telegram "
                                  f"asks to pause {wait:g} s{sent}", retry_after=wait) from None
            except (errors.BadRequestError, errors.ForbiddenError) as e:
                # Chat gone, no right to write, topic closed, text rejected: a retry of the
                # same request cannot succeed, so the row must fail visibly.
                raise PermanentSendError(f"Telegram ({self.account}): cannot send to chat "
                                         f"{chat_id}: {e.message or type(e).__name__}{sent}") from None
            except (*NETWORK, errors.RPCError) as e:
                # The request may have reached Telegram: reconcile first (the random_id makes
                # even a blind resend safe).
                raise MaybeSentError(f"Telegram ({self.account}): sending: {type(e).__name__}"
                                     f"{sent}", retry_after=15) from None
            return self._message_of(result, req, chat_id)
        raise SourceError(f"Telegram ({self.account}): sending kept flood-waiting{sent}",
                          retry_after=60)

    def _message_of(self, result: Any, req: Any, chat_id: int) -> Any:
        """Our message from ``sendMessage``'s answer (``Updates`` or ``UpdateShortSentMessage``)."""
        if isinstance(result, types.UpdateShortSentMessage):
            # Private chats answer in short form: rebuild the message as Telethon does.
            reply = req.reply_to
            header = (types.MessageReplyHeader(reply_to_msg_id=reply.reply_to_msg_id)
                      if isinstance(reply, types.InputReplyToMessage) else None)
            # Her own chat ("Saved Messages") is addressed as InputPeerSelf, which has no Peer.
            peer = (types.PeerUser(user_id=chat_id) if isinstance(req.peer, types.InputPeerSelf)
                    else utils.get_peer(req.peer))
            return types.Message(id=result.id, peer_id=peer, date=result.date,
                                 message=req.message, out=True, media=result.media,
                                 entities=result.entities, reply_to=header)
        updates = [result.update] if isinstance(result, types.UpdateShort) else \
            list(getattr(result, "updates", []) or [])
        for ent in [*getattr(result, "users", []), *getattr(result, "chats", [])]:
            self._mapper.peers.learn(ent)
        mid = next((u.id for u in updates if isinstance(u, types.UpdateMessageID)
                    and u.random_id == req.random_id), None)
        for u in updates:
            if isinstance(u, types.UpdateNewMessage | types.UpdateNewChannelMessage) and (
                    mid is None or u.message.id == mid):
                return u.message
        log.info("telegram_user %s: sent to %s, but the answer held no message", self.account,
                 chat_id)
        return None

    async def _find(self, client: UserClient, peer: Any, text: str, since: datetime,
                    used: set[int]) -> Any:
        """Our message with ``text`` in the chat's newest messages, sent after ``since``."""
        floor = utc(since).timestamp() - SLACK
        async for m in client.iter_messages(peer, limit=SCAN):
            if m.date is not None and m.date.timestamp() < floor:
                break
            if getattr(m, "out", False) and m.id not in used and \
                    (m.message or "").strip() == text.strip():
                return m
        return None

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """After a crash mid-send: our parts found in the chat → delivered; else ``None``.

        ``None`` is safe even if a part is only late: the resend carries the same
        ``random_id``s, so Telegram drops a copy it already has.
        """
        client = await self._client()
        chat_id, peer, _topic, _reply = await self._where(out)
        parts = split_text(out.text)
        if not parts:
            return None
        found: dict[int, Any] = {}
        floor = utc(out.created_at).timestamp() - SLACK
        async for m in client.iter_messages(peer, limit=SCAN):
            if m.date is not None and m.date.timestamp() < floor:
                break
            if not getattr(m, "out", False):
                continue
            body = (m.message or "").strip()
            for i, part in enumerate(parts):
                if i not in found and body == part.strip():
                    found[i] = m
                    break
        if len(found) == len(parts):
            return self._result(chat_id, [found[i] for i in range(len(parts))])
        if found:
            self._progress[out.key] = dict(found)  # the resend sends only the missing parts
        return None

