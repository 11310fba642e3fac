"""The demo connector: serves the generated demo world through the connector protocol.

The demo switches to it above ``GENERATOR_ABOVE`` messages (``sandbox/demo/setup.py``):
benchmarks build 100k-message workspaces, and serving those as e-mails would measure the
MIME parser, not the inbox.  The connector registry reaches it by name (kind ``demo``).

It behaves like a real source: ``fetch`` pages through what has "arrived" by
now (messages dated in the near future arrive while the demo runs), the cursor
is the delivery position, and ``send`` "delivers" a reply by appending it to a
JSONL file in the demo dir, from which ``reconcile`` can tell whether a send
went out before a crash.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.base import (
    Author,
    Batch,
    Connector,
    Item,
    Outgoing,
    ReplyLimit,
    SendResult,
    SourceContext,
    SourceError,
)
from connectors.options import Opt
from sandbox.demo.world import DemoMessage, World, generate

PAGE = 5000


def _url(m: DemoMessage) -> str:
    if m.channel == "trello":
        return f"https://trello.com/c/{m.conv_key[-8:]}"
    if m.channel == "telegram":
        return f"https://t.me/c/{str(m.conv_key)[4:]}/{m.idx + 1}"
    return ""


class DemoConnector:
    """Serves ``world`` as items of account ``account``."""

    kind = "demo"

    def __init__(self, account: str, world: World, sent_log: Path, me_handles: tuple[str, ...] = ()):
        self.account = account
        self.world = world
        self.sent_log = sent_log
        self.me_handles = me_handles
        self.clock = time.time
        self._projects = {p.name: p for p in world.projects}
        self._authors: dict[str, Author] = {}
        self._route_cache: dict[tuple[str, str, str], tuple[str, ...]] = {}

    def _external_id(self, m: DemoMessage) -> str:
        return f"{m.channel}:{m.idx}"

    def _author(self, m: DemoMessage) -> Author:
        a = self._authors.get(m.author.id)
        if a is None:
            a = self._authors[m.author.id] = Author(
                id=m.author.id, name=m.author.name, handle=m.author.handle, email=m.author.email,
                is_me=m.author.role == "me")
        return a

    def _routes(self, m: DemoMessage) -> tuple[str, ...]:
        key = (m.project, m.channel, m.author.email if m.channel == "email" else "")
        r = self._route_cache.get(key)
        if r is None:
            p = self._projects[m.project]
            if m.channel == "trello":
                r = (f"trello_board:{p.board_id}",)
            elif m.channel == "telegram":
                r = (f"telegram_chat:{p.chat_id}",)
            elif m.author.role == "client":
                r = (f"email:{m.author.email}", f"email_domain:{m.author.email.rsplit('@', 1)[-1]}")
            else:
                r = (f"email_domain:{p.domain}",)
            self._route_cache[key] = r
        return r

    def item(self, m: DemoMessage) -> Item:
        """The normalized item for one world message."""
        mentions = tuple(w[1:] for w in m.text.split() if w.startswith("@")) if "@" in m.text else ()
        source: Any = m.channel
        return Item(
            source=source,
            account=self.account,
            external_id=f"{m.channel}:{m.idx}",
            conversation=m.conv_key,
            conversation_title=m.conv_title,
            author=self._author(m),
            text=m.text,
            created_at=m.at,
            reply_to=None if m.reply_to is None else self._external_id(self.world.messages[m.reply_to]),
            mentions=mentions,
            mentions_me=bool(mentions) and any(h in mentions for h in self.me_handles),
            url=_url(m),
            routes=self._routes(m),
            members=tuple("me" if x == self.world.me.id else x for x in m.card_members) if m.card_members else (),
            meta={"subject": m.subject} if m.subject else {},
        )

    async def fetch(self, cursor: str | None) -> Batch:
        pos = int(cursor or 0)
        now = datetime.fromtimestamp(self.clock(), UTC)
        msgs = self.world.messages
        end = pos
        while end < len(msgs) and end - pos < PAGE and msgs[end].at <= now:
            end += 1
        items = [self.item(m) for m in msgs[pos:end]]
        more = end < len(msgs) and msgs[end].at <= now
        return Batch(items=items, cursor=str(end), more=more)

    def _sent(self) -> dict[str, dict[str, Any]]:
        if not self.sent_log.exists():
            return {}
        out: dict[str, dict[str, Any]] = {}
        for line in self.sent_log.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line after a crash: that send did not complete
            out[rec["key"]] = rec
        return out

    def _own_item(self, out: Outgoing, rec: dict[str, Any]) -> Item | None:
        if out.target:
            return None  # an escalation goes to the AM, not into the client thread
        me = self.world.me
        return Item(
            source="demo", account=self.account, external_id=rec["id"], conversation=out.conversation,
            conversation_title="", author=Author(id=me.id, name=me.name, handle=me.handle,
                                                 email=me.email, is_me=True),
            text=out.text, created_at=datetime.fromtimestamp(rec["at"], UTC), reply_to=out.reply_to,
        )

    async def send(self, out: Outgoing) -> SendResult:
        if os.environ.get("INSCOPE_DEMO_SEND_FAIL"):
            raise SourceError("demo delivery is switched off (INSCOPE_DEMO_SEND_FAIL)", retry_after=30)
        rec: dict[str, Any] = {"key": out.key, "id": f"sent:{out.key}", "conversation": out.conversation,
               "text": out.text, "target": out.target, "at": self.clock()}
        self.sent_log.parent.mkdir(parents=True, exist_ok=True)
        with self.sent_log.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return SendResult(remote_id=str(rec["id"]), item=self._own_item(out, rec))

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        rec = self._sent().get(out.key)
        if rec is None:
            return None
        return SendResult(remote_id=rec["id"], item=self._own_item(out, rec))

    async def aclose(self) -> None:
        return None


OPTIONS: dict[str, Opt] = {
    "size": Opt("int", "messages in the generated world", min=1),
    "seed": Opt("int", "the world's random seed"),
    "anchor": Opt("str", "the ISO time the world is built around"),
}
"""The options of the in-process demo account (``kind = "demo"``)."""


REPLY_LIMIT = ReplyLimit()
"""No limit a reply would reach."""


def build(ctx: SourceContext) -> Connector:
    """Options: ``size``, ``seed``, ``anchor`` (ISO time the world is built around)."""
    opts = ctx.options
    anchor = datetime.fromisoformat(str(opts["anchor"])) if "anchor" in opts else None
    world = generate(int(opts.get("size", 600)), int(opts.get("seed", 7)), anchor)
    base = ctx.data_dir or Path(".")
    return DemoConnector(ctx.account, world, base / "demo-sent.jsonl", ctx.me_handles)
