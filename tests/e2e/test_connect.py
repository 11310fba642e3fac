"""`inscope connect`: secrets to the keyring (or nowhere, with an explanation), TOML written, mapping asked."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from inscope import secrets as secrets_mod
from inscope.connect import connect
from sandbox.server import ServerThread
from sandbox.telegram_server import TelegramWorld
from sandbox.telegram_server import create_app as tg_app
from sandbox.trello_server import TrelloWorld
from sandbox.trello_server import create_app as trello_app

KEY, TOKEN = "k" * 32, "t0ken-" + "x" * 58
BOT = "123456789:AAH-test_token_for_the_bot_xyz"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend object (the library's API), storing in memory."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's base class is untyped
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.data.pop((service, username), None)


@pytest.fixture(autouse=True)
def restore_keyring() -> Iterator[None]:
    original = keyring.get_keyring()
    yield
    keyring.set_keyring(original)


@pytest.fixture
def trello() -> Iterator[str]:
    w = TrelloWorld()
    me = w.add_member("maria_seo", "Мария", token=TOKEN, key=KEY)
    w.add_board("Ромашка SEO", members=[me])
    w.add_board("ТехноМаркет", members=[me])
    with ServerThread(trello_app(w)) as srv:
        yield srv.url + "/1"


def answers(*values: str) -> object:
    it = iter(values)
    return lambda prompt: next(it)


def test_trello_with_keyring(trello: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    try:
        cfg = tmp_path / "config.toml"
        out: list[str] = []
        code = connect("trello", cfg, ask=answers("work", trello, "Ромашка", ""),  # type: ignore[arg-type]
                       ask_secret=answers(KEY, TOKEN), out=out.append)  # type: ignore[arg-type]
    finally:
        keyring.set_keyring(fail.Keyring())
    assert code == 0, out
    assert kr.data[("inscope", "work:token")] == TOKEN and kr.data[("inscope", "work:key")] == KEY
    text = cfg.read_text(encoding="utf-8")
    assert TOKEN not in text and KEY not in text
    data = tomllib.loads(text)
    assert data["accounts"] == [{"name": "work", "kind": "trello", "api_base": trello}]
    assert data["projects"][0]["name"] == "Ромашка" and len(data["projects"][0]["trello_boards"]) == 1
    assert any("signed in as Мария" in line for line in out)
    assert any("[[accounts]]" in line for line in out), "the TOML written is printed"


def test_trello_without_keyring_explains_and_writes_no_secret(
        trello: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    keyring.set_keyring(fail.Keyring())
    cfg = tmp_path / "config.toml"
    out: list[str] = []
    code = connect("trello", cfg, ask=answers("trello", trello, "", ""),  # type: ignore[arg-type]
                   ask_secret=answers(KEY, TOKEN), out=out.append)  # type: ignore[arg-type]
    assert code == 0
    joined = "\n".join(out)
    assert "No keyring backend" in joined and "INSCOPE_TRELLO_TOKEN" in joined
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert TOKEN.encode() not in f.read_bytes(), f


def test_trello_bad_token_is_a_clear_error(trello: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    out: list[str] = []
    code = connect("trello", tmp_path / "c.toml", ask=answers("t", trello),  # type: ignore[arg-type]
                   ask_secret=answers(KEY, "wrong-token-123"), out=out.append)  # type: ignore[arg-type]
    assert code == 1 and "token was rejected" in out[-1] and "wrong-token-123" not in out[-1]
    assert not (tmp_path / "c.toml").exists(), "nothing is written when the check fails"


def test_telegram_reports_privacy_mode_and_maps_chats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    w = TelegramWorld()
    w.add_bot(BOT, "agency_bot", can_read_all_group_messages=False)
    w.add_chat(-100555, "Ромашка · SEO")
    w.post(-100555, from_user={"id": 42, "first_name": "Иван"}, text="привет")
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    try:
        with ServerThread(tg_app(w)) as srv:
            out: list[str] = []
            code = connect("telegram", tmp_path / "c.toml",
                           ask=answers("tg", srv.url, "Ромашка"),  # type: ignore[arg-type]
                           ask_secret=answers(BOT), out=out.append)  # type: ignore[arg-type]
            assert w.pending(BOT) == 1, "listing chats confirms no update"
    finally:
        keyring.set_keyring(fail.Keyring())
    assert code == 0, out
    assert any("privacy mode is ON" in line for line in out)
    assert kr.data[("inscope", "tg:token")] == BOT
    data = tomllib.loads((tmp_path / "c.toml").read_text(encoding="utf-8"))
    assert data["projects"][0]["telegram_chats"] == ["-100555"]


def test_env_fallback_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("INSCOPE_TELEGRAM_TOKEN", BOT)
    assert secrets_mod.get_secret("tg", "telegram", "token") == BOT
    monkeypatch.setenv("INSCOPE_TG_TOKEN", "123:account-specific-wins")
    assert secrets_mod.get_secret("tg", "telegram", "token") == "123:account-specific-wins"
