"""Save the README screenshot: the TUI on a fresh demo workspace, as an SVG saved by Textual.

Run: ``.venv/bin/python -m tools.screenshot [out.svg]`` (``make screenshot``).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from inscope.workspace import Workspace
from tui.app import InscopeApp


async def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as home:
        ws = Workspace.open(home=Path(home), demo=True)
        try:
            app = InscopeApp(ws)
            async with app.run_test(size=(150, 40)) as pilot:
                for _ in range(100):  # until the first sync round has filled the inbox
                    await pilot.pause(0.1)
                    if app.inbox.selected_id is not None:
                        break
                await pilot.pause(1.0)
                await pilot.press("j", "j", "enter")
                await pilot.pause(1.0)
                app.save_screenshot(filename=out.name, path=str(out.parent))
        finally:
            ws.close()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.svg").resolve()
    asyncio.run(main(target))
    print(target)
