"""The connector registry: kind → module, imported only when an account of that kind is built."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connectors import registry
from connectors.base import SourceContext
from connectors.trello import TrelloConnector

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_registry_imports_no_connector() -> None:
    code = ("import sys, connectors.registry\n"
            "print(sorted(m for m in sys.modules if m.startswith(('connectors.', 'inscope'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    # The protocol and the option checker only: no connector module (each imports on use).
    assert out.strip() == "['connectors.base', 'connectors.options', 'connectors.registry']"


def test_receiving_and_send_only_kinds() -> None:
    assert all(registry.receives(k) for k in ("trello", "telegram", "imap", "maildir", "demo"))
    assert not registry.receives("smtp") and "smtp" in registry.SEND_ONLY
    assert registry.module_for("telegram") == "connectors.telegram"
    with pytest.raises(registry.UnknownKind, match="only sends"):
        registry.module_for("smtp")
    with pytest.raises(registry.UnknownKind, match=r"unknown kind 'trelo' \(one of \['demo'"):
        registry.module_for("trelo")


def test_build_makes_the_connector_from_a_context() -> None:
    ctx = SourceContext(account="t", kind="trello", options={},
                        secret={"key": "registryTestKey01", "token": "registryTestToken01"}.get)
    assert isinstance(registry.build(ctx), TrelloConnector)
    with pytest.raises(registry.UnknownKind, match="account 'x': unknown kind 'fax'"):
        registry.build(SourceContext(account="x", kind="fax", options={}, secret=lambda n: None))
