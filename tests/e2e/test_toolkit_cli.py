"""The toolkit from the command line: held replies (``reply --at-window / --at``, ``outbox
--edit / --send-now / --cancel``), follow-ups (``followup --after``), templates (``template
list / show``, ``reply --template --set``) and notifications (``notify``, ``notify --test``).

One real workspace on disk (config, rules, store); the reply window is on the weekday three
days from today, so "now" is never inside it, whatever day the tests run.
"""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import Author, Item
from inscope.cli import main
from inscope.store import Store
from inscope.workspace import Workspace

TZ = ZoneInfo("Europe/Moscow")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WINDOW_DAY = datetime.now(TZ) + timedelta(days=3)


def config(extra: str = "") -> str:
    return f'''
[me]
name = "Мария"
timezone = "Europe/Moscow"

[windows]
reply = ["{DAYS[WINDOW_DAY.weekday()]} 11:00-12:00"]

[[projects]]
name = "Acme"
telegram_chats = ["-1001"]
fields = {{ report_link = "https://lookerstudio.google.com/r/acme" }}
account_manager = {{ name = "Анна", telegram = "42" }}

[[templates]]
name = "thanks"
text = "Спасибо, {{client_name}}! Проект {{project}} — всё учли."
language = "ru"
description = "short thanks"
{extra}
'''


def client_item(n: int, text: str, minutes_ago: float = 30) -> Item:
    return Item(
        source="telegram", account="tg", external_id=f"acme-{n}", conversation="acme-1",
        conversation_title="Chat acme", author=Author(id="u1", name="Иван Петров", handle="ivan"),
        text=text, created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        routes=("telegram_chat:-1001",),
    )


def add(home: Path, *items: Item) -> None:
    ws = Workspace.open()
    store = ws.store()
    h = ws.hooks()
    store.apply_batch("tg", list(items), f"c{time.time()}", project_of=h.project_of, role_of=h.role_of,
                      role_in=h.role_in, triage=h.triage())
    store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(config(), encoding="utf-8")
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    add(home, client_item(0, "Добрый день! Когда будет отчёт?"))
    return home


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def db(home: Path) -> Store:
    return Store(home / "inscope.db")


def window_start() -> datetime:
    return WINDOW_DAY.replace(hour=11, minute=0, second=0, microsecond=0)


# -- held replies ------------------------------------------------------------------------------

def test_reply_at_the_next_window_waits_in_the_outbox(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "reply", "1", "-m", "Отчёт пришлю в окно", "--at-window")
    assert code == 0, err
    assert out.startswith("reply scheduled for ") and "(outbox #1) — it goes out then, not before" in out
    store = db(home)
    row = store.outbox_row(1)
    assert (row.state, row.send_at) == ("scheduled", window_start().timestamp())
    assert store.thread(1).state == "answered"
    store.close()
    code, out, _ = run(capsys, "outbox")
    assert code == 0 and "scheduled" in out and f"at {DAYS[WINDOW_DAY.weekday()]}" in out
    assert "1 reply scheduled" in run(capsys, "inbox")[1]
    assert json.loads(run(capsys, "inbox", "--json")[1])["scheduled"] == 1
    assert "reply scheduled for" in run(capsys, "show", "1")[1]


def test_reply_at_a_time_in_words(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "reply", "1", "-m", "утром", "--at", "завтра 11:00")[0] == 0
    tomorrow = (datetime.now(TZ) + timedelta(days=1)).replace(hour=11, minute=0, second=0, microsecond=0)
    store = db(home)
    assert store.outbox_row(1).send_at == tomorrow.timestamp()
    store.close()
    code, _, err = run(capsys, "reply", "1", "-m", "x", "--at", "когда-нибудь")
    assert code == 1 and "cannot understand" in err


def test_edit_send_now_and_cancel_a_held_reply(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "reply", "1", "-m", "первый", "--at-window")
    code, out, _ = run(capsys, "outbox", "--edit", "1", "-m", "второй")
    assert code == 0 and "scheduled reply #1 changed" in out
    code, out, _ = run(capsys, "outbox", "--edit", "1", "--at", "завтра 10:00")
    assert code == 0 and "moved" in out
    code, out, _ = run(capsys, "outbox", "--cancel", "1")
    assert code == 0 and "scheduled reply #1 cancelled — its text is back in the draft" in out
    store = db(home)
    assert store.draft(1) == "второй" and store.thread(1).state == "open"
    store.close()
    code, _, err = run(capsys, "outbox", "--edit", "1", "-m", "поздно")
    assert code == 1 and "only a scheduled reply can be changed" in err
    run(capsys, "reply", "1", "-m", "сразу", "--at-window")
    code, out, _ = run(capsys, "outbox", "--send-now", "2")
    assert code == 0 and "outbox #2 goes out now" in out
    store = db(home)
    assert store.outbox_row(2).state == "queued"  # no account here to send it with
    store.close()
    code, _, err = run(capsys, "outbox", "-m", "x")
    assert code == 1 and "go with --edit ID" in err


# -- follow-ups ------------------------------------------------------------------------------------

