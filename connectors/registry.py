"""Which module makes the connector for each account kind, and which kinds only send.

The table holds module *names*: a module is imported the first time an account of its
kind is built, so start-up pays only for the connectors actually configured.  This
module knows nothing about the config file: the core turns an ``[[accounts]]`` entry
into a :class:`~connectors.base.SourceContext` and hands it to :func:`build`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol, cast, runtime_checkable

from connectors.base import Connector, ReplyLimit, SourceContext
from connectors.options import Opt, check

REGISTRY: dict[str, str] = {
    "demo": "sandbox.demo.connector",
    "trello": "connectors.trello",
    "telegram": "connectors.telegram",
    "telegram_user": "connectors.telegram_user",
    "imap": "connectors.email.imap",
    "maildir": "connectors.email.maildir",
}
"""Receiving kinds → the module whose ``build(ctx)`` makes their connector."""

SEND_ONLY: dict[str, str] = {"smtp": "connectors.email.smtp"}
"""Kinds with no connector of their own (→ the module that declares their options): a
receiving account names one of these (e.g. ``smtp = "name"`` on an IMAP account) to send
its replies through it."""


class ConnectorModule(Protocol):
    """What a connector module exposes: its account options and its factory."""

    OPTIONS: Mapping[str, Opt]
    REPLY_LIMIT: ReplyLimit

    def build(self, ctx: SourceContext) -> Connector: ...


@runtime_checkable
class HasPreflight(Protocol):
    """A connector module that can say what an account still lacks, without the network."""

    def preflight(self, ctx: SourceContext) -> list[str]: ...


def preflight(ctx: SourceContext) -> list[str]:
    """What ``ctx``'s account lacks (missing login, secret, SMTP, From …); ``[]`` if complete
    or if its kind cannot tell.  Options are checked first (``OptionError`` if bad)."""
    mod_name = REGISTRY.get(ctx.kind) or SEND_ONLY.get(ctx.kind)
    if mod_name is None:
        return []
    mod = _module(mod_name)
    if not isinstance(mod, HasPreflight):
        return []
    return mod.preflight(replace(ctx, options=check(mod.OPTIONS, ctx.options)))


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


def _module(name: str) -> ConnectorModule:
    return cast(ConnectorModule, importlib.import_module(name))


def check_options(kind: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The options of an account of ``kind``, typed; ``OptionError`` / ``UnknownKind`` if not."""
    mod_name = REGISTRY.get(kind) or SEND_ONLY.get(kind) or module_for(kind)
    return check(_module(mod_name).OPTIONS, options)


def reply_limit(kind: str) -> ReplyLimit:
    """How long a reply accounts of ``kind`` can deliver (``ReplyLimit()``: no limit)."""
    return _module(module_for(kind)).REPLY_LIMIT


def build(ctx: SourceContext) -> Connector:
    """Check the account's options against its kind's ``OPTIONS``, then make its connector.

    Raises ``UnknownKind``, ``OptionError`` (naming the key), or whatever the connector's
    own ``build`` refuses (e.g. a fatal ``SourceError`` for missing credentials).
    """
    try:
        mod_name = module_for(ctx.kind)
    except UnknownKind as e:
        raise UnknownKind(f"account {ctx.account!r}: {e}") from None
    mod = _module(mod_name)
    return mod.build(replace(ctx, options=check(mod.OPTIONS, ctx.options)))
