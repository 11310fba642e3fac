"""The real pipeline for the corpus: config → sandboxes over sockets → sync → store → JSON.

``Pipeline`` writes a real ``config.toml`` for the world into a temporary
``INSCOPE_HOME``, serves the Trello and Telegram parts of the corpus from the sandbox
servers (``TrelloWorld``, ``TelegramWorld``) on loopback sockets, writes the e-mail part
into a Maildir with real ``From``/``To``/``Cc``/``Message-ID``/``In-Reply-To`` headers, runs
the real sync, and reads ``inbox --json`` (``Actions.inbox``) with the clock the rules see
frozen at the world's ``now``.

How the corpus maps onto the sources:

- Trello: one board per project, one card per thread, every person with a handle is a
  board member; a comment that answers another (``reply_to``) starts with ``@author`` as
  Trello's own *reply* does, unless the text already names them.
- Telegram: one bot; each thread is its own group chat titled ``<Project> · SEO`` (all of
  a project's chats route to it), so that threads stay apart as the labels need; my
  messages come from my Telegram user id (``me_ids``), replies are real ``reply_to``.
- E-mail: one Maildir; the first message's subject is the thread title, later ones
  ``Re: <title>`` unless the file gives a subject; each message answers the one before.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import tomlkit

from connectors.email.maildir import write_message
from eval.corpus import Message, Thread, World
from inscope.actions import Actions
from inscope.secrets import drop_session_secrets, set_session_secret
from inscope.store import Store
from inscope.workspace import Workspace
from sandbox.server import ServerThread
from sandbox.telegram_server import TelegramWorld
from sandbox.telegram_server import create_app as tg_app
from sandbox.trello_server import TrelloWorld
from sandbox.trello_server import create_app as trello_app

TRELLO_KEY = "eval-trello-key"
TRELLO_TOKEN = "eval-trello-token-0000"
BOT_TOKEN = "700900100:EvalBotTokenAAAAbbbbCCCCdddd"
ME_TG_ID = 900_000_001
# Account names of their own: the sandbox secrets live in this process's session store,
# which another workspace in the same process (a test run) must not pick up.
TRELLO_ACCOUNT = "eval-trello"
TELEGRAM_ACCOUNT = "eval-telegram"
MAIL_ACCOUNT = "eval-mail"
CHAT_BASE = -1_009_000_000_000


def tg_id(key: str) -> int:
    """A stable Telegram user id for a person key."""
    return ME_TG_ID if key == "me" else 100_000_000 + int(hashlib.sha1(key.encode()).hexdigest()[:7], 16)


@dataclass
class Pipeline:
    """One workspace filled with some threads of the corpus, synced, clock frozen at ``now``."""

    world: World
    threads: list[Thread]
    home: Path
    ws: Workspace
    store: Store
    conv: dict[tuple[str, str], str]  # (account, conversation) → thread id of the corpus
    servers: list[ServerThread]

    @classmethod
    def build(cls, world: World, threads: list[Thread]) -> Pipeline:
        home = Path(tempfile.mkdtemp(prefix="inscope-eval-"))
        os.chmod(home, 0o700)
        trello, boards, cards = _trello(world, threads)
        tgw, chats = _telegram(world, threads)
        maildir = home / "maildir"
        roots = _maildir(world, threads, maildir)
        servers = [ServerThread(trello_app(trello)).start(), ServerThread(tg_app(tgw)).start()]
        cfg_path = home / "config.toml"
        cfg_path.write_text(_config(world, threads, boards, chats, servers, maildir), encoding="utf-8")
        for acc, name, value in ((TRELLO_ACCOUNT, "key", TRELLO_KEY), (TRELLO_ACCOUNT, "token", TRELLO_TOKEN),
                                 (TELEGRAM_ACCOUNT, "token", BOT_TOKEN)):
            set_session_secret(acc, name, value)
        ws = Workspace.open(home=home, config_path=cfg_path)
        now = world.now.timestamp()
        ws.clock = lambda: now
        store = ws.store()
        conv: dict[tuple[str, str], str] = {}
        for tid, card in cards.items():
            conv[(TRELLO_ACCOUNT, card)] = tid
        for tid, chat in chats.items():
            conv[(TELEGRAM_ACCOUNT, str(chat))] = tid
        for tid, root in roots.items():
            conv[(MAIL_ACCOUNT, root)] = tid
        p = cls(world, threads, home, ws, store, conv, servers)
        p.sync()
        return p

    def sync(self) -> None:
        """Sync rounds until nothing new arrives (a backfill may take several)."""

        async def go() -> None:
            engine = self.ws.engine(self.store)
            try:
                for _ in range(20):
                    rep = await engine.sync_all()
                    if rep.errors:
                        raise RuntimeError(f"sync failed: {rep.errors}")
                    if not rep.inserted and not rep.updated:
                        break
            finally:
                await engine.aclose()

        asyncio.run(go())

    def actions(self) -> Actions:
        """The actions, with the clock at the world's ``now``."""
        now = self.world.now.timestamp()
        return self.ws.actions(self.store, now=lambda: now)

    def thread_ids(self) -> dict[str, int]:
        """Corpus thread id → store thread id."""
        out: dict[str, int] = {}
        for tid, account, conversation in self.store.conn.execute(
                "SELECT id, account, conversation FROM threads"):
            key = self.conv.get((account, conversation))
            if key is not None:
                out[key] = int(tid)
        return out

    def close(self) -> None:
        """Stop the servers, forget the sandbox secrets, remove the temporary home."""
        self.store.close()
        for s in self.servers:
            s.stop()
        self.ws.close()
        for account in (TRELLO_ACCOUNT, TELEGRAM_ACCOUNT):
            drop_session_secrets(account)
        shutil.rmtree(self.home, ignore_errors=True)


