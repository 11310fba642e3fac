"""The core's side of the registry: which configured accounts are polled, and their context."""

from __future__ import annotations

from inscope import config, sources


def test_core_polls_only_enabled_accounts_of_receiving_kinds() -> None:
    cfg = config.parse({"accounts": [
        {"name": "board", "kind": "trello"},
        {"name": "out", "kind": "smtp", "host": "mail.example"},
        {"name": "mail", "kind": "imap", "host": "mail.example", "smtp": "out"},
        {"name": "old", "kind": "telegram", "disabled": True},
        {"name": "odd", "kind": "fax"},
    ]})
    assert [a.name for a in sources.receiving_accounts(cfg)] == ["board", "mail"]
    ctx = sources.context_for(cfg, cfg.accounts[2], None)
    assert ctx.kind == "imap" and ctx.other_accounts["out"] == {"kind": "smtp", "host": "mail.example"}
