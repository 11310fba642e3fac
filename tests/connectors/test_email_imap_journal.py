"""The IMAP connector's compact cursor and side journal, against a real Dovecot.

With a data dir the per-message map (``folder\\0uid → [id, conversation, flags]``)
lives in ``email-state/imap-<account>.jsonl`` and the cursor keeps only per-folder
UIDVALIDITY / last UID / HIGHESTMODSEQ / stale ids plus the journal stamp.  These
tests pin the crash rules of :mod:`connectors.email.state`: the DB cursor is the
truth, journal records beyond it are cut off, a lost or torn journal is rebuilt by
re-reading (nothing lost, nothing doubled), and an old self-contained cursor
migrates without re-reading mail.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from connectors.base import Item, SourceError
from connectors.email import imap
from sandbox.dovecot import Dovecot
from tests.connectors.test_email_imap import connector, corpus, drain, folder

pytestmark = pytest.mark.dovecot


def fill(admin: IMAPClient, f: str, n: int, start: int = 0) -> None:
    """Append ``n`` distinct messages (own Message-IDs) to folder ``f``."""
    tmpl = corpus("02_cp1251_quoted_printable.eml")
    for i in range(start, start + n):
        admin.append(f, tmpl.replace(b"<cp1251-02@shop.ru>", f"<m{i}@shop.ru>".encode()))


def journal_of(data: Path) -> Path:
    (p,) = (data / "email-state").glob("imap-*.jsonl")
    return p


async def test_cursor_stays_small_and_journal_holds_the_map(dovecot: Dovecot, admin: IMAPClient,
                                                            tmp_path: Path) -> None:
    f = folder(admin)
    fill(admin, f, 60)
    data = tmp_path / "data"
    conn = connector(dovecot, [f], data_dir=data, batch=25)
    inline = connector(dovecot, [f], batch=25)
    try:
        items, cur, rounds = await drain(conn, None)
        assert len(items) == 60 and rounds == 3 and cur is not None
        state = json.loads(cur)
        assert state["v"] == 2 and set(state["folders"][f]) == {"uidvalidity", "last_uid", "highestmodseq", "stale"}
        assert state["folders"][f]["last_uid"] == 60 and state["state"]["n"] == 60
        assert len(cur) < 300, cur  # O(1) in the number of messages
        assert journal_of(data).name == "imap-work.jsonl"
        assert "m59@shop.ru" in journal_of(data).read_text() and "m59@shop.ru" not in cur
        inline_items, inline_cur, _ = await drain(inline, None)
        assert len(inline_items) == 60 and inline_cur is not None and len(inline_cur) > 60 * 40
    finally:
        await conn.aclose()
        await inline.aclose()


async def test_crash_after_journal_write_before_db_commit_loses_nothing(dovecot: Dovecot, admin: IMAPClient,
                                                                        tmp_path: Path) -> None:
    f = folder(admin)
    fill(admin, f, 30)
    data = tmp_path / "data"
    conn = connector(dovecot, [f], data_dir=data, batch=10)
    restarted = connector(dovecot, [f], data_dir=data, batch=10)
    third = connector(dovecot, [f], data_dir=data)
    try:
        b1 = await conn.fetch(None)
        b2 = await conn.fetch(b1.cursor)  # the journal now holds generation 2 …
        size_after_b2 = journal_of(data).stat().st_size
        # … but the process dies before the DB commits b2: the next start passes b1's cursor.
        items, cur, _ = await drain(restarted, b1.cursor)
        assert {i.external_id for i in b2.items} <= {i.external_id for i in items}
        assert len(items) == 20 and len({i.external_id for i in b1.items + items}) == 30
        assert (await third.fetch(cur)).items == []  # a third process agrees with the cursor
        assert journal_of(data).stat().st_size != size_after_b2  # b2's record was cut, then rewritten
        # Same thing within one process: the engine failed to store a batch and re-fetches.
        fill(admin, f, 1, start=30)
        nb = await restarted.fetch(cur)
        again = await restarted.fetch(cur)
        assert [i.external_id for i in nb.items] == ["<m30@shop.ru>"]
        assert [i.external_id for i in again.items] == ["<m30@shop.ru>"]
    finally:
        for c in (conn, restarted, third):
            await c.aclose()


async def test_uncommitted_expunge_is_named_again(dovecot: Dovecot, admin: IMAPClient, tmp_path: Path) -> None:
    """A deletion from a batch the DB never stored must come back, not vanish with the journal record."""
    f = folder(admin)
    fill(admin, f, 3)
    data = tmp_path / "data"
    conn = connector(dovecot, [f], data_dir=data)
    try:
        _items, cur, _ = await drain(conn, None)
        admin.select_folder(f)
        admin.add_flags([2], [b"\\Deleted"])
        admin.expunge()
        lost = await conn.fetch(cur)  # journaled, never committed
        assert [(i.external_id, i.deleted) for i in lost.items] == [("<m1@shop.ru>", True)]
        restarted = connector(dovecot, [f], data_dir=data)
        try:
            b = await restarted.fetch(cur)
            assert [(i.external_id, i.deleted) for i in b.items] == [("<m1@shop.ru>", True)]
            assert (await restarted.fetch(b.cursor)).items == []
        finally:
            await restarted.aclose()
    finally:
        await conn.aclose()


async def test_lost_or_torn_journal_rebuilds_by_rereading(dovecot: Dovecot, admin: IMAPClient,
                                                          tmp_path: Path) -> None:
    f = folder(admin)
    fill(admin, f, 12)
    data = tmp_path / "data"
    conns: list[imap.ImapConnector] = []

    def fresh() -> imap.ImapConnector:
        conns.append(connector(dovecot, [f], data_dir=data))
        return conns[-1]

    try:
        items, cur, _ = await drain(fresh(), None)
        ids = {i.external_id for i in items}
        journal = journal_of(data)
        journal.write_bytes(journal.read_bytes()[:-5])  # torn last record
        b = await fresh().fetch(cur)
        assert {i.external_id for i in b.items} == ids and any("re-reading" in n for n in b.notes)
        assert not any(i.deleted for i in b.items)
        journal.unlink()
        b = await fresh().fetch(b.cursor)
        assert {i.external_id for i in b.items} == ids  # re-emitted (idempotent upserts), not lost
        # The rebuilt journal is consistent with its own cursor again, and diffs still work.
        assert (await fresh().fetch(b.cursor)).items == []
        admin.select_folder(f)
        admin.add_flags([5], [b"\\Deleted"])
        admin.expunge()
        gone = (await fresh().fetch(b.cursor)).items
        assert [(i.external_id, i.deleted) for i in gone] == [("<m4@shop.ru>", True)]
    finally:
        for c in conns:
            await c.aclose()


async def test_old_inline_cursor_migrates_without_rereading(dovecot: Dovecot, admin: IMAPClient,
                                                            tmp_path: Path) -> None:
    f = folder(admin)
    admin.append(f, corpus("01_koi8r_encoded_words.eml"))
    admin.append(f, corpus("17_russian_reply_signature.eml"))  # a reply: conversation = the koi8 root
    data = tmp_path / "data"
    old = connector(dovecot, [f])
    new = connector(dovecot, [f], data_dir=data)
    try:
        _items, v1, _ = await drain(old, None)
        assert v1 is not None and json.loads(v1)["v"] == 1
        b = await new.fetch(v1)
        assert b.items == [] and b.cursor is not None
        v2 = json.loads(b.cursor)
        assert v2["v"] == 2 and v2["folders"][f]["last_uid"] == 2 and v2["state"]["n"] == 2
        admin.select_folder(f)
        admin.add_flags([2], [b"\\Deleted"])
        admin.expunge()
        later = connector(dovecot, [f], data_dir=data)
        try:
            gone = (await later.fetch(b.cursor)).items
            # The migrated map still knows the message's thread.
            assert [(i.external_id, i.conversation, i.deleted) for i in gone] == [
                ("<ru-17@client.ru>", "<koi8-01@client.ru>", True)]
        finally:
            await later.aclose()
    finally:
        await old.aclose()
        await new.aclose()


async def test_uidvalidity_reset_across_a_restart_mid_reimport(dovecot: Dovecot, admin: IMAPClient,
                                                               tmp_path: Path) -> None:
    """The stale ids ride in the cursor, so a restart halfway through a re-import keeps them."""
    f = folder(admin)
    fill(admin, f, 4)
    data = tmp_path / "data"
    conn = connector(dovecot, [f], data_dir=data, batch=2)
    try:
        first, cur, _ = await drain(conn, None)
        admin.delete_folder(f)
        admin.create_folder(f)
        fill(admin, f, 3)  # m0..m2 come back, m3 is gone
        b = await conn.fetch(cur)
        assert b.more and any("UIDVALIDITY" in n for n in b.notes)
        assert b.cursor is not None and len(json.loads(b.cursor)["folders"][f]["stale"]) == 2
        restarted = connector(dovecot, [f], data_dir=data, batch=2)
        try:
            rest, _cur, _ = await drain(restarted, b.cursor)
        finally:
            await restarted.aclose()
        live = [i.external_id for i in b.items + rest if not i.deleted]
        dead = [i.external_id for i in b.items + rest if i.deleted]
        assert sorted(live) == ["<m0@shop.ru>", "<m1@shop.ru>", "<m2@shop.ru>"] and dead == ["<m3@shop.ru>"]
        assert {i.external_id for i in first} == set(live) | set(dead)
    finally:
        await conn.aclose()


async def test_message_in_two_folders_is_deleted_only_when_gone_from_both(dovecot: Dovecot, admin: IMAPClient,
                                                                          tmp_path: Path) -> None:
    a, b = folder(admin, "A"), folder(admin, "B")
    admin.append(a, corpus("01_koi8r_encoded_words.eml"))
    admin.append(b, corpus("01_koi8r_encoded_words.eml"))  # the same Message-ID, copied by a filter
    conn = connector(dovecot, [a, b], data_dir=tmp_path / "data")
    try:
        _items, cur, _ = await drain(conn, None)
        admin.select_folder(a)
        admin.add_flags([1], [b"\\Deleted"])
        admin.expunge()
        step = await conn.fetch(cur)
        assert step.items == [] and any("expunged" in n for n in step.notes)
        admin.select_folder(b)
        admin.add_flags([1], [b"\\Deleted"])
        admin.expunge()
        step = await conn.fetch(step.cursor)
        assert [(i.external_id, i.deleted, i.meta["deleted_from"]) for i in step.items] == [
            ("<koi8-01@client.ru>", True, {"folder": b, "uid": 1})]
    finally:
        await conn.aclose()


def test_synced_messages_views_match_a_full_scan() -> None:
    """The per-folder view and the id refcount answer what scanning the flat map would."""
    rng = random.Random(7)
    sm = imap.SyncedMessages(None)
    sm.load({})
    for _ in range(3000):
        fo, uid = rng.choice(["INBOX", "Sent", "Архив/2024"]), rng.randint(1, 40)
        if rng.random() < 0.6:
            sm.put(fo, uid, [f"<id{rng.randint(0, 25)}>", "c", rng.choice(["", "\\Seen"])])
        elif uid in sm.folder(fo):
            sm.pop(fo, uid)
        if rng.random() < 0.01:
            sm.drop_folder(fo)
        ids = {e[0] for e in sm.flat.values()}
        probe = f"<id{rng.randint(0, 25)}>"
        assert sm.present(probe) == (probe in ids)
    again = imap.SyncedMessages(None)
    again.load(dict(sm.flat))
    assert again.by_folder == {k: v for k, v in sm.by_folder.items() if v} and again.refs == sm.refs
    assert sum(len(v) for v in sm.by_folder.values()) == len(sm.flat)


@pytest.mark.parametrize("journal", [True, False], ids=["journal", "inline-cursor"])
async def test_fetch_failing_half_way_leaves_no_trace(dovecot: Dovecot, admin: IMAPClient, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch, journal: bool) -> None:
    """Messages recorded in memory before a connection error are not taken as synced."""
    f = folder(admin)
    conn = connector(dovecot, [f], data_dir=tmp_path / "data" if journal else None)
    monkeypatch.setattr(imap, "FETCH_CHUNK", 2)
    real = conn._fetch_items
    calls = 0

    def flaky(*args: Any, **kw: Any) -> list[tuple[Item, int, str]]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("connection reset")
        return real(*args, **kw)

    try:
        cur = (await conn.fetch(None)).cursor  # an empty folder, synced
        fill(admin, f, 5)
        monkeypatch.setattr(conn, "_fetch_items", flaky)
        with pytest.raises(SourceError):
            await conn.fetch(cur)  # dies after recording its first chunk of two
        assert calls == 2
        again = await conn.fetch(cur)  # the engine retries from the committed cursor
        assert sorted(i.external_id for i in again.items) == [f"<m{i}@shop.ru>" for i in range(5)]
        assert (await conn.fetch(again.cursor)).items == []
    finally:
        await conn.aclose()