def test_followup_brings_an_unanswered_thread_back(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "followup", "1", "--after", "2 windows")
    assert code == 1 and "no reply of mine to wait on" in err
    run(capsys, "reply", "1", "-m", "Согласуете материалы?")
    code, out, err = run(capsys, "followup", "1", "--after", "2 windows")
    assert code == 0 and out.startswith("waiting on the client: back "), err
    out = run(capsys, "inbox", "--view", "snoozed")[1]
    assert "snoozed until" in out and "unless the client answers" in out
    store = db(home)
    store.conn.execute("UPDATE threads SET snooze_until = ? WHERE id = 1", (time.time() - 1,))
    store.close()
    out = run(capsys, "inbox", "--view", "all")[1]  # the command's clock work wakes it
    assert "↩ back from a follow-up: no answer since" in out
    assert "back from a follow-up: no answer since" in run(capsys, "show", "1")[1]


def test_followup_stays_away_when_the_client_answers(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "reply", "1", "-m", "Согласуете?")
    assert run(capsys, "followup", "1", "--after", "3 days")[0] == 0
    add(home, client_item(1, "Да, согласовано", minutes_ago=-1))
    data = json.loads(run(capsys, "inbox", "--json", "--view", "all")[1])
    [t] = [t for g in data["groups"] for t in g["threads"]]
    assert t["state"] == "open" and t["followup"] is None and t["snooze"] is None


# -- templates ---------------------------------------------------------------------------------------

def test_template_list_and_show(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = home / "templates"
    folder.mkdir()
    (folder / "acme-report.md").write_text(
        "---\nproject: Acme\nlanguage: ru\ndescription: отчёт Acme\n---\nОтчёт: {report_link}\n",
        encoding="utf-8")
    code, out, _ = run(capsys, "template", "list")
    assert code == 0
    for name in ("monthly-report", "access-request", "next-window", "out-of-scope", "thanks", "acme-report"):
        assert name in out, name
    data = json.loads(run(capsys, "template", "list", "--project", "Acme", "--json")[1])
    acme = next(t for t in data if t["name"] == "acme-report")
    assert acme["project"] == "Acme" and acme["fields"] == ["report_link"]
    assert acme["origin"].endswith("acme-report.md")
    code, out, _ = run(capsys, "template", "show", "thanks")
    assert code == 0 and "Спасибо, {client_name}! Проект {project}" in out
    code, out, _ = run(capsys, "template", "show", "acme-report", "--thread", "1")
    assert out.strip() == "Отчёт: https://lookerstudio.google.com/r/acme"
    code, _, err = run(capsys, "template", "show", "thnks")
    assert code == 1 and "did you mean 'thanks'" in err
    (folder / "broken.md").write_text("---\nproject: Nope\n---\nx", encoding="utf-8")
    code, _, err = run(capsys, "template", "list")
    assert code == 1 and "broken.md: project: no project named 'Nope'" in err


def test_reply_with_a_template(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "reply", "1", "--template", "monthly-report")
    assert code == 1 and "template 'monthly-report' needs summary — add --set FIELD=VALUE" in err
    code, _, err = run(capsys, "reply", "1", "--template", "monthly-report", "--set", "summary")
    assert code == 1 and "expected FIELD=VALUE" in err
    code, out, err = run(capsys, "reply", "1", "--template", "monthly-report", "--set", "summary=трафик +12 %",
                         "--at-window")
    assert code == 0, err
    store = db(home)
    text = store.outbox_row(1).text
    store.close()
    assert text.startswith("Иван, добрый день!")
    assert "https://lookerstudio.google.com/r/acme" in text and "трафик +12 %" in text
    assert "Если появятся вопросы — отвечу " in text
    code, _, _ = run(capsys, "reply", "1", "--template", "thanks", "--lang", "ru")
    assert code == 0


# -- notifications -----------------------------------------------------------------------------------

def test_notify_says_which_channel_and_tests_it(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "config.toml").write_text(config('[notify]\nmethod = "notify-send"\n'), encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "notify-send.log"
    fake = bin_dir / "notify-send"
    fake.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > {log}\n', encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    code, out, _ = run(capsys, "notify")
    assert code == 0 and out.startswith("notifications on; channel here: notify-send")
    code, out, _ = run(capsys, "notify", "--test")
    assert code == 0 and "sent through notify-send" in out
    for _ in range(100):
        if log.exists() and log.read_text(encoding="utf-8").count("\n") >= 4:
            break
        time.sleep(0.05)
    assert log.read_text(encoding="utf-8").splitlines() == [
        "--app-name=inscope", "--", "Urgent · inscope", "inscope: a test notification"]


def test_notify_off_and_no_terminal(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / "config.toml").write_text(config('[notify]\nmethod = "bell"\n'), encoding="utf-8")
    code, out, _ = run(capsys, "notify", "--test")
    assert code == 0 and "nothing shown here: stdout is not a terminal" in out
    (home / "config.toml").write_text(config('[notify]\nenabled = false\n'), encoding="utf-8")
    code, out, err = run(capsys, "notify", "--test")
    assert code == 1 and "notifications are off" in err
