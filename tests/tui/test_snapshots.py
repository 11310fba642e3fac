"""Snapshot tests of the inbox (pytest-textual-snapshot; regenerate with --snapshot-update).

Time is fixed: the data is stamped relative to ``FIXED`` and the app's clock returns it,
so relative ages and dates in the detail pane never drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.helpers import make_workspace, settle
from tui.app import InscopeApp

FIXED = datetime(2025, 3, 12, 10, 30, tzinfo=UTC)
SIZE = (140, 45)


def _app(tmp_path: Path) -> InscopeApp:
    ws = make_workspace(tmp_path, now=FIXED)
    return InscopeApp(ws, sync=False, clock=FIXED.timestamp)


def test_inbox_snapshot(tmp_path: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("j", "j")
        await settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_injection_thread_open_snapshot(tmp_path: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("J", "enter")
        await settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)
