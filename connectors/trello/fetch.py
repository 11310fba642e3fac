"""Fetching card comments: backfill, incremental polls, gaps, and the edit/delete recheck.

- Each fetch polls ``GET /boards/{id}/actions?filter=commentCard`` for every board at
  once.  The first run backfills newest-first pages of 1000 (the largest ``limit``
  Trello allows), walking back with ``before``; later runs ask ``since=<last action
  id>``, one request per board when nothing is new.  A page that comes back full opens
  a *gap* (``since=<old last>&before=<oldest on page>``) that later fetches close.
- Trello listings never return ``updateComment`` / ``deleteComment`` actions, so every
  ``recheck_every`` seconds the comments of the last ``recheck_days`` are re-listed per
  board (``since=<window start date>``: one request per board instead of one per card)
  and compared with what the cursor remembers: a changed text hash is an edit, a
  vanished id a deletion.

Options: ``boards`` (ids; empty = every open board, re-read every ``boards_every``
seconds), ``recheck_days``, ``recheck_every``, ``max_pages`` (per fetch; ``more=True``
beyond that).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import Batch, Item, SourceError
from connectors.trello.cursor import BoardState, Cursor
from connectors.trello.directory import Directory
from connectors.trello.mapping import (
    ParsedComment,
    action_ids,
    dedup,
    iso,
    parse_action,
    str_field,
    text_hash,
)
from connectors.trello.transport import PAGE, Ambiguous, StatusError, TrelloApi


class CommentFetcher:
    """Turns a cursor into a ``Batch`` of new, edited and deleted comments."""

    def __init__(self, api: TrelloApi, directory: Directory, options: Mapping[str, Any]) -> None:
        self.api = api
        self.directory = directory
        self.board_ids: list[str] = [str(b) for b in options.get("boards") or []]
        self.recheck_days = float(options.get("recheck_days", 14))
        self.recheck_every = float(options.get("recheck_every", 600))
        self.boards_every = float(options.get("boards_every", 3600))
        self.max_pages = int(options.get("max_pages", 10))
        self._notes: list[str] = []

    async def fetch(self, cursor: str | None) -> Batch:
        """Comments new since ``cursor`` (backfill when ``None``), plus edits and deletions."""
        cur = Cursor.loads(cursor)
        self.directory.fresh.clear()
        self._notes = notes = []
        me = await self.directory.whoami(cur)
        boards = await self._boards(cur)
        items: list[Item] = []
        pages = 0
        more = False
        # Every board gets its one poll per fetch (so a big backfill on one board never
        # starves the others), all at once: a quiet round costs one round trip, not one
        # per board.  Further pages share the `max_pages` budget, board by board.
        states = {bid: cur.boards.setdefault(bid, BoardState()) for bid in boards}
        first = await asyncio.gather(*(self._poll_board(bid, states[bid]) for bid in boards),
                                     return_exceptions=True)
        for res in first:
            if isinstance(res, BaseException):
                raise res
        for bid, res in zip(boards, first, strict=True):
            assert not isinstance(res, BaseException)
            new, done = res
            st = states[bid]
            pages += 1
            items.extend(await self._items(bid, new, cur, me))
            while not done and pages < self.max_pages:
                new, done = await self._poll_board(bid, st)
                pages += 1
                items.extend(await self._items(bid, new, cur, me))
            if st.gap_open:
                more = True
        # Forget boards no longer polled, so their state does not grow the cursor.
        for bid in list(cur.boards):
            if bid not in boards:
                del cur.boards[bid]
        now = time.time()
        if not more and not cur.recheck_at:
            # Just caught up from scratch: everything was listed moments ago, so the
            # first recheck is due one period from now.
            cur.recheck_at = now
        elif not more and now - cur.recheck_at >= self.recheck_every:
            changed = await self._recheck(boards, cur, now, me)
            if changed:
                edits = sum(1 for it in changed if not it.deleted)
                dels = len(changed) - edits
                notes.append(f"{edits} comment(s) edited, {dels} deleted")
            items.extend(changed)
            cur.recheck_at = now
        cur.forget_before(now - self.recheck_days * 86400)
        return Batch(items=dedup(items), cursor=cur.dumps(), more=more, notes=notes)

    async def _boards(self, cur: Cursor) -> list[str]:
        if self.board_ids:
            return self.board_ids
        now = time.time()
        if cur.boards and now - cur.boards_at < self.boards_every:
            return list(cur.boards)
        found = await self.api.get("/members/me/boards", filter="open", fields="id,name,url")
        listed = [b for b in found if isinstance(b, Mapping)] if isinstance(found, list) else []
        ids = [str_field(b, "id") for b in listed if str_field(b, "id")]
        for b in listed:
            self.directory.board_names[str_field(b, "id")] = str_field(b, "name")
        cur.boards_at = now
        for bid in ids:
            cur.boards.setdefault(bid, BoardState())
        return ids

    async def _poll_board(self, bid: str, st: BoardState) -> tuple[list[ParsedComment], bool]:
        """One request for a board; returns the parsed comments and whether it is caught up."""
        params: dict[str, Any] = {"filter": "commentCard", "limit": PAGE, "memberCreator": "true",
                                  "memberCreator_fields": "id,username,fullName"}
        if st.gap_open:
            params["before"] = st.gap_before
            if st.gap_lo:
                params["since"] = st.gap_lo
        elif st.last:
            params["since"] = st.last
        try:
            page = await self.api.request("GET", f"/boards/{bid}/actions", params=params)
        except Ambiguous as e:
            raise SourceError(str(e), retry_after=e.retry_after) from None
        except StatusError as e:
            # One board gone or no longer shared must not stop the others: note it, skip it.
            self._notes.append(f"board {bid}: not readable ({e.status} {e.body[:60]}), skipped")
            return [], True
        if not isinstance(page, list):
            raise SourceError("Trello: unexpected response for board actions", retry_after=60.0)
        raw_ids = action_ids(page)
        parsed = [p for p in (parse_action(a) for a in page) if p is not None]
        lo = st.gap_lo if st.gap_open else st.last
        # Whether since=<id> includes that id itself is undocumented: drop it and anything
        # older, whichever way the server decides.
        if lo:
            parsed = [p for p in parsed if p.id > lo]
        full = len(page) >= PAGE
        if st.gap_open:
            if full and raw_ids:
                st.gap_before = min(raw_ids)
            else:
                st.gap_open, st.gap_lo, st.gap_before = False, None, None
            return parsed, not st.gap_open
        if raw_ids:
            newest = max(raw_ids)
            if full:
                # More than one page is new: remember the gap below this page.
                st.gap_open, st.gap_lo, st.gap_before = True, st.last, min(raw_ids)
            st.last = max(newest, st.last or "")
        return parsed, not st.gap_open

    async def _items(self, bid: str, comments: list[ParsedComment], cur: Cursor,
                     me: tuple[str, str]) -> list[Item]:
        """Turn parsed comments into Items (card data fetched once per board per fetch)."""
        if not comments:
            return []
        if bid not in self.directory.fresh:
            # New comments: the card may have been renamed or re-staffed since we last
            # looked, so re-read the board's cards (one request, at most once per fetch).
            await self.directory.load_cards(bid)
        out = []
        for p in comments:
            it = self.directory.item(bid, p, me)
            out.append(it)
            cur.remember(p, bid, it.mentions_me)
        return out

    async def _recheck(self, boards: list[str], cur: Cursor, now: float,
                       me: tuple[str, str]) -> list[Item]:
        """Re-list each board's comments of the window; report changed and vanished ones."""
        start = now - self.recheck_days * 86400
        since = iso(datetime.fromtimestamp(start, UTC))
        out: list[Item] = []
        for bid in boards:
            listed = await self._list_window(bid, since)
            if listed is None:
                continue  # an incomplete listing must not pass for "everything was deleted"
            changed: list[ParsedComment] = []
            for aid, entry in list(cur.seen.items()):
                card_id, b, h, created, mentioned = entry
                # Only comments well inside the window: one at its edge may not be listed.
                if b != bid or created <= start + 1:
                    continue
                p = listed.get(aid)
                if p is None:
                    out.append(self.directory.tombstone(bid, aid, card_id, created, bool(mentioned)))
                    del cur.seen[aid]
                elif text_hash(p.text) != h:
                    changed.append(p)
            if changed:
                await self.directory.load_cards(bid)
                for p in changed:
                    it = self.directory.item(bid, p, me, edited=True)
                    out.append(it)
                    cur.remember(p, bid, it.mentions_me)
        return out

    async def _list_window(self, bid: str, since: str) -> dict[str, ParsedComment] | None:
        """Every comment on the board since ``since``, by id; None if the board cannot be
        read completely now."""
        listed: dict[str, ParsedComment] = {}
        before: str | None = None
        while True:
            params: dict[str, Any] = {"filter": "commentCard", "limit": PAGE, "since": since,
                                      "memberCreator_fields": "id,username,fullName"}
            if before:
                params["before"] = before
            try:
                page = await self.api.request("GET", f"/boards/{bid}/actions", params=params)
            except Ambiguous as e:
                raise SourceError(str(e), retry_after=e.retry_after) from None
            except StatusError:
                return None  # board no longer readable: the poll already noted it
            if not isinstance(page, list):
                return None
            for a in page:
                p = parse_action(a)
                if p is not None:
                    listed[p.id] = p
            ids = action_ids(page)
            if len(page) < PAGE or not ids:
                return listed
            before = min(ids)
