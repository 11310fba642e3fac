"""The local services behind the demo's accounts, started with the demo workspace.

The demo needs no credentials and no network.  Its Trello part is served by the
sandbox Trello server, its Telegram part by the sandbox Bot API server (both on
real loopback sockets), its e-mail part is a Maildir plus an in-process SMTP
sink — and all three go through the real connectors, sync path and store.

The world is regenerated on every start from the seed and the anchor time in
the demo config, so ids and cursors stay valid.  What the user *sent* in earlier
sessions (Trello comments, bot messages) is kept in a journal and replayed in
time order, so the sandboxes come back exactly as they were.  Messages dated
after "now" are delivered when their time comes: the demo's clients answer
while you work.

The servers' libraries (starlette, uvicorn, aiosmtpd: the ``demo`` extra) are
imported at the top, so a missing extra shows when this module is imported.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.email.maildir import write_message
from inscope.config import AccountCfg, Config
from inscope.secrets import drop_session_secrets, set_session_secret
from sandbox.demo.setup import demo_params, serves_locally
from sandbox.demo.wire import email_bytes, tg_user, tg_user_id
from sandbox.demo.world import DemoMessage, World, generate
from sandbox.server import ServerThread
from sandbox.smtp_sink import SmtpSink
from sandbox.telegram_server import TelegramWorld
from sandbox.telegram_server import create_app as tg_app
from sandbox.trello_server import create_app as trello_app
from sandbox.trello_server import seed_from_demo

TRELLO_KEY = "demo-trello-key"
TRELLO_TOKEN = "demo-trello-token-0000"
BOT_TOKEN = "700100200:DemoBotTokenAAAAbbbbCCCCdddd"
BOT_USERNAME = "inscope_agency_bot"


class DemoServices:
    """Local services behind the demo's accounts (started with the workspace, stopped on close)."""

    def __init__(self, home: Path, world: World):
        self.home = home
        self.world = world
        self.journal = home / "demo-journal.jsonl"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._servers: list[Any] = []
        self._sink: Any = None
        self._tw: Any = None
        self._tgw: Any = None
        self._pending: list[DemoMessage] = []
        self._tg_ids: dict[int, int] = {}  # world idx → telegram message id
        self._first_email: dict[str, int] = {}
        self._lock = threading.Lock()
        self._wired: list[str] = []  # accounts given this process's sandbox secrets

    # -- what tests and benchmarks look at -----------------------------------------------

    @property
    def trello(self) -> Any:
        """The Trello sandbox's world (``sandbox.trello_server.TrelloWorld``)."""
        return self._tw

    @property
    def telegram(self) -> Any:
        """The Bot API sandbox's world (``sandbox.telegram_server.TelegramWorld``)."""
        return self._tgw

    @property
    def sink(self) -> Any:
        """The SMTP sink replies are delivered to (``sandbox.smtp_sink.SmtpSink``)."""
        return self._sink

    # -- start/stop ---------------------------------------------------------------------

    @classmethod
    def start(cls, home: Path, cfg: Config) -> DemoServices | None:
        """Start the sandboxes for a sandbox-backed demo config and point its accounts at them."""
        params = demo_params(cfg)
        if params is None or not serves_locally(cfg):
            return None
        size, seed, anchor = params
        svc = cls(home, generate(size, seed, anchor))
        svc._start(cfg)
        return svc

    def _start(self, cfg: Config) -> None:
        now = datetime.now(UTC)
        journal = self._read_journal()
        # Trello: the real connector against the sandbox server (future comments arrive on time).
        self._tw = seed_from_demo(self.world, key=TRELLO_KEY, token=TRELLO_TOKEN)
        me = next(m for m in self._tw.members.values() if m.username == self.world.me.handle)
        for rec in journal:
            if rec["kind"] == "trello":
                self._tw.add_comment(rec["card"], me, rec["text"], at=datetime.fromisoformat(rec["at"]),
                                     oid=rec["id"])
        self._tw.on_comment = self._trello_posted
        # Telegram: the bot, one supergroup per project, a private chat per account manager.
        self._tgw = TelegramWorld()
        self._tgw.add_bot(BOT_TOKEN, BOT_USERNAME, "Agency bot")
        for p in self.world.projects:
            self._tgw.add_chat(p.chat_id, f"{p.name} · SEO", type="supergroup")
        for am in self.world.ams:
            self._tgw.add_chat(tg_user_id(am), am.name.split()[0], type="private")
        due = [m for m in self.world.messages if m.at <= now]
        self._pending = [m for m in self.world.messages if m.at > now]
        tg_events: list[tuple[datetime, int, Any]] = [(m.at, 0, m) for m in due if m.channel == "telegram"]
        tg_events += [(datetime.fromisoformat(r["at"]), 1, r) for r in journal if r["kind"] == "telegram"]
        tg_events.sort(key=lambda e: (e[0], e[1]))
        for _at, kind, ev in tg_events:
            if kind == 0:
                self._post_telegram(ev)
            else:
                self._tgw.post(int(ev["chat_id"]), from_user={"id": 700100200, "is_bot": True,
                                                               "first_name": "Agency bot",
                                                               "username": BOT_USERNAME},
                               text=ev["text"], at=datetime.fromisoformat(ev["at"]))
        self._patch_bot_sends()
        # E-mail: a Maildir the connector scans, and an SMTP sink that accepts replies.
        maildir = self.home / "demo-maildir"
        written = self.home / "demo-maildir.written"
        done = set(written.read_text().split()) if written.exists() else set()
        for m in self.world.messages:
            if m.channel == "email" and m.conv_key not in self._first_email:
                self._first_email[m.conv_key] = m.idx
        new_done: list[str] = []
        for m in due:
            if m.channel == "email" and str(m.idx) not in done:
                write_message(maildir, email_bytes(self.world, m, self._first_email), seen=m.author.role == "me")
                new_done.append(str(m.idx))
        if new_done:
            with written.open("a") as f:
                f.write("\n".join(new_done) + "\n")
        self._sink = SmtpSink().start()
        for srv in (ServerThread(trello_app(self._tw)), ServerThread(tg_app(self._tgw))):
            self._servers.append(srv.start())
        # Point the accounts at what just started; secrets live only in this process.
        for a in cfg.accounts:
            self._wire(a, maildir)
        self._thread = threading.Thread(target=self._deliver_loop, name="demo-clock", daemon=True)
        self._thread.start()

    def _wire(self, a: AccountCfg, maildir: Path) -> None:
        self._wired.append(a.name)
        if a.kind != "demo":
            # The world's parameters ride on the first account of the demo config; they
            # are the demo's, not options of that account's connector.
            for key in ("seed", "anchor", "size"):
                a.options.pop(key, None)
        if a.options.get("api_base") == "demo:trello":
            a.options["api_base"] = self._servers[0].url + "/1"
            set_session_secret(a.name, "key", TRELLO_KEY)
            set_session_secret(a.name, "token", TRELLO_TOKEN)
        elif a.options.get("api_base") == "demo:telegram":
            a.options["api_base"] = self._servers[1].url
            set_session_secret(a.name, "token", BOT_TOKEN)
        elif a.options.get("path") == "demo:maildir":
            a.options["path"] = str(maildir)
            a.options["sent_path"] = str(self.home / "demo-sent")
            a.options["smtp_port"] = self._sink.port
            a.options["from"] = self.world.me.email

    def stop(self) -> None:
        """Stop the delivery clock, the servers and the SMTP sink."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for srv in self._servers:
            srv.stop()
        self._servers.clear()
        if self._sink is not None:
            self._sink.stop()
            self._sink = None
        for name in self._wired:  # the sandbox tokens live exactly as long as the sandboxes
            drop_session_secrets(name)
        self._wired.clear()

    # -- the running demo -------------------------------------------------------------------

    def _post_telegram(self, m: DemoMessage) -> None:
        reply = self._tg_ids.get(m.reply_to) if m.reply_to is not None else None
        msg = self._tgw.post(int(m.conv_key), from_user=tg_user(m.author), text=m.text, at=m.at,
                             reply_to=reply)
        self._tg_ids[m.idx] = int(msg["message_id"])

    def _deliver_loop(self) -> None:
        """Deliver messages whose time has come (Trello's sandbox hides future comments itself)."""
        while not self._stop.wait(2.0):
            now = datetime.now(UTC)
            with self._lock:
                due = [m for m in self._pending if m.at <= now]
                self._pending = [m for m in self._pending if m.at > now]
            for m in due:
                if m.channel == "telegram":
                    self._post_telegram(m)
                elif m.channel == "email":
                    write_message(self.home / "demo-maildir", email_bytes(self.world, m, self._first_email))
                    with (self.home / "demo-maildir.written").open("a") as f:
                        f.write(f"{m.idx}\n")

    def _read_journal(self) -> list[dict[str, Any]]:
        if not self.journal.exists():
            return []
        out = []
        for line in self.journal.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a torn last line: that post is re-sent or reconciled by the outbox
        return out

    def _log(self, rec: dict[str, Any]) -> None:
        with self._lock, self.journal.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _trello_posted(self, action: Any) -> None:
        self._log({"kind": "trello", "card": action.card_id, "text": action.text, "id": action.id,
                   "at": action.date.isoformat()})

    def _patch_bot_sends(self) -> None:
        world = self._tgw
        original = world.send_message
        services = self

        def send_message(bot: Any, p: dict[str, Any]) -> Any:
            msg = original(bot, p)
            services._log({"kind": "telegram", "chat_id": msg["chat"]["id"], "text": msg["text"],
                           "at": datetime.fromtimestamp(msg["date"], UTC).isoformat()})
            return msg

        world.send_message = send_message

