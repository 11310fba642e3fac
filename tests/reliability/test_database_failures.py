"""A damaged, locked, full, linked or misplaced database: one clear line, nothing typed lost.

Each case is a real file on disk damaged the way it happens (a truncated copy, a
garbage header or middle, a dropped index table, a directory in its place, a symlink),
a real second connection holding the write lock, and SQLite's own "disk full" (a page
limit gives the same SQLITE_FULL error a full disk does).  The CLI prints one line naming
the file and what to do; the action layer refuses with that line; the composer keeps the
reply text and queues it once the database is free.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from inscope.actions import ActionError
from inscope.cli import main
from inscope.store import Store, StoreError, schema
from tests.helpers import make_workspace, settle, thread_id
from tui.app import InscopeApp
from tui.screens.composer import ComposerScreen


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    ws = make_workspace(home)  # a filled database through the real ingest path
    store = ws.store()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return home


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.err


def test_a_truncated_database_is_named_with_how_to_restore(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = home / "inscope.db"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    code, err = cli(capsys, "inbox")
    assert code == 1 and str(db) in err and "damaged" in err and "inscope sync" in err


def test_a_garbage_header_is_named(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = home / "inscope.db"
    with db.open("r+b") as f:
        f.write(b"\x00garbage" * 16)
    code, err = cli(capsys, "inbox")
    assert code == 1 and str(db) in err and "damaged" in err


def test_garbage_in_the_middle_is_found_by_doctor(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = home / "inscope.db"
    size = db.stat().st_size
    with db.open("r+b") as f:  # overwrite pages in the middle, keep the header valid
        f.seek(4096 * 2)
        f.write(os.urandom(min(4096 * 4, size - 4096 * 3)))
    code, err = cli(capsys, "doctor")
    assert code == 1 and str(db) in err and "damaged" in err and "doctor" in err


def test_a_dropped_full_text_table_is_named(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(home / "inscope.db")
    conn.execute("DROP TABLE messages_fts")
    conn.commit()
    conn.close()
    code, err = cli(capsys, "search", "robots")
    assert code == 1 and "damaged" in err and "messages_fts" in err
    code, err = cli(capsys, "doctor")
    assert code == 1 and "damaged" in err


def test_a_directory_in_place_of_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "h"
    (home / "inscope.db").mkdir(parents=True)
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    code, err = cli(capsys, "inbox")
    assert code == 1 and "is a directory, not the database" in err


def test_a_symlinked_database_is_refused_and_its_target_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elsewhere.db"
    target.write_bytes(b"")
    target.chmod(0o644)
    home = tmp_path / "h"
    home.mkdir()
    (home / "inscope.db").symlink_to(target)
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    code, err = cli(capsys, "inbox")
    assert code == 1 and "is a symlink" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    with pytest.raises(StoreError, match="symlink"):
        Store(home / "inscope.db")


def _hold_write_lock(db: Path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    ready.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def test_a_locked_database_refuses_actions_with_one_line(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(schema, "BUSY_TIMEOUT", 0.3)
    ready = threading.Event()
    t = threading.Thread(target=_hold_write_lock, args=(home / "inscope.db", 3.0, ready))
    t.start()
    ready.wait()
    try:
        code, err = cli(capsys, "done", "1")
        assert code == 1 and "locked by another program" in err and "retry" in err
    finally:
        t.join()
    assert cli(capsys, "done", "1")[0] == 0


def test_a_full_disk_refuses_with_one_line_and_loses_nothing(home: Path) -> None:
    ws = make_workspace(home, fill_data=False)
    store = ws.store()
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL, as on a full disk
    tid = thread_id(store, "c0")
    act = ws.actions(store)
    with pytest.raises(ActionError, match="disk is full"):
        act.reply(tid, "длинный ответ " * 4000, confirmed=True)
    assert store.outbox(("queued",)) == []
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    assert act.reply(tid, "короткий ответ").outbox_id is not None
    store.close()


async def test_the_composer_keeps_the_reply_while_the_database_is_locked(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "BUSY_TIMEOUT", 0.3)
    ws = make_workspace(home, fill_data=False)
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)
        ready = threading.Event()
        t = threading.Thread(target=_hold_write_lock, args=(home / "inscope.db", 2.0, ready))
        t.start()
        ready.wait()
        await pilot.press(*"отчёт пришлю в пятницу", "ctrl+s")
        for _ in range(300):
            await pilot.pause(0.02)
            if "locked" in str(app.screen.query_one("#composer-error").render()):
                break
        assert isinstance(app.screen, ComposerScreen)
        assert app.screen.text == "отчёт пришлю в пятницу"
        assert "Not queued" in str(app.screen.query_one("#composer-error").render())
        t.join()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
    store = ws.store()
    assert [r.text for r in store.outbox(("queued",))] == ["отчёт пришлю в пятницу"]
    store.close()
