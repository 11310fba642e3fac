"""Replies held until a send time: the store, the engine and the action layer.

A reply sent "at the next window" or "завтра 11:00" is an outbox row ``scheduled`` with its
``send_at``: the thread is answered at once, the header counts it, its text and time can
change until then, cancelling it puts the text back in the draft, and the sync engine
promotes and sends it once the clock has passed ``send_at`` — never before (the crash tests
are in tests/reliability/test_scheduled_crash.py).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inscope.actions import ActionError, Actions
from inscope.store import Store, StoreError
from inscope.sync import SyncEngine, SyncReport
from tests.core.test_sync import ScriptedSource, hooks
from tests.helpers import FakeWorkspace, fill, item, project_of, role_of, thread_id, triage

MSK = ZoneInfo("Europe/Moscow")
WINDOWS = ["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"]


def msk(day: int, hh: int, mm: int = 0) -> float:
    """Wednesday 12 March 2025 is day 12."""
    return datetime(2025, 3, day, hh, mm, tzinfo=MSK).timestamp()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inscope.db")
    fill(s)
    return s


def test_a_held_reply_answers_the_thread_and_waits(store: Store) -> None:
    tid = thread_id(store, "c2")
    at = time.time() + 3600
    oid = store.queue_reply(tid, "ответ в окно", send_at=at)
    row = store.outbox_row(oid)
    assert (row.state, row.send_at) == ("scheduled", at)
    assert store.thread(tid).state == "answered"
    assert store.view_counts()["scheduled"] == 1 and store.scheduled_count() == 1
    assert store.next_send_at() == at
    assert store.outbox_promote(at - 1) == [] and store.outbox_row(oid).state == "scheduled"
    assert store.outbox_promote(at) == [oid]
    row = store.outbox_row(oid)
    assert row.state == "queued" and store.view_counts()["scheduled"] == 0
    assert store.outbox_promote(at + 10) == []  # idempotent


def test_the_claim_refuses_a_row_before_its_send_time_whatever_its_state(store: Store) -> None:
    oid = store.queue_reply(thread_id(store, "c2"), "ответ", send_at=time.time() + 3600)
    store.conn.execute("UPDATE outbox SET state = 'queued' WHERE id = ?", (oid,))  # by hand, early
    assert not store.outbox_claim(oid, "me:1:1")
    assert store.outbox_row(oid).state == "queued"
    store.conn.execute("UPDATE outbox SET send_at = ? WHERE id = ?", (time.time() - 1, oid))
    assert store.outbox_claim(oid, "me:1:1")


def test_edit_and_release_only_while_held(store: Store) -> None:
    tid = thread_id(store, "c2")
    at = time.time() + 3600
    oid = store.queue_reply(tid, "черновик", send_at=at)
    store.outbox_edit(oid, text="исправленный ответ")
    store.outbox_edit(oid, send_at=at + 60)
    row = store.outbox_row(oid)
    assert (row.text, row.send_at, row.state) == ("исправленный ответ", at + 60, "scheduled")
    with pytest.raises(StoreError, match="empty"):
        store.outbox_edit(oid, text="  ")
    store.outbox_edit(oid, text="сейчас", release_at=time.time())
    row = store.outbox_row(oid)
    assert row.state == "queued" and row.text == "сейчас" and row.send_at is not None
    with pytest.raises(StoreError, match="only a scheduled reply"):
        store.outbox_edit(oid, text="поздно")


def test_withdrawing_a_held_reply_restores_the_draft_and_the_thread(store: Store) -> None:
    tid = thread_id(store, "c2")
    store.save_draft(tid, "начало нового ответа")
    oid = store.queue_reply(tid, "ответ, который не уйдёт", send_at=time.time() + 3600)
    assert store.draft(tid) == ""  # queueing took the draft
    store.save_draft(tid, "начало нового ответа")
    assert store.outbox_withdraw(oid) == tid
    assert store.outbox_row(oid).state == "cancelled"
    assert store.thread(tid).state == "open", "the client waits again"
    assert store.draft(tid) == "начало нового ответа\n\nответ, который не уйдёт"


def test_withdrawing_keeps_a_thread_that_another_reply_answers(store: Store) -> None:
    tid = thread_id(store, "c2")
    store.queue_reply(tid, "ответ сейчас")
    later = store.queue_reply(tid, "и ещё позже", send_at=time.time() + 3600)
    store.outbox_withdraw(later)
    assert store.thread(tid).state == "answered"


def test_undo_takes_back_a_held_reply(store: Store) -> None:
    tid = thread_id(store, "c2")
    oid = store.queue_reply(tid, "отменю", send_at=time.time() + 3600)
    assert store.undo() == "reply"
    assert store.outbox_row(oid).state == "cancelled"
    assert store.thread(tid).state == "open" and store.draft(tid) == "отменю"


async def test_the_engine_sends_a_held_reply_after_its_time_not_before(tmp_path: Path) -> None:
    store = Store(tmp_path / "inscope.db")
    store.sync_projects([("P", "active")])
    src = ScriptedSource("a", [[item("c0", 0, "вопрос?", 5)]])
    src.account = "tg"
    eng = SyncEngine(store, {"tg": src}, hooks())
    await eng.sync_all()
    tid = int(store.conn.execute("SELECT id FROM threads").fetchone()[0])
    at = time.time() + 1.0
    oid = store.queue_reply(tid, "в окно", send_at=at)
    rep = await eng.sync_all()
    assert src.sent == [] and rep.promoted == 0 and store.outbox_row(oid).state == "scheduled"
    while time.time() < at:
        await eng.drain_outbox(SyncReport())
        # A drain that began just before the send time may rightly send before it returns;
        # one that sent and still ended before the send time sent early.
        if src.sent:
            assert time.time() >= at, "never before its time"
            break
    if not src.sent:
        rep = SyncReport()
        await eng.drain_outbox(rep)
        assert rep.promoted == 1 and rep.sent == 1
    assert [o.text for o in src.sent] == ["в окно"]
    assert store.outbox_row(oid).state == "sent"
    await eng.drain_outbox(SyncReport())
    assert len(src.sent) == 1, "exactly once"
    store.close()


# -- the action layer -----------------------------------------------------------------------


def acts(tmp_path: Path, at: float, *, windows: list[str] | None = None) -> tuple[Actions, Store]:
    ws = FakeWorkspace(tmp_path, windows=WINDOWS if windows is None else windows,
                       timezone="Europe/Moscow")
    store = Store(ws.db_path)
    store.sync_projects([("Alpha", "active"), ("Beta", "paused"), ("Gamma", "active"),
                         ("Delta", "unpaid")])
    store.apply_batch("tg", [item("c2", 0, "вопрос про robots.txt?", 30,
                                  now=datetime.fromtimestamp(at, MSK))],
                      "c1", project_of=project_of, role_of=role_of, triage=triage)
    return Actions(ws, store, now=lambda: at), store


def test_reply_at_the_next_window_outside_one(tmp_path: Path) -> None:
    act, store = acts(tmp_path, msk(12, 14, 47))
    tid = thread_id(store, "c2")
    plan = act.window_send()
    assert plan.at == msk(12, 17) and plan.label == "at the next window, 17:00"
    out = act.reply(tid, "отвечу в окно", at_window=True)
    assert out.message.startswith("reply scheduled for 17:00 (outbox #")
    row = store.outbox_row(out.outbox_id or 0)
    assert (row.state, row.send_at) == ("scheduled", msk(12, 17))
    assert act.inbox()["scheduled"] == 1


def test_reply_at_the_next_window_inside_one_goes_now(tmp_path: Path) -> None:
    act, store = acts(tmp_path, msk(12, 11, 30))
    assert act.window_send().at is None
    out = act.reply(thread_id(store, "c2"), "сейчас", at_window=True)
    assert out.message.startswith("a reply window is open: reply queued")
    assert store.outbox_row(out.outbox_id or 0).state == "queued"


def test_reply_at_a_time_in_words(tmp_path: Path) -> None:
    act, store = acts(tmp_path, msk(12, 14, 47))
    out = act.reply(thread_id(store, "c2"), "завтра утром", when="завтра 11:00")
    assert store.outbox_row(out.outbox_id or 0).send_at == msk(13, 11)
    with pytest.raises(ActionError, match="passed"):
        act.reply(thread_id(store, "c2"), "вчера", at=msk(12, 10))
    with pytest.raises(ActionError, match="cannot understand"):
        act.reply(thread_id(store, "c2"), "когда-нибудь", when="когда-нибудь")
    with pytest.raises(ActionError, match="one of"):
        act.reply(thread_id(store, "c2"), "x", when="завтра 11:00", at_window=True)


def test_edit_move_send_now_and_cancel_a_held_reply(tmp_path: Path) -> None:
    act, store = acts(tmp_path, msk(12, 14, 47))
    tid = thread_id(store, "c2")
    oid = act.reply(tid, "первый текст", at_window=True).outbox_id or 0
    assert [r.id for r in act.scheduled_replies(tid)] == [oid]
    assert "changed" in act.edit_scheduled(oid, "второй текст").message
    assert store.outbox_row(oid).text == "второй текст"
    act.edit_scheduled(oid, when="пт 11:00")
    assert store.outbox_row(oid).send_at == msk(14, 11)
    out = act.cancel(oid)
    assert "back in the draft" in out.message and out.threads == (tid,)
    assert act.draft(tid) == "второй текст" and store.thread(tid).state == "open"
    with pytest.raises(ActionError, match="cancelled"):
        act.edit_scheduled(oid, "поздно")
    oid2 = act.reply(tid, "отправлю сразу", at_window=True).outbox_id or 0
    assert act.send_scheduled_now(oid2).message == f"outbox #{oid2} goes out now"
    assert store.outbox_row(oid2).state == "queued"
    conv = act.conversation(tid)
    assert conv.scheduled == ()


def test_the_conversation_shows_its_held_replies(tmp_path: Path) -> None:
    act, store = acts(tmp_path, msk(12, 14, 47))
    tid = thread_id(store, "c2")
    oid = act.reply(tid, "в окно", at_window=True).outbox_id
    assert act.conversation(tid).scheduled == ((oid, "Wed 12 Mar 17:00"),)
    assert [r.state for r in act.outbox()] == ["scheduled"]
