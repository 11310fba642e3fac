"""Reply windows in the inbox, the header line, re-triage at a boundary, escalation
resolution by the AM and project-status holds — at the store / workspace level (issue 6).

The clock is fixed: Wednesday 12 March 2025 in Europe/Moscow (UTC+3, no DST), windows
Mon–Fri 11:00–12:00 and 17:00–18:00.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import Author
from inscope.config import Config, Me, ProjectCfg, Windows
from inscope.model import Priority
from inscope.store import Store, StoreError
from inscope.workspace import Workspace
from tests.helpers import PROJECTS, fill, item, project_of, role_of, thread_id, triage

MSK = ZoneInfo("Europe/Moscow")


def msk(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 3, day, hh, mm, tzinfo=MSK)


def workspace(home: Path, *, breaks_through: bool = True) -> Workspace:
    cfg = Config(me=Me(name="Мария", timezone="Europe/Moscow"),
                 windows=Windows(reply=["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"],
                                 urgent_breaks_through=breaks_through),
                 projects=[ProjectCfg(name=n, status=s) for n, s in PROJECTS])
    return Workspace(home, cfg, home / "config.toml")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inscope.db")
    fill(s, now=msk(12, 10))  # client messages 10–120 minutes before 10:00
    return s


def inbox(store: Store, max_priority: int | None) -> list[int]:
    return [t for t, _, _ in store.view_index("inbox", max_priority=max_priority)]


# -- the gate -------------------------------------------------------------------------------


def test_gate_is_open_in_a_window_and_holds_outside(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    assert ws.inbox_gate(msk(12, 11, 37).timestamp()).gated is False
    closed = ws.inbox_gate(msk(12, 14, 47).timestamp())
    assert (closed.open, closed.max_priority, closed.held_until) == (
        False, int(Priority.URGENT), msk(12, 17).timestamp())
    # Friday evening: held over the weekend until Monday 11:00.
    assert ws.inbox_gate(msk(14, 18, 30).timestamp()).held_until == msk(17, 11).timestamp()
    nothing = workspace(tmp_path, breaks_through=False).inbox_gate(msk(12, 14, 47).timestamp())
    assert nothing.max_priority == -1


def test_only_urgent_breaks_through_and_the_rest_is_counted(store: Store) -> None:
    urgent = {thread_id(store, "c0"), thread_id(store, "c1")}
    assert len(inbox(store, None)) == 9
    assert set(inbox(store, int(Priority.URGENT))) == urgent
    counts = store.view_counts(max_priority=int(Priority.URGENT))
    assert counts["inbox"] == 9 and counts["held_until_window"] == 7
    assert inbox(store, -1) == []
    assert store.view_counts(max_priority=-1)["held_until_window"] == 9
    assert store.view_counts()["held_until_window"] == 0
    # A priority set by hand counts: raised to urgent, it breaks through.
    c2 = thread_id(store, "c2")
    store.set_priority(c2, Priority.URGENT)
    assert c2 in inbox(store, int(Priority.URGENT))
    # The gate composes with the project filter.
    alpha = store.project_id("Alpha")
    assert {t for t, _, _ in store.view_index("inbox", alpha, max_priority=0)} == urgent | {c2}


# -- the header ------------------------------------------------------------------------------


def test_header_open_window_counts_cleared_of_total(tmp_path: Path, store: Store) -> None:
    ws = workspace(tmp_path)
    store.mark_done(thread_id(store, "c2"))
    store.mark_done(thread_id(store, "c3"))
    # 2 cleared today, 7 still waiting (held-until-window ones included), 2 urgent.
    assert ws.header(store, now=msk(12, 11, 37).timestamp()) == \
        "window open · 23 min left · 2 of 9 cleared · 2 urgent"


def test_header_closed_shows_next_window_and_urgent(tmp_path: Path, store: Store) -> None:
    ws = workspace(tmp_path)
    assert ws.header(store, now=msk(12, 14, 47).timestamp()) == "next window 17:00 (in 2h 13m) · 2 urgent"
    assert ws.header(store, now=msk(14, 18, 30).timestamp()).startswith("next window Mon 11:00 (in 2d 16h)")
    store.mark_done(thread_id(store, "c0"))
    store.mark_done(thread_id(store, "c1"))
    assert ws.header(store, now=msk(12, 14, 47).timestamp()) == "next window 17:00 (in 2h 13m)"


# -- re-triage at a window boundary ------------------------------------------------------------


def test_retriage_at_the_boundary_makes_a_missed_window_overdue(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    store = ws.store()
    store.sync_projects((p.name, p.status) for p in ws.config.projects)
    before = msk(12, 10, 30).timestamp()
    # A question at 10:00, before the 11:00 window: due by its end (SLA "1 window").
    items = [item("c0", 0, "Когда будет готов аудит?", 30, now=msk(12, 10, 30)),
             item("c2", 0, "спасибо", 40, now=msk(12, 10, 30)),
             item("c2", 1, "ответ", 35, author="Мария", author_id="me", now=msk(12, 10, 30))]
    store.apply_batch("tg", items, "c", project_of=project_of,
                      role_of=lambda it: "me" if it.author.id == "me" else "client",
                      triage=ws.rules.triage_fn(before))
    c0 = thread_id(store, "c0")
    th = store.thread(c0)
    assert th.due_at == msk(12, 12).timestamp()
    assert not any("overdue" in r for r in th.reasons)
    # 12:00 passed, the window closed: only the thread a client waits in is re-triaged.
    assert ws.retriage(store, msk(12, 12, 30).timestamp(), waiting_only=True) == 1
    late = store.thread(c0)
    assert any(r.startswith("overdue 30 min") for r in late.reasons)
    # Changed with the two axes: overdue is priority, it never breaks through as urgent.
    assert not late.urgent and late.priority >= Priority.HIGH
    store.close()


# -- escalation resolved by the AM -------------------------------------------------------------


def _escalate(store: Store, tid: int) -> None:
    store.escalate(tid, to_name="Anna", channel="telegram", note="вне договора", account="tg",
                   conversation="42", text="Escalation", target={"chat_id": "42"})


def test_am_message_resolves_escalation_but_client_message_does_not(store: Store) -> None:
    tid = thread_id(store, "c3")
    _escalate(store, tid)
    store.apply_batch("tg", [item("c3", 5, "ну что там?", 0)], "c2", project_of=project_of,
                      role_of=role_of, triage=triage)
    assert store.thread(tid).state == "escalated"
    store.apply_batch("tg", [item("c3", 6, "Договорились, выставлю счёт", 0, author="Anna", author_id="am")],
                      "c3", project_of=project_of, role_of=role_of, triage=triage)
    th = store.thread(tid)
    assert (th.state, th.escalated_to) == ("open", "")
    assert all(e["resolved_at"] for e in store.escalations(tid))
    assert tid not in [t for t, _, _ in store.view_index("escalated")]
    # z does not take back what the AM did: the last undoable action is still my escalation.
    assert store.undo() == "escalate"


def test_am_answer_followed_by_mine_is_answered(store: Store) -> None:
    tid = thread_id(store, "c4")
    _escalate(store, tid)
    me = dataclasses.replace(item("c4", 7, "Передала клиенту", 0),
                             author=Author(id="me", name="Мария", is_me=True))
    am = item("c4", 6, "Ок, беру", 1, author="Anna", author_id="am")
    store.apply_batch("tg", [am, me], "c4", project_of=project_of, role_of=role_of, triage=triage)
    assert store.thread(tid).state == "answered"


def test_resolve_by_hand_and_refuse_when_not_escalated(store: Store) -> None:
    tid = thread_id(store, "c5")
    with pytest.raises(StoreError, match="not escalated"):
        store.resolve_escalation(tid)
    _escalate(store, tid)
    store.resolve_escalation(tid)
    assert store.thread(tid).state == "open"
    assert store.undo() == "resolve"
    assert store.thread(tid).state == "escalated"


# -- held projects wake when the status flips back -------------------------------------------


def test_paused_and_unpaid_threads_wake_when_the_project_is_active(store: Store) -> None:
    beta = [thread_id(store, "c6"), thread_id(store, "c7")]
    delta = thread_id(store, "c11")
    held = {t for t, _, _ in store.view_index("held")}
    assert set(beta) | {delta} <= held
    assert not (set(beta) | {delta}) & set(inbox(store, None))
    # An explicit "until the project is active" snooze in an active project.
    c8 = thread_id(store, "c8")
    store.snooze(c8, "project", None, "until the project is active")
    store.set_project_status("Gamma", "paused")
    store.set_project_status("Beta", "active")
    store.set_project_status("Delta", "active")
    now_inbox = set(inbox(store, None))
    assert set(beta) | {delta} <= now_inbox
    assert store.view_counts()["held"] == 3  # Gamma's c9, c10 and the snoozed c8
    store.set_project_status("Gamma", "active")
    assert c8 in set(inbox(store, None)) and store.thread(c8).state == "open"


def test_unpaid_warning_uses_the_users_timezone(tmp_path: Path, store: Store) -> None:
    ws = workspace(tmp_path)
    delta = thread_id(store, "c11")
    since = msk(1, 0, 30).timestamp()  # 28 Feb 21:30 UTC, but 1 March for the user
    store.conn.execute("UPDATE projects SET status_since = ? WHERE name = 'Delta'", (since,))
    act = ws.actions(store)
    assert act.reply_warning(delta) == "Delta is unpaid since 01 Mar 2025"
    assert act.reply_warning(thread_id(store, "c0")) == ""
