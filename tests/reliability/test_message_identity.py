"""Stored messages are never rewritten by later input, and a batch keeps the latest version.

- E-mail is immutable: a different mail under a known Message-ID (public: every reply's
  References carries it; broken mailers reuse one) is stored as its own message, flagged,
  with its own author — in the same batch or a later one — while a re-delivery of the same
  mail (a flag change) stays one message.
- Chat sources: a message and its edit (and deletion) arriving in one batch — normal after
  being offline — store the latest version: new+edit, new+delete, new+edit+delete, for
  items shaped as each chat connector makes them, and end to end through the Telegram
  sandbox (post + edit before one fetch) and a Maildir.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.base import Author, Item, SourceContext
from connectors.email.maildir import MaildirConnector, write_message
from connectors.telegram import TelegramConnector
from inscope.store import Store
from inscope.store.batch import collapse
from sandbox.server import ServerThread
from sandbox.telegram_server import TelegramWorld, create_app

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def chat_item(source: str, ext: str, text: str, *, minutes: int = 0, edited: bool = False,
              deleted: bool = False) -> Item:
    return Item(source=source, account=source, external_id=ext, conversation="c1",  # type: ignore[arg-type]
                conversation_title="Chat", author=Author(id="u1", name="Иван"), text=text,
                created_at=T0 + timedelta(minutes=minutes),
                edited_at=T0 + timedelta(minutes=minutes + 1) if edited else None, deleted=deleted)


def mail(ext: str, sender: str, text: str, raw: str) -> Item:
    return Item(source="email", account="mail", external_id=ext, conversation=ext,
                conversation_title="Отчёт", author=Author(id=sender, name=sender, email=sender),
                text=text, created_at=T0, raw=raw, meta={"flags": []})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "inscope.db")
    s.sync_projects([("Alpha", "active")])
    yield s
    s.close()


def apply(store: Store, account: str, items: list[Item], cursor: str = "x") -> None:
    store.apply_batch(account, items, cursor, project_of=lambda it: "Alpha",
                      role_of=lambda it: "client")


def stored(store: Store, account: str) -> list[tuple[str, str, int, bool, str]]:
    return [(r[0], r[1], r[2], r[3] is not None, r[4]) for r in store.conn.execute(
        "SELECT external_id, text, deleted, edited_at, author_email FROM messages WHERE account = ? "
        "ORDER BY id", (account,))]


@pytest.mark.parametrize("source", ["telegram", "trello", "telegram_user", "demo"])
@pytest.mark.parametrize(("versions", "text", "deleted", "edited"), [
    ([("первый текст", False, False), ("исправленный текст", True, False)], "исправленный текст", 0, True),
    ([("первый текст", False, False), ("", False, True)], "первый текст", 1, False),
    ([("первый текст", False, False), ("исправленный текст", True, False), ("", False, True)],
     "исправленный текст", 1, True),
])
def test_the_latest_version_in_a_batch_wins(store: Store, source: str, versions: list[tuple[str, bool, bool]],
                                            text: str, deleted: int, edited: bool) -> None:
    items = [chat_item(source, "m1", t, edited=e, deleted=d) for t, e, d in versions]
    apply(store, source, [chat_item(source, "m0", "до"), *items, chat_item(source, "m2", "после")])
    rows = stored(store, source)
    assert [r[0] for r in rows] == ["m0", "m1", "m2"]
    assert rows[1][1:4] == (text, deleted, edited)
    th = store.thread(store.view_index("all")[0][0])
    assert th.msg_count == (2 if deleted else 3)


def test_collapse_keeps_first_position_and_creation_time() -> None:
    a = chat_item("telegram", "m1", "v1", minutes=0)
    b = dataclasses.replace(chat_item("telegram", "m1", "v2", minutes=5, edited=True))
    out = collapse([a, chat_item("telegram", "m2", "x"), b])
    assert [i.external_id for i in out] == ["m1", "m2"]
    assert out[0].text == "v2" and out[0].created_at == a.created_at


def test_a_different_mail_under_a_known_message_id_is_its_own_message(store: Store) -> None:
    original = mail("<r1@client.ru>", "ivan@client.ru", "Отчёт получили, спасибо", "RAW-1")
    apply(store, "mail", [original])
    forged = mail("<r1@client.ru>", "spam@evil.example", "Оплатите счёт по ссылке", "RAW-2")
    apply(store, "mail", [forged], "y")
    rows = stored(store, "mail")
    assert len(rows) == 2
    assert rows[0] == ("<r1@client.ru>", "Отчёт получили, спасибо", 0, False, "ivan@client.ru")
    assert rows[1][0].startswith("<r1@client.ru>#dup-") and rows[1][4] == "spam@evil.example"
    meta = store.conn.execute("SELECT meta FROM messages WHERE external_id = ?", (rows[1][0],)).fetchone()[0]
    assert '"reused_message_id": "<r1@client.ru>"' in meta
    apply(store, "mail", [forged], "z")  # delivered again: still two messages
    apply(store, "mail", [dataclasses.replace(original, meta={"flags": ["\\Seen"]})], "w")  # a flag change
    assert len(stored(store, "mail")) == 2
    assert '"\\\\Seen"' in store.conn.execute(
        "SELECT meta FROM messages WHERE external_id = '<r1@client.ru>'").fetchone()[0]


def test_two_mails_with_one_id_in_one_batch_are_both_kept(store: Store) -> None:
    a = mail("<same@broken-mailer>", "a@client.ru", "первое", "RAW-A")
    b = mail("<same@broken-mailer>", "b@client.ru", "второе", "RAW-B")
    apply(store, "mail", [a, b, a])
    rows = stored(store, "mail")
    assert [r[1] for r in rows] == ["первое", "второе"]


def _eml(mid: str, sender: str, text: str) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "me@agency.ru"
    m["Subject"] = "Отчёт"
    m["Message-ID"] = mid
    m["Date"] = "Tue, 24 Nov 2026 10:00:00 +0300"
    m.set_content(text)
    return bytes(m)


async def test_end_to_end_a_reused_message_id_through_a_maildir(tmp_path: Path, store: Store) -> None:
    box = tmp_path / "Mail"
    write_message(box, _eml("<q1@client.ru>", "Иван <ivan@client.ru>", "Когда будет отчёт?"))
    write_message(box, _eml("<q1@client.ru>", "Мошенник <x@evil.example>", "Переведите деньги"))
    conn = MaildirConnector(SourceContext(account="mail", kind="maildir", options={"path": str(box)},
                                          secret=lambda n: None, me_emails=("me@agency.ru",),
                                          data_dir=tmp_path))
    cursor: str | None = None
    for _ in range(5):
        b = await conn.fetch(cursor)
        apply(store, "mail", b.items, b.cursor or "")
        cursor = b.cursor
        if not b.more:
            break
    await conn.aclose()
    texts = {r[1]: r[4] for r in stored(store, "mail")}
    assert texts == {"Когда будет отчёт?": "ivan@client.ru", "Переведите деньги": "x@evil.example"}


async def test_end_to_end_a_telegram_message_and_its_edit_in_one_batch(tmp_path: Path, store: Store) -> None:
    world = TelegramWorld()
    token = "700700700:EditTestTokenAAAAbbbb"
    world.add_bot(token, "edit_bot")
    world.add_chat(-1005, "Ромашка", type="supergroup")
    with ServerThread(create_app(world)) as srv:
        msg = world.post(-1005, from_user={"id": 9, "first_name": "Иван"}, text="Сайт не открывается")
        world.edit(-1005, msg["message_id"], "Сайт открывается, но медленно")  # before we fetch
        conn = TelegramConnector(SourceContext(account="tg", kind="telegram",
                                               options={"api_base": srv.url, "poll_timeout": 0},
                                               secret=lambda n: token if n == "token" else None))
        b = await conn.fetch(None)
        await conn.aclose()
    assert len(b.items) == 2, "the bot got the message and its edit in one batch"
    apply(store, "tg", b.items)
    rows = stored(store, "tg")
    assert len(rows) == 1 and rows[0][1] == "Сайт открывается, но медленно" and rows[0][3]
