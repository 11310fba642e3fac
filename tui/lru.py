"""A small least-recently-used cache on ``OrderedDict``, for the widgets' row and strip caches.

Textual's ``LRUCache`` keeps its entries in a ring of small lists, so ``clear()`` leaves the
whole ring — every cached strip and row — as one reference cycle for the collector to find
(and, when the ring began before the start-up ``gc.freeze()``, for nobody to find: it stays
reachable from a frozen link).  The list clears its strip cache on every new view index, so
that was thousands of objects of cyclic garbage per action.  An ``OrderedDict`` frees its
entries when they are dropped, by reference counting alone.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """``get`` / ``set`` / ``discard`` / ``clear``; the least recently used entry goes first."""

    __slots__ = ("_data", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value for ``key`` (now the most recently used), or None."""
        data = self._data
        value = data.get(key)
        if value is not None:
            data.move_to_end(key)
        return value

    def set(self, key: K, value: V) -> None:
        """Store ``value``; drops the least recently used entry beyond the size."""
        data = self._data
        data[key] = value
        data.move_to_end(key)
        if len(data) > self._size:
            data.popitem(last=False)

    def discard(self, key: K) -> None:
        """Forget ``key`` if it is here."""
        self._data.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        self._data.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)
