"""The collector runs after a key's frame and while keys pause, never on a timer mid-typing."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tui import gcpolicy
from tui.gcpolicy import IdleCollector


class World:
    def __init__(self) -> None:
        self.now = 100.0
        self.pending = 0
        self.middle = 0  # young collections survived by something (generation 1)
        self.collected: list[int] = []

    def collect(self, generation: int) -> int:
        self.collected.append(generation)
        self.middle = self.middle + 1 if generation == 0 else 0
        self.pending = 0
        return 0


@pytest.fixture
def world() -> Iterator[tuple[World, IdleCollector]]:
    w = World()
    c = IdleCollector(clock=lambda: w.now, pending=lambda: w.pending, collect=w.collect,
                      middle=lambda: w.middle)
    c.start()
    try:
        assert not gc.isenabled(), "automatic collection is off while the collector decides"
        yield w, c
    finally:
        c.stop()
        assert gc.isenabled()


def test_after_a_keys_frame_only_the_youngest_generation(world: tuple[World, IdleCollector]) -> None:
    w, c = world
    w.pending = gcpolicy.SOFT_LIMIT - 1
    assert c.after_frame() is None  # not worth it
    w.pending = gcpolicy.SOFT_LIMIT
    assert c.after_frame() == 0 and w.collected == [0]
    # What survived it is collected (generation 1) once the keys pause.
    w.now += gcpolicy.IDLE_YOUNG
    assert c.tick() == 1 and w.middle == 0


def test_nothing_on_the_timer_while_keys_come(world: tuple[World, IdleCollector]) -> None:
    w, c = world
    for _ in range(50):  # a held key at 30/s for a second and a half
        w.now += 0.033
        c.touch()
        w.pending += 1000
        assert c.tick() is None or w.pending >= gcpolicy.HARD_LIMIT
    assert 2 not in w.collected


def test_idle_young_then_full_collections(world: tuple[World, IdleCollector]) -> None:
    w, c = world
    c.touch()
    w.pending = gcpolicy.SOFT_LIMIT
    w.now += gcpolicy.IDLE_YOUNG
    assert c.tick() == 1
    w.now += gcpolicy.FULL_EVERY  # long enough since the last full one, and idle
    w.pending = gcpolicy.SOFT_LIMIT
    assert c.tick() == 2
    w.now += gcpolicy.IDLE_FULL
    assert c.tick() is None, "nothing new to collect"


def test_hard_limit_and_full_at_latest_even_while_typing(world: tuple[World, IdleCollector]) -> None:
    w, c = world
    c.touch()
    w.pending = gcpolicy.HARD_LIMIT
    assert c.tick() == 1
    w.now += gcpolicy.FULL_AT_LATEST
    c.touch()
    w.pending = gcpolicy.SOFT_LIMIT
    assert c.tick() == 2
