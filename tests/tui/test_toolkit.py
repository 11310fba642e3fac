"""Pilot tests of the specialist's toolkit in the TUI: replies held until the next window or
a time (ctrl+l / ctrl+o), editing and cancelling them (r, the palette), follow-ups (f), reply
templates (ctrl+t) and notifications (toast always; the desktop only while blurred).

The app runs on a fixed, movable clock: Wednesday 12 March 2025, Europe/Moscow, reply
windows Mon–Fri 11–12 and 17–18.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import events

from inscope.alerts import Alert
from inscope.config import AccountCfg
from inscope.store import Store
from tests.helpers import FakeWorkspace, fill, screen_text, settle, thread_id
from tests.tui.test_reply_windows import MSK, Clock, msk, palette, tick
from tui.app import InscopeApp
from tui.messages import SyncRound
from tui.screens.composer import ComposerScreen
from tui.screens.fields import FieldsScreen
from tui.screens.followup import FollowupPicker
from tui.screens.templates import TemplatePicker

SIZE = (150, 45)
WINDOWS = ["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"]


def app_at(tmp_path: Path, at: float) -> tuple[InscopeApp, Store, FakeWorkspace, Clock]:
    ws = FakeWorkspace(tmp_path, windows=WINDOWS, timezone="Europe/Moscow")
    store = Store(ws.db_path)
    fill(store, now=datetime.fromtimestamp(at - 600, MSK))
    clock = Clock(at)
    return InscopeApp(ws, sync=False, clock=clock), store, ws, clock


def toasts(app: InscopeApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_picker(pilot: Any) -> FollowupPicker:
    await pilot.press("f")
    for _ in range(50):
        await pilot.pause()
        if isinstance(pilot.app.screen, FollowupPicker):
            return pilot.app.screen
    raise AssertionError("the follow-up picker did not open")


async def open_composer(pilot: Any) -> ComposerScreen:
    await pilot.press("r")
    for _ in range(50):
        await pilot.pause()
        if isinstance(pilot.app.screen, ComposerScreen):
            return pilot.app.screen
    raise AssertionError("the composer did not open")


# -- send at the next window -------------------------------------------------------------------

async def test_ctrl_l_holds_the_reply_until_the_next_window(tmp_path: Path) -> None:
    app, store, _ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await open_composer(pilot)
        text = screen_text(app)
        assert "ctrl+l sends at the next window, 17:00" in text
        assert "At window" in text and "Template" in text  # the footer shows both keys
        await pilot.press(*"Отвечу в окно")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
        [row] = store.outbox(("scheduled",))
        assert (row.thread_id, row.text, row.send_at) == (tid, "Отвечу в окно", msk(12, 17))
        assert store.thread(tid).state == "answered"
        assert any(t.startswith("reply scheduled for 17:00") for t in toasts(app))
        assert "· 1 scheduled" in screen_text(app)


async def test_ctrl_o_holds_it_until_a_time_in_words(tmp_path: Path) -> None:
    app, store, _ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_composer(pilot)
        await pilot.press(*"Пришлю утром")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"когда-нибудь", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen), "an unclear time keeps the composer open"
        assert "cannot understand" in screen_text(app)
        box = app.screen.query_one("#composer-at")
        box.value = "завтра 11:00"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        [row] = store.outbox(("scheduled",))
        assert row.send_at == msk(13, 11) and row.text == "Пришлю утром"


async def test_r_on_a_scheduled_reply_edits_it_and_ctrl_s_sends_it_now(tmp_path: Path) -> None:
    app, store, _ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    tid = thread_id(store, "c0")
    oid = store.queue_reply(tid, "старый текст", send_at=msk(12, 17))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.inbox_screen.show_view("answered")
        await settle(pilot)
        assert app.inbox.selected_id == tid
        assert "reply scheduled for Wed 12 Mar 17:00" in screen_text(app)  # the detail pane
        composer = await open_composer(pilot)
        assert composer.editing is not None and composer.text == "старый текст"
        assert "Scheduled reply" in screen_text(app) and "Scheduled for Wed 12 Mar 17:00" in screen_text(app)
        await pilot.press(*" и новый")
        await pilot.press("escape")
        await settle(pilot)
        row = store.outbox_row(oid)
        assert (row.state, row.text) == ("scheduled", "старый текст и новый")
        assert any("keeps its time" in t for t in toasts(app))
        await open_composer(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.outbox_row(oid).state == "queued"


async def test_the_palette_cancels_a_scheduled_reply_back_to_the_draft(tmp_path: Path) -> None:
    app, store, _ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    tid = thread_id(store, "c0")
    oid = store.queue_reply(tid, "не отправлять", send_at=msk(12, 17))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await palette(pilot, f"scheduled reply #{oid} (17:00) Chat c0: cancel")
        await settle(pilot)
        assert store.outbox_row(oid).state == "cancelled"
        assert store.draft(tid) == "не отправлять" and store.thread(tid).state == "open"
        assert tid in app.inbox.index.pos, "the client waits again: back in the Inbox"


async def test_the_palette_sends_a_scheduled_reply_now_and_opens_it_to_edit(tmp_path: Path) -> None:
    app, store, _ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    first = store.queue_reply(thread_id(store, "c0"), "первый", send_at=msk(12, 17))
    second = store.queue_reply(thread_id(store, "c1"), "второй", send_at=msk(13, 11))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "· 2 scheduled" in screen_text(app)
        await palette(pilot, f"scheduled reply #{first} (17:00) Chat c0: send now")
        await settle(pilot)
        assert store.outbox_row(first).state == "queued"
        await palette(pilot, f"scheduled reply #{second} (Thu 11:00) Chat c1: edit")
        for _ in range(50):
            await pilot.pause()
            if isinstance(app.screen, ComposerScreen):
                break
        assert isinstance(app.screen, ComposerScreen) and app.screen.text == "второй"
        await pilot.press("ctrl+l")  # at the next window: 17:00 today, sooner than Thu 11:00
        await settle(pilot)
        assert store.outbox_row(second).send_at == msk(12, 17)
        assert "· 1 scheduled" in screen_text(app)


# -- follow-ups ------------------------------------------------------------------------------------

async def test_f_waits_on_the_client_and_the_thread_comes_back(tmp_path: Path) -> None:
    app, store, _ws, clock = app_at(tmp_path, msk(12, 11, 30))  # a window is open
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        assert tid is not None
        await open_composer(pilot)
        await pilot.press(*"Согласуете баннеры?", "ctrl+s")
        await settle(pilot)
        app.inbox_screen.show_view("answered")
        await settle(pilot)
        assert app.inbox.selected_id == tid
        await open_picker(pilot)
        assert "2 reply windows (back Thu 13 Mar 12:00)" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        th = store.thread(tid)
        assert (th.state, th.snooze_kind, th.snooze_until) == ("snoozed", "followup", msk(13, 12))
        app.inbox_screen.show_view("snoozed")
        await settle(pilot)
        text = screen_text(app)
        assert "↩ until Thu 13 Mar 12:00" in text  # the row says when it comes back
        assert "snoozed until Thu 13 Mar 12:00 unless the" in text  # and so does the detail
        clock.t = msk(13, 12) + 1
        await tick(pilot)
        await settle(pilot)
        assert store.thread(tid).state == "open"
        assert any(t.startswith("No answer · Alpha") for t in toasts(app)), toasts(app)
        app.inbox_screen.show_view("inbox")
        await settle(pilot)
        assert app.inbox.selected_id == tid
        assert "back from a follow-up: no answer since" in screen_text(app)


async def test_f_without_a_reply_of_mine_says_so(tmp_path: Path) -> None:
    app, store, _ws, _clock = app_at(tmp_path, msk(12, 11, 30))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        await open_picker(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert any("no reply of mine to wait on" in t for t in toasts(app))
        assert store.thread(tid or 0).state == "open"


async def test_f_custom_time_is_checked_inline(tmp_path: Path) -> None:
    app, store, _ws, _clock = app_at(tmp_path, msk(12, 11, 30))
    tid = thread_id(store, "c0")
    store.queue_reply(tid, "Согласуете?")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.inbox_screen.show_view("answered")
        await settle(pilot)
        await open_picker(pilot)
        await pilot.press("6")  # custom…
        await pilot.press(*"soon", "enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, FollowupPicker) and "cannot understand" in screen_text(app)
        box = app.screen.query_one("#followup-custom")
        box.value = "4 окна"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert store.thread(tid).snooze_until == msk(14, 12)  # the 4th window to open: Fri 11–12


# -- templates -------------------------------------------------------------------------------------

async def test_ctrl_t_inserts_a_template_filled_from_the_thread(tmp_path: Path) -> None:
    app, _store, _ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        composer = await open_composer(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause(0.2)
        assert isinstance(app.screen, TemplatePicker)
        await pilot.press(*"next")
        await pilot.pause()
        assert app.screen.shown[0].name == "next-window"
        await pilot.press("enter")
        await settle(pilot)
        assert _current(app) is composer
        assert composer.text == "Иван, спасибо, сообщение вижу! Подробно отвечу сегодня в 17:00."


async def test_a_template_asks_for_what_the_thread_does_not_know(tmp_path: Path) -> None:
    app, _store, _ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        composer = await open_composer(pilot)
        await pilot.press(*"Добрый день! ")
        await pilot.press("ctrl+t")
        await pilot.pause(0.2)
        await pilot.press(*"monthly", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, FieldsScreen)
        assert app.screen.fields == ["report_link", "summary"]
        await pilot.press("enter")  # an empty field is not accepted
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FieldsScreen)
        app.screen.query_one("#field-0").value = "https://r.example/acme"  # type: ignore[attr-defined]
        app.screen.query_one("#field-1").value = "трафик +12 %"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert _current(app) is composer
        assert composer.text.startswith("Добрый день! Иван, добрый день!")
        assert "https://r.example/acme" in composer.text and "Коротко: трафик +12 %" in composer.text


async def test_esc_in_the_template_picker_inserts_nothing(tmp_path: Path) -> None:
    app, _store, _ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        composer = await open_composer(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause(0.2)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is composer and composer.text == ""


# -- notifications ---------------------------------------------------------------------------------

def alert(tid: int, text: str = "СРОЧНО сайт упал") -> Alert:
    return Alert("urgent", tid, "Alpha", f"Chat {tid}", "Иван", text, 1.0)


async def _round(pilot: Any, *alerts: Alert) -> None:
    pilot.app.post_message(SyncRound(True, set(), {}, [], 0, [], list(alerts)))
    await pilot.pause(0.1)


async def test_blurred_the_desktop_is_notified_focused_only_the_toast(tmp_path: Path) -> None:
    app, _store, ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    ws.config.notify.method = "osc777"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        written: list[str] = []
        app.notifier.write = written.append
        await _round(pilot, alert(1))
        assert written == [] and any(t.startswith("Urgent · Alpha") for t in toasts(app))
        app.post_message(events.AppBlur())
        await pilot.pause()
        assert not app.app_focus
        app.notifier.core.throttle.last = None  # the interval is tested below
        await _round(pilot, alert(2, "сайт упал \x1b]0;pwned\x07\x1b[2J ; снова"))
        assert len(written) == 1
        seq = written[0]
        assert seq.startswith("\x1b]777;notify;Urgent · Alpha;Иван: сайт упал") and seq.endswith("\x07")
        assert seq.count("\x1b") == 1 and seq.count("\x07") == 1, "client text cannot add escapes"
        app.post_message(events.AppFocus())
        await pilot.pause()
        app.notifier.core.throttle.last = None
        await _round(pilot, alert(3))
        assert len(written) == 1


async def test_notifications_are_grouped_and_rate_limited(tmp_path: Path) -> None:
    app, _store, ws, clock = app_at(tmp_path, msk(12, 14, 47))
    ws.config.notify.method = "osc9"
    ws.config.notify.interval = 1
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        written: list[str] = []
        app.notifier.write = written.append
        app.post_message(events.AppBlur())
        await pilot.pause()
        await _round(pilot, alert(1))
        await _round(pilot, alert(2))
        await _round(pilot, alert(3))
        assert len(written) == 1, "one notice per interval"
        clock.t += 2
        await pilot.pause(1.3)
        assert len(written) == 2 and "2 urgent threads" in written[1]
        assert [n.title for n, away in app.notifier.shown] == ["Urgent · Alpha", "2 urgent threads"]


async def test_notify_enabled_false_is_silent(tmp_path: Path) -> None:
    app, _store, ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    ws.config.notify.enabled = False
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.post_message(events.AppBlur())
        await _round(pilot, alert(1))
        assert not any("Urgent" in t for t in toasts(app)) and app._notifier is None


async def test_saved_messages_get_the_notice_while_blurred(tmp_path: Path) -> None:
    app, store, ws, _clock = app_at(tmp_path, msk(12, 14, 47))
    ws.config.accounts.append(AccountCfg("me-tg", "telegram_user"))
    ws.config.notify.saved_messages = "me-tg"
    ws.config.notify.method = "none"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.post_message(events.AppBlur())
        await _round(pilot, alert(1))
        await settle(pilot)
        [row] = [r for r in store.outbox(("queued",)) if r.kind == "notice"]
        assert (row.account, row.target, row.conversation) == ("me-tg", {"chat_id": "me"}, "me")
        assert re.match(r"Urgent · Alpha\nИван: СРОЧНО сайт упал", row.text)


async def test_the_sync_engine_alerts_reach_the_app(tmp_path: Path) -> None:
    """With the real sync loop: an urgent message arriving and a follow-up whose time came
    (the engine's own clock) both become toasts."""
    import time as wall

    from connectors.base import Author, Item
    from tests.core.test_sync import ScriptedSource

    ws = FakeWorkspace(tmp_path, windows=WINDOWS, timezone="Europe/Moscow")
    store = Store(ws.db_path)
    fill(store)
    tid = thread_id(store, "c2")
    store.queue_reply(tid, "Согласуете?")
    store.outbox_move(store.outbox(("queued",))[0].id, "cancelled")  # nothing to send here
    mine = wall.time() - 60
    store.conn.execute("UPDATE threads SET last_client_at = ? WHERE id = ?", (mine - 60, tid))
    store.followup(tid, wall.time() + 1.0, mine, "until soon unless the client answers")
    urgent = Item(source="telegram", account="tg", external_id="new-1", conversation="c3",
                  conversation_title="Chat c3", author=Author("u1", "Иван"), text="СРОЧНО: сайт упал",
                  created_at=datetime.now(MSK))
    store.conn.execute("UPDATE cursors SET value = '0' WHERE account = 'tg'")  # the source's own
    src = ScriptedSource("tg", [[], [urgent]])
    ws.test_connectors = {"tg": src}
    ws.config.notify.interval = 0  # the rate limit is tested above
    app = InscopeApp(ws, sync=True, sync_interval=0.2)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            got = toasts(app)
            if all(any(w in t for t in got) for w in ("No answer", "Urgent", "are back")):
                break
        got = toasts(app)
        assert any(t.startswith("Urgent · Alpha: Иван: СРОЧНО: сайт упал") for t in got), got
        assert any(t.startswith("No answer · Alpha") for t in got), got
        assert any("snoozed thread(s) are back" in t for t in got), got


def _current(app: InscopeApp) -> object:
    """The screen on top, as a plain object (so an earlier isinstance narrowing does not stick)."""
    return app.screen
