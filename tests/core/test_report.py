"""Report numbers on a fixed fixture (issue 6, time per client).

Reply windows Mon–Fri 11:00–12:00 and 17:00–18:00 UTC; the week of Mon 10 March 2025.
Every expected number below is worked out by hand in the comments.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.config import parse_window
from inscope.model import Assessment, MsgFacts, Priority
from inscope.report import build_report, render
from inscope.rules.windows import Schedule
from inscope.store import Store

SINCE = datetime(2025, 3, 10, tzinfo=UTC).timestamp()  # Monday 00:00
SCHEDULE = Schedule(parse_window("Mon-Fri 11:00-12:00") + parse_window("Mon-Fri 17:00-18:00"), "UTC")
ROUTES = {"a1": "Alpha", "a2": "Alpha", "b1": "Beta", "g1": "Gamma"}
ME = "maria_seo"


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 3, day, hh, mm, tzinfo=UTC)


def msg(conv: str, n: int, who: str, when: datetime, text: str = "вопрос?") -> Item:
    return Item(source="telegram", account="tg", external_id=f"{conv}-{n}", conversation=conv,
                conversation_title=f"Chat {conv}",
                author=Author(id=who, name=who, handle=who, is_me=who == "me"),
                text=text, created_at=when)


def role_of(it: Item) -> str:
    # My handle without the connector's is_me flag (written in the Telegram app): role 'me'.
    return "me" if it.author.handle == ME else "client"


def triage(_pid: int, _name: str, facts: Sequence[MsgFacts],
           _members: tuple[str, ...]) -> Assessment:
    out = any("логотип" in f.text for f in facts if f.role == "client")
    return Assessment(scope="out" if out else "in", scope_reason="логотип" if out else "",
                      priority=Priority.NORMAL)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inscope.db")
    s.sync_projects([("Alpha", "active"), ("Beta", "paused"), ("Gamma", "active")])
    items = [
        # Alpha a1: two client messages before the 11:00 window, answered 11:30 → 0.5 window h;
        # a client message 12:30 (after the window) answered 17:15 → 0.25 window h.
        msg("a1", 1, "client", at(10, 10)),
        msg("a1", 2, "client", at(10, 10, 30)),
        msg("a1", 3, "me", at(10, 11, 30), "ответ"),
        msg("a1", 4, "client", at(10, 12, 30)),
        msg("a1", 5, "me", at(10, 17, 15), "ответ"),
        # Alpha a2: Tuesday 09:00, out of scope; answered 11:45 from the Telegram app
        # (role 'me' by handle, not is_me) → 0.75 window h.
        msg("a2", 1, "client", at(11, 9), "нарисуйте нам логотип?"),
        msg("a2", 2, ME, at(11, 11, 45), "это не входит в договор"),
        # Beta: one unanswered message.
        msg("b1", 1, "client", at(10, 10)),
        # Gamma: only activity before the report period.
        msg("g1", 1, "client", at(9, 10)),
        msg("g1", 2, "me", at(9, 12), "ответ"),
    ]
    s.apply_batch("tg", items, "c1", project_of=lambda it: ROUTES[it.conversation], role_of=role_of,
                  triage=triage)
    tid = {c: s.conn.execute("SELECT id FROM threads WHERE conversation = ?", (c,)).fetchone()[0]
           for c in ROUTES}
    # Focus 120 s on a1, compose 90 s + focus 30 s on a2 → 240 s = 4.0 min for Alpha;
    # an "open" event carries no time; a focus event before the period is not counted.
    for ts, kind, conv, seconds in [
        (at(10, 11, 20), "focus", "a1", 120), (at(11, 11, 40), "compose", "a2", 90),
        (at(11, 11, 41), "focus", "a2", 30), (at(11, 11, 42), "open", "a2", None),
        (at(9, 12), "focus", "g1", 600),
    ]:
        data = json.dumps({} if seconds is None else {"seconds": seconds})
        s.conn.execute("INSERT INTO events (ts, kind, thread_id, data) VALUES (?, ?, ?, ?)",
                       (ts.timestamp(), kind, tid[conv], data))
    s.escalate(tid["a2"], to_name="Anna", channel="telegram", note="допродажа", account="tg",
               conversation="42", text="Escalation", target={"chat_id": "42"})
    return s


def test_report_numbers_per_project(store: Store) -> None:
    rows = {r.project: r for r in build_report(store, SCHEDULE, SINCE)}
    assert set(rows) == {"Alpha", "Beta"}  # Gamma had nothing in the period
    a = rows["Alpha"]
    assert (a.received, a.replies) == (4, 3)
    assert a.median_first_response_wh == 0.5  # median of 0.5, 0.25, 0.75
    assert a.time_spent_min == 4.0
    assert (a.escalations, a.out_of_scope) == (1, 1)
    b = rows["Beta"]
    assert (b.status, b.received, b.replies, b.median_first_response_wh) == ("paused", 1, 0, None)
    assert (b.time_spent_min, b.escalations, b.out_of_scope) == (0.0, 0, 0)


def test_report_period_start_counts(store: Store) -> None:
    # From Tuesday: only a2 (0.75 window h) and its 2 minutes of events remain for Alpha.
    rows = {r.project: r for r in build_report(store, SCHEDULE, at(11, 0).timestamp())}
    a = rows["Alpha"]
    assert (a.received, a.replies, a.median_first_response_wh, a.time_spent_min) == (1, 1, 0.75, 2.0)
    assert "Beta" not in rows


def test_first_response_is_in_window_hours_not_wall_hours(store: Store) -> None:
    wall = Schedule()  # no windows: plain elapsed hours
    a = {r.project: r for r in build_report(store, wall, SINCE)}["Alpha"]
    # 10:00→11:30 = 1.5 h, 12:30→17:15 = 4.75 h, 09:00→11:45 = 2.75 h → median 2.75.
    assert a.median_first_response_wh == 2.75


def test_report_renders_markdown_and_csv(store: Store) -> None:
    rows = build_report(store, SCHEDULE, SINCE)
    md = render(rows, "md")
    assert "| Alpha | active | 4 | 3 | 0.5 | 4.0 | 1 | 1 |" in md
    assert "| Beta | paused | 1 | 0 | — | 0.0 | 0 | 0 |" in md
    assert "Total time: 4 min across 2 projects." in md
    table = list(csv.reader(io.StringIO(render(rows, "csv"))))
    assert table[0][0] == "project" and table[1] == ["Alpha", "active", "4", "3", "0.5", "4.0", "1", "1"]
