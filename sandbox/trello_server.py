"""A faithful local fake of the Trello REST API (the parts inscope uses), as a Starlette app.

What it reproduces of the real API:

- both auth forms: the ``Authorization: OAuth oauth_consumer_key="…", oauth_token="…"``
  header and ``?key=&token=`` query parameters; plain-text 401 ``invalid key`` /
  ``invalid token``, plain-text 404 / 400 bodies;
- ``/boards/{id}/actions`` and ``/cards/{id}/actions`` with ``filter``, ``since``,
  ``before`` (ISO date or ObjectId), ``limit`` (default 50, max 1000), ``page``,
  ``memberCreator``; newest first; ``updateComment`` / ``deleteComment`` are never
  listed (an edit changes ``data.text`` of the stored ``commentCard``, a delete
  makes it vanish);
- 24-hex ObjectId-style ids whose first 8 hex digits are the creation time;
- rate-limit headers and counting per key and per token in fixed windows (plus
  the small ``/1/members/`` bucket), 429 with the documented JSON bodies;
- a fault switch (429 storms, 5xx, slow responses, truncated JSON) for the next
  N requests, a request log and per-card post counters for tests.

Seeding (used by the demo workspace, benchmarks and tests)::

    world = TrelloWorld()
    me = world.add_member("maria_seo", "Мария", token="tok", key="key")
    b = world.add_board("Client board", members=[me.id])
    card = world.add_card(b, "Card name", members=[me.id])
    world.add_comment(card, me, "text", at=datetime(...))
    app = create_app(world)          # serve with sandbox.server.ServerThread

The world is guarded by one lock, so tests may mutate it while the server thread
serves.  Actions are kept in per-board and per-card lists sorted by id, and
``since`` / ``before`` are answered with ``bisect``: seeding tens of thousands
of comments and listing them stays fast.

One module on purpose (~900 lines): the world and the routes that serve it are read side by
side against the real API they copy; split, each half would make no sense alone.

Why one module of this size: it fakes one API, route by route, so it reads top to bottom
against Trello's reference; it is test and demo infrastructure, never imported by the app.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

__all__ = [
    "Action",
    "Board",
    "Card",
    "Faults",
    "Limits",
    "LoggedRequest",
    "Member",
    "TrelloWorld",
    "create_app",
    "object_id_time",
    "seed_from_demo",
]

_HEX24 = re.compile(r"^[0-9a-f]{24}$")
_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')
NOT_FOUND = "The requested resource was not found."


def _iso(dt: datetime) -> str:
    """Trello's date format: UTC, milliseconds, ``Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def object_id_time(oid: str) -> datetime:
    """The creation time encoded in the first 8 hex digits of an ObjectId."""
    return datetime.fromtimestamp(int(oid[:8], 16), UTC)


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "card"


@dataclass(slots=True)
class Member:
    """A Trello member.  ``token`` / ``key`` are the credentials that act as this member."""

    id: str
    username: str
    full_name: str
    token: str | None = None
    key: str | None = None

    @property
    def initials(self) -> str:
        return "".join(p[:1] for p in self.full_name.split()[:2]).upper() or self.username[:1].upper()

    def json(self, fields: set[str] | None = None) -> dict[str, Any]:
        full = {
            "id": self.id, "username": self.username, "fullName": self.full_name,
            "initials": self.initials, "avatarHash": None, "avatarUrl": None,
            "activityBlocked": False, "idMemberReferrer": None, "nonPublicAvailable": True,
        }
        return _pick(full, fields)


@dataclass(slots=True)
class Board:
    """A board: its members and every action on it, sorted by id (= by creation time)."""

    id: str
    name: str
    short_link: str
    url: str
    closed: bool = False
    members: list[str] = field(default_factory=list)
    action_ids: list[str] = field(default_factory=list)
    card_ids: list[str] = field(default_factory=list)
    date_last_activity: datetime | None = None

    def json(self, fields: set[str] | None = None) -> dict[str, Any]:
        full = {
            "id": self.id, "name": self.name, "closed": self.closed, "url": self.url,
            "shortLink": self.short_link,
            "dateLastActivity": _iso(self.date_last_activity) if self.date_last_activity else None,
        }
        return _pick(full, fields)


