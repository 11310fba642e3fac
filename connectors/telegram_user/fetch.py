"""Receiving for the user account: catch-up per chat, a start-up re-check, live updates.

- **Start** (and after a reconnect): the dialog list gives the input peer and newest
  message id of every followed chat (a ``StringSession`` remembers no entities).  Then,
  per chat, ``iter_messages(chat, min_id=<last stored id>, reverse=True)`` one page of
  100 at a time, oldest first, until it is caught up; a chat never seen before gets only
  its newest ``backfill`` messages, and a catch-up longer than ``catchup_limit`` skips
  ahead, saying so.  After catching up, ``get_messages(ids=<recent ids>)`` re-checks the
  newest ``recheck`` messages: edits made while the app was closed are re-delivered,
  messages that are gone become tombstones.
- **Live**: Telethon's raw updates (new, edited and deleted messages) are queued by a
  handler and turned into items by the next ``fetch``; :meth:`Fetcher.wait` wakes the
  engine as soon as one arrives.  Updates of chats that are not followed are dropped.
- **Sweep**: every ``sweep_seconds`` one ``messages.getPeerDialogs`` call compares each
  chat's newest message id with the stored one, so a gap (updates lost while the
  connection was down) is caught up like a restart.

Everything a batch carries is committed with its cursor by the engine; items of a batch
whose cursor never came back (the store refused it) are delivered again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telethon import functions, types, utils

from connectors.base import Batch, ChatMigrated, Item, SourceEvent
from connectors.telegram.text import clean_text
from connectors.telegram_user.client import UserClient
from connectors.telegram_user.cursor import Cursor
from connectors.telegram_user.mapping import (
    MessageMapper,
    Replied,
    chat_id_of,
    reply_target,
    topic_of,
)
from connectors.telegram_user.peers import Peers, chat_info

log = logging.getLogger(__name__)

PAGE = 100  # messages per getHistory call (the server's maximum)

LIVE_TYPES = (
    types.UpdateNewMessage, types.UpdateNewChannelMessage,
    types.UpdateShortMessage, types.UpdateShortChatMessage,
    types.UpdateEditMessage, types.UpdateEditChannelMessage,
    types.UpdateDeleteMessages, types.UpdateDeleteChannelMessages,
)
"""The raw updates the connector listens to (``events.Raw(LIVE_TYPES)``)."""

_EXCERPTS_KEPT = 5000


def short_to_message(upd: Any, me_id: int) -> Any:
    """A ``Message`` for an ``UpdateShortMessage`` / ``UpdateShortChatMessage``, built the
    way Telethon's own ``events.NewMessage`` builds it."""
    common = dict(out=upd.out, mentioned=upd.mentioned, media_unread=upd.media_unread,
                  silent=upd.silent, id=upd.id, message=upd.message, date=upd.date,
                  fwd_from=upd.fwd_from, via_bot_id=upd.via_bot_id, reply_to=upd.reply_to,
                  entities=upd.entities, ttl_period=upd.ttl_period)
    if isinstance(upd, types.UpdateShortMessage):
        return types.Message(peer_id=types.PeerUser(upd.user_id),
                             from_id=types.PeerUser(me_id if upd.out else upd.user_id), **common)
    return types.Message(peer_id=types.PeerChat(upd.chat_id),
                         from_id=types.PeerUser(me_id if upd.out else upd.from_id), **common)


