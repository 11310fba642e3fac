"""The user account end to end: sign-in wizard, doctor, bot + user at once, read marks,
and no session string anywhere on disk.

The core, the store, the config and (for the bot) the sandbox Bot API server are real;
the Telethon client is the fake of tests/connectors/telegram_user_fake.py, put in place
of ``connectors.telegram_user.client.make_client``.  What this does not prove: that
Telegram's servers answer like the fake (see that module's docstring).
"""

from __future__ import annotations

import asyncio
import logging
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from connectors.telegram_user import NOT_SIGNED_IN
from connectors.telegram_user import client as client_mod
from inscope.cli import main
from inscope.connect import connect
from inscope.workspace import Workspace
from sandbox.server import ServerThread
from sandbox.telegram_server import TelegramWorld, create_app
from tests.connectors.telegram_user_fake import (
    ANNA,
    API_HASH,
    API_ID,
    SESSION,
    FakeClient,
    FakeTelegram,
    basic_group,
    channel,
)
from tests.e2e.test_connect import MemoryKeyring, answers

BOT = "555000222:AAbotAndUserTokenXYZ"
SHARED = 1400000001  # a client group both the bot and the specialist are in
BOT_ONLY = 1400000002  # listed in the bot's `chats`
MINE = 1400000003  # only the user account lists it


@pytest.fixture(autouse=True)
def restore_keyring() -> Iterator[None]:
    original = keyring.get_keyring()
    yield
    keyring.set_keyring(original)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> FakeTelegram:
    w = FakeTelegram()
    monkeypatch.setattr(client_mod, "make_client",
                        lambda s, i, h: FakeClient(w, s, i, h, qr_scans_after=1))
    return w


def marked(cid: int) -> int:
    return int(f"-100{cid}")


# -- the wizard ------------------------------------------------------------------------------------

def test_connect_user_with_code_and_2fa(world: FakeTelegram, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    world.password = "облако"
    g = world.add_chat(channel(SHARED, "Ромашка · SEO"))
    world.add_chat(channel(BOT_ONLY, "ТехноМаркет"))
    world.add_chat(ANNA)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[[accounts]]\nname = "tg"\nkind = "telegram"\nchats = [{marked(BOT_ONLY)}]\n',
                   encoding="utf-8")
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    out: list[str] = []
    code = connect("telegram_user", cfg,
                   ask=answers("me", str(API_ID), "c", "+7 900 000-00-00",  # type: ignore[arg-type]
                               "ТехноМаркет",  # the TechnoMarket group (listed by the bot)
                               "Ромашка",  # the Romashka group
                               "y", "-"),  # private chats: Anna, without a project
                   ask_secret=answers(API_HASH, "000", "12345", "облако"),  # type: ignore[arg-type]
                   out=out.append)
    text = "\n".join(out)
    assert code == 0, text
    assert "my.telegram.org" in text and "API development tools" in text
    assert "that code is not right" in text and "cloud password" in text
    assert kr.data[("inscope", "me:session")] == SESSION
    assert kr.data[("inscope", "me:api_hash")] == API_HASH
    written = cfg.read_text(encoding="utf-8")
    assert SESSION not in written and API_HASH not in written
    conf = tomllib.loads(written)
    acc = next(a for a in conf["accounts"] if a["name"] == "me")
    assert acc["kind"] == "telegram_user" and acc["api_id"] == API_ID
    assert sorted(acc["chats"]) == sorted([g, marked(BOT_ONLY), ANNA.id])
    projects = {p["name"]: p for p in conf["projects"]}
    assert projects["Ромашка"]["telegram_chats"] == [str(g)]
    assert "keeps reading it" in text  # the bot owns TechnoMarket, and it says so


