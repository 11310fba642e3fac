"""Hostile text end to end: ingest through the store, render in the TUI list and detail.

Terminal escapes (CSI, OSC title/clipboard, 8-bit CSI), BEL, Rich/Textual markup, bidi
overrides and isolates, zero-width characters, and a 1 MB message.  Inert: no escape or
bidi control reaches a rendered strip or the screen, markup stays literal, every list line
is exactly the widget's width (zero-width characters do not shift columns).  Fast: opening
the 1 MB thread takes < 1 s.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from inscope.store import Store
from tests.helpers import (
    item,
    list_lines,
    make_workspace,
    project_of,
    role_of,
    screen_text,
    settle,
    triage,
)
from tui.app import InscopeApp
from tui.widgets.detail import DetailPane

HOSTILE = ("\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[31mRED\x1b[0m [bold]B[/bold] "
           "[link=http://x]L[/link] [@click=app.quit]Q[/] \u202eevil\u202c \u2066iso\u2069 "
           "zero\u200bwidth\ufeff \x07bell \x9b31mC1 \x1bPdcs\x1b\\ end")
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c", "\u2066", "\u2069")
BIG = ("клиент пишет длинно " * 55_000)[:1_000_000]
SIZE = (140, 45)


def _ingest(ws_path: Path) -> None:
    store = Store(ws_path)
    try:
        items = [item("c0", 5, HOSTILE, 0.5), item("c1", 5, BIG + " СРОЧНО", 0.4)]
        store.apply_batch("tg", items, "cursor-2", project_of=project_of, role_of=role_of,
                          triage=triage)
    finally:
        store.close()


async def _select(pilot: Any, app: InscopeApp, needle: str) -> None:
    """Move the cursor (from the top, j by j) to the first thread whose last text has ``needle``."""
    app.inbox.focus()
    await pilot.pause()
    for _ in range(30):
        row = app.inbox.selected_row
        if row is not None and needle in row.last_text:
            await settle(pilot)
            return
        await pilot.press("j")
    raise AssertionError(f"no thread with {needle!r}")


async def test_hostile_text_renders_inert_and_the_1mb_thread_opens_fast(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    _ingest(ws.db_path)
    app = InscopeApp(ws, sync=False)  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = list_lines(app)
        width = app.inbox.size.width
        for y in range(app.inbox.size.height):
            assert app.inbox.render_line(y).cell_length == width, (y, lines[y])
        row = next(ln for ln in lines if "RED" in ln)
        assert "[bold]B[/bold]" in row
        # The 1 MB thread (the newest urgent one, at the top): time until its detail shows.
        await _select(pilot, app, "клиент пишет")
        t0 = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        elapsed = time.perf_counter() - t0
        assert "клиент пишет" in app.query_one(DetailPane).text
        print(f"1 MB thread opened in {elapsed:.3f} s")
        assert elapsed < 1.0, f"opening the 1 MB thread took {elapsed:.2f} s"
        await _select(pilot, app, "RED")
        await pilot.press("enter")
        await settle(pilot)
        detail = app.query_one(DetailPane).text
        assert "[bold]B[/bold] [link=http://x]L[/link] [@click=app.quit]Q[/]" in detail
        shot = screen_text(app)
        for text in (*lines, detail, shot):
            assert not any(ch in text for ch in FORBIDDEN)
        assert app.is_running  # the [@click=app.quit] markup did nothing
