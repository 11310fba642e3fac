"""Save the README screenshots: the TUI on a fresh demo workspace, as SVGs saved by Textual.

Run: ``.venv/bin/python -m tools.screenshot docs/screenshot-en.svg --lang en`` (``make
screenshot`` saves both languages).  The picture is reproducible: the demo world is
generated at a fixed moment (``FIXED``, a Wednesday inside the morning reply window), the
wall clock of this process starts there (and moves on in whole minutes), and the terminal
size is fixed.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from unittest import mock

from inscope.i18n import set_language
from inscope.workspace import Workspace
from tui.app import InscopeApp

FIXED = datetime(2026, 3, 11, 8, 20, tzinfo=UTC)
"""Wed 11 Mar 2026 11:20 in Moscow (the demo specialist's zone): a reply window is open."""
SIZE = (150, 40)
# The modules that read "now" as a datetime (the demo world's anchor, its servers' clocks).
_DATETIME_USERS = ("sandbox.demo.setup", "sandbox.demo.world", "sandbox.demo.services",
                   "sandbox.trello_server")


class _Clock:
    """A wall clock that starts at ``FIXED`` and moves on in whole minutes (sync rounds, the
    app's ticks and the demo's servers see one consistent time, and a picture taken within
    the first minute shows the same seconds every run)."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def now(self) -> float:
        return FIXED.timestamp() + (time.monotonic() - self._start) // 60 * 60


@contextmanager
def fixed_time() -> Iterator[_Clock]:
    """Patch ``time.time`` and the demo's ``datetime.now`` to run from ``FIXED``."""
    import importlib

    clock = _Clock()

    class _Datetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> _Datetime:
            at = datetime.fromtimestamp(clock.now(), tz)
            return cls.fromtimestamp(at.timestamp(), tz)

    with ExitStack() as stack:
        stack.enter_context(mock.patch("time.time", clock.now))
        for name in _DATETIME_USERS:
            stack.enter_context(mock.patch.object(importlib.import_module(name), "datetime",
                                                  _Datetime))
        yield clock


async def settle_demo(pilot: object, app: InscopeApp) -> None:
    """Wait until the first sync round has filled the inbox and the screen is still."""
    for _ in range(150):
        await pilot.pause(0.1)  # type: ignore[attr-defined]
        if app.sync_rounds and app.inbox.selected_id is not None:
            break
    await pilot.pause(1.0)  # type: ignore[attr-defined]


async def shoot(out: Path, lang: str) -> None:
    """The inbox with the third thread open in the detail pane, saved as ``out``."""
    set_language(lang)
    with tempfile.TemporaryDirectory() as home, fixed_time() as clock:
        ws = Workspace.open(home=Path(home), demo=True)
        try:
            app = InscopeApp(ws, clock=clock.now)
            async with app.run_test(size=SIZE) as pilot:
                await settle_demo(pilot, app)
                await pilot.press("j", "j", "enter")
                await pilot.pause(1.0)
                app.save_screenshot(filename=out.name, path=str(out.parent))
        finally:
            ws.close()
            set_language("en")


def main() -> None:
    """``python -m tools.screenshot OUT.svg [--lang en|ru]``."""
    parser = argparse.ArgumentParser(prog="tools.screenshot")
    parser.add_argument("out", nargs="?", default="docs/screenshot-en.svg")
    parser.add_argument("--lang", choices=("en", "ru"), default="en")
    args = parser.parse_args()
    target = Path(args.out).resolve()
    asyncio.run(shoot(target, args.lang))
    print(target)


if __name__ == "__main__":
    main()
