"""The Telegram connector against the fake Bot API over a real loopback socket.

Covers sync (groups, forum topics, private chats, edits, mentions with UTF-16 offsets),
offset durability through the real store, 409 / migrate / 429 handling, sending (split,
signature, reply parameters, pacing, escalation targets, permanent failures), token
redaction (exceptions, logs, DB bytes) and a hypothesis fuzz of update parsing.

Why one module of this size: one connector's tests, kept together so a change to it runs
one file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import (
    Batch,
    ChatMigrated,
    Outgoing,
    PermanentSendError,
    ReconcileUnknown,
    SourceContext,
    SourceError,
)
from connectors.telegram import (
    TelegramConnector,
    build,
    clean_text,
    get_me,
    seen_chats,
    split_text,
)
from inscope.store import Store
from sandbox.server import ServerThread
from sandbox.telegram_server import TelegramWorld, create_app

TOKEN = "7000001:AAH-secretTokenValue_xyz"
GROUP = -1001234567890
IVAN = {"id": 111, "first_name": "Иван", "last_name": "Петров", "username": "ivan_p"}
SIG = "Мария (SEO): "


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[TelegramWorld, str]]:
    world = TelegramWorld()
    world.add_bot(TOKEN, "agency_bot")
    with ServerThread(create_app(world)) as srv:
        yield world, srv.url


@pytest.fixture
def world(server: tuple[TelegramWorld, str]) -> Iterator[TelegramWorld]:
    w = server[0]
    yield w
    w.clear_faults()
    w.bots[TOKEN].updates.clear()


def make(url: str, token: str | None = TOKEN, **opts: Any) -> TelegramConnector:
    options: dict[str, Any] = {"api_base": url, "poll_timeout": 0, "pace_chat_seconds": 0.0}
    options.update(opts)
    ctx = SourceContext(account="tg", kind="telegram", options=options,
                        secret=lambda name: token if name == "token" else None,
                        me_handles=("maria_seo",), signature=SIG)
    conn = build(ctx)
    assert isinstance(conn, TelegramConnector)
    return conn


@pytest.fixture
async def conn(server: tuple[TelegramWorld, str]) -> AsyncIterator[TelegramConnector]:
    c = make(server[1])
    yield c
    await c.aclose()


def new_group(world: TelegramWorld, cid: int, title: str = "ООО Ромашка · SEO", **kw: Any) -> int:
    world.add_chat(cid, title, **kw)
    return cid


def store_for(tmp_path: Path) -> Store:
    store = Store(tmp_path / "x.db")
    store.sync_projects([("P", "active")])
    return store


def apply(store: Store, batch: Batch) -> None:
    store.apply_batch("tg", batch.items, batch.cursor, project_of=lambda it: "P",
                      role_of=lambda it: "client")


async def fetch_all(conn: TelegramConnector, cursor: str | None) -> Batch:
    batch = await conn.fetch(cursor)
    items = list(batch.items)
    notes = list(batch.notes)
    events = list(batch.events)
    while batch.more:
        batch = await conn.fetch(batch.cursor)
        items += batch.items
        notes += batch.notes
        events += batch.events
    return Batch(items=items, cursor=batch.cursor, notes=notes, events=events)


# --- sync ------------------------------------------------------------------------------


async def test_ordinary_sync(world: TelegramWorld, conn: TelegramConnector) -> None:
    cid = new_group(world, -1001000000001, username="romashka_chat")
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    first = world.post(cid, from_user=IVAN, text="Договор готов?", at=at)
    # An emoji before the mention: UTF-16 offsets differ from Python indexes.
    world.post(cid, from_user=IVAN, text="😀😀 @maria_seo глянь, и @other_guy тоже",
               reply_to=first["message_id"], at=at)
    world.post(cid, from_user={"id": 5, "first_name": "Ann"}, text="\x1b[31mкрасный[/red]", at=at)
    batch = await conn.fetch(None)
    assert [it.text for it in batch.items] == ["Договор готов?",
                                              "😀😀 @maria_seo глянь, и @other_guy тоже",
                                              "[31mкрасный[/red]"]
    a, b, c = batch.items
    assert a.external_id == f"{cid}:{first['message_id']}" and a.conversation == str(cid)
    assert a.conversation_title == "ООО Ромашка · SEO"
    assert a.author.name == "Иван Петров" and a.author.handle == "ivan_p" and not a.author.is_me
    assert a.created_at == at and a.edited_at is None
    assert a.routes == (f"telegram_chat:{cid}",)
    assert a.url == f"https://t.me/romashka_chat/{first['message_id']}"
    assert json.loads(a.raw)["message"]["text"] == "Договор готов?"
    assert b.reply_to == a.external_id and b.meta["reply_to_text"] == "Договор готов?"
    assert b.mentions == ("maria_seo", "other_guy") and b.mentions_me
    assert not a.mentions_me and not c.mentions_me
    assert c.text.startswith("[31m") and "\x1b" not in c.text  # escapes stripped, markup literal
    assert batch.cursor is not None
    assert int(batch.cursor) == world.bots[TOKEN].next_update_id
    # The next fetch with the new cursor confirms; nothing is re-delivered.
    again = await conn.fetch(batch.cursor)
    assert again.items == [] and again.cursor == batch.cursor
    assert world.pending(TOKEN) == 0


async def test_private_supergroup_url_private_chat_and_own_messages(
        world: TelegramWorld, conn: TelegramConnector) -> None:
    cid = new_group(world, -1001000000002)
    world.add_chat(111, "Иван", type="private")
    m = world.post(cid, from_user=IVAN, text="hi")
    world.post(111, from_user=IVAN, text="лично")
    world.post(cid, from_user={"id": 222, "first_name": "Мария", "username": "Maria_SEO"},
               text="я сама")
    batch = await conn.fetch(None)
    g, p, me = batch.items
    assert g.url == f"https://t.me/c/1000000002/{m['message_id']}"
    assert p.conversation == "111" and p.conversation_title == "Иван" and p.url == ""
    assert p.meta["chat_type"] == "private"
    assert me.author.is_me  # the user's own account, by handle (case-insensitive)


async def test_forum_topics(world: TelegramWorld, conn: TelegramConnector) -> None:
    cid = new_group(world, -1001000000003, "Клиент Форум", is_forum=True)
    topic = world.add_topic(cid, "Контекст")
    general = world.post(cid, from_user=IVAN, text="в General")
    t1 = world.post(cid, from_user=IVAN, text="в теме", topic_id=topic)
    t2 = world.post(cid, from_user=IVAN, text="ответ в теме", topic_id=topic,
                    reply_to=t1["message_id"])
    batch = await conn.fetch(None)
    assert [it.text for it in batch.items] == ["в General", "в теме", "ответ в теме"]
    g, a, b = batch.items
    assert g.conversation == str(cid) and g.conversation_title == "Клиент Форум"
    assert a.conversation == f"{cid}:{topic}" and a.conversation_title == "Клиент Форум · Контекст"
    assert a.reply_to is None  # the implicit reply to the topic's creation message is not a reply
    assert b.reply_to == f"{cid}:{t1['message_id']}" and b.conversation == a.conversation
    assert b.url == f"https://t.me/c/1000000003/{topic}/{t2['message_id']}"
    assert general["message_id"] < t1["message_id"]


async def test_edits_update_the_stored_message(world: TelegramWorld, conn: TelegramConnector,
                                               tmp_path: Path) -> None:
    cid = new_group(world, -1001000000004)
    m = world.post(cid, from_user=IVAN, text="первый вариант")
    store = store_for(tmp_path)
    b1 = await conn.fetch(None)
    apply(store, b1)
    world.edit(cid, m["message_id"], "исправлено @maria_seo")
    b2 = await conn.fetch(b1.cursor)
    (it,) = b2.items
    assert it.external_id == b1.items[0].external_id
    assert it.text == "исправлено @maria_seo" and it.edited_at is not None and it.mentions_me
    apply(store, b2)
    rows = store.conn.execute("SELECT text, edited_at FROM messages WHERE account='tg'").fetchall()
    assert rows == [("исправлено @maria_seo", it.edited_at.timestamp())]
    assert store.cursor("tg") == b2.cursor


async def test_offset_durability_across_a_crash(world: TelegramWorld, conn: TelegramConnector,
                                                tmp_path: Path) -> None:
    cid = new_group(world, -1001000000005)
    for i in range(130):
        world.post(cid, from_user=IVAN, text=f"сообщение {i}")
    store = store_for(tmp_path)
    first = await conn.fetch(store.cursor("tg"))
    assert len(first.items) == 100 and first.more
    # "Crash": the batch is never committed.  The next run starts from the old cursor.
    again = await conn.fetch(store.cursor("tg"))
    assert [i.external_id for i in again.items] == [i.external_id for i in first.items]
    apply(store, again)
    # A second crash *after* the commit but mid-way: re-apply the same batch again.
    apply(store, first)
    rest = await conn.fetch(store.cursor("tg"))
    assert len(rest.items) == 30 and not rest.more
    apply(store, rest)
    n, distinct = store.conn.execute(
        "SELECT count(*), count(DISTINCT external_id) FROM messages WHERE account='tg'").fetchone()
    assert n == distinct == 130
    assert (await conn.fetch(store.cursor("tg"))).items == []


async def test_chat_allow_list_and_bot_updates(world: TelegramWorld,
                                               server: tuple[TelegramWorld, str]) -> None:
    keep = new_group(world, -1001000000006)
    drop = new_group(world, -1001000000007)
    world.post(keep, from_user=IVAN, text="нужное")
    world.post(drop, from_user=IVAN, text="чужое")
    c = make(server[1], chats=[str(keep)])
    try:
        batch = await c.fetch(None)
    finally:
        await c.aclose()
    assert [it.text for it in batch.items] == ["нужное"]
    assert world.pending(TOKEN) == 2 and batch.cursor is not None  # the cursor passes both


# --- errors ------------------------------------------------------------------------------


async def test_conflict_409_is_a_clear_retryable_error(world: TelegramWorld,
                                                       server: tuple[TelegramWorld, str]) -> None:
    slow = make(server[1], poll_timeout=5)
    try:
        task = asyncio.create_task(slow.fetch(None))
        deadline = time.monotonic() + 5
        while not world.bots[TOKEN].waiters and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient() as other:  # "another instance" polls the same bot
            r = await other.get(f"{server[1]}/bot{TOKEN}/getUpdates")
            assert r.status_code == 200
        with pytest.raises(SourceError) as ei:
            await task
    finally:
        await slow.aclose()
    assert not ei.value.fatal and (ei.value.retry_after or 0) >= 60
    assert "Another program is polling this bot" in str(ei.value)
    assert TOKEN not in str(ei.value)


async def test_429_on_fetch_and_on_send(world: TelegramWorld, conn: TelegramConnector) -> None:
    cid = new_group(world, -1001000000008)
    world.fault("429", method="getUpdates", retry_after=7)
    with pytest.raises(SourceError) as ei:
        await conn.fetch(None)
    assert ei.value.retry_after == 7 and not ei.value.fatal
    # A short flood wait is waited out in place; the reply goes out once.
    world.fault("429", method="sendMessage", retry_after=1)
    t0 = time.monotonic()
    res = await conn.send(Outgoing(key="k429", account="tg", conversation=str(cid), text="ок"))
    assert time.monotonic() - t0 >= 1.0
    assert [m["text"] for m in world.sent(cid)] == [SIG + "ок"]
    assert res.remote_id == f"{cid}:{world.sent(cid)[0]['message_id']}"
    # A long one goes back to the outbox with retry_after, nothing sent.
    world.fault("429", method="sendMessage", retry_after=120)
    with pytest.raises(SourceError) as ei:
        await conn.send(Outgoing(key="k429b", account="tg", conversation=str(cid), text="ещё"))
    assert ei.value.retry_after == 120 and not isinstance(ei.value, PermanentSendError)
    assert len(world.sent(cid)) == 1


async def test_migrate_event_from_updates_and_from_send(world: TelegramWorld,
                                                        conn: TelegramConnector) -> None:
    old = new_group(world, -4002, "Группа", type="group")
    world.post(old, from_user=IVAN, text="до")
    world.migrate(old, -1004002)
    batch = await conn.fetch(None)
    assert [it.text for it in batch.items] == ["до"]
    assert ChatMigrated("-4002", "-1004002") in batch.events
    # A reply queued for the old chat is delivered to the new one and reported again.
    old2 = new_group(world, -4003, "Группа 2", type="group")
    world.migrate(old2, -1004003)
    res = await conn.send(Outgoing(key="km", account="tg", conversation=str(old2), text="после"))
    assert res.remote_id.startswith("-1004003:")
    assert [m["text"] for m in world.sent(-1004003)] == [SIG + "после"]
    assert res.item is not None and res.item.conversation == "-1004003"
    nxt = await conn.fetch(batch.cursor)
    assert ChatMigrated("-4003", "-1004003") in nxt.events


async def test_permanent_failures_and_server_errors(world: TelegramWorld,
                                                    conn: TelegramConnector) -> None:
    cid = new_group(world, -1001000000009)
    world.fault("kicked", method="sendMessage")
    with pytest.raises(PermanentSendError, match="kicked"):
        await conn.send(Outgoing(key="kk", account="tg", conversation=str(cid), text="x"))
    with pytest.raises(PermanentSendError, match="chat not found"):
        await conn.send(Outgoing(key="kn", account="tg", conversation="-100999", text="x"))
    world.fault("5xx", method="getUpdates", status=502)
    with pytest.raises(SourceError) as ei:
        await conn.fetch(None)
    assert ei.value.retry_after and not ei.value.fatal and "502" in str(ei.value)


async def test_reconcile_is_always_unknown(conn: TelegramConnector) -> None:
    with pytest.raises(ReconcileUnknown):
        await conn.reconcile(Outgoing(key="r", account="tg", conversation="-1001", text="x"))


# --- sending ------------------------------------------------------------------------------


def test_split_text_prefers_paragraphs_then_lines_then_words() -> None:
    paras = [f"Абзац {i}. " + "слово " * 300 for i in range(8)]  # ~1.8k chars each
    text = "\n\n".join(p.strip() for p in paras)
    parts = split_text(text)
    assert all(0 < len(p) <= 4096 for p in parts)
    assert "\n\n".join(parts) == text  # cut exactly at paragraph breaks, order kept
    assert len(parts) == 4
    one_para = "\n".join(" ".join(["строка"] * 50) for _ in range(30))  # lines only
    parts = split_text(one_para)
    assert all(len(p) <= 4096 for p in parts) and "\n".join(parts) == one_para
    assert len(parts) == 3
    words = "слово " * 2000
    parts = split_text(words)
    assert all(len(p) <= 4096 for p in parts) and " ".join(parts) == words.strip()
    blob = "x" * 9000
    assert [len(p) for p in split_text(blob)] == [4096, 4096, 808]
    assert split_text("😀" * 4096) == ["😀" * 4096]  # counted in characters, not UTF-16 units


async def test_long_reply_split_signed_paced_and_threaded(world: TelegramWorld,
                                                          server: tuple[TelegramWorld, str]) -> None:
    cid = new_group(world, -1001000000010, "Форум 2", is_forum=True)
    topic = world.add_topic(cid, "SEO")
    q = world.post(cid, from_user=IVAN, text="пришлите отчёт", topic_id=topic)
    paras = [f"Раздел {i}. " + "текст " * 400 for i in range(4)]  # ~2.4k chars each
    body = "\n\n".join(p.strip() for p in paras)
    c = make(server[1], pace_chat_seconds=0.3)
    try:
        res = await c.send(Outgoing(key="long", account="tg", conversation=f"{cid}:{topic}",
                                    text=body, reply_to=f"{cid}:{q['message_id']}"))
    finally:
        await c.aclose()
    sent = world.sent(cid)
    assert len(sent) == 4
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert sent[0]["text"].startswith(SIG + "Раздел 0.")
    assert "\n\n".join(m["text"] for m in sent) == SIG + body  # paragraph cuts, in order
    assert sent[0]["reply_to_message"]["message_id"] == q["message_id"]
    assert all(m["message_thread_id"] == topic for m in sent)
    assert res.remote_id == f"{cid}:{sent[-1]['message_id']}"
    assert res.item is not None and res.item.author.is_me and res.item.author.is_bot
    assert res.item.text == SIG + body and res.item.conversation == f"{cid}:{topic}"
    assert res.item.meta["parts"] == [f"{cid}:{m['message_id']}" for m in sent]
    # Pacing: ≥ 0.3 s between consecutive sends to the same chat (server-side timestamps).
    times = [r.at for r in world.requests if r.method == "sendmessage"][-4:]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.25, gaps


async def test_group_per_minute_pacing_uses_the_window(world: TelegramWorld,
                                                       server: tuple[TelegramWorld, str]) -> None:
    cid = new_group(world, -1001000000011)
    slept: list[float] = []
    fake_now = [1000.0]

    async def fake_sleep(s: float) -> None:
        slept.append(s)
        fake_now[0] += s

    ctx = SourceContext(account="tg", kind="telegram",
                        options={"api_base": server[1], "pace_chat_seconds": 1.0,
                                 "group_per_minute": 3},
                        secret=lambda n: TOKEN)
    c = TelegramConnector(ctx, sleep=fake_sleep, clock=lambda: fake_now[0])
    try:
        for i in range(4):
            await c.send(Outgoing(key=f"p{i}", account="tg", conversation=str(cid), text=str(i)))
    finally:
        await c.aclose()
    # 1 s between sends; the 4th waits until 60 s after the 1st (3 per minute).
    assert slept[:2] == [1.0, 1.0] and slept[2] == pytest.approx(58.0)
    assert [m["text"] for m in world.sent(cid)] == ["0", "1", "2", "3"]


async def test_escalation_target_and_signature_not_doubled(world: TelegramWorld,
                                                           conn: TelegramConnector) -> None:
    world.add_chat(333, "Анна AM", type="private")
    res = await conn.send(Outgoing(key="esc", account="tg", conversation=str(GROUP),
                                   text=SIG + "клиент просит скидку", reply_to=f"{GROUP}:5",
                                   target={"chat_id": "333"}))
    (m,) = world.sent(333)
    assert m["text"] == SIG + "клиент просит скидку" and "reply_to_message" not in m
    assert res.remote_id == f"333:{m['message_id']}"


# --- secrets ------------------------------------------------------------------------------


async def test_token_never_leaks(world: TelegramWorld, server: tuple[TelegramWorld, str],
                                 tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # includes httpx / httpcore request logging
    cid = new_group(world, -1001000000012)
    world.post(cid, from_user=IVAN, text="проверка")
    c = make(server[1])
    store = store_for(tmp_path)
    try:
        batch = await c.fetch(None)
        apply(store, batch)
        store.apply_batch("tg", [], batch.cursor, project_of=lambda it: "P",
                          role_of=lambda it: "client")
        res = await c.send(Outgoing(key="t", account="tg", conversation=str(cid), text="ответ"))
        assert res.item is not None
        store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    finally:
        await c.aclose()
    errors: list[str] = []
    # Unreachable server, rejected token, malformed token: all secret-free.
    dead = make("http://127.0.0.1:9")
    try:
        with pytest.raises(SourceError) as ei:
            await dead.fetch(None)
        errors.append(str(ei.value))
        assert ei.value.__cause__ is None and ei.value.__suppress_context__
    finally:
        await dead.aclose()
    bad = make(server[1], token="7000002:AAH-otherSecretValue")
    try:
        with pytest.raises(SourceError) as ei:
            await bad.fetch(None)
        assert ei.value.fatal
        errors.append(str(ei.value))
    finally:
        await bad.aclose()
    with pytest.raises(SourceError) as ei:
        await get_me(server[1], "not a token with spaces")
    assert "spaces" not in str(ei.value)
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # httpx did log
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (TOKEN, "AAH-secretTokenValue_xyz", "otherSecretValue"):
        assert secret not in logs
        assert all(secret not in e for e in errors)
        for f in tmp_path.iterdir():
            assert secret.encode() not in f.read_bytes(), f


async def test_connect_helpers(world: TelegramWorld, server: tuple[TelegramWorld, str]) -> None:
    cid = new_group(world, -1001000000013, "Новый клиент", username="newclient")
    world.post(cid, from_user=IVAN, text="привет")
    me = await get_me(server[1], TOKEN)
    assert me["username"] == "agency_bot" and me["can_read_all_group_messages"] is True
    chats = await seen_chats(server[1], TOKEN)
    assert {"id": cid, "type": "supergroup", "title": "Новый клиент", "username": "newclient",
            "is_forum": False} in chats
    assert world.pending(TOKEN) == 1  # nothing was confirmed
    with pytest.raises(SourceError) as ei:
        await get_me(server[1], "7000009:AAH-unknownToken")
    assert ei.value.fatal and "unknownToken" not in str(ei.value)


async def test_missing_token_is_fatal(server: tuple[TelegramWorld, str]) -> None:
    c = make(server[1], token=None)
    with pytest.raises(SourceError) as ei:
        await c.fetch(None)
    assert ei.value.fatal and "inscope connect telegram" in str(ei.value)
    await c.aclose()


# --- fuzz ------------------------------------------------------------------------------------

_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**53, 2**53), st.text(max_size=20),
                    st.floats(allow_nan=False))
_loose = st.recursive(_scalar, lambda kids: st.lists(kids, max_size=3)
                      | st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=8)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Mostly well-typed, sometimes junk: so that many examples still reach item building.
    return st.one_of(strategy, strategy, strategy, strategy, strategy, strategy, _loose)


_entity = st.fixed_dictionaries({"type": _maybe(st.sampled_from(["mention", "text_mention", "bold"])),
                                 "offset": _maybe(st.integers(-3, 40)),
                                 "length": _maybe(st.integers(-1, 40))},
                                optional={"user": _maybe(st.fixed_dictionaries(
                                    {"id": st.integers(1, 10**12), "username": st.text(max_size=8)}))})
_chat = st.fixed_dictionaries({"id": _maybe(st.integers(-10**13, 10**10)),
                               "type": _maybe(st.sampled_from(["group", "supergroup", "private",
                                                               "channel"]))},
                              optional={"title": _maybe(st.text(max_size=10)),
                                        "username": _maybe(st.text(max_size=8)),
                                        "is_forum": st.booleans()})
_user = st.fixed_dictionaries({"id": _maybe(st.integers(1, 10**12))},
                              optional={"first_name": _maybe(st.text(max_size=8)),
                                        "username": _maybe(st.text(max_size=8)),
                                        "is_bot": st.booleans()})
_message = st.fixed_dictionaries(
    {"message_id": _maybe(st.integers(1, 10**6)), "chat": _maybe(_chat),
     "date": _maybe(st.integers(0, 2_000_000_000)), "from": _maybe(_user),
     "text": _maybe(st.text(min_size=1, max_size=40))},
    optional={"caption": _maybe(st.text(max_size=10)),
              "entities": _maybe(st.lists(_entity, max_size=3)),
              "message_thread_id": _maybe(st.integers(1, 100)), "is_topic_message": st.booleans(),
              "reply_to_message": _maybe(st.fixed_dictionaries(
                  {"message_id": _maybe(st.integers(1, 99))}, optional={"text": _loose})),
              "edit_date": _maybe(st.integers(0, 2_000_000_000)),
              "migrate_to_chat_id": _maybe(st.integers(-10**13, 0)),
              "sender_chat": _maybe(_chat), "photo": _loose, "forum_topic_created": _loose})
_uid = _maybe(st.integers(0, 10**9))
_update = st.one_of(
    _loose,
    st.fixed_dictionaries({"update_id": _uid, "message": _maybe(_message)}),
    st.fixed_dictionaries({"update_id": st.integers(0, 10**9), "message": _message}),
    st.fixed_dictionaries({"update_id": _uid, "edited_message": _maybe(_message)}),
    st.fixed_dictionaries({"update_id": _uid},
                          optional={"my_chat_member": _loose, "channel_post": _maybe(_message)}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_update, max_size=6))
def test_fuzz_update_parsing_never_raises(updates: list[Any]) -> None:
    body = json.dumps({"ok": True, "result": updates}).encode()
    transport = httpx.MockTransport(lambda req: httpx.Response(200, content=body) if
                                    req.url.path.endswith("getUpdates") else
                                    httpx.Response(200, json={"ok": True,
                                                              "result": {"username": "agency_bot"}}))
    ctx = SourceContext(account="tg", kind="telegram", options={"poll_timeout": 0},
                        secret=lambda n: TOKEN, me_handles=("maria_seo",))

    async def run() -> Batch:
        c = TelegramConnector(ctx, transport=transport)
        try:
            return await c.fetch("5")
        finally:
            await c.aclose()

    batch = asyncio.run(run())
    ids = [u["update_id"] for u in updates if isinstance(u, dict)
           and type(u.get("update_id")) is int]
    assert batch.cursor == (str(max(ids) + 1) if ids else "5")
    for it in batch.items:
        chat_id = it.external_id.split(":")[0]
        assert it.conversation.split(":")[0] == chat_id and it.routes == (f"telegram_chat:{chat_id}",)
        assert "\x1b" not in it.text


async def test_malformed_update_is_a_logged_skip(caplog: pytest.LogCaptureFixture) -> None:
    good = {"update_id": 10, "message": {"message_id": 1, "date": 1767900000, "text": "ok",
                                          "from": IVAN, "chat": {"id": GROUP, "type": "supergroup",
                                                                 "title": "T"}}}
    bad = {"update_id": 11, "message": {"message_id": "x", "chat": {"id": GROUP,
                                                                   "type": "supergroup"}}}
    body = {"ok": True, "result": [bad, good]}
    transport = httpx.MockTransport(lambda req: httpx.Response(200, json=body))
    ctx = SourceContext(account="tg", kind="telegram", options={"poll_timeout": 0},
                        secret=lambda n: TOKEN)
    c = TelegramConnector(ctx, transport=transport)
    try:
        with caplog.at_level(logging.WARNING, logger="connectors.telegram"):
            batch = await c.fetch(None)
    finally:
        await c.aclose()
    assert [it.text for it in batch.items] == ["ok"] and batch.cursor == "12"
    assert "1 malformed update(s) skipped" in batch.notes
    assert any("skipped malformed update 11" in r.getMessage() for r in caplog.records)


_good_message = st.fixed_dictionaries(
    {"message_id": st.integers(1, 10**6),
     "chat": st.fixed_dictionaries({"id": st.integers(-10**13, -1),
                                    "type": st.sampled_from(["group", "supergroup", "private"])},
                                   optional={"title": st.text(max_size=10),
                                             "username": st.text(max_size=8),
                                             "is_forum": st.booleans()}),
     "date": st.integers(0, 2_000_000_000), "from": _user,
     "text": st.text(min_size=1, max_size=40)},
    optional={"entities": st.lists(_entity, max_size=4),
              "message_thread_id": st.integers(1, 100), "is_topic_message": st.booleans(),
              "reply_to_message": st.fixed_dictionaries({"message_id": st.integers(1, 99)},
                                                        optional={"text": _loose}),
              "edit_date": st.integers(0, 2_000_000_000), "sender_chat": _chat})


@settings(max_examples=150, deadline=None)
@given(st.lists(_good_message, max_size=4), st.booleans())
def test_fuzz_well_typed_messages_all_become_items(msgs: list[dict[str, Any]],
                                                   edited: bool) -> None:
    """Arbitrary (well-typed) field values: every message is an item, or a logged skip."""
    key = "edited_message" if edited else "message"
    updates = [{"update_id": 100 + i, key: m} for i, m in enumerate(msgs)]
    body = json.dumps({"ok": True, "result": updates}).encode()
    transport = httpx.MockTransport(lambda req: httpx.Response(200, content=body))
    ctx = SourceContext(account="tg", kind="telegram", options={"poll_timeout": 0},
                        secret=lambda n: TOKEN, me_handles=("maria_seo",))

    async def run() -> Batch:
        c = TelegramConnector(ctx, transport=transport)
        try:
            return await c.fetch(None)
        finally:
            await c.aclose()

    batch = asyncio.run(run())
    # Odd field values (a sender without id, a broken sender_chat, wild entity offsets,
    # odd titles) degrade an item but never drop it: every message becomes exactly one item.
    assert not any("malformed" in n for n in batch.notes)
    assert len(batch.items) == len(msgs)
    for m, it in zip(msgs, batch.items, strict=True):
        assert it.external_id == f"{m['chat']['id']}:{m['message_id']}"
        assert (it.edited_at is not None) == ("edit_date" in m)
        assert it.text == clean_text(m["text"])
    if msgs:
        assert batch.cursor == str(100 + len(msgs))


async def test_flood_wait_mid_split_resumes_without_duplicates(
        world: TelegramWorld, conn: TelegramConnector) -> None:
    cid = new_group(world, -1001000000014)
    body = "\n\n".join(f"Часть {i}. " + "ж" * 3000 for i in range(3))
    out = Outgoing(key="resume", account="tg", conversation=str(cid), text=body)
    world.fault("429", method="sendMessage", retry_after=300, skip=1)  # part 2 hits a long wait
    with pytest.raises(SourceError) as ei:
        await conn.send(out)
    assert ei.value.retry_after == 300
    assert len(world.sent(cid)) == 1
    res = await conn.send(out)  # the engine retries the same outbox row later
    sent = world.sent(cid)
    assert [m["text"].split(".")[0] for m in sent] == [SIG + "Часть 0", "Часть 1", "Часть 2"]
    assert res.remote_id == f"{cid}:{sent[-1]['message_id']}"
    assert res.item is not None and len(res.item.meta["parts"]) == 3
