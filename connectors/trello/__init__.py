"""Trello connector: card comments in, replies out, over the REST API.

The package is cut by job:

- ``transport.py``: the HTTP client (header-only OAuth auth, token buckets, 429s,
  errors mapped and redacted);
- ``mapping.py``: a ``commentCard`` action → ``Item`` (validation, mentions, tombstones);
- ``cursor.py``: the JSON cursor (board positions and gaps, the edit/delete memory,
  my member id and the board list);
- ``directory.py``: in-memory knowledge of cards, board members and board names;
- ``fetch.py``: backfill, incremental polls, ``before`` paging, the edit/delete recheck;
- ``send.py``: posting a comment, ambiguous outcomes, ``reconcile``;
- ``onboarding.py``: the key + token checks used by ``inscope connect trello``.

:class:`TrelloConnector` composes them; ``build(ctx)`` is the factory named in
``connectors.registry``.
"""

from __future__ import annotations

import httpx

from connectors.base import Batch, Outgoing, SendResult, SourceContext
from connectors.trello.cursor import BoardState, Cursor
from connectors.trello.directory import Directory
from connectors.trello.fetch import CommentFetcher
from connectors.trello.mapping import ParsedComment, mentions_in, parse_action
from connectors.trello.onboarding import open_boards, whoami
from connectors.trello.send import CommentSender
from connectors.trello.transport import TokenBucket, TrelloApi, credentials

__all__ = [
    "BoardState",
    "Cursor",
    "ParsedComment",
    "TokenBucket",
    "TrelloConnector",
    "build",
    "mentions_in",
    "open_boards",
    "parse_action",
    "whoami",
]


class TrelloConnector:
    """Polls Trello boards for card comments; posts replies as card comments.

    Options are read by the parts that use them: see ``TrelloApi`` (rate limits,
    timeouts), ``CommentFetcher`` (boards, recheck window, paging) and ``clock_skew``
    (seconds our clock may be ahead of Trello's when reconciling, default 300).
    """

    kind = "trello"

    def __init__(self, ctx: SourceContext, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        key, token = credentials(ctx.account, ctx.secret("key"), ctx.secret("token"))
        self.ctx = ctx
        self.account = ctx.account
        self.api = TrelloApi(ctx.account, key, token, ctx.options, transport=transport)
        self.directory = Directory(self.api, account=ctx.account, me_handles=ctx.me_handles)
        self.fetcher = CommentFetcher(self.api, self.directory, ctx.options)
        self.sender = CommentSender(self.api, self.directory,
                                    clock_skew=float(ctx.options.get("clock_skew", 300.0)))

    async def fetch(self, cursor: str | None) -> Batch:
        """Comments new since ``cursor`` (backfill when ``None``), plus edits and deletions."""
        return await self.fetcher.fetch(cursor)

    async def send(self, out: Outgoing) -> SendResult:
        """Post ``out`` as a comment on card ``out.conversation``; reconciles an unclear POST."""
        return await self.sender.send(out)

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """Find our comment on the card: my member id, identical text, at/after ``created_at``."""
        return await self.sender.reconcile(out)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.api.aclose()


def build(ctx: SourceContext) -> TrelloConnector:
    """The connector for one ``kind = "trello"`` account."""
    return TrelloConnector(ctx)
