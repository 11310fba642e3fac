"""Which module makes the connector for each account kind, and which kinds only send.

The table holds module *names*: a module is imported the first time an account of its
kind is built, so start-up pays only for the connectors actually configured.  This
module knows nothing about the config file: the core turns an ``[[accounts]]`` entry
into a :class:`~connectors.base.SourceContext` and hands it to :func:`build`.
"""

from __future__ import annotations

import importlib

from connectors.base import Connector, SourceContext

REGISTRY: dict[str, str] = {
    "demo": "sandbox.demo.connector",
    "trello": "connectors.trello",
    "telegram": "connectors.telegram",
    "telegram_user": "connectors.telegram_user",
    "imap": "connectors.email.imap",
    "maildir": "connectors.email.maildir",
}
"""Receiving kinds → the module whose ``build(ctx)`` makes their connector."""

SEND_ONLY: frozenset[str] = frozenset({"smtp"})
"""Kinds with no connector of their own: a receiving account names one of these
(e.g. ``smtp = "name"`` on an IMAP account) to send its replies through it."""


class UnknownKind(ValueError):
    """An account kind that no connector receives for."""


def receives(kind: str) -> bool:
    """Whether accounts of ``kind`` are polled (they have a connector)."""
    return kind in REGISTRY


def module_for(kind: str) -> str:
    """The module name for ``kind``; :class:`UnknownKind` (saying why) when it has none."""
    mod_name = REGISTRY.get(kind)
    if mod_name is not None:
        return mod_name
    if kind in SEND_ONLY:
        raise UnknownKind(f"kind {kind!r} only sends: name this account from a receiving "
                          f"one (e.g. {kind} = \"<account>\") instead of polling it")
    raise UnknownKind(f"unknown kind {kind!r} (one of {sorted(REGISTRY)})")


def build(ctx: SourceContext) -> Connector:
    """Import the module for ``ctx.kind`` (once) and make the account's connector."""
    try:
        mod_name = module_for(ctx.kind)
    except UnknownKind as e:
        raise UnknownKind(f"account {ctx.account!r}: {e}") from None
    conn: Connector = importlib.import_module(mod_name).build(ctx)
    return conn
