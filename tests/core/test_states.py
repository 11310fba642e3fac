"""The thread and outbox state machines (inscope/store/states.py): every transition, the
refused ones included, first as pure functions and then through the store's SQL.

The expected tables below are written out by hand, not derived from the module, so a
change to the machine has to change them too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import Author, Item
from inscope.model import SNOOZE_KINDS, THREAD_STATES, SnoozeKind, ThreadState
from inscope.store import Store, StoreError
from inscope.store import states as sm
from inscope.store.states import OUTBOX_STATES, OutboxState, ThreadAction

# --- thread actions --------------------------------------------------------------------

EVERY: dict[ThreadAction, ThreadState] = {"done": "done", "reopen": "open", "snooze": "snoozed",
                                          "escalate": "escalated"}
ACTION_CASES: list[tuple[ThreadState, ThreadAction, ThreadState | None]] = [
    *((s, a, to) for a, to in EVERY.items() for s in THREAD_STATES),
    ("escalated", "resolve", "open"),
    *((s, "resolve", None) for s in ("open", "answered", "done", "snoozed")),
    *((s, "reply", "answered") for s in ("open", "snoozed", "done")),
    ("answered", "reply", None),
    ("escalated", "reply", None),  # the reply is queued; the thread stays with the AM
    ("snoozed", "wake", "open"),
    *((s, "wake", None) for s in ("open", "answered", "done", "escalated")),
    # The remote refused my reply for good: an answered (or closed) thread is back.
    ("answered", "reply_failed", "open"),
    ("done", "reply_failed", "open"),
    *((s, "reply_failed", None) for s in ("open", "snoozed", "escalated")),
    # I cancelled a held reply that had answered the thread: the client waits again.
    ("answered", "unreply", "open"),
    *((s, "unreply", None) for s in ("open", "snoozed", "done", "escalated")),
]


def test_the_action_cases_cover_every_state_and_action() -> None:
    assert {(s, a) for s, a, _ in ACTION_CASES} == {
        (s, a) for s in THREAD_STATES for a in get_args(ThreadAction)}


@pytest.mark.parametrize(("state", "action", "after"), ACTION_CASES)
def test_thread_after_action(state: ThreadState, action: ThreadAction, after: ThreadState | None) -> None:
    assert sm.thread_after_action(state, action) == after


@pytest.mark.parametrize("kind", SNOOZE_KINDS)
def test_every_snooze_kind_with_a_wake_time_is_valid(kind: SnoozeKind) -> None:
    assert sm.snooze_refusal(kind, 1.0) is None


def test_snooze_refusals() -> None:
    assert sm.snooze_refusal("until", None) == "a timed snooze needs a wake time"
    assert sm.snooze_refusal("window", None) == "a timed snooze needs a wake time"
    assert sm.snooze_refusal("followup", None) == "a timed snooze needs a wake time"
    assert sm.snooze_refusal("client", None) is None
    assert sm.snooze_refusal("project", None) is None
    assert sm.snooze_refusal("forever", 1.0) == "unknown snooze kind 'forever'"


def test_leaves_snooze() -> None:
    assert sm.leaves_snooze("snoozed", "open")
    assert not sm.leaves_snooze("snoozed", "snoozed")
    assert not sm.leaves_snooze("open", "answered")


# --- thread after messages -------------------------------------------------------------

def after(state: ThreadState, kind: SnoozeKind | None = None, *, me: bool = False, new_client: bool = False,
          role: str = "client", am: bool = False) -> tuple[ThreadState, bool]:
    return sm.thread_after_messages(state, kind, last_is_me=me, new_client_msg=new_client,
                                    last_role=role, am_spoke=am)


def test_my_message_answers_an_open_thread_only() -> None:
    assert after("open", me=True, role="me") == ("answered", False)
    for state in ("answered", "done", "escalated"):
        assert after(state, me=True, role="me") == (state, False)
    for kind in SNOOZE_KINDS:
        assert after("snoozed", kind, me=True, role="me") == ("snoozed", False)


@pytest.mark.parametrize("state", ["answered", "done"])
def test_a_new_client_message_reopens(state: ThreadState) -> None:
    assert after(state, new_client=True) == ("open", False)


@pytest.mark.parametrize("kind", ["client", "until", "window", "followup"])
def test_a_new_client_message_wakes_snoozes_a_reply_ends(kind: SnoozeKind) -> None:
    assert after("snoozed", kind, new_client=True) == ("open", False)


def test_a_followup_is_ended_by_the_client_not_by_the_team_or_me() -> None:
    # The client answered: their message opens the thread as any client message does.
    assert after("snoozed", "followup", new_client=True) == ("open", False)
    # A teammate, the AM or my own second message does not end the wait.
    assert after("snoozed", "followup", new_client=True, role="team") == ("snoozed", False)
    assert after("snoozed", "followup", me=True, role="me") == ("snoozed", False)
    assert "followup" in sm.CLOCK_SNOOZES and "followup" in sm.CLIENT_ENDS


def test_followup_wake_says_no_answer_only_when_the_client_stayed_silent() -> None:
    assert sm.followup_wake(100.0, None) == 100.0  # the client never wrote
    assert sm.followup_wake(100.0, 50.0) == 100.0  # their last message is older than my reply
    assert sm.followup_wake(100.0, 100.0) == 100.0
    assert sm.followup_wake(100.0, 150.0) is None  # they answered after my reply
    assert sm.followup_wake(None, None) is None


def test_followup_returned_only_while_open_and_unanswered() -> None:
    assert sm.followup_returned("open", 100.0, 50.0)
    assert not sm.followup_returned("open", 100.0, 150.0)  # the client wrote since
    assert not sm.followup_returned("open", None, None)
    for state in ("answered", "done", "snoozed", "escalated"):
        assert not sm.followup_returned(state, 100.0, None)


def test_after_unreply_keeps_a_thread_my_own_message_answers() -> None:
    assert sm.after_unreply("answered", last_is_me=False) == "open"
    assert sm.after_unreply("answered", last_is_me=True) is None
    assert sm.after_unreply("done", last_is_me=False) is None


def test_is_due_never_early() -> None:
    assert sm.is_due(None, 5.0)
    assert sm.is_due(5.0, 5.0) and sm.is_due(5.0, 6.0)
    assert not sm.is_due(5.0, 4.999)


def test_a_project_snooze_waits_for_the_status_flip() -> None:
    assert after("snoozed", "project", new_client=True) == ("snoozed", False)


def test_open_and_escalated_stay_on_a_client_message() -> None:
    assert after("open", new_client=True) == ("open", False)
    assert after("escalated", new_client=True) == ("escalated", False)


def test_no_reopen_without_a_new_client_message_last() -> None:
    # An edit (no newer client message) or a teammate writing after the client.
    assert after("answered") == ("answered", False)
    assert after("done", new_client=True, role="team") == ("done", False)
    assert after("snoozed", "client", new_client=True, role="team") == ("snoozed", False)


def test_the_am_answering_resolves_an_escalation() -> None:
    assert after("escalated", role="am", am=True) == ("open", True)
    # My own message already follows the AM's: the thread is answered.
    assert after("escalated", me=True, role="me", am=True) == ("answered", True)
    for state in ("open", "answered", "done", "snoozed"):
        assert after(state, role="am", am=True)[1] is False


_states = st.sampled_from(THREAD_STATES)
_kinds = st.sampled_from((None, *SNOOZE_KINDS))
_roles = st.sampled_from(("client", "team", "am", "me", "bot", "unknown"))


@given(_states, _kinds, st.booleans(), st.booleans(), _roles, st.booleans())
def test_messages_only_open_answer_or_keep(state: ThreadState, kind: SnoozeKind | None, me: bool,
                                           new_client: bool, role: str, am: bool) -> None:
    new, resolved = after(state, kind, me=me, new_client=new_client, role=role, am=am)
    assert new in (state, "open", "answered")
    assert resolved == (am and state == "escalated")
    if kind == "project" and state == "snoozed":
        assert new == "snoozed"
    if not me and not (new_client and role == "client") and not resolved:
        assert new == state


# --- outbox ----------------------------------------------------------------------------

ALLOWED: set[tuple[OutboxState, OutboxState]] = {
    ("scheduled", "queued"), ("scheduled", "cancelled"),
    ("queued", "sending"), ("queued", "cancelled"),
    ("sending", "sent"), ("sending", "failed"), ("sending", "unknown"), ("sending", "queued"),
    ("failed", "queued"), ("failed", "cancelled"),
    ("unknown", "sent"), ("unknown", "queued"), ("unknown", "cancelled"),
}
PAIRS = [(a, b) for a in OUTBOX_STATES for b in OUTBOX_STATES]


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_can_move(src: OutboxState, dst: OutboxState) -> None:
    assert sm.can_move(src, dst) == ((src, dst) in ALLOWED)


def test_sources_are_the_guard_of_each_move() -> None:
    for dst in OUTBOX_STATES:
        assert sm.sources(dst) == tuple(s for s in OUTBOX_STATES if (s, dst) in ALLOWED)
    with pytest.raises(KeyError):
        sm.sources("bogus")


def _reachable(src: OutboxState) -> set[OutboxState]:
    seen: set[OutboxState] = set()
    todo = [src]
    while todo:
        for nxt in sm.OUTBOX_MOVES[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_named_state_sets() -> None:
    assert set(sm.PENDING) == {s for s in OUTBOX_STATES if sm.OUTBOX_MOVES[s]}
    assert set(sm.WAITING) == {s for s in OUTBOX_STATES if s != "sending" and "sending" in _reachable(s)}
    assert sm.TAKE_BACK == ("scheduled", "queued") and sm.can_move("queued", "cancelled")
    assert all(sm.can_move(s, "cancelled") for s in sm.TAKE_BACK)
    assert sm.EDITABLE == ("scheduled",)
    assert set(sm.UNDELIVERED) == set(sm.PENDING) - {"scheduled"}


@given(st.lists(st.sampled_from(OUTBOX_STATES), max_size=12))
def test_a_scheduled_row_is_sent_only_after_it_was_queued(wanted: list[OutboxState]) -> None:
    state: OutboxState = "scheduled"
    path = [state]
    for dst in wanted:
        if sm.can_move(state, dst):
            state = dst
            path.append(state)
    if "sending" in path:
        assert path[path.index("sending") - 1] == "queued"
    assert "scheduled" not in path[1:]  # never held again once released


@given(st.lists(st.sampled_from(OUTBOX_STATES), max_size=12))
def test_a_row_reaches_sent_only_through_a_send(wanted: list[OutboxState]) -> None:
    state: OutboxState = "queued"
    path = [state]
    for dst in wanted:
        if sm.can_move(state, dst):
            state = dst
            path.append(state)
    assert path[0] == "queued"
    if "sent" in path:
        assert "sending" in path[:path.index("sent")]
        assert path[-1] == "sent"  # terminal
    if "cancelled" in path:
        assert path[-1] == "cancelled"


# --- the store follows the machines ----------------------------------------------------

@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inscope.db")
    s.sync_projects([("Alpha", "active")])
    s.apply_batch("tr", [Item(source="trello", account="tr", external_id="a1", conversation="card",
                              conversation_title="Card", author=Author(id="c1", name="Иван"),
                              text="вопрос?", created_at=datetime(2026, 11, 20, 9, tzinfo=UTC))],
                  "c", project_of=lambda it: "Alpha", role_of=lambda it: "client")
    return s


def _tid(store: Store) -> int:
    return int(store.conn.execute("SELECT id FROM threads").fetchone()[0])


def _act(store: Store, tid: int, action: ThreadAction) -> None:
    if action == "done":
        store.mark_done(tid)
    elif action == "reopen":
        store.reopen(tid)
    elif action == "snooze":
        store.snooze(tid, "client", None, "ждём клиента")
    elif action == "escalate":
        store.escalate(tid, to_name="AM", channel="email", note="n", account="tr", conversation="am",
                       text="t", target={})
    elif action == "resolve":
        store.resolve_escalation(tid)
    elif action == "reply":
        store.queue_reply(tid, "ответ")
    elif action == "unreply":
        state = store.thread(tid).state
        oid = store.queue_reply(tid, "ответ", send_at=2e9)  # answers an open/snoozed/done thread …
        store.conn.execute("UPDATE threads SET state = ? WHERE id = ?", (state, tid))  # … undo that
        store.outbox_withdraw(oid)
        assert store.draft(tid) == "ответ"
    elif action == "reply_failed":
        state = store.thread(tid).state
        oid = store.queue_reply(tid, "ответ")  # answers an open/snoozed/done thread …
        store.conn.execute("UPDATE threads SET state = ? WHERE id = ?", (state, tid))  # … undo that
        store.conn.execute("UPDATE outbox SET state = 'sending' WHERE id = ?", (oid,))
        store.outbox_fail(oid, "403 Forbidden: bot was kicked")
        assert store.thread(tid).delivery_error == "403 Forbidden: bot was kicked"
    else:
        store.wake_due(at=2e9)


@pytest.mark.parametrize(("state", "action", "after"), ACTION_CASES)
def test_store_actions_follow_the_thread_machine(store: Store, state: ThreadState, action: ThreadAction,
                                                 after: ThreadState | None) -> None:
    tid = _tid(store)
    store.conn.execute("UPDATE threads SET state = ?, snooze_kind = ?, snooze_until = ? WHERE id = ?",
                       (state, "until" if state == "snoozed" else None, 1.0, tid))
    if action == "resolve" and after is None:
        with pytest.raises(StoreError, match="not escalated"):
            _act(store, tid, action)
        assert store.thread(tid).state == state
        return
    _act(store, tid, action)
    assert store.thread(tid).state == (state if after is None else after)


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_store_outbox_moves_follow_the_outbox_machine(store: Store, src: OutboxState,
                                                      dst: OutboxState) -> None:
    oid = store.queue_reply(_tid(store), "ответ")
    store.conn.execute("UPDATE outbox SET state = ? WHERE id = ?", (src, oid))
    if (src, dst) in ALLOWED:
        store.outbox_move(oid, dst)
        assert store.outbox_row(oid).state == dst
    else:
        with pytest.raises(StoreError, match="cannot move"):
            store.outbox_move(oid, dst)
        assert store.outbox_row(oid).state == src


@pytest.mark.parametrize("src", OUTBOX_STATES)
def test_record_sent_takes_only_the_moves_into_sent(store: Store, src: OutboxState) -> None:
    oid = store.queue_reply(_tid(store), "ответ")
    store.conn.execute("UPDATE outbox SET state = ? WHERE id = ?", (src, oid))
    def record() -> None:
        store.record_sent(oid, "r1", None, project_of=lambda it: "Alpha", role_of=lambda it: "me")

    if (src, "sent") in ALLOWED:
        record()
        assert store.outbox_row(oid).state == "sent"
    else:
        with pytest.raises(StoreError, match="not being sent"):
            record()
        assert store.outbox_row(oid).state == src
