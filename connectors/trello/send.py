"""Posting replies as card comments, and finding them again after an unclear outcome.

``send`` posts the text in a JSON body (never a query string: it is client data and
may be long).  When the outcome of the POST is ambiguous (a timeout after the request
left, a 5xx, a truncated reply) it reconciles before giving up, so a retry never
posts twice, as invariant 2 (docs/architecture.md, Invariants) requires; ``reconcile``
finds our comment on the card by my member id and identical text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import timedelta

from connectors.base import (
    Author,
    Item,
    MaybeSentError,
    Outgoing,
    PermanentSendError,
    ReconcileUnknown,
    SendResult,
    SourceError,
)
from connectors.trello.directory import Directory
from connectors.trello.mapping import HEX24, ParsedComment, iso, parse_action, str_field
from connectors.trello.transport import PAGE, Ambiguous, StatusError, TrelloApi


def outgoing_text(out: Outgoing) -> str:
    """The comment text actually posted (escalations @mention the AM first)."""
    mention = out.target.get("mention", "").strip().lstrip("@")
    return f"@{mention} {out.text}" if mention else out.text


class CommentSender:
    """Posts outbox rows as comments on their cards; reconciles interrupted posts."""

    def __init__(self, api: TrelloApi, directory: Directory, *, clock_skew: float) -> None:
        self.api = api
        self.directory = directory
        self.clock_skew = clock_skew  # how far our clock may be ahead of Trello's

    async def send(self, out: Outgoing) -> SendResult:
        """Post ``out`` as a comment on card ``out.conversation`` (text in a JSON body)."""
        text = outgoing_text(out)
        card = out.conversation
        if not HEX24.match(card):
            raise PermanentSendError(f"Trello: {card[:40]!r} is not a card id")
        # Know who I am *before* posting: nothing after a successful POST may fail,
        # or the engine would retry a comment that is already there.
        await self.directory.whoami()
        try:
            action = await self.api.request("POST", f"/cards/{card}/actions/comments",
                                            json_body={"text": text}, attempts=1)
        except Ambiguous as e:
            if not e.sent:
                raise SourceError(str(e), retry_after=e.retry_after) from None
            # The POST may have been applied: look before anyone retries it.
            try:
                found = await self.reconcile(out)
            except (SourceError, ReconcileUnknown):
                # Could not look: retrying now might post it twice, so the engine must
                # reconcile this row before anything else happens to it.
                raise MaybeSentError(f"{e} (may have been posted; will check the card)",
                                     retry_after=e.retry_after) from None
            if found is not None:
                return found
            raise SourceError(f"{e} (not posted; will retry)", retry_after=e.retry_after) from None
        except StatusError as e:
            if e.status in (400, 404):
                raise PermanentSendError(f"Trello: card {card} refused the comment ({e.status}: "
                                         f"{e.body[:80]})") from None
            raise SourceError(f"Trello: {e.status} posting a comment: {e.body[:80]}",
                              retry_after=300.0) from None
        p = parse_action(action)
        if p is None:
            remote = str_field(action, "id") if isinstance(action, Mapping) else ""
            if not remote:
                raise SourceError("Trello: the comment reply had no action id", retry_after=60.0)
            return SendResult(remote_id=remote)
        return SendResult(remote_id=p.id, item=await self._own_item(p))

    async def _own_item(self, p: ParsedComment) -> Item:
        me = await self.directory.whoami()
        bid = p.board_id
        if p.card_id not in self.directory.cards and bid:
            # The item is still right without the card's name: never fail after a POST.
            with contextlib.suppress(SourceError, StatusError, Ambiguous):
                await self.directory.load_cards(bid)
        it = self.directory.item(bid, p, me)
        it.author = Author(id=me[0], name=p.author_name, handle=me[1], is_me=True)
        return it

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """Find our comment on the card: my member id, identical text, at/after ``created_at``."""
        text = outgoing_text(out)
        me_id, _ = await self.directory.whoami()
        since = iso(out.created_at - timedelta(seconds=self.clock_skew))
        try:
            page = await self.api.request("GET", f"/cards/{out.conversation}/actions",
                                          params={"filter": "commentCard", "since": since,
                                                  "limit": PAGE})
        except Ambiguous as e:
            raise SourceError(str(e), retry_after=e.retry_after) from None
        except StatusError as e:
            raise ReconcileUnknown(f"Trello: cannot read card comments ({e.status})") from None
        if not isinstance(page, list):
            raise ReconcileUnknown("Trello: unexpected response listing card comments")
        if len(page) >= PAGE:
            # So many comments since then that ours may be beyond this page: say so.
            raise ReconcileUnknown("Trello: too many comments on the card to check")
        mine = [p for p in (parse_action(a) for a in page)
                if p is not None and p.author_id == me_id and p.text.strip() == text.strip()]
        if not mine:
            return None
        p = min(mine, key=lambda x: x.id)  # the earliest match is ours (oldest after created_at)
        return SendResult(remote_id=p.id, item=await self._own_item(p))
