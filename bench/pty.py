"""Run a child process in a real terminal and collect what it reports.

``run_child``: a pseudo-terminal of our own; the output is drained (and thrown away) on a
thread so the child never blocks on a full pty buffer.  ``run_child_tmux``: a pane of a
detached tmux session on a private server socket (``-L``), so the frames go through a real
terminal emulator that parses and keeps them.  Either way the parent takes
``time.monotonic()`` right before spawning, so "first paint" includes interpreter start,
imports, opening the workspace and Textual's start-up — the same for the bare app and for
inscope.  ``python_flags`` (``-X importtime``) go to the child's interpreter; its stderr
comes back with the report.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path
from typing import Any

COLS, ROWS = 160, 45
ROOT = Path(__file__).resolve().parent.parent


TAIL = 64 * 1024
"""Bytes of the terminal output kept, to show why a child reported nothing."""


def _drain(fd: int, sink: list[int], tail: bytearray) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return  # EIO: the child closed the terminal
        if not data:
            return
        sink[0] += len(data)
        tail += data
        del tail[:-TAIL]


def _env() -> dict[str, str]:
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(COLS),
               LINES=str(ROWS), PYTHONPATH=str(ROOT))
    env.pop("TEXTUAL", None)
    # Like an installed app: bytecode is cached (this machine sets PYTHONDONTWRITEBYTECODE,
    # which would make every child compile ~40 modules from source, ~80 ms per start).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(args: list[str], timeout: float = 300.0, python_flags: tuple[str, ...] = ()
              ) -> tuple[float, dict[str, Any], int]:
    """Spawn ``python -m bench.tui_child ARGS --out F`` in a pty: (t0, report, bytes written).

    Textual writes its frames to ``sys.__stderr__``, so stderr is the pty too: the frames
    cost what a terminal costs, not a write to a file.  With ``python_flags`` (``-X
    importtime``) stderr goes to a file instead, and the report gets it as ``"stderr"``.
    """
    with tempfile.TemporaryDirectory(prefix="inscope-bench-child-") as td:
        out = Path(td) / "result.json"
        err = Path(td) / "stderr.txt"
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = _env()
        argv = [sys.executable, *python_flags, "-m", "bench.tui_child", *args, "--out", str(out)]
        sink = [0]
        tail = bytearray()
        with err.open("wb") as ef:
            t0 = time.monotonic()
            proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=ef if python_flags else slave,
                                    env=env, cwd=ROOT, start_new_session=True)
        os.close(slave)
        reader = threading.Thread(target=_drain, args=(master, sink, tail), daemon=True)
        reader.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=2)
        os.close(master)
        if not out.exists():
            said = err.read_text(errors="replace") if python_flags else tail.decode(errors="replace")
            raise RuntimeError(f"child {args[0]} reported nothing (rc={proc.returncode}):\n" + said[-3000:])
        report = json.loads(out.read_text())
        if python_flags:
            report["stderr"] = err.read_text(errors="replace")
        return t0, report, sink[0]


TMUX = ["tmux", "-L", "inscope-bench"]  # a private server: the bench never touches anyone's tmux


def tmux_available() -> bool:
    """tmux is installed (the tmux rows are skipped otherwise)."""
    return shutil.which("tmux") is not None


def run_child_tmux(args: list[str], timeout: float = 120.0) -> tuple[float, dict[str, Any]]:
    """The same child in a detached 160×45 tmux pane: (t0, report)."""
    with tempfile.TemporaryDirectory(prefix="inscope-bench-tmux-") as td:
        out = Path(td) / "result.json"
        err = Path(td) / "stderr.txt"
        name = f"child-{os.getpid()}"
        env = _env()
        env["TERM"] = "tmux-256color"
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "COLORTERM", "TERM")
        child = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "bench.tui_child", *args,
                                                  "--out", str(out)])
        command = f"cd {shlex.quote(str(ROOT))} && exec {child} 2>{shlex.quote(str(err))}"
        subprocess.run([*TMUX, "kill-session", "-t", name], stderr=subprocess.DEVNULL, check=False)
        t0 = time.monotonic()
        subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(ROWS),
                        "env", *[f"{k}={env[k]}" for k in keep if k in env], "sh", "-c", command],
                       check=True)
        try:
            deadline = time.monotonic() + timeout
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            subprocess.run([*TMUX, "kill-session", "-t", name], stderr=subprocess.DEVNULL, check=False)
        if not out.exists():
            raise RuntimeError(f"child {args[0]} in tmux reported nothing:\n"
                               + (err.read_text(errors="replace")[-3000:] if err.exists() else ""))
        return t0, json.loads(out.read_text())