class Fetcher:
    """Turns one account's history and updates into batches (see the module docstring)."""

    def __init__(self, account: str, client: Callable[[], Awaitable[UserClient]],
                 peers: Peers, mapper: MessageMapper, owned: set[int], *,
                 options: dict[str, Any], clock: Callable[[], float]) -> None:
        self.account = account
        self._client = client
        self.peers = peers
        self.mapper = mapper
        self.owned = owned  # the chats this account reads (ownership.py decided)
        self.backfill = max(0, int(options.get("backfill", 50)))
        self.catchup_limit = max(PAGE, int(options.get("catchup_limit", 3000)))
        self.recheck = max(0, min(100, int(options.get("recheck", 50))))
        self.keep = max(self.recheck, int(options.get("keep_recent", 200)))
        self.sweep_seconds = float(options.get("sweep_seconds", 300))
        self._clock = clock
        self._planned = False
        self._catchup: set[int] = set()
        self._caught: dict[int, int] = {}  # messages fetched per chat in this catch-up
        self._to_recheck: set[int] = set()
        self._rechecked: set[int] = set()  # once per start: a sweep's catch-up does not re-check
        self._live: list[Any] = []
        self._extra: list[Item] = []  # our own sent parts, delivered with the next batch
        self._news = asyncio.Event()
        self._next_sweep = 0.0
        self._excerpts: OrderedDict[tuple[int, int], Replied] = OrderedDict()
        self._unconfirmed: tuple[str, list[Item]] | None = None
        self.read: dict[str, int] = {}  # read marks sent in this process (merged into the cursor)
        self.notes: list[str] = []

    # -- live updates -------------------------------------------------------------------

    async def on_update(self, update: Any) -> None:
        """Telethon's raw-update handler: queue, wake the engine (never raises)."""
        self._live.append(update)
        self._news.set()

    def push(self, items: list[Item]) -> None:
        """Items to deliver with the next batch (the earlier parts of a long reply)."""
        if items:
            self._extra.extend(items)
            self._news.set()

    async def wait(self, timeout: float) -> bool:
        """True as soon as an update arrives (or work is pending), False after ``timeout``."""
        if self._live or self._extra or self._catchup or self._to_recheck:
            return True
        try:
            await asyncio.wait_for(self._news.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def restart(self) -> None:
        """After a (re)connect: plan the catch-up again from the dialog list."""
        self._planned = False

    # -- planning ---------------------------------------------------------------------

    async def _plan(self, client: UserClient, state: Cursor) -> None:
        """Resolve the followed chats from the dialog list and queue their catch-up."""
        missing = set(self.owned)
        async for d in client.iter_dialogs():
            entity = d.entity
            info = chat_info(entity, top=int(getattr(d.dialog, "top_message", 0) or 0))
            self.peers.learn(entity)
            if info.id in missing or info.id in self.owned:
                self.peers.chats[info.id] = info
                missing.discard(info.id)
                if info.migrated_to is not None and info.migrated_to not in self.owned:
                    # The group became a supergroup while we were away: follow it there.
                    self.owned.add(info.migrated_to)
                    missing.add(info.migrated_to)
            elif info.kind == "private":
                self.peers.chats.setdefault(info.id, info)  # reachable for escalations
            if not missing:
                break
        for chat in sorted(missing):
            self.notes.append(f"chat {chat} is not among your Telegram chats (left, removed or "
                              "a wrong id): skipped")
            self.owned.discard(chat)
        self._catchup = {c for c in self.owned if c in self.peers.chats}
        self._caught = {}
        self._to_recheck = set()
        self._rechecked = set()
        self._planned = True
        self._next_sweep = self._clock() + self.sweep_seconds

    async def _sweep(self, client: UserClient, state: Cursor) -> None:
        """One ``getPeerDialogs`` call: chats with messages beyond the stored id catch up."""
        peers = [c for c in sorted(self.owned) if (info := self.peers.chats.get(c)) and info.peer]
        self._next_sweep = self._clock() + self.sweep_seconds
        for i in range(0, len(peers), 100):
            req = functions.messages.GetPeerDialogsRequest(
                peers=[types.InputDialogPeer(peer=self.peers.chats[c].peer) for c in peers[i:i + 100]])
            res = await client(req)
            for ent in [*getattr(res, "users", []), *getattr(res, "chats", [])]:
                self.peers.learn(ent)
            for d in getattr(res, "dialogs", []):
                chat = utils.get_peer_id(d.peer)
                if chat in self.owned and d.top_message > state.chat(chat).last:
                    self._catchup.add(chat)

    # -- fetch ------------------------------------------------------------------------

    async def fetch(self, cursor: str | None) -> Batch:
        """One batch: pending catch-up pages, re-checks, and the queued live updates."""
        client = await self._client()
        state = Cursor.load(cursor, self.account)
        for conv, mid in self.read.items():
            state.read[conv] = max(mid, state.read.get(conv, 0))
        redo: list[Item] = []
        if self._unconfirmed is not None and self._unconfirmed[0] != cursor:
            redo = self._unconfirmed[1]  # the last batch was not committed: deliver it again
        if not self._planned:
            await self._plan(client, state)
        elif self._clock() >= self._next_sweep and not self._catchup:
            await self._sweep(client, state)
        events: list[SourceEvent] = []
        notes, self.notes = self.notes, []
        messages: list[Any] = []  # (message) in arrival order; edits included
        tombstones: list[Item] = []

        for chat in sorted(self._catchup):
            await self._catch_up_page(client, state, chat, messages, notes)
        for chat in sorted(self._to_recheck - self._catchup):
            await self._recheck(client, state, chat, messages, tombstones)
            self._to_recheck.discard(chat)
            self._rechecked.add(chat)

        self._news.clear()
        live, self._live = self._live, []
        extra, self._extra = self._extra, []
        skipped = self._take_live(live, state, messages, tombstones, events)
        if skipped:
            notes.append(f"{skipped} deletion(s) of older messages could not be placed")

        items = [*redo, *extra, *await self._map(client, messages, events, state), *tombstones]
        state.synced = self._clock()
        out = state.dump()
        log.debug("telegram_user %s: %d item(s), %d event(s); %d chat(s) still catching up",
                  self.account, len(items), len(events), len(self._catchup))
        self._unconfirmed = (out, items)
        return Batch(items=items, cursor=out, more=bool(self._catchup or self._live),
                     notes=list(dict.fromkeys(notes)), events=list(dict.fromkeys(events)))

    async def _catch_up_page(self, client: UserClient, state: Cursor, chat: int,
                             messages: list[Any], notes: list[str]) -> None:
        info = self.peers.chats[chat]
        cc = state.chat(chat)
        page: list[Any] = []
        if cc.last == 0:
            # Never seen: only the newest `backfill` messages (no history download beyond).
            if self.backfill:
                page = [m async for m in client.iter_messages(info.peer, limit=self.backfill)]
                page.reverse()
            done = True
        else:
            page = [m async for m in client.iter_messages(info.peer, limit=PAGE, min_id=cc.last,
                                                          reverse=True)]
            done = len(page) < PAGE
            if chat not in self._rechecked:
                self._to_recheck.add(chat)
        messages.extend(page)
        newest = max((m.id for m in page), default=0)
        cc.last = max(cc.last, newest, info.top if cc.last == 0 and not page else 0)
        self._caught[chat] = self._caught.get(chat, 0) + len(page)
        if not done and self._caught[chat] >= self.catchup_limit:
            notes.append(f"{info.title}: more than {self.catchup_limit} messages since the last "
                         "sync; skipped ahead to the newest (raise catchup_limit to read them all)")
            cc.last = max(cc.last, info.top)
            page = [m async for m in client.iter_messages(info.peer, limit=self.backfill or 1)]
            messages.extend(reversed(page))
            cc.last = max([cc.last, *(m.id for m in page)])
            done = True
        if done:
            self._catchup.discard(chat)

    async def _recheck(self, client: UserClient, state: Cursor, chat: int,
                       messages: list[Any], tombstones: list[Item]) -> None:
        """Edits and deletions among the newest stored messages, made while we were away."""
        if not self.recheck:
            return
        cc = state.chat(chat)
        recent = cc.recent[-self.recheck:]
        if not recent:
            return
        info = self.peers.chats[chat]
        found = await client.get_messages(info.peer, ids=[mid for mid, _ in recent])
        by_id = {m.id: m for m in found or [] if m is not None}
        since = state.synced - 5  # a little slack for clock skew between us and Telegram
        now = datetime.now(UTC)
        for mid, topic in recent:
            m = by_id.get(mid)
            if m is None:
                tombstones.append(self.mapper.tombstone(chat, mid, topic or None, now))
                cc.forget(mid)
            elif m.edit_date is not None and m.edit_date.timestamp() > since:
                messages.append(m)

    def _take_live(self, live: list[Any], state: Cursor, messages: list[Any],
                   tombstones: list[Item], events: list[SourceEvent]) -> int:
        """Sort queued updates into messages and tombstones; returns unplaceable deletions."""
        skipped = 0
        now = datetime.now(UTC)
        for upd in live:
            for ent in (getattr(upd, "_entities", None) or {}).values():
                self.peers.learn(ent)
            if isinstance(upd, types.UpdateDeleteChannelMessages):
                chat = utils.get_peer_id(types.PeerChannel(upd.channel_id))
                if chat in self.owned:
                    skipped += self._delete(state, chat, upd.messages, tombstones, now)
                continue
            if isinstance(upd, types.UpdateDeleteMessages):
                # No chat given (ids are unique per account outside channels): look them up.
                for mid in upd.messages:
                    chat_of = next((c for c in sorted(self.owned) if not str(c).startswith("-100")
                                    and state.chat(c).topic_of(mid) is not None), None)
                    if chat_of is not None:
                        self._delete(state, chat_of, [mid], tombstones, now)
                continue
            if isinstance(upd, types.UpdateShortMessage | types.UpdateShortChatMessage):
                msg = short_to_message(upd, self.mapper.me_id)
            else:
                msg = getattr(upd, "message", None)
            if msg is None or isinstance(msg, types.MessageEmpty):
                continue
            chat = chat_id_of(msg)
            if chat not in self.owned:
                continue  # only the followed chats are read
            if isinstance(msg, types.MessageService):
                self._service(msg, events)
                continue
            messages.append(msg)
            if chat not in self._catchup:
                # While a chat catches up its cursor moves with the pages only, so a gap is
                # never jumped over; the live copy is delivered anyway (upserts are idempotent).
                cc = state.chat(chat)
                cc.last = max(cc.last, msg.id)
        return skipped

    def _delete(self, state: Cursor, chat: int, ids: list[int], tombstones: list[Item],
                now: datetime) -> int:
        cc = state.chat(chat)
        skipped = 0
        for mid in ids:
            topic = cc.topic_of(mid)
            if topic is None:
                skipped += 1  # older than the ids we keep: its conversation is unknown
                continue
            tombstones.append(self.mapper.tombstone(chat, mid, topic or None, now))
            cc.forget(mid)
        return skipped

    def _service(self, msg: Any, events: list[SourceEvent]) -> None:
        before = len(events)
        self.mapper.service(msg, events)
        for ev in events[before:]:
            if not isinstance(ev, ChatMigrated):  # the only event a service message makes
                continue
            new = int(ev.new)
            if new not in self.owned:
                self.owned.add(new)
                self._planned = False  # resolve the new supergroup from the dialog list

    async def _map(self, client: UserClient, messages: list[Any], events: list[SourceEvent],
                   state: Cursor) -> list[Item]:
        """Items for ``messages`` with reply excerpts and topic names filled in; their ids
        join the chats' recent ids in ``state``."""
        plain: list[Any] = []
        for m in messages:
            self.peers.learn_message(m)
            if isinstance(m, types.MessageService):
                self._service(m, events)
            elif isinstance(m, types.Message):
                plain.append(m)
        await self._topic_names(client, plain)
        for m in plain:
            self._remember(m)
        await self._excerpts_for(client, plain)
        items: list[Item] = []
        seen: set[str] = set()
        for m in plain:
            chat = chat_id_of(m)
            target = reply_target(m, topic_of(m, self.peers.chats.get(chat)))
            replied = self._excerpts.get((chat, target)) if target is not None else None
            try:
                item = self.mapper.item(m, replied)
            except Exception as e:  # noqa: BLE001 — one odd message must not stop the others
                log.warning("telegram_user %s: skipped a message it could not read (%s)",
                            self.account, type(e).__name__)
                continue
            if item is None:
                continue
            if item.external_id in seen:  # a live copy and a catch-up copy: keep the later
                items = [i for i in items if i.external_id != item.external_id]
            seen.add(item.external_id)
            items.append(item)
            state.chat(chat).saw(m.id, int(item.meta.get("topic_id", 0)), self.keep)
        return items

    def _remember(self, m: Any) -> None:
        key = (chat_id_of(m), int(m.id))
        self._excerpts[key] = self.mapper.replied(m)
        self._excerpts.move_to_end(key)
        while len(self._excerpts) > _EXCERPTS_KEPT:
            self._excerpts.popitem(last=False)

    async def _excerpts_for(self, client: UserClient, plain: list[Any]) -> None:
        """Fetch the messages replied to that are not known yet (one call per chat)."""
        wanted: dict[int, set[int]] = {}
        for m in plain:
            chat = chat_id_of(m)
            target = reply_target(m, topic_of(m, self.peers.chats.get(chat)))
            if target is not None and (chat, target) not in self._excerpts:
                wanted.setdefault(chat, set()).add(target)
        for chat, ids in wanted.items():
            info = self.peers.chats.get(chat)
            if info is None or info.peer is None:
                continue
            try:
                found = await client.get_messages(info.peer, ids=sorted(ids)[:PAGE])
            except Exception as e:  # noqa: BLE001 — an excerpt is a nicety; the reply itself counts
                log.info("telegram_user %s: no reply excerpts for chat %s (%s)", self.account,
                         chat, type(e).__name__)
                continue
            for r in found or []:
                if r is not None:
                    self.peers.learn_message(r)
                    self._remember(r)

    async def _topic_names(self, client: UserClient, plain: list[Any]) -> None:
        """Names of forum topics not seen created (one getForumTopicsByID call per chat)."""
        wanted: dict[int, set[int]] = {}
        for m in plain:
            chat = chat_id_of(m)
            topic = topic_of(m, self.peers.chats.get(chat))
            if topic is not None and (chat, topic) not in self.peers.topics:
                wanted.setdefault(chat, set()).add(topic)
        for chat, topics in wanted.items():
            info = self.peers.chats.get(chat)
            if info is None or info.peer is None:
                continue
            try:
                res = await client(functions.messages.GetForumTopicsByIDRequest(
                    peer=info.peer, topics=sorted(topics)))
            except Exception as e:  # noqa: BLE001 — without a name the topic shows by chat title
                log.info("telegram_user %s: no topic names for chat %s (%s)", self.account, chat,
                         type(e).__name__)
                continue
            for t in getattr(res, "topics", []):
                if isinstance(t, types.ForumTopic):
                    self.peers.topics[(chat, t.id)] = clean_text(t.title)