def test_connect_user_with_qr(world: FakeTelegram, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    out: list[str] = []
    code = connect("telegram_user", tmp_path / "config.toml",
                   ask=answers("me", str(API_ID), "q"),  # type: ignore[arg-type]
                   ask_secret=answers(API_HASH), out=out.append)  # type: ignore[arg-type]
    assert code == 0, out
    assert sum("Link Desktop Device" in line for line in out) == 2  # one expired, renewed
    assert any("█" in line for line in out)  # the QR code itself
    assert kr.data[("inscope", "me:session")] == SESSION


def test_connect_user_refuses_without_a_keyring(world: FakeTelegram, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    keyring.set_keyring(fail.Keyring())
    out: list[str] = []
    code = connect("telegram_user", tmp_path / "config.toml", ask=answers(),  # type: ignore[arg-type]
                   ask_secret=answers(), out=out.append)  # type: ignore[arg-type]
    assert code == 1 and "only in a keyring" in out[0]
    assert not (tmp_path / "config.toml").exists() and world.requests == []


def test_cli_connect_user_flag_goes_to_the_user_wizard(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    import inscope.connect as connect_mod

    def fake_connect(kind: str, path: object) -> int:
        seen.append(kind)
        return 0

    monkeypatch.setattr(connect_mod, "connect", fake_connect)
    assert main(["connect", "telegram", "--user"]) == 0 and seen == ["telegram_user"]
    assert main(["connect", "trello", "--user"]) == 2


# -- doctor --------------------------------------------------------------------------------------------

def _user_config(tmp_path: Path, extra: str = "") -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[[accounts]]\nname = "me"\nkind = "telegram_user"\napi_id = {API_ID}\n'
                   f'chats = [{marked(MINE)}]\n\n[[projects]]\nname = "Ромашка"\n'
                   f'telegram_chats = ["{marked(MINE)}"]\n' + extra, encoding="utf-8")
    return cfg


def test_doctor_says_not_signed_in(world: FakeTelegram, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    keyring.set_keyring(fail.Keyring())
    cfg = _user_config(tmp_path)
    assert main(["--config", str(cfg), "doctor"]) == 1
    printed = capsys.readouterr().out
    assert f"me               {NOT_SIGNED_IN}" in printed
    assert "disabled" in printed  # the account itself is disabled with the same words
    # Revoked: the session is there, Telegram no longer accepts it.
    monkeypatch.setenv("INSCOPE_ME_SESSION", SESSION)
    monkeypatch.setenv("INSCOPE_ME_API_HASH", API_HASH)
    world.revoke()
    assert main(["--config", str(cfg), "doctor"]) == 1
    printed = capsys.readouterr().out
    assert "revoked" in printed and NOT_SIGNED_IN in printed
    assert SESSION not in printed and API_HASH not in printed


# -- a bot and the user account at once -------------------------------------------------------------

def test_bot_and_user_account_one_thread_per_chat(world: FakeTelegram, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    tg = TelegramWorld()
    tg.add_bot(BOT, "agency_bot")
    ivan = {"id": 2000, "first_name": "Иван", "username": "ivan_client"}
    for cid, title in ((SHARED, "Ромашка"), (BOT_ONLY, "ТехноМаркет"), (MINE, "Альфа")):
        tg.add_chat(marked(cid), title)
        world.add_chat(channel(cid, title))
        tg.post(marked(cid), from_user=ivan, text=f"вопрос в {title}")
        world.post(marked(cid), f"вопрос в {title}")
    world.add_chat(channel(1400000009, "Чужой чат"))  # she is in it; nobody lists it
    world.post(marked(1400000009), "не для inscope")
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    monkeypatch.setenv("INSCOPE_TG_TOKEN", BOT)
    monkeypatch.setenv("INSCOPE_ME_SESSION", SESSION)
    monkeypatch.setenv("INSCOPE_ME_API_HASH", API_HASH)
    with ServerThread(create_app(tg)) as srv:
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[[accounts]]\nname = "tg"\nkind = "telegram"\napi_base = "{srv.url}"\npoll_timeout = 0\n'
            f'chats = [{marked(BOT_ONLY)}]\n\n'
            f'[[accounts]]\nname = "me"\nkind = "telegram_user"\napi_id = {API_ID}\n'
            f'chats = [{marked(SHARED)}, {marked(BOT_ONLY)}, {marked(MINE)}]\n\n'
            # A second bot without a `chats` list: it reads every chat it is in, except the
            # ones the user account reads.
            f'[[accounts]]\nname = "tg2"\nkind = "telegram"\napi_base = "{srv.url}"\npoll_timeout = 0\n\n'
            f'[[projects]]\nname = "Ромашка"\ntelegram_chats = ["{marked(SHARED)}"]\n',
            encoding="utf-8")
        monkeypatch.setenv("INSCOPE_TG2_TOKEN", "555000333:AAsecondBotToken")
        tg.add_bot("555000333:AAsecondBotToken", "second_bot")
        tg.post(marked(SHARED), from_user=ivan, text="второй бот тоже видит")
        tg.post(marked(BOT_ONLY), from_user=ivan, text="и здесь тоже")
        ws = Workspace.open(config_path=cfg)
        store = ws.store()
        engine = ws.engine(store)

        async def go() -> Any:
            rep = await engine.sync_all()
            await engine.aclose()
            return rep

        rep = asyncio.run(go())
    rows = store.threads_by_id([r[0] for r in store.view_index("all")])
    by_conv: dict[str, list[str]] = {}
    for tid in rows:
        account, conv = store.conversation_of(tid)
        by_conv.setdefault(conv, []).append(account)
    assert by_conv == {str(marked(SHARED)): ["me"], str(marked(BOT_ONLY)): ["tg"],
                       str(marked(MINE)): ["me"]}, (by_conv, rep.errors)
    assert any("read by the bot account 'tg'" in n for n in rep.notes)
    project = {rows[t].project for t in rows if store.conversation_of(t)[1] == str(marked(SHARED))}
    assert project == {"Ромашка"}
    store.close()


# -- read marks driven by the engine ------------------------------------------------------------------

def test_done_marks_the_chat_read(world: FakeTelegram, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    g = world.add_chat(channel(MINE, "Альфа"))
    world.post(g, "первое")
    world.post(g, "второе")
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    monkeypatch.setenv("INSCOPE_ME_SESSION", SESSION)
    monkeypatch.setenv("INSCOPE_ME_API_HASH", API_HASH)
    ws = Workspace.open(config_path=_user_config(tmp_path))
    store = ws.store()
    engine = ws.engine(store)

    async def go() -> None:
        await engine.sync_all()
        assert world.read == []  # synced, not read: nothing marked
        tid = store.view_index("all")[0][0]
        ws.actions(store).done([tid])
        await engine.sync_all()
        await engine.sync_all()
        await engine.aclose()

    asyncio.run(go())
    assert world.read == [(str(g), 2, None)]
    store.close()


# -- no session string on disk ---------------------------------------------------------------------------

def test_session_leaves_no_secret_on_disk(world: FakeTelegram, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A session: sync, a reply, an escalation to the AM, done, a revoked session — then grep
    the data dir (DB and side files), the config and a DEBUG log for the session and api_hash."""
    log_path = tmp_path / "session.log"
    handler = logging.FileHandler(log_path)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    levels = {n: logging.getLogger(n).level for n in ("inscope", "connectors")}
    for n in levels:
        logging.getLogger(n).setLevel(logging.DEBUG)
    g = world.add_chat(channel(MINE, "Альфа"))
    world.add_chat(ANNA)
    old_group = world.add_chat(basic_group(555, "Старая группа"))
    world.post(g, "Маша, когда отчёт?")
    world.post(old_group, "x")
    home = tmp_path / "home"
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    monkeypatch.setenv("INSCOPE_ME_SESSION", SESSION)
    monkeypatch.setenv("INSCOPE_ME_API_HASH", API_HASH)
    cfg = _user_config(tmp_path, '[projects.account_manager]\nname = "Анна"\ntelegram = "@anna_am"\n')
    try:
        ws = Workspace.open(config_path=cfg)
        store = ws.store()
        engine = ws.engine(store)

        async def go() -> Any:
            await engine.sync_all()
            tid = store.view_index("all")[0][0]
            act = ws.actions(store)
            act.reply(tid, "Сегодня до 18:00", confirmed=True)
            await engine.sync_all()
            act.escalate([tid], "клиент торопит")
            await engine.sync_all()
            act.done([tid])
            await engine.sync_all()
            world.revoke()
            for c in world.clients:
                c._connected = False  # the server dropped us; the reconnect is refused
            for st in engine.status.values():
                st.next_try = 0
            rep = await engine.sync_all()
            await engine.aclose()
            return rep

        rep = asyncio.run(go())
        assert NOT_SIGNED_IN in rep.errors["me"]
        sent = [m.message for m in world.messages(g)]
        assert "Сегодня до 18:00" in sent
        assert any(m.message.startswith("Escalation from") for m in world.messages(ANNA.id))
        accounts = {a["name"]: a for a in store.accounts()}
        assert accounts["me"]["disabled"] and NOT_SIGNED_IN in accounts["me"]["last_error"]
        store.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)
        handler.close()
    traces = {"log": log_path.read_bytes(), "config": cfg.read_bytes()}
    for p in home.rglob("*"):
        if p.is_file():
            traces[str(p)] = p.read_bytes()
    assert b"delivered" in traces["log"] and b"item(s)" in traces["log"] and any("inscope.db" in k for k in traces)
    secrets = [SESSION, API_HASH, SESSION[1:40]]
    leaks = {k: [s for s in secrets if s.encode() in v] for k, v in traces.items()}
    assert not any(leaks.values()), leaks



def test_connect_keeps_the_session_when_the_chat_list_fails(world: FakeTelegram, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    world.fail("iter_dialogs", ConnectionError("reset"))
    out: list[str] = []
    code = connect("telegram_user", tmp_path / "config.toml",
                   ask=answers("me", str(API_ID), "c", "+79000000000"),  # type: ignore[arg-type]
                   ask_secret=answers(API_HASH, "12345"), out=out.append)  # type: ignore[arg-type]
    assert code == 0 and any("could not list your chats" in line for line in out)
    assert kr.data[("inscope", "me:session")] == SESSION