# -- the sources ---------------------------------------------------------------------------

def _trello(world: World, threads: list[Thread]) -> tuple[TrelloWorld, dict[str, str], dict[str, str]]:
    tw = TrelloWorld()
    members: dict[str, Any] = {}
    me = tw.add_member(world.me.handle, world.me.name, token=TRELLO_TOKEN, key=TRELLO_KEY)
    members["me"] = me
    for k, p in world.people.items():
        if p.handle:
            members[k] = tw.add_member(p.handle, p.name)
    boards: dict[str, str] = {}  # project name → board id
    for pr in world.projects:
        if pr.board:
            b = tw.add_board(pr.board, members=[m.id for m in members.values()],
                             at=world.now.replace(year=world.now.year - 1))
            boards[pr.name] = b.id
    cards: dict[str, str] = {}
    for th in threads:
        if th.channel != "trello":
            continue
        first = th.messages[0].at
        card = tw.add_card(boards[th.project], th.title, at=first - timedelta(minutes=1))
        cards[th.id] = card.id
        for m in th.messages:
            tw.add_comment(card, members[m.author], _trello_text(world, th, m), at=m.at)
    return tw, boards, cards


def _trello_text(world: World, th: Thread, m: Message) -> str:
    """Trello has no reply: its *reply* button starts the comment with ``@author``."""
    if m.reply_to is None:
        return m.text
    target = world.person(th.messages[m.reply_to - 1].author)
    if not target.handle or f"@{target.handle}".lower() in m.text.lower():
        return m.text
    return f"@{target.handle} {m.text}"


def _tg_user(world: World, key: str) -> dict[str, Any]:
    p = world.person(key)
    first, _, last = p.name.partition(" ")
    u: dict[str, Any] = {"id": tg_id(key), "is_bot": p.bot, "first_name": first}
    if last:
        u["last_name"] = last
    if p.handle:
        u["username"] = p.handle
    return u


def _telegram(world: World, threads: list[Thread]) -> tuple[TelegramWorld, dict[str, int]]:
    tgw = TelegramWorld()
    tgw.add_bot(BOT_TOKEN, "north_digital_bot", "North Digital")
    chats: dict[str, int] = {}
    n = 0
    for th in threads:
        if th.channel != "telegram":
            continue
        n += 1
        chat = CHAT_BASE - n
        chats[th.id] = chat
        tgw.add_chat(chat, th.title, type="supergroup")
        ids: list[int] = []
        for m in th.messages:
            reply = ids[m.reply_to - 1] if m.reply_to else None
            msg = tgw.post(chat, from_user=_tg_user(world, m.author), text=m.text, at=m.at,
                           reply_to=reply)
            ids.append(int(msg["message_id"]))
    return tgw, chats


