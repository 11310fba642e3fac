"""Scheduled sends under SIGKILL: every held reply goes out exactly once, and never early.

A reply held until a send time is an outbox row ``scheduled`` with ``send_at``; the sync
engine promotes it to ``queued`` once the clock has passed that time and sends it like any
row.  Here the sync runs in a child process (``tests.reliability.runner``) against the
Trello and Telegram sandboxes and is killed with SIGKILL

- **before** the send time (nothing may have gone out; the row is still scheduled),
- **at** it: right after the promotion committed, and right after the remote accepted the
  post but before the outbox recorded it,
- **after** it: the child was down when the time came and starts later,
- and at random moments around several staggered send times.

Then one child runs until nothing is left, and the sandboxes are counted: each reply was
posted exactly once (Telegram, which cannot be asked, may instead say ``unknown`` — and then
has posted it at most once), and no ``send`` started before its row's ``send_at`` (the
runner logs ``send-start <key> <time>`` before every send) nor did any comment reach Trello
before it.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest

from inscope.store import Store
from tests.reliability.world import ChildRun, Problems, Sandboxes

LEAD = 2.5
"""Seconds between queueing a held reply and its send time (room to kill before it)."""


def _hold(sb: Sandboxes, db: Path, tag: str, send_at: float, accounts: tuple[str, ...]) -> dict[str, float]:
    """Queue one held reply per account on its first thread; marker → send time."""
    store = Store(db)
    held: dict[str, float] = {}
    try:
        for acc in accounts:
            row = store.conn.execute("SELECT id FROM threads WHERE account = ? ORDER BY id LIMIT 1",
                                     (acc,)).fetchone()
            assert row is not None, acc
            marker = f"RPL-{tag}-{acc}"
            store.queue_reply(int(row[0]), f"reply {marker} ok", send_at=send_at)
            held[marker] = send_at
    finally:
        store.close()
    return held


def _starts(*runs: ChildRun) -> dict[str, list[float]]:
    """outbox key → the times a ``send`` of it started, over the children's logs."""
    out: dict[str, list[float]] = {}
    for run in runs:
        for key, at in re.findall(r"^send-start (\w+) ([\d.]+)$", run.output(), re.M):
            out.setdefault(key, []).append(float(at))
    return out


def _never_early(sb: Sandboxes, db: Path, runs: list[ChildRun]) -> list[str]:
    """Every send started (and every Trello comment arrived) at or after its send time."""
    problems: list[str] = []
    starts = _starts(*runs)
    store = Store(db)
    try:
        rows = [r for r in store.outbox(("scheduled", "queued", "sending", "sent", "unknown", "failed",
                                         "cancelled")) if r.send_at is not None]
    finally:
        store.close()
    for r in rows:
        for at in starts.get(r.key, []):
            if at < r.send_at:  # type: ignore[operator]
                problems.append(f"#{r.id} send started {r.send_at - at:.3f} s early")  # type: ignore[operator]
        marker = r.text.split()[1]
        with sb.trello.lock:
            dates = [a.date.timestamp() for a in sb.trello.actions.values()
                     if a.type == "commentCard" and marker in a.text]
        due = r.send_at or 0.0
        problems += [f"#{r.id} reached Trello {due - d:.3f} s early" for d in dates if d < due]
    return problems


def _exactly_once(p: Problems, sb: Sandboxes, held: dict[str, float]) -> None:
    assert p.ok, str(p)
    for marker in held:
        n = sb.posted(marker)
        if marker.endswith("-telegram") and p.unknown.get("telegram"):
            assert n <= 1, (marker, n)
        else:
            assert n == 1, (marker, n)


@pytest.fixture
def sb(tmp_path: Path) -> Sandboxes:
    s = Sandboxes(tmp_path, kinds=("trello", "telegram"), seed=11)
    s.grow(4)
    return s


def _fill(sb: Sandboxes, tmp_path: Path, db: Path) -> None:
    first = ChildRun(tmp_path, sb.spec(), db, tag="fill")
    assert first.wait() == 0, first.output()


