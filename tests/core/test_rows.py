"""Row → dataclass mapping by column name (inscope/store/rows.py): the SELECT list and the
mapping come from one field list, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.model import Priority, ThreadRow
from inscope.store import Store, rows
from inscope.store.rows import Columns


@dataclass(frozen=True, slots=True)
class Pair:
    a: int
    b: str
    c: tuple[int, ...] = ()


def test_select_lists_every_field_in_field_order_with_the_table_prefix() -> None:
    assert Columns(Pair, table="x", exprs={"b": "upper(x.name)"}).select == "x.a, upper(x.name), x.c"
    assert Columns(Pair).select == "a, b, c"


def test_make_builds_by_field_and_converts_only_the_named_fields() -> None:
    cols = Columns(Pair, convert={"c": lambda s: tuple(map(int, s.split(",")))})
    assert cols.make((1, "x", "2,3")) == Pair(1, "x", (2, 3))
    assert Columns(Pair).make((1, "x", ())) == Pair(1, "x", ())


@pytest.mark.parametrize("kw", [{"exprs": {"nope": "1"}}, {"convert": {"nope": int}}])
def test_a_name_that_is_not_a_field_is_refused(kw: dict[str, dict[str, object]]) -> None:
    with pytest.raises(TypeError, match="Pair has no field nope"):
        Columns(Pair, **kw)  # type: ignore[arg-type]


def test_each_thread_field_holds_its_own_column(tmp_path: Path) -> None:
    store = Store(tmp_path / "inscope.db")
    store.sync_projects([("Alpha", "active")])
    store.apply_batch("tg", [Item(source="telegram", account="tg", external_id="m1", conversation="c1",
                                  conversation_title="Чат", author=Author(id="u", name="Иван"),
                                  text="вопрос", created_at=datetime(2026, 1, 1, tzinfo=UTC))],
                      "c", project_of=lambda it: "Alpha", role_of=lambda it: "client")
    # Distinct values in every column, so a field reading its neighbour's column shows.
    store.conn.execute("UPDATE threads SET url = 'u', scope = 's', scope_reason = 'sr', relevance = 'r', "
                       "due_at = 5, snooze_until = 6, snooze_kind = 'sk', snooze_reason = 'sn', "
                       "escalated_to = 'e', last_author = 'la', reasons = '[\"x\"]', "
                       "urgent = 1, urgent_reason = 'ur', relevance_reason = 'rr', "
                       "relevance_override = 'ro', priority = 3")
    row = next(iter(store.threads_by_id([1]).values()))
    for f in fields(ThreadRow):
        if f.name in ("project", "priority", "reasons", "base_priority"):
            continue
        (value,) = store.conn.execute(f"SELECT {f.name} FROM threads WHERE id = 1").fetchone()
        assert getattr(row, f.name) == value, f.name
    assert (row.project, row.reasons) == ("Alpha", ("x",))
    # Two axes: the stored priority is the one inside a window; an urgent thread shows urgent.
    assert (row.priority, row.base_priority) == (Priority.URGENT, Priority.LOW)


def test_thread_rows_convert_priority_and_reasons() -> None:
    values: dict[str, object] = {f.name: None for f in fields(ThreadRow)}
    values.update(id=1, priority=0, reasons='["срочно"]')
    row = rows.THREAD.make(tuple(values.values()))
    assert row.priority is Priority.URGENT and row.reasons == ("срочно",) and row.id == 1
