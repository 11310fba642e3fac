"""From ``[[accounts]]`` to connectors: the core's side of the connector registry.

``connectors.registry`` maps kinds to modules and builds from a ``SourceContext``;
this module makes that context from the config and the secret store, which only the
core knows about.
"""

from __future__ import annotations

from pathlib import Path

from connectors import registry
from connectors.base import Connector, SourceContext
from inscope.config import AccountCfg, Config
from inscope.secrets import get_secret, store_secret


def context_for(cfg: Config, acc: AccountCfg, data_dir: Path | None) -> SourceContext:
    """The factory input for one account: its options, its secrets (looked up lazily), me."""

    def secret(name: str) -> str | None:
        return get_secret(acc.name, acc.kind, name)

    def other_secret(account: str, name: str) -> str | None:
        other = cfg.account(account)
        return get_secret(account, other.kind if other else account, name)

    def save_secret(account: str, name: str, value: str) -> None:
        other = cfg.account(account)
        store_secret(account, other.kind if other else account, name, value)

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
        save_secret=save_secret,
    )


def build(cfg: Config, acc: AccountCfg, data_dir: Path | None = None) -> Connector:
    """Make the connector for one ``[[accounts]]`` entry (``registry.UnknownKind`` if none)."""
    return registry.build(context_for(cfg, acc, data_dir))


def receiving_accounts(cfg: Config) -> list[AccountCfg]:
    """Accounts that are polled: every enabled one whose kind has a connector."""
    return [a for a in cfg.accounts if registry.receives(a.kind) and not a.options.get("disabled", False)]
