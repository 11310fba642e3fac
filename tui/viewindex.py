"""The view index: ordered thread ids plus group-header positions (no Textual here).

Built in a thread worker from one index query (``Store.view_index``) and swapped into
the list on the UI thread.  At start-up a *partial* index of the first screen
(``ViewIndex.first_page``, from a bounded query) is shown first, so the first frame
does not wait for the full one.  Everything the list needs per
keypress (row → item, next thread, next project group, id → row) is O(1) or
O(log groups), so holding ``j`` never touches the database.
"""

from __future__ import annotations

import bisect
import dataclasses
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from inscope.model import GroupHeader, Priority, ProjectInfo
from inscope.store import FirstPage, Store


@dataclass(frozen=True, slots=True)
class ViewQuery:
    """What the list shows: a view, optionally one project, optionally a search."""

    view: str = "inbox"
    project_id: int | None = None
    search: str | None = None


class ViewIndex:
    """Rows in display order: thread ids (> 0) and group headers (encoded ≤ -1)."""

    __slots__ = ("complete", "headers", "header_rows", "pos", "project_rows", "query", "rows",
                 "thread_count", "virtual_rows")

    def __init__(self, query: ViewQuery, rows: Sequence[tuple[int, int, int]],
                 projects: Mapping[int, ProjectInfo],
                 group_sizes: Sequence[tuple[int, int, int]] | None = None) -> None:
        """``rows``: the view's (thread, project, priority) triples in order.

        With ``group_sizes`` (every group's (project, priority, threads), from the store's
        summary) ``rows`` may be just the head of the view: the index is then *partial*
        (``complete`` is False) — the first screen, shown before the full index is built.
        Its headers already show the real group sizes, ``thread_count`` is the view's, and
        ``virtual_rows`` is the length the full index will have, so the scrollbar and the
        title do not change when it is swapped in.
        """
        self.query = query
        self.rows: array[int] = array("q")
        self.headers: list[GroupHeader] = []
        self.header_rows: list[int] = []
        # Row of the first header of each project: J/K jump between these.
        self.project_rows: list[int] = []
        self.pos: dict[int, int] = {}
        # Group sizes first (one pass), so each header can show its count.
        counts: list[int] = []
        last: tuple[int, int] | None = None
        for _tid, pid, pr in rows:
            if (pid, pr) != last:
                counts.append(0)
                last = (pid, pr)
            counts[-1] += 1
        if group_sizes is None:
            self.complete = True
            self.thread_count = len(rows)
        else:
            self.thread_count = sum(n for _p, _pr, n in group_sizes)
            self.complete = len(rows) >= self.thread_count
            sizes = [n for _p, _pr, n in group_sizes]
            counts = sizes[:len(counts)]
        last = None
        last_pid: int | None = None
        out = self.rows
        for tid, pid, pr in rows:
            if (pid, pr) != last:
                info = projects.get(pid)
                hdr = GroupHeader(
                    project_id=pid,
                    project=info.name if info else f"project {pid}",
                    project_status=info.status if info else "active",
                    priority=Priority(pr),
                    count=counts[len(self.headers)],
                )
                if pid != last_pid:
                    self.project_rows.append(len(out))
                    last_pid = pid
                self.header_rows.append(len(out))
                out.append(-(len(self.headers) + 1))
                self.headers.append(hdr)
                last = (pid, pr)
            out.append(tid)
        self.pos = _positions(out)
        groups = len(group_sizes) if group_sizes is not None else len(self.headers)
        self.virtual_rows = self.thread_count + groups

    @classmethod
    def first_page(cls, query: ViewQuery, page: FirstPage, projects: Sequence[ProjectInfo]) -> ViewIndex:
        """The partial index of a view's first screen (``Store.first_page``)."""
        return cls(query, page.rows, {p.id: p for p in projects}, page.groups)

    def without(self, thread_ids: Iterable[int]) -> ViewIndex:
        """This index minus some threads (an action took them out of the view).

        Runs on the UI thread right after ``e`` / ``h`` / ``!``, so the thread leaves the
        list at once while the real rebuild (and the counts) run in the worker.  O(rows)
        at C speed for the copy; group headers that lose their last thread go too, and the
        others show their new count.
        """
        gone = {t for t in thread_ids if t in self.pos}
        if not gone:
            return self
        new = ViewIndex.__new__(ViewIndex)
        new.query = self.query
        new.complete = self.complete
        new.rows = array("q")
        new.headers, new.header_rows, new.project_rows = [], [], []
        new.thread_count = self.thread_count - len(gone)
        rows = self.rows
        bounds = [*self.header_rows, len(rows)]
        last_pid: int | None = None
        for g, hdr in enumerate(self.headers):
            start, end = bounds[g] + 1, bounds[g + 1]
            members = rows[start:end]
            if any(t in gone for t in members):
                kept = array("q", [t for t in members if t not in gone])
                # ``count`` is the group's size, which a partial index has not all loaded.
                count = hdr.count - (len(members) - len(kept))
                if count <= 0:
                    continue  # the group is empty now: its header goes too
                members = kept
                hdr = dataclasses.replace(hdr, count=count)
            if hdr.project_id != last_pid:
                new.project_rows.append(len(new.rows))
                last_pid = hdr.project_id
            new.header_rows.append(len(new.rows))
            new.rows.append(-(len(new.headers) + 1))
            new.headers.append(hdr)
            new.rows.extend(members)
        new.pos = _positions(new.rows)
        # Emptied groups took their header rows with them.
        new.virtual_rows = self.virtual_rows - len(gone) - (len(self.headers) - len(new.headers))
        return new

    def __len__(self) -> int:
        return len(self.rows)

    def thread_at(self, row: int) -> int | None:
        """The thread id at ``row``, or None for a header / out of range."""
        if 0 <= row < len(self.rows):
            v = self.rows[row]
            return v if v > 0 else None
        return None

    def header_at(self, row: int) -> GroupHeader | None:
        """The group header at ``row``, or None for a thread / out of range."""
        if 0 <= row < len(self.rows):
            v = self.rows[row]
            return self.headers[-v - 1] if v < 0 else None
        return None

    def step(self, row: int, delta: int) -> int | None:
        """The row of the next (delta=1) / previous (-1) thread from ``row``, skipping headers."""
        r = row + delta
        n = len(self.rows)
        # Headers never come more than one in a row before a thread, so this is O(1).
        while 0 <= r < n:
            if self.rows[r] > 0:
                return r
            r += delta
        return None

    def first_thread(self) -> int | None:
        """Row of the first thread in the view."""
        return self.step(-1, 1)

    def project_jump(self, row: int, delta: int) -> int | None:
        """Row of the first thread of the next (1) / previous (-1) project group."""
        starts = self.project_rows
        if not starts:
            return None
        i = bisect.bisect_right(starts, row) - 1  # the project group containing ``row``
        j = i + delta
        if j < 0 or j >= len(starts):
            return None
        return self.step(starts[j], 1)

    def group_of(self, row: int) -> GroupHeader | None:
        """The header of the (project, priority) group containing ``row``."""
        i = bisect.bisect_right(self.header_rows, row) - 1
        return self.headers[i] if i >= 0 else None


def _positions(rows: array[int]) -> dict[int, int]:
    """Thread id → row, built in C (``dict(zip)``) rather than item by item.

    Header rows (negative values) land in the dict too; nothing looks them up, and skipping
    them would cost a Python-level pass, which at a million messages is the whole budget.
    """
    return dict(zip(rows, range(len(rows)), strict=True))


def build_index(store: Store, query: ViewQuery, projects: Sequence[ProjectInfo]) -> ViewIndex:
    """Run the view query (plus FTS for a search) and build the index.  Worker thread only."""
    by_id = {p.id: p for p in projects}
    if query.search:
        ids = store.search(query.search)
        rows = store.view_index("all", query.project_id, ids)
    else:
        rows = store.view_index(query.view, query.project_id)
    return ViewIndex(query, rows, by_id)
