"""``Hooks.warm`` runs while a slow first fetch is in flight — once, and never for a quick one."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from connectors.base import Batch, Outgoing, PermanentSendError, SendResult
from inscope.store import Store
from inscope.sync import Hooks, SyncEngine


class Slow:
    """A connector whose fetch takes ``seconds`` in a worker thread (like a Maildir parse)."""

    kind = "slow"
    account = "a"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running = False

    async def fetch(self, cursor: str | None) -> Batch:
        if not self.seconds:
            return Batch([], "1")  # done before the engine could even look

        def work() -> Batch:
            self.running = True
            time.sleep(self.seconds)
            self.running = False
            return Batch([], "1")

        return await asyncio.to_thread(work)

    async def send(self, out: Outgoing) -> SendResult:
        raise PermanentSendError("a read-only test source")

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        return None

    async def aclose(self) -> None:
        return None


def engine(tmp_path: Path, src: Slow, calls: list[bool]) -> SyncEngine:
    store = Store(tmp_path / "inscope.db")
    hooks = Hooks(project_of=lambda it: "P", role_of=lambda it: "client", triage=lambda: None,
                  warm=lambda: calls.append(src.running))
    return SyncEngine(store, {"a": src}, hooks)


async def test_warm_overlaps_a_slow_first_fetch_once(tmp_path: Path) -> None:
    calls: list[bool] = []
    src = Slow(0.3)
    eng = engine(tmp_path, src, calls)
    await eng.sync_all()
    await eng.sync_all()
    assert calls == [True], "warmed once, while the fetch was still running"


async def test_a_quick_fetch_is_not_held_up(tmp_path: Path) -> None:
    calls: list[bool] = []
    eng = engine(tmp_path, Slow(0.0), calls)
    await eng.sync_all()
    assert calls == []
