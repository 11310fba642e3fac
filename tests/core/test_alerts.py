"""Notifications: what deserves one, grouping and rate limits, the channels, and that client
text can never smuggle an escape sequence into the terminal."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.alerts import Alert, Throttle, compose, new_urgent, remember, urgent_alert
from inscope.config import ConfigError, parse
from inscope.config.schema import Notify
from inscope.config.values import NOTIFY_METHODS
from inscope.desktop import (
    BEL,
    ESC,
    METHODS,
    clean,
    detect,
    notify_send_argv,
    osc9,
    osc99,
    osc777,
    plan,
    tmux_wrap,
)
from inscope.model import Priority, ThreadRow
from inscope.notifier import Notifier
from inscope.store import Store
from inscope.sync import Hooks, SyncEngine, SyncReport
from tests.core.test_sync import ScriptedSource
from tests.helpers import project_of, role_of, triage

HOSTILE = "сайт упал\x1b]0;pwned\x07\x1b[31m\x9b2J\u202e;evil;\x1b\\end\r\nnext"


def row(tid: int, at: float | None, *, text: str = "сайт упал", project: str = "Acme") -> ThreadRow:
    return ThreadRow(id=tid, project_id=1, project=project, source="telegram", title=f"Chat {tid}",
                     last_text=text, last_author="Иван", state="open", priority=Priority.URGENT,
                     reasons=(), scope="in", scope_reason="", relevance="mine", due_at=None,
                     last_client_at=at, last_at=at or 0.0, msg_count=1, url="")


# -- what deserves a notification ------------------------------------------------------------

def test_new_urgent_alerts_a_client_message_once() -> None:
    seen: dict[int, float] = {}
    first = new_urgent([row(1, 100.0), row(2, None)], seen)
    assert [a.thread_id for a in first] == [1]
    remember(seen, first)
    assert new_urgent([row(1, 100.0)], seen) == [], "an edit or my reply: no new alert"
    assert [a.at for a in new_urgent([row(1, 160.0)], seen)] == [160.0], "the client wrote again"


def test_compose_one_and_many() -> None:
    one = compose([urgent_alert(row(1, 1.0))])
    assert (one.title, one.body) == ("Urgent · Acme", "Иван: сайт упал")
    back = compose([Alert("followup", 2, "Beta", "Согласование баннеров")])
    assert back.title == "No answer · Beta"
    assert back.body == "Согласование баннеров — the client has not answered; back in the Inbox"
    many = compose([urgent_alert(row(i, 1.0, project=f"P{i}")) for i in range(5)]
                   + [Alert("followup", 9, "Beta", "x")])
    assert many.title == "5 urgent threads, 1 follow-ups back"
    assert many.body.startswith("P0 — Иван: сайт упал; P1 — ") and many.body.endswith("… and 3 more")
    with pytest.raises(ValueError):
        compose([])


def test_throttle_groups_what_arrives_within_the_interval() -> None:
    t = Throttle(60.0)
    first = t.offer([urgent_alert(row(1, 1.0))], now=1000.0)
    assert first is not None and len(first.alerts) == 1
    assert t.offer([urgent_alert(row(2, 1.0))], now=1010.0) is None
    assert t.offer([urgent_alert(row(3, 1.0)), urgent_alert(row(2, 1.0))], now=1020.0) is None
    assert t.due_at == 1060.0
    assert t.flush(1059.0) is None
    grouped = t.flush(1060.0)
    assert grouped is not None and [a.thread_id for a in grouped.alerts] == [2, 3]
    assert grouped.title == "2 urgent threads"
    assert t.due_at is None and t.flush(2000.0) is None


def test_the_notifier_follows_the_config() -> None:
    alerts = [urgent_alert(row(1, 1.0)), Alert("followup", 2, "Beta", "x")]
    assert Notifier(Notify(enabled=False)).wanted(alerts) == []
    assert [a.kind for a in Notifier(Notify(urgent=False)).wanted(alerts)] == ["followup"]
    assert [a.kind for a in Notifier(Notify(followups=False)).wanted(alerts)] == ["urgent"]
    n = Notifier(Notify(interval=0, method="osc9"), env={})
    got: list[str] = []
    notice = n.offer(alerts, 5.0)
    assert notice is not None and n.deliver(notice, got.append) == "osc9"
    assert got and got[0].startswith(f"{ESC}]9;inscope: ")
    assert n.deliver(notice, None) == "none", "no terminal: nothing is written anywhere"


# -- channels and escape safety ------------------------------------------------------------------

def _payloads(seq: str) -> list[str]:
    """The text between an OSC's introducer and its terminator, per sequence."""
    return re.findall(r"\x1b\](?:9|777|99);(.*?)(?:\x07|\x1b\\)", seq, re.S)


