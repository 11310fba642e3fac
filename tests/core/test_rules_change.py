"""Editing the rules in the config re-triages what is stored, once, before the next round."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.workspace import Workspace

CONFIG = '''
[windows]
reply = []

[[projects]]
name = "Acme"
importance = "{importance}"
telegram_chats = ["-1001"]
'''


def test_a_changed_config_retriages_every_thread_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG.format(importance="normal"), encoding="utf-8")
    ws = Workspace.open()
    store = ws.store()
    h = ws.hooks()
    it = Item(source="telegram", account="tg", external_id="m1", conversation="-1001",
              conversation_title="Acme", author=Author(id="u1", name="Иван"), text="Когда отчёт?",
              created_at=datetime.now(UTC) - timedelta(minutes=5), routes=("telegram_chat:-1001",))
    store.apply_batch("tg", [it], "c", project_of=h.project_of, role_of=h.role_of, role_in=h.role_in,
                      triage=h.triage())
    (tid, _, _), = store.view_index("all")
    engine = ws.engine(store)
    first = asyncio.run(engine.sync_all())  # first round: stamps the rules it triaged with
    assert "VIP client" not in store.thread(tid).reasons
    assert first.retriaged == 1 and first.changed
    again = asyncio.run(engine.sync_all())
    assert again.retriaged == 0  # same rules: nothing redone
    store.close()

    cfg.write_text(CONFIG.format(importance="vip"), encoding="utf-8")
    ws2 = Workspace.open()
    store2 = ws2.store()
    rep = asyncio.run(ws2.engine(store2).sync_all())
    assert rep.retriaged == 1 and any("re-triaged" in n for n in rep.notes)
    assert "VIP client" in store2.thread(tid).reasons
    store2.close()
