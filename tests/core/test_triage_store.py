"""Triage through the store: facts per channel, the two axes on rows and in the JSON,
the relevance key, learning from decisions, the v3 → v4 migration, lazy loading."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import Author, Item
from inscope.config import AccountManager, Config, Me, ProjectCfg, Windows
from inscope.model import Priority, ThreadRow
from inscope.store import Store
from inscope.workspace import Workspace

NOW = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)  # Wednesday 10:30 in Moscow, before a window
IVAN = Author("ivan", "Иван Петров", email="ivan@client.ru")
OLEG = Author("oleg", "Олег Белов", handle="oleg_dev", email="oleg@agency.ru")
ME = Author("me", "Дарья Кузнецова", handle="daria_seo", email="daria@agency.ru", is_me=True)


def workspace(home: Path) -> Workspace:
    cfg = Config(
        me=Me(name="Дарья Кузнецова", timezone="Europe/Moscow", handles=["daria_seo"],
              emails=["daria@agency.ru"]),
        windows=Windows(reply=["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"]),
        team=["Олег Белов", "@oleg_dev", "agency.ru"],
        projects=[ProjectCfg(name="Client", services=["SEO"], email_domains=["client.ru"],
                             telegram_chats=["-100"], importance="normal",
                             account_manager=AccountManager(name="Лена", email="lena@agency.ru"))],
    )
    ws = Workspace(home, cfg, home / "config.toml")
    ws.clock = NOW.timestamp
    s = ws.store()
    s.sync_projects([("Client", "active")])
    s.close()
    return ws


def mail(n: int, conv: str, author: Author, text: str, *, to_me: bool = False, cc_me: bool = False,
         minutes_ago: float = 60) -> Item:
    return Item(source="email", account="mail", external_id=f"<{conv}.{n}@x>", conversation=conv,
                conversation_title="Тема", author=author, text=text,
                created_at=NOW - timedelta(minutes=minutes_ago),
                routes=("email_domain:client.ru",), meta={"to_me": to_me, "cc_me": cc_me})


def tg(n: int, author: Author, text: str, *, reply_to: int | None = None, minutes_ago: float = 60) -> Item:
    return Item(source="telegram", account="tg", external_id=f"-100:{n}", conversation="-100",
                conversation_title="Client · SEO", author=author, text=text,
                created_at=NOW - timedelta(minutes=minutes_ago),
                reply_to=f"-100:{reply_to}" if reply_to else None, routes=("telegram_chat:-100",))


def ingest(ws: Workspace, store: Store, items: list[Item]) -> None:
    h = ws.hooks()
    store.apply_batch(items[0].account, items, "c", project_of=h.project_of, role_of=h.role_of,
                      role_in=h.role_in, triage=h.triage())


def row(store: Store, conv: str) -> ThreadRow:
    tid = store.conn.execute("SELECT id FROM threads WHERE conversation = ?", (conv,)).fetchone()[0]
    return store.thread(int(tid))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return workspace(tmp_path)


# -- addressed to me, per channel --------------------------------------------------------


def test_email_to_versus_cc(ws: Workspace) -> None:
    store = ws.store()
    ingest(ws, store, [
        mail(1, "to", IVAN, "Подскажите, когда отчёт?", to_me=True),
        mail(1, "cc", IVAN, "Олег, выложите страницы до пятницы", cc_me=True),
        mail(1, "named", IVAN, "Олег, выложите страницы.\n\nДарья, посмотрите мета-теги?", cc_me=True),
    ])
    assert (row(store, "to").relevance, row(store, "to").relevance_reason) == ("mine", "addressed to you (To)")
    cc = row(store, "cc")
    assert cc.relevance == "noise" and cc.relevance_reason == "addressed to Олег"
    assert row(store, "named").relevance_reason == "Иван asks you by name"
    assert store.conn.execute("SELECT addr FROM messages WHERE external_id = '<cc.1@x>'").fetchone()[0] == "cc"
    store.close()


def test_telegram_reply_to_my_message_and_a_colleagues_answer(ws: Workspace) -> None:
    store = ws.store()
    ingest(ws, store, [tg(1, ME, "Иван, выложила отчёт", minutes_ago=90),
                       tg(2, IVAN, "а по Истре что?", reply_to=1, minutes_ago=60)])
    th = row(store, "-100")
    assert th.relevance_reason == "Иван replies to your message"
    store.close()


def test_a_colleague_answering_takes_it_off_my_plate(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    store = ws.store()
    ingest(ws, store, [tg(1, IVAN, "Коллеги, когда будет отчёт?", minutes_ago=90),
                       tg(2, OLEG, "Иван, в пятницу, Даша в курсе", reply_to=1, minutes_ago=60)])
    th = row(store, "-100")
    assert (th.relevance, th.relevance_reason) == ("noise", "Олег answered")
    store.close()


# -- the two axes on rows, in the view and through the gate --------------------------------


def test_urgent_is_listed_and_breaks_through(ws: Workspace) -> None:
    store = ws.store()
    ingest(ws, store, [mail(1, "down", IVAN, "Сайт не открывается, 502!", to_me=True, minutes_ago=5),
                       mail(1, "calm", IVAN, "Подскажите по позициям?", to_me=True)])
    down, calm = row(store, "down"), row(store, "calm")
    assert down.urgent and down.priority == Priority.URGENT and down.base_priority == Priority.NORMAL
    assert down.urgent_reason == "HTTP 502 errors"
    assert not calm.urgent and calm.priority == Priority.NORMAL
    gate = ws.inbox_gate(NOW.timestamp())
    assert gate.gated
    shown = [t for t, _, _ in store.view_index("inbox", max_priority=gate.max_priority)]
    assert shown == [down.id]
    data = ws.actions(store, now=NOW.timestamp).inbox("all")
    js = {t["id"]: t for g in data["groups"] for t in g["threads"]}
    assert js[down.id]["urgent"] == {"value": True, "reason": "HTTP 502 errors"}
    assert js[down.id]["priority"] == "urgent" and js[down.id]["base_priority"] == "normal"
    assert js[calm.id]["relevance"] == {"value": "mine", "reason": "addressed to you (To)"}
    store.close()


# -- the relevance key and learning ----------------------------------------------------------


def test_relevance_by_hand_sticks_and_undoes(ws: Workspace) -> None:
    store = ws.store()
    ingest(ws, store, [mail(1, "q", IVAN, "Подскажите, когда отчёт?", to_me=True)])
    act = ws.actions(store, now=NOW.timestamp)
    tid = row(store, "q").id
    assert act.relevance([tid], "not mine").message == "marked not yours"
    th = store.thread(tid)
    assert (th.relevance, th.relevance_reason) == ("noise", "you marked it not yours")
    ingest(ws, store, [mail(2, "q", IVAN, "Ау, есть новости?", to_me=True, minutes_ago=10)])
    assert store.thread(tid).relevance == "noise", "a new message does not undo the user's word"
    assert act.undo().message == "undone: relevance"
    assert store.thread(tid).relevance_override is None
    with pytest.raises(Exception, match="unknown relevance"):
        act.relevance([tid], "maybe")
    store.close()


def test_learning_from_closing_a_senders_messages(ws: Workspace) -> None:
    store = ws.store()
    bot = Author("ci", "Build Bot", handle="build_bot")
    # The triage sees a client waiting in the chat; the user closes these without replying.
    for n in range(5):
        item = Item(source="telegram", account="tg", external_id=f"-10{n}:1", conversation=f"-10{n}",
                    conversation_title="Client · SEO", author=bot, text=f"Build #{n} passed, deployed",
                    created_at=NOW - timedelta(hours=n + 1), routes=("telegram_chat:-100",))
        ingest(ws, store, [item])
    ids = [r[0] for r in store.conn.execute("SELECT id FROM threads ORDER BY id")]
    assert all(store.thread(t).relevance == "mine" for t in ids)
    act = ws.actions(store, now=NOW.timestamp)
    act.done(ids[:4])
    ws.retriage(store, NOW.timestamp(), thread_ids=ids[4:])
    th = store.thread(ids[4])
    assert th.relevance == "noise"
    assert th.relevance_reason == "you usually close Build's messages without replying (4 of 4)"
    # …but never a direct question to me, whatever the sender's history.
    ingest(ws, store, [Item(source="telegram", account="tg", external_id="-109:1", conversation="-109",
                            conversation_title="Client · SEO", author=bot, text="@daria_seo нужен title?",
                            created_at=NOW - timedelta(minutes=5), routes=("telegram_chat:-100",))])
    assert row(store, "-109").relevance == "mine"
    store.close()


def test_decisions_know_the_triage_then_and_when_she_answered(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from inscope.store import events

    store = ws.store()
    ingest(ws, store, [mail(1, "a", IVAN, "Когда будет отчёт?", to_me=True, minutes_ago=20),
                       mail(1, "b", IVAN, "Сайт не открывается!!! Что делать?", to_me=True, minutes_ago=300)])
    a, b = row(store, "a").id, row(store, "b").id
    assert (store.thread(a).base_priority, store.thread(b).base_priority) == (Priority.NORMAL, Priority.HIGH)
    clock = iter([NOW.timestamp() + 60, NOW.timestamp() + 600])
    monkeypatch.setattr(events, "clock", lambda: next(clock))
    act = ws.actions(store, now=NOW.timestamp)
    act.reply(a, "Сегодня пришлю", confirmed=True)  # a normal question, answered first …
    act.reply(b, "Смотрим", confirmed=True)  # … ahead of a high one, nine minutes later
    got = {d.thread_id: d for d in store.decisions()}
    assert (got[a].before_priority, got[a].project, got[a].before_scope) == ("normal", "Client", "unknown")
    assert got[b].before_priority == "high"
    assert got[a].reply_latency == 21 * 60 and got[b].reply_latency == 310 * 60
    assert got[a].answered_ahead and not got[b].answered_ahead
    store.close()


def test_replies_in_a_batch_say_nothing_of_the_order(ws: Workspace) -> None:
    store = ws.store()
    ingest(ws, store, [mail(1, "a", IVAN, "Когда будет отчёт?", minutes_ago=20),
                       mail(1, "b", IVAN, "Сайт не открывается!!!", to_me=True, minutes_ago=30)])
    act = ws.actions(store, now=NOW.timestamp)
    for conv in ("a", "b"):
        act.reply(row(store, conv).id, "ок", confirmed=True)
    assert not any(d.answered_ahead for d in store.decisions()), "milliseconds apart: not written one by one"
    store.close()


def test_learning_priority_from_her_overrides(ws: Workspace) -> None:
    store = ws.store()
    for n, conv in enumerate(("p1", "p2", "p3")):
        ingest(ws, store, [mail(1, conv, IVAN, f"Посмотрите, пожалуйста, вопрос {n}?", minutes_ago=30)])
    ids = [row(store, c).id for c in ("p1", "p2", "p3")]
    assert store.thread(ids[2]).priority == Priority.NORMAL
    act = ws.actions(store, now=NOW.timestamp)
    act.priority(ids[:2], Priority.HIGH)  # twice, by hand: Иван goes first
    ws.retriage(store, NOW.timestamp(), thread_ids=ids[2:])
    th = store.thread(ids[2])
    assert th.priority == Priority.HIGH
    assert any(r.startswith("you usually answer Иван sooner than ranked") for r in th.reasons)
    store.close()


# -- the migration from schema 3 ---------------------------------------------------------------


def test_migration_from_v3_moves_urgent_to_its_axis(tmp_path: Path) -> None:
    import sqlite_utils

    from inscope.store.schema import MIGRATIONS

    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    db = sqlite_utils.Database(conn)
    for m in MIGRATIONS[:3]:
        m(db)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO projects (name, status, sort) VALUES ('P', 'active', 0)")
    conn.execute("INSERT INTO threads (account, source, conversation, project_id, priority) "
                 "VALUES ('a', 'telegram', 'c', 1, 0)")
    conn.commit()
    conn.close()
    s = Store(path)
    th = s.thread(1)
    assert th.urgent and th.priority == Priority.URGENT and th.base_priority == Priority.HIGH
    assert s.conn.execute("SELECT addr FROM messages LIMIT 0").description[0][0] == "addr"
    s.close()


# -- nothing of it before the first frame -----------------------------------------------------


def test_the_dictionary_is_not_loaded_until_the_first_assessment(tmp_path: Path) -> None:
    code = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from tests.core.test_triage_store import workspace, ingest, mail, IVAN
from inscope.rules.lemmas import LEMMATIZER
ws = workspace(Path({str(tmp_path)!r}))
store = ws.store()
ws.actions(store).inbox("all")
assert not LEMMATIZER.loaded and "pymorphy3" not in sys.modules, "loaded before any assessment"
ingest(ws, store, [mail(1, "x", IVAN, "Сайт упал", to_me=True)])
assert LEMMATIZER.loaded
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
