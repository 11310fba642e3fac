"""A sync round runs with fewer cyclic collections, and leaves the process's thresholds as it found them."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.base import Batch
from inscope import sync_gc
from inscope.store import Store
from inscope.sync import SyncEngine
from tests.core.test_sync import ScriptedSource, hooks, items


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_the_young_threshold_is_raised_inside_and_restored_after() -> None:
    with sync_gc.fewer_collections():
        assert gc.get_threshold() == (sync_gc.YOUNG, 10, 10)
        with sync_gc.fewer_collections():  # nested: still raised, restored only by the outer one
            assert gc.get_threshold()[0] == sync_gc.YOUNG
        assert gc.get_threshold()[0] == sync_gc.YOUNG
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_when_the_round_fails() -> None:
    with pytest.raises(RuntimeError), sync_gc.fewer_collections():
        raise RuntimeError("a round that breaks")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_threshold_set_by_the_process_is_kept() -> None:
    gc.set_threshold(200_000, 5, 5)
    with sync_gc.fewer_collections():
        assert gc.get_threshold() == (200_000, 5, 5)
    gc.set_threshold(0, 10, 10)  # collection switched off by threshold: stays off
    with sync_gc.fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold() == (0, 10, 10)


def test_rounds_in_two_threads_restore_once_both_end() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[int] = []

    def first() -> None:
        with sync_gc.fewer_collections():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.get_threshold()[0])  # the other round ended: still raised for this one

    t = threading.Thread(target=first)
    t.start()
    assert first_in.wait(5)
    with sync_gc.fewer_collections():
        pass
    second_done.set()
    t.join(5)
    assert seen == [sync_gc.YOUNG]
    assert gc.get_threshold() == (700, 10, 10)


async def test_a_sync_round_fetches_with_the_raised_threshold(tmp_path: Path) -> None:
    store = Store(tmp_path / "inscope.db")
    store.sync_projects([("P", "active")])
    seen: list[int] = []

    class Watching(ScriptedSource):
        async def fetch(self, cursor: str | None) -> Batch:
            seen.append(gc.get_threshold()[0])
            return await super().fetch(cursor)

    eng = SyncEngine(store, {"a": Watching("a", [items("a", 5), items("a", 5, 5)])}, hooks())
    rep = await eng.sync_all()
    assert rep.inserted == 10
    assert seen and set(seen) == {sync_gc.YOUNG}
    assert gc.get_threshold() == (700, 10, 10)
