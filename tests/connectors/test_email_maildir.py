"""Maildir connector end to end: sync (new, flags, deletions), the store, replies through a
real in-process SMTP server (aiosmtpd with AUTH), and crash reconciliation via sent_path."""

from __future__ import annotations

import email
import json
import os
import time
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest

from connectors.base import (
    Outgoing,
    PermanentSendError,
    ReconcileUnknown,
    SourceContext,
    SourceError,
)
from connectors.email import maildir as md
from connectors.email import mime
from connectors.email.smtp import message_id_for
from inscope.store import Store
from sandbox.smtp_sink import SmtpSink

CORPUS = Path(__file__).parent / "email_corpus"
SMTP_USER, SMTP_PASS = "anna@agency.test", "smtp-pass-123"


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    s = SmtpSink(user=SMTP_USER, password=SMTP_PASS).start()
    yield s
    s.stop()


def make(path: Path, sink: SmtpSink | None = None, *, data_dir: Path | None = None,
         **opts: Any) -> md.MaildirConnector:
    options: dict[str, Any] = {"path": str(path), **opts}
    if sink is not None:
        options.update(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_tls="none", smtp_user=SMTP_USER)
    secrets = {"smtp_password": SMTP_PASS}
    ctx = SourceContext(account="mail", kind="maildir", options=options, secret=secrets.get,
                        me_name="Anna", me_emails=("anna@agency.test",), data_dir=data_dir)
    conn = md.build(ctx)
    assert isinstance(conn, md.MaildirConnector)
    return conn


def deliver(path: Path, name: str, *, seen: bool = False) -> str:
    return md.write_message(path, (CORPUS / name).read_bytes(), seen=seen)


async def drain(conn: md.MaildirConnector, cursor: str | None) -> tuple[list[Any], str | None]:
    items: list[Any] = []
    while True:
        b = await conn.fetch(cursor)
        items += b.items
        cursor = b.cursor
        if not b.more:
            return items, cursor


@pytest.mark.parametrize("journal", [True, False], ids=["journal", "inline-cursor"])
async def test_sync_new_flags_and_deleted(tmp_path: Path, journal: bool) -> None:
    box = tmp_path / "Mail"
    data = tmp_path / "data" if journal else None
    k1 = deliver(box, "01_koi8r_encoded_words.eml")
    k2 = deliver(box, "17_russian_reply_signature.eml", seen=True)
    conn = make(box, data_dir=data)
    items, cur = await drain(conn, None)
    by_id = {i.external_id: i for i in items}
    assert set(by_id) == {"<koi8-01@client.ru>", "<ru-17@client.ru>"}
    assert by_id["<ru-17@client.ru>"].conversation == "<koi8-01@client.ru>"
    assert by_id["<ru-17@client.ru>"].meta["flags"] == ["\\Seen"]
    assert by_id["<koi8-01@client.ru>"].meta["maildir_key"] == k1
    # Nothing changed → nothing emitted, cursor stable.
    b = await conn.fetch(cur)
    assert b.items == [] and b.cursor == cur
    # An MUA marks k1 seen+flagged (rename into cur/ with info) and deletes k2.
    os.rename(box / "new" / k1, box / "cur" / f"{k1}:2,FS")
    (next((box / "cur").glob(f"{k2}:*"))).unlink()
    k3 = deliver(box, "09_mislabel_cp1251_is_koi8.eml")
    b = await conn.fetch(cur)
    got = {(i.external_id, i.deleted): i for i in b.items}
    assert set(got) == {("<koi8-01@client.ru>", False), ("<ru-17@client.ru>", True),
                        ("<mislabel-09@client.ru>", False)}
    assert got[("<koi8-01@client.ru>", False)].meta["flags"] == ["\\Flagged", "\\Seen"]
    assert got[("<ru-17@client.ru>", True)].conversation == "<koi8-01@client.ru>"
    if journal:
        assert k3 not in (b.cursor or "")  # the cursor is a stamp; the keys live in the journal
    else:
        assert k3 in json.loads(b.cursor or "{}")["msgs"]
    # A restarted connector (fresh memory) resumes from the cursor: no re-emission, and the
    # deletion and threading state survived (a reply to 01 still joins its thread).
    again = make(box, data_dir=data)
    b2 = await again.fetch(b.cursor)
    assert b2.items == [] and b2.cursor == b.cursor
    deliver(box, "17_russian_reply_signature.eml")  # the deleted reply comes back
    b3 = await again.fetch(b2.cursor)
    assert [(i.external_id, i.conversation) for i in b3.items] == [("<ru-17@client.ru>", "<koi8-01@client.ru>")]


