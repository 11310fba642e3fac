"""Telegram as the specialist herself: her own account over MTProto (Telethon 1.x).

Beside the Bot API connector (``connectors.telegram``), not instead of it.  She reads
the client groups she is in, with their history, and answers in her own name.  The
package is cut by job:

- ``client.py``: the Telethon methods used (a Protocol) and the real client's factory;
- ``errors.py``: Telethon's exceptions → account statuses (``not signed in — …``);
- ``peers.py``: chats (marked ids, input peers), people and forum topic names;
- ``mapping.py``: TL messages → ``Item``s (topics, replies, mentions, media, forwards);
- ``cursor.py``: per chat the last stored id and the recent ids, committed with items;
- ``fetch.py``: catch-up with ``iter_messages(min_id=…)``, re-check, live updates;
- ``send.py``: replies with a ``random_id`` derived from the outbox key (exactly once);
- ``onboarding.py``: sign-in (code, 2FA password, QR) and the dialog list for
  ``inscope connect telegram --user``.

:class:`TelegramUserConnector` composes them; ``build(ctx)`` is the factory named in
``connectors.registry`` for ``kind = "telegram_user"``.  Secrets (``api_hash`` and the
``session`` string) come from ``ctx.secret`` and stay in memory.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telethon import events, functions, types, utils

from connectors.base import (
    Batch,
    DownloadsMedia,
    MarksRead,
    Outgoing,
    PermanentSendError,
    PushWait,
    ReplyLimit,
    SendResult,
    SourceContext,
    SourceError,
    register_secret,
)
from connectors.options import Opt
from connectors.telegram.ownership import bot_listed_chats, chat_ids, user_owned_chats
from connectors.telegram_user import client as client_mod
from connectors.telegram_user.client import ClientFactory, UserClient
from connectors.telegram_user.errors import NOT_SIGNED_IN, not_signed_in, source_error
from connectors.telegram_user.fetch import LIVE_TYPES, Fetcher
from connectors.telegram_user.mapping import MessageMapper
from connectors.telegram_user.peers import Peers
from connectors.telegram_user.send import Sender, random_id

__all__ = ["NOT_SIGNED_IN", "OPTIONS", "REPLY_LIMIT", "TelegramUserConnector", "build", "random_id"]

log = logging.getLogger(__name__)

MARK_READ = ("done", "open", "never")

SELF_TARGETS = ("me", "self")
"""Targets that mean her own account: a message there lands in her "Saved Messages"."""

OPTIONS: dict[str, Opt] = {
    "api_id": Opt("int", "the api_id of your own Telegram app (my.telegram.org → API development tools)"),
    "chats": Opt("strs", "chat ids to read: groups, supergroups, forums, and contacts' user ids"),
    "skip_chats": Opt("strs", "chat ids never read by this account"),
    "backfill": Opt("int", "newest messages read from a chat seen for the first time (default 50)", min=0),
    "catchup_limit": Opt("int", "most messages caught up per chat after a long pause (default 3000)", min=1),
    "recheck": Opt("int", "recent messages re-checked for edits and deletions at start (default 50)", min=0),
    "keep_recent": Opt("int", "recent ids per chat kept to apply deletions (default 200)", min=0),
    "sweep_seconds": Opt("float", "seconds between gap sweeps over the dialogs (default 300)", min=1),
    "mark_read": Opt("str", "when threads are marked read in Telegram", choices=MARK_READ),
    "pace_chat_seconds": Opt("float", "seconds between sends to one chat (default 1)", min=0),
    "max_inline_wait": Opt("float", "longest flood/pacing wait inside one send (default 30)", min=0),
}
"""The options of a ``kind = "telegram_user"`` account; ``api_hash`` and ``session`` are secrets."""

REPLY_LIMIT = ReplyLimit(part_chars=4096, parts_per_minute=20.0)
"""Long replies go out in parts of 4096 characters, paced like the Bot API's."""


