"""Shared fixtures for the TUI tests: a real on-disk store filled through ingest, the real
workspace over a test config (``FakeWorkspace``: only its sources and its triage are the
tests' own), and ``settle``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import Author, Batch, Item, Outgoing, SendResult, SourceError
from inscope.config import AccountCfg, AccountManager, Config, Me, ProjectCfg, Windows
from inscope.model import Assessment, MsgFacts, Priority, ProjectStatus
from inscope.store import Store
from inscope.sync import Hooks, SyncEngine
from inscope.workspace import Workspace

if TYPE_CHECKING:
    from inscope.rules.triage import Rules
    from sandbox.demo.services import DemoServices

# Project name → status; thread layout below.  Conversations c0..c11.
PROJECTS: list[tuple[str, ProjectStatus]] = [
    ("Alpha", "active"), ("Beta", "paused"), ("Gamma", "active"), ("Delta", "unpaid")]
PROJECT_OF_CONV = {
    "c0": "Alpha", "c1": "Alpha", "c2": "Alpha", "c3": "Alpha", "c4": "Alpha", "c5": "Alpha",
    "c6": "Beta", "c7": "Beta",
    "c8": "Gamma", "c9": "Gamma", "c10": "Gamma",
    "c11": "Delta",
}
URGENT_CONVS = {"c0", "c1"}
INJECTION = "[bold]x[/] [link=http://e]y[/link] \x1b[31mred"


def triage(_pid: int, _pname: str, facts: Sequence[MsgFacts], _members: tuple[str, ...]) -> Assessment:
    """A tiny deterministic stand-in for inscope.rules.triage: 'СРОЧНО' → urgent."""
    text = " ".join(f.text for f in facts)
    if "СРОЧНО" in text:
        return Assessment(priority=Priority.URGENT, reasons=("client wrote СРОЧНО",), scope="in")
    if "out-of-scope" in text:
        return Assessment(priority=Priority.NORMAL, reasons=("default",), scope="out",
                          scope_reason="not in the contract: banners")
    return Assessment(priority=Priority.NORMAL, reasons=("default",))


def project_of(it: Item) -> str:
    """Route by conversation key."""
    return PROJECT_OF_CONV.get(it.conversation, "Unsorted")


def role_of(it: Item) -> str:
    """Everyone but the AM is the client here."""
    return "am" if it.author.id == "am" else "client"


def item(conv: str, n: int, text: str, minutes_ago: float, *, author: str = "Иван",
         author_id: str = "u1", reply_to: str | None = None, edited: bool = False,
         now: datetime | None = None) -> Item:
    """One telegram item in conversation ``conv``, ``minutes_ago`` before ``now``."""
    created = (now or datetime.now(UTC)) - timedelta(minutes=minutes_ago)
    return Item(
        source="telegram", account="tg", external_id=f"{conv}-m{n}", conversation=conv,
        conversation_title=f"Chat {conv}", author=Author(id=author_id, name=author),
        text=text, created_at=created, reply_to=reply_to,
        edited_at=created + timedelta(seconds=30) if edited else None,
        url=f"https://t.me/c/{conv}/{n}",
    )


def fill(store: Store, *, with_injection: bool = True, now: datetime | None = None) -> None:
    """Projects and 12 threads (2 urgent in Alpha, a paused, an unpaid, an injection)."""
    store.sync_projects(PROJECTS)
    items: list[Item] = []
    for i in range(12):
        conv = f"c{i}"
        text = f"вопрос {i} про robots.txt" + (" СРОЧНО" if conv in URGENT_CONVS else "")
        if conv == "c10":
            text = "сделайте out-of-scope баннеры"
        items.append(item(conv, 0, f"first message in {conv}", 100 + i * 3, now=now))
        items.append(item(conv, 1, text, 10 + i, reply_to=f"{conv}-m0", now=now))
    if with_injection:
        items.append(item("c9", 2, INJECTION, 1, edited=True, now=now))
    store.apply_batch("tg", items, "cursor-1", project_of=project_of, role_of=role_of, triage=triage)


def thread_id(store: Store, conv: str) -> int:
    """The thread id of conversation ``conv`` (tests only; the app never needs this)."""
    row = store.conn.execute("SELECT id FROM threads WHERE conversation = ?", (conv,)).fetchone()
    assert row is not None, conv
    return int(row[0])


class FailingConnector:
    """A connector whose fetch always fails (to show a source error in the status line)."""

    kind = "trello"

    def __init__(self, account: str, message: str) -> None:
        self.account = account
        self.message = message

    async def fetch(self, cursor: str | None) -> Batch:
        raise SourceError(self.message, retry_after=60)

    async def send(self, out: Outgoing) -> SendResult:
        raise SourceError("offline")

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        return None

    async def aclose(self) -> None:
        return None


class FakeWorkspace(Workspace):
    """The real ``inscope.workspace.Workspace`` over a test config; only its sources and its
    triage are the tests' own.

    The projects are ``PROJECTS``, each with an account manager (Anna, on Telegram chat 42,
    through the ``tg`` account) unless ``am=""``; there is no reply window unless ``windows``
    are given (always open, never gated); the sources are ``connectors``; triage — at ingest
    and on every re-triage — is the deterministic ``triage`` above.  Actions, escalation
    routing, snooze parsing, the header and the report are the real ones: the TUI tests are
    about the TUI, tests/core tests the rules.
    """

    def __init__(self, home: Path, *, keymap: dict[str, str] | None = None, am: str = "Anna",
                 windows: Sequence[str] = (), timezone: str = "UTC", breaks_through: bool = True,
                 connectors: dict[str, Any] | None = None, demo: bool = False,
                 accounts: bool = True) -> None:
        manager = AccountManager(name=am, telegram="42") if am else AccountManager()
        cfg = Config(
            me=Me(name="Мария", timezone=timezone),
            windows=Windows(reply=list(windows), urgent_breaks_through=breaks_through),
            accounts=[AccountCfg("tg", "telegram")] if accounts else [],
            projects=[ProjectCfg(name=n, status=st, account_manager=manager) for n, st in PROJECTS],
            keymap=dict(keymap or {}),
        )
        super().__init__(home, cfg, home / "config.toml", demo=demo)
        self.test_connectors: dict[str, Any] = dict(connectors or {})
        self.stores = 0
        self.retriaged: list[float | None] = []

    def store(self) -> Store:
        self.stores += 1
        return super().store()

    def engine(self, store: Store) -> SyncEngine:
        return SyncEngine(store, self.test_connectors, Hooks(project_of, role_of, lambda: triage))

    def retriage(self, store: Store, now: float | None = None, *, waiting_only: bool = False,
                 thread_ids: Iterable[int] | None = None) -> int:
        self.retriaged.append(now)
        return store.retriage(triage, store.waiting_thread_ids() if waiting_only else thread_ids)


def make_workspace(tmp_path: Path, *, fill_data: bool = True, now: datetime | None = None,
                   **kw: Any) -> FakeWorkspace:
    """A workspace on a fresh DB in ``tmp_path`` filled through ``apply_batch``."""
    ws = FakeWorkspace(tmp_path, **kw)
    store = Store(ws.db_path)
    if fill_data:
        fill(store, now=now)
    store.close()
    return ws


async def settle(pilot: Any, timeout: float = 5.0) -> None:
    """Wait until the view is rebuilt, the detail is loaded and the db thread is idle."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        # Drain the db thread (actions, event logs) by queueing a no-op behind them.
        await app.db.run(lambda s: None)
        await pilot.pause()
        if app.settled and not any(
            w.group in ("view", "detail") and w.is_running for w in app.workers
        ):
            return
        if time.monotonic() > deadline:
            raise AssertionError("the app did not settle")
        await asyncio.sleep(0.02)


