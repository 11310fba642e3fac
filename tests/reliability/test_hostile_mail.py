"""Hostile mail: bounded cost, bounded storage, and a forged "From: me" answers nothing.

- 20,000 encoded words in a Subject (580 KB) once cost 5.7 GB in the stdlib's structured
  header parse; 50,000 References 12 s of CPU; a 21 MB mail added 21 MB to the database.
  Now each header is bounded before it is parsed and only what the inbox needs is stored.
- ``From: <my address>`` is public: a client's mail claiming it must not mark their thread
  answered (and drop it from the Inbox) unless it is verifiably mine.
"""

from __future__ import annotations

import time
import tracemalloc
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.base import SourceContext
from connectors.email import mime
from connectors.email.common import verified_mine
from connectors.email.maildir import MaildirConnector, write_message
from inscope.workspace import Workspace

WORD = "=?utf-8?b?0J/RgNC40LLQtdGC?="
ME = "daria@north-digital.ru"


def _raw(headers: str) -> bytes:
    return ("From: a@client.ru\r\nMessage-ID: <x@client.ru>\r\n" + headers + "\r\n\r\nbody\r\n").encode()


@pytest.mark.parametrize(("what", "raw"), [
    ("20,000 encoded words in a Subject", _raw("Subject: " + "\r\n ".join([WORD] * 20000))),
    ("50,000 References", _raw("References: " + "\r\n ".join(f"<r{i}@ex.com>" for i in range(50000)))),
    ("20,000 addresses in To", _raw("To: " + ",\r\n ".join(f"{WORD} <u{i}@ex.com>" for i in range(20000)))),
])
def test_a_huge_header_costs_little(what: str, raw: bytes) -> None:
    tracemalloc.start()
    t0 = time.process_time()
    p = mime.parse(raw)
    cpu = time.process_time() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert cpu < 3.0, f"{what}: {cpu:.1f} s of CPU"
    assert peak < 150 * 1024 * 1024, f"{what}: {peak / 1e6:.0f} MB"
    assert p.from_addr == "a@client.ru"
    if "References" in what:
        assert len(p.references) == mime.MAX_REFERENCES and p.references[0] == "<r0@ex.com>"
        assert p.references[-1] == "<r49999@ex.com>"  # the root and the newest are kept


def _mail(sender: str, text: str, *, mid: str, received: bool = True, auth: str = "",
          attachment: bytes = b"") -> bytes:
    m = EmailMessage()
    if received:
        m["Received"] = "from mx.client.ru (mx.client.ru [192.0.2.7]) by mx.north-digital.ru"
    if auth:
        m["Authentication-Results"] = auth
    m["From"] = sender
    m["To"] = f"Дарья <{ME}>"
    m["Subject"] = "Re: Отчёт за ноябрь"
    m["Message-ID"] = mid
    m["In-Reply-To"] = "<q1@client.ru>"
    m["References"] = "<q1@client.ru>"
    m["Date"] = "Tue, 24 Nov 2026 10:05:00 +0300"
    m.set_content(text)
    if attachment:
        m.add_attachment(attachment, maintype="application", subtype="octet-stream",
                         filename="выгрузка.zip")
    return bytes(m)


def _question() -> bytes:
    m = EmailMessage()
    m["Received"] = "from mx.client.ru by mx.north-digital.ru"
    m["From"] = "Иван <ivan@client.ru>"
    m["To"] = ME
    m["Subject"] = "Отчёт за ноябрь"
    m["Message-ID"] = "<q1@client.ru>"
    m["Date"] = "Tue, 24 Nov 2026 10:00:00 +0300"
    m.set_content("Дарья, когда будет отчёт?")
    return bytes(m)


def _sync(home: Path, box: Path) -> Workspace:
    (home / "config.toml").write_text(
        f'[me]\nname = "Дарья"\nemails = ["{ME}"]\n\n[windows]\nreply = []\n\n'
        f'[[accounts]]\nname = "mail"\nkind = "maildir"\npath = "{box}"\n\n'
        '[[projects]]\nname = "Клиент"\nemail_domains = ["client.ru"]\n', encoding="utf-8")
    ws = Workspace.open(home=home, config_path=home / "config.toml")
    store = ws.store()
    import asyncio

    asyncio.run(ws.engine(store).sync_all())
    store.close()
    return ws


