"""Trello connector: card comments in, replies out, over the REST API (connector-apis.md §1).

How it works
------------
- Auth is the ``Authorization: OAuth oauth_consumer_key="…", oauth_token="…"`` header only,
  so the token never appears in a URL, a proxy log or an httpx exception text.
- ``fetch`` polls ``GET /boards/{id}/actions?filter=commentCard`` per board.  The first run
  backfills newest-first pages of 1000, walking back with ``before``; later runs ask
  ``since=<last action id>``, one request per board when nothing is new.  A page that comes
  back full opens a *gap* (``since=<old last>&before=<oldest on page>``) that later fetches
  close; the cursor records it, so a crash mid-backfill resumes where the last commit was.
- Listings never return ``updateComment`` / ``deleteComment`` (§1.3), so every
  ``recheck_every`` seconds the comments of the last ``recheck_days`` are re-listed per board
  (``since=<window start date>``: one request per board instead of one per card) and compared
  with what the cursor remembers (id → text hash, card, time): a changed hash is an edit, a
  vanished id a deletion.  That memory lives in the cursor, committed with the items.
- The cursor (JSON) also caches my member id / username and the board list, so polls never
  spend the small ``/1/members/`` bucket (100 per 900 s).
- Client-side token buckets keep under 100 requests / 10 s per token and 300 / 10 s per key;
  ``x-rate-limit-*-remaining`` headers drain the buckets when other clients share the key;
  a 429 backs off (``SourceError(retry_after=…)`` when the wait is long).
- ``send`` posts ``text`` in a JSON body.  When the outcome of a POST is ambiguous (timeout
  after the request left, 5xx, truncated reply) it reconciles before giving up, so a retry
  never posts twice; ``reconcile`` finds our comment by my member id + identical text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from connectors.base import (
    Author,
    Batch,
    Item,
    MaybeSentError,
    Outgoing,
    PermanentSendError,
    ReconcileUnknown,
    SendResult,
    SourceContext,
    SourceError,
    redact,
    register_secret,
)

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.trello.com/1"
WEB_BASE = "https://trello.com"
PAGE = 1000  # the documented maximum `limit` for action listings
CURSOR_VERSION = 1
# Mentions are plain "@username" text (§1.6); Trello usernames are [a-z0-9_].
_MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]+)")
_HEX24 = re.compile(r"^[0-9a-f]{24}$")


# --- rate limiting -----------------------------------------------------------------------------


class TokenBucket:
    """A token bucket: ``capacity`` requests per ``interval`` seconds, refilled continuously."""

    def __init__(self, capacity: float, interval: float, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(capacity)
        self.rate = self.capacity / interval
        self.clock = clock
        self.tokens = self.capacity
        self.updated = clock()
        self.blocked_until = 0.0  # set by a 429: nothing goes out before this

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 when one is there now)."""
        self._refill()
        block = max(0.0, self.blocked_until - self.clock())
        need = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(block, need)

    def take(self) -> None:
        self._refill()
        self.tokens -= 1

    def observe_remaining(self, remaining: int) -> None:
        """The server says only ``remaining`` are left in its window: never assume more."""
        self._refill()
        self.tokens = min(self.tokens, float(remaining))

    def block(self, seconds: float) -> None:
        self.blocked_until = max(self.blocked_until, self.clock() + seconds)


# Keys may be shared by several accounts in one process: one bucket per key (by hash,
# so no secret is kept as a dict key that might end up in a repr).
_KEY_BUCKETS: dict[str, TokenBucket] = {}


def _key_bucket(key: str, capacity: float, interval: float) -> TokenBucket:
    h = hashlib.sha256(key.encode()).hexdigest()
    b = _KEY_BUCKETS.get(h)
    if b is None:
        b = _KEY_BUCKETS[h] = TokenBucket(capacity, interval)
    return b


# --- parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedComment:
    """The fields of a ``commentCard`` action the connector uses (all validated)."""

    id: str
    card_id: str
    card_name: str
    card_short_link: str
    board_id: str
    text: str
    date: datetime
    author_id: str
    author_username: str
    author_name: str
    edited_at: datetime | None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