@dataclass(slots=True)
class Card:
    """A card on a board; ``action_ids`` is its own sorted action list."""

    id: str
    board_id: str
    name: str
    short_link: str
    id_short: int
    url: str
    id_list: str
    id_members: list[str] = field(default_factory=list)
    closed: bool = False
    date_last_activity: datetime | None = None
    action_ids: list[str] = field(default_factory=list)
    comments: int = 0

    def json(self, fields: set[str] | None = None) -> dict[str, Any]:
        full = {
            "id": self.id, "name": self.name, "idList": self.id_list, "idBoard": self.board_id,
            "idMembers": list(self.id_members), "idShort": self.id_short,
            "shortLink": self.short_link, "url": self.url, "closed": self.closed,
            "dateLastActivity": _iso(self.date_last_activity) if self.date_last_activity else None,
            "badges": {"comments": self.comments},
        }
        return _pick(full, fields)


@dataclass(slots=True)
class Action:
    """One action.  Comments are ``commentCard``; ``text`` changes in place on edit."""

    id: str
    type: str
    member_id: str
    board_id: str
    card_id: str | None
    date: datetime
    text: str = ""
    data_extra: dict[str, Any] = field(default_factory=dict)
    date_last_edited: datetime | None = None


@dataclass(slots=True)
class Limits:
    """Rate limits: 300 requests per 10 s per key, 100 per token, 100 per 900 s on
    /1/members (Trello's own).  Tests shrink them to provoke 429 quickly."""

    key_max: int = 300
    token_max: int = 100
    interval: float = 10.0
    members_max: int = 100
    members_interval: float = 900.0
    key_lockout_after: int = 200  # > this many 429s on a key: everything 429 until window end


@dataclass(slots=True)
class LoggedRequest:
    """What the request log keeps: enough to prove secrets never sit in URLs."""

    method: str
    path: str
    query: str
    status: int = 0
    auth: str = ""  # "header" | "query" | "" — how credentials came