def test_a_21_mb_mail_adds_little_to_the_database(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    write_message(box, _question())
    home = tmp_path / "home"
    home.mkdir()
    ws = _sync(home, box)
    before = ws.db_path.stat().st_size
    write_message(box, _mail("Иван <ivan@client.ru>", "Выгрузка во вложении", mid="<big@client.ru>",
                             attachment=b"\x01" * (21 * 1024 * 1024)))
    ws = _sync(home, box)
    store = ws.store()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    grown = ws.db_path.stat().st_size - before
    raw_len, meta = store.conn.execute(
        "SELECT length(raw), meta FROM messages WHERE external_id = '<big@client.ru>'").fetchone()
    assert raw_len < 200_000 and grown < 2 * 1024 * 1024, (raw_len, grown)
    assert "выгрузка.zip" in meta  # the attachment is listed, its bytes stay in the mailbox
    store.close()


@pytest.mark.parametrize(("case", "kwargs", "mine"), [
    ("forged: delivered from outside, no pass", {"auth": "mx.north-digital.ru; dkim=none; spf=fail"}, False),
    ("forged: a pass for another domain", {"auth": "mx.north-digital.ru; dkim=pass header.d=evil.example"}, False),
    ("mine: DKIM pass for my domain", {"auth": "mx.north-digital.ru; dkim=pass header.d=north-digital.ru"}, True),
    ("mine: SPF pass for my domain", {"auth": f"mx.north-digital.ru; spf=pass smtp.mailfrom={ME}"}, True),
    ("mine: a copy my client filed (never delivered)", {"received": False}, True),
])
def test_a_forged_from_me_does_not_answer_the_thread(tmp_path: Path, case: str, kwargs: dict[str, object],
                                                     mine: bool) -> None:
    box = tmp_path / "Mail"
    write_message(box, _question())
    write_message(box, _mail(f"Дарья <{ME}>", "Отчёт уже у вас, всё сделано", mid="<f1@x>",
                             **kwargs))  # type: ignore[arg-type]
    home = tmp_path / "home"
    home.mkdir()
    ws = _sync(home, box)
    store = ws.store()
    (tid, _, _), = store.view_index("all")
    th = store.thread(tid)
    assert th.msg_count == 2
    assert (th.state == "answered") is mine, (case, th.state)
    role = store.conn.execute("SELECT role FROM messages WHERE external_id = '<f1@x>'").fetchone()[0]
    assert (role == "me") is mine, (case, role)
    store.close()


def test_the_sent_folder_and_our_own_outbox_are_mine() -> None:
    p = mime.parse(_mail(f"Дарья <{ME}>", "ответ", mid="<s1@x>", auth="mx; dkim=fail"))
    assert verified_mine(p, {"folder": "Отправленные"}, frozenset({"Отправленные"}), {ME})
    assert verified_mine(p, {"sent": True}, frozenset(), {ME})
    assert not verified_mine(p, {"folder": "INBOX"}, frozenset({"Отправленные"}), {ME})


def test_only_the_topmost_authentication_results_counts() -> None:
    # A sender can add an Authentication-Results of their own below the server's.
    m = EmailMessage()
    m["Received"] = "from mx.evil.example by mx.north-digital.ru"
    m["Authentication-Results"] = "mx.north-digital.ru; dkim=fail header.d=north-digital.ru"
    m["Authentication-Results"] = "forged; dkim=pass header.d=north-digital.ru"
    m["From"] = ME
    m.set_content("x")
    assert not verified_mine(mime.parse(bytes(m)), {}, frozenset(), {ME})


def test_the_maildir_connector_marks_an_unverified_from_me(tmp_path: Path) -> None:
    box = tmp_path / "Mail"
    write_message(box, _mail(f"Дарья <{ME}>", "x", mid="<f2@x>"))
    conn = MaildirConnector(SourceContext(account="mail", kind="maildir", options={"path": str(box)},
                                          secret=lambda n: None, me_emails=(ME,), data_dir=tmp_path))
    import asyncio

    (it,) = asyncio.run(conn.fetch(None)).items
    asyncio.run(conn.aclose())
    assert not it.author.is_me and it.meta.get("claims_me") is True


def test_a_megabyte_body_is_cut_and_says_so() -> None:
    body = ("строка лога " * 10 + "\n") * 40_000  # ~5 MB of pasted log
    raw = (b"From: ivan@client.ru\r\nTo: anna@north-digital.ru\r\nSubject: log\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.encode())
    p = mime.parse(raw)
    assert len(p.full_text) < mime.MAX_TEXT_CHARS + 100
    assert p.full_text.endswith("more characters in the mailbox]")
    assert "text-cut" in p.notes
