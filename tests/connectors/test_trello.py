"""The Trello connector against the sandbox Trello over real loopback sockets.

Plus unit tests of the action parser (odd payloads, a hypothesis fuzz) and the
whole path through ``inscope.store.Store`` (backfill, reply across a crash).

Why one module of this size: one connector's tests, kept together so a change to it runs
one file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import (
    Item,
    Outgoing,
    PermanentSendError,
    SourceContext,
    SourceError,
)
from connectors.trello import (
    Cursor,
    TokenBucket,
    TrelloConnector,
    build,
    mentions_in,
    open_boards,
    parse_action,
    whoami,
)
from inscope.store import Store
from sandbox.server import ServerThread
from sandbox.trello_server import Board, Card, Limits, Member, TrelloWorld, create_app

KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
TOKEN = "ATTAf00dfeedbeef5eaf00d1234567890abcdef1234567890abcdef0123456789"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Env:
    """A sandbox world with me, a client, two boards and cards, served on loopback."""

    world: TrelloWorld
    url: str
    me: Member
    client: Member
    am: Member
    board: Board
    board2: Board
    card: Card
    card2: Card
    conns: list[TrelloConnector] = field(default_factory=list)

    def connector(self, token: str = TOKEN, key: str = KEY, **options: Any) -> TrelloConnector:
        opts: dict[str, Any] = {"api_base": self.url + "/1", "boards": [self.board.id, self.board2.id],
                                "recheck_every": 10**9}
        opts.update(options)
        secrets = {"key": key, "token": token}
        ctx = SourceContext(account="trello", kind="trello", options=opts, secret=secrets.get,
                            me_handles=("maria_seo",))
        conn = build(ctx)
        self.conns.append(conn)
        return conn


@pytest.fixture
async def env() -> Any:
    world = TrelloWorld()
    me = world.add_member("maria_seo", "Мария Смирнова", token=TOKEN, key=KEY)
    client = world.add_member("ivan_client", "Иван Петров")
    am = world.add_member("anna_am", "Анна")
    board = world.add_board("Клиенты", members=[me, client, am])
    board2 = world.add_board("Second", members=[me, client])
    card = world.add_card(board, "Заказ №42", members=[me, client], at=T0)
    card2 = world.add_card(board2, "Other card", members=[client], at=T0)
    with ServerThread(create_app(world)) as srv:
        e = Env(world, srv.url, me, client, am, board, board2, card, card2)
        yield e
        for c in e.conns:
            await c.aclose()


async def drain(conn: TrelloConnector, cursor: str | None = None, limit: int = 50) -> tuple[list[Item], str | None, int]:
    """Fetch until ``more`` is False, as the sync engine does; returns items, cursor, fetches."""
    items: list[Item] = []
    for n in range(1, limit + 1):
        batch = await conn.fetch(cursor)
        items.extend(batch.items)
        cursor = batch.cursor
        if not batch.more:
            return items, cursor, n
    raise AssertionError("fetch never finished")


# --- backfill and incremental sync ---------------------------------------------------------------


async def test_backfill_pages_over_1000_comments(env: Env) -> None:
    for i in range(2300):
        env.world.add_comment(env.card, env.client, f"comment {i}", at=T0 + timedelta(seconds=i))
    env.world.add_comment(env.card2, env.client, "on board 2", at=T0)
    conn = env.connector()
    items, cursor, fetches = await drain(conn)
    assert fetches == 1
    texts = {it.text for it in items if it.conversation == env.card.id}
    assert texts == {f"comment {i}" for i in range(2300)}
    assert len({it.external_id for it in items}) == 2301
    # 1000 + 1000 + 300 on board 1 (walked back with `before`), one request on board 2.
    assert env.world.request_count("GET", f"/boards/{env.board.id}/actions") == 3
    assert env.world.request_count("GET", f"/boards/{env.board2.id}/actions") == 1
    befores = [r.query for r in env.world.requests if "before=" in r.query]
    assert len(befores) == 2


async def test_backfill_in_several_batches_resumes_from_committed_cursor(env: Env) -> None:
    for i in range(2500):
        env.world.add_comment(env.card, env.client, f"c{i}", at=T0 + timedelta(seconds=i))
    conn = env.connector(max_pages=1, boards=[env.board.id])
    b1 = await conn.fetch(None)
    assert b1.more and len(b1.items) == 1000
    b2 = await conn.fetch(b1.cursor)
    assert b2.more and len(b2.items) == 1000
    # A crash before b2 was committed: the engine fetches again from b1's cursor.
    b2_again = await conn.fetch(b1.cursor)
    assert [i.external_id for i in b2_again.items] == [i.external_id for i in b2.items]
    b3 = await conn.fetch(b2.cursor)
    assert not b3.more and len(b3.items) == 500
    got = {i.text for i in b1.items + b2.items + b3.items}
    assert got == {f"c{i}" for i in range(2500)}


async def test_incremental_one_request_per_board_when_nothing_is_new(env: Env) -> None:
    env.world.add_comment(env.card, env.client, "first", at=T0)
    conn = env.connector()
    _, cursor, _ = await drain(conn)
    env.world.requests.clear()
    batch = await conn.fetch(cursor)
    assert batch.items == [] and not batch.more
    paths = [r.path for r in env.world.requests]
    assert sorted(paths) == sorted([f"/1/boards/{env.board.id}/actions", f"/1/boards/{env.board2.id}/actions"])
    # A new connector (a restart) with the same cursor does not spend the /members/ bucket.
    env.world.requests.clear()
    conn2 = env.connector()
    await conn2.fetch(batch.cursor)
    assert env.world.request_count(path_contains="/members") == 0
    assert len(env.world.requests) == 2


async def test_incremental_picks_up_new_comments_and_walks_a_full_page(env: Env) -> None:
    env.world.add_comment(env.card, env.client, "old", at=T0)
    conn = env.connector()
    _, cursor, _ = await drain(conn)
    base = datetime.now(UTC) - timedelta(hours=3)
    for i in range(1200):
        env.world.add_comment(env.card, env.client, f"new {i}", at=base + timedelta(seconds=i))
    items, cursor, _ = await drain(conn, cursor)
    assert sorted(it.text for it in items) == sorted(f"new {i}" for i in range(1200))
    items, _, _ = await drain(conn, cursor)
    assert items == []


async def test_since_inclusive_server_is_deduplicated(env: Env) -> None:
    env.world.since_inclusive = True
    env.world.add_comment(env.card, env.client, "one", at=T0)
    conn = env.connector()
    _, cursor, _ = await drain(conn)
    items, cursor, _ = await drain(conn, cursor)
    assert items == []
    env.world.add_comment(env.card, env.client, "two")
    items, _, _ = await drain(conn, cursor)
    assert [it.text for it in items] == ["two"]


async def test_item_fields_mentions_membership_and_unicode(env: Env) -> None:
    text = "@maria_seo когда будет счёт? 🧾👍 [b]not markup[/b] <i>x</i> @Anna_AM"
    a = env.world.add_comment(env.card, env.client, text, at=T0)
    env.world.add_comment(env.card2, env.me, "мой ответ 🙂", at=T0 + timedelta(minutes=1))
    env.world.rename_card(env.card, "Заказ №42 (срочно)")
    conn = env.connector()
    items, _, _ = await drain(conn)
    by_id = {it.external_id: it for it in items}
    it = by_id[a.id]
    assert it.text == text
    assert it.source == "trello" and it.account == "trello"
    assert it.conversation == env.card.id
    assert it.conversation_title == "Заказ №42 (срочно)"  # the card's current name
    assert it.url == env.card.url
    assert it.author.id == env.client.id and it.author.handle == "ivan_client"
    assert it.author.name == "Иван Петров" and not it.author.is_me
    assert it.mentions == ("maria_seo", "anna_am") and it.mentions_me
    assert it.routes == (f"trello_board:{env.board.id}",)
    assert env.me.id in it.members and "me" in it.members and "ivan_client" in it.members
    assert it.meta["me_on_card"] is True
    assert it.created_at == T0
    assert json.loads(it.raw)["id"] == a.id
    mine = next(i for i in items if i.conversation == env.card2.id)
    assert mine.author.is_me and mine.text == "мой ответ 🙂"
    assert mine.meta["me_on_card"] is False and env.me.id not in mine.members
    assert "me" not in mine.members and mine.members == ("ivan_client",)
    assert not mine.mentions_me


# --- edits and deletions -------------------------------------------------------------------------


async def test_edit_and_delete_are_seen_on_recheck(env: Env) -> None:
    now = datetime.now(UTC)
    keep = env.world.add_comment(env.card, env.client, "стабильный", at=now - timedelta(days=1))
    edit = env.world.add_comment(env.card, env.client, "первый вариант", at=now - timedelta(hours=5))
    gone = env.world.add_comment(env.card2, env.client, "удалю 🗑", at=now - timedelta(hours=4))
    old = env.world.add_comment(env.card, env.client, "too old", at=now - timedelta(days=30))
    conn = env.connector(recheck_every=0)
    _, cursor, _ = await drain(conn)
    env.world.edit_comment(edit.id, "второй вариант @maria_seo")
    env.world.delete_comment(gone.id)
    env.world.edit_comment(old.id, "edited outside the window")
    batch = await conn.fetch(cursor)
    changed = {it.external_id: it for it in batch.items}
    assert set(changed) == {edit.id, gone.id}
    assert changed[edit.id].text == "второй вариант @maria_seo"
    assert changed[edit.id].edited_at is not None and changed[edit.id].mentions_me
    assert changed[gone.id].deleted and changed[gone.id].conversation == env.card2.id
    assert any("edited" in n for n in batch.notes)
    assert keep.id not in changed
    # Reported once: the next recheck finds nothing new.
    again = await conn.fetch(batch.cursor)
    assert again.items == []


async def test_recheck_runs_only_on_schedule(env: Env) -> None:
    env.world.add_comment(env.card, env.client, "x")
    conn = env.connector(recheck_every=3600)
    _, cursor, _ = await drain(conn)
    await conn.fetch(cursor)  # still inside the hour
    env.world.requests.clear()
    await conn.fetch(cursor)
    assert len(env.world.requests) == 2  # just the two polls, no recheck listing


# --- sending, escalations, crash recovery --------------------------------------------------------


async def test_send_posts_once_and_returns_own_item(env: Env) -> None:
    conn = env.connector()
    out = Outgoing(key="k1", account="trello", conversation=env.card.id, text="Счёт отправлен 📎 [red]x[/red]")
    res = await conn.send(out)
    assert env.world.posts_per_card[env.card.id] == 1
    assert res.item is not None and res.item.author.is_me
    assert res.item.text == out.text and res.item.external_id == res.remote_id
    assert res.item.conversation == env.card.id and res.item.conversation_title == "Заказ №42"
    assert env.world.comments_on(env.card)[-1].text == out.text
    post = next(r for r in env.world.requests if r.method == "POST")
    assert post.query == ""  # the text went in the body, not the URL


async def test_escalation_mentions_the_am(env: Env) -> None:
    conn = env.connector()
    out = Outgoing(key="k2", account="trello", conversation=env.card.id, text="нужен договор",
                   target={"mention": "anna_am"})
    res = await conn.send(out)
    assert env.world.comments_on(env.card)[-1].text == "@anna_am нужен договор"
    assert res.item is not None and "anna_am" in res.item.mentions
    assert await conn.reconcile(out) is not None


async def test_reconcile_after_crash_between_post_and_commit(env: Env) -> None:
    conn = env.connector()
    out = Outgoing(key="k3", account="trello", conversation=env.card.id, text="готово ✅",
                   created_at=datetime.now(UTC))
    sent = await conn.send(out)
    await conn.aclose()
    # "Restart": a fresh connector only has the outbox row.
    conn2 = env.connector()
    found = await conn2.reconcile(out)
    assert found is not None and found.remote_id == sent.remote_id
    assert found.item is not None and found.item.author.is_me
    assert env.world.posts_per_card[env.card.id] == 1


async def test_reconcile_when_post_never_reached_the_server(env: Env) -> None:
    env.world.add_comment(env.card, env.me, "другой текст")  # mine, different text
    env.world.add_comment(env.card, env.client, "готово ✅")  # same text, someone else
    conn = env.connector()
    out = Outgoing(key="k4", account="trello", conversation=env.card.id, text="готово ✅",
                   created_at=datetime.now(UTC))
    assert await conn.reconcile(out) is None
    assert env.world.posts_per_card[env.card.id] == 0


async def test_reconcile_ignores_my_identical_comment_from_long_ago(env: Env) -> None:
    env.world.add_comment(env.card, env.me, "ok", at=datetime.now(UTC) - timedelta(days=2))
    conn = env.connector()
    out = Outgoing(key="k5", account="trello", conversation=env.card.id, text="ok",
                   created_at=datetime.now(UTC))
    assert await conn.reconcile(out) is None


async def test_ambiguous_post_is_reconciled_not_reposted(env: Env) -> None:
    conn = env.connector()
    env.world.faults.truncate(1, match="/actions/comments")  # applied, then the reply breaks
    out = Outgoing(key="k6", account="trello", conversation=env.card.id, text="один раз")
    res = await conn.send(out)
    assert res.item is not None and res.item.text == "один раз"
    assert env.world.posts_per_card[env.card.id] == 1


async def test_post_refused_with_500_is_retryable_and_not_posted(env: Env) -> None:
    conn = env.connector()
    env.world.faults.error(1, 500, match="/actions/comments")
    out = Outgoing(key="k7", account="trello", conversation=env.card.id, text="retry me")
    with pytest.raises(SourceError) as ei:
        await conn.send(out)
    assert ei.value.retry_after and not isinstance(ei.value, PermanentSendError)
    assert env.world.posts_per_card[env.card.id] == 0
    await conn.send(out)
    assert env.world.posts_per_card[env.card.id] == 1


async def test_send_to_missing_card_is_permanent(env: Env) -> None:
    conn = env.connector()
    with pytest.raises(PermanentSendError):
        await conn.send(Outgoing(key="k8", account="trello", conversation="0" * 24, text="x"))
    with pytest.raises(PermanentSendError):
        await conn.send(Outgoing(key="k9", account="trello", conversation="not-a-card", text="x"))


# --- the whole path through the store --------------------------------------------------------------


async def test_store_path_reply_once_across_crash(env: Env, tmp_path: Path) -> None:
    env.world.add_comment(env.card, env.client, "@maria_seo вопрос по сайту", at=T0)
    store = Store(tmp_path / "inbox.db")
    store.migrate()
    store.sync_projects([("P", "active")])

    def project_of(it: Item) -> str:
        return "P"

    def role_of(it: Item) -> str:
        return "client"

    conn = env.connector()
    batch = await conn.fetch(store.cursor("trello"))
    store.apply_batch("trello", batch.items, batch.cursor, project_of=project_of, role_of=role_of)
    tid = _thread_id(store)
    oid = store.queue_reply(tid, "Отвечаю: всё готово 🚀")
    row = store.outbox_row(oid)
    store.outbox_move(oid, "sending")
    out = Outgoing(key=row.key, account=row.account, conversation=row.conversation, text=row.text,
                   created_at=datetime.fromtimestamp(row.created_at, UTC))
    await conn.send(out)  # ... and the process dies before record_sent
    conn2 = env.connector()
    res = await conn2.reconcile(out)
    assert res is not None
    store.record_sent(oid, res.remote_id, res.item, project_of=project_of, role_of=role_of)
    # The next poll sees the same comment: still one copy in the thread.
    batch = await conn2.fetch(store.cursor("trello"))
    store.apply_batch("trello", batch.items, batch.cursor, project_of=project_of, role_of=role_of)
    texts = [m.text for m in store.messages(tid)]
    assert texts.count("Отвечаю: всё готово 🚀") == 1
    assert env.world.posts_per_card[env.card.id] == 1
    store.close()
    # Secrets never reach the DB file (or its WAL).
    for f in tmp_path.iterdir():
        data = f.read_bytes()
        assert TOKEN.encode() not in data and KEY.encode() not in data


def _thread_id(store: Store) -> int:
    row = store.conn.execute("SELECT id FROM threads ORDER BY id LIMIT 1").fetchone()
    return int(row[0])


# --- rate limits, errors, secrets --------------------------------------------------------------------


async def test_single_429_is_retried_after_backoff(env: Env) -> None:
    env.world.add_comment(env.card, env.client, "hi")
    conn = env.connector(backoff_429=0.05, max_wait=1.0)
    env.world.faults.rate_limit(1)
    items, _, _ = await drain(conn)
    assert [i.text for i in items] == ["hi"]
    assert any(r.status == 429 for r in env.world.requests)


async def test_429_storm_raises_retry_after(env: Env) -> None:
    conn = env.connector()  # default backoff: ~10 s, longer than max_wait
    env.world.faults.rate_limit(50, error="API_KEY_LIMIT_EXCEEDED")
    with pytest.raises(SourceError) as ei:
        await conn.fetch(None)
    assert ei.value.retry_after is not None and ei.value.retry_after >= 10
    assert not ei.value.fatal and "API_KEY_LIMIT_EXCEEDED" in str(ei.value)
    # The connector remembers the block instead of hammering the server.
    before = len(env.world.requests)
    with pytest.raises(SourceError):
        await conn.fetch(None)
    assert len(env.world.requests) == before


async def test_server_side_token_limit_is_honoured(env: Env) -> None:
    env.world.limits = Limits(token_max=3)
    conn = env.connector(token_limit=1000, backoff_429=30)
    with pytest.raises(SourceError) as ei:
        for _ in range(5):
            await conn.fetch(None)
    assert "API_TOKEN_LIMIT_EXCEEDED" in str(ei.value) and ei.value.retry_after


async def test_client_side_bucket_keeps_under_the_limit(env: Env) -> None:
    conn = env.connector(token_limit=4, rate_interval=10, max_wait=0.5)
    with pytest.raises(SourceError) as ei:
        for _ in range(5):
            await conn.fetch(None)
    assert ei.value.retry_after is not None and ei.value.retry_after > 0.5
    assert all(r.status != 429 for r in env.world.requests)
    assert len(env.world.requests) == 4


def test_token_bucket_refills_and_observes_headers() -> None:
    now = [0.0]
    b = TokenBucket(10, 10.0, clock=lambda: now[0])
    for _ in range(10):
        assert b.wait_time() == 0
        b.take()
    assert b.wait_time() == pytest.approx(1.0)
    now[0] = 5.0
    assert b.wait_time() == 0
    b.observe_remaining(0)
    assert b.wait_time() == pytest.approx(1.0)
    b.block(20)
    assert b.wait_time() == pytest.approx(20.0)


@pytest.mark.parametrize("which", ["token", "key"])
async def test_401_is_fatal_with_a_clear_secret_free_message(env: Env, which: str) -> None:
    bad = "ATTAbad0000000000000000000000000000000000000000000000000000000bad"
    conn = env.connector(token=bad) if which == "token" else env.connector(key=bad)
    with pytest.raises(SourceError) as ei:
        await conn.fetch(None)
    assert ei.value.fatal
    msg = str(ei.value)
    assert f"API {which} was rejected" in msg and "inscope connect trello" in msg
    assert bad not in msg and TOKEN not in msg and KEY not in msg


@pytest.mark.parametrize("fault", ["error", "truncate", "slow"])
async def test_network_faults_become_retryable_source_errors(env: Env, fault: str) -> None:
    conn = env.connector(timeout=0.3)
    if fault == "error":
        env.world.faults.error(1, 503)
    elif fault == "truncate":
        env.world.faults.truncate(1)
    else:
        env.world.faults.slow(1, 1.0)
    with pytest.raises(SourceError) as ei:
        await conn.fetch(None)
    assert ei.value.retry_after and not ei.value.fatal
    assert "http://" not in str(ei.value) and ei.value.__cause__ is None
    assert ei.value.__suppress_context__


async def test_connection_refused_is_a_source_error() -> None:
    ctx = SourceContext(account="trello", kind="trello",
                        options={"api_base": "http://127.0.0.1:9/1", "boards": ["a" * 24]},
                        secret={"key": KEY, "token": TOKEN}.get)
    conn = build(ctx)
    try:
        with pytest.raises(SourceError) as ei:
            await conn.fetch(None)
        assert "network error" in str(ei.value) and "127.0.0.1" not in str(ei.value)
    finally:
        await conn.aclose()


async def test_unreadable_board_is_skipped_others_go_on(env: Env) -> None:
    stranger = env.world.add_member("other", "Other")
    private = env.world.add_board("Private", members=[stranger])
    env.world.add_comment(env.card, env.client, "visible")
    conn = env.connector(boards=[private.id, env.board.id])
    batch = await conn.fetch(None)
    assert [i.text for i in batch.items] == ["visible"]
    assert any("skipped" in n for n in batch.notes)


async def test_token_never_in_urls_logs_or_errors(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    env.world.add_comment(env.card, env.client, "hello")
    conn = env.connector(recheck_every=0)
    _, cursor, _ = await drain(conn)
    out = Outgoing(key="k", account="trello", conversation=env.card.id, text="reply")
    await conn.send(out)
    await conn.reconcile(out)
    env.world.faults.error(1, 500)
    with pytest.raises(SourceError) as ei:
        await conn.fetch(cursor)
    assert env.world.requests
    for r in env.world.requests:
        assert TOKEN not in r.query and KEY not in r.query and TOKEN not in r.path
        assert r.auth == "header"
    assert TOKEN not in caplog.text and KEY not in caplog.text
    assert TOKEN not in str(ei.value)
    assert cursor is not None and TOKEN not in cursor
    assert TOKEN not in repr(conn.api.__dict__.get("key_bucket"))


# --- all open boards, connect helpers ------------------------------------------------------------------


async def test_all_open_boards_when_none_configured(env: Env) -> None:
    closed = env.world.add_board("Archived", members=[env.me], closed=True)
    closed_card = env.world.add_card(closed, "old card")
    env.world.add_comment(closed_card, env.client, "archived")
    env.world.add_comment(env.card2, env.client, "b2")
    conn = env.connector(boards=[])
    items, cursor, _ = await drain(conn)
    assert [i.text for i in items] == ["b2"]
    env.world.requests.clear()
    await conn.fetch(cursor)  # board list is cached in the cursor
    assert env.world.request_count(path_contains="/members") == 0


async def test_whoami_and_open_boards_helpers(env: Env) -> None:
    env.world.add_board("Closed", members=[env.me], closed=True)
    me = await whoami(env.url + "/1", KEY, TOKEN)
    assert me == {"id": env.me.id, "username": "maria_seo", "fullName": "Мария Смирнова"}
    boards = await open_boards(env.url + "/1", KEY, TOKEN)
    assert {b["name"] for b in boards} == {"Клиенты", "Second"}
    assert all(b["url"].startswith("https://trello.com/b/") for b in boards)
    with pytest.raises(SourceError) as ei:
        await whoami(env.url + "/1", KEY, "ATTAwrongtoken000000")
    assert ei.value.fatal and "ATTAwrongtoken000000" not in str(ei.value)


def test_missing_secrets_is_fatal() -> None:
    ctx = SourceContext(account="t", kind="trello", options={}, secret=lambda name: None)
    with pytest.raises(SourceError) as ei:
        build(ctx)
    assert ei.value.fatal


# --- parsing odd payloads ---------------------------------------------------------------------------


GOOD: dict[str, Any] = {
    "id": "5ff8e79124603064c207e0e3", "idMemberCreator": "50e853a3a98492ed05002257",
    "type": "commentCard", "date": "2026-01-08T23:15:29.289Z",
    "data": {"text": "@maria_spec когда будет счёт?",
             "card": {"id": "5f80880e8078885d1f805fb9", "name": "Заказ №42", "shortLink": "pXID5JR8"},
             "board": {"id": "5f73576d8c515547938c3535"}},
    "memberCreator": {"id": "50e853a3a98492ed05002257", "username": "ivan_client", "fullName": "Иван"},
}


def test_parse_good_action() -> None:
    p = parse_action(GOOD)
    assert p is not None
    assert p.card_id == "5f80880e8078885d1f805fb9" and p.author_username == "ivan_client"
    assert p.date == datetime(2026, 1, 8, 23, 15, 29, 289000, tzinfo=UTC)


@pytest.mark.parametrize("mutate, ok", [
    (lambda a: a.pop("memberCreator"), True),          # older payloads / memberCreator=false
    (lambda a: a["data"]["card"].pop("name"), True),    # optional
    (lambda a: a["data"].pop("board"), True),
    (lambda a: a.pop("date"), True),                    # time from the ObjectId
    (lambda a: a.update(type="updateComment"), False),  # unknown / other action types
    (lambda a: a.update(type="createCard"), False),
    (lambda a: a["data"].pop("text"), False),
    (lambda a: a["data"].pop("card"), False),
    (lambda a: a.update(data=None), False),
    (lambda a: a.update(id=None), False),
    (lambda a: a.update(id="nothex", date="garbage"), False),
    (lambda a: a.update(memberCreator="string"), True),
])
def test_parse_odd_payloads(mutate: Any, ok: bool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="connectors.trello")
    action = json.loads(json.dumps(GOOD))
    mutate(action)
    p = parse_action(action)
    assert (p is not None) == ok
    if not ok:
        assert "skipped" in caplog.text
    else:
        assert p is not None and p.author_id == "50e853a3a98492ed05002257"


def test_no_member_creator_falls_back_to_id() -> None:
    a = json.loads(json.dumps(GOOD))
    del a["memberCreator"]
    p = parse_action(a)
    assert p is not None and p.author_name == "50e853a3a98492ed05002257" and p.author_username == ""


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
_keys = st.sampled_from(["id", "type", "date", "data", "text", "card", "board", "memberCreator",
                         "idMemberCreator", "name", "username", "fullName", "shortLink", "dateLastEdited"])
_actionish = st.recursive(
    st.none() | st.text(max_size=30) | st.just("commentCard") | st.just("5ff8e79124603064c207e0e3")
    | st.just("2026-01-08T23:15:29.289Z") | st.integers(),
    lambda children: st.dictionaries(_keys, children, max_size=6) | st.lists(children, max_size=3),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_json, _actionish))
def test_fuzz_parse_action_never_raises(payload: Any) -> None:
    p = parse_action(payload)
    if p is not None:
        assert isinstance(p.text, str) and p.card_id and p.date.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_cursor_and_mentions(text: str) -> None:
    Cursor.loads(text)  # never raises: garbage means a fresh start
    for m in mentions_in(text):
        assert m and m == m.lower() and "@" not in m


def test_cursor_round_trip() -> None:
    c = Cursor(me_id="m" * 24, me_username="maria")
    c.seen["a" * 24] = ["c" * 24, "b" * 24, "abc", 123, 1]
    d = Cursor.loads(c.dumps())
    assert d.me_id == c.me_id and d.seen == c.seen


@pytest.fixture(autouse=True)
def _no_leftover_buckets() -> Iterator[None]:
    # Key buckets are per process (several accounts may share a key); tests start fresh.
    from connectors.trello import transport
    transport._KEY_BUCKETS.clear()
    yield
    transport._KEY_BUCKETS.clear()


# --- through the real sync engine ------------------------------------------------------------------


async def test_sync_engine_round_trip_crash_and_revoked_token(env: Env, tmp_path: Path) -> None:
    from inscope.sync import Hooks, SyncEngine

    env.world.add_comment(env.card, env.client, "@maria_seo нужен отчёт", at=T0)
    env.world.add_comment(env.card2, env.client, "второй борд", at=T0)
    store = Store(tmp_path / "inbox.db")
    store.migrate()
    store.sync_projects([("P", "active")])
    hooks = Hooks(project_of=lambda it: "P", role_of=lambda it: "client", triage=lambda: None)
    engine = SyncEngine(store, {"trello": env.connector()}, hooks)
    report = await engine.sync_all()
    assert report.inserted == 2 and not report.errors
    tid = int(store.conn.execute("SELECT id FROM threads WHERE conversation = ?",
                                 (env.card.id,)).fetchone()[0])
    # A reply goes out once through the outbox.
    store.queue_reply(tid, "Отчёт в пятницу 📊")
    report = await engine.sync_all()
    assert report.sent == 1 and env.world.posts_per_card[env.card.id] == 1
    # A crash after the POST: the row is left in `sending`; a new engine reconciles it.
    oid = store.queue_reply(tid, "И ещё: счёт отправлен")
    store.outbox_move(oid, "sending")
    row = store.outbox_row(oid)
    await env.conns[-1].send(engine._outgoing(row))
    engine2 = SyncEngine(store, {"trello": env.connector()}, hooks)
    report = await engine2.sync_all()
    assert store.outbox_row(oid).state == "sent"
    assert env.world.posts_per_card[env.card.id] == 2
    texts = [m.text for m in store.messages(tid)]
    assert texts.count("И ещё: счёт отправлен") == 1 and texts.count("Отчёт в пятницу 📊") == 1
    # A revoked token disables the account with a clear message, secret-free.
    assert env.me.token is not None
    env.me.token = "revoked-token-value"
    report = await engine2.sync_all()
    assert engine2.status["trello"].state == "disabled"
    assert "token was rejected" in engine2.status["trello"].message
    assert TOKEN not in report.errors["trello"]
    store.close()


async def test_every_board_is_polled_even_when_the_page_budget_is_spent(env: Env) -> None:
    for i in range(1500):
        env.world.add_comment(env.card, env.client, f"big {i}", at=T0 + timedelta(seconds=i))
    env.world.add_comment(env.card2, env.client, "small board")
    conn = env.connector(max_pages=1)
    batch = await conn.fetch(None)
    assert batch.more
    assert "small board" in {i.text for i in batch.items}
    items, _, _ = await drain(conn, batch.cursor)
    assert len({i.external_id for i in batch.items + items}) == 1501


async def test_losing_a_board_is_not_mistaken_for_deletions(env: Env) -> None:
    env.world.add_comment(env.card, env.client, "recent", at=datetime.now(UTC) - timedelta(hours=1))
    conn = env.connector(recheck_every=0)
    _, cursor, _ = await drain(conn)
    with env.world.lock:
        env.world.boards[env.board.id].members.remove(env.me.id)
    batch = await conn.fetch(cursor)
    assert batch.items == []
    assert any("skipped" in n for n in batch.notes)
