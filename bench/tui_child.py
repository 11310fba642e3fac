"""The benchmark's child process: a bare Textual app or the real inbox, in a pseudo-terminal.

Run by bench/run.py (never by hand, though it works: it needs a terminal).

``bare``   a hello-world Textual app (Header + Static + Footer); records the time of
           the first frame that contains the Static, then exits.
``paint``  the real ``tui.app.InscopeApp`` on a prebuilt workspace, started the way
           ``inscope`` starts it (``Workspace.open`` + the app, background sync on);
           records the time of the first frame in which the inbox list drew a thread
           row with its data, then exits.
``keys``   the same app (sync off, so a background round cannot skew the numbers);
           after the first paint it feeds keys through the Textual driver, exactly as
           terminal input arrives, and measures each key → the frame that shows its
           effect (see docs/performance.md, "Keypress → repaint").

Nothing in tui/ is edited for this: the probe wraps ``Screen._compositor_refresh``
(the call that renders a frame and writes it to the terminal), ``MessageList.render_lines``
(to know a *thread row* was drawn) and a few inbox-screen actions, in this process only.
Times are ``time.monotonic()`` (one system-wide clock, comparable with the parent's).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PAINT_MARK = b"inscope-bench: first paint\n"


def _rss() -> tuple[float, float]:
    vals = {"VmRSS": 0.0, "VmHWM": 0.0}
    for line in Path("/proc/self/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in vals:
            vals[k] = int(v.split()[0]) / 1024
    return vals["VmRSS"], vals["VmHWM"]


def _write(out: Path, data: dict[str, Any]) -> None:
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(out)


# -- bare ------------------------------------------------------------------------------------

def run_bare(out: Path) -> None:
    """Header + Static + Footer; the first frame with the Static in it ends the run."""
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    drawn = {"static": False, "done": False}

    class Hello(Static):
        def render(self) -> Any:
            drawn["static"] = True
            return super().render()

    class HelloApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Hello("Hello, world")
            yield Footer()

    app = HelloApp()
    orig = Screen._compositor_refresh

    def frame(self: Screen[Any]) -> None:
        orig(self)
        if drawn["static"] and not drawn["done"]:
            drawn["done"] = True
            rss, hwm = _rss()
            _write(out, {"painted": time.monotonic(), "rss_mb": rss, "hwm_mb": hwm})
            app.call_later(app.exit)

    Screen._compositor_refresh = frame  # type: ignore[method-assign]
    app.run()


# -- inscope ------------------------------------------------------------------------------------

class Probe:
    """What the patched methods report: marks (an effect happened) and frames."""

    def __init__(self) -> None:
        self.rows_drawn = False
        self.first_paint: float | None = None
        self.marks: set[str] = set()
        self.want: str | None = None
        self.future: asyncio.Future[tuple[float, float]] | None = None
        self.t0 = 0.0
        self.cpu0 = 0.0
        self.on_first_paint: Callable[[], None] | None = None

    def mark(self, kind: str) -> None:
        self.marks.add(kind)

    def frame(self) -> None:
        now = time.monotonic()
        if self.first_paint is None and self.rows_drawn:
            self.first_paint = now
            # Marks the end of the first frame in the stderr of a ``-X importtime`` run (fd 2
            # itself: Textual captures ``sys.stderr`` while the app runs).
            os.write(2, PAINT_MARK)
            if self.on_first_paint is not None:
                self.on_first_paint()
        fut = self.future
        if fut is not None and not fut.done() and self.want in self.marks:
            fut.set_result((now - self.t0, time.thread_time() - self.cpu0))


def _mark_after(cls: type[Any], name: str, kind: str, probe: Probe) -> None:
    """Wrap ``cls.name`` so the probe is marked with ``kind`` after each call."""
    orig = getattr(cls, name)

    @functools.wraps(orig)  # Textual counts the action's parameters through the wrapper
    def wrapped(self: Any, *args: Any) -> None:
        orig(self, *args)
        probe.mark(kind)

    setattr(cls, name, wrapped)


def _install(probe: Probe) -> type[Any]:
    """Patch the frame/row hooks and return the app subclass that marks effects."""
    from textual.binding import Binding
    from textual.screen import Screen

    from tui.app import InscopeApp
    from tui.screens.inbox import InboxScreen
    from tui.widgets.detail import DetailPane
    from tui.widgets.message_list import MessageList

    orig_frame = Screen._compositor_refresh

    def frame(self: Screen[Any]) -> None:
        orig_frame(self)
        probe.frame()

    Screen._compositor_refresh = frame  # type: ignore[method-assign]

    orig_lines = MessageList.render_lines

    def render_lines(self: MessageList, crop: Any) -> Any:
        strips = orig_lines(self, crop)
        if not probe.rows_drawn:
            top = int(self.scroll_offset.y)
            for y in crop.line_range:
                row = top + y
                if 0 <= row < len(self.index):
                    tid = self.index.rows[row]
                    # A thread row whose data is in the cache is drawn with text, not "…".
                    if tid > 0 and self._rows.get(tid) is not None:
                        probe.rows_drawn = True
                        break
        return strips

    MessageList.render_lines = render_lines  # type: ignore[method-assign]

    orig_set_index = MessageList.set_index

    def set_index(self: MessageList, index: Any) -> None:
        orig_set_index(self, index)
        probe.mark("view")

    MessageList.set_index = set_index  # type: ignore[method-assign]

    orig_show = DetailPane.show

    def show(self: DetailPane, renderable: Any) -> None:
        orig_show(self, renderable)
        probe.mark("detail")

    DetailPane.show = show  # type: ignore[method-assign,assignment]

    # The measured actions are the inbox screen's: mark after each one ran.
    for name, kind in (("action_move", "move"), ("action_project", "move"),
                       ("action_search", "search"), ("action_back", "leave")):
        _mark_after(InboxScreen, name, kind, probe)

    class BenchApp(InscopeApp):
        """InscopeApp plus a no-op key (the floor)."""

        BINDINGS = [*InscopeApp.BINDINGS,
                    Binding("f12", "bench_noop", "noop", show=False, id="bench.noop")]

        def action_bench_noop(self) -> None:
            """The baseline: dispatch a key and repaint one list line."""
            self.inbox.refresh_line(max(self.inbox.cursor, 0))
            probe.mark("noop")

    return BenchApp


def _open_ws(ws_dir: Path) -> Any:
    from inscope.workspace import Workspace

    # A normal (non-demo) start on the prebuilt data dir: what `inscope` does for a user.
    return Workspace.open(home=ws_dir, config_path=ws_dir / "config.toml")


def run_paint(out: Path, ws_dir: Path, sync: bool = True) -> None:
    """The first frame with thread rows ends the run (sync on, as in real use, unless told)."""
    probe = Probe()
    app_cls = _install(probe)
    ws = _open_ws(ws_dir)
    app = app_cls(ws, sync=sync)

    def painted() -> None:
        rss, hwm = _rss()
        _write(out, {"painted": probe.first_paint, "rss_mb": rss, "hwm_mb": hwm,
                     "threads": app.inbox.index.thread_count})
        app.call_later(app.exit)

    probe.on_first_paint = painted
    try:
        app.run()
    finally:
        ws.close()


# Each step: (label, key, character, mark that shows the effect, keys that undo it).
# j/k/J/K are fed at key-repeat speed (holding the key); the others let the UI settle.
PLAN: list[tuple[str, str, str | None, str, list[tuple[str, str | None, str]]]] = [
    ("noop (f12)", "f12", None, "noop", []),
    ("j", "j", "j", "move", []),
    ("k", "k", "k", "move", []),
    ("J", "J", "J", "move", [("K", "K", "move")]),
    ("K", "K", "K", "move", [("J", "J", "move")]),
    ("enter", "enter", "\r", "detail", []),
    ("e", "e", "e", "view", [("z", "z", "view")]),
    ("/", "slash", "/", "search", [("escape", "\x1b", "leave")]),
]
REPEAT_GAP = 0.033  # ~30 keys/s, a terminal's key repeat
SETTLE_GAP = 0.15


def run_keys(out: Path, ws_dir: Path, presses: int, profile: str | None = None) -> None:
    """Feed the PLAN's keys after the first paint; write per-key samples and memory.

    ``profile``: a PLAN label; its presses run under cProfile (UI thread, from the key to
    its frame) and the stats go to ``<out>.prof`` (diagnosis, not for the tables).
    """
    import cProfile

    from textual import events

    probe = Probe()
    app_cls = _install(probe)
    ws = _open_ws(ws_dir)
    app = app_cls(ws, sync=False)
    result: dict[str, Any] = {"keys": {}, "errors": []}
    profiler = cProfile.Profile() if profile else None

    async def press(key: str, char: str | None, want: str, timeout: float = 5.0,
                    profiled: bool = False) -> tuple[float, float] | None:
        loop = asyncio.get_running_loop()
        probe.marks.clear()
        probe.want = want
        probe.future = loop.create_future()
        if profiled and profiler is not None:
            profiler.enable()
        probe.cpu0 = time.thread_time()
        probe.t0 = time.monotonic()
        driver = app._driver
        assert driver is not None
        driver.send_message(events.Key(key, char))
        try:
            return await asyncio.wait_for(probe.future, timeout)
        except TimeoutError:
            return None
        finally:
            if profiled and profiler is not None:
                profiler.disable()
            probe.future = None

    async def settle() -> None:
        # Wait until no view build or detail load is pending, then a little more.
        for _ in range(200):
            if app.settled:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)

    async def drive() -> None:
        await settle()
        lst = app.inbox
        threads = lst.index.thread_count
        for label, key, char, want, undo in PLAN:
            walls: list[float] = []
            cpus: list[float] = []
            n = presses
            if label in ("j", "k"):
                n = min(presses, max(0, threads - 1))
            if label in ("J", "K") and len(lst.index.project_rows) < 2:
                n = 0
            if label == "j":
                lst.action_edge(0)
                await settle()
            if label == "K" and n:
                # The J run left the cursor in the first project, where K has nowhere to go.
                await press("J", "J", "move")
                await settle()
            missed = 0
            for _ in range(n):
                if label == "enter":
                    # Move to the next thread and press enter at once (before the 50 ms
                    # debounce would load it).  The cursor rested on the thread before, so
                    # its neighbours are prefetched: the press measures swapping a laid-out
                    # conversation in, as a user resting between threads gets it.
                    assert app._driver is not None
                    app._driver.send_message(events.Key("j", "j"))
                got = await press(key, char, want, profiled=label == profile)
                if got is None:
                    missed += 1
                else:
                    walls.append(got[0] * 1000)
                    cpus.append(got[1] * 1000)
                for ukey, uchar, uwant in undo:
                    await press(ukey, uchar, uwant)
                if want in ("move", "noop"):
                    await asyncio.sleep(REPEAT_GAP)
                else:
                    await settle()
                    await asyncio.sleep(SETTLE_GAP)
            await settle()
            result["keys"][label] = {"wall_ms": walls, "cpu_ms": cpus, "missed": missed}
        rss, hwm = _rss()
        result.update(rss_mb=rss, hwm_mb=hwm, threads=threads, rows=len(lst.index))
        if profiler is not None:
            profiler.dump_stats(str(out.with_suffix(".prof")))
        _write(out, result)
        app.exit()

    def painted() -> None:
        result["painted"] = probe.first_paint
        app.run_worker(drive(), exclusive=False, exit_on_error=True)

    probe.on_first_paint = painted
    try:
        app.run()
    finally:
        ws.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=("bare", "paint", "keys"))
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--ws", type=Path)
    p.add_argument("--presses", type=int, default=40)
    p.add_argument("--no-sync", action="store_true", help="paint: background sync off (diagnosis)")
    p.add_argument("--profile", metavar="KEY", help="keys: cProfile the presses of this PLAN label")
    a = p.parse_args(argv)
    if a.mode == "bare":
        run_bare(a.out)
    elif a.mode == "paint":
        run_paint(a.out, a.ws, sync=not a.no_sync)
    else:
        run_keys(a.out, a.ws, a.presses, a.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