def parse_date(value: Any) -> datetime | None:
    """Trello's ``2026-01-08T23:15:29.289Z`` (or any ISO-8601) → aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def object_id_time(oid: str) -> datetime | None:
    """The creation time in an ObjectId's first 8 hex digits (None if not an ObjectId)."""
    if not _HEX24.match(oid):
        return None
    return datetime.fromtimestamp(int(oid[:8], 16), UTC)


def _s(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key)
    return v if isinstance(v, str) else ""


def _d(d: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    v = d.get(key)
    return v if isinstance(v, Mapping) else {}


def parse_action(action: Any) -> ParsedComment | None:
    """Validate one action from a listing; ``None`` (with a logged reason) when unusable.

    Never raises: listings are data from the network, and one odd action must not
    stop a sync.  Optional fields (``card.name``, ``list``, ``memberCreator``) may be
    missing; the id, the type, the card id and the text may not.
    """
    if not isinstance(action, Mapping):
        log.info("trello: skipped a non-object action (%s)", type(action).__name__)
        return None
    aid = _s(action, "id")
    atype = _s(action, "type")
    if not aid:
        log.info("trello: skipped an action without id")
        return None
    if atype != "commentCard":
        log.info("trello: skipped action %s of type %r", aid, atype[:40])
        return None
    data = _d(action, "data")
    card = _d(data, "card")
    card_id = _s(card, "id")
    text = data.get("text")
    if not card_id or not isinstance(text, str):
        log.info("trello: skipped comment %s without card id or text", aid)
        return None
    date = parse_date(action.get("date")) or object_id_time(aid)
    if date is None:
        log.info("trello: skipped comment %s without a usable date", aid)
        return None
    mc = _d(action, "memberCreator")
    author_id = _s(mc, "id") or _s(action, "idMemberCreator")
    username = _s(mc, "username")
    return ParsedComment(
        id=aid,
        card_id=card_id,
        card_name=_s(card, "name"),
        card_short_link=_s(card, "shortLink"),
        board_id=_s(_d(data, "board"), "id"),
        text=text,
        date=date,
        author_id=author_id,
        author_username=username,
        author_name=_s(mc, "fullName") or username or author_id or "unknown",
        edited_at=parse_date(data.get("dateLastEdited")),
        raw=action,
    )


def mentions_in(text: str) -> tuple[str, ...]:
    """``@usernames`` in a comment, in order, without duplicates (lower-cased, no "@")."""
    seen: dict[str, None] = {}
    for m in _MENTION_RE.finditer(text):
        seen.setdefault(m.group(1).lower(), None)
    return tuple(seen)


def _text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the cursor --------------------------------------------------------------------------------


@dataclass(slots=True)
class BoardState:
    """Per board: the newest comment id stored, and an unfinished walk back (a gap).

    A gap is ``(lo, before)``: comments with ``lo < id < before`` are still to fetch
    (``lo`` None = back to the beginning, i.e. the backfill).
    """

    last: str | None = None
    gap_lo: str | None = None
    gap_before: str | None = None
    gap_open: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"last": self.last}
        if self.gap_open:
            out["gap"] = [self.gap_lo, self.gap_before]
        return out

    @classmethod
    def from_json(cls, d: Any) -> BoardState:
        if not isinstance(d, Mapping):
            return cls()
        st = cls(last=d.get("last") if isinstance(d.get("last"), str) else None)
        gap = d.get("gap")
        if isinstance(gap, list) and len(gap) == 2:
            st.gap_open, st.gap_lo, st.gap_before = True, gap[0], gap[1]
        return st


