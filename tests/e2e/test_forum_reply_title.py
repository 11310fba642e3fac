"""A reply sent from the CLI into a forum topic keeps the thread's topic name.

The CLI's connector is fresh: it has not seen the topic's creation, so the copy of our
own message it returns carries only the group's title.  That guess must not rename the
thread ("Клиент Форум · Контекст" → "Клиент Форум") in the inbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inscope.cli import main
from inscope.store import Store
from sandbox.server import ServerThread
from sandbox.telegram_server import TelegramWorld, create_app

TOKEN = "555000222:AAforumTitleTokenXYZ"
IVAN = {"id": 42, "first_name": "Иван", "username": "ivan_client"}


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TelegramWorld]:
    w = TelegramWorld()
    w.add_bot(TOKEN, "agency_bot")
    w.add_chat(-1007001, "Клиент Форум", type="supergroup", is_forum=True)
    topic = w.add_topic(-1007001, "Контекст")
    w.post(-1007001, from_user=IVAN, text="Когда будет отчёт по контексту?", topic_id=topic)
    with ServerThread(create_app(w)) as srv:
        home = tmp_path / "home"
        home.mkdir()
        (home / "config.toml").write_text(
            f'[[accounts]]\nname = "tg"\nkind = "telegram"\napi_base = "{srv.url}"\npoll_timeout = 0\n'
            'pace_chat_seconds = 0\n\n[[projects]]\nname = "Клиент"\ntelegram_chats = ["-1007001"]\n',
            encoding="utf-8")
        monkeypatch.setenv("INSCOPE_HOME", str(home))
        monkeypatch.setenv("INSCOPE_TELEGRAM_TOKEN", TOKEN)
        yield w


def test_a_cli_reply_into_a_topic_keeps_the_topic_in_the_title(world: TelegramWorld, tmp_path: Path) -> None:
    assert main(["sync", "--once"]) == 0
    store = Store(tmp_path / "home" / "inscope.db")
    (tid, _, _), = store.view_index("all")
    assert store.thread(tid).title == "Клиент Форум · Контекст"
    assert main(["reply", str(tid), "-m", "Отчёт будет в пятницу"]) == 0
    assert [m["text"] for m in world.sent(-1007001)] == ["Отчёт будет в пятницу"]
    th = store.thread(tid)
    assert th.title == "Клиент Форум · Контекст" and th.msg_count == 2
    store.close()
