"""The demo world's people and messages in each protocol's own shape.

Telegram user objects (with a numeric id derived from the person, stable across
runs) and RFC 5322 e-mails (Message-ID, In-Reply-To and References threading a
conversation on its first message).  The demo's services, the benchmarks and the
tests build their sources from these.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sandbox.demo.world import DemoMessage, Person, World


def tg_user_id(p: Person) -> int:
    """The person's Telegram user id: derived from the world's id, so it survives a restart."""
    return 100_000_000 + int(hashlib.sha1(p.id.encode()).hexdigest()[:7], 16)


def tg_user(p: Person) -> dict[str, Any]:
    """The Bot API ``User`` object of a person."""
    first, _, last = p.name.partition(" ")
    u: dict[str, Any] = {"id": tg_user_id(p), "is_bot": False, "first_name": first, "username": p.handle}
    if last:
        u["last_name"] = last
    return u


def email_bytes(world: World, m: DemoMessage, first_of_conv: dict[str, int]) -> bytes:
    """One e-mail message of the world, threaded under ``first_of_conv[m.conv_key]``."""
    proj = next(p for p in world.projects if p.name == m.project)
    msg = EmailMessage()
    root = m.conv_key
    own_id = root if first_of_conv.get(root) == m.idx else f"<demo-{world.seed}-{m.idx}@{m.author.email.split('@')[1]}>"
    msg["Message-ID"] = own_id
    msg["From"] = f"{m.author.name} <{m.author.email}>"
    to = world.me if m.author.role != "me" else proj.clients[0]
    msg["To"] = f"{to.name} <{to.email}>"
    if m.author.role in ("team", "am"):
        msg["Cc"] = f"{proj.clients[0].name} <{proj.clients[0].email}>"
    msg["Subject"] = m.subject if own_id == root else f"Re: {m.subject}"
    msg["Date"] = format_datetime(m.at)
    if own_id != root:
        msg["In-Reply-To"] = root
        msg["References"] = root
    msg.set_content(m.text)
    return bytes(msg)