class Faults:
    """Fault switch for the next N requests (all methods are thread-safe).

    ``rate_limit(n)`` answers 429 (``API_TOKEN_LIMIT_EXCEEDED`` by default),
    ``error(n, status)`` answers a plain-text 5xx, ``slow(n, seconds)`` delays the
    response, ``truncate(n)`` cuts the JSON body in half *after* the request took
    effect (a POST is applied, then the connection "breaks").  ``match`` limits a
    fault to requests whose path contains the substring.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[tuple[str, int, Any, str]] = []

    def _add(self, kind: str, n: int, arg: Any, match: str) -> None:
        with self._lock:
            self._queue.append((kind, n, arg, match))

    def rate_limit(self, n: int, error: str = "API_TOKEN_LIMIT_EXCEEDED", match: str = "") -> None:
        self._add("429", n, error, match)

    def error(self, n: int, status: int = 500, match: str = "") -> None:
        self._add("error", n, status, match)

    def slow(self, n: int, seconds: float, match: str = "") -> None:
        self._add("slow", n, seconds, match)

    def truncate(self, n: int, match: str = "") -> None:
        self._add("truncate", n, None, match)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def take(self, path: str) -> tuple[str, Any] | None:
        """Consume one fault applying to ``path`` (first queued wins)."""
        with self._lock:
            for i, (kind, n, arg, match) in enumerate(self._queue):
                if match and match not in path:
                    continue
                if n <= 1:
                    del self._queue[i]
                else:
                    self._queue[i] = (kind, n - 1, arg, match)
                return kind, arg
        return None


class _Window:
    """A fixed rate-limit window: count requests, reset when the interval passes."""

    __slots__ = ("count", "rejected", "start")

    def __init__(self) -> None:
        self.start = 0.0
        self.count = 0
        self.rejected = 0

    def roll(self, now: float, interval: float) -> None:
        if now - self.start >= interval:
            self.start, self.count, self.rejected = now, 0, 0


class TrelloWorld:
    """The fake Trello's state: members, boards, cards, actions, limits, faults, logs."""

    def __init__(self, *, web_base: str = "https://trello.com", limits: Limits | None = None,
                 clock: Callable[[], float] = time.monotonic, since_inclusive: bool = False,
                 hide_future: bool = False) -> None:
        self.lock = threading.RLock()
        self.web_base = web_base.rstrip("/")
        self.limits = limits or Limits()
        self.clock = clock
        # Whether since=<id> returns that id too is not documented by Trello; a switch lets
        # tests prove the connector de-duplicates either way.
        self.since_inclusive = since_inclusive
        # The demo seeds comments dated a little ahead; they "arrive" when their time comes.
        self.hide_future = hide_future
        self.faults = Faults()
        self.members: dict[str, Member] = {}
        self.boards: dict[str, Board] = {}
        self.cards: dict[str, Card] = {}
        self.actions: dict[str, Action] = {}
        self.requests: list[LoggedRequest] = []
        self.posts_per_card: Counter[str] = Counter()
        self.edits: list[tuple[str, str]] = []  # (action id, old text)
        self._machine = os.urandom(5).hex()
        # Random start like a real ObjectId, but in the lower half so seeding millions
        # of ids never wraps (a wrap would break id order within one second).
        self._counter = int.from_bytes(os.urandom(3), "big") >> 1
        self._short = 0
        self._key_windows: dict[str, _Window] = {}
        self._token_windows: dict[str, _Window] = {}
        self._member_windows: dict[str, _Window] = {}
        # Called after every comment POSTed through the API, with the world lock held
        # (the demo uses it to let clients answer now and then; add_comment is re-entrant).
        self.on_comment: Callable[[Action], None] | None = None

    # -- ids --------------------------------------------------------------------------------

    def new_id(self, at: datetime | None = None) -> str:
        """A 24-hex ObjectId: 4-byte time, 5-byte machine, 3-byte counter."""
        ts = int((at or datetime.now(UTC)).timestamp())
        with self.lock:
            self._counter = (self._counter + 1) & 0xFFFFFF
            return f"{ts:08x}{self._machine}{self._counter:06x}"

    def _short_link(self) -> str:
        with self.lock:
            self._short += 1
            n = self._short
        alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        out = ""
        for _ in range(8):
            n, r = divmod(n * 7919 + 13, len(alphabet))
            out += alphabet[r]
        return out

    # -- seeding --------------------------------------------------------------------------

    def add_member(self, username: str, full_name: str = "", *, token: str | None = None,
                   key: str | None = None, oid: str | None = None) -> Member:
        """Add a member; give ``token`` and ``key`` to let a client act as them."""
        m = Member(oid or self.new_id(), username, full_name or username, token, key)
        with self.lock:
            self.members[m.id] = m
        return m

    def add_board(self, name: str, *, members: Iterable[str | Member] = (), closed: bool = False,
                  at: datetime | None = None, oid: str | None = None) -> Board:
        bid = oid or self.new_id(at)
        short = self._short_link()
        b = Board(bid, name, short, f"{self.web_base}/b/{short}/{_slug(name)}", closed,
                  [_mid(m) for m in members], date_last_activity=at)
        with self.lock:
            self.boards[bid] = b
        return b

    def add_board_member(self, board: Board | str, member: Member | str) -> None:
        with self.lock:
            b = self._board(board)
            if _mid(member) not in b.members:
                b.members.append(_mid(member))

    def add_card(self, board: Board | str, name: str, *, members: Iterable[str | Member] = (),
                 at: datetime | None = None, closed: bool = False, list_name: str = "В работе",
                 oid: str | None = None) -> Card:
        """Add a card (and its ``createCard`` action, so ``filter`` has something to skip)."""
        at = at or datetime.now(UTC)
        with self.lock:
            b = self._board(board)
            cid = oid or self.new_id(at)
            short = self._short_link()
            id_short = len(b.card_ids) + 1
            c = Card(cid, b.id, name, short, id_short,
                     f"{self.web_base}/c/{short}/{id_short}-{_slug(name)}",
                     id_list=b.id[:16] + "00000001", id_members=[_mid(m) for m in members],
                     closed=closed, date_last_activity=at)
            self.cards[cid] = c
            b.card_ids.append(cid)
            creator = c.id_members[0] if c.id_members else (b.members[0] if b.members else "")
            # A seeded card (explicit oid) gets a stable createCard id too.
            create_id = (cid[:8] + hashlib.sha1(f"create:{cid}".encode()).hexdigest()[:16]
                         if oid else self.new_id(at))
            self._insert_action(Action(create_id, "createCard", creator, b.id, cid, at,
                                       data_extra={"list": {"id": c.id_list, "name": list_name}}))
        return c

    def add_comment(self, card: Card | str, member: Member | str, text: str, *,
                    at: datetime | None = None, oid: str | None = None) -> Action:
        """Add a ``commentCard`` action by ``member`` on ``card`` (default time: now).

        Explicit ``oid``s (24 hex, time first) keep a seeded world stable across restarts.
        """
        at = at or datetime.now(UTC)
        with self.lock:
            c = self._card(card)
            a = Action(oid or self.new_id(at), "commentCard", _mid(member), c.board_id, c.id, at, text)
            self._insert_action(a)
            c.comments += 1
        return a

    def add_action(self, card: Card | str, member: Member | str, type_: str, *,
                   at: datetime | None = None, data: dict[str, Any] | None = None) -> Action:
        """Add a non-comment action (``updateCard``, ``addMemberToCard`` …)."""
        at = at or datetime.now(UTC)
        with self.lock:
            c = self._card(card)
            a = Action(self.new_id(at), type_, _mid(member), c.board_id, c.id, at,
                       data_extra=dict(data or {}))
            self._insert_action(a)
        return a

    def edit_comment(self, action_id: str, text: str, *, at: datetime | None = None) -> None:
        """Change a comment's text in place (listings never show ``updateComment``)."""
        with self.lock:
            a = self.actions[action_id]
            self.edits.append((action_id, a.text))
            a.text = text
            a.date_last_edited = at or datetime.now(UTC)

    def delete_comment(self, action_id: str) -> None:
        """Remove a comment: it simply vanishes from every listing."""
        with self.lock:
            a = self.actions.pop(action_id)
            b = self.boards[a.board_id]
            _remove_sorted(b.action_ids, action_id)
            if a.card_id:
                c = self.cards[a.card_id]
                _remove_sorted(c.action_ids, action_id)
                c.comments = max(0, c.comments - 1)

    def set_card_members(self, card: Card | str, members: Iterable[str | Member]) -> None:
        with self.lock:
            self._card(card).id_members = [_mid(m) for m in members]

    def rename_card(self, card: Card | str, name: str) -> None:
        with self.lock:
            self._card(card).name = name

    def comments_on(self, card: Card | str) -> list[Action]:
        """The card's comments, oldest first (for test assertions)."""
        with self.lock:
            c = self._card(card)
            return [self.actions[i] for i in c.action_ids if self.actions[i].type == "commentCard"]

    def _insert_action(self, a: Action) -> None:
        # Called with the lock held.
        self.actions[a.id] = a
        b = self.boards[a.board_id]
        bisect.insort(b.action_ids, a.id)
        if b.date_last_activity is None or a.date > b.date_last_activity:
            b.date_last_activity = a.date
        if a.card_id:
            c = self.cards[a.card_id]
            bisect.insort(c.action_ids, a.id)
            if c.date_last_activity is None or a.date > c.date_last_activity:
                c.date_last_activity = a.date

    def _board(self, board: Board | str) -> Board:
        return self.boards[board.id if isinstance(board, Board) else board]

    def _card(self, card: Card | str) -> Card:
        return self.cards[card.id if isinstance(card, Card) else card]

    # -- serialization --------------------------------------------------------------------

    def action_json(self, a: Action, *, member_creator: bool = True,
                    mc_fields: set[str] | None = None) -> dict[str, Any]:
        """The action as Trello returns it (a commentCard action: id, type, date, data, memberCreator)."""
        b = self.boards[a.board_id]
        data: dict[str, Any] = {"board": {"id": b.id, "name": b.name, "shortLink": b.short_link}}
        if a.card_id:
            c = self.cards[a.card_id]
            data["card"] = {"id": c.id, "name": c.name, "idShort": c.id_short, "shortLink": c.short_link}
            data["list"] = {"id": c.id_list, "name": "В работе"}
        if a.type == "commentCard":
            data["text"] = a.text
            if a.date_last_edited is not None:
                data["dateLastEdited"] = _iso(a.date_last_edited)
        data.update(a.data_extra)
        out: dict[str, Any] = {
            "id": a.id, "idMemberCreator": a.member_id, "type": a.type, "date": _iso(a.date),
            "data": data, "appCreator": None,
            "limits": {"reactions": {
                "perAction": {"status": "ok", "disableAt": 1000, "warnAt": 900},
                "uniquePerAction": {"status": "ok", "disableAt": 17, "warnAt": 16}}},
        }
        if member_creator:
            m = self.members.get(a.member_id)
            if m is not None:
                out["memberCreator"] = m.json(mc_fields)
        return out

    def list_actions(self, ids: list[str], *, types: set[str] | None, since: str | None,
                     before: str | None, limit: int, page: int) -> list[Action]:
        """Newest first, within (since, before), one page of ``limit``.  Lock held by caller."""
        lo = 0
        if since is not None:
            lo = (bisect.bisect_left if self.since_inclusive else bisect.bisect_right)(ids, since)
        hi = len(ids) if before is None else bisect.bisect_left(ids, before)
        if self.hide_future:
            now = f"{int(datetime.now(UTC).timestamp()):08x}" + "f" * 16
            hi = min(hi, bisect.bisect_right(ids, now))
        skip = page * limit
        out: list[Action] = []
        for i in range(hi - 1, lo - 1, -1):
            a = self.actions[ids[i]]
            if types is not None and a.type not in types:
                continue
            if skip:
                skip -= 1
                continue
            out.append(a)
            if len(out) >= limit:
                break
        return out

    # -- rate limits ----------------------------------------------------------------------

    def _count(self, key: str, token: str, members_route: bool) -> tuple[str | None, dict[str, str]]:
        """Count one request; return the 429 error code (or None) and the headers."""
        lim, now = self.limits, self.clock()
        kw = self._key_windows.setdefault(key, _Window())
        tw = self._token_windows.setdefault(token, _Window())
        kw.roll(now, lim.interval)
        tw.roll(now, lim.interval)
        kw.count += 1
        tw.count += 1
        error: str | None = None
        if kw.rejected > lim.key_lockout_after or kw.count > lim.key_max:
            error = "API_KEY_LIMIT_EXCEEDED"
        elif tw.count > lim.token_max:
            error = "API_TOKEN_LIMIT_EXCEEDED"
        headers = {
            "x-rate-limit-api-key-interval-ms": str(int(lim.interval * 1000)),
            "x-rate-limit-api-key-max": str(lim.key_max),
            "x-rate-limit-api-key-remaining": str(max(0, lim.key_max - kw.count)),
            "x-rate-limit-api-token-interval-ms": str(int(lim.interval * 1000)),
            "x-rate-limit-api-token-max": str(lim.token_max),
            "x-rate-limit-api-token-remaining": str(max(0, lim.token_max - tw.count)),
        }
        if members_route:
            mw = self._member_windows.setdefault(token, _Window())
            mw.roll(now, lim.members_interval)
            mw.count += 1
            if error is None and mw.count > lim.members_max:
                error = "RATE_LIMIT_EXCEEDED"
            headers.update({
                "x-rate-limit-member-interval-ms": str(int(lim.members_interval * 1000)),
                "x-rate-limit-member-max": str(lim.members_max),
                "x-rate-limit-member-remaining": str(max(0, lim.members_max - mw.count)),
            })
        if error is not None:
            kw.rejected += 1
        return error, headers

    def request_count(self, method: str | None = None, path_contains: str = "") -> int:
        """How many logged requests match (method, path substring)."""
        with self.lock:
            return sum(1 for r in self.requests
                       if (method is None or r.method == method) and path_contains in r.path)