@pytest.mark.parametrize("build", [osc9, osc777, osc99])
def test_client_text_cannot_inject_escapes(build: object) -> None:
    seq = build(HOSTILE, HOSTILE)  # type: ignore[operator]
    payloads = _payloads(seq)
    assert payloads, seq
    for p in payloads:
        assert not re.search("[\x00-\x1f\x7f-\x9f\u202e]", p), repr(p)
    # The sequence has exactly its own framing: one introducer and one terminator per part.
    assert seq.count(ESC + "]") == len(payloads)


def test_osc_formats() -> None:
    assert osc9("Urgent · Acme", "Иван: сайт упал") == f"{ESC}]9;inscope: Urgent · Acme — Иван: сайт упал{BEL}"
    assert osc777("a;b", "c;d") == f"{ESC}]777;notify;a,b;c,d{BEL}"
    parts = re.findall(r"\x1b\]99;([^;]*);([^\x1b]*)\x1b\\", osc99("Заголовок", "текст"))
    assert [m for m, _ in parts] == ["i=inscope:d=0:e=1", "i=inscope:d=1:p=body:e=1"]
    assert [base64.b64decode(b).decode() for _, b in parts] == ["Заголовок", "текст"]
    assert clean("a\nb\tc\x1b[2Jd", 5) == "a b c"


def test_tmux_passthrough_doubles_every_escape() -> None:
    wrapped = tmux_wrap(f"{ESC}]9;hi{BEL}")
    assert wrapped == f"{ESC}Ptmux;{ESC}{ESC}]9;hi{BEL}{ESC}\\"
    d = plan("t", "b", "osc777", env={"TMUX": "/tmp/tmux-1000/default,1,0"})
    assert d.kind == "terminal" and d.data.startswith(f"{ESC}Ptmux;{ESC}{ESC}]777;")
    assert plan("t", "b", "bell", env={"TMUX": "x"}).data == BEL, "tmux forwards the bell itself"


def test_notify_send_gets_argv_and_no_markup() -> None:
    argv = notify_send_argv("Urgent · <b>Acme</b>", "<a href='x'>click</a> & \x1b[31mred")
    assert argv[:4] == ("notify-send", "--app-name=inscope", "--", "Urgent · <b>Acme</b>")
    assert argv[4] == "&lt;a href='x'&gt;click&lt;/a&gt; &amp; red"


@pytest.mark.parametrize(("env", "on_path", "method"), [
    ({"KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"}, True, "osc99"),
    ({"TERM_PROGRAM": "iTerm.app"}, True, "osc9"),
    ({"TERM_PROGRAM": "tmux", "LC_TERMINAL": "iTerm2", "TMUX": "x"}, True, "osc9"),
    ({"TERM_PROGRAM": "WezTerm"}, False, "osc9"),
    ({"TERM_PROGRAM": "ghostty"}, False, "osc9"),
    ({"TERM": "foot"}, True, "osc777"),
    ({"TERM": "xterm-256color", "DISPLAY": ":0"}, True, "notify-send"),
    ({"TERM": "xterm-256color"}, True, "bell"),  # no desktop session
    ({"TERM": "xterm-256color", "DISPLAY": ":0"}, False, "bell"),
])
def test_auto_detection(env: dict[str, str], on_path: bool, method: str) -> None:
    assert detect(env, lambda name: "/usr/bin/notify-send" if on_path else None) == method


