"""Run a child process in a real pseudo-terminal and collect what it reports.

The parent takes ``time.monotonic()`` right before spawning, so "first paint" includes
interpreter start, imports, opening the workspace and Textual's start-up — the same
for the bare app and for inscope.  The terminal output is drained (and thrown away)
on a thread so the child never blocks on a full pty buffer.
"""

from __future__ import annotations

import fcntl
import json
import os
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


def _drain(fd: int, sink: list[int]) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return  # EIO: the child closed the terminal
        if not data:
            return
        sink[0] += len(data)


def run_child(args: list[str], timeout: float = 300.0) -> tuple[float, dict[str, Any], int]:
    """Spawn ``python -m bench.tui_child ARGS --out F`` in a pty: (t0, report, bytes written)."""
    with tempfile.TemporaryDirectory(prefix="inscope-bench-child-") as td:
        out = Path(td) / "result.json"
        err = Path(td) / "stderr.txt"
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(COLS),
                   LINES=str(ROWS), PYTHONPATH=str(ROOT))
        env.pop("TEXTUAL", None)
        # Like an installed app: bytecode is cached (this machine sets PYTHONDONTWRITEBYTECODE,
        # which would make every child compile ~40 modules from source, ~80 ms per start).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        argv = [sys.executable, "-m", "bench.tui_child", *args, "--out", str(out)]
        sink = [0]
        with err.open("wb") as ef:
            t0 = time.monotonic()
            proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=ef, env=env, cwd=ROOT,
                                    start_new_session=True)
        os.close(slave)
        reader = threading.Thread(target=_drain, args=(master, sink), daemon=True)
        reader.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=2)
        os.close(master)
        if not out.exists():
            raise RuntimeError(f"child {args[0]} reported nothing (rc={proc.returncode}):\n"
                               + err.read_text(errors="replace")[-3000:])
        return t0, json.loads(out.read_text()), sink[0]