class TelegramUserConnector(PushWait, MarksRead, DownloadsMedia):
    """Connector for one ``kind = "telegram_user"`` account.

    Options: ``api_id`` (of the user's own Telegram app), ``chats`` (the chat ids to read:
    groups, supergroups, forums, and private chats opted in by the contact's user id),
    ``skip_chats``, ``backfill`` (newest messages read from a chat seen for the first
    time, default 50), ``catchup_limit`` (3000), ``recheck`` (50), ``keep_recent`` (200),
    ``sweep_seconds`` (300), ``mark_read`` (``"done"`` | ``"open"`` | ``"never"``), and the
    pacing options of :class:`~connectors.telegram_user.send.Sender`.
    Secrets: ``api_hash``, ``session``.
    """

    kind = "telegram_user"

    def __init__(self, ctx: SourceContext, *, client_factory: ClientFactory | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.account = ctx.account
        opts = ctx.options
        self._factory = client_factory or client_mod.make_client  # looked up now: patchable
        self._client: UserClient | None = None
        self._handler: Callable[[Any], Awaitable[None]] | None = None
        self._setup_error: SourceError | None = None
        self.notes: list[str] = []
        self.mark_read_on = str(opts.get("mark_read", "done"))
        owned: set[int] = set()
        self._api_id = 0
        try:
            if self.mark_read_on not in MARK_READ:
                raise ValueError(f"mark_read: {self.mark_read_on!r} is not one of "
                                 f"{', '.join(MARK_READ)}")
            self._api_id = int(opts.get("api_id", 0))
            owned = self._owned(ctx)
        except (TypeError, ValueError) as e:
            self._setup_error = SourceError(f"Telegram ({ctx.account}): {e}", fatal=True)
        self._session = ctx.secret("session") or ""
        self._api_hash = ctx.secret("api_hash") or ""
        register_secret(self._session)
        register_secret(self._api_hash)
        if self._setup_error is None and not self._api_id:
            self._setup_error = not_signed_in(ctx.account, "no api_id in the config")
        self.peers = Peers()
        self.mapper = MessageMapper(ctx.account, self.peers, me_id=0, me_name=ctx.me_name,
                                    handles={h.lstrip("@").lower() for h in ctx.me_handles if h})
        self._fetcher = Fetcher(ctx.account, self._connected, self.peers, self.mapper, owned,
                                options=opts, clock=clock)
        self._fetcher.notes.extend(self.notes)
        self._sender = Sender(ctx.account, self._connected, self._resolve, self.mapper,
                              self._fetcher.push, options=opts, sleep=sleep, clock=clock)

    def _owned(self, ctx: SourceContext) -> set[int]:
        """The chats this account reads: its ``chats``, less ``skip_chats`` and the chats a
        bot account (or an earlier user account) lists — see ``ownership.py``."""
        listed = chat_ids(ctx.options.get("chats")) - chat_ids(ctx.options.get("skip_chats"))
        accounts = dict(ctx.other_accounts)
        accounts.setdefault(ctx.account, {"kind": self.kind, **ctx.options})
        bots = bot_listed_chats(accounts)
        users = user_owned_chats(accounts)
        owned: set[int] = set()
        for chat in sorted(listed):
            if chat in bots:
                self.notes.append(f"chat {chat} is read by the bot account {bots[chat]!r} "
                                  "(it lists the chat in `chats`), not by this account")
            elif users.get(chat, ctx.account) != ctx.account:
                self.notes.append(f"chat {chat} is read by the account {users[chat]!r}, "
                                  "listed first in the config")
            else:
                owned.add(chat)
        return owned

    # -- the client ---------------------------------------------------------------------

    async def _connected(self) -> UserClient:
        """The signed-in client, connected (again) if needed; fatal if not signed in."""
        if self._setup_error is not None:
            raise self._setup_error
        if not self._session or not self._api_hash:
            raise not_signed_in(self.account, "no session in the keyring")
        if self._client is None:
            self._client = self._factory(self._session, self._api_id, self._api_hash)
        client = self._client
        if client.is_connected():
            return client
        try:
            await client.connect()
            authorized = await client.is_user_authorized()
            if not authorized:
                raise not_signed_in(self.account, "the session was revoked or expired")
            me = await client.get_me()
        except SourceError:
            await self._drop()
            raise
        except Exception as e:  # noqa: BLE001 — every failure is a status, never a traceback
            await self._drop()
            raise source_error(e, self.account, "connecting") from None
        if me is None:
            await self._drop()
            raise not_signed_in(self.account, "the session was revoked or expired")
        self.mapper.me_id = int(me.id)
        self.peers.learn(me)
        if self._handler is None:
            self._handler = self._fetcher.on_update
            client.add_event_handler(self._handler, events.Raw(list(LIVE_TYPES)))
        self._fetcher.restart()  # a new connection: catch up from the stored ids
        return client

    async def _drop(self) -> None:
        """Forget the client (disconnected); the next call builds and connects a new one."""
        client, self._client, self._handler = self._client, None, None
        if client is not None:
            try:
                res = client.disconnect()
                if inspect.isawaitable(res):
                    await res
            except Exception:  # noqa: BLE001 — closing is best effort
                log.debug("telegram_user %s: disconnect failed", self.account, exc_info=True)

    async def _resolve(self, target: str) -> tuple[int, Any]:
        """A chat id, ``@username`` or ``me`` (her own "Saved Messages") → (marked chat id,
        input peer)."""
        if target.strip().lower() in SELF_TARGETS:
            client = await self._connected()
            me = await client.get_me()
            if me is None:
                raise not_signed_in(self.account, "the session was revoked or expired")
            return int(me.id), types.InputPeerSelf()
        if target.lstrip("-").isdigit():
            chat_id = int(target)
            info = self.peers.chats.get(chat_id)
            if info is not None and info.peer is not None:
                return chat_id, info.peer
            lookup: Any = chat_id
        else:
            lookup = target if target.startswith("@") else "@" + target
        client = await self._connected()
        try:
            peer = await client.get_input_entity(lookup)
        except ValueError:
            raise PermanentSendError(f"Telegram ({self.account}): cannot find the chat {target} "
                                     "among your chats (open it once in Telegram, or use an "
                                     "@username)") from None
        except Exception as e:  # noqa: BLE001
            raise source_error(e, self.account, f"looking up {target}") from None
        return int(utils.get_peer_id(peer)), peer

    # -- the connector protocol -----------------------------------------------------------

    async def fetch(self, cursor: str | None) -> Batch:
        """Catch-up pages, re-checks and live updates since ``cursor``."""
        try:
            return await self._fetcher.fetch(cursor)
        except SourceError:
            raise
        except Exception as e:  # noqa: BLE001
            err = source_error(e, self.account, "reading chats")
            if err.fatal or not (self._client and self._client.is_connected()):
                await self._drop()
            raise err from None

    async def send(self, out: Outgoing) -> SendResult:
        """Post ``out`` in her own name (split, paced, exactly once)."""
        try:
            return await self._sender.send(out)
        except SourceError:
            raise
        except Exception as e:  # noqa: BLE001
            raise source_error(e, self.account, "sending") from None

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """Our parts found in the chat → delivered; none or some → ``None`` (resend is safe)."""
        try:
            return await self._sender.reconcile(out)
        except SourceError:
            raise
        except Exception as e:  # noqa: BLE001
            raise source_error(e, self.account, "checking a sent reply") from None

    async def wait(self, timeout: float) -> bool:
        """Wake as soon as Telegram pushes an update for any chat (``PushWait``)."""
        return await self._fetcher.wait(timeout)

    async def mark_read(self, conversation: str, up_to: str) -> None:
        """Tell Telegram she read ``conversation`` up to ``up_to`` (a topic: just that topic)."""
        if self.mark_read_on == "never":
            return
        head, _, tail = conversation.partition(":")
        try:
            chat_id, topic = int(head), (int(tail) if tail else None)
            mid = int(up_to.rpartition(":")[2])
        except ValueError:
            return
        if chat_id not in self._fetcher.owned or self._fetcher.read.get(conversation, 0) >= mid:
            return
        client = await self._connected()
        info = self.peers.chats.get(chat_id)
        if info is None or info.peer is None:
            return
        try:
            if topic is not None:
                await client(functions.messages.ReadDiscussionRequest(
                    peer=info.peer, msg_id=topic, read_max_id=mid))
            else:
                await client.send_read_acknowledge(info.peer, max_id=mid)
        except Exception as e:  # noqa: BLE001
            raise source_error(e, self.account, "marking read") from None
        self._fetcher.read[conversation] = mid

    async def download(self, external_id: str, directory: Path) -> Path:
        """Download the media of one message into ``directory`` (on demand only)."""
        head, _, tail = external_id.partition(":")
        try:
            chat_id, mid = int(head), int(tail)
        except ValueError:
            raise PermanentSendError(f"Telegram: {external_id!r} is not a message id") from None
        client = await self._connected()
        info = self.peers.chats.get(chat_id)
        if info is None or info.peer is None:
            raise SourceError(f"Telegram ({self.account}): chat {chat_id} is not read by this "
                              "account")
        try:
            found = await client.get_messages(info.peer, ids=[mid])
            msg = found[0] if found else None
            if msg is None or getattr(msg, "media", None) is None:
                raise SourceError(f"Telegram ({self.account}): message {external_id} has no "
                                  "media (deleted?)")
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = await client.download_media(msg, file=str(directory))
        except SourceError:
            raise
        except Exception as e:  # noqa: BLE001
            raise source_error(e, self.account, "downloading") from None
        if not path:
            raise SourceError(f"Telegram ({self.account}): nothing to download in {external_id}")
        return Path(str(path))

    async def aclose(self) -> None:
        """Disconnect (the session stays valid: nothing is logged out)."""
        client, handler = self._client, self._handler
        if client is not None and handler is not None:
            client.remove_event_handler(handler)
        await self._drop()


def build(ctx: SourceContext) -> TelegramUserConnector:
    """The connector for one ``kind = "telegram_user"`` account."""
    return TelegramUserConnector(ctx)

