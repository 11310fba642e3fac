"""Rows → dataclasses, by column name: one ``Columns`` per dataclass makes both the
SELECT list and the mapping of its rows, so the two cannot drift apart.

Each dataclass field is selected as ``<table>.<field>`` unless an expression is
given for it, in the dataclass's field order; a row then builds the dataclass
positionally (after the few converters), which is as fast as the hand-written
``r[0] … r[21]`` it replaces.  A ``sqlite3.Row`` per row would cost a dict-like
lookup per field on the 100k-thread view path.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from inscope.model import MessageRow, Priority, ProjectInfo, ThreadRow

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


class Columns(Generic[R]):
    """The SELECT list for dataclass ``R`` (``select``) and the function that maps its rows (``make``)."""

    __slots__ = ("select", "make")

    def __init__(self, cls: type[R], *, table: str = "", exprs: Mapping[str, str] | None = None,
                 convert: Mapping[str, Callable[[Any], Any]] | None = None) -> None:
        exprs = exprs or {}
        convert = convert or {}
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted((set(exprs) | set(convert)) - set(names))
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {', '.join(unknown)}")
        prefix = f"{table}." if table else ""
        self.select: str = ", ".join(exprs.get(n, prefix + n) for n in names)
        self.make: Callable[[Sequence[Any]], R] = _maker(
            cls, tuple((i, convert[n]) for i, n in enumerate(names) if n in convert))


def _maker(cls: Callable[..., R], conv: tuple[tuple[int, Callable[[Any], Any]], ...]
           ) -> Callable[[Sequence[Any]], R]:
    if not conv:
        return lambda r: cls(*r)

    def make(r: Sequence[Any]) -> R:
        v = list(r)
        for i, f in conv:
            v[i] = f(v[i])
        return cls(*v)

    return make


def _json_tuple(s: str) -> tuple[Any, ...]:
    return tuple(json.loads(s))


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outgoing message (a reply or an escalation note) and where its delivery stands."""

    id: int
    key: str  # idempotency key: the same row is never two messages
    kind: str
    account: str
    thread_id: int | None
    conversation: str
    reply_to: str | None
    subject: str
    text: str
    target: dict[str, str]
    state: str
    attempts: int
    last_error: str
    remote_id: str | None
    created_at: float
    lease_owner: str | None = None  # the process sending it ("host:pid:start"), see inscope.lease
    lease_at: float | None = None  # when that process last renewed the lease
    progress: dict[str, Any] = dataclasses.field(default_factory=dict)  # parts already delivered
    send_at: float | None = None  # a scheduled row goes out at this time, never before


# ``t`` is threads and ``p`` its project in every query that uses these.
def _base_priority(v: Any) -> Priority:
    """High / normal / low (a legacy stored 0 reads as high: urgent is the other axis)."""
    return Priority.NORMAL if v is None else Priority(max(int(Priority.HIGH), int(v)))


DISPLAY_PRIORITY = "coalesce(t.priority_override, CASE WHEN t.urgent THEN 0 ELSE t.priority END)"
"""The level a thread is listed and gated at: a priority set by hand, else urgent (0) for an
urgent thread, else its high / normal / low."""

THREAD: Columns[ThreadRow] = Columns(
    ThreadRow, table="t",
    exprs={"project": "p.name", "priority": DISPLAY_PRIORITY, "base_priority": "t.priority"},
    convert={"priority": Priority, "reasons": _json_tuple, "urgent": bool,
             "base_priority": _base_priority},
)

OUTBOX: Columns[OutboxRow] = Columns(OutboxRow, convert={"target": json.loads, "progress": json.loads})

# ``m`` is messages and ``t`` its thread.
MESSAGE: Columns[MessageRow] = Columns(
    MessageRow, table="m",
    exprs={
        "reply_to_text": "(SELECT r.text FROM messages r WHERE r.account = m.account "
                         "AND r.external_id = m.reply_to)",
        "source": "t.source",
    },
    convert={"is_me": bool, "deleted": bool, "meta": json.loads},
)

# ``p`` is projects: the sidebar's counts per project, each as in its view.
PROJECT: Columns[ProjectInfo] = Columns(
    ProjectInfo, table="p",
    exprs={
        "open_count": "(SELECT count(*) FROM threads t WHERE t.project_id = p.id "
                      "AND t.state = 'open' AND t.relevance != 'noise')",
        "held_count": "(SELECT count(*) FROM threads t WHERE t.project_id = p.id "
                      "AND t.state IN ('open', 'snoozed') AND p.status != 'active')",
        "noise_count": "(SELECT count(*) FROM threads t WHERE t.project_id = p.id "
                       "AND t.state = 'open' AND t.relevance = 'noise')",
    },
)