def _final(sb: Sandboxes, tmp_path: Path, db: Path) -> ChildRun:
    final = ChildRun(tmp_path, sb.spec(), db, tag="final")
    assert final.wait() == 0, final.output()[-2000:] + final.err_path.read_text()[-2000:]
    return final


def test_kill_before_the_send_time_sends_nothing_early_then_exactly_once(sb: Sandboxes,
                                                                        tmp_path: Path) -> None:
    db = tmp_path / "inscope.db"
    try:
        _fill(sb, tmp_path, db)
        held = _hold(sb, db, "before", time.time() + LEAD, ("trello", "telegram"))
        child = ChildRun(tmp_path, sb.spec(), db, tag="early")
        child.wait_ready()
        time.sleep(LEAD / 3)
        assert child.kill(), "the child must still be waiting for the send time"
        assert all(sb.posted(m) == 0 for m in held), "nothing goes out before its time"
        store = Store(db)
        try:
            assert {r.state for r in store.outbox(("scheduled", "queued", "sending", "sent"))} == {"scheduled"}
        finally:
            store.close()
        final = _final(sb, tmp_path, db)
        _exactly_once(sb.check(db), sb, held)
        assert _never_early(sb, db, [child, final]) == []
    finally:
        sb.close()


@pytest.mark.parametrize("point", ["after_promote", "after_send"])
def test_kill_at_the_send_time_sends_exactly_once(sb: Sandboxes, tmp_path: Path, point: str) -> None:
    """Killed right after the promotion committed (queued, nothing sent), or right after the
    remote took the post (nothing recorded): the next run sends it, or reconciles it — once."""
    db = tmp_path / "inscope.db"
    try:
        _fill(sb, tmp_path, db)
        held = _hold(sb, db, point, time.time() + LEAD, ("trello",))
        child = ChildRun(tmp_path, sb.spec(), db, tag="at", kill_at=f"{point}:1")
        child.wait(timeout=60)
        assert child.proc.returncode == -9, child.output()
        posted = sb.posted(next(iter(held)))
        assert posted == (1 if point == "after_send" else 0)
        final = _final(sb, tmp_path, db)
        _exactly_once(sb.check(db), sb, held)
        assert _never_early(sb, db, [child, final]) == []
    finally:
        sb.close()


def test_down_at_the_send_time_sends_once_when_it_starts(sb: Sandboxes, tmp_path: Path) -> None:
    """Nothing ran when the time came (the laptop was closed): the next start sends it, once."""
    db = tmp_path / "inscope.db"
    try:
        _fill(sb, tmp_path, db)
        held = _hold(sb, db, "after", time.time() + 0.3, ("trello", "telegram"))
        time.sleep(0.5)
        assert all(sb.posted(m) == 0 for m in held)
        final = _final(sb, tmp_path, db)
        _exactly_once(sb.check(db), sb, held)
        assert _never_early(sb, db, [final]) == []
    finally:
        sb.close()


def test_random_kills_around_staggered_send_times(sb: Sandboxes, tmp_path: Path) -> None:
    """Several held replies a fraction of a second apart, children killed at random moments
    before, during and after them: each goes out exactly once, none before its time."""
    rng = random.Random(7)
    db = tmp_path / "inscope.db"
    runs: list[ChildRun] = []
    kills: list[float] = []
    try:
        _fill(sb, tmp_path, db)
        first = time.time() + 3.0  # a child takes about a second to get ready
        held: dict[str, float] = {}
        for k in range(4):
            held |= _hold(sb, db, f"s{k}", first + 0.6 * k, ("trello", "telegram"))
        last = max(held.values())
        while time.time() < last + 1.0 or len(kills) < 6:
            sb.grow(rng.randint(0, 2))
            child = ChildRun(tmp_path, sb.spec(), db, tag=f"r{len(kills)}")
            runs.append(child)
            child.wait_ready()
            time.sleep(rng.uniform(0.1, 0.8))
            child.kill()
            kills.append(time.time())
        runs.append(_final(sb, tmp_path, db))
        _exactly_once(sb.check(db), sb, held)
        assert _never_early(sb, db, runs) == []
        # The kills must land around the send times, or this proves nothing.
        assert min(kills) < first and max(kills) > last, (kills, first, last)
    finally:
        sb.close()
