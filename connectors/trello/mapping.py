"""Trello action JSON → ``Item``: validating a ``commentCard`` action, mentions, tombstones.

Everything here is pure (no I/O): listings are data from the network, so parsing never
raises, and one odd action is skipped with a logged reason instead of stopping a sync.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.base import Author, Item

log = logging.getLogger(__name__)

WEB_BASE = "https://trello.com"
# Trello mentions are plain "@username" text (no entities in the payload); usernames
# are [a-z0-9_], matched case-insensitively.
_MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]+)")
HEX24 = re.compile(r"^[0-9a-f]{24}$")
"""A Trello object id (a MongoDB ObjectId: 24 hex digits, creation time in the first 8)."""


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


@dataclass(slots=True)
class CardInfo:
    """What a comment's thread needs from its card (current name, URL, members)."""

    name: str
    url: str
    members: tuple[str, ...]  # member ids


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
    if not HEX24.match(oid):
        return None
    return datetime.fromtimestamp(int(oid[:8], 16), UTC)


def str_field(d: Mapping[str, Any], key: str) -> str:
    """``d[key]`` if it is a string, else ``""`` (JSON from the network may be anything)."""
    v = d.get(key)
    return v if isinstance(v, str) else ""


def obj_field(d: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``d[key]`` if it is an object, else an empty one."""
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
    aid = str_field(action, "id")
    atype = str_field(action, "type")
    if not aid:
        log.info("trello: skipped an action without id")
        return None
    if atype != "commentCard":
        log.info("trello: skipped action %s of type %r", aid, atype[:40])
        return None
    data = obj_field(action, "data")
    card = obj_field(data, "card")
    card_id = str_field(card, "id")
    text = data.get("text")
    if not card_id or not isinstance(text, str):
        log.info("trello: skipped comment %s without card id or text", aid)
        return None
    date = parse_date(action.get("date")) or object_id_time(aid)
    if date is None:
        log.info("trello: skipped comment %s without a usable date", aid)
        return None
    mc = obj_field(action, "memberCreator")
    author_id = str_field(mc, "id") or str_field(action, "idMemberCreator")
    username = str_field(mc, "username")
    return ParsedComment(
        id=aid,
        card_id=card_id,
        card_name=str_field(card, "name"),
        card_short_link=str_field(card, "shortLink"),
        board_id=str_field(obj_field(data, "board"), "id"),
        text=text,
        date=date,
        author_id=author_id,
        author_username=username,
        author_name=str_field(mc, "fullName") or username or author_id or "unknown",
        edited_at=parse_date(data.get("dateLastEdited")),
        raw=action,
    )


def action_ids(page: list[Any]) -> list[str]:
    """The ids of every action on a listing page, usable or not (paging goes by them)."""
    return [a["id"] for a in page if isinstance(a, Mapping) and isinstance(a.get("id"), str)]


def mentions_in(text: str) -> tuple[str, ...]:
    """``@usernames`` in a comment, in order, without duplicates (lower-cased, no "@")."""
    seen: dict[str, None] = {}
    for m in _MENTION_RE.finditer(text):
        seen.setdefault(m.group(1).lower(), None)
    return tuple(seen)


def text_hash(text: str) -> str:
    """A short digest of a comment's text: how the recheck tells an edit."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


def iso(dt: datetime) -> str:
    """The UTC ``YYYY-MM-DDTHH:MM:SSZ`` form Trello accepts for ``since`` / ``before``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def card_url(card: CardInfo | None, p: ParsedComment) -> str:
    """The card's link: as Trello gave it, else built from the short link or the id."""
    if card and card.url:
        return card.url
    return f"{WEB_BASE}/c/{p.card_short_link}" if p.card_short_link else f"{WEB_BASE}/c/{p.card_id}"


def comment_item(p: ParsedComment, *, account: str, board_id: str, card: CardInfo | None,
                 me: tuple[str, str], my_handles: set[str], usernames: Mapping[str, str],
                 board_name: str, edited: bool = False) -> Item:
    """The ``Item`` for one comment on ``board_id``.

    ``me`` is my (member id, username); ``my_handles`` the configured handles (lower
    case, no "@"); ``usernames`` maps board member ids to usernames.  ``edited`` marks
    an edit found by the recheck (Trello lists no edit time for it: now is used).
    """
    me_id, me_user = me[0], me[1].lower()
    my_names = my_handles | ({me_user} if me_user else set())
    mentions = mentions_in(p.text)
    card_members = card.members if card else ()
    on_card = bool(me_id) and me_id in card_members
    # "@card" notifies every member of the card: a mention of me when I am on it.
    mentions_me = any(m in my_names for m in mentions) or (on_card and "card" in mentions)
    # The core (triage) reads "me" or one of my handles in members as "I'm on the
    # card": give it usernames where known, plus "me" and my member id when I am on it.
    members = tuple(usernames.get(m) or m for m in card_members)
    if on_card:
        members = (*members, "me", me_id)
    author_handle = p.author_username or usernames.get(p.author_id, "")
    return Item(
        source="trello",
        account=account,
        external_id=p.id,
        conversation=p.card_id,
        conversation_title=(card.name if card and card.name else p.card_name) or "(card)",
        author=Author(id=p.author_id, name=p.author_name, handle=author_handle,
                      is_me=bool(me_id) and p.author_id == me_id),
        text=p.text,
        created_at=p.date,
        edited_at=(p.edited_at or datetime.now(UTC)) if edited else p.edited_at,
        mentions=mentions,
        mentions_me=mentions_me,
        url=card_url(card, p),
        routes=(f"trello_board:{board_id}",),
        members=members,
        meta={"board_id": board_id, "board": board_name, "me_on_card": on_card},
        raw=json.dumps(p.raw, ensure_ascii=False) if p.raw else "",
    )


def deleted_item(*, account: str, board_id: str, comment_id: str, card_id: str, created: float,
                 mentioned: bool, card: CardInfo | None, me_id: str | None) -> Item:
    """A tombstone: the store keeps the old text and marks the message deleted."""
    on_card = card is not None and bool(me_id) and me_id in card.members
    return Item(
        source="trello", account=account, external_id=comment_id, conversation=card_id,
        conversation_title=card.name if card else "", author=Author(id="", name=""),
        text="", created_at=datetime.fromtimestamp(created, UTC), deleted=True,
        mentions_me=mentioned, url=card.url if card else "", routes=(f"trello_board:{board_id}",),
        meta={"board_id": board_id, "me_on_card": on_card,
              "deleted_seen_at": iso(datetime.now(UTC))},
    )


def dedup(items: list[Item]) -> list[Item]:
    """Keep the last Item per external id (a later edit or deletion wins)."""
    by_id: dict[str, Item] = {}
    for it in items:
        by_id.pop(it.external_id, None)
        by_id[it.external_id] = it
    return list(by_id.values())