def screen_text(app: Any) -> str:
    """The plain text of the current screen (from the exported SVG's text nodes)."""
    from html import unescape

    svg = app.export_screenshot()
    # Each line of text is split in <text> nodes; join in document order.
    parts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return unescape("".join(re.sub(r"<[^>]+>", "", p) for p in parts)).replace("\xa0", " ")


def list_lines(app: Any) -> list[str]:
    """The rendered strips of the inbox list, as plain text (what the user sees)."""
    lst = app.inbox
    return [lst.render_line(y).text for y in range(lst.size.height)]


def demo_services(ws: Workspace) -> DemoServices:
    """The demo's running sandboxes behind a demo workspace (for tests that look at them)."""
    from sandbox.demo.services import DemoServices

    assert isinstance(ws.services, DemoServices), "not a demo workspace with local services"
    return ws.services


MAIL_ME = "darya@north-digital.ru"


def maildir_home(tmp_path: Path, monkeypatch: Any, mails: Sequence[bytes], *,
                 project_domain: str | None = "client.ru") -> Path:
    """A data dir whose one account is a real Maildir holding ``mails``, synced once through
    the CLI (``HOME`` and ``INSCOPE_HOME`` point into ``tmp_path``; ``~/Downloads`` exists)."""
    from connectors.email.maildir import write_message
    from inscope.cli import main

    box = tmp_path / "Mail"
    for raw in mails:
        write_message(box, raw)
    home = tmp_path / "home"
    home.mkdir()
    project = (f'\n[[projects]]\nname = "Клиент"\nemail_domains = ["{project_domain}"]\n'
               if project_domain else "")
    (home / "config.toml").write_text(
        f'[me]\nname = "Дарья"\nemails = ["{MAIL_ME}"]\n\n[windows]\nreply = []\n\n'
        f'[[accounts]]\nname = "mail"\nkind = "maildir"\npath = "{box}"\n{project}', encoding="utf-8")
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / "user" / "Downloads").mkdir(parents=True)
    assert main(["sync", "--once"]) == 0
    return home


