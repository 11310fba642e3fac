"""Connector registry: account kind → the module whose ``build(ctx)`` makes its connector.

Imports are lazy so start-up pays only for the connectors actually configured.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from connectors.base import Connector, SourceContext
from inscope.config import AccountCfg, Config
from inscope.secrets import get_secret

REGISTRY: dict[str, str] = {
    "demo": "sandbox.demo.connector",  # the demo's own; reached by name, not imported
    "trello": "connectors.trello",
    "telegram": "connectors.telegram",
    "imap": "connectors.email.imap",
    "maildir": "connectors.email.maildir",
}
"""Kinds that only send (``smtp``) are used by the receiving accounts that name them."""


class UnknownKind(ValueError):
    pass


def context_for(cfg: Config, acc: AccountCfg, data_dir: Path | None) -> SourceContext:
    def secret(name: str) -> str | None:
        return get_secret(acc.name, acc.kind, name)

    def other_secret(account: str, name: str) -> str | None:
        other = cfg.account(account)
        return get_secret(account, other.kind if other else account, name)

    return SourceContext(
        account=acc.name,
        kind=acc.kind,
        options=dict(acc.options),
        secret=secret,
        me_name=cfg.me.name,
        me_handles=tuple(cfg.me.handles),
        me_emails=tuple(cfg.me.emails),
        signature=cfg.me.signature,
        data_dir=data_dir,
        other_accounts={a.name: {"kind": a.kind, **a.options} for a in cfg.accounts},
        other_secret=other_secret,
    )


def build(cfg: Config, acc: AccountCfg, data_dir: Path | None = None) -> Connector:
    """Make the connector for one ``[[accounts]]`` entry."""
    mod_name = REGISTRY.get(acc.kind)
    if mod_name is None:
        raise UnknownKind(f"account {acc.name!r}: unknown kind {acc.kind!r} (one of {sorted(REGISTRY)})")
    mod = importlib.import_module(mod_name)
    conn: Connector = mod.build(context_for(cfg, acc, data_dir))
    return conn


def receiving_accounts(cfg: Config) -> list[AccountCfg]:
    """Accounts that are polled (every kind with a connector)."""
    return [a for a in cfg.accounts if a.kind in REGISTRY and not a.options.get("disabled", False)]
