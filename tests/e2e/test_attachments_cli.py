"""`inscope show` lists a mail's attachments; `inscope attachments T N` saves one, read from
the mailbox now (a real Maildir on disk), into the downloads folder or --to DIR."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from inscope.cli import main
from inscope.store import Store
from tests.helpers import MAIL_ME, maildir_home

ME = MAIL_ME
XLSX = b"PK\x03\x04" + bytes(range(256)) * 64


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    m = EmailMessage()
    m["From"] = "Иван <ivan@client.ru>"
    m["To"] = ME
    m["Subject"] = "Выгрузка позиций"
    m["Message-ID"] = "<pos@client.ru>"
    m.set_content("Дарья, выгрузка во вложении — посмотрите, пожалуйста.")
    m.add_attachment(XLSX, maintype="application", subtype="vnd.ms-excel", filename="позиции.xlsx")
    return maildir_home(tmp_path, monkeypatch, [bytes(m)])


def _tid(home: Path) -> int:
    store = Store(home / "inscope.db")
    (tid,) = [r[0] for r in store.conn.execute("SELECT id FROM threads")]
    store.close()
    return int(tid)


def test_show_lists_and_attachments_saves(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tid = _tid(home)
    capsys.readouterr()
    assert main(["show", str(tid)]) == 0
    out = capsys.readouterr().out
    assert "📎 1 позиции.xlsx · 16.0 KB" in out and f"inscope attachments {tid} N" in out
    assert main(["attachments", str(tid)]) == 0
    listed = capsys.readouterr().out
    assert listed.split()[:4] == ["1", "позиции.xlsx", "16.0", "KB"]
    assert main(["attachments", str(tid), "1"]) == 0
    saved = tmp_path / "user" / "Downloads" / "позиции.xlsx"
    assert f"saved {saved}" in capsys.readouterr().out and saved.read_bytes() == XLSX
    assert main(["attachments", str(tid), "1", "--to", str(tmp_path / "elsewhere")]) == 0
    assert (tmp_path / "elsewhere" / "позиции.xlsx").read_bytes() == XLSX


def test_a_missing_attachment_or_message_is_one_clear_line(home: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    tid = _tid(home)
    capsys.readouterr()
    assert main(["attachments", str(tid), "2"]) == 1
    assert "has 1 attachment(s): say a number from 1 to 1" in capsys.readouterr().err
    for f in (tmp_path / "Mail").glob("*/*"):
        f.unlink()
    assert main(["attachments", str(tid), "1"]) == 1
    err = capsys.readouterr().err
    assert "позиции.xlsx: not saved" in err and "no longer in the mailbox" in err and "Traceback" not in err
    assert not list((tmp_path / "user" / "Downloads").iterdir())  # nothing half written
