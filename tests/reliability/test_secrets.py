"""Secrets never leave keyring/memory: a full demo session, then grep every trace for every token.

Session: ``Workspace.open(demo=True)`` (sandbox Trello + Telegram + Maildir/SMTP through the
real connectors), logging at DEBUG to a file (httpx and httpcore included), sync, a reply,
an escalation, then a revoked Trello token and a removed Telegram bot (fatal errors whose
messages reach the status, the DB and the log).  Then grep the DB (+ -wal/-shm), the log,
the config, the sandboxes' request logs, and the output of a sync child SIGKILLed
mid-request, for every token: 0 hits.  The data dir is 0700 and the DB files 0600.
"""

from __future__ import annotations

import asyncio
import logging
import stat
import time
from pathlib import Path

from inscope.workspace import Workspace
from sandbox.demo import services as demo
from tests.helpers import demo_services
from tests.reliability.world import BOT_TOKEN as REL_BOT
from tests.reliability.world import TRELLO_KEY as REL_KEY
from tests.reliability.world import TRELLO_TOKEN as REL_TOKEN
from tests.reliability.world import ChildRun, Sandboxes

DEMO_SECRETS = [demo.TRELLO_KEY, demo.TRELLO_TOKEN, demo.BOT_TOKEN, demo.BOT_TOKEN.split(":", 1)[1]]


def _hits(blob: bytes, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s.encode() in blob]


def test_demo_session_leaves_no_token_anywhere(tmp_path: Path) -> None:
    log_path = tmp_path / "session.log"
    handler = logging.FileHandler(log_path)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in ("httpx", "httpcore", "inscope", "connectors"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    ws = Workspace.open(home=tmp_path / "home", demo=True, demo_size=120)
    try:
        svc = demo_services(ws)
        store = ws.store()
        engine = ws.engine(store)

        async def session() -> None:
            await engine.sync_all()
            tids = [r[0] for r in store.view_index("all")]
            assert tids, "the demo synced nothing"
            store.queue_reply(tids[0], "reply from the secrets test")
            ws.actions(store).escalate([tids[1]], "please call the client")
            await engine.sync_all()
            # Revoke the Trello token and remove the bot: fatal, visible errors.
            with svc.trello.lock:
                for m in svc.trello.members.values():
                    if m.token == demo.TRELLO_TOKEN:
                        m.token = "revoked-elsewhere"
            with svc.telegram._lock:
                svc.telegram.bots.pop(demo.BOT_TOKEN)
            for st in engine.status.values():
                st.next_try = 0
            report = await engine.sync_all()
            assert {"trello", "telegram"} <= set(report.errors), report.errors
            await engine.aclose()

        asyncio.run(session())
        accounts = {a["name"]: a for a in store.accounts()}
        assert accounts["trello"]["disabled"] and accounts["trello"]["last_error"]
        store.close()
        # What the sandboxes saw in URLs and parameters.
        urls = "\n".join(f"{r.method} {r.path}?{r.query}" for r in svc.trello.requests)
        params = "\n".join(f"{r.method} {r.params}" for r in svc.telegram.requests)
        assert svc.trello.requests and svc.telegram.requests
    finally:
        ws.close()
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    traces: dict[str, bytes] = {"log": log_path.read_bytes(), "urls": urls.encode(),
                                "tg-params": params.encode(),
                                "config": ws.config_path.read_bytes()}
    for p in ws.home.glob("inscope.db*"):
        traces[p.name] = p.read_bytes()
    assert len(traces["log"]) > 1000, "DEBUG logging captured nothing: the grep would prove nothing"
    leaks = {name: _hits(blob, DEMO_SECRETS) for name, blob in traces.items()}
    assert not any(leaks.values()), leaks
    # Permissions: data dirs 0700, DB and its side files 0600.
    for d in (tmp_path / "home", ws.home):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    for p in ws.home.glob("inscope.db*"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_crash_output_of_a_killed_child_has_no_token(tmp_path: Path) -> None:
    """stdout/stderr of sync children SIGKILLed mid-request (and one stalled by a slow server)."""
    sb = Sandboxes(tmp_path, seed=3)
    db = tmp_path / "inscope.db"
    blobs: list[bytes] = []
    try:
        sb.grow(20)
        sb.trello.faults.slow(3, 0.5)
        sb.tg.fault("slow", count=3, delay=0.5)
        for i in range(4):
            child = ChildRun(tmp_path, sb.spec(), db, tag=f"s{i}")
            child.wait_ready()
            time.sleep(0.05 + 0.1 * i)
            child.kill()
            blobs += [child.out_path.read_bytes(), child.err_path.read_bytes()]
        # A child whose sources all fail (bad token for Trello) logs its error text.
        bad = Sandboxes.secrets()
        bad["trello"]["token"] = REL_TOKEN + "-wrong"
        child = ChildRun(tmp_path, sb.spec(), db, tag="bad", secrets=bad)
        child.wait_ready()
        time.sleep(0.5)
        child.kill()
        blobs += [child.out_path.read_bytes(), child.err_path.read_bytes()]
    finally:
        sb.close()
    secrets = [REL_KEY, REL_TOKEN, REL_BOT, REL_BOT.split(":", 1)[1]]
    assert b"trello" in b"".join(blobs)  # the error reached the output: the grep looks at something
    assert not _hits(b"".join(blobs), secrets)
    with sb.trello.lock:
        urls = "\n".join(f"{r.path}?{r.query}" for r in sb.trello.requests)
    assert not _hits(urls.encode(), secrets)