async def test_batches_of_limited_size(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    for n in sorted(p.name for p in CORPUS.glob("*.eml")):
        deliver(box, n)
    conn = make(box, batch=10)
    b1 = await conn.fetch(None)
    assert len(b1.items) == 10 and b1.more
    items, _ = await drain(conn, b1.cursor)
    assert len(b1.items) + len(items) == 26
    assert len({i.external_id for i in b1.items + items}) == 26


async def test_store_apply_batch(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    for n in ("01_koi8r_encoded_words.eml", "17_russian_reply_signature.eml", "19_attachments.eml"):
        deliver(box, n)
    batch = await make(box).fetch(None)
    store = Store(tmp_path / "x.db")
    store.sync_projects([("P", "active")])
    res = store.apply_batch("mail", batch.items, batch.cursor, project_of=lambda it: "P",
                            role_of=lambda it: "client")
    assert res.inserted == 3
    assert store.cursor("mail") == batch.cursor
    # Re-applying the same batch is idempotent (a crash before the cursor moved).
    again = store.apply_batch("mail", batch.items, batch.cursor, project_of=lambda it: "P",
                              role_of=lambda it: "client")
    assert again.inserted == 0
    threads = store.conn.execute("SELECT conversation, title FROM threads ORDER BY id").fetchall()
    assert ("<koi8-01@client.ru>", "Счёт за март") in threads and len(threads) == 2


async def test_reply_headers_on_the_smtp_side(tmp_path: Path, sink: SmtpSink) -> None:
    box = tmp_path / "Mail"
    parent_key = deliver(box, "18_outlook_reply.eml")
    deliver(box, "25_stacked_prefixes_reply_to.eml")
    conn = make(box, sink)
    await drain(conn, None)
    before = len(sink.messages)
    text = "Ольга, добрый день!\nЗапуск подтверждаю."
    out = Outgoing(key="k-1", account="mail", conversation="<cp1251-02@shop.ru>", text=text,
                   reply_to="<outlook-18@shop.ru>", subject="Вопрос по рекламе")
    res = await conn.send(out)
    assert res.remote_id == message_id_for("k-1", "agency.test")
    assert res.item is not None and res.item.author.is_me and res.item.conversation == out.conversation
    assert len(sink.messages) == before + 1
    rec = sink.messages[-1]
    assert rec.login == SMTP_USER and rec.rcpt_tos == ["olga@shop.ru"] and rec.mail_from == "anna@agency.test"
    m = rec.message()
    assert m["Message-ID"] == res.remote_id
    assert m["In-Reply-To"] == "<outlook-18@shop.ru>"
    assert m["References"].split() == ["<cp1251-02@shop.ru>", "<anna-2@agency.test>", "<outlook-18@shop.ru>"]
    assert str(m["Subject"]) == "Re: Вопрос по рекламе"
    assert m["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    assert rec.data.isascii()  # 7-bit clean on the wire
    assert mime.parse(rec.data).full_text == text
    assert m["From"].addresses[0].addr_spec == "anna@agency.test"
    # The original got the R (answered) flag.
    assert any(p.name.startswith(parent_key + ":2,") and "R" in p.name.split(",")[-1] for p in (box / "cur").iterdir())
    # Reply-To honoured, one Re: only.
    out2 = Outgoing(key="k-2", account="mail", conversation="<stack-25@client.ru>", text="Ok",
                    reply_to="<stack-25@client.ru>")
    await conn.send(out2)
    m2 = sink.messages[-1].message()
    assert str(m2["Subject"]) == "Re: Макеты" and sink.messages[-1].rcpt_tos == ["office@client.ru"]
    assert m2["References"] == "<stack-25@client.ru>"


async def test_escalation_and_parent_lookup_after_restart(tmp_path: Path, sink: SmtpSink) -> None:
    box = tmp_path / "Mail"
    deliver(box, "01_koi8r_encoded_words.eml")
    conn = make(box, sink)  # no fetch: the parent must be found on disk
    res = await conn.send(Outgoing(key="k-3", account="mail", conversation="<koi8-01@client.ru>",
                                   text="Счёт отправлен.", reply_to="<koi8-01@client.ru>"))
    m = sink.messages[-1].message()
    assert m["In-Reply-To"] == "<koi8-01@client.ru>" and res.item is not None
    esc = await conn.send(Outgoing(key="k-4", account="mail", conversation="<koi8-01@client.ru>",
                                   text="Клиент просит скидку", subject="Эскалация: Клиент",
                                   target={"email": "am@agency.test"}))
    m = sink.messages[-1].message()
    assert sink.messages[-1].rcpt_tos == ["am@agency.test"] and str(m["Subject"]) == "Эскалация: Клиент"
    assert m["In-Reply-To"] is None and esc.item is None
    with pytest.raises(PermanentSendError):
        await conn.send(Outgoing(key="k-5", account="mail", conversation="x", text="hi", reply_to="<gone@x>"))


async def test_smtp_auth_failure_is_fatal_and_secret_free(tmp_path: Path, sink: SmtpSink) -> None:
    box = tmp_path / "Mail"
    deliver(box, "01_koi8r_encoded_words.eml")
    conn = make(box, sink)
    conn.ctx.options["smtp_user"] = "intruder"
    with pytest.raises(SourceError) as ei:
        await conn.send(Outgoing(key="k-6", account="mail", conversation="c", text="x",
                                 reply_to="<koi8-01@client.ru>"))
    assert ei.value.fatal and SMTP_PASS not in str(ei.value)


async def test_no_duplicate_send_across_crash_with_sent_maildir(tmp_path: Path, sink: SmtpSink) -> None:
    box, sent = tmp_path / "Mail", tmp_path / "Sent"
    deliver(box, "01_koi8r_encoded_words.eml")
    out = Outgoing(key="k-crash", account="mail", conversation="<koi8-01@client.ru>", text="Готово",
                   reply_to="<koi8-01@client.ru>")
    # Before any send: certainly not sent.
    assert await make(box, sink, sent_path=str(sent)).reconcile(out) is None
    n = len(sink.messages)
    res = await make(box, sink, sent_path=str(sent)).send(out)
    # "Crash" before the outbox commit: a new process reconciles instead of resending.
    found = await make(box, sink, sent_path=str(sent)).reconcile(out)
    assert found is not None and found.remote_id == res.remote_id and len(sink.messages) == n + 1
    # A send interrupted mid-way (copy still in tmp/) is reported as unknown.
    out2 = Outgoing(key="k-mid", account="mail", conversation="c", text="x", reply_to="<koi8-01@client.ru>")
    conn = make(box, sink, sent_path=str(sent))
    msg, _ = await conn.compose(out2)
    conn._write_pending(out2, msg.as_bytes())
    with pytest.raises(ReconcileUnknown):
        await conn.reconcile(out2)
    # Without sent_path nobody can tell.
    with pytest.raises(ReconcileUnknown):
        await make(box, sink).reconcile(out)


async def test_unreachable_smtp_is_retryable(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    deliver(box, "01_koi8r_encoded_words.eml")
    conn = make(box, None, smtp_host="127.0.0.1", smtp_port=1, smtp_tls="none", sent_path=str(tmp_path / "S"))
    out = Outgoing(key="k-7", account="mail", conversation="c", text="x", reply_to="<koi8-01@client.ru>")
    with pytest.raises(SourceError) as ei:
        await conn.send(out)
    assert ei.value.retry_after and not ei.value.fatal
    assert await conn.reconcile(out) is None  # the pending copy was removed: certainly not sent


async def test_missing_maildir_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        await make(tmp_path / "nope").fetch(None)


async def test_2k_maildir_first_sync_and_noop_resync(tmp_path: Path) -> None:
    box = tmp_path / "Big"
    tmpl = (CORPUS / "02_cp1251_quoted_printable.eml").read_bytes()
    for i in range(2000):
        md.write_message(box, tmpl.replace(b"<cp1251-02@shop.ru>", f"<m{i}@shop.ru>".encode()), seen=i % 2 == 0)
    conn = make(box)
    t0 = time.perf_counter()
    items, cur = await drain(conn, None)
    first = time.perf_counter() - t0
    assert len(items) == 2000
    t0 = time.perf_counter()
    b = await make(box).fetch(cur)
    noop = time.perf_counter() - t0
    assert b.items == []
    assert noop < 1.0, noop
    assert first < 30, first


def test_write_message_seen_goes_to_cur(tmp_path: Path) -> None:
    k = md.write_message(tmp_path / "M", b"Subject: x\r\n\r\ny\r\n", seen=True)
    assert (tmp_path / "M" / "cur" / f"{k}:2,S").exists()
    parsed = email.message_from_bytes((tmp_path / "M" / "cur" / f"{k}:2,S").read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "x"


# --- the journal (compact cursor) -----------------------------------------------------------

def _fill(box: Path, n: int) -> None:
    tmpl = (CORPUS / "02_cp1251_quoted_printable.eml").read_bytes()
    for i in range(n):
        md.write_message(box, tmpl.replace(b"<cp1251-02@shop.ru>", f"<m{i}@shop.ru>".encode()))


async def test_cursor_stays_small_and_journal_holds_the_map(tmp_path: Path) -> None:
    box, data = tmp_path / "Mail", tmp_path / "data"
    _fill(box, 60)
    items, cur = await drain(make(box, data_dir=data, batch=25), None)
    assert len(items) == 60 and cur is not None
    assert len(cur) < 200, cur  # O(1): no per-message entry in the cursor
    inline_items, inline_cur = await drain(make(box, batch=25), None)
    assert len(inline_items) == 60 and inline_cur is not None and len(inline_cur) > 60 * 40
    journal = next((data / "email-state").glob("maildir-*.jsonl"))
    assert journal.stat().st_size > 0


async def test_crash_after_journal_write_before_db_commit_loses_nothing(tmp_path: Path) -> None:
    box, data = tmp_path / "Mail", tmp_path / "data"
    _fill(box, 30)
    conn = make(box, data_dir=data, batch=10)
    b1 = await conn.fetch(None)
    b2 = await conn.fetch(b1.cursor)  # journal now has generation 2 …
    # … but the process dies before the DB commits b2: the next start passes b1's cursor.
    restarted = make(box, data_dir=data, batch=10)
    items, cur = await drain(restarted, b1.cursor)
    assert {i.external_id for i in b2.items} <= {i.external_id for i in items}
    assert len(items) == 20 and len({i.external_id for i in b1.items + items}) == 30
    # The uncommitted generation was cut from the journal: a third process agrees.
    assert (await make(box, data_dir=data).fetch(cur)).items == []
    # Same thing within one process (the engine failed to store a batch and re-fetches).
    _fill(box, 31)  # one new key: m0..m30, m30 is new (the rest are new copies too)
    nb = await restarted.fetch(cur)
    again = await restarted.fetch(cur)
    assert [i.external_id for i in again.items] == [i.external_id for i in nb.items] and nb.items


async def test_lost_or_foreign_journal_rebuilds_by_rescanning(tmp_path: Path) -> None:
    box, data = tmp_path / "Mail", tmp_path / "data"
    _fill(box, 12)
    _items, cur = await drain(make(box, data_dir=data), None)
    journal = next((data / "email-state").glob("maildir-*.jsonl"))
    text = journal.read_bytes()
    journal.write_bytes(text[:-5])  # torn last record
    b = await make(box, data_dir=data).fetch(cur)
    assert len(b.items) == 12 and any("re-reading" in n for n in b.notes)  # re-emitted, not lost
    journal.unlink()
    b = await make(box, data_dir=data).fetch(cur)
    assert len(b.items) == 12
    # The rebuilt journal is consistent with its own cursor again.
    assert (await make(box, data_dir=data).fetch(b.cursor)).items == []


async def test_old_inline_cursor_migrates_without_reemitting(tmp_path: Path) -> None:
    box, data = tmp_path / "Mail", tmp_path / "data"
    k = deliver(box, "01_koi8r_encoded_words.eml")
    deliver(box, "17_russian_reply_signature.eml")
    _items, v1 = await drain(make(box), None)
    assert v1 is not None and json.loads(v1)["v"] == 1
    conn = make(box, data_dir=data)
    b = await conn.fetch(v1)
    assert b.items == [] and b.cursor is not None and json.loads(b.cursor)["v"] == 2
    os.unlink(box / "new" / k)
    b = await make(box, data_dir=data).fetch(b.cursor)
    assert [(i.external_id, i.deleted) for i in b.items] == [("<koi8-01@client.ru>", True)]


async def test_backfill_reuses_listing_but_sees_renames(tmp_path: Path) -> None:
    box, data = tmp_path / "Mail", tmp_path / "data"
    _fill(box, 30)
    conn = make(box, data_dir=data, batch=10)
    b1 = await conn.fetch(None)
    # An MUA marks a not-yet-synced message read mid-backfill: its file name changes.
    synced = {i.meta["maildir_key"] for i in b1.items}
    key = sorted(p.name for p in (box / "new").iterdir() if p.name not in synced)[-1]
    os.rename(box / "new" / key, box / "cur" / f"{key}:2,S")
    items, cur = await drain(conn, b1.cursor)
    got = {i.meta["maildir_key"]: i for i in b1.items + items}
    assert len(got) == 30 and got[key].meta["flags"] == ["\\Seen"]
    assert (await make(box, data_dir=data).fetch(cur)).items == []
