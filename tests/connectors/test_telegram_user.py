"""The user-account connector (kind "telegram_user") against a fake Telethon client.

Telethon cannot reach Telegram from here, so these tests stop at the library's seam:
``FakeClient`` (tests/connectors/telegram_user_fake.py) implements exactly the
``TelegramClient`` methods the connector calls, over real TL objects, with Telethon's
documented behaviour (iteration order and ``min_id``, ``None`` for missing ids, the real
``FloodWaitError`` / ``RandomIdDuplicateError`` / ``AuthKeyUnregisteredError``).

What these tests do NOT prove: that Telegram's servers answer like the fake (how long a
``random_id`` is remembered, which updates arrive after a reconnect, the real flood
limits, the exact error of a revoked session), nor that Telethon's own network code works.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from telethon import errors, types

from connectors.base import (
    ChatMigrated,
    MarksRead,
    MaybeSentError,
    Outgoing,
    PermanentSendError,
    PushWait,
    SourceContext,
    SourceError,
    redact,
)
from connectors.registry import build as registry_build
from connectors.telegram_user import NOT_SIGNED_IN, TelegramUserConnector, random_id
from connectors.telegram_user.client import make_client
from tests.connectors.telegram_user_fake import (
    ANNA,
    API_HASH,
    API_ID,
    ME,
    SESSION,
    T0,
    FakeTelegram,
    channel,
    factory,
    topic_reply,
    user,
)

CHAN = 1234567890  # a supergroup: marked id -1001234567890


def ctx(world_chats: list[int], *, secrets: dict[str, str] | None = None, **opts: Any) -> SourceContext:
    sec = {"session": SESSION, "api_hash": API_HASH} if secrets is None else secrets
    options = {"api_id": API_ID, "chats": world_chats, **opts}
    return SourceContext(account="me", kind="telegram_user", options=options,
                         secret=sec.get, me_name="Мария", me_handles=("maria_seo",),
                         other_accounts={"me": {"kind": "telegram_user", **options}})


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, s: float) -> None:
        self.calls.append(s)


def connector(world: FakeTelegram, chats: list[int], *, sleep: Sleeps | None = None,
              **opts: Any) -> TelegramUserConnector:
    return TelegramUserConnector(ctx(chats, **opts), client_factory=factory(world),
                                 sleep=sleep or Sleeps(), clock=lambda: T0.timestamp() + 3600)


@pytest.fixture
def world() -> FakeTelegram:
    return FakeTelegram()


async def drain(conn: TelegramUserConnector, cursor: str | None = None) -> tuple[list[Any], str | None]:
    """Fetch until ``more`` is off, as the engine does; all items and the last cursor."""
    items: list[Any] = []
    for _ in range(50):
        b = await conn.fetch(cursor)
        items += b.items
        cursor = b.cursor
        if not b.more:
            break
    return items, cursor


def calls(world: FakeTelegram, method: str) -> list[dict[str, Any]]:
    return [kw for m, kw in world.requests if m == method]


# -- registry, factory -------------------------------------------------------------------------

def test_registered_and_capabilities(world: FakeTelegram) -> None:
    conn = registry_build(ctx([]))
    assert isinstance(conn, TelegramUserConnector) and conn.kind == "telegram_user"
    assert isinstance(conn, PushWait) and isinstance(conn, MarksRead)


def test_real_client_factory_keeps_the_session_in_memory(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The real TelegramClient over a StringSession: built without a loop, writes no file."""
    from telethon.sessions import StringSession

    monkeypatch.chdir(tmp_path)
    real = StringSession()
    real.set_dc(2, "149.154.167.51", 443)
    from telethon.crypto import AuthKey

    real.auth_key = AuthKey(bytes(range(256)))
    s = real.save()
    client: Any = make_client(s, API_ID, API_HASH)
    assert isinstance(client.session, StringSession)
    assert client.session.save() == s  # the same credential comes back for the keyring
    assert client.flood_sleep_threshold == 0  # flood waits surface as statuses
    assert list(tmp_path.iterdir()) == []  # no .session file or anything else


