"""`inscope connect`: secrets to the keyring (or nowhere, with an explanation), TOML written, mapping asked."""

from __future__ import annotations

import asyncio
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


def test_email_oauth2_sign_in_then_sync_against_dovecot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``inscope connect email`` signs in to "Microsoft" (msal's device-code flow against a loopback
    stand-in with its own CA), keeps the refresh token in the keyring, writes the account; a sync
    then logs in to a real Dovecot with XOAUTH2 and reads the mail."""
    import ssl
    import subprocess
    import threading

    from imapclient import IMAPClient

    from sandbox.dovecot import PASSWORD, USER, Dovecot
    from sandbox.oauth_server import OAuthServer
    from tests.requires import dovecot_or_skip, openssl_or_skip

    pytest.importorskip("msal", reason="the oauth extra (msal) is not installed")
    openssl_or_skip()
    crt, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(crt)],
                   check=True, capture_output=True)
    # The stand-in's CA, trusted the way a user behind a corporate CA does (requests and httpx).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(crt))
    monkeypatch.setenv("SSL_CERT_FILE", str(crt))
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(crt), str(key))
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    with OAuthServer(tls=tls) as provider:
        provider.world.clients["app-id"] = ""
        dv = Dovecot(dovecot_or_skip(), oauth2_introspection_url=provider.introspection_url,
                     oauth2_ca_file=str(crt)).start()
        try:
            admin = IMAPClient(dv.host, port=dv.port, ssl=False)
            admin.login(USER, PASSWORD)
            admin.append("INBOX", b"From: ivan@client.ru\r\nTo: anna@agency.test\r\nSubject: Hi\r\n"
                                  b"Message-ID: <connect-1@client.ru>\r\n\r\nHello\r\n")
            admin.logout()
            out: list[str] = []

            def show(line: str) -> None:
                out.append(line)
                if "enter the code" in line:  # the user signs in on another device
                    threading.Timer(0.2, provider.approve, args=(line.rsplit(" ", 1)[-1].rstrip("."), USER)).start()

            cfg = tmp_path / "config.toml"
            code = connect("email", cfg, ask=answers(  # type: ignore[arg-type]
                "o365", "imap", dv.host, str(dv.port), "none", USER, "", "oauth2", "microsoft", "app-id",
                "common", provider.authority, "", ""), ask_secret=answers(), out=show)  # type: ignore[arg-type]
            assert code == 0, out
            stored = kr.data[("inscope", "o365:oauth2_refresh_token")]
            assert stored in provider.world.refresh
            text = cfg.read_text(encoding="utf-8")
            assert stored not in text
            acc = tomllib.loads(text)["accounts"][0]
            assert acc["auth"] == "oauth2" and acc["oauth2_client_id"] == "app-id"

            from inscope.workspace import Workspace

            ws = Workspace.open(config_path=cfg)
            store = ws.store()
            engine = ws.engine(store)
            try:
                report = asyncio.run(engine.sync_all())
            finally:
                asyncio.run(engine.aclose())
            assert report.errors == {} and report.inserted == 1
            store.close()
            ws.close()
        finally:
            keyring.set_keyring(fail.Keyring())
            dv.stop()


def test_email_oauth2_without_msal_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "msal", None)  # what `import msal` sees when it is not installed
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    out: list[str] = []
    code = connect("email", tmp_path / "config.toml", ask=answers(  # type: ignore[arg-type]
        "o365", "imap", "outlook.office365.com", "993", "ssl", "anna@agency.test", "", "", "", "app-id", "", ""),
        ask_secret=answers(), out=out.append)  # type: ignore[arg-type]
    assert code == 1
    assert any("pip install 'inscope[oauth]'" in line for line in out), out
    assert not (tmp_path / "config.toml").exists()  # nothing half-written