def test_methods_match_the_config() -> None:
    assert METHODS == NOTIFY_METHODS
    assert plan("t", "b", "none", env={}).kind == "none"
    assert plan("t", "b", "notify-send", env={}).argv[0] == "notify-send"


def test_notify_config_is_strict() -> None:
    cfg = parse({"accounts": [{"name": "me-tg", "kind": "telegram_user"}],
                 "notify": {"method": "osc777", "interval": 120, "saved_messages": "me-tg",
                            "followups": False}})
    assert cfg.notify == Notify(enabled=True, method="osc777", urgent=True, followups=False,
                                interval=120, saved_messages="me-tg")
    for bad, msg in [({"method": "dbus"}, "'dbus' is not one of auto"),
                     ({"interval": -1}, "must be at least 0"),
                     ({"interval": "60"}, "expected a whole number"),
                     ({"enabled": "false"}, "expected true or false"),
                     ({"saved_messages": "tg"}, "not a telegram_user account"),
                     ({"sound": True}, "unknown key")]:
        with pytest.raises(ConfigError, match=msg):
            parse({"accounts": [{"name": "tg", "kind": "telegram"}], "notify": bad})


# -- the engine reports alerts ---------------------------------------------------------------------

def _item(n: int, text: str) -> Item:
    return Item(source="telegram", account="tg", external_id=f"m{n}", conversation="c0",
                conversation_title="Chat c0", author=Author("u1", "Иван"), text=text,
                created_at=datetime(2026, 11, 20, 9, n, tzinfo=UTC))


async def test_the_engine_reports_urgent_arrivals_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "inscope.db")
    store.sync_projects([("Alpha", "active")])
    src = ScriptedSource("tg", [[_item(1, "вопрос")], [_item(2, "СРОЧНО сайт упал")], [_item(3, "ещё")]])
    eng = SyncEngine(store, {"tg": src}, Hooks(project_of, role_of, lambda: triage))
    src.pages = [[_item(1, "вопрос")]]
    rep = await eng.sync_all()
    assert rep.alerts == [], "a normal thread is not an alert"
    src.pages.append([_item(2, "СРОЧНО сайт упал")])
    rep = await eng.sync_all()
    assert [(a.kind, a.text) for a in rep.alerts] == [("urgent", "СРОЧНО сайт упал")]
    src.pages.append([_item(3, "когда?")])
    rep = await eng.sync_all()
    assert [a.text for a in rep.alerts] == ["когда?"], "the client wrote again in an urgent thread"
    rep = await eng.sync_all()
    assert rep.alerts == []
    quiet = SyncEngine(store, {"tg": src}, Hooks(project_of, role_of, lambda: triage, alerts=False))
    src.pages.append([_item(4, "СРОЧНО!!")])
    assert (await quiet.sync_all()).alerts == []
    store.close()


async def test_the_engine_reports_a_followup_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "inscope.db")
    store.sync_projects([("Alpha", "active")])
    store.apply_batch("tg", [_item(1, "вопрос?")], "1", project_of=project_of, role_of=role_of)
    tid = int(store.conn.execute("SELECT id FROM threads").fetchone()[0])
    mine = _item(1, "x").created_at.timestamp() + 60  # my reply, after the client's question
    store.followup(tid, mine + 100, mine, "until …")
    eng = SyncEngine(store, {}, Hooks(project_of, role_of, lambda: triage), clock=lambda: mine + 101)
    rep = SyncReport()
    eng.clock_work(rep)
    assert rep.woken == [tid] and [(a.kind, a.thread_id) for a in rep.alerts] == [("followup", tid)]
    assert rep.changed
    store.close()