# -- catch-up ------------------------------------------------------------------------------------

async def test_first_sync_reads_only_the_backfill(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка · SEO"))
    for i in range(30):
        world.post(g, f"старое {i}", minutes=i)
    conn = connector(world, [g], backfill=5)
    items, cursor = await drain(conn)
    assert [i.text for i in items] == [f"старое {i}" for i in range(25, 30)]
    assert calls(world, "iter_messages") == [{"chat": g, "limit": 5, "min_id": 0, "reverse": False}]
    state = json.loads(cursor or "")
    assert state["chats"][str(g)]["last"] == 30
    it = items[-1]
    assert it.external_id == f"{g}:30" and it.conversation == str(g) and it.source == "telegram"
    assert it.routes == (f"telegram_chat:{g}",) and it.url == f"https://t.me/c/{CHAN}/30"
    assert it.author.name == "Иван" and it.author.handle == "ivan_client" and not it.author.is_me


async def test_catch_up_after_days_closed_starts_at_the_stored_id(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    world.post(g, "до")
    conn = connector(world, [g])
    _, cursor = await drain(conn)
    await conn.aclose()
    for i in range(250):  # the app was closed while 250 messages came
        world.post(g, f"пока закрыто {i}", minutes=60 + i)
    world.requests.clear()
    conn2 = connector(world, [g])
    items, cursor2 = await drain(conn2, cursor)
    assert [i.text for i in items] == [f"пока закрыто {i}" for i in range(250)]
    pages = calls(world, "iter_messages")
    assert [p["min_id"] for p in pages] == [1, 101, 201] and all(p["reverse"] for p in pages)
    assert all(p["limit"] == 100 for p in pages)
    assert json.loads(cursor2 or "")["chats"][str(g)]["last"] == 251


async def test_restart_recheck_finds_edits_and_deletions(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    a = world.post(g, "бюджет 100")
    b = world.post(g, "лишнее")
    conn = connector(world, [g])
    _, cursor = await drain(conn)
    await conn.aclose()
    world.edit(g, a.id, "бюджет 200", minutes=90)  # while closed
    world.delete(g, b.id)
    conn2 = TelegramUserConnector(ctx([g]), client_factory=factory(world), sleep=Sleeps(),
                                  clock=lambda: T0.timestamp() + 7200)
    # The stored cursor says when we last synced: before the edit.
    state = json.loads(cursor or "")
    state["synced"] = T0.timestamp() + 60
    items, _ = await drain(conn2, json.dumps(state))
    by_id = {i.external_id: i for i in items}
    assert by_id[f"{g}:{a.id}"].text == "бюджет 200" and by_id[f"{g}:{a.id}"].edited_at is not None
    assert by_id[f"{g}:{b.id}"].deleted


async def test_only_the_listed_chats_are_read(world: FakeTelegram) -> None:
    mine = world.add_chat(channel(CHAN, "Клиент"))
    other = world.add_chat(channel(999, "Семейный чат"))
    world.post(other, "личное")
    world.post(mine, "по делу")
    conn = connector(world, [mine, -100777])  # the second id is not among her chats
    items, cursor = await drain(conn)
    assert [i.text for i in items] == ["по делу"]
    assert all(c["chat"] == mine for c in calls(world, "iter_messages"))
    late = world.post(other, "ещё личное")
    await world.push_new(late)
    b = await conn.fetch(cursor)
    assert b.items == []


async def test_missing_chat_is_a_visible_note(world: FakeTelegram) -> None:
    conn = connector(world, [-100777])
    b = await conn.fetch(None)
    assert any("-100777" in n and "not among your Telegram chats" in n for n in b.notes)


# -- live updates ---------------------------------------------------------------------------------

async def test_live_new_edit_delete(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    conn = connector(world, [g])
    _, cursor = await drain(conn)
    m = world.post(g, "срочно нужен отчёт", minutes=5)
    waiter = asyncio.ensure_future(conn.wait(5))
    await asyncio.sleep(0)
    await world.push_new(m)
    assert await waiter is True
    b = await conn.fetch(cursor)
    assert [i.text for i in b.items] == ["срочно нужен отчёт"]
    world.edit(g, m.id, "срочно нужен отчёт к пятнице")
    await world.push(types.UpdateEditChannelMessage(message=m, pts=2, pts_count=1))
    b2 = await conn.fetch(b.cursor)
    assert b2.items[0].text.endswith("к пятнице") and b2.items[0].edited_at is not None
    await world.push(types.UpdateDeleteChannelMessages(channel_id=CHAN, messages=[m.id],
                                                       pts=3, pts_count=1))
    b3 = await conn.fetch(b2.cursor)
    assert [(i.external_id, i.deleted) for i in b3.items] == [(f"{g}:{m.id}", True)]
    assert await conn.wait(0.01) is False


async def test_private_chat_short_update_and_deletion_without_chat(world: FakeTelegram) -> None:
    anna = world.add_chat(ANNA)
    conn = connector(world, [anna])
    _, cursor = await drain(conn)
    await world.push(types.UpdateShortMessage(id=41, user_id=ANNA.id, message="Маша, позвони",
                                              pts=1, pts_count=1, date=T0))
    b = await conn.fetch(cursor)
    assert [(i.external_id, i.author.name, i.conversation) for i in b.items] == [
        (f"{ANNA.id}:41", "Анна", str(ANNA.id))]
    # Deletions outside channels carry only message ids: the recent ids place them.
    await world.push(types.UpdateDeleteMessages(messages=[41, 99999], pts=2, pts_count=2))
    b2 = await conn.fetch(b.cursor)
    assert [(i.external_id, i.deleted) for i in b2.items] == [(f"{ANNA.id}:41", True)]
    assert any("could not be placed" in n for n in b2.notes) is False  # 99999: not ours, ignored


async def test_uncommitted_batch_is_delivered_again(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    conn = connector(world, [g])
    _, cursor = await drain(conn)
    m = world.post(g, "не потеряй меня", minutes=3)
    await world.push_new(m)
    b = await conn.fetch(cursor)
    assert [i.text for i in b.items] == ["не потеряй меня"]
    again = await conn.fetch(cursor)  # the store refused the batch: same cursor comes back
    assert "не потеряй меня" in [i.text for i in again.items]


# -- forums, replies, mentions ----------------------------------------------------------------------

async def test_forum_topics_replies_and_mentions(world: FakeTelegram) -> None:
    f = world.add_chat(channel(CHAN, "ТехноМаркет", forum=True))
    created = world.service(f, types.MessageActionTopicCreate(title="Отчёты", icon_color=0))
    mine = world.post(f, "Отчёт за март готов", out=True, reply_to=topic_reply(created.id))
    q = world.post(f, "А где графики?", reply_to=topic_reply(created.id, mine.id), mentioned=True)
    world.post(f, "в General")
    conn = connector(world, [f])
    items, _ = await drain(conn)
    by_text = {i.text: i for i in items}
    topic_conv = f"{f}:{created.id}"
    assert by_text["Отчёт за март готов"].conversation == topic_conv
    assert by_text["Отчёт за март готов"].author.is_me
    assert by_text["Отчёт за март готов"].reply_to is None  # the topic root is not a reply
    answer = by_text["А где графики?"]
    assert answer.conversation == topic_conv and answer.conversation_title == "ТехноМаркет · Отчёты"
    assert answer.reply_to == f"{f}:{mine.id}"
    assert answer.meta["reply_to_text"] == "Отчёт за март готов" and answer.meta["reply_to_me"]
    assert answer.mentions_me and answer.meta["topic_id"] == created.id
    assert answer.url == f"https://t.me/c/{CHAN}/{created.id}/{q.id}"
    assert by_text["в General"].conversation == str(f)


async def test_reply_excerpt_fetched_once_for_an_old_message(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    old = world.post(g, "ТЗ на апрель: 10 статей")
    conn = connector(world, [g], backfill=0)
    _, cursor = await drain(conn)
    r = world.post(g, "уточняю по ТЗ", reply_to=types.MessageReplyHeader(reply_to_msg_id=old.id))
    await world.push_new(r)
    b = await conn.fetch(cursor)
    assert b.items[0].meta["reply_to_text"] == "ТЗ на апрель: 10 статей"
    assert b.items[0].meta["reply_to_author"] == "Иван" and "reply_to_me" not in b.items[0].meta
    assert calls(world, "get_messages")[-1]["ids"] == [old.id]


# -- sending ----------------------------------------------------------------------------------------

def out(conv: str, text: str, *, reply_to: str | None = None, key: str = "k" * 32,
        **target: str) -> Outgoing:
    return Outgoing(key=key, account="me", conversation=conv, text=text, reply_to=reply_to,
                    target=dict(target), created_at=T0)


def test_random_id_is_deterministic_signed_64_bit() -> None:
    a, b = random_id("abc", 0), random_id("abc", 1)
    assert a == random_id("abc", 0) and a != b
    assert -(2 ** 63) <= a < 2 ** 63 and -(2 ** 63) <= b < 2 ** 63


async def test_reply_in_her_own_name_into_the_topic(world: FakeTelegram) -> None:
    f = world.add_chat(channel(CHAN, "ТехноМаркет", forum=True))
    created = world.service(f, types.MessageActionTopicCreate(title="Отчёты", icon_color=0))
    q = world.post(f, "Где отчёт?", reply_to=topic_reply(created.id))
    conn = connector(world, [f])
    await drain(conn)
    res = await conn.send(out(f"{f}:{created.id}", "Отправила на почту", reply_to=f"{f}:{q.id}"))
    req = calls(world, "SendMessageRequest")[-1]["request"]
    assert req.message == "Отправила на почту"  # no signature prefix: she is the sender
    assert req.reply_to.reply_to_msg_id == q.id and req.reply_to.top_msg_id == created.id
    assert req.random_id == random_id("k" * 32, 0) and req.no_webpage
    assert res.item is not None and res.item.author.is_me and res.item.conversation == f"{f}:{created.id}"
    assert res.remote_id == f"{f}:{res.item.meta['message_id']}"


async def test_long_reply_split_resumes_after_flood_wait(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    world.post(g, "вопрос")
    sleeps = Sleeps()
    conn = connector(world, [g], sleep=sleeps)
    _, cursor = await drain(conn)
    text = ("а" * 4000) + "\n\n" + ("б" * 4000) + "\n\n" + ("в" * 100)
    world.fail("SendMessageRequest", lambda req: errors.FloodWaitError(req, capture=3))
    res = await conn.send(out(str(g), text, reply_to=f"{g}:1"))
    sent = [kw["request"] for kw in calls(world, "SendMessageRequest")]
    assert [r.message[0] + str(len(r.message)) for r in sent] == ["а4000", "б4000", "в100"]
    assert 3.0 in sleeps.calls  # a short flood wait is slept, the same part sent again
    assert sent[0].reply_to.reply_to_msg_id == 1 and sent[-1].reply_to is None
    assert [r.random_id for r in sent] == [random_id("k" * 32, i) for i in range(3)]
    # Earlier parts of a long reply go with the next batch; the last is the SendResult.
    b = await conn.fetch(cursor)
    assert [i.text[0] for i in b.items if i.author.is_me] == ["а", "б"]
    assert res.item is not None and res.item.text == "в" * 100
    # A long flood wait after part 1 of the next reply: back to the outbox, visibly; the
    # retry sends only the missing parts.
    world.requests.clear()
    o2 = out(str(g), text, key="b" * 32)
    world.fail("SendMessageRequest", None, lambda req: errors.FloodWaitError(req, capture=420))
    with pytest.raises(SourceError) as ei:
        await conn.send(o2)
    assert ei.value.retry_after == 420 and "420 s" in str(ei.value)
    assert "1 of 3 parts were delivered" in str(ei.value)
    await conn.send(o2)
    sent2 = [kw["request"].message[0] for kw in calls(world, "SendMessageRequest")]
    assert sent2 == ["а", "б", "в"]  # no part twice


async def test_resend_after_crash_is_deduplicated_by_random_id(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    world.post(g, "вопрос")
    conn = connector(world, [g])
    await drain(conn)
    o = out(str(g), "Да, всё в силе", reply_to=f"{g}:1")
    first = await conn.send(o)
    # A new process (the crash lost the answer) sends the same outbox row again.
    conn2 = connector(world, [g])
    await drain(conn2)
    again = await conn2.send(o)
    assert [m.message for m in world.messages(g)].count("Да, всё в силе") == 1
    assert again.remote_id == first.remote_id  # found in the chat after RANDOM_ID_DUPLICATE


async def test_reconcile_finds_delivered_parts_and_resends_only_the_rest(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    conn = connector(world, [g])
    await drain(conn)
    o = out(str(g), ("а" * 4090) + "\n\n" + ("б" * 50))
    # Part 1 arrives, then the connection drops before part 2: the outcome is unknown.
    world.fail("SendMessageRequest", None, ConnectionError("connection lost"))
    with pytest.raises(MaybeSentError):
        await conn.send(o)
    conn2 = connector(world, [g])  # after a crash
    await drain(conn2)
    assert await conn2.reconcile(o) is None  # one of two parts found: not delivered yet
    res = await conn2.send(o)
    assert [m.message for m in world.messages(g)] == ["а" * 4090, "б" * 50]
    assert res.remote_id == f"{g}:2"
    conn3 = connector(world, [g])
    await drain(conn3)
    found = await conn3.reconcile(o)
    assert found is not None and found.remote_id == f"{g}:2"
    await conn3.send(o)  # even a blind resend: both parts RANDOM_ID_DUPLICATE, nothing new
    assert len(world.messages(g)) == 2


async def test_permanent_and_maybe_sent_errors(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    conn = connector(world, [g])
    await drain(conn)
    world.fail("SendMessageRequest", lambda req: errors.ChatWriteForbiddenError(req))
    with pytest.raises(PermanentSendError):
        await conn.send(out(str(g), "привет", key="p" * 32))
    world.fail("SendMessageRequest", ConnectionError("reset"))
    with pytest.raises(MaybeSentError):
        await conn.send(out(str(g), "привет", key="q" * 32))


async def test_escalation_to_the_am_private_chat_by_username(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    world.add_chat(ANNA)
    conn = connector(world, [g])
    await drain(conn)
    res = await conn.send(out("@anna_am", "Escalation: клиент просит скидку", chat_id="@anna_am"))
    req = calls(world, "SendMessageRequest")[-1]["request"]
    assert isinstance(req.peer, types.InputPeerUser) and req.peer.user_id == ANNA.id
    assert req.reply_to is None and res.remote_id.startswith(f"{ANNA.id}:")
    with pytest.raises(PermanentSendError):
        await conn.send(out("@nobody_here", "x", chat_id="@nobody_here", key="z" * 32))


async def test_a_notice_to_saved_messages_goes_to_her_own_chat(world: FakeTelegram) -> None:
    """``[notify] saved_messages``: the outbox row's target is "me", which is her own account
    ("Saved Messages"), sent exactly once like any row (random_id from the key)."""
    g = world.add_chat(channel(CHAN, "Ромашка"))
    world.add_chat(ME)  # her own chat ("Saved Messages")
    conn = connector(world, [g])
    await drain(conn)
    res = await conn.send(out("me", "Urgent · Acme\nИван: сайт упал", chat_id="me", key="n" * 32))
    req = calls(world, "SendMessageRequest")[-1]["request"]
    assert isinstance(req.peer, types.InputPeerSelf) and req.reply_to is None
    assert res.remote_id.startswith(f"{ME.id}:")
    assert [m.message for m in world.history[ME.id]] == ["Urgent · Acme\nИван: сайт упал"]
    with pytest.raises(errors.RandomIdDuplicateError):  # the same row again: Telegram drops it
        await world.clients[-1](req)


# -- sessions, floods, network ------------------------------------------------------------------------

async def test_missing_session_is_fatal_with_the_doctor_message(world: FakeTelegram) -> None:
    conn = TelegramUserConnector(ctx([], secrets={}), client_factory=factory(world))
    with pytest.raises(SourceError) as ei:
        await conn.fetch(None)
    assert ei.value.fatal and NOT_SIGNED_IN in str(ei.value)


async def test_revoked_session_disables_with_the_doctor_message(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    conn = connector(world, [g])
    _, cursor = await drain(conn)
    world.revoke()  # terminated from the phone: AUTH_KEY_UNREGISTERED on every call
    world.fail("iter_messages", lambda req: errors.AuthKeyUnregisteredError(request=req))
    await world.push_new(world.post(g, "x"))
    conn._fetcher.restart()
    with pytest.raises(SourceError) as ei:
        await conn.fetch(cursor)
    assert ei.value.fatal and NOT_SIGNED_IN in str(ei.value)
    assert SESSION not in str(ei.value) and API_HASH not in str(ei.value)
    # A fresh start with the revoked session: refused at connect.
    conn2 = connector(world, [g])
    with pytest.raises(SourceError) as ei2:
        await conn2.fetch(cursor)
    assert ei2.value.fatal and NOT_SIGNED_IN in str(ei2.value)


async def test_flood_wait_is_a_status_with_retry_after(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    world.post(g, "x")
    conn = connector(world, [g])
    world.fail("iter_dialogs", lambda req: errors.FloodWaitError(req, capture=73))
    with pytest.raises(SourceError) as ei:
        await conn.fetch(None)
    assert ei.value.retry_after == 73 and "flood wait" in str(ei.value) and "73 s" in str(ei.value)
    assert not ei.value.fatal
    items, _ = await drain(conn)  # after the pause it just works
    assert [i.text for i in items] == ["x"]


async def test_network_failure_is_retried_not_raised(world: FakeTelegram) -> None:
    world.offline = True
    conn = connector(world, [])
    with pytest.raises(SourceError) as ei:
        await conn.fetch(None)
    assert not ei.value.fatal and ei.value.retry_after == 30
    assert "cannot reach Telegram" in str(ei.value)


def test_secrets_are_registered_for_redaction(world: FakeTelegram) -> None:
    connector(world, [])
    assert redact(f"boom {SESSION} {API_HASH}") == "boom *** ***"


# -- read marks and media ----------------------------------------------------------------------------

async def test_mark_read_chat_and_topic_once(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    world.post(g, "x")
    conn = connector(world, [g])
    _, cursor = await drain(conn)
    await conn.mark_read(str(g), f"{g}:1")
    await conn.mark_read(str(g), f"{g}:1")  # already marked: nothing sent
    await conn.mark_read(f"{g}:5", f"{g}:7")
    assert world.read == [(str(g), 1, None), (str(g), 7, 5)]
    b = await conn.fetch(cursor)
    assert json.loads(b.cursor or "")["read"] == {str(g): 1, f"{g}:5": 7}
    never = connector(world, [g], mark_read="never")
    await drain(never)
    await never.mark_read(str(g), f"{g}:1")
    assert len(world.read) == 2


async def test_media_labels_and_download_on_demand(world: FakeTelegram, tmp_path: Path) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    doc = types.Document(id=1, access_hash=2, file_reference=b"", date=T0, mime_type="application/pdf",
                         size=48_000_000, dc_id=2,
                         attributes=[types.DocumentAttributeFilename(file_name="brief.pdf")])
    world.post(g, "смотри ТЗ", media=types.MessageMediaDocument(document=doc))
    conn = connector(world, [g])
    items, _ = await drain(conn)
    assert items[0].text == "[document: brief.pdf]\nсмотри ТЗ"
    assert items[0].meta["attachments"] == [{"kind": "document", "downloadable": True,
                                             "mime_type": "application/pdf",
                                             "file_size": 48_000_000, "file_name": "brief.pdf"}]
    assert calls(world, "download_media") == []  # nothing downloaded during sync
    path = await conn.download(items[0].external_id, tmp_path / "media")
    assert path.read_bytes() == b"media bytes"


async def test_forwarded_message_keeps_its_origin(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    boss = user(4000, "Пётр", "petr_boss")
    world.entities[4000] = boss
    world.post(g, "переслано от директора",
               fwd_from=types.MessageFwdHeader(date=T0, from_id=types.PeerUser(4000)))
    world.post(g, "скрытый автор", fwd_from=types.MessageFwdHeader(date=T0, from_name="Аноним"))
    conn = connector(world, [g])
    items, _ = await drain(conn)
    assert items[0].meta["forwarded"] and items[0].meta["forwarded_from"] == "Пётр"
    assert items[1].meta["forwarded_from"] == "Аноним"


async def test_edits_from_her_phone_count_as_hers(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    conn = connector(world, [g])
    _, cursor = await drain(conn)
    m = world.post(g, "ответила с телефона", out=True)
    await world.push_new(m)
    b = await conn.fetch(cursor)
    assert b.items[0].author.is_me and b.items[0].author.id == str(ME.id)
    assert not b.items[0].mentions_me



# -- gaps, migrations, limits, options -----------------------------------------------------------------

async def test_sweep_catches_up_an_update_lost_while_offline(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    conn = connector(world, [g], sweep_seconds=0)
    _, cursor = await drain(conn)
    world.post(g, "пришло, пока сеть лежала")  # no live update ever arrives for it
    items, _ = await drain(conn, cursor)
    assert [i.text for i in items] == ["пришло, пока сеть лежала"]
    assert calls(world, "GetPeerDialogsRequest")


async def test_group_upgraded_to_supergroup_is_followed(world: FakeTelegram) -> None:
    from tests.connectors.telegram_user_fake import basic_group

    old = world.add_chat(basic_group(4002, "Ромашка"))
    conn = connector(world, [old])
    _, cursor = await drain(conn)
    new = world.add_chat(channel(CHAN, "Ромашка"))
    svc = world.service(old, types.MessageActionChatMigrateTo(channel_id=CHAN))
    await world.push(types.UpdateNewMessage(message=svc, pts=1, pts_count=1))
    world.post(new, "теперь в супергруппе")
    b = await conn.fetch(cursor)
    assert [(e.old, e.new) for e in b.events if isinstance(e, ChatMigrated)] == [(str(old), str(new))]
    assert len(b.events) == 1
    items, _ = await drain(conn, b.cursor)
    assert [(i.conversation, i.text) for i in items] == [(str(new), "теперь в супергруппе")]


async def test_catch_up_longer_than_the_limit_skips_ahead_visibly(world: FakeTelegram) -> None:
    g = world.add_chat(channel(CHAN, "Ромашка"))
    world.post(g, "до")
    conn = connector(world, [g], catchup_limit=100, backfill=2)
    _, cursor = await drain(conn)
    for i in range(350):
        world.post(g, f"m{i}")
    conn2 = connector(world, [g], catchup_limit=100, backfill=2)
    notes: list[str] = []
    items: list[Any] = []
    for _ in range(10):
        b = await conn2.fetch(cursor)
        items += b.items
        notes += b.notes
        cursor = b.cursor
        if not b.more:
            break
    assert any("more than 100 messages" in n for n in notes)
    assert [i.text for i in items][-2:] == ["m348", "m349"] and len(items) == 102


def test_bad_option_disables_the_account_with_its_name(world: FakeTelegram) -> None:
    conn = connector(world, [], mark_read="sometimes")

    async def go() -> None:
        await conn.fetch(None)

    with pytest.raises(SourceError) as ei:
        asyncio.run(go())
    assert ei.value.fatal and "mark_read" in str(ei.value)
