"""Follow-ups ("waiting on the client"): when they wake, and what waking does.

After my reply, a follow-up takes the thread out of the inbox (Snoozed, with its wake time)
until "N windows" or "N days" later.  If the client stays silent it comes back open with
"no answer since <my reply>"; if they answer first, their message opens the thread as any
client message does and the follow-up is over (it does not come back later).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inscope.actions import ActionError, Actions
from inscope.config.windowspec import parse_window
from inscope.rules.followup import followup_at
from inscope.rules.windows import Schedule
from inscope.store import Store
from tests.helpers import FakeWorkspace, item, project_of, role_of, thread_id, triage

MSK = ZoneInfo("Europe/Moscow")
WINDOWS = ["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"]


def msk(day: int, hh: int, mm: int = 0) -> datetime:
    """March 2025: the 12th is a Wednesday, the 14th a Friday, the 17th a Monday."""
    return datetime(2025, 3, day, hh, mm, tzinfo=MSK)


def schedule() -> Schedule:
    return Schedule([s for spec in WINDOWS for s in parse_window(spec)], "Europe/Moscow")


# -- when it wakes (pure) ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "now", "wake", "label"), [
    ("2 windows", msk(12, 14, 47), msk(13, 12), "2 reply windows"),
    ("1 window", msk(12, 14, 47), msk(12, 18), "1 reply window"),
    # A window open now does not count: the client gets whole windows to answer.
    ("1 window", msk(12, 11, 30), msk(12, 18), "1 reply window"),
    ("2 окна", msk(14, 17, 30), msk(17, 18), "2 reply windows"),  # over the weekend
    ("окно", msk(12, 9), msk(12, 12), "1 reply window"),
    ("3 days", msk(12, 14, 47), msk(15, 14, 47), "3 days"),
    ("через 2 дня", msk(12, 14, 47), msk(14, 14, 47), "2 days"),
    ("1d", msk(12, 14, 47), msk(13, 14, 47), "1 day"),
    ("fri 11:00", msk(12, 14, 47), msk(14, 11), "fri 11:00"),
])
def test_followup_at(text: str, now: datetime, wake: datetime, label: str) -> None:
    got = followup_at(text, now, schedule())
    assert (got.at, got.label) == (wake, label)


def test_followup_at_with_no_windows_counts_days() -> None:
    now = datetime(2025, 3, 12, 10, tzinfo=UTC)
    assert followup_at("2 windows", now, Schedule()).at == now + timedelta(days=2)


@pytest.mark.parametrize("text", ["", "soon", "0 windows", "101 days", "2 windowz"])
def test_followup_at_refuses_what_it_does_not_understand(text: str) -> None:
    with pytest.raises(ValueError):
        followup_at(text, msk(12, 14, 47), schedule())


def test_nth_window_end_skips_the_open_window() -> None:
    s = schedule()
    assert s.nth_window_end_ts(msk(12, 11, 1).timestamp(), 1) == msk(12, 18).timestamp()
    assert s.nth_window_end_ts(msk(12, 11).timestamp(), 1) == msk(12, 12).timestamp()
    assert s.nth_window_end_ts(msk(12, 10, 59).timestamp(), 1) == msk(12, 12).timestamp()
    with pytest.raises(ValueError):
        s.nth_window_end_ts(0.0, 0)


# -- what waking does (store and actions) --------------------------------------------------------

class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def setup(tmp_path: Path, at: datetime) -> tuple[Actions, Store, Clock, int]:
    """A thread where the client asked at ``at`` - 30 min and I answered at ``at`` - 10 min."""
    ws = FakeWorkspace(tmp_path, windows=WINDOWS, timezone="Europe/Moscow")
    store = Store(ws.db_path)
    store.sync_projects([("Alpha", "active")])
    store.apply_batch("tg", [item("c2", 0, "пришлите отчёт?", 30, now=at)], "c1",
                      project_of=project_of, role_of=role_of, triage=triage)
    tid = thread_id(store, "c2")
    mine = item("c2", 1, "Отчёт готов, согласуете?", 10, now=at, author="Мария", author_id="me")
    store.apply_batch("tg", [mine], "c2", project_of=project_of,
                      role_of=lambda it: "me" if it.author.id == "me" else "client", triage=triage)
    store.conn.execute("UPDATE messages SET is_me = 1 WHERE external_id = 'c2-m1'")
    clock = Clock(at.timestamp())
    return Actions(ws, store, now=clock), store, clock, tid


def test_the_client_stays_silent_and_the_thread_comes_back(tmp_path: Path) -> None:
    now = msk(12, 14, 47)
    act, store, clock, tid = setup(tmp_path, now)
    assert store.thread(tid).state == "answered"
    out = act.followup([tid], "2 windows")
    assert out.state == "snoozed" and "back Thu 13 Mar 12:00" in out.message
    th = store.thread(tid)
    assert (th.state, th.snooze_kind, th.snooze_until) == ("snoozed", "followup", msk(13, 12).timestamp())
    assert th.snooze_reason == ("until Thu 13 Mar 12:00 unless the client answers "
                                "(waiting since Wed 12 Mar 14:37)")
    assert act.inbox("snoozed")["groups"][0]["threads"][0]["snooze"]["kind"] == "followup"
    clock.t = msk(13, 11, 59).timestamp()
    assert act.wake().woken == []
    clock.t = msk(13, 12).timestamp()
    wake = act.wake()
    assert wake.woken == [tid] and wake.returned == [tid]
    th = store.thread(tid)
    assert th.state == "open" and th.snooze_kind is None
    assert act.followup_note(th) == "no answer since Wed 12 Mar 14:37"
    assert act.conversation(tid).followup_note == "no answer since Wed 12 Mar 14:37"
    # My next reply ends it.
    act.reply(tid, "Напоминаю про отчёт")
    assert act.followup_note(store.thread(tid)) == ""


def test_the_client_answers_first_and_it_stays_away(tmp_path: Path) -> None:
    now = msk(12, 14, 47)
    act, store, clock, tid = setup(tmp_path, now)
    act.followup([tid], "2 windows")
    store.apply_batch("tg", [item("c2", 2, "Согласовано!", -60, now=now)], "c3",
                      project_of=project_of, role_of=role_of, triage=triage)
    th = store.thread(tid)
    assert th.state == "open" and th.snooze_kind is None, "their message opens it as usual"
    assert act.followup_note(th) == ""
    store.mark_done(tid)
    clock.t = msk(13, 12).timestamp()
    assert act.wake().woken == [] and store.thread(tid).state == "done"


def test_a_teammate_writing_does_not_end_the_wait(tmp_path: Path) -> None:
    now = msk(12, 14, 47)
    act, store, clock, tid = setup(tmp_path, now)
    act.followup([tid], "1 day")
    store.apply_batch("tg", [item("c2", 3, "я тоже жду", -5, now=now, author_id="am")], "c4",
                      project_of=project_of, role_of=role_of, triage=triage)
    assert store.thread(tid).state == "snoozed"
    clock.t = (now + timedelta(days=1)).timestamp()
    assert act.wake().returned == [tid]


def test_a_followup_needs_my_reply_and_no_newer_client_message(tmp_path: Path) -> None:
    now = msk(12, 14, 47)
    act, store, _clock, tid = setup(tmp_path, now)
    store.apply_batch("tg", [item("c2", 4, "а ещё вопрос?", 1, now=now)], "c5",
                      project_of=project_of, role_of=role_of, triage=triage)
    with pytest.raises(ActionError, match="the client wrote after my last reply"):
        act.followup([tid], "2 windows")
    store.apply_batch("tg", [item("c9", 0, "привет?", 1, now=now)], "c6",
                      project_of=project_of, role_of=role_of, triage=triage)
    with pytest.raises(ActionError, match="no reply of mine"):
        act.followup([thread_id(store, "c9")], "2 windows")
    with pytest.raises(ActionError, match="cannot understand"):
        act.followup([tid], "когда-нибудь")


def test_a_held_reply_is_what_the_followup_waits_from(tmp_path: Path) -> None:
    now = msk(12, 14, 47)
    act, store, _clock, tid = setup(tmp_path, now)
    store.apply_batch("tg", [item("c2", 5, "а что с отчётом?", 1, now=now)], "c7",
                      project_of=project_of, role_of=role_of, triage=triage)
    act.reply(tid, "Пришлю в окно, согласуете?", at_window=True)  # goes at 17:00
    act.followup([tid], "2 windows")
    assert store.thread(tid).followup_since == msk(12, 17).timestamp()


def test_undo_takes_a_followup_back(tmp_path: Path) -> None:
    act, store, _clock, tid = setup(tmp_path, msk(12, 14, 47))
    act.followup([tid], "3 days")
    assert act.undo().message == "undone: followup"
    th = store.thread(tid)
    assert th.state == "answered" and th.snooze_kind is None and th.followup_since is None
