"""A batch before it is stored: one version per message, and never one message over another.

Pure functions over the connector's items (no SQL):

- Chat sources (Telegram, Trello …) deliver a message and its edits and deletion under
  one id; after a pause they can all arrive in one batch.  The *latest* version wins
  (new + edit is the edited text; new + delete is a tombstone that keeps the last text;
  new + edit + delete the edited tombstone), at the place the message first appeared.
- E-mail is immutable: a Message-ID says nothing about who wrote what (it is public —
  every reply's References carries it — and broken mailers reuse one for everything).
  A *different* message under an id already in the batch (or, see
  :func:`reused_id`, already stored) is its own message, under a derived id, flagged.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.base import Item  # annotations only: the TUI's first frame loads no connector

IMMUTABLE_SOURCES = frozenset({"email"})


def content_key(it: Item) -> str:
    """What makes two e-mails under one id the same message: the raw MIME when known,
    else author and text."""
    body = it.raw or f"{it.author.email}\x00{it.author.name}\x00{it.text}"
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def reused_id(it: Item) -> Item:
    """``it`` under the id a different message with a reused Message-ID is stored as."""
    derived = f"{it.external_id}#dup-{content_key(it)[:12]}"
    meta = {**it.meta, "reused_message_id": it.external_id}
    return dataclasses.replace(it, external_id=derived, meta=meta)


def _merge(old: Item, new: Item) -> Item:
    """The later version of one chat message, as it now stands."""
    if new.deleted and not new.text:
        # A deletion carries no text: the tombstone keeps what the message last said.
        return dataclasses.replace(old, deleted=True, edited_at=new.edited_at or old.edited_at)
    return dataclasses.replace(new, created_at=old.created_at)


def collapse(items: Sequence[Item]) -> list[Item]:
    """One item per stored message, in first-seen order (see the module docstring)."""
    out: list[Item] = []
    at: dict[str, int] = {}
    keys: dict[str, str] = {}  # e-mail id → content key of the first message under it
    for it in items:
        ext = it.external_id
        if it.source in IMMUTABLE_SOURCES:
            key = content_key(it)
            first = keys.setdefault(ext, key)
            if first == key:
                if ext in at:
                    out[at[ext]] = it  # the same mail again (a flag change): latest meta
                    continue
            else:
                it = reused_id(it)
                ext = it.external_id
                if ext in at:
                    continue  # the same reused-id mail twice in one batch
        elif ext in at:
            out[at[ext]] = _merge(out[at[ext]], it)
            continue
        at[ext] = len(out)
        out.append(it)
    return out
