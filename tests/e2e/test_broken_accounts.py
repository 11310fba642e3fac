"""One unbuildable account never stops the others, and says which file and key to fix.

A Trello account without its key and token, a Maildir without ``path``, an IMAP account
with ``port = "notaport"`` and one with ``timeout = "abc"``, an unknown kind and a bad
``kind = "smtp"`` account sit beside one good Maildir account: ``sync --once`` stores the
good account's mail and reports each broken one (exit 1, no traceback), ``doctor`` lists
them the same way, and the store shows them disabled with the reason.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.email.maildir import write_message
from connectors.options import Opt, OptionError, check
from inscope.cli import main
from inscope.workspace import Workspace


def _mail(n: int) -> bytes:
    m = EmailMessage()
    m["From"] = "Иван <ivan@client.ru>"
    m["To"] = "me@agency.ru"
    m["Subject"] = f"Вопрос {n}"
    m["Message-ID"] = f"<q{n}@client.ru>"
    m["Date"] = "Tue, 24 Nov 2026 10:00:00 +0300"
    m.set_content(f"Когда будет отчёт {n}?")
    return bytes(m)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    box = tmp_path / "Mail"
    for n in range(3):
        write_message(box, _mail(n))
    (home / "config.toml").write_text(f'''
[[accounts]]
name = "trello"
kind = "trello"

[[accounts]]
name = "nopath"
kind = "maildir"

[[accounts]]
name = "badport"
kind = "imap"
host = "imap.example.org"
port = "notaport"

[[accounts]]
name = "badtimeout"
kind = "imap"
host = "imap.example.org"
timeout = "abc"

[[accounts]]
name = "weird"
kind = "carrier-pigeon"

[[accounts]]
name = "smtp-out"
kind = "smtp"
host = "smtp.example.org"
prot = 587

[[accounts]]
name = "good"
kind = "maildir"
path = "{box}"
''', encoding="utf-8")
    for var in ("INSCOPE_TRELLO_KEY", "INSCOPE_TRELLO_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    return home


EXPECTED = {
    "trello": "API key and token are not set (run `inscope connect trello`)",
    "nopath": "accounts[1].path: required",
    "badport": "accounts[2].port: expected a number, got the string 'notaport'",
    "badtimeout": "accounts[3].timeout: expected a number, got the string 'abc'",
    "weird": "accounts[4].kind: unknown kind 'carrier-pigeon'",
    "smtp-out": "accounts[5].prot: unknown option for this kind of account (did you mean 'port'?)",
}


def test_sync_once_stores_the_good_account_and_names_each_broken_key(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--once"]) == 1  # some accounts are broken: not a clean run
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    for name, needle in EXPECTED.items():
        line = next(ln for ln in out.splitlines() if ln.startswith(name + " "))
        assert "disabled" in line and needle in line, line
    assert str(home / "config.toml") in out
    ws = Workspace.open()
    store = ws.store()
    assert len(store.view_index("all")) == 3  # the good Maildir synced all three mails
    accounts = {a["name"]: a for a in store.accounts()}
    for name, needle in EXPECTED.items():
        assert accounts[name]["status"] == "disabled" and needle in accounts[name]["last_error"]
    assert accounts["good"]["status"] == "ok"
    store.close()


def test_doctor_diagnoses_every_broken_account(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    for needle in EXPECTED.values():
        assert needle in out
    assert "good" in out


def test_the_engine_runs_the_good_account_beside_broken_ones(home: Path) -> None:
    ws = Workspace.open()
    store = ws.store()
    engine = ws.engine(store)
    report = asyncio.run(engine.sync_all())
    assert report.inserted == 3
    assert set(report.errors) == set(EXPECTED)
    assert engine.status["good"].state == "ok"
    assert all(engine.status[n].state == "disabled" for n in EXPECTED)
    asyncio.run(engine.aclose())
    store.close()


def test_option_types_are_checked_before_a_connector_sees_them() -> None:
    schema = {"port": Opt("int", min=1), "tls": Opt("str", choices=("ssl", "none")),
              "folders": Opt("strs"), "host": Opt("str", required=True)}
    assert check(schema, {"host": "h", "port": 993, "tls": "SSL", "folders": "INBOX"}) == {
        "host": "h", "port": 993, "tls": "ssl", "folders": ["INBOX"]}
    cases: list[tuple[dict[str, object], str]] = [({"host": "h", "port": 0}, "port: must be at least 1"),
                        ({"host": "h", "port": 1.5}, "port: expected a whole number"),
                        ({"host": "h", "port": True}, "port: expected a number, got true"),
                        ({"host": "h", "tls": "tls"}, "tls: 'tls' is not one of ssl, none"),
                        ({"port": 1}, "host: required"),
                        ({"host": "h", "disabled": "false"}, "disabled: expected true or false")]
    for bad, needle in cases:
        with pytest.raises(OptionError) as e:
            check(schema, bad)
        assert needle in str(e.value)
