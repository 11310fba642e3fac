"""What the Trello connector knows about the account around the comments, in memory.

Who I am, the cards of each board (current names, URLs, members), board members'
usernames and board names.  Comments carry only a card's id and an old copy of its
name, so threads are titled and staffed from here; the fetcher and the sender share
one directory so a card read for one is not read again for the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Item, SourceError
from connectors.trello.cursor import Cursor
from connectors.trello.mapping import (
    WEB_BASE,
    CardInfo,
    ParsedComment,
    comment_item,
    deleted_item,
    str_field,
)
from connectors.trello.transport import TrelloApi


class Directory:
    """Per-process caches of one account; none of it is secret or needs to survive a restart."""

    def __init__(self, api: TrelloApi, *, account: str, me_handles: tuple[str, ...]) -> None:
        self.api = api
        self.account = account
        self.me_handles = {h.lower().lstrip("@") for h in me_handles}
        self.me: tuple[str, str] | None = None  # (member id, username)
        self.cards: dict[str, CardInfo] = {}
        self.usernames: dict[str, str] = {}  # member id → username (board members)
        self.board_names: dict[str, str] = {}
        self.fresh: set[str] = set()  # boards whose cards were read during this fetch
        self._members_loaded: set[str] = set()

    async def whoami(self, cur: Cursor | None = None) -> tuple[str, str]:
        """My (member id, username): from memory, else the cursor, else ``/members/me``.

        With a cursor, it is also written there, so the next run need not ask.
        """
        if self.me is None and cur is not None and cur.me_id:
            self.me = (cur.me_id, cur.me_username)
        if self.me is None:
            me = await self.api.get("/members/me", fields="id,username,fullName")
            if not isinstance(me, Mapping) or not str_field(me, "id"):
                raise SourceError("Trello: /members/me returned no id", retry_after=60.0)
            self.me = (str_field(me, "id"), str_field(me, "username"))
        if cur is not None:
            cur.me_id, cur.me_username = self.me
        return self.me

    async def load_cards(self, bid: str) -> None:
        """One request for all cards of a board (current names, URLs, idMembers), and the
        board's members the first time."""
        self.fresh.add(bid)
        cards = await self.api.get(f"/boards/{bid}/cards", filter="all",
                                   fields="id,name,idMembers,shortLink,url")
        for c in cards if isinstance(cards, list) else []:
            if not isinstance(c, Mapping) or not str_field(c, "id"):
                continue
            members = c.get("idMembers")
            short = str_field(c, "shortLink")
            url = str_field(c, "url") or (f"{WEB_BASE}/c/{short}" if short else "")
            self.cards[str_field(c, "id")] = CardInfo(
                name=str_field(c, "name"), url=url,
                members=tuple(m for m in members if isinstance(m, str)) if isinstance(members, list) else ())
        if bid not in self._members_loaded:
            ms = await self.api.get(f"/boards/{bid}/members", fields="id,username,fullName")
            for m in ms if isinstance(ms, list) else []:
                if isinstance(m, Mapping) and str_field(m, "id"):
                    self.usernames[str_field(m, "id")] = str_field(m, "username")
            self._members_loaded.add(bid)

    def item(self, bid: str, p: ParsedComment, me: tuple[str, str], *, edited: bool = False) -> Item:
        """The ``Item`` for comment ``p`` with what is known of its card and board."""
        return comment_item(p, account=self.account, board_id=bid, card=self.cards.get(p.card_id),
                            me=me, my_handles=self.me_handles, usernames=self.usernames,
                            board_name=self.board_names.get(bid, ""), edited=edited)

    def tombstone(self, bid: str, comment_id: str, card_id: str, created: float,
                  mentioned: bool) -> Item:
        """The deletion ``Item`` for a comment that vanished from its card."""
        return deleted_item(account=self.account, board_id=bid, comment_id=comment_id,
                            card_id=card_id, created=created, mentioned=mentioned,
                            card=self.cards.get(card_id), me_id=self.me[0] if self.me else None)