def _addr(world: World, key: str) -> str:
    p = world.person(key)
    return f"{p.name} <{p.email}>"


def _maildir(world: World, threads: list[Thread], path: Path) -> dict[str, str]:
    roots: dict[str, str] = {}
    for th in threads:
        if th.channel != "email":
            continue
        refs: list[str] = []
        for i, m in enumerate(th.messages):
            author = world.person(m.author)
            domain = author.email.rpartition("@")[2] or "corpus.invalid"
            mid = f"<{th.id}.{i + 1}@{domain}>"
            msg = EmailMessage()
            msg["Message-ID"] = mid
            msg["From"] = _addr(world, m.author)
            if m.to:
                msg["To"] = ", ".join(_addr(world, k) for k in m.to)
            if m.cc:
                msg["Cc"] = ", ".join(_addr(world, k) for k in m.cc)
            msg["Subject"] = m.subject or (th.title if i == 0 else f"Re: {th.title}")
            msg["Date"] = format_datetime(m.at)
            if refs:
                msg["In-Reply-To"] = refs[-1]
                msg["References"] = " ".join(refs)
            msg.set_content(m.text)
            write_message(path, bytes(msg), seen=m.author == "me")
            refs.append(mid)
        roots[th.id] = refs[0]
    path.mkdir(parents=True, exist_ok=True)
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(exist_ok=True)
    return roots


# -- the config ------------------------------------------------------------------------------

def _who(world: World, key: str) -> list[str]:
    """Config strings naming a person: name, @handle, e-mail."""
    p = world.person(key)
    out = [p.name]
    if p.handle:
        out.append("@" + p.handle)
    if p.email:
        out.append(p.email)
    return out


def _config(world: World, threads: list[Thread], boards: dict[str, str], chats: dict[str, int], servers: list[ServerThread],
            maildir: Path) -> str:
    doc: dict[str, Any] = {}
    team: list[str] = []
    for k, p in world.people.items():
        if p.agency or p.bot:
            team += _who(world, k)
    doc["team"] = team
    doc["me"] = {
        "name": world.me.name, "role": world.role, "timezone": world.timezone,
        "handles": [world.me.handle], "emails": [world.me.email],
    }
    doc["windows"] = {"reply": list(world.windows), "urgent_breaks_through": True}
    doc["accounts"] = [
        {"name": TRELLO_ACCOUNT, "kind": "trello", "api_base": servers[0].url + "/1"},
        {"name": TELEGRAM_ACCOUNT, "kind": "telegram", "api_base": servers[1].url, "poll_timeout": 0,
         "me_ids": [str(ME_TG_ID)]},
        {"name": MAIL_ACCOUNT, "kind": "maildir", "path": str(maildir), "smtp_host": "127.0.0.1",
         "smtp_port": 1, "smtp_tls": "none"},
    ]
    project_of = {th.id: th.project for th in threads}
    by_project: dict[str, list[int]] = {}
    for tid, chat in chats.items():
        by_project.setdefault(project_of[tid], []).append(chat)
    projects = []
    for pr in world.projects:
        am = world.people[pr.am]
        clients: list[str] = []
        for k, p in world.people.items():
            if p.project == pr.name:
                clients += _who(world, k)
        entry: dict[str, Any] = {
            "name": pr.name, "status": pr.status, "importance": pr.importance,
            "services": list(pr.services),
            "trello_boards": [boards[pr.name]] if pr.name in boards else [],
            "telegram_chats": [str(c) for c in ([pr.chat] if pr.chat else [])
                               + by_project.get(pr.name, [])],
            "email_domains": list(pr.domains),
            "clients": clients,
            "team": [s for k in pr.team for s in _who(world, k)],
            "account_manager": {"name": am.name, "telegram": "@" + am.handle, "email": am.email,
                                "trello": am.handle, "escalate_via": "email"},
        }
        projects.append(entry)
    doc["projects"] = projects
    return tomlkit.dumps(doc)


