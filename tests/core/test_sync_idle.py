"""The sync loop acts on IMAP IDLE at once: new mail lands long before the poll interval."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from connectors.base import SourceContext
from connectors.email import imap
from inscope.store import Store
from inscope.sync import Hooks, SyncEngine
from sandbox.dovecot import PASSWORD, USER, Dovecot
from tests.requires import dovecot_or_skip

CORPUS = Path(__file__).resolve().parents[1] / "connectors" / "email_corpus"
pytestmark = pytest.mark.dovecot


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot(dovecot_or_skip()).start()
    yield server
    server.stop()


async def test_new_mail_is_synced_on_idle_not_on_the_interval(dovecot: Dovecot, tmp_path: Path) -> None:
    admin = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    admin.login(USER, PASSWORD)
    admin.create_folder("IdleLoop")
    admin.append("IdleLoop", (CORPUS / "01_koi8r_encoded_words.eml").read_bytes())
    ctx = SourceContext(account="work", kind="imap", secret={"password": PASSWORD}.get,
                        options={"host": dovecot.host, "port": dovecot.port, "tls": "none", "user": USER,
                                 "folders": ["IdleLoop"], "sync_sent": False, "idle_renew": 5})
    store = Store(tmp_path / "inscope.db")
    store.sync_projects([("P", "active")])
    eng = SyncEngine(store, {"work": imap.build(ctx)},
                     Hooks(project_of=lambda it: "P", role_of=lambda it: "client", triage=lambda: None))
    stop = asyncio.Event()
    task = asyncio.create_task(eng.run_forever(lambda r: None, interval=120, stop=stop))

    def count() -> int:
        return int(store.conn.execute("SELECT count(*) FROM messages").fetchone()[0])

    async def until(n: int, seconds: float) -> float:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        while count() < n:
            assert loop.time() - t0 < seconds, f"{count()} messages after {seconds} s"
            await asyncio.sleep(0.05)
        return loop.time() - t0

    try:
        await until(1, 10)
        await asyncio.sleep(0.5)  # the loop is now IDLEing (interval 120 s)
        await asyncio.to_thread(admin.append, "IdleLoop",
                                (CORPUS / "11_multipart_alternative.eml").read_bytes())
        took = await until(2, 10)
        assert took < 5, "synced on the IDLE wake-up, not after the 120 s interval"
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await eng.aclose()
        admin.logout()
