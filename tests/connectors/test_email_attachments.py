"""E-mail attachments fetched on demand: the DB lists them, the mailbox keeps their bytes.

Against a real Dovecot over IMAP (read-only: nothing becomes \\Seen) and a real Maildir on
disk: the attachment saved is byte for byte what was sent, it is found again after the
message moved (a flag change renames a Maildir file; a UIDVALIDITY reset renumbers an IMAP
folder), and a message that is gone says so instead of saving something else.
"""

from __future__ import annotations

import mailbox
import os
import stat
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from connectors.base import DownloadsMedia, SourceContext, SourceError
from connectors.email.maildir import MaildirConnector, write_message
from sandbox.dovecot import USER, Dovecot
from tests.connectors.test_email_imap import connector, drain, folder

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 400  # ~100 KB, every byte value
CSV = "дата;клики\n01.12;42\n".encode("cp1251")


def _mail(mid: str, pdf: bytes = PDF) -> bytes:
    m = EmailMessage()
    m["From"] = "Иван Петров <ivan@client.ru>"
    m["To"] = USER
    m["Subject"] = "Отчёт и выгрузка"
    m["Message-ID"] = mid
    m.set_content("Добрый день! Отчёт и выгрузка во вложении.")
    m.add_attachment(pdf, maintype="application", subtype="pdf", filename="Отчёт за ноябрь.pdf")
    m.add_attachment(CSV, maintype="text", subtype="csv", filename="../../.bashrc")
    return m.as_bytes()


@pytest.mark.dovecot
async def test_imap_saves_the_attachment_read_again_without_marking_it_read(
        dovecot: Dovecot, admin: IMAPClient, tmp_path: Path) -> None:
    f = folder(admin)
    admin.append(f, _mail("<att-1@client.ru>"))
    conn = connector(dovecot, [f])
    try:
        assert isinstance(conn, DownloadsMedia)
        (it,), _cur, _ = await drain(conn, None)
        assert [a["name"] for a in it.meta["attachments"]] == ["Отчёт за ноябрь.pdf", "../../.bashrc"]
        path = await conn.download(it.external_id, tmp_path / "dl", index=0, where=dict(it.meta))
        assert path == tmp_path / "dl" / "Отчёт за ноябрь.pdf" and path.read_bytes() == PDF
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # The sender's name cannot leave the folder or hide as a dotfile.
        second = await conn.download(it.external_id, tmp_path / "dl", index=1, where=dict(it.meta))
        assert second == tmp_path / "dl" / "bashrc" and second.read_bytes() == CSV
        # Again: a new file beside the first, never over it.
        again = await conn.download(it.external_id, tmp_path / "dl", index=0, where=dict(it.meta))
        assert again.name == "Отчёт за ноябрь (2).pdf" and path.read_bytes() == PDF
        admin.select_folder(f, readonly=True)
        flags = admin.fetch(admin.search("ALL"), ["FLAGS"])
        assert all(b"\\Seen" not in v[b"FLAGS"] for v in flags.values())
        with pytest.raises(SourceError, match="2 attachment"):
            await conn.download(it.external_id, tmp_path / "dl", index=2, where=dict(it.meta))
    finally:
        await conn.aclose()


@pytest.mark.dovecot
async def test_imap_finds_a_moved_message_by_its_id_and_refuses_a_stale_uid(
        dovecot: Dovecot, admin: IMAPClient, tmp_path: Path) -> None:
    f, other = folder(admin), folder(admin, "Archive")
    admin.append(f, _mail("<att-2@client.ru>"))
    conn = connector(dovecot, [f, other])
    try:
        (it,), _cur, _ = await drain(conn, None)
        where = dict(it.meta)
        # The client's mail program moved it to the archive, and the stored UID names a
        # different mail now (as after a folder was rebuilt with the same UIDVALIDITY).
        admin.select_folder(f)
        admin.move(admin.search("ALL"), other)
        admin.append(f, _mail("<someone-else@client.ru>", pdf=b"%PDF-1.4 not this one"))
        admin.select_folder(f)
        (stranger,) = admin.search("ALL")
        stale = {**where, "uid": int(stranger)}
        path = await conn.download(it.external_id, tmp_path, index=0, where=stale)
        assert path.read_bytes() == PDF
        admin.select_folder(other)
        admin.delete_messages(admin.search("ALL"))
        admin.expunge()
        with pytest.raises(SourceError, match="no longer in the mailbox"):
            await conn.download(it.external_id, tmp_path, index=0, where=where)
    finally:
        await conn.aclose()


def _maildir(path: Path) -> MaildirConnector:
    ctx = SourceContext(account="box", kind="maildir", options={"path": str(path)}, secret=lambda _k: None,
                        me_name="Anna", me_emails=(USER,))
    return MaildirConnector(ctx)


async def test_maildir_saves_the_attachment_after_the_file_was_renamed(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    key = write_message(box, _mail("<att-3@client.ru>"))
    conn = _maildir(box)
    (it,) = (await conn.fetch(None)).items
    where = dict(it.meta)
    # Read in another mail program: moved to cur/ with the S flag (a new file name).
    md = mailbox.Maildir(os.fspath(box), factory=None)
    msg = md[key]
    msg.set_subdir("cur")
    msg.add_flag("S")
    md[key] = msg
    path = await conn.download(it.external_id, tmp_path / "dl", index=0, where=where)
    assert path.read_bytes() == PDF
    # Even with no hint at all, the id finds it.
    assert (await conn.download(it.external_id, tmp_path / "dl", index=1, where={})).read_bytes() == CSV
    for k in list(md.keys()):
        md.remove(k)
    with pytest.raises(SourceError, match="no longer in the mailbox"):
        await conn.download(it.external_id, tmp_path / "dl", index=0, where=where)
    await conn.aclose()
