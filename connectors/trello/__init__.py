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

from connectors.base import Batch, Outgoing, ReplyLimit, SendResult, SourceContext
from connectors.options import Opt
from connectors.trello.cursor import BoardState, Cursor
from connectors.trello.directory import Directory
from connectors.trello.fetch import CommentFetcher
from connectors.trello.mapping import ParsedComment, mentions_in, parse_action
from connectors.trello.onboarding import open_boards, whoami
from connectors.trello.send import CommentSender
from connectors.trello.transport import TokenBucket, TrelloApi, credentials

__all__ = [
    "OPTIONS",
    "REPLY_LIMIT",
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

OPTIONS: dict[str, Opt] = {
    "api_base": Opt("str", "the REST API root (default https://api.trello.com/1)"),
    "boards": Opt("strs", "board ids to follow (default: every open board of mine)"),
    "timeout": Opt("float", "seconds per request (default 30)", min=0),
    "max_wait": Opt("float", "longest in-process wait for a rate-limit bucket (default 3)", min=0),
    "backoff_429": Opt("float", "seconds to back off after a 429 (default 10)", min=0),
    "rate_interval": Opt("float", "rate-limit window in seconds (default 10)", min=0),
    "token_limit": Opt("float", "requests per window per token (default 90)", min=0),
    "key_limit": Opt("float", "requests per window per API key (default 270)", min=0),
    "members_limit": Opt("float", "/members requests per 900 s (default 90)", min=0),
    "recheck_days": Opt("float", "how far back edits and deletions are re-checked (default 14)", min=0),
    "recheck_every": Opt("float", "seconds between those re-checks (default 600)", min=0),
    "boards_every": Opt("float", "seconds between board list refreshes (default 3600)", min=0),
    "max_pages": Opt("int", "pages of 1000 per board per round while backfilling (default 10)", min=0),
    "clock_skew": Opt("float", "seconds our clock may run ahead of Trello's (default 300)", min=0),
}
"""The options of a ``kind = "trello"`` account (checked before the connector is built)."""

REPLY_LIMIT = ReplyLimit(max_chars=16384)
"""Trello refuses a comment over 16,384 characters (HTTP 400)."""


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
