"""The sandboxes of the crash tests, living in the parent (pytest) process.

``Sandboxes`` starts the sandbox Trello and Telegram servers on loopback, a Maildir and
an SMTP sink; ``grow`` adds client messages between child runs (so every child has
work to be killed in); ``queue_replies`` puts replies in the outbox; ``check`` compares
the database with what the sandboxes hold and counts what was posted on the remote
side.  ``ChildRun`` starts ``tests.reliability.runner`` and kills it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from connectors.email.maildir import write_message
from connectors.email.mime import normalize_msgid
from inscope.store import Store
from sandbox.server import ServerThread
from sandbox.smtp_sink import SmtpSink
from sandbox.telegram_server import TelegramWorld
from sandbox.telegram_server import create_app as tg_app
from sandbox.trello_server import Limits, Member, TrelloWorld
from sandbox.trello_server import create_app as trello_app

REPO = Path(__file__).resolve().parents[2]
TRELLO_KEY = "rel-trello-key-5a7c"
TRELLO_TOKEN = "rel-trello-token-9f31d2"
BOT_TOKEN = "4242424242:RelBotTokenZZZZyyyyXXXXwwww"
SMTP_DOMAIN = "agency.test"
ME_EMAIL = f"me@{SMTP_DOMAIN}"
TG_CHATS = (-1001001, -1001002, -1001003)
STRICT_OWN_MESSAGE = True
"""A sent reply whose own message is missing from its thread is a failure (finding B1,
fixed: ``Store.record_sent`` is one transaction).  False would only report it."""


@dataclass
class Problems:
    """What ``check`` found; every list must be empty."""

    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    counters: list[str] = field(default_factory=list)
    # Replies marked sent whose own message never reached the thread (finding B1).
    own_missing: list[str] = field(default_factory=list)
    items_checked: int = 0
    replies_checked: int = 0
    unknown: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.replies or self.counters)

    def __str__(self) -> str:
        return (f"lost={self.lost[:10]} duplicated={self.duplicated[:10]} "
                f"replies={self.replies[:10]} counters={self.counters[:10]}")


class Sandboxes:
    """Trello + Telegram sandboxes, a Maildir and an SMTP sink, seeded and growable."""

    def __init__(self, tmp: Path, *, kinds: tuple[str, ...] = ("trello", "telegram", "maildir"),
                 seed: int = 1) -> None:
        self.tmp = tmp
        self.kinds = kinds
        self.rng = random.Random(seed)
        self.n = 0
        # Trello: my member, a client, three boards with three cards each.
        # Rate limits are not under test here (many short-lived children share one token).
        self.trello = TrelloWorld(limits=Limits(key_max=10**6, token_max=10**6, members_max=10**6))
        self.me: Member = self.trello.add_member("me_seo", "Me", token=TRELLO_TOKEN, key=TRELLO_KEY)
        self.client = self.trello.add_member("client", "Client")
        self.cards: list[str] = []
        for b in range(3):
            board = self.trello.add_board(f"Board {b}", members=[self.me.id, self.client.id])
            for c in range(3):
                self.cards.append(self.trello.add_card(board, f"Card {b}.{c}", members=[self.me.id]).id)
        # Telegram: the bot in three supergroups.
        self.tg = TelegramWorld()
        self.tg.add_bot(BOT_TOKEN, "rel_bot", "Rel bot")
        for cid in TG_CHATS:
            self.tg.add_chat(cid, f"Chat {cid}", type="supergroup")
        # E-mail: an inbox Maildir, a Sent Maildir, an SMTP sink.
        self.maildir = tmp / "maildir"
        self.sent = tmp / "sent"
        self.maildir_ids: set[str] = set()
        self.sink = SmtpSink().start()
        self.servers = [ServerThread(trello_app(self.trello)).start(),
                        ServerThread(tg_app(self.tg)).start()]
        self.trello_url = self.servers[0].url + "/1"
        self.tg_url = self.servers[1].url

    def close(self) -> None:
        for s in self.servers:
            s.stop()
        self.sink.stop()

    # -- what the child gets ------------------------------------------------------------

    def spec(self, *, trello_url: str | None = None, tg_url: str | None = None) -> dict[str, Any]:
        """Accounts for ``tests.reliability.runner``; small pages so one sync is many batches."""
        accs: list[dict[str, Any]] = []
        if "trello" in self.kinds:
            accs.append({"name": "trello", "kind": "trello", "options": {
                "api_base": trello_url or self.trello_url, "max_pages": 1, "timeout": 5,
                "token_limit": 10**6, "key_limit": 10**6, "members_limit": 10**6,
                "recheck_every": 3600}})
        if "telegram" in self.kinds:
            accs.append({"name": "telegram", "kind": "telegram", "options": {
                "api_base": tg_url or self.tg_url, "poll_timeout": 0, "limit": 4,
                "pace_chat_seconds": 0, "group_per_minute": 100000}})
        if "maildir" in self.kinds:
            accs.append({"name": "mail", "kind": "maildir", "options": {
                "path": str(self.maildir), "sent_path": str(self.sent), "batch": 7,
                "smtp_host": "127.0.0.1", "smtp_port": self.sink.port, "smtp_tls": "none",
                "from": ME_EMAIL}})
        return {"accounts": accs, "me_name": "Me", "me_handles": ["me_seo"], "me_emails": [ME_EMAIL]}

    @staticmethod
    def secrets() -> dict[str, dict[str, str]]:
        return {"trello": {"key": TRELLO_KEY, "token": TRELLO_TOKEN}, "telegram": {"token": BOT_TOKEN}}

    # -- the world moves on -------------------------------------------------------------

    def grow(self, n: int) -> int:
        """Add ``n`` client messages to every source; returns how many were added."""
        added = 0
        for _ in range(n):
            self.n += 1
            k = self.n
            if "trello" in self.kinds:
                self.trello.add_comment(self.rng.choice(self.cards), self.client, f"client comment {k}")
                added += 1
            if "telegram" in self.kinds:
                self.tg.post(self.rng.choice(TG_CHATS), from_user={"id": 77, "first_name": "Ivan"},
                             text=f"client message {k}")
                added += 1
            if "maildir" in self.kinds:
                root = self.rng.randrange(4)
                msg = EmailMessage()
                mid = f"<m{k}@client.test>"
                msg["Message-ID"] = mid
                msg["From"] = "Ivan <ivan@client.test>"
                msg["To"] = f"Me <{ME_EMAIL}>"
                msg["Subject"] = f"Topic {root}"
                msg["Date"] = format_datetime(datetime.now(UTC))
                if k > 4:
                    msg["In-Reply-To"] = f"<m{root + 1}@client.test>"
                    msg["References"] = f"<m{root + 1}@client.test>"
                msg.set_content(f"client mail {k}")
                write_message(self.maildir, bytes(msg))
                self.maildir_ids.add(normalize_msgid(mid))
                added += 1
        return added

    def queue_replies(self, db: Path, per_account: int, tag: str, *, one_thread: bool = False) -> list[str]:
        """Queue ``per_account`` replies on random threads of each account (``one_thread``: all
        on the same thread, so they go out one after another); returns their markers."""
        store = Store(db)
        markers: list[str] = []
        try:
            for acc in ("trello", "telegram", "mail"):
                tids = [r[0] for r in store.conn.execute(
                    "SELECT id FROM threads WHERE account = ? ORDER BY id", (acc,))]
                fixed = self.rng.choice(tids) if tids and one_thread else None
                for i in range(per_account if tids else 0):
                    marker = f"RPL-{tag}-{acc}-{i}"
                    store.queue_reply(fixed or self.rng.choice(tids), f"reply {marker} ok")
                    markers.append(marker)
        finally:
            store.close()
        return markers

    # -- what the remote side holds -----------------------------------------------------

    def posted(self, marker: str) -> int:
        """How many times a reply with ``marker`` reached a sandbox (comment, bot message, mail)."""
        with self.trello.lock:
            n = sum(1 for a in self.trello.actions.values()
                    if a.type == "commentCard" and marker in a.text)
        for cid in TG_CHATS:
            n += sum(1 for m in self.tg.sent(cid) if marker in str(m.get("text", "")))
        n += sum(1 for m in list(self.sink.messages) if marker.encode() in m.data)
        return n

    def trello_ids(self) -> set[str]:
        with self.trello.lock:
            return {a.id for a in self.trello.actions.values() if a.type == "commentCard"}

    def telegram_human_ids(self) -> set[str]:
        out: set[str] = set()
        with self.tg._lock:
            for cid in TG_CHATS:
                for mid, m in self.tg.chats[cid].messages.items():
                    if not m.get("from", {}).get("is_bot"):
                        out.add(f"{cid}:{mid}")
        return out

    # -- the verdict ----------------------------------------------------------------------

    def check(self, db: Path) -> Problems:
        """Compare the DB with the sandboxes: items, replies, thread counters, FTS."""
        p = Problems()
        store = Store(db)
        try:
            c = store.conn
            have: dict[str, list[str]] = {}
            for acc, ext in c.execute("SELECT account, external_id FROM messages"):
                have.setdefault(acc, []).append(ext)
            rows = store.outbox(("queued", "sending", "sent", "failed", "unknown", "cancelled"))
            sent_ids: dict[str, set[str]] = {}
            for r in rows:
                p.replies_checked += 1
                marker = r.text.split()[1]
                n = self.posted(marker)
                if r.state == "sent":
                    sent_ids.setdefault(r.account, set()).add(r.remote_id or "")
                    if n != 1:
                        p.replies.append(f"{marker}: sent but posted {n} times")
                    if r.remote_id not in set(have.get(r.account, ())):
                        p.own_missing.append(f"{r.account}:{r.remote_id}")
                        if STRICT_OWN_MESSAGE:
                            p.replies.append(f"{marker}: sent, but our message is not in its thread")
                elif r.state == "unknown":
                    p.unknown[r.account] = p.unknown.get(r.account, 0) + 1
                    if n > 1:
                        p.replies.append(f"{marker}: unknown and posted {n} times")
                    if r.account == "trello":
                        p.replies.append(f"{marker}: unknown on Trello, which can be checked")
                    if r.account == "mail" and not any(self.sent.glob("tmp/inscope-*")):
                        p.replies.append(f"{marker}: unknown on e-mail without a pending Sent file")
                else:
                    p.replies.append(f"{marker}: left {r.state} ({r.last_error})")
            expected: dict[str, set[str]] = {}
            if "trello" in self.kinds:
                expected["trello"] = self.trello_ids()
            if "telegram" in self.kinds:
                expected["telegram"] = self.telegram_human_ids() | sent_ids.get("telegram", set())
            if "maildir" in self.kinds:
                expected["mail"] = self.maildir_ids | sent_ids.get("mail", set())
            for acc, want in expected.items():
                got = have.get(acc, [])
                p.items_checked += len(want)
                p.lost += [f"{acc}:{x}" for x in sorted(want - set(got))
                           if STRICT_OWN_MESSAGE or f"{acc}:{x}" not in p.own_missing]
                p.duplicated += [f"{acc}:{x} (not in the sandbox)" for x in sorted(set(got) - want)]
                if len(got) != len(set(got)):
                    p.duplicated.append(f"{acc}: {len(got) - len(set(got))} duplicate rows")
            # Incrementally kept counters and the bulk-fed FTS index must match a recount.
            for tid, kept, real in c.execute(
                    "SELECT t.id, t.msg_count, (SELECT count(*) FROM messages m WHERE m.thread_id = t.id "
                    "AND m.deleted = 0) FROM threads t"):
                if kept != real:
                    p.counters.append(f"thread {tid}: msg_count {kept} != {real}")
            n_msgs = c.execute("SELECT count(*) FROM messages").fetchone()[0]
            n_fts = c.execute("SELECT count(*) FROM messages_fts_docsize").fetchone()[0]
            if n_msgs != n_fts:
                p.counters.append(f"FTS has {n_fts} rows for {n_msgs} messages")
            if c.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                p.counters.append("integrity_check failed")
        finally:
            store.close()
        return p


class ChildRun:
    """One ``python -m tests.reliability.runner`` child; stdout/stderr go to files."""

    def __init__(self, tmp: Path, spec: dict[str, Any], db: Path, *, tag: str,
                 kill_at: str = "", secrets: dict[str, dict[str, str]] | None = None) -> None:
        spec_path = tmp / "spec.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        self.out_path = tmp / f"child-{tag}.out"
        self.err_path = tmp / f"child-{tag}.err"
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO)
        env["RELIABILITY_SECRETS"] = json.dumps(secrets if secrets is not None else Sandboxes.secrets())
        env["RELIABILITY_KILL_AT"] = kill_at
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.reliability.runner", str(spec_path), str(db), "--until-done"],
                stdout=out, stderr=err, cwd=REPO, env=env)

    def output(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while "ready" not in self.output():
            if self.proc.poll() is not None:
                raise AssertionError(f"child exited {self.proc.returncode}: "
                                     f"{self.err_path.read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError("child never got ready")
            time.sleep(0.005)

    def kill(self) -> bool:
        """SIGKILL; True if the child was still working (not yet ``done``)."""
        alive = self.proc.poll() is None
        if alive:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        return alive and "done" not in self.output()

    def wait(self, timeout: float = 120.0) -> int:
        return self.proc.wait(timeout=timeout)
