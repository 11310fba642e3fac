"""IMAP connector against a real Dovecot (sandbox/dovecot.py) and a real SMTP sink.

Each test works in its own folder(s) of one module-scoped server, so they do not
interfere.  Mail is delivered by IMAP APPEND from a separate "admin" connection,
exactly as another client or the MTA would make it appear.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from connectors.base import Item, Outgoing, ReconcileUnknown, SourceContext, SourceError
from connectors.email import imap
from connectors.email.smtp import message_id_for
from sandbox.dovecot import PASSWORD, USER, Dovecot
from sandbox.smtp_sink import SmtpSink

CORPUS = Path(__file__).parent / "email_corpus"
pytestmark = pytest.mark.dovecot


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    s = SmtpSink(user=USER, password="smtp-secret-1").start()
    yield s
    s.stop()


def folder(admin: IMAPClient, base: str = "T") -> str:
    name = f"{base}-{uuid.uuid4().hex[:6]}"
    admin.create_folder(name)
    return name


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def connector(dv: Dovecot, folders: list[str], sink: SmtpSink | None = None, *,
              password: str = PASSWORD, data_dir: Path | None = None, **opts: Any) -> imap.ImapConnector:
    options: dict[str, Any] = {"host": dv.host, "port": dv.port, "tls": "none", "user": USER,
                               "folders": folders, "sync_sent": False, **opts}
    if sink is not None:
        options.update(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_tls="none", smtp_user=USER)
    secrets = {"password": password, "smtp_password": "smtp-secret-1"}
    ctx = SourceContext(account="work", kind="imap", options=options, secret=secrets.get,
                        me_name="Anna", me_emails=(USER,), data_dir=data_dir)
    conn = imap.build(ctx)
    assert isinstance(conn, imap.ImapConnector)
    return conn


async def drain(conn: imap.ImapConnector, cursor: str | None) -> tuple[list[Item], str | None, int]:
    items: list[Item] = []
    n = 0
    while True:
        b = await conn.fetch(cursor)
        n += 1
        items += b.items
        cursor = b.cursor
        if not b.more:
            return items, cursor, n


JOURNAL = pytest.mark.parametrize("journal", [True, False], ids=["journal", "inline-cursor"])


def data_for(tmp_path: Path, journal: bool) -> Path | None:
    """A data dir (sync state in a side journal) or none (the self-contained v1 cursor)."""
    return tmp_path / "data" if journal else None


@JOURNAL
async def test_first_and_incremental_sync_never_marks_read(dovecot: Dovecot, admin: IMAPClient,
                                                           tmp_path: Path, journal: bool) -> None:
    f = folder(admin)
    for n in ("01_koi8r_encoded_words.eml", "03_raw_8bit_cp1251_headers.eml", "10_html_only.eml"):
        admin.append(f, corpus(n))
    data = data_for(tmp_path, journal)
    conn = connector(dovecot, [f], batch=2, data_dir=data)
    try:
        items, cur, rounds = await drain(conn, None)
        assert rounds == 2  # 3 messages in batches of 2
        assert [i.external_id for i in items] == ["<koi8-01@client.ru>", "<raw8bit-03@zavod.ru>", "<html-10@client.ru>"]
        assert items[1].author.name == "Сергей Иванов" and items[1].conversation_title == "Срочно: сайт не открывается"
        assert items[0].meta["folder"] == f and items[0].meta["uid"] == 1
        # BODY.PEEK: nothing became \Seen.
        admin.select_folder(f, readonly=True)
        flags = admin.fetch(admin.search("ALL"), ["FLAGS"])
        assert len(flags) == 3 and all(b"\\Seen" not in v[b"FLAGS"] for v in flags.values())
        # The n:* trap: with nothing new, "4:*" would still return UID 3 — must yield nothing.
        b = await conn.fetch(cur)
        assert b.items == []
        admin.append(f, corpus("17_russian_reply_signature.eml"))
        b = await conn.fetch(cur)
        assert [i.external_id for i in b.items] == ["<ru-17@client.ru>"]
        assert b.items[0].conversation == "<koi8-01@client.ru>"
        # A restarted connector continues from the cursor alone.
        conn2 = connector(dovecot, [f], data_dir=data)
        try:
            assert (await conn2.fetch(b.cursor)).items == []
        finally:
            await conn2.aclose()
    finally:
        await conn.aclose()


@JOURNAL
@pytest.mark.parametrize("condstore", [True, False], ids=["condstore", "periodic-diff"])
async def test_flag_changes_and_expunge(dovecot: Dovecot, admin: IMAPClient, condstore: bool,
                                        tmp_path: Path, journal: bool) -> None:
    f = folder(admin)
    admin.append(f, corpus("01_koi8r_encoded_words.eml"))
    admin.append(f, corpus("02_cp1251_quoted_printable.eml"))
    conn = connector(dovecot, [f], condstore=condstore, flag_diff_every=1, data_dir=data_for(tmp_path, journal))
    try:
        items, cur, _ = await drain(conn, None)
        assert [i.meta["flags"] for i in items] == [[], []]
        admin.select_folder(f)
        admin.add_flags([1], [b"\\Flagged", b"\\Seen"])
        b = await conn.fetch(cur)
        assert [(i.external_id, i.meta["flags"]) for i in b.items] == [("<koi8-01@client.ru>", ["\\Flagged", "\\Seen"])]
        assert b.items[0].text == items[0].text and not b.items[0].deleted
        cur = b.cursor
        assert (await conn.fetch(cur)).items == []
        admin.add_flags([2], [b"\\Deleted"])
        admin.expunge()
        b = await conn.fetch(cur)
        gone = [i for i in b.items if i.deleted]
        assert [(i.external_id, i.conversation) for i in gone] == [("<cp1251-02@shop.ru>", "<cp1251-02@shop.ru>")]
    finally:
        await conn.aclose()


@JOURNAL
async def test_uidvalidity_reset_rematches_by_message_id(dovecot: Dovecot, admin: IMAPClient,
                                                         tmp_path: Path, journal: bool) -> None:
    f = folder(admin)
    for n in ("01_koi8r_encoded_words.eml", "02_cp1251_quoted_printable.eml", "21_no_message_id.eml"):
        admin.append(f, corpus(n))
    conn = connector(dovecot, [f], data_dir=data_for(tmp_path, journal))
    try:
        first, cur, _ = await drain(conn, None)
        # Recreating the folder gives it a new UIDVALIDITY; two of three messages come back.
        admin.delete_folder(f)
        admin.create_folder(f)
        admin.append(f, corpus("21_no_message_id.eml"))
        admin.append(f, corpus("01_koi8r_encoded_words.eml"))
        b = await conn.fetch(cur)
        assert any("UIDVALIDITY" in n for n in b.notes)
        live = {i.external_id for i in b.items if not i.deleted}
        dead = {i.external_id for i in b.items if i.deleted}
        ids = {i.external_id for i in first}
        assert live | dead == ids  # same external ids: the store upserts, no duplicates
        assert dead == {"<cp1251-02@shop.ru>"}
        assert (await conn.fetch(b.cursor)).items == []
    finally:
        await conn.aclose()


async def test_idle_wakes_up_on_new_mail(dovecot: Dovecot, admin: IMAPClient) -> None:
    f = folder(admin)
    conn = connector(dovecot, [f], idle_renew=1)
    try:
        _, cur, _ = await drain(conn, None)
        assert await conn.wait(1.5) is False  # quiet folder: times out (renewing IDLE once)
        waiter = asyncio.create_task(conn.wait(10))
        await asyncio.sleep(0.5)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await asyncio.to_thread(admin.append, f, corpus("11_multipart_alternative.eml"))
        assert await asyncio.wait_for(waiter, 8) is True
        assert loop.time() - t0 < 5
        b = await conn.fetch(cur)
        assert [i.external_id for i in b.items] == ["<alt-11@client.ru>"]
        # Mail that arrived between a fetch and the next wait is reported at once.
        await asyncio.to_thread(admin.append, f, corpus("13_bad_date.eml"))
        assert await asyncio.wait_for(conn.wait(10), 3) is True
    finally:
        await conn.aclose()


async def test_cyrillic_folder_names(dovecot: Dovecot, admin: IMAPClient) -> None:
    parent = f"Клиенты-{uuid.uuid4().hex[:4]}"
    name = f"{parent}/Ромашка"
    admin.create_folder(parent)
    admin.create_folder(name)
    raw_names = [n for _f, _d, n in admin.list_folders()]
    assert name in raw_names
    admin.append(name, corpus("13_bad_date.eml"))
    conn = connector(dovecot, ["INBOX", name])
    try:
        items, cur, _ = await drain(conn, None)
        mine = [i for i in items if i.meta["folder"] == name]
        assert [i.external_id for i in mine] == ["<baddate-13@client.ru>"]
        assert mine[0].meta["date_fallback"] is True  # INTERNALDATE used
        assert name in (cur or "")
    finally:
        await conn.aclose()


async def test_reply_append_answered_and_crash_reconcile(dovecot: Dovecot, admin: IMAPClient,
                                                         sink: SmtpSink) -> None:
    f = folder(admin)
    admin.append(f, corpus("16_gmail_reply_quoted.eml"))
    conn = connector(dovecot, [f], sink)
    key = f"k-{uuid.uuid4().hex}"
    out = Outgoing(key=key, account="work", conversation="<anna-1@agency.test>", text="Thanks, John!",
                   reply_to="<CAgmail16@mail.gmail.com>", subject="Landing page")
    try:
        await drain(conn, None)
        assert await conn.reconcile(out) is None  # never sent
        n = len(sink.messages)
        res = await conn.send(out)
        assert res.remote_id == message_id_for(key, "agency.test")
        m = sink.messages[-1].message()
        assert len(sink.messages) == n + 1 and sink.messages[-1].rcpt_tos == ["john@example-client.com"]
        assert m["In-Reply-To"] == "<CAgmail16@mail.gmail.com>"
        assert m["References"].split() == ["<anna-1@agency.test>", "<CAgmail16@mail.gmail.com>"]
        assert str(m["Subject"]) == "Re: Landing page"
        # Filed in Sent (without the pending marker) and the original is \Answered.
        admin.select_folder("Sent", readonly=True)
        uids = admin.search(["HEADER", "Message-ID", res.remote_id])
        assert len(uids) == 1
        assert imap.PENDING not in admin.fetch(uids, ["FLAGS"])[uids[0]][b"FLAGS"]
        admin.select_folder(f, readonly=True)
        assert b"\\Answered" in admin.fetch([1], ["FLAGS"])[1][b"FLAGS"]
    finally:
        await conn.aclose()
    # "Crash" before the outbox commit: a fresh process reconciles instead of resending.
    conn2 = connector(dovecot, [f], sink)
    try:
        found = await conn2.reconcile(out)
        assert found is not None and found.remote_id == res.remote_id
        assert found.item is not None and found.item.author.is_me and found.item.conversation == out.conversation
        assert len(sink.messages) == n + 1
        # A copy still marked pending means the crash hit mid-send: unknown, ask the user.
        out2 = Outgoing(key=f"k-{uuid.uuid4().hex}", account="work", conversation="c", text="x",
                        reply_to="<CAgmail16@mail.gmail.com>")
        msg, _ = await conn2.compose(out2)
        admin.append("Sent", msg.as_bytes(), flags=(b"\\Seen", imap.PENDING))
        with pytest.raises(ReconcileUnknown):
            await conn2.reconcile(out2)
    finally:
        await conn2.aclose()


async def test_failed_smtp_leaves_no_copy(dovecot: Dovecot, admin: IMAPClient) -> None:
    f = folder(admin)
    admin.append(f, corpus("01_koi8r_encoded_words.eml"))
    conn = connector(dovecot, [f], None, smtp_host="127.0.0.1", smtp_port=1, smtp_tls="none")
    out = Outgoing(key=f"k-{uuid.uuid4().hex}", account="work", conversation="c", text="Счёт",
                   reply_to="<koi8-01@client.ru>")
    try:
        # No fetch first: the parent is re-read from the server by Message-ID.
        with pytest.raises(SourceError) as ei:
            await conn.send(out)
        assert ei.value.retry_after and not ei.value.fatal
        assert await conn.reconcile(out) is None
    finally:
        await conn.aclose()


async def test_bad_password_is_fatal_and_redacted(dovecot: Dovecot) -> None:
    conn = connector(dovecot, ["INBOX"], password="wrong-password-42")
    try:
        with pytest.raises(SourceError) as ei:
            await conn.fetch(None)
        assert ei.value.fatal and "wrong-password-42" not in str(ei.value)
    finally:
        await conn.aclose()
    down = connector(dovecot, ["INBOX"], port=1)
    with pytest.raises(SourceError) as ei:
        await down.fetch(None)
    assert ei.value.retry_after and not ei.value.fatal


async def test_sent_folder_synced_by_special_use(dovecot: Dovecot, admin: IMAPClient) -> None:
    f = folder(admin)
    mine = (b"From: Anna <" + USER.encode() + b">\r\nTo: Ivan <ivan@client.ru>\r\nSubject: Re: Hello\r\n"
            b"Message-ID: <sent-" + uuid.uuid4().hex.encode() + b"@agency.test>\r\n"
            b"In-Reply-To: <baddate-13@client.ru>\r\n\r\nHi Ivan\r\n")
    admin.append(f, corpus("13_bad_date.eml"))
    admin.append("Sent", mine)
    conn = connector(dovecot, [f], sync_sent=True)
    try:
        items, _, _ = await drain(conn, None)
        me = [i for i in items if i.author.is_me and i.meta["folder"] == "Sent" and i.text == "Hi Ivan"]
        assert len(me) == 1
        assert me[0].conversation == "<baddate-13@client.ru>"
        assert me[0].routes == ("email:ivan@client.ru", "email_domain:client.ru")
    finally:
        await conn.aclose()
