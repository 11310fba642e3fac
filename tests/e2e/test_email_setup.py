"""Mail account setup: the SMTP account a mailbox sends with, its From, and what doctor says.

* ``from`` on a ``kind = "smtp"`` account is the From of the replies it sends;
* a mailbox without ``smtp`` sends with the config's only SMTP account;
* an OAuth2 account whose sign-in was revoked is disabled with "sign in again",
  while the other accounts sync on;
* ``inscope doctor`` names, per account, exactly what is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.base import Outgoing, SourceContext
from connectors.email import maildir
from connectors.email.maildir import write_message
from inscope.cli import main
from inscope.workspace import Workspace
from sandbox.oauth_server import OAuthServer
from sandbox.smtp_sink import SmtpSink


def _mail(n: int) -> bytes:
    m = EmailMessage()
    m["From"] = "Иван <ivan@client.ru>"
    m["To"] = "anna@agency.ru"
    m["Subject"] = f"Вопрос {n}"
    m["Message-ID"] = f"<setup{n}@client.ru>"
    m["Date"] = "Tue, 24 Nov 2026 10:00:00 +0300"
    m.set_content(f"Когда будет отчёт {n}?")
    return bytes(m)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink(user="anna", password="smtp-pass-42") as s:
        yield s


def test_reply_from_and_the_only_smtp_account(tmp_path: Path, sink: SmtpSink) -> None:
    box = tmp_path / "Mail"
    write_message(box, _mail(1))
    others = {"out": {"kind": "smtp", "host": "127.0.0.1", "port": sink.port, "tls": "none", "user": "anna",
                      "from": "Anna.Smirnova@Agency.ru", "from_name": "Анна Смирнова"}}
    # No [me].emails, no from here, a login that is no address, no smtp key: the one SMTP
    # account of the config sends, and its own from is the From.
    ctx = SourceContext(account="mail", kind="maildir", options={"path": str(box)}, secret=lambda _n: None,
                        other_accounts=others,
                        other_secret=lambda acc, name: "smtp-pass-42" if (acc, name) == ("out", "password") else None)
    conn = maildir.build(ctx)

    async def go() -> None:
        batch = await conn.fetch(None)
        item = batch.items[0]
        await conn.send(Outgoing(key="setup-1", account="mail", conversation=item.conversation,
                                 text="Завтра.", reply_to=item.external_id))
        await conn.aclose()

    asyncio.run(go())
    (got,) = sink.messages
    assert got.login == "anna" and got.mail_from == "anna.smirnova@agency.ru"
    assert str(got.message()["From"]) == "Анна Смирнова <anna.smirnova@agency.ru>"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, OAuthServer]]:
    home = tmp_path / "home"
    home.mkdir()
    box = tmp_path / "Mail"
    for n in range(2):
        write_message(box, _mail(n))
    with OAuthServer() as provider:
        provider.world.clients["cid"] = ""
        provider.world.users.add("anna@agency.ru")
        revoked = provider.world.refresh_token_for("anna@agency.ru")
        provider.revoke(revoked)
        (home / "config.toml").write_text(f'''
[me]
name = "Анна"
emails = ["anna@agency.ru"]

[[accounts]]
name = "o365"
kind = "imap"
host = "127.0.0.1"
port = 1
tls = "none"
user = "anna@agency.ru"
auth = "oauth2"
oauth2_provider = "microsoft"
oauth2_client_id = "cid"
oauth2_authority = "{provider.authority}"
smtp = "o365-smtp"

[[accounts]]
name = "o365-smtp"
kind = "smtp"
host = "127.0.0.1"
user = "anna@agency.ru"
auth = "oauth2"
oauth2_provider = "microsoft"

[[accounts]]
name = "nopassword"
kind = "imap"
host = "127.0.0.1"
user = "anna@yandex.ru"
smtp = "o365-smtp"

[[accounts]]
name = "good"
kind = "maildir"
path = "{box}"
''', encoding="utf-8")
        monkeypatch.setenv("INSCOPE_HOME", str(home))
        monkeypatch.setenv("INSCOPE_O365_OAUTH2_REFRESH_TOKEN", revoked)
        for var in ("INSCOPE_IMAP_PASSWORD", "INSCOPE_NOPASSWORD_PASSWORD", "INSCOPE_O365_SMTP_OAUTH2_REFRESH_TOKEN"):
            monkeypatch.delenv(var, raising=False)
        yield home, provider


def test_revoked_sign_in_disables_only_that_account(home: tuple[Path, OAuthServer],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--once"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    line = next(ln for ln in out.splitlines() if ln.startswith("o365 "))
    assert "disabled" in line and "sign in again with `inscope connect email`" in line, line
    ws = Workspace.open()
    store = ws.store()
    accounts = {a["name"]: a for a in store.accounts()}
    assert accounts["o365"]["status"] == "disabled"
    assert accounts["good"]["status"] == "ok" and len(store.view_index("all")) == 2
    store.close()


def test_doctor_names_what_each_account_lacks(home: tuple[Path, OAuthServer],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "imap: no password — run `inscope connect email`, or set INSCOPE_NOPASSWORD_PASSWORD" in out
    assert "o365-smtp" in out and "smtp: oauth2_client_id is not set" in out
    assert "smtp: not signed in — run `inscope connect email`" in out
    good = [ln for ln in out.splitlines() if ln.startswith("source     good")]
    assert good and "ok" in good[0]
