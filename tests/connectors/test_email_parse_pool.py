"""Reading and parsing a backfill in worker processes gives exactly the items of doing it inline.

The Maildir holds every message of the test corpus (charsets, HTML-only mail, quoted
replies, forwards, broken headers) and enough demo mail to make the connector use its
parse pool; the same folder is synced with ``parse_workers = 0`` (inline) and with
workers, and the two lists of items — order, ids, threading, text, meta — must be equal.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from multiprocessing.context import ForkContext
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Item, SourceContext
from connectors.email import loaded, mime, pool
from connectors.email import maildir as md
from sandbox.demo import setup as demo_setup
from sandbox.demo.wire import email_bytes
from sandbox.demo.world import generate

CORPUS = Path(__file__).parent / "email_corpus"
ANCHOR = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _fill(box: Path, n_demo: int) -> int:
    """The corpus plus ``n_demo`` demo e-mails (threaded RU/EN replies) into ``box``."""
    world = generate(n_demo * 3 + 600, demo_setup.DEMO_SEED, ANCHOR)
    first: dict[str, int] = {}
    n = 0
    for m in world.messages:
        if m.channel != "email":
            continue
        first.setdefault(m.conv_key, m.idx)
        md.write_message(box, email_bytes(world, m, first), seen=n % 3 == 0)
        n += 1
        if n >= n_demo:
            break
    for p in sorted(CORPUS.glob("*.eml")):
        md.write_message(box, p.read_bytes())
        n += 1
    return n


def _connector(box: Path, data: Path, **opts: Any) -> md.MaildirConnector:
    ctx = SourceContext(account="mail", kind="maildir", options={"path": str(box), "batch": 100, **opts},
                        secret=lambda _n: None, me_name="Дарья Кузнецова",
                        me_emails=("daria@agency.test",), data_dir=data)
    conn = md.build(ctx)
    assert isinstance(conn, md.MaildirConnector)
    return conn


async def _drain(conn: md.MaildirConnector) -> tuple[list[Item], list[Any]]:
    items: list[Item] = []
    events: list[Any] = []
    cursor: str | None = None
    while True:
        b = await conn.fetch(cursor)
        items += b.items
        events += b.events
        cursor = b.cursor
        if not b.more:
            return items, events


async def test_parallel_parse_gives_the_same_items(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    n = _fill(box, 400)
    assert n >= pool.MIN_BACKLOG
    serial = _connector(box, tmp_path / "serial", parse_workers=0)
    parallel = _connector(box, tmp_path / "parallel", parse_workers=2)
    try:
        s_items, s_events = await _drain(serial)
        started: list[bool] = []
        real_submit = pool.ParsePool.submit

        def spy(self: pool.ParsePool, paths: Any) -> Any:
            out = real_submit(self, paths)
            started.append(self.running and all(a.future is not None for a in out))
            return out

        pool.ParsePool.submit = spy  # type: ignore[method-assign]
        try:
            p_items, p_events = await _drain(parallel)
        finally:
            pool.ParsePool.submit = real_submit  # type: ignore[method-assign]
    finally:
        await serial.aclose()
        await parallel.aclose()
    assert started and all(started), "the backfill did not go through the worker processes"
    assert len(s_items) == n
    assert [i.external_id for i in p_items] == [i.external_id for i in s_items]
    assert p_items == s_items
    assert p_events == s_events


def test_a_worker_load_is_the_inline_load(tmp_path: Path) -> None:
    paths = [str(p) for p in sorted(CORPUS.glob("*.eml"))]
    gone = str(tmp_path / "renamed-since-the-scan")
    pp = pool.ParsePool(1)
    try:
        ahead = pp.submit([*paths, gone])
        assert all(a.future is not None for a in ahead)
        assert [a.loaded() for a in ahead[:-1]] == [loaded.load(p) for p in paths]
        with pytest.raises(FileNotFoundError):  # the worker's read error, as an inline read raises it
            ahead[-1].loaded()
    finally:
        pp.close()


def test_a_load_is_the_file_and_its_parse() -> None:
    for p in sorted(CORPUS.glob("*.eml")):
        got = loaded.load(str(p))
        assert got.raw == p.read_bytes()
        assert got.parsed == mime.parse(got.raw)
        assert got.mtime == p.stat().st_mtime


def test_a_broken_pool_reads_inline() -> None:
    paths = [str(p) for p in sorted(CORPUS.glob("*.eml"))[:3]]
    pp = pool.ParsePool(1)
    ahead = pp.submit(paths)
    pp.close()  # cancels what the worker had not started
    assert [a.loaded() for a in ahead] == [loaded.load(p) for p in paths]


class _Refusing(ForkContext):
    """A start method that cannot start processes (no fork allowed, process limit hit)."""

    def Process(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]  # noqa: N802
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")


def _alive(pids: set[int], within: float) -> set[int]:
    """Those of ``pids`` still running after up to ``within`` seconds (reaped zombies count as gone)."""
    deadline = time.monotonic() + within
    while True:
        left = set()
        for pid in pids:
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child (any more): look it up by signal 0
                done = 0 if _exists(pid) else pid
            if not done and _exists(pid):
                left.add(pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    # A zombie whose parent is gone waits for init to reap it: it runs nothing.
    return not (stat.exists() and stat.read_text().split(") ", 1)[-1].startswith("Z"))


async def test_no_processes_means_an_inline_parse(tmp_path: Path, monkeypatch: Any) -> None:
    box = tmp_path / "Mail"
    _fill(box, 300)
    serial = _connector(box, tmp_path / "serial", parse_workers=0)
    s_items, _ = await _drain(serial)
    monkeypatch.setattr(pool, "_context", _Refusing)
    before = {p.pid for p in multiprocessing.active_children()}
    conn = _connector(box, tmp_path / "refused", parse_workers=2)
    try:
        b = await conn.fetch(None)
        assert conn._pool is not None and not conn._pool.running, "the pool gave up, no half-started pool"
        items = b.items + (await _drain_from(conn, b.cursor))[0]
    finally:
        await conn.aclose()
    assert items == s_items
    assert {p.pid for p in multiprocessing.active_children()} <= before


async def test_the_workers_end_on_aclose(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    _fill(box, 300)
    conn = _connector(box, tmp_path / "data", parse_workers=2)
    try:
        await conn.fetch(None)  # the first page of a backfill: the rest is parsing ahead
        assert conn._pool is not None and conn._pool.running
        pids = {p.pid for p in multiprocessing.active_children() if p.pid is not None}
        assert pids
    finally:
        await conn.aclose()
    assert _alive(pids, 10.0) == set()


async def test_the_workers_end_with_the_backfill(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    _fill(box, 300)
    conn = _connector(box, tmp_path / "data", parse_workers=2)
    try:
        await conn.fetch(None)
        pids = {p.pid for p in multiprocessing.active_children() if p.pid is not None}
        await _drain(conn)
        assert conn._pool is not None and not conn._pool.running
        assert _alive(pids, 10.0) == set()
    finally:
        await conn.aclose()


async def _drain_from(conn: md.MaildirConnector, cursor: str | None) -> tuple[list[Item], str | None]:
    items: list[Item] = []
    while True:
        b = await conn.fetch(cursor)
        items += b.items
        cursor = b.cursor
        if not b.more:
            return items, cursor


async def test_a_crash_mid_backfill_reads_the_uncommitted_pages_again(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    _fill(box, 300)
    s_items, _ = await _drain(_connector(box, tmp_path / "serial", parse_workers=0))
    data = tmp_path / "data"
    first = _connector(box, data, parse_workers=2)
    b1 = await first.fetch(None)  # stored: its cursor is committed
    b2 = await first.fetch(b1.cursor)  # fetched and parsed, then the process dies before the store
    assert b2.items and b2.more
    await first.aclose()
    again = _connector(box, data, parse_workers=2)  # the next start: same journal, committed cursor
    try:
        rest, _cursor = await _drain_from(again, b1.cursor)
    finally:
        await again.aclose()
    assert b1.items + rest == s_items, "nothing lost, nothing twice, the same items"


_CHILD = """
import asyncio, multiprocessing, sys, time
from pathlib import Path
from tests.connectors.test_email_parse_pool import _connector

async def main() -> None:
    conn = _connector(Path(sys.argv[1]), Path(sys.argv[2]), parse_workers=2)
    await conn.fetch(None)
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    if sys.argv[3] == "hang":
        time.sleep(600)

asyncio.run(main())  # no aclose: the program just ends
"""


def _child(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[str], set[int]]:
    box = tmp_path / "Mail"
    _fill(box, 300)
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(box), str(tmp_path / "data"), mode],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    assert proc.stdout is not None
    pids = {int(p) for p in proc.stdout.readline().split()}
    assert pids, "the child started no parse workers"
    return proc, pids


def test_a_program_that_never_closes_the_pool_still_exits(tmp_path: Path) -> None:
    proc, pids = _child(tmp_path, "exit")
    assert proc.wait(timeout=30) == 0
    assert _alive(pids, 10.0) == set()


def test_workers_do_not_outlive_a_killed_program(tmp_path: Path) -> None:
    proc, pids = _child(tmp_path, "hang")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert _alive(pids, 10.0) == set(), "orphaned parse workers"