SCOPE_NOW = 1_800_000_000.0


def scope_of(rules: Any, text: str, project: str = "P") -> str:
    """The scope the rules give one client message of ``project``, a minute old."""
    return str(rules.assess(project, [MsgFacts("client", text, SCOPE_NOW - 60)], (), SCOPE_NOW).scope)


URGENCY_NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC: the clock of the urgency phrase tests


def urgent_now(text: str, minutes_ago: float = 10) -> str:
    """Why one fresh client message (``minutes_ago`` before ``URGENCY_NOW``) is urgent
    ("" if it is not)."""
    from inscope.rules.signals import analyse
    from inscope.rules.urgency import Entry, thread_urgency

    return thread_urgency([Entry(False, URGENCY_NOW - minutes_ago * 60, analyse(text), chasing=True)],
                          URGENCY_NOW)


def thread_reason(*msgs: tuple[str, str, float]) -> str:
    """Why a thread is urgent now ("" if it is not): ``(who, text, minutes ago)`` per message,
    ``who`` being "me" or anyone else ("client" chases an answer), before ``URGENCY_NOW``."""
    from inscope.rules.signals import analyse
    from inscope.rules.urgency import Entry, thread_urgency

    return thread_urgency([Entry(who == "me", URGENCY_NOW - mins * 60, analyse(text), chasing=who == "client")
                           for who, text, mins in msgs], URGENCY_NOW)


def team_rules(*team: str) -> Rules:
    """The rules of one SEO project "P" (Telegram chat -1001) for Мария Петрова (@maria_seo)
    with ``team`` as her colleagues' handles."""
    from inscope.rules.triage import Rules

    return Rules.from_config(Config(
        me=Me(name="Мария Петрова", timezone="Europe/Moscow", handles=["maria_seo"]),
        team=list(team),
        projects=[ProjectCfg(name="P", services=["SEO"], telegram_chats=["-1001"])]))


def service_keys(text: str) -> list[str]:
    """The services a sentence asks for (``signals.analyse``), by key."""
    from inscope.rules.signals import analyse

    return [k for k, _p in analyse(text).services]
