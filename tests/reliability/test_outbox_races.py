"""The outbox under attack: two processes, refusing servers, slow destinations, cut-off parts.

Everything here runs against the sandboxes over real loopback sockets (``Sandboxes``:
Trello and Bot API fakes, a Maildir and an SMTP sink) and a real workspace on disk; the
"second process" is a real ``inscope`` child process, so leases are checked across pids.

- a reply that one process is sending is never reconciled (and re-posted) by another;
- a loop that dies is restarted and reported;
- a reply the remote refuses for good brings its thread back to the Inbox, loudly;
- ``outbox --resend`` asks the remote first and never re-posts what arrived;
- one slow destination does not hold up the others, and a reply too long for its
  destination is refused (or, when it merely takes minutes, confirmed) before it is queued;
- a multi-part reply cut off midway resumes with the missing parts only, across engines.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inscope import lease
from inscope.actions import ActionError, NeedsConfirmation
from inscope.cli import main
from inscope.store import Store
from inscope.sync import SyncReport
from inscope.workspace import Workspace
from tests.reliability.world import (
    BOT_TOKEN,
    REPO,
    TG_CHATS,
    TRELLO_KEY,
    TRELLO_TOKEN,
    Sandboxes,
)


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandboxes]:
    s = Sandboxes(tmp_path, kinds=("trello", "telegram"))
    s.grow(4)
    yield s
    s.close()


def _config(sb: Sandboxes, home: Path, *, pace: float = 0.0) -> None:
    lines = []
    for acc in sb.spec()["accounts"]:
        opts = dict(acc["options"])
        if acc["kind"] == "telegram":
            opts["pace_chat_seconds"] = pace
        body = "\n".join(f"{k} = {json.dumps(v)}" for k, v in opts.items())
        lines.append(f'[[accounts]]\nname = "{acc["name"]}"\nkind = "{acc["kind"]}"\n{body}\n')
    lines.append('[windows]\nreply = []\n[me]\nhandles = ["me_seo"]\n')
    (home / "config.toml").write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def home(sb: Sandboxes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    _config(sb, home)
    for k, v in {"INSCOPE_HOME": str(home), "INSCOPE_TRELLO_KEY": TRELLO_KEY,
                 "INSCOPE_TRELLO_TOKEN": TRELLO_TOKEN, "INSCOPE_TELEGRAM_TOKEN": BOT_TOKEN}.items():
        monkeypatch.setenv(k, v)
    assert main(["sync", "--once"]) == 0
    return home


def _thread(store: Store, account: str) -> int:
    row = store.conn.execute("SELECT id FROM threads WHERE account = ? ORDER BY id LIMIT 1",
                             (account,)).fetchone()
    assert row is not None, account
    return int(row[0])


def _child(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inscope.cli", *args], cwd=REPO, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)


def test_a_reply_in_flight_is_never_reposted_by_a_second_process(sb: Sandboxes, home: Path) -> None:
    ws = Workspace.open()
    store = ws.store()
    tid = _thread(store, "trello")
    oid = ws.actions(store).reply(tid, "reply RPL-race-1 ok").outbox_id
    sb.trello.faults.slow(1, 4.0, match="/actions/comments")  # the POST takes 4 s to answer

    async def first_process() -> SyncReport:
        engine = ws.engine(store)
        rep = SyncReport()
        try:
            task = asyncio.ensure_future(engine.drain_outbox(rep))
            await asyncio.sleep(1.0)  # the POST is on the wire now, row `sending`
            # A second inscope (another pid) syncs once meanwhile — `reply`, `doctor`,
            # `sync --once` all reconcile leftovers first.
            second = await asyncio.to_thread(_child, "sync", "--once")
            assert "Traceback" not in second.stdout + second.stderr, second.stderr
            await task
        finally:
            await engine.aclose()
        return rep

    rep = asyncio.run(first_process())
    assert sb.posted("RPL-race-1") == 1, "posted twice"
    assert rep.sent == 1 and not rep.errors, rep.errors
    assert oid is not None and store.outbox_row(oid).state == "sent"
    store.close()
    ws.close()


def test_a_dead_outbox_loop_is_restarted_and_reported(sb: Sandboxes, home: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.open()
    store = ws.store()
    engine = ws.engine(store)
    calls = {"n": 0}
    real = engine.drain_outbox

    async def flaky(report: SyncReport) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("outbox row 1 is not being sent")
        await real(report)

    monkeypatch.setattr(engine, "drain_outbox", flaky)
    tid = _thread(store, "telegram")
    ws.actions(store).reply(tid, "reply RPL-loop-1 ok")
    rounds: list[SyncReport] = []

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.ensure_future(engine.run_forever(rounds.append, interval=0.2, stop=stop))
        for _ in range(100):
            await asyncio.sleep(0.1)
            if sb.posted("RPL-loop-1"):
                break
        stop.set()
        await task
        await engine.aclose()

    asyncio.run(run())
    assert any("the outbox loop stopped (RuntimeError" in e and "restarted" in e
               for r in rounds for e in r.errors.values()), [r.errors for r in rounds]
    assert sb.posted("RPL-loop-1") == 1
    store.close()
    ws.close()


def test_a_refused_reply_brings_the_thread_back_loudly(sb: Sandboxes, home: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    ws = Workspace.open()
    store = ws.store()
    tid = _thread(store, "telegram")
    chat = store.conversation_of(tid)[1]
    sb.tg.remove_bot(int(chat.split(":")[0]), BOT_TOKEN)  # kicked from the group: 403 for good
    capsys.readouterr()
    assert main(["reply", str(tid), "-m", "reply RPL-refused ok"]) == 1
    out = capsys.readouterr().out
    assert "failed" in out
    th = store.thread(tid)
    assert th.state == "open" and th.delivery_error, th
    assert main(["inbox", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    shown = {t["id"]: t for g in data["groups"] for t in g["threads"]}
    assert tid in shown and shown[tid]["delivery_error"]
    assert data["undelivered"] == 1
    assert main(["inbox"]) == 0
    assert "1 reply not delivered" in capsys.readouterr().out
    store.close()
    ws.close()


def test_resend_asks_the_remote_first_and_never_reposts_what_arrived(sb: Sandboxes, home: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    ws = Workspace.open()
    store = ws.store()
    tid = _thread(store, "trello")
    oid = ws.actions(store).reply(tid, "reply RPL-resend-1 ok").outbox_id
    assert oid is not None
    # The comment went out but the answer was lost, and the row ended up `unknown`.
    sb.trello.faults.truncate(1, match="/actions/comments")

    async def send() -> None:
        engine = ws.engine(store)
        await engine.drain_outbox(SyncReport())
        await engine.aclose()

    asyncio.run(send())
    store.conn.execute("UPDATE outbox SET state = 'unknown', lease_owner = NULL WHERE id = ?", (oid,))
    assert sb.posted("RPL-resend-1") == 1
    capsys.readouterr()
    assert main(["outbox", "--resend", str(oid)]) == 0
    assert "delivered after all" in capsys.readouterr().out
    assert sb.posted("RPL-resend-1") == 1 and store.outbox_row(oid).state == "sent"
    # A row another live process is sending is not resent at all.
    oid2 = ws.actions(store).reply(tid, "reply RPL-resend-2 ok").outbox_id
    assert oid2 is not None
    store.conn.execute("UPDATE outbox SET state = 'sending', lease_owner = ?, lease_at = ? WHERE id = ?",
                       (lease.identity(1), time.time(), oid2))  # pid 1 (init) is alive
    assert main(["outbox", "--resend", str(oid2)]) == 1
    assert "another inscope is sending it" in capsys.readouterr().err
    assert main(["outbox", "--resend", str(oid2), "--yes"]) == 1
    assert sb.posted("RPL-resend-2") == 0
    store.close()
    ws.close()


def test_one_slow_destination_does_not_hold_up_the_others(sb: Sandboxes, home: Path) -> None:
    ws = Workspace.open()
    store = ws.store()
    act = ws.actions(store)
    act.reply(_thread(store, "trello"), "reply RPL-slow-trello ok")
    act.reply(_thread(store, "telegram"), "reply RPL-fast-telegram ok")
    sb.trello.faults.slow(1, 3.0, match="/actions/comments")
    delivered: dict[str, float] = {}

    async def run() -> None:
        engine = ws.engine(store)
        t0 = time.monotonic()
        task = asyncio.ensure_future(engine.drain_outbox(SyncReport()))
        while not task.done():
            await asyncio.sleep(0.05)
            for m in ("RPL-slow-trello", "RPL-fast-telegram"):
                if m not in delivered and sb.posted(m):
                    delivered[m] = time.monotonic() - t0
        await task
        await engine.aclose()

    asyncio.run(run())
    assert delivered["RPL-fast-telegram"] < 1.0, delivered
    assert sb.posted("RPL-slow-trello") == 1
    store.close()
    ws.close()


def test_a_cut_off_multipart_reply_resumes_with_the_missing_parts_only(
        sb: Sandboxes, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = Workspace.open()
    store = ws.store()
    tid = _thread(store, "telegram")
    chat = int(store.conversation_of(tid)[1].split(":")[0])
    assert chat in TG_CHATS
    body = "\n\n".join(f"Раздел {i}. RPL-parts " + "текст " * 600 for i in range(4))  # 4 parts
    oid = ws.actions(store).reply(tid, body).outbox_id
    assert oid is not None
    before = len(sb.tg.sent(chat))
    sb.tg.fault("5xx", method="sendMessage", count=5, skip=2)  # parts 1–2 go, then the proxy fails

    async def attempt() -> SyncReport:
        engine = ws.engine(store)  # a fresh engine each time: nothing carried in memory
        rep = SyncReport()
        await engine.drain_outbox(rep)
        await engine.aclose()
        return rep

    asyncio.run(attempt())
    row = store.outbox_row(oid)
    # A 502 from a proxy is ambiguous: the row waits in `sending`, its two delivered parts
    # recorded in the store (not in a process's memory).
    assert row.state == "sending" and len(row.progress["parts"]) == 2, row
    sb.tg.clear_faults()
    rep = SyncReport()

    async def reconcile() -> None:  # a later engine: a bot cannot check, so `unknown`
        engine = ws.engine(store)
        await engine.reconcile_pending(rep)
        await engine.aclose()

    asyncio.run(reconcile())
    assert store.outbox_row(oid).state == "unknown" and rep.unknown == 1
    capsys.readouterr()
    assert main(["outbox", "--resend", str(oid)]) == 1  # asks, with the evidence
    assert "2 of 4 parts were delivered (only the rest would be sent)" in capsys.readouterr().err
    assert main(["outbox", "--resend", str(oid), "--yes"]) == 0
    assert store.outbox_row(oid).state == "sent"
    texts: list[Any] = [m["text"] for m in sb.tg.sent(chat)[before:]]
    assert [t.split(".")[0] for t in texts] == [f"Раздел {i}" for i in range(4)]  # none twice
    store.close()
    ws.close()


def test_a_reply_too_long_for_its_destination_is_refused_or_confirmed(sb: Sandboxes, home: Path) -> None:
    ws = Workspace.open()
    store = ws.store()
    act = ws.actions(store)
    card, chat = _thread(store, "trello"), _thread(store, "telegram")
    # Trello refuses a comment over 16,384 characters: say so before it is queued.
    with pytest.raises(ActionError, match="at most 16,384 characters"):
        act.reply(card, "а" * 16_385)
    # Eleven Telegram parts hold the chat for half a minute: only when confirmed.
    eleven = "б" * (4096 * 10 + 1)
    with pytest.raises(NeedsConfirmation, match="11 telegram messages"):
        act.reply(chat, eleven)
    # A megabyte would hold it for a quarter of an hour: refused outright.
    with pytest.raises(ActionError, match="shorten it or send a file or a link"):
        act.reply(chat, "в" * 1_250_000, confirmed=True)
    assert store.outbox() == []  # nothing was queued by the refusals
    assert act.reply(chat, eleven, confirmed=True).outbox_id is not None
    assert act.reply(card, "а" * 16_384).outbox_id is not None
    store.close()
    ws.close()
