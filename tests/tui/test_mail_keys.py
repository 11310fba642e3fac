"""E-mail in the detail pane: `A` saves an attachment of the thread into the downloads folder —
read from the mailbox now (a real Maildir on disk), through the running sync engine when sync runs,
a picker when there are several, a clear message when it is gone; `T` shows the quoted history."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from inscope.workspace import Workspace
from tests.helpers import MAIL_ME, maildir_home, screen_text, settle
from tui.app import InscopeApp
from tui.widgets.detail import DetailPane

ME = MAIL_ME
XLSX = b"PK\x03\x04" + bytes(range(256)) * 64
PDF = b"%PDF-1.4\n" + b"0" * 3000


def _toasts(app: InscopeApp) -> list[str]:
    """The notifications shown (a long path wraps in a toast, so not read off the screen)."""
    return [n.message for n in app._notifications]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    m = EmailMessage()
    m["From"] = "Иван <ivan@client.ru>"
    m["To"] = ME
    m["Subject"] = "Выгрузка позиций"
    m["Message-ID"] = "<pos@client.ru>"
    m.set_content("Дарья, выгрузка и акт во вложении — посмотрите, пожалуйста.")
    m.add_attachment(XLSX, maintype="application", subtype="vnd.ms-excel", filename="позиции.xlsx")
    m.add_attachment(PDF, maintype="application", subtype="pdf", filename="акт.pdf")
    return maildir_home(tmp_path, monkeypatch, [bytes(m)])


@pytest.mark.parametrize("sync", [False, True], ids=["own-connector", "running-engine"])
async def test_A_picks_and_saves_an_attachment_read_from_the_mailbox(home: Path, tmp_path: Path,
                                                                     sync: bool) -> None:
    app = InscopeApp(Workspace.open(home=home), sync=sync)
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        await settle(pilot)
        text = app.screen.query_one(DetailPane).text
        assert "📎 1 позиции.xlsx · 16.0 KB — A saves it" in text and "📎 2 акт.pdf" in text
        if sync:
            for _ in range(100):  # the engine is up once its loop has started
                if app._sync_engine is not None:
                    break
                await pilot.pause(0.05)
            assert app._sync_engine is not None
        await pilot.press("A")
        await settle(pilot)
        assert "Save an attachment of #" in screen_text(app)
        await pilot.press("2")  # pickers: a digit picks directly
        saved = tmp_path / "user" / "Downloads" / "акт.pdf"
        for _ in range(100):
            if any("saved " in t for t in _toasts(app)):
                break
            await pilot.pause(0.05)
        assert saved.read_bytes() == PDF
        assert f"saved {saved} (2.9 KB)" in _toasts(app)
        assert not (tmp_path / "user" / "Downloads" / "позиции.xlsx").exists()


async def test_A_says_what_went_wrong_and_writes_nothing(home: Path, tmp_path: Path) -> None:
    for f in (tmp_path / "Mail").glob("*/*"):
        f.unlink()  # the mail is gone from the mailbox since the sync
    app = InscopeApp(Workspace.open(home=home), sync=False)
    async with app.run_test(size=(150, 45), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("1")
        for _ in range(100):
            if any("not saved" in t for t in _toasts(app)):
                break
            await pilot.pause(0.05)
        shown = "\n".join(_toasts(app))
        assert "позиции.xlsx: not saved" in shown and "Traceback" not in shown
        assert not list((tmp_path / "user" / "Downloads").iterdir())


def test_T_shows_and_hides_the_quoted_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of the text at ingest, a reply's quoted history is one key away in the detail pane."""
    import asyncio

    m = EmailMessage()
    m["From"] = "Иван <ivan@client.ru>"
    m["To"] = ME
    m["Subject"] = "Re: отчёт"
    m["Message-ID"] = "<re@client.ru>"
    m.set_content("Спасибо, посмотрели — вопрос по пункту 3.\n\n"
                  "1 декабря 2026 г., 10:00 пользователь Дарья <darya@north-digital.ru> написал:\n"
                  "> Отчёт за ноябрь во вложении.\n> Пункт 3: перелинковка каталога.\n")
    home = maildir_home(tmp_path, monkeypatch, [bytes(m)], project_domain=None)

    async def run() -> None:
        app = InscopeApp(Workspace.open(home=home), sync=False)
        async with app.run_test(size=(150, 45)) as pilot:
            await settle(pilot)
            pane = app.screen.query_one(DetailPane)
            assert "вопрос по пункту 3" in pane.text
            assert "перелинковка" not in pane.text and "┄ quoted history, 4 line(s) — T shows it" in pane.text
            await pilot.press("T")
            await settle(pilot)
            assert "> Пункт 3: перелинковка каталога." in pane.text
            await pilot.press("T")
            await settle(pilot)
            assert "перелинковка" not in pane.text

    asyncio.run(run())
