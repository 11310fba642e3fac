"""Deleting the database's ``-wal``/``-shm`` while inscope runs hides nothing from others.

A long-lived connection (the TUI's, the sync engine's) keeps the deleted WAL open; what it
committed lives only there, so another process — ``inscope show 4`` beside the TUI — found
an empty or "damaged" database until the TUI quit.  The next round (an engine round, a
TUI clock tick, the db thread's next action) checkpoints that WAL into the main file and
reopens, so the other process sees every thread again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from inscope.store import Store
from tests.helpers import make_workspace, settle, thread_id
from tests.reliability.world import REPO
from tui.app import InscopeApp


def _show_in_another_process(home: Path, tid: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INSCOPE_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "inscope.cli", "show", str(tid)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def _delete_side_files(db: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink()


def test_a_store_heals_after_its_side_files_were_deleted(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, fill_data=False)
    store = ws.store()  # the long-lived connection
    from tests.helpers import fill

    fill(store)  # committed, in the WAL (small writes are not checkpointed)
    tid = thread_id(store, "c3")
    _delete_side_files(ws.db_path)
    before = _show_in_another_process(tmp_path, tid)
    assert before.returncode != 0  # the other process cannot see thread c3 (or the tables)
    assert store.heal_if_needed() is True
    after = _show_in_another_process(tmp_path, tid)
    assert after.returncode == 0 and "Chat c3" in after.stdout, after.stderr
    assert store.heal_if_needed() is False  # nothing more to do
    store.mark_done(tid)  # the reopened connection works and others see its writes
    other = Store(ws.db_path)
    assert other.thread(tid).state == "done"
    other.close()
    store.close()


async def test_the_tui_heals_on_its_next_tick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = make_workspace(tmp_path)
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("e")  # a write through the db thread's long-lived connection
        await settle(pilot)
        store = Store(ws.db_path)
        done = [r for r in store.view_index("done")]
        store.close()
        assert len(done) == 1
        tid = done[0][0]
        _delete_side_files(ws.db_path)
        await pilot.press("z")  # the db thread heals before it runs the undo
        await settle(pilot)
        app.inbox_screen.tick()
        await settle(pilot)
        res = _show_in_another_process(tmp_path, tid)
        assert res.returncode == 0 and "open" in res.stdout.splitlines()[0], res.stderr
