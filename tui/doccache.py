"""Laid-out conversations by thread id: what ``enter`` swaps in without loading anything.

While the cursor rests, the detail worker loads and lays out the conversation under it and
its neighbours (``tui.screens.inbox_detail``) and they land here; ``enter`` — or the debounce after
``j`` / ``k`` — then only shows a ready document.  UI thread only (workers post messages).

An entry is dropped when its thread changes (an action, a sync round: ``forget``) and is
not used once it is older than ``max_age`` (its relative times, "5 min ago", would be
stale).  ``epoch`` guards against a load that started before a ``forget`` and finishes
after it: such a document is not stored.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.render.conversation import ConversationDoc

DOC_CACHE_SIZE = 8  # the thread under the cursor, its neighbours, and a few just left
DOC_MAX_AGE = 30.0  # seconds; the clock ticks every 30 s too


class DocCache:
    """A small LRU of ``ConversationDoc`` per thread id, with an age limit."""

    def __init__(self, size: int = DOC_CACHE_SIZE, max_age: float = DOC_MAX_AGE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._size = size
        self._max_age = max_age
        self._clock = clock
        self._docs: OrderedDict[int, tuple[float, ConversationDoc]] = OrderedDict()
        self.epoch = 0
        """Bumped by every ``forget``: a load started at an older epoch may be stale."""

    def get(self, tid: int) -> ConversationDoc | None:
        """The document of ``tid`` if it is here and fresh enough."""
        entry = self._docs.get(tid)
        if entry is None:
            return None
        built, doc = entry
        if self._clock() - built > self._max_age:
            del self._docs[tid]
            return None
        self._docs.move_to_end(tid)
        return doc

    def __contains__(self, tid: int) -> bool:
        return self.get(tid) is not None

    def put(self, tid: int, doc: ConversationDoc, epoch: int) -> bool:
        """Keep ``doc`` (loaded at ``epoch``); False if the thread changed since then."""
        if epoch != self.epoch:
            return False
        self._docs[tid] = (self._clock(), doc)
        self._docs.move_to_end(tid)
        while len(self._docs) > self._size:
            self._docs.popitem(last=False)
        return True

    def forget(self, thread_ids: Iterable[int] | None = None) -> None:
        """Drop the documents of threads that changed (all of them for ``None``)."""
        self.epoch += 1
        if thread_ids is None:
            self._docs.clear()
            return
        for tid in thread_ids:
            self._docs.pop(tid, None)
