"""The sync engine: batches + cursors, isolation of failing sources, outbox delivery and crash reconcile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import (
    Author,
    Batch,
    ChatMigrated,
    Connector,
    Item,
    LongPoll,
    Outgoing,
    PermanentSendError,
    PushWait,
    ReconcileUnknown,
    SendResult,
    SourceContext,
    SourceError,
)
from inscope.store import Store
from inscope.sync import Hooks, SyncEngine
from sandbox.demo.connector import DemoConnector
from sandbox.demo.world import generate

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def hooks() -> Hooks:
    return Hooks(project_of=lambda it: "P", role_of=lambda it: "me" if it.author.is_me else "client",
                 triage=lambda: None)


class ScriptedSource:
    """A connector double that serves pages and records sends — the protocol, in memory."""

    kind = "scripted"

    def __init__(self, account: str, pages: list[list[Item]], fail: SourceError | None = None):
        self.account = account
        self.pages = pages
        self.fail = fail
        self.fetches = 0
        self.sent: list[Outgoing] = []
        self.send_error: SourceError | None = None
        self.remote: dict[str, str] = {}  # key → remote id, what the "server" has
        self.reconcile_unknown = False

    async def fetch(self, cursor: str | None) -> Batch:
        self.fetches += 1
        if self.fail:
            raise self.fail
        pos = int(cursor or 0)
        if pos >= len(self.pages):
            return Batch([], cursor)
        return Batch(self.pages[pos], str(pos + 1), more=pos + 1 < len(self.pages))

    async def send(self, out: Outgoing) -> SendResult:
        if self.send_error:
            raise self.send_error
        self.sent.append(out)
        rid = f"r{len(self.sent)}"
        self.remote[out.key] = rid
        return SendResult(rid, Item(source="demo", account=self.account, external_id=rid,
                                    conversation=out.conversation, conversation_title="",
                                    author=Author("me", "Me", is_me=True), text=out.text, created_at=T0))

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        if self.reconcile_unknown:
            raise ReconcileUnknown()
        rid = self.remote.get(out.key)
        return None if rid is None else SendResult(rid)

    async def aclose(self) -> None:
        return None


def items(account: str, n: int, start: int = 0) -> list[Item]:
    return [Item(source="demo", account=account, external_id=f"{account}-{i}", conversation=f"c{i % 3}",
                 conversation_title="t", author=Author("c", "Client"), text=f"m{i}",
                 created_at=T0 + timedelta(minutes=i)) for i in range(start, start + n)]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inscope.db")
    s.sync_projects([("P", "active")])
    return s


async def test_pages_are_committed_with_their_cursor(store: Store) -> None:
    src = ScriptedSource("a", [items("a", 5), items("a", 5, 5)])
    eng = SyncEngine(store, {"a": src}, hooks())
    rep = await eng.sync_all()
    assert rep.inserted == 10 and store.cursor("a") == "2"
    before = store.conn.total_changes
    rep = await eng.sync_all()
    assert rep.inserted == 0 and src.fetches == 3, "steady state: one fetch per source"
    assert store.conn.total_changes == before, "a quiet round writes no row"


async def test_a_failing_source_never_stops_the_others(store: Store) -> None:
    bad = ScriptedSource("bad", [], fail=SourceError("server said 500", retry_after=30))
    good = ScriptedSource("good", [items("good", 3)])
    eng = SyncEngine(store, {"bad": bad, "good": good}, hooks())
    rep = await eng.sync_all()
    assert rep.inserted == 3
    assert rep.errors == {"bad": "server said 500"}
    assert eng.status["bad"].state == "backoff" and eng.status["bad"].next_try > 0
    accounts = {a["name"]: a for a in store.accounts()}
    assert accounts["bad"]["status"] == "error" and "500" in accounts["bad"]["last_error"]
    assert accounts["good"]["status"] == "ok"
    await eng.sync_all()
    assert bad.fetches == 1, "a source in backoff is not hammered"


async def test_chat_migrated_event_rekeys_before_the_batch_items(store: Store) -> None:
    """A ``ChatMigrated`` event re-keys the stored thread before the same batch's items
    (already under the new key) land, asks the hooks to remap, and is reported."""

    class Migrating(ScriptedSource):
        async def fetch(self, cursor: str | None) -> Batch:
            self.fetches += 1
            if cursor is None:
                return Batch(chat_items("old", 0), "1")
            if cursor == "1":
                return Batch(chat_items("new", 1), "2", notes=["bot added to Группа (-1)"],
                             events=[ChatMigrated(old="old", new="new")])
            return Batch([], cursor)

    def chat_items(conversation: str, i: int) -> list[Item]:
        return [Item(source="telegram", account="tg", external_id=f"m{i}", conversation=conversation,
                     conversation_title="Группа", author=Author("c", "Client"), text=f"m{i}",
                     created_at=T0 + timedelta(minutes=i))]

    remapped: list[tuple[str, str, str]] = []

    def on_migrate(account: str, old: str, new: str) -> str | None:
        remapped.append((account, old, new))
        return "P"

    eng = SyncEngine(store, {"tg": Migrating("tg", [])},
                     Hooks(project_of=lambda it: "P", role_of=lambda it: "client",
                           triage=lambda: None, on_migrate=on_migrate))
    await eng.sync_all()
    rep = await eng.sync_all()
    assert remapped == [("tg", "old", "new")]
    assert rep.notes == ["tg: chat old became new (1 threads kept, mapped to P)",
                         "tg: bot added to Группа (-1)"]
    rows = store.conn.execute("SELECT conversation, msg_count FROM threads").fetchall()
    assert [tuple(r) for r in rows] == [("new", 2)], "one thread, re-keyed, not a second one"


async def test_connector_bug_becomes_a_status(store: Store) -> None:
    class Buggy(ScriptedSource):
        async def fetch(self, cursor: str | None) -> Batch:
            raise KeyError("boom")

    eng = SyncEngine(store, {"x": Buggy("x", [])}, hooks())
    rep = await eng.sync_all()
    assert "KeyError" in rep.errors["x"]


async def test_fatal_error_disables_account(store: Store) -> None:
    src = ScriptedSource("t", [], fail=SourceError("invalid token: reconnect with `inscope connect trello`", fatal=True))
    eng = SyncEngine(store, {"t": src}, hooks())
    await eng.sync_all()
    assert eng.status["t"].state == "disabled"
    assert {a["name"]: a["disabled"] for a in store.accounts()}["t"] == 1


async def test_reply_is_delivered_once_and_stored(store: Store) -> None:
    src = ScriptedSource("a", [items("a", 1)])
    eng = SyncEngine(store, {"a": src}, hooks())
    await eng.sync_all()
    oid = store.queue_reply(1, "ответ")
    rep = await eng.sync_all()
    assert rep.sent == 1 and len(src.sent) == 1 and src.sent[0].reply_to == "a-0"
    assert store.outbox_row(oid).state == "sent"
    assert store.messages(1)[-1].text == "ответ"
    await eng.sync_all()
    assert len(src.sent) == 1


async def test_retryable_send_error_requeues_with_backoff(store: Store) -> None:
    src = ScriptedSource("a", [items("a", 1)])
    eng = SyncEngine(store, {"a": src}, hooks())
    await eng.sync_all()
    oid = store.queue_reply(1, "ответ")
    src.send_error = SourceError("429 too many requests", retry_after=5)
    await eng.sync_all()
    row = store.outbox_row(oid)
    assert row.state == "queued" and row.attempts == 1 and "429" in row.last_error


async def test_permanent_send_error_fails_row(store: Store) -> None:
    src = ScriptedSource("a", [items("a", 1)])
    eng = SyncEngine(store, {"a": src}, hooks())
    await eng.sync_all()
    oid = store.queue_reply(1, "ответ")
    src.send_error = PermanentSendError("chat not found")
    await eng.sync_all()
    assert store.outbox_row(oid).state == "failed"


@pytest.mark.parametrize("delivered", [True, False])
async def test_crash_between_send_and_commit_is_reconciled(store: Store, delivered: bool) -> None:
    src = ScriptedSource("a", [items("a", 1)])
    await SyncEngine(store, {"a": src}, hooks()).sync_all()
    oid = store.queue_reply(1, "ответ")
    store.outbox_move(oid, "sending")  # the process died here …
    if delivered:
        src.remote[store.outbox_row(oid).key] = "r-before-crash"  # … after the POST reached the server
    eng = SyncEngine(store, {"a": src}, hooks())  # restart
    await eng.sync_all()
    row = store.outbox_row(oid)
    assert row.state == "sent"
    assert len(src.sent) == (0 if delivered else 1), "never posted twice, never dropped"
    assert row.remote_id == ("r-before-crash" if delivered else "r1")


async def test_unverifiable_crash_leaves_unknown(store: Store) -> None:
    src = ScriptedSource("a", [items("a", 1)])
    await SyncEngine(store, {"a": src}, hooks()).sync_all()
    oid = store.queue_reply(1, "ответ")
    store.outbox_move(oid, "sending")
    src.reconcile_unknown = True
    await SyncEngine(store, {"a": src}, hooks()).sync_all()
    assert store.outbox_row(oid).state == "unknown" and src.sent == []


async def test_demo_connector_through_normal_path(store: Store, tmp_path: Path) -> None:
    world = generate(600, 7, datetime.now(UTC))
    conn = DemoConnector("demo", world, tmp_path / "sent.jsonl", ("maria_seo",))
    eng = SyncEngine(store, {"demo": conn}, hooks())
    rep = await eng.sync_all()
    arrived = sum(1 for m in world.messages if m.at <= datetime.now(UTC))
    assert rep.inserted == arrived and arrived > 500
    assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == arrived
    rep2 = await eng.sync_all()
    assert rep2.inserted == 0 and rep2.updated == 0
    # Messages dated in the near future arrive later, like a client answering.
    conn.clock = lambda: (datetime.now(UTC) + timedelta(hours=4)).timestamp()
    rep3 = await eng.sync_all()
    assert arrived + rep3.inserted == len(world.messages)


def test_capabilities_are_detected_by_protocol_not_by_name_probing() -> None:
    class Pushing(ScriptedSource):
        async def wait(self, timeout: float) -> bool:
            return False

    class Polling(ScriptedSource):
        poll_timeout = 25.0

    plain = ScriptedSource("plain", [])
    assert isinstance(plain, Connector)
    assert not isinstance(plain, PushWait), "a connector without wait is not a PushWait"
    assert not isinstance(plain, LongPoll)
    assert isinstance(Pushing("p", []), PushWait) and not isinstance(Pushing("p", []), LongPoll)
    assert isinstance(Polling("l", []), LongPoll) and not isinstance(Polling("l", []), PushWait)
    # The real connectors declare what they have (constructing them opens no socket).
    from connectors.email import imap
    from connectors.telegram import build as telegram_build

    mail = imap.build(SourceContext(account="m", kind="imap", options={"host": "127.0.0.1"},
                                    secret=lambda n: "pw"))
    bot = telegram_build(SourceContext(account="t", kind="telegram", options={},
                                       secret=lambda n: "424242:capabilityProbeToken"))
    assert isinstance(mail, PushWait) and not isinstance(mail, LongPoll)
    assert isinstance(bot, LongPoll) and not isinstance(bot, PushWait)


async def run_briefly(eng: SyncEngine, seconds: float) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(eng.run_forever(lambda r: None, interval=120, stop=stop))
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_run_forever_fetches_when_a_push_wait_returns(store: Store) -> None:
    """A PushWait connector is fetched again as soon as its wait returns, not after the
    interval; one without ``wait`` simply sleeps the interval."""

    class Pushing(ScriptedSource):
        waits = 0

        async def wait(self, timeout: float) -> bool:
            self.waits += 1
            await asyncio.sleep(0.02)
            return True

    pushing, plain = Pushing("push", []), ScriptedSource("plain", [])
    await run_briefly(SyncEngine(store, {"push": pushing, "plain": plain}, hooks()), 0.5)
    assert pushing.waits >= 3 and pushing.fetches >= 3
    assert plain.fetches == 1, "no push wait: it waits out the 120 s interval"


async def test_a_long_poll_of_zero_seconds_pauses_between_fetches(store: Store) -> None:
    class Polling(ScriptedSource):
        poll_timeout = 0

    src = Polling("poll", [])
    await run_briefly(SyncEngine(store, {"poll": src}, hooks()), 0.3)
    assert src.fetches == 1, "poll_timeout 0 does not wait in fetch, so the loop must"


async def test_run_forever_long_poll_never_blocks_other_sources(store: Store) -> None:
    """Each source has its own loop: a source stuck in a long poll does not hold up another,
    "sync now" (wake) re-polls at once, replies go out while the long poll waits, and stop ends it."""

    class LongPoll(ScriptedSource):
        poll_timeout = 25

        async def fetch(self, cursor: str | None) -> Batch:
            self.fetches += 1
            await asyncio.sleep(3600)  # nothing new, ever: the poll just hangs
            return Batch([], cursor)

    slow = LongPoll("slow", [])
    quick = ScriptedSource("quick", [items("quick", 2)])
    eng = SyncEngine(store, {"slow": slow, "quick": quick}, hooks())
    stop, wake = asyncio.Event(), asyncio.Event()
    reports: list[object] = []
    task = asyncio.create_task(eng.run_forever(reports.append, interval=30, stop=stop, wake=wake))

    async def until(cond: Callable[[], bool]) -> None:
        for _ in range(200):
            if cond():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("condition not reached")

    await until(lambda: store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 2)
    fetches = quick.fetches
    wake.set()  # "sync now"
    await until(lambda: quick.fetches > fetches)
    oid = store.queue_reply(1, "ответ")
    wake.set()
    await until(lambda: store.outbox_row(oid).state == "sent")
    assert slow.fetches == 1, "the long poll is still the first one"
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_maybe_sent_is_reconciled_not_resent(store: Store) -> None:
    from connectors.base import MaybeSentError

    class Ambiguous(ScriptedSource):
        async def send(self, out: Outgoing) -> SendResult:
            self.remote[out.key] = "r-applied"  # the server acted …
            raise MaybeSentError("connection lost after the request went out")  # … the answer was lost

    src = Ambiguous("a", [items("a", 1)])
    eng = SyncEngine(store, {"a": src}, hooks())
    await eng.sync_all()
    oid = store.queue_reply(1, "ответ")
    rep = await eng.sync_all()
    assert store.outbox_row(oid).state == "sending" and "connection lost" in rep.errors["a"]
    await eng.sync_all()  # next round: reconcile first, and it was there
    row = store.outbox_row(oid)
    assert row.state == "sent" and row.remote_id == "r-applied"