@dataclass(slots=True)
class Cursor:
    """Everything the connector remembers between fetches (stored by the core, opaque to it).

    ``seen`` maps comment id → ``[card id, board id, text hash, created unix time,
    mentions_me]`` for comments inside the edit/delete window.
    """

    me_id: str = ""
    me_username: str = ""
    boards: dict[str, BoardState] = field(default_factory=dict)
    boards_at: float = 0.0  # when the board list (for boards = []) was last read
    recheck_at: float = 0.0
    seen: dict[str, list[Any]] = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps({
            "v": CURSOR_VERSION, "me": [self.me_id, self.me_username],
            "boards": {b: s.to_json() for b, s in self.boards.items()},
            "boards_at": self.boards_at, "recheck_at": self.recheck_at, "seen": self.seen,
        }, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> Cursor:
        """Parse a stored cursor; anything unreadable starts over (inserts are idempotent)."""
        if not text:
            return cls()
        try:
            d = json.loads(text)
        except ValueError:
            log.warning("trello: unreadable cursor, starting a fresh backfill")
            return cls()
        if not isinstance(d, dict) or d.get("v") != CURSOR_VERSION:
            return cls()
        me_raw, boards_raw, seen_raw = d.get("me"), d.get("boards"), d.get("seen")
        me: list[Any] = me_raw if isinstance(me_raw, list) else ["", ""]
        boards: dict[str, Any] = boards_raw if isinstance(boards_raw, dict) else {}
        seen: dict[str, Any] = seen_raw if isinstance(seen_raw, dict) else {}
        return cls(
            me_id=str(me[0]) if me else "", me_username=str(me[1]) if len(me) > 1 else "",
            boards={str(b): BoardState.from_json(s) for b, s in boards.items()},
            boards_at=float(d.get("boards_at") or 0.0), recheck_at=float(d.get("recheck_at") or 0.0),
            seen={str(k): v for k, v in seen.items() if isinstance(v, list) and len(v) == 5},
        )


@dataclass(slots=True)
class CardInfo:
    """What a comment's thread needs from its card (current name, URL, members)."""

    name: str
    url: str
    members: tuple[str, ...]  # member ids


# --- the connector -----------------------------------------------------------------------------


class TrelloConnector:
    """Polls Trello boards for card comments; posts replies as card comments."""

    kind = "trello"

    def __init__(self, ctx: SourceContext, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        key, token = ctx.secret("key"), ctx.secret("token")
        if not key or not token:
            raise SourceError(f"Trello account {ctx.account!r}: API key and token are not set "
                              "(run `inscope connect trello`)", fatal=True)
        register_secret(key)
        register_secret(token)
        self.ctx = ctx
        self.account = ctx.account
        opts = ctx.options
        self.api_base = str(opts.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        self.board_ids: list[str] = [str(b) for b in opts.get("boards") or []]
        self.recheck_days = float(opts.get("recheck_days", 14))
        self.recheck_every = float(opts.get("recheck_every", 600))
        self.boards_every = float(opts.get("boards_every", 3600))
        self.max_pages = int(opts.get("max_pages", 10))  # per fetch; more=True beyond that
        self.max_wait = float(opts.get("max_wait", 3.0))  # longest in-process wait for a bucket
        self.backoff_429 = float(opts.get("backoff_429", 10.0))
        self.clock_skew = float(opts.get("clock_skew", 300.0))
        self.timeout = float(opts.get("timeout", 30.0))
        interval = float(opts.get("rate_interval", 10.0))
        # 90 % of the documented limits: other Trello clients of the user share the token.
        self.token_bucket = TokenBucket(float(opts.get("token_limit", 90)), interval)
        self.key_bucket = _key_bucket(key, float(opts.get("key_limit", 270)), interval)
        self.members_bucket = TokenBucket(float(opts.get("members_limit", 90)), 900.0)
        self.me_handles = {h.lower().lstrip("@") for h in ctx.me_handles}
        self._client = httpx.AsyncClient(
            headers={
                "Authorization": f'OAuth oauth_consumer_key="{key}", oauth_token="{token}"',
                "Accept": "application/json",
                "User-Agent": "inscope (terminal inbox)",
            },
            timeout=httpx.Timeout(self.timeout, connect=10.0),
            transport=transport,
            follow_redirects=False,
        )
        self._me: tuple[str, str] | None = None
        self._cards: dict[str, CardInfo] = {}
        self._usernames: dict[str, str] = {}  # member id → username (board members)
        self._members_loaded: set[str] = set()
        self._board_names: dict[str, str] = {}
        self._fresh: set[str] = set()  # boards whose cards were read during this fetch
        self._notes: list[str] = []

    # -- HTTP -----------------------------------------------------------------------------------

    async def _request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                       json_body: Any = None, attempts: int = 3) -> Any:
        """One API call with rate limiting; returns parsed JSON or raises ``SourceError``.

        Raises ``_HTTPStatus`` for 4xx other than 401/429 so callers can map 404 / 400.
        """
        buckets = [self.token_bucket, self.key_bucket]
        if path.startswith("/members"):
            buckets.append(self.members_bucket)
        for attempt in range(attempts):
            wait = max(b.wait_time() for b in buckets)
            if wait > self.max_wait:
                raise SourceError(f"Trello: client-side rate limit, next request in {wait:.0f} s",
                                  retry_after=wait)
            if wait > 0:
                await asyncio.sleep(wait)
            for b in buckets:
                b.take()
            try:
                resp = await self._client.request(method, self.api_base + path, params=params,
                                                  json=json_body)
            except httpx.TimeoutException:
                raise _Ambiguous("Trello: request timed out", sent=method != "GET") from None
            except httpx.TransportError as e:
                # Connect errors certainly did not reach the server; others may have.
                sent = method != "GET" and not isinstance(e, httpx.ConnectError)
                raise _Ambiguous(f"Trello: network error ({type(e).__name__})", sent=sent) from None
            self._observe_headers(resp.headers)
            status = resp.status_code
            if status == 429:
                wait = self._backoff(resp)
                code = _error_code(resp)
                which = self.key_bucket if "KEY" in code else self.token_bucket
                which.block(wait)
                if path.startswith("/members") and code == "RATE_LIMIT_EXCEEDED":
                    self.members_bucket.block(wait)
                if wait <= self.max_wait and attempt + 1 < attempts:
                    log.info("trello: 429 %s, retrying in %.1f s", code, wait)
                    continue
                raise SourceError(f"Trello: rate limited ({code or '429'}), retry in {wait:.0f} s",
                                  retry_after=wait)
            if status == 401:
                body = resp.text.strip()[:100].lower()
                if "invalid token" in body or "invalid key" in body or "expired" in body:
                    what = "key" if "key" in body else "token"
                    raise SourceError(
                        f"Trello ({self.account}): the API {what} was rejected ({what} "
                        "revoked, expired or mistyped). Run `inscope connect trello` again.",
                        fatal=True)
                raise _HTTPStatus(status, redact(resp.text[:200]))
            if status >= 500:
                raise _Ambiguous(f"Trello: server error {status}", sent=method != "GET",
                                 retry_after=30.0)
            if status >= 400:
                raise _HTTPStatus(status, redact(resp.text[:200]))
            try:
                return resp.json()
            except ValueError:
                raise _Ambiguous("Trello: truncated or invalid JSON in the response",
                                 sent=method != "GET", retry_after=30.0) from None
        raise SourceError("Trello: rate limited", retry_after=self.backoff_429)  # pragma: no cover

    def _observe_headers(self, headers: httpx.Headers) -> None:
        for name, bucket in (("x-rate-limit-api-token-remaining", self.token_bucket),
                             ("x-rate-limit-api-key-remaining", self.key_bucket),
                             ("x-rate-limit-member-remaining", self.members_bucket)):
            v = headers.get(name)
            if v is not None and v.isdigit():
                bucket.observe_remaining(int(v))

    def _backoff(self, resp: httpx.Response) -> float:
        ra = resp.headers.get("retry-after")
        if ra:
            try:
                return max(0.0, float(ra))
            except ValueError:
                pass
        # No Retry-After is documented (§1.8): wait out a window, with jitter so
        # several accounts on one key do not stampede together.
        return self.backoff_429 * (1 + random.random() * 0.2)

    async def _get(self, path: str, **params: Any) -> Any:
        try:
            return await self._request("GET", path, params=params)
        except _Ambiguous as e:
            raise SourceError(str(e), retry_after=e.retry_after) from None
        except _HTTPStatus as e:
            raise SourceError(f"Trello: {e.status} on {_shape(path)}: {e.body}",
                              retry_after=300.0) from None

    # -- who am I ---------------------------------------------------------------------------------

    async def _whoami(self, cur: Cursor | None = None) -> tuple[str, str]:
        if self._me is None and cur is not None and cur.me_id:
            self._me = (cur.me_id, cur.me_username)
        if self._me is None:
            me = await self._get("/members/me", fields="id,username,fullName")
            if not isinstance(me, Mapping) or not _s(me, "id"):
                raise SourceError("Trello: /members/me returned no id", retry_after=60.0)
            self._me = (_s(me, "id"), _s(me, "username"))
        if cur is not None:
            cur.me_id, cur.me_username = self._me
        return self._me

    # -- fetch -------------------------------------------------------------------------------------

    async def fetch(self, cursor: str | None) -> Batch:
        """Comments new since ``cursor`` (backfill when ``None``), plus edits and deletions."""
        cur = Cursor.loads(cursor)
        self._fresh.clear()
        self._notes = notes = []
        await self._whoami(cur)
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
            items.extend(await self._items(bid, new, cur))
            while not done and pages < self.max_pages:
                new, done = await self._poll_board(bid, st)
                pages += 1
                items.extend(await self._items(bid, new, cur))
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
            changed = await self._recheck(boards, cur, now)
            if changed:
                edits = sum(1 for it in changed if not it.deleted)
                dels = len(changed) - edits
                notes.append(f"{edits} comment(s) edited, {dels} deleted")
            items.extend(changed)
            cur.recheck_at = now
        self._prune_seen(cur, now)
        return Batch(items=_dedup(items), cursor=cur.dumps(), more=more, notes=notes)

    async def _boards(self, cur: Cursor) -> list[str]:
        if self.board_ids:
            return self.board_ids
        now = time.time()
        if cur.boards and now - cur.boards_at < self.boards_every:
            return list(cur.boards)
        found = await self._get("/members/me/boards", filter="open", fields="id,name,url")
        ids = [_s(b, "id") for b in found if isinstance(b, Mapping) and _s(b, "id")] \
            if isinstance(found, list) else []
        for b in found if isinstance(found, list) else []:
            if isinstance(b, Mapping):
                self._board_names[_s(b, "id")] = _s(b, "name")
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
            page = await self._request("GET", f"/boards/{bid}/actions", params=params)
        except _Ambiguous as e:
            raise SourceError(str(e), retry_after=e.retry_after) from None
        except _HTTPStatus as e:
            # One board gone or no longer shared must not stop the others: note it, skip it.
            self._notes.append(f"board {bid}: not readable ({e.status} {e.body[:60]}), skipped")
            return [], True
        if not isinstance(page, list):
            raise SourceError("Trello: unexpected response for board actions", retry_after=60.0)
        raw_ids = [a["id"] for a in page if isinstance(a, Mapping) and isinstance(a.get("id"), str)]
        parsed = [p for p in (parse_action(a) for a in page) if p is not None]
        lo = st.gap_lo if st.gap_open else st.last
        # since=<id> may or may not include that id (§1.2 "U"): drop it and anything older.
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

    async def _load_cards(self, bid: str) -> None:
        """One request for all cards of a board (current names, URLs, idMembers)."""
        self._fresh.add(bid)
        cards = await self._get(f"/boards/{bid}/cards", filter="all",
                                fields="id,name,idMembers,shortLink,url")
        for c in cards if isinstance(cards, list) else []:
            if not isinstance(c, Mapping) or not _s(c, "id"):
                continue
            members = c.get("idMembers")
            url = _s(c, "url") or (f"{WEB_BASE}/c/{_s(c, 'shortLink')}" if _s(c, "shortLink") else "")
            self._cards[_s(c, "id")] = CardInfo(
                name=_s(c, "name"), url=url,
                members=tuple(m for m in members if isinstance(m, str)) if isinstance(members, list) else ())
        if bid not in self._members_loaded:
            ms = await self._get(f"/boards/{bid}/members", fields="id,username,fullName")
            for m in ms if isinstance(ms, list) else []:
                if isinstance(m, Mapping) and _s(m, "id"):
                    self._usernames[_s(m, "id")] = _s(m, "username")
            self._members_loaded.add(bid)

    async def _items(self, bid: str, comments: list[ParsedComment], cur: Cursor) -> list[Item]:
        """Turn parsed comments into Items (card data fetched once per board per fetch)."""
        if not comments:
            return []
        if bid not in self._fresh:
            # New comments: the card may have been renamed or re-staffed since we last
            # looked, so re-read the board's cards (one request, at most once per fetch).
            await self._load_cards(bid)
        out = []
        for p in comments:
            info = self._cards.get(p.card_id)
            it = self._item(bid, p, info, cur)
            out.append(it)
            cur.seen[p.id] = [p.card_id, bid, _text_hash(p.text), int(p.date.timestamp()),
                              int(it.mentions_me)]
        return out

    def _item(self, bid: str, p: ParsedComment, info: CardInfo | None, cur: Cursor, *,
              edited: bool = False, edited_at: datetime | None = None) -> Item:
        me_id, me_user = cur.me_id, cur.me_username.lower()
        my_names = self.me_handles | ({me_user} if me_user else set())
        mentions = mentions_in(p.text)
        card_members = info.members if info else ()
        on_card = bool(me_id) and me_id in card_members
        # "@card" notifies the card's members (U, §1.6): treat it as a mention when on the card.
        mentions_me = any(m in my_names for m in mentions) or (on_card and "card" in mentions)
        # The core (triage) reads "me" or one of my handles in members as "I'm on the
        # card": give it usernames where known, plus "me" and my member id when I am on it.
        members = tuple(self._usernames.get(m) or m for m in card_members)
        if on_card:
            members = (*members, "me", me_id)
        url = info.url if info and info.url else (
            f"{WEB_BASE}/c/{p.card_short_link}" if p.card_short_link else f"{WEB_BASE}/c/{p.card_id}")
        author_handle = p.author_username or self._usernames.get(p.author_id, "")
        return Item(
            source="trello",
            account=self.account,
            external_id=p.id,
            conversation=p.card_id,
            conversation_title=(info.name if info and info.name else p.card_name) or "(card)",
            author=Author(id=p.author_id, name=p.author_name, handle=author_handle,
                          is_me=bool(me_id) and p.author_id == me_id),
            text=p.text,
            created_at=p.date,
            edited_at=(edited_at or p.edited_at or datetime.now(UTC)) if edited else p.edited_at,
            mentions=mentions,
            mentions_me=mentions_me,
            url=url,
            routes=(f"trello_board:{bid}",),
            members=members,
            meta={"board_id": bid, "board": self._board_names.get(bid, ""), "me_on_card": on_card},
            raw=json.dumps(p.raw, ensure_ascii=False) if p.raw else "",
        )

    # -- edits and deletions ---------------------------------------------------------------------

    async def _recheck(self, boards: list[str], cur: Cursor, now: float) -> list[Item]:
        """Re-list each board's comments of the window; report changed and vanished ones."""
        start = now - self.recheck_days * 86400
        since = _iso(datetime.fromtimestamp(start, UTC))
        out: list[Item] = []
        for bid in boards:
            listed: dict[str, ParsedComment] = {}
            before: str | None = None
            while True:
                params: dict[str, Any] = {"filter": "commentCard", "limit": PAGE, "since": since,
                                          "memberCreator_fields": "id,username,fullName"}
                if before:
                    params["before"] = before
                try:
                    page = await self._request("GET", f"/boards/{bid}/actions", params=params)
                except _Ambiguous as e:
                    raise SourceError(str(e), retry_after=e.retry_after) from None
                except _HTTPStatus:
                    page = None  # board no longer readable: the poll already noted it
                if not isinstance(page, list):
                    break
                for a in page:
                    p = parse_action(a)
                    if p is not None:
                        listed[p.id] = p
                ids = [a["id"] for a in page if isinstance(a, Mapping) and isinstance(a.get("id"), str)]
                if len(page) < PAGE or not ids:
                    break
                before = min(ids)
            if not isinstance(page, list):
                continue  # an incomplete listing must not pass for "everything was deleted"
            changed: list[ParsedComment] = []
            for aid, entry in list(cur.seen.items()):
                card_id, b, h, created, mentioned = entry
                # Only comments well inside the window: one at its edge may not be listed.
                if b != bid or created <= start + 1:
                    continue
                p = listed.get(aid)
                if p is None:
                    out.append(self._deleted_item(bid, aid, card_id, created, bool(mentioned)))
                    del cur.seen[aid]
                elif _text_hash(p.text) != h:
                    changed.append(p)
            if changed:
                await self._load_cards(bid)
                for p in changed:
                    it = self._item(bid, p, self._cards.get(p.card_id), cur, edited=True)
                    out.append(it)
                    cur.seen[p.id] = [p.card_id, bid, _text_hash(p.text), int(p.date.timestamp()),
                                      int(it.mentions_me)]
        return out

    def _deleted_item(self, bid: str, aid: str, card_id: str, created: float, mentioned: bool) -> Item:
        """A tombstone: the store keeps the old text and marks the message deleted."""
        info = self._cards.get(card_id)
        on_card = info is not None and bool(self._me) and self._me is not None and self._me[0] in info.members
        return Item(
            source="trello", account=self.account, external_id=aid, conversation=card_id,
            conversation_title=info.name if info else "", author=Author(id="", name=""),
            text="", created_at=datetime.fromtimestamp(created, UTC), deleted=True,
            mentions_me=mentioned, url=info.url if info else "", routes=(f"trello_board:{bid}",),
            meta={"board_id": bid, "me_on_card": on_card, "deleted_seen_at": _iso(datetime.now(UTC))},
        )

    def _prune_seen(self, cur: Cursor, now: float) -> None:
        start = now - self.recheck_days * 86400
        for aid in [a for a, e in cur.seen.items() if e[3] <= start + 1]:
            del cur.seen[aid]

    # -- sending ----------------------------------------------------------------------------------

    @staticmethod
    def outgoing_text(out: Outgoing) -> str:
        """The comment text actually posted (escalations @mention the AM first)."""
        mention = out.target.get("mention", "").strip().lstrip("@")
        return f"@{mention} {out.text}" if mention else out.text

    async def send(self, out: Outgoing) -> SendResult:
        """Post ``out`` as a comment on card ``out.conversation`` (text in a JSON body)."""
        text = self.outgoing_text(out)
        card = out.conversation
        if not _HEX24.match(card):
            raise PermanentSendError(f"Trello: {card[:40]!r} is not a card id")
        # Know who I am *before* posting: nothing after a successful POST may fail,
        # or the engine would retry a comment that is already there.
        await self._whoami()
        try:
            action = await self._request("POST", f"/cards/{card}/actions/comments",
                                         json_body={"text": text}, attempts=1)
        except _Ambiguous as e:
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
        except _HTTPStatus as e:
            if e.status in (400, 404):
                raise PermanentSendError(f"Trello: card {card} refused the comment ({e.status}: "
                                         f"{e.body[:80]})") from None
            raise SourceError(f"Trello: {e.status} posting a comment: {e.body[:80]}",
                              retry_after=300.0) from None
        p = parse_action(action)
        if p is None:
            remote = _s(action, "id") if isinstance(action, Mapping) else ""
            if not remote:
                raise SourceError("Trello: the comment reply had no action id", retry_after=60.0)
            return SendResult(remote_id=remote)
        return SendResult(remote_id=p.id, item=await self._own_item(p))

    async def _own_item(self, p: ParsedComment) -> Item:
        me_id, me_user = await self._whoami()
        cur = Cursor(me_id=me_id, me_username=me_user)
        bid = p.board_id
        info = self._cards.get(p.card_id)
        if info is None and bid:
            # The item is still right without the card's name: never fail after a POST.
            with contextlib.suppress(SourceError, _HTTPStatus, _Ambiguous):
                await self._load_cards(bid)
            info = self._cards.get(p.card_id)
        it = self._item(bid, p, info, cur)
        it.author = Author(id=me_id, name=p.author_name, handle=me_user, is_me=True)
        return it

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """Find our comment on the card: my member id, identical text, at/after ``created_at``."""
        text = self.outgoing_text(out)
        me_id, _ = await self._whoami()
        since = _iso(out.created_at - timedelta(seconds=self.clock_skew))
        try:
            page = await self._request("GET", f"/cards/{out.conversation}/actions",
                                       params={"filter": "commentCard", "since": since,
                                               "limit": PAGE})
        except _Ambiguous as e:
            raise SourceError(str(e), retry_after=e.retry_after) from None
        except _HTTPStatus as e:
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

    async def aclose(self) -> None:
        await self._client.aclose()


class _Ambiguous(Exception):
    """A failure after which the server may or may not have acted (``sent``)."""

    def __init__(self, message: str, *, sent: bool, retry_after: float = 30.0):
        super().__init__(message)
        self.sent = sent
        self.retry_after = retry_after


class _HTTPStatus(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def _error_code(resp: httpx.Response) -> str:
    try:
        d = resp.json()
    except ValueError:
        return ""
    return _s(d, "error") if isinstance(d, Mapping) else ""


def _shape(path: str) -> str:
    """A path with ids replaced, for messages (ids are not secret, but noise)."""
    return re.sub(r"[0-9a-f]{24}", "{id}", path)


def _dedup(items: list[Item]) -> list[Item]:
    """Keep the last Item per external id (a later edit or deletion wins)."""
    by_id: dict[str, Item] = {}
    for it in items:
        by_id.pop(it.external_id, None)
        by_id[it.external_id] = it
    return list(by_id.values())


def build(ctx: SourceContext) -> TrelloConnector:
    """The connector factory named in ``inscope.sources.REGISTRY``."""
    return TrelloConnector(ctx)


# --- helpers for `inscope connect trello` ---------------------------------------------------------


def _helper_ctx(api_base: str, key: str, token: str) -> SourceContext:
    secrets = {"key": key, "token": token}
    return SourceContext(account="trello", kind="trello", options={"api_base": api_base},
                         secret=secrets.get)


async def whoami(api_base: str, key: str, token: str) -> dict[str, Any]:
    """Check a key + token: ``{"id", "username", "fullName"}`` of the member, or SourceError."""
    conn = TrelloConnector(_helper_ctx(api_base, key, token))
    try:
        me = await conn._get("/members/me", fields="id,username,fullName")
    finally:
        await conn.aclose()
    if not isinstance(me, Mapping) or not _s(me, "id"):
        raise SourceError("Trello: /members/me returned no member")
    return {"id": _s(me, "id"), "username": _s(me, "username"), "fullName": _s(me, "fullName")}


async def open_boards(api_base: str, key: str, token: str) -> list[dict[str, Any]]:
    """The member's open boards as ``[{"id", "name", "url"}]`` (for mapping boards to projects)."""
    conn = TrelloConnector(_helper_ctx(api_base, key, token))
    try:
        found = await conn._get("/members/me/boards", filter="open", fields="id,name,url,closed")
    finally:
        await conn.aclose()
    return [{"id": _s(b, "id"), "name": _s(b, "name"), "url": _s(b, "url")}
            for b in (found if isinstance(found, list) else [])
            if isinstance(b, Mapping) and _s(b, "id") and not b.get("closed")]
