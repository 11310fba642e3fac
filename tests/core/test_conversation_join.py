"""Conversations that turn out to be one (an e-mail reply synced before its parent).

The merged thread keeps what the user did to either half (``states.merged_thread``);
the store merges in the batch's own transaction; the Maildir connector reports the
join when the parent arrives, whatever the sync order, and the inbox ends with one thread.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.base import ConversationsJoined, SourceContext
from connectors.email import maildir
from connectors.email.maildir import write_message
from inscope.store import Store
from inscope.store.states import ThreadFacts, merged_thread


def test_merged_state_keeps_what_asks_most_of_the_user() -> None:
    done = ThreadFacts("done")
    snoozed = ThreadFacts("snoozed", snooze_until=2000.0, snooze_kind="until", snooze_reason="после отпуска")
    assert merged_thread(done, snoozed) == snoozed  # the wake-up survives a merge with a closed half
    assert merged_thread(ThreadFacts("open"), snoozed).state == "open"  # an unanswered question wins
    esc = ThreadFacts("escalated", escalated_to="Олег (AM)")
    assert merged_thread(ThreadFacts("open", priority_override=1), esc) == ThreadFacts(
        "escalated", escalated_to="Олег (AM)", priority_override=1)
    # Two snoozes: the earlier wake time; "until the client writes" wakes later than any clock.
    early = ThreadFacts("snoozed", snooze_until=1000.0, snooze_kind="until")
    client = ThreadFacts("snoozed", snooze_kind="client")
    assert merged_thread(client, early) == early and merged_thread(early, client) == early
    assert merged_thread(ThreadFacts("answered", due_at=50.0), ThreadFacts("done", due_at=20.0)) == ThreadFacts(
        "answered", due_at=20.0)


def _mail(mid: str, subject: str, *, irt: str = "", refs: str = "", day: int = 1) -> bytes:
    m = EmailMessage()
    m["From"] = "Иван <ivan@client.ru>"
    m["To"] = "anna@agency.ru"
    m["Subject"] = subject
    m["Message-ID"] = mid
    m["Date"] = f"Tue, {day:02d} Dec 2026 10:00:00 +0300"
    if irt:
        m["In-Reply-To"] = irt
    if refs:
        m["References"] = refs
    m.set_content(f"текст {mid}")
    return bytes(m)


def _sync(conn: maildir.MaildirConnector, store: Store) -> list[ConversationsJoined]:
    async def go() -> list[ConversationsJoined]:
        batch = await conn.fetch(store.cursor("mail"))
        joins = [e for e in batch.events if isinstance(e, ConversationsJoined)]
        store.apply_batch("mail", batch.items, batch.cursor, project_of=lambda it: "Alpha",
                          role_of=lambda it: "client", joins=[(e.absorbed, e.into) for e in joins])
        return joins

    return asyncio.run(go())


@pytest.mark.parametrize("restart", [False, True], ids=["same-run", "after-restart"])
def test_reply_before_parent_joins_one_thread_keeping_the_snooze(tmp_path: Path, restart: bool) -> None:
    box, data = tmp_path / "Mail", tmp_path / "data"
    store = Store(data / "inscope.db")
    store.sync_projects([("Alpha", "active")])
    ctx = SourceContext(account="mail", kind="maildir", options={"path": str(box)}, secret=lambda _n: None,
                        me_emails=("anna@agency.ru",), data_dir=data)
    conn = maildir.build(ctx)
    assert isinstance(conn, maildir.MaildirConnector)
    # Newest first: the reply (In-Reply-To only) arrives before its parent, which itself
    # answers the root <g@client.ru>.
    write_message(box, _mail("<r@client.ru>", "Re: Бюджет", irt="<p@client.ru>", day=3))
    assert _sync(conn, store) == []
    (tid,) = [t for t, _p, _q in store.view_index("all")]
    store.snooze(tid, "until", datetime(2026, 12, 10, tzinfo=UTC).timestamp(), "ждём бухгалтерию")
    if restart:
        asyncio.run(conn.aclose())
        conn = maildir.build(ctx)
        assert isinstance(conn, maildir.MaildirConnector)
    write_message(box, _mail("<p@client.ru>", "Re: Бюджет", irt="<g@client.ru>", refs="<g@client.ru>", day=2))
    joins = _sync(conn, store)
    assert joins == [ConversationsJoined(absorbed="<p@client.ru>", into="<g@client.ru>")]
    write_message(box, _mail("<g@client.ru>", "Бюджет", day=1))
    assert _sync(conn, store) == []  # the root finds the joined conversation by its key
    threads = store.view_index("all") + store.view_index("snoozed")
    assert len({t for t, _p, _q in threads}) == 1  # no duplicate thread in the inbox
    row = store.thread(tid)
    assert row.state == "snoozed" and row.snooze_reason == "ждём бухгалтерию"
    assert store.conversation_of(tid) == ("mail", "<g@client.ru>")
    assert [m.external_id for m in store.messages(tid)] == ["<g@client.ru>", "<p@client.ru>", "<r@client.ru>"]
    asyncio.run(conn.aclose())
    store.close()


def test_two_stored_threads_merge_in_the_batch_transaction(tmp_path: Path) -> None:
    box, data = tmp_path / "Mail", tmp_path / "data"
    store = Store(data / "inscope.db")
    store.sync_projects([("Alpha", "active")])
    ctx = SourceContext(account="mail", kind="maildir", options={"path": str(box)}, secret=lambda _n: None,
                        me_emails=("anna@agency.ru",), data_dir=data)
    conn = maildir.build(ctx)
    assert isinstance(conn, maildir.MaildirConnector)
    write_message(box, _mail("<a@client.ru>", "Re: Макет", irt="<x@client.ru>", day=2))
    write_message(box, _mail("<b@client.ru>", "Re: Макет", irt="<y@client.ru>", day=3))
    _sync(conn, store)
    by_conv = {store.conversation_of(t)[1]: t for t, _p, _q in store.view_index("all")}
    assert set(by_conv) == {"<x@client.ru>", "<y@client.ru>"}
    store.mark_done(by_conv["<x@client.ru>"])
    store.save_draft(by_conv["<y@client.ru>"], "черновик ответа")
    # A message naming both parents proves the two conversations are one.
    write_message(box, _mail("<c@client.ru>", "Re: Макет", refs="<x@client.ru> <y@client.ru>", day=4))
    joins = _sync(conn, store)
    assert joins == [ConversationsJoined(absorbed="<y@client.ru>", into="<x@client.ru>")]
    (tid,) = {t for t, _p, _q in store.view_index("all")}
    assert tid == by_conv["<x@client.ru>"] and store.draft(tid) == "черновик ответа"
    assert len(store.messages(tid)) == 3 and store.thread(tid).state == "open"  # a new client message
    asyncio.run(conn.aclose())
    store.close()