def _mid(m: str | Member) -> str:
    return m.id if isinstance(m, Member) else m


def _pick(full: dict[str, Any], fields: set[str] | None) -> dict[str, Any]:
    if not fields or "all" in fields:
        return full
    return {k: v for k, v in full.items() if k in fields or k == "id"}


def _remove_sorted(ids: list[str], item: str) -> None:
    i = bisect.bisect_left(ids, item)
    if i < len(ids) and ids[i] == item:
        del ids[i]


# --- the HTTP layer ---------------------------------------------------------------------------


class _HTTPError(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(body)
        self.status = status
        self.body = body


def _fields(q: str | None) -> set[str] | None:
    return {f.strip() for f in q.split(",") if f.strip()} if q else None


def _id_bound(value: str | None) -> str | None:
    """``since`` / ``before`` as an ObjectId: an id as is, an ISO date as its time prefix."""
    if value is None or value == "":
        return None
    v = value.lower()
    if _HEX24.match(v):
        return v
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _HTTPError(400, "invalid value for since/before") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    ts = int(dt.timestamp())
    # A date bound compares against the time in the id: "since 12:00:00" keeps
    # everything created at 12:00:00 or later, "before" keeps strictly earlier.
    return f"{ts:08x}" + "0" * 16


def _check_id(value: str) -> None:
    if not _HEX24.match(value):
        raise _HTTPError(400, "invalid id")


def create_app(world: TrelloWorld) -> Starlette:
    """The Starlette app serving ``world`` under ``/1``."""

    def authenticate(request: Request) -> tuple[Member, str, str, str]:
        key = token = None
        how = ""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("oauth "):
            params = dict(_OAUTH_PARAM.findall(header))
            key, token = params.get("oauth_consumer_key"), params.get("oauth_token")
            how = "header"
        if key is None and "key" in request.query_params:
            key, token, how = request.query_params.get("key"), request.query_params.get("token"), "query"
        with world.lock:
            known_keys = {m.key for m in world.members.values() if m.key}
            if not key or key not in known_keys:
                raise _HTTPError(401, "invalid key")
            me = next((m for m in world.members.values() if token and m.token == token), None)
        if me is None or me.key != key:
            raise _HTTPError(401, "invalid token")
        assert token is not None
        return me, key, token, how

    def visible_board(me: Member, board_id: str) -> Board:
        _check_id(board_id)
        b = world.boards.get(board_id)
        if b is None:
            raise _HTTPError(404, NOT_FOUND)
        if me.id not in b.members:
            raise _HTTPError(401, "unauthorized permission requested")
        return b

    def visible_card(me: Member, card_id: str) -> Card:
        _check_id(card_id)
        c = world.cards.get(card_id)
        if c is None:
            raise _HTTPError(404, "Could not find the card")
        visible_board(me, c.board_id)
        return c

    def action_listing(request: Request, ids: list[str], default_filter: str) -> list[dict[str, Any]]:
        q = request.query_params
        flt = q.get("filter", default_filter)
        types = None if flt == "all" else {t.split(":")[0] for t in flt.split(",") if t}
        types = None if types is None else types - {"updateComment", "deleteComment"}
        try:
            limit = int(q.get("limit", "50"))
            page = int(q.get("page", "0"))
        except ValueError:
            raise _HTTPError(400, "invalid value for limit") from None
        if not 0 <= limit <= 1000:
            raise _HTTPError(400, "invalid value for limit")
        if page < 0:
            raise _HTTPError(400, "invalid value for page")
        since = _id_bound(q.get("since"))
        before = _id_bound(q.get("before"))
        mc = q.get("memberCreator", "true") != "false"
        mc_fields = _fields(q.get("memberCreator_fields"))
        found = world.list_actions(ids, types=types, since=since, before=before, limit=limit, page=page)
        return [world.action_json(a, member_creator=mc, mc_fields=mc_fields) for a in found]

    async def body_text(request: Request) -> str | None:
        text = request.query_params.get("text")
        if text is not None:
            return text
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/json"):
            try:
                data = json.loads(await request.body())
            except ValueError:
                raise _HTTPError(400, "invalid json") from None
            v = data.get("text") if isinstance(data, dict) else None
            return v if isinstance(v, str) else None
        if ctype.startswith("application/x-www-form-urlencoded"):
            # Parsed by hand: starlette's form parser needs python-multipart, which
            # the project does not depend on; urlencoded is all clients send here.
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            values = form.get("text")
            return values[0] if values else None
        return None

    # Every handler runs under the world lock and returns JSON-able data.
    def h_me(request: Request, me: Member) -> Any:
        return me.json(_fields(request.query_params.get("fields")))

    def h_member(request: Request, me: Member) -> Any:
        ident = request.path_params["ident"]
        m = next((x for x in world.members.values() if ident in (x.id, x.username)), None)
        if m is None:
            raise _HTTPError(404, NOT_FOUND)
        return m.json(_fields(request.query_params.get("fields")))

    def h_my_boards(request: Request, me: Member) -> Any:
        flt = request.query_params.get("filter", "all")
        fields = _fields(request.query_params.get("fields"))
        out = []
        for b in world.boards.values():
            if me.id not in b.members:
                continue
            if (flt == "open" and b.closed) or (flt == "closed" and not b.closed):
                continue
            out.append(b.json(fields))
        return out

    def h_board(request: Request, me: Member) -> Any:
        return visible_board(me, request.path_params["id"]).json(_fields(request.query_params.get("fields")))

    def h_board_actions(request: Request, me: Member) -> Any:
        b = visible_board(me, request.path_params["id"])
        return action_listing(request, b.action_ids, "all")

    def h_board_cards(request: Request, me: Member) -> Any:
        b = visible_board(me, request.path_params["id"])
        flt = request.query_params.get("filter", "open")
        fields = _fields(request.query_params.get("fields"))
        out = []
        for cid in b.card_ids:
            c = world.cards[cid]
            if (flt == "open" and c.closed) or (flt == "closed" and not c.closed):
                continue
            out.append(c.json(fields))
        return out

    def h_board_members(request: Request, me: Member) -> Any:
        b = visible_board(me, request.path_params["id"])
        fields = _fields(request.query_params.get("fields")) or {"id", "username", "fullName"}
        return [world.members[m].json(fields) for m in b.members if m in world.members]

    def h_card(request: Request, me: Member) -> Any:
        return visible_card(me, request.path_params["id"]).json(_fields(request.query_params.get("fields")))

    def h_card_actions(request: Request, me: Member) -> Any:
        c = visible_card(me, request.path_params["id"])
        return action_listing(request, c.action_ids, "commentCard,updateCard:idList")

    def h_action(request: Request, me: Member) -> Any:
        aid = request.path_params["id"]
        _check_id(aid)
        a = world.actions.get(aid)
        if a is None:
            raise _HTTPError(404, NOT_FOUND)
        visible_board(me, a.board_id)
        return world.action_json(a)

    def own_comment(me: Member, aid: str) -> Action:
        _check_id(aid)
        a = world.actions.get(aid)
        if a is None or a.type != "commentCard":
            raise _HTTPError(404, NOT_FOUND)
        visible_board(me, a.board_id)
        if a.member_id != me.id:
            raise _HTTPError(401, "unauthorized permission requested")
        return a

    async def endpoint(request: Request) -> Response:
        path = request.url.path
        log = LoggedRequest(request.method, path, request.url.query)
        with world.lock:
            world.requests.append(log)
        try:
            me, key, token, log.auth = authenticate(request)
            with world.lock:
                error, headers = world._count(key, token, path.startswith("/1/members"))
            fault = world.faults.take(path)
            if error is None and fault is not None and fault[0] == "429":
                error = str(fault[1])
            if error is not None:
                log.status = 429
                msg = "Exceeded rate limit to /1/member" if error == "RATE_LIMIT_EXCEEDED" else "Rate limit exceeded"
                return JSONResponse({"error": error, "message": msg}, status_code=429, headers=headers)
            if fault is not None and fault[0] == "error":
                log.status = int(fault[1])
                return PlainTextResponse("Internal Server Error", status_code=log.status, headers=headers)
            if fault is not None and fault[0] == "slow":
                await asyncio.sleep(float(fault[1]))
            text = await body_text(request) if request.method in ("POST", "PUT") else None
            with world.lock:
                data = dispatch(request, me, text)
            body = json.dumps(data, ensure_ascii=False).encode()
            if fault is not None and fault[0] == "truncate":
                body = body[: max(1, len(body) // 2)]
            log.status = 200
            return Response(body, status_code=200, headers=headers,
                            media_type="application/json; charset=utf-8")
        except _HTTPError as e:
            log.status = e.status
            return PlainTextResponse(e.body, status_code=e.status)

    def dispatch(request: Request, me: Member, text: str | None) -> Any:
        route = request.scope["route_name"]
        m = request.method
        if route == "comments" and m == "POST":
            c = visible_card(me, request.path_params["id"])
            if text is None or text == "":
                raise _HTTPError(400, "invalid value for text")
            a = world.add_comment(c, me, text)
            world.posts_per_card[c.id] += 1
            if world.on_comment is not None:
                world.on_comment(a)
            return world.action_json(a)
        if route in ("action", "card_action_comment") and m == "PUT":
            a = own_comment(me, request.path_params["aid" if route == "card_action_comment" else "id"])
            if not text:
                raise _HTTPError(400, "invalid value for text")
            world.edit_comment(a.id, text)
            return world.action_json(a)
        if route in ("action", "card_action_comment") and m == "DELETE":
            a = own_comment(me, request.path_params["aid" if route == "card_action_comment" else "id"])
            world.delete_comment(a.id)
            return {"_value": None}
        if m != "GET":
            raise _HTTPError(404, NOT_FOUND)
        return GETS[route](request, me)

    GETS: dict[str, Callable[[Request, Member], Any]] = {
        "me": h_me, "member": h_member, "my_boards": h_my_boards, "board": h_board,
        "board_actions": h_board_actions, "board_cards": h_board_cards,
        "board_members": h_board_members, "card": h_card, "card_actions": h_card_actions,
        "action": h_action,
    }

    def route(path: str, name: str, methods: list[str]) -> Route:
        async def named(request: Request) -> Response:
            request.scope["route_name"] = name
            return await endpoint(request)
        return Route(path, named, methods=methods, name=name)

    async def not_found(request: Request, exc: Exception) -> Response:
        with world.lock:
            world.requests.append(LoggedRequest(request.method, request.url.path, request.url.query, 404))
        return PlainTextResponse(NOT_FOUND, status_code=404)

    routes = [
        route("/1/members/me", "me", ["GET"]),
        route("/1/members/me/boards", "my_boards", ["GET"]),
        route("/1/members/{ident}", "member", ["GET"]),
        route("/1/boards/{id}", "board", ["GET"]),
        route("/1/boards/{id}/actions", "board_actions", ["GET"]),
        route("/1/boards/{id}/cards", "board_cards", ["GET"]),
        route("/1/boards/{id}/members", "board_members", ["GET"]),
        route("/1/cards/{id}", "card", ["GET"]),
        route("/1/cards/{id}/actions", "card_actions", ["GET"]),
        route("/1/cards/{id}/actions/comments", "comments", ["POST"]),
        route("/1/cards/{id}/actions/{aid}/comments", "card_action_comment", ["PUT", "DELETE"]),
        route("/1/actions/{id}", "action", ["GET", "PUT", "DELETE"]),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})



def _stable_id(label: str, at: datetime) -> str:
    """A deterministic ObjectId for seeded data: the time, then a hash of ``label``."""
    return f"{int(at.timestamp()):08x}" + hashlib.sha1(label.encode()).hexdigest()[:16]


def seed_from_demo(demo: Any, *, key: str, token: str, web_base: str = "https://trello.com") -> TrelloWorld:
    """A ``TrelloWorld`` holding the Trello part of a ``sandbox.demo.world.World``.

    Ids are derived from the demo's (deterministic) data, so a restarted demo serves the
    same ids and stored cursors stay valid.  Comments dated ahead "arrive" on time
    (``hide_future``), which is how the demo's clients occasionally answer.
    """
    world = TrelloWorld(web_base=web_base, hide_future=True)
    old = demo.anchor - timedelta(days=400)
    people: dict[str, Member] = {}

    def member(p: Any) -> Member:
        if p.id not in people:
            is_me = p.role == "me"
            people[p.id] = world.add_member(p.handle, p.name, oid=_stable_id("m:" + p.id, old),
                                            token=token if is_me else None, key=key if is_me else None)
        return people[p.id]

    me = member(demo.me)
    boards: dict[str, Board] = {}
    for pr in demo.projects:
        boards[pr.name] = world.add_board(pr.name, oid=pr.board_id, at=old,
                                          members=[me, *(member(c) for c in pr.clients)])
        for extra in (*demo.team, *demo.ams):
            world.add_board_member(boards[pr.name], member(extra))
    cards: dict[str, Card] = {}
    for msg in sorted((m for m in demo.messages if m.channel == "trello"), key=lambda m: m.at):
        card = cards.get(msg.conv_key)
        if card is None:
            ids = [people[i].id if i in people else member(demo.me).id for i in msg.card_members]
            card = cards[msg.conv_key] = world.add_card(
                boards[msg.project], msg.conv_title, oid=msg.conv_key, members=ids,
                at=msg.at - timedelta(hours=1))
        world.add_comment(card, member(msg.author), msg.text, at=msg.at,
                          oid=_stable_id(f"c:{msg.idx}", msg.at))
    return world
