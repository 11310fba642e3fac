"""The CLI and the TUI do the same thing, because both call ``inscope.actions``.

One workspace on disk (a real config, the real rules, the real store), driven once by
``inscope …`` commands and once by keys in the TUI: an unpaid project's reply needs a
confirmation in both, an assignment re-triages the thread in its new project in both, and
times are shown in ``[me] timezone`` in both — not in the machine's.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.cli import main
from inscope.store import Store
from inscope.workspace import Workspace
from tests.helpers import settle
from tui.app import InscopeApp
from tui.screens.composer import ComposerScreen

SIZE = (140, 45)
TZ = "Asia/Yekaterinburg"  # UTC+5, never the machine's zone here (the tests run in UTC)

CONFIG = f'''
[me]
name = "Мария"
timezone = "{TZ}"

[windows]
reply = []

[[projects]]
name = "Acme"
importance = "vip"
telegram_chats = ["-1001"]

[[projects]]
name = "Clinic"
status = "unpaid"
telegram_chats = ["-1002"]
'''


def client_item(chat: str, conv: str, n: int, text: str, *, routed: bool = True,
                at: datetime | None = None) -> Item:
    return Item(
        source="telegram", account="tg", external_id=f"{conv}-{n}", conversation=conv,
        conversation_title=f"Chat {conv}", author=Author(id="u1", name="Иван", handle="ivan"),
        text=text, created_at=at or datetime.now(UTC) - timedelta(minutes=30),
        routes=(f"telegram_chat:{chat}",) if routed else (),
    )


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    w = Workspace.open()
    store = w.store()
    h = w.hooks()
    items = [
        client_item("-1002", "clinic-1", 0, "когда будет отчёт?"),
        client_item("-1002", "clinic-2", 0, "и ещё вопрос по ссылкам?"),
        client_item("-9", "stray-1", 0, "подскажите по robots.txt?", routed=False),
        client_item("-9", "stray-2", 0, "подскажите по robots.txt?", routed=False),
        client_item("-1001", "acme-1", 0, "привет",
                    at=datetime(2026, 3, 10, 4, 5, tzinfo=UTC)),  # 09:05 in Yekaterinburg
    ]
    store.apply_batch("tg", items, "c1", project_of=h.project_of, role_of=h.role_of,
                      role_in=h.role_in, triage=h.triage())
    store.close()
    return w


def tid(store: Store, conv: str) -> int:
    row = store.conn.execute("SELECT id FROM threads WHERE conversation = ?", (conv,)).fetchone()
    assert row is not None
    return int(row[0])


def replies(store: Store, thread: int) -> list[str]:
    return [r.state for r in store.outbox(("queued", "sending", "sent")) if r.thread_id == thread]


async def test_unpaid_reply_needs_a_confirmation_in_the_cli_and_the_tui(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    store = ws.store()
    cli_t, tui_t = tid(store, "clinic-1"), tid(store, "clinic-2")
    warning = ws.actions(store).reply_warning(cli_t)
    assert warning.startswith("Clinic is unpaid since ")

    # CLI: refused with the warning and the way to confirm; nothing is queued.
    assert await asyncio.to_thread(main, ["reply", str(cli_t), "-m", "отчёт в пятницу"]) == 1
    err = capsys.readouterr().err
    assert warning in err and "--yes" in err
    assert replies(store, cli_t) == []
    # (in a thread: the CLI runs its own event loop to deliver, and this test runs in one)
    assert await asyncio.to_thread(main, ["reply", str(cli_t), "-m", "отчёт в пятницу", "--yes"]) == 0
    assert replies(store, cli_t) == ["queued"]

    # TUI: the first ctrl+s shows the same warning and queues nothing; the second sends.
    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.inbox_screen.show_view("held")
        await settle(pilot)
        app.inbox.go_to(tui_t)
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ComposerScreen)
        await pilot.press(*"ссылки", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)
        assert warning in str(app.screen.query_one("#composer-warning").render())
        assert replies(store, tui_t) == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
    assert replies(store, tui_t) == ["queued"]
    store.close()


async def test_assign_retriages_the_thread_in_its_new_project_in_both(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    store = ws.store()
    cli_t, tui_t = tid(store, "stray-1"), tid(store, "stray-2")
    before = store.thread(cli_t)
    assert before.project == "Unsorted" and "VIP client" not in before.reasons

    assert main(["assign", str(cli_t), "Acme"]) == 0
    assert "moved to Acme" in capsys.readouterr().out
    after_cli = store.thread(cli_t)
    assert after_cli.project == "Acme" and "VIP client" in after_cli.reasons  # Acme's importance

    app = InscopeApp(ws, sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.inbox.go_to(tui_t)
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Acme", "enter")
        await settle(pilot)
    after_tui = store.thread(tui_t)
    assert after_tui.project == "Acme"
    assert (after_tui.priority, after_tui.reasons) == (after_cli.priority, after_cli.reasons)
    store.close()


async def test_times_are_in_the_users_timezone_in_both(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    store = ws.store()
    acme = tid(store, "acme-1")
    assert main(["show", str(acme)]) == 0
    out = capsys.readouterr().out
    assert "2026-03-10 09:05" in out  # 04:05 UTC, shown in Yekaterinburg (UTC+5)

    cli_t = tid(store, "clinic-1")
    assert main(["snooze", str(cli_t), "--until", "tomorrow 10:00"]) == 0
    cli_reason = store.thread(cli_t).snooze_reason
    assert cli_reason in capsys.readouterr().out
    wake = store.thread(cli_t).snooze_until
    assert wake is not None
    local = datetime.fromtimestamp(wake, UTC) + timedelta(hours=5)
    assert (local.hour, local.minute) == (10, 0)  # 10:00 in Yekaterinburg, not in UTC
    assert cli_reason == f"until {local:%a} {local.day} {local:%b} 10:00"

    tui_t = tid(store, "clinic-2")
    store.conn.execute("UPDATE projects SET status = 'active' WHERE name = 'Clinic'")
    app = InscopeApp(ws, sync=False, clock=time.time)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.inbox.go_to(tui_t)
        await settle(pilot)
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("5")  # custom…
        await pilot.pause()
        await pilot.press(*"tomorrow 10:00", "enter")
        await settle(pilot)
    th = store.thread(tui_t)
    assert (th.snooze_until, th.snooze_reason) == (wake, cli_reason)
    store.close()
