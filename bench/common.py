"""Shared helpers for the benchmarks: statistics, tables, workspaces, process memory."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inscope.workspace import Workspace


def commit() -> str:
    """The commit this run measures (short hash), ``+dirty`` if the tree has changes.

    Every table names it, so a table can always be matched to the code it measured.
    """
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def load_avg() -> str:
    """The 1/5/15-minute load average, printed next to every table (the box is shared)."""
    a, b, c = os.getloadavg()
    return f"{a:.2f} {b:.2f} {c:.2f}"


def median(xs: Sequence[float]) -> float:
    """Median, NaN for no samples (a failed measurement shows as "n/a", never as 0)."""
    return statistics.median(xs) if xs else float("nan")


def pct(xs: Sequence[float], p: float) -> float:
    """Nearest-rank percentile ``p`` (0–100) of ``xs``."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def fmt(x: float | int | None, digits: int = 1) -> str:
    """A number for a table cell."""
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}f}"


@dataclass
class Table:
    """A markdown table that also prints to the terminal and goes to bench/out/."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([c if isinstance(c, str) else fmt(c) for c in cells])  # type: ignore[arg-type]

    def markdown(self) -> str:
        widths = [max(len(c), *(len(r[i]) for r in self.rows)) if self.rows else len(c)
                  for i, c in enumerate(self.columns)]
        head = "| " + " | ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)) + " |"
        sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in self.rows]
        out = [f"### {self.title}", "", head, sep, *body]
        if self.notes:
            out += ["", *self.notes]
        return "\n".join(out) + "\n"

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "notes": self.notes}


def rss_mb(pid: int | None = None) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, from /proc."""
    path = Path(f"/proc/{pid or 'self'}/status")
    vals = {"VmRSS": 0.0, "VmHWM": 0.0}
    for line in path.read_text().splitlines():
        k, _, v = line.partition(":")
        if k in vals:
            vals[k] = int(v.split()[0]) / 1024
    return vals["VmRSS"], vals["VmHWM"]


@dataclass
class Built:
    """A demo workspace built through the normal path, with what the build cost."""

    size: int
    home: Path          # what Workspace.open(home=…) was given
    ws_dir: Path        # <home>/demo: the data dir with config.toml and inscope.db
    open_s: float       # Workspace.open (writes the demo config, starts sandboxes ≤ 5000)
    engine_s: float     # building the connectors (the demo connector generates its world)
    sync_s: float       # one sync_all round: connector → sync → store
    inserted: int
    threads: int

    @property
    def items_per_s(self) -> float:
        return self.inserted / self.sync_s if self.sync_s else float("nan")


def build_workspace(home: Path, size: int, *, triage: bool = True) -> Built:
    """``Workspace.open(demo=True, demo_size=size)`` and one sync round, timed.

    ``triage=False``: the same rows through the same path with the rules switched off —
    what the ingest costs without them (the floor the rules add to)."""
    t = time.perf_counter()
    ws = Workspace.open(home=home, demo=True, demo_size=size)
    t_open = time.perf_counter() - t
    store = ws.store()
    try:
        t = time.perf_counter()
        engine = ws.engine(store)
        if not triage:
            engine.hooks = dataclasses.replace(engine.hooks, triage=lambda: None, warm=None)
        t_engine = time.perf_counter() - t

        async def once() -> Any:
            try:
                return await engine.sync_all()
            finally:
                await engine.aclose()

        t = time.perf_counter()
        report = asyncio.run(once())
        t_sync = time.perf_counter() - t
        threads = int(store.conn.execute("SELECT count(*) FROM threads").fetchone()[0])
        # Checkpoint the WAL so later readers (the TUI child) start from a compact file.
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
        ws.close()
    return Built(size, home, ws.home, t_open, t_engine, t_sync, report.inserted, threads)
