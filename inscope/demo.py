"""The built-in demo workspace: config + the local services its accounts talk to.

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

``--demo-size`` above ``GENERATOR_ABOVE`` serves the same world through the
in-process demo connector instead (benchmarks build 100k-message workspaces
that way; parsing 30k e-mails would measure the MIME parser, not the inbox).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import tomllib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from inscope.config import AccountCfg, Config
from inscope.secrets import set_session_secret
from sandbox.demo_world import DemoMessage, Person, World, config_toml, generate

DEMO_SEED = 7
GENERATOR_ABOVE = 5000
TRELLO_KEY = "demo-trello-key"
TRELLO_TOKEN = "demo-trello-token-0000"
BOT_TOKEN = "700100200:DemoBotTokenAAAAbbbbCCCCdddd"
BOT_USERNAME = "inscope_agency_bot"


def _accounts(size: int, anchor: datetime) -> str:
    common = f"seed = {DEMO_SEED}\nanchor = \"{anchor.isoformat()}\"\nsize = {size}\n"
    if size > GENERATOR_ABOVE:
        return f'[[accounts]]\nname = "demo"\nkind = "demo"\n{common}'
    return (
        "# The demo's sources run locally; api_base and paths are filled in at start.\n"
        f'[[accounts]]\nname = "trello"\nkind = "trello"\napi_base = "demo:trello"\nrecheck_every = 120\n{common}\n'
        '[[accounts]]\nname = "telegram"\nkind = "telegram"\napi_base = "demo:telegram"\npoll_timeout = 0\n'
        "pace_chat_seconds = 0.2\n\n"
        '[[accounts]]\nname = "mail"\nkind = "maildir"\npath = "demo:maildir"\nsmtp_host = "127.0.0.1"\n'
        'smtp_tls = "none"\n'
    )


def demo_params(cfg: Config) -> tuple[int, int, datetime] | None:
    """(size, seed, anchor) recorded in the demo config."""
    for a in cfg.accounts:
        if "anchor" in a.options:
            return (int(a.options.get("size", 600)), int(a.options.get("seed", DEMO_SEED)),
                    datetime.fromisoformat(str(a.options["anchor"])))
    return None


def write_demo_config(home: Path, cfg_path: Path, size: int) -> None:
    """Write the demo config unless one for the same size exists (it is kept across runs)."""
    if cfg_path.exists():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
            sizes = [a.get("size") for a in data.get("accounts", []) if "anchor" in a]
            if sizes and sizes[0] == size:
                return
        except (tomllib.TOMLDecodeError, OSError):
            pass
        # A different size is a different world: start over so ids stay consistent.
        for p in [*home.glob("inscope.db*"), *home.glob("demo-*")]:
            if p.is_dir():
                import shutil

                shutil.rmtree(p)
            else:
                p.unlink()
    anchor = datetime.now(UTC).replace(microsecond=0)
    world = generate(size, DEMO_SEED, anchor)
    am_chats = {am.handle: str(_tg_user_id(am)) for am in world.ams}
    text = config_toml(world, _accounts(size, anchor))
    # Account managers are reached by the bot in a private chat: Telegram needs the numeric id.
    for handle, uid in am_chats.items():
        text = text.replace(f'telegram = "{handle}"', f'telegram = "{uid}"')
    cfg_path.write_text(text, encoding="utf-8")
    cfg_path.chmod(0o600)


def _tg_user_id(p: Person) -> int:
    return 100_000_000 + int(hashlib.sha1(p.id.encode()).hexdigest()[:7], 16)


def _tg_user(p: Person) -> dict[str, Any]:
    first, _, last = p.name.partition(" ")
    u: dict[str, Any] = {"id": _tg_user_id(p), "is_bot": False, "first_name": first, "username": p.handle}
    if last:
        u["last_name"] = last
    return u


def _email_bytes(world: World, m: DemoMessage, first_of_conv: dict[str, int]) -> bytes:
    proj = next(p for p in world.projects if p.name == m.project)
    msg = EmailMessage()
    root = m.conv_key
    own_id = root if first_of_conv.get(root) == m.idx else f"<demo-{world.seed}-{m.idx}@{m.author.email.split('@')[1]}>"
    msg["Message-ID"] = own_id
    msg["From"] = f"{m.author.name} <{m.author.email}>"
    to = world.me if m.author.role != "me" else proj.clients[0]
    msg["To"] = f"{to.name} <{to.email}>"
    if m.author.role in ("team", "am"):
        msg["Cc"] = f"{proj.clients[0].name} <{proj.clients[0].email}>"
    msg["Subject"] = m.subject if own_id == root else f"Re: {m.subject}"
    msg["Date"] = format_datetime(m.at)
    if own_id != root:
        msg["In-Reply-To"] = root
        msg["References"] = root
    msg.set_content(m.text)
    return bytes(msg)


class DemoServices:
    """Local services behind the demo's accounts (started with the workspace)."""

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

    # -- start/stop ---------------------------------------------------------------------

    @classmethod
    def start(cls, home: Path, cfg: Config) -> DemoServices | None:
        """Start the sandboxes for a sandbox-backed demo config and point its accounts at them."""
        params = demo_params(cfg)
        if params is None or not any(a.options.get("api_base", "").startswith("demo:") or
                                     str(a.options.get("path", "")).startswith("demo:") for a in cfg.accounts):
            return None
        size, seed, anchor = params
        svc = cls(home, generate(size, seed, anchor))
        svc._start(cfg)
        return svc

    def _start(self, cfg: Config) -> None:
        from sandbox.server import ServerThread
        from sandbox.smtp_sink import SmtpSink
        from sandbox.telegram_server import TelegramWorld
        from sandbox.telegram_server import create_app as tg_app
        from sandbox.trello_server import create_app as trello_app
        from sandbox.trello_server import seed_from_demo

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
            self._tgw.add_chat(_tg_user_id(am), am.name.split()[0], type="private")
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
        from connectors.email.maildir import write_message

        new_done: list[str] = []
        for m in due:
            if m.channel == "email" and str(m.idx) not in done:
                write_message(maildir, _email_bytes(self.world, m, self._first_email), seen=m.author.role == "me")
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
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for srv in self._servers:
            srv.stop()
        self._servers.clear()
        if self._sink is not None:
            self._sink.stop()
            self._sink = None

    # -- the running demo -------------------------------------------------------------------

    def _post_telegram(self, m: DemoMessage) -> None:
        reply = self._tg_ids.get(m.reply_to) if m.reply_to is not None else None
        msg = self._tgw.post(int(m.conv_key), from_user=_tg_user(m.author), text=m.text, at=m.at,
                             reply_to=reply)
        self._tg_ids[m.idx] = int(msg["message_id"])

    def _deliver_loop(self) -> None:
        """Deliver messages whose time has come (Trello's sandbox hides future comments itself)."""
        from connectors.email.maildir import write_message

        while not self._stop.wait(2.0):
            now = datetime.now(UTC)
            with self._lock:
                due = [m for m in self._pending if m.at <= now]
                self._pending = [m for m in self._pending if m.at > now]
            for m in due:
                if m.channel == "telegram":
                    self._post_telegram(m)
                elif m.channel == "email":
                    write_message(self.home / "demo-maildir", _email_bytes(self.world, m, self._first_email))
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

