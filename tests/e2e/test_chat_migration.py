"""A Telegram group upgraded to a supergroup keeps its history, its thread and its project."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest

from inscope.workspace import Workspace
from sandbox.server import ServerThread
from sandbox.telegram_server import TelegramWorld, create_app

BOT = "555000111:AAmigrateTestTokenXYZ"
IVAN = {"id": 42, "first_name": "Иван", "username": "ivan_client"}


def test_migration_keeps_history_thread_and_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = TelegramWorld()
    world.add_bot(BOT, "agency_bot")
    world.add_chat(-4002, "Ромашка", type="group")
    world.post(-4002, from_user=IVAN, text="Сайт не открывается")
    with ServerThread(create_app(world)) as srv:
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[[accounts]]\nname = "tg"\nkind = "telegram"\napi_base = "{srv.url}"\npoll_timeout = 0\n\n'
            '[[projects]]\nname = "Ромашка"\ntelegram_chats = ["-4002"]\n', encoding="utf-8")
        monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
        monkeypatch.setenv("INSCOPE_TG_TOKEN", BOT)
        ws = Workspace.open(config_path=cfg)
        store = ws.store()
        engine = ws.engine(store)

        async def rounds() -> list[str]:
            notes: list[str] = []
            rep = await engine.sync_all()
            notes += rep.notes
            world.migrate(-4002, -1004002)
            world.post(-1004002, from_user=IVAN, text="Теперь пишу в супергруппу")
            for _ in range(2):
                rep = await engine.sync_all()
                notes += rep.notes
            await engine.aclose()
            return notes

        notes = asyncio.run(rounds())
    assert any("became -1004002" in n and "Ромашка" in n for n in notes), notes
    threads = store.view_index("all")
    assert len(threads) == 1, "one conversation, re-keyed — not a second thread"
    th = store.thread(threads[0][0])
    assert th.project == "Ромашка" and th.msg_count == 2
    assert store.conversation_of(th.id)[1] == "-1004002"
    assert "-1004002" in tomllib.loads(cfg.read_text(encoding="utf-8"))["projects"][0]["telegram_chats"]
    store.close()
    ws.close()
