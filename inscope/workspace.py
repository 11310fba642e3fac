"""A workspace: one data dir, its config, its database, its rules and its sources.

Both front ends (the TUI and the headless CLI) go through this class, so keys
and commands act the same way.  ``Workspace.open(demo=True)`` builds the demo
workspace in its own subdirectory of the data dir; the demo itself is reached by
module name (``inscope.services``), never imported by the core.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from inscope import config as config_mod
from inscope.attachments import AttachmentRef
from inscope.config import AccountCfg, Config, ProjectCfg
from inscope.i18n import _
from inscope.model import UNSORTED, Priority
from inscope.rules.windows import Schedule, header_text
from inscope.services import DEMO_WITH_CONFIG, Services, demo_installed, load_demo
from inscope.store import InboxGate, Store, explain

if TYPE_CHECKING:
    # The connectors, their registry and the rules are imported where they are used (sync,
    # re-triage, `inscope connect`), not when a workspace opens: the TUI's first frame needs
    # none of them.
    from connectors.base import Connector, Item
    from inscope.actions import Actions
    from inscope.report import ProjectReport
    from inscope.rules.triage import Rules
    from inscope.sync import BrokenAccount, Hooks, SyncEngine
    from inscope.templates import Catalog


RULES_CODE_VERSION = 7
"""Bumped when the triage code changes what it decides, so stored assessments are redone."""


class Workspace:
    """Config + data dir + rules.  Cheap to open; connections are made per thread."""

    def __init__(self, home: Path, config: Config, config_path: Path, *, demo: bool = False,
                 services: Services | None = None):
        self.home = home
        self.config = config
        self.config_path = config_path
        self.db_path = home / "inscope.db"
        self.demo = demo  # shown in the header; the demo's config is never written back
        self.services = services  # what runs beside this workspace: stopped by close()
        # The same schedule the rules build for themselves (``Rules.from_config``).
        self.schedule: Schedule = Schedule.from_config(config.windows, config.me.timezone)
        self._rules: Rules | None = None
        self._projects = {p.name: p for p in config.projects}
        # The clock the rules see at ingest and re-triage (the eval freezes it at its world's
        # "now"; the app always runs on the wall clock).
        self.clock: Callable[[], float] = time.time

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, *, home: Path | None = None, config_path: Path | None = None, demo: bool = False,
             demo_size: int = 600, demo_reset: bool = False, start_services: bool = True) -> Workspace:
        """Open (creating if needed) the workspace; the demo lives in ``<data dir>/demo``.

        ``demo_size`` and ``demo_reset`` are handed to the demo module as they are.  The
        demo always uses its own config in its own dir: a ``config_path`` with ``demo``
        is refused (the demo rewrites its config, and would write over the user's file).
        Raises ``DemoUnavailable`` when the demo is asked for but not installed.
        """
        if demo and config_path is not None:
            raise ValueError(_(DEMO_WITH_CONFIG))
        base = home or config_mod.data_dir()
        config_mod.ensure_private_dir(base)
        services: Services | None = None
        if demo:
            # Loaded by name, and only here: the real app neither needs nor imports the demo.
            with demo_installed():
                demo_mod = load_demo()
                home_dir, cfg_path = demo_mod.prepare(base, demo_size, demo_reset)
        else:
            home_dir = base
            cfg_path = config_path or config_mod.default_config_path(base)
        cfg = config_mod.load(cfg_path)
        if demo and start_services:
            with demo_installed():
                services = demo_mod.start(home_dir, cfg)
        ws = cls(home_dir, cfg, cfg_path, demo=demo, services=services)
        try:
            store = ws.store()
            try:
                store.sync_projects((p.name, p.status) for p in cfg.projects)
            finally:
                store.close()
        except sqlite3.Error as e:
            ws.close()
            raise explain(e, ws.db_path) from e
        except BaseException:
            ws.close()  # the demo's servers must not outlive a workspace that failed to open
            raise
        return ws

    def close(self) -> None:
        """Stop what runs beside the workspace (the demo's servers); safe to call twice."""
        if self.services is not None:
            self.services.stop()
            self.services = None

    def store(self) -> Store:
        """A new connection (one per thread).

        Any SQLite failure while opening (a damaged file, a full disk …) is a
        ``DatabaseUnavailable`` naming the file and what to do.
        """
        try:
            return Store(self.db_path)
        except sqlite3.Error as e:
            raise explain(e, self.db_path) from e

    # -- rules -----------------------------------------------------------------------

    @property
    def rules(self) -> Rules:
        """The triage rules, compiled on first use (ingest, re-triage), not when opening:
        compiling every project's word lists was three quarters of ``open`` and ran before
        the TUI's first frame, which never triages."""
        if self._rules is None:
            from inscope.rules.triage import Rules

            self._rules = Rules.from_config(self.config)
        return self._rules

    @rules.setter
    def rules(self, rules: Rules) -> None:
        self._rules = rules

    def project_cfg(self, name: str) -> ProjectCfg | None:
        return self._projects.get(name)

    def project_of(self, item: Item) -> str | None:
        return self.rules.project_of(item)

    def role_of(self, item: Item) -> str:
        return self.rules.role_of(item, self.rules.project_of(item))

    def role_in(self, item: Item, project: str) -> str:
        """Role within the thread's project (an AM's e-mail routes nowhere on its own)."""
        return self.rules.role_of(item, self.rules.project_of(item) if project == UNSORTED else project)

    def hooks(self) -> Hooks:
        from inscope.sync import Hooks  # imported on use: start-up pays only for the first paint

        return Hooks(project_of=self.project_of, role_of=self.role_of, role_in=self.role_in,
                     triage=lambda: self.rules.triage_fn(self.clock()), on_migrate=self.chat_migrated,
                     rules_version=self.rules_version(),
                     alerts=self.config.notify.enabled, warm=lambda: self.rules.warm())

    def rules_version(self) -> str:
        """A fingerprint of everything in the config the triage depends on (not accounts or
        keys): when it changes, the engine re-triages every thread once."""
        cfg = self.config
        data = {"me": dataclasses.asdict(cfg.me), "windows": dataclasses.asdict(cfg.windows),
                "team": cfg.team, "projects": [dataclasses.asdict(p) for p in cfg.projects],
                "code": RULES_CODE_VERSION}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def chat_migrated(self, account: str, old: str, new: str) -> str | None:
        """Map a migrated Telegram chat's new id to the old one's project, in memory and config.

        New conversations of the new chat (forum topics) then route like the old ones did.
        """
        old_route = f"telegram_chat:{old}"
        project = next((p for p in self.config.projects if old_route in p.routes()), None)
        if project is None or new in project.telegram_chats:
            return None
        project.telegram_chats.append(new)
        if self.config_path.exists() and not self.demo:
            from inscope.config.write import map_to_project

            map_to_project(self.config_path, project.name, "telegram_chats", new)
        from inscope.rules.triage import Rules

        learned = self.rules.learned
        self.rules = Rules.from_config(self.config)
        self.rules.learned = learned
        return project.name

    def connectors(self) -> tuple[dict[str, Connector], list[BrokenAccount]]:
        """Every enabled account's connector, each built on its own.

        An account that cannot be built (an unknown kind, a bad option, missing
        credentials, a send-only account with bad options) does not stop the others: it
        comes back as a :class:`BrokenAccount` whose message names the file and the key.
        """
        from connectors import registry
        from inscope.sources import build
        from inscope.sync import BrokenAccount  # imported on use, like the engine

        out: dict[str, Connector] = {}
        broken: list[BrokenAccount] = []
        for acc in self.config.accounts:
            if acc.disabled:
                continue
            try:
                if not registry.receives(acc.kind) and acc.kind not in registry.SEND_ONLY:
                    registry.module_for(acc.kind)  # raises UnknownKind, saying which kinds exist
                if registry.receives(acc.kind):
                    out[acc.name] = build(self.config, acc, self.home)
                else:
                    registry.check_options(acc.kind, acc.options)  # send-only: checked, not run
            except Exception as e:  # one broken account must never stop the others
                broken.append(BrokenAccount(acc.name, acc.kind, self._build_error(acc, e)))
        return out, broken

    def _build_error(self, acc: AccountCfg, e: Exception) -> str:
        from connectors import registry
        from connectors.base import SourceError, redact
        from connectors.options import OptionError

        where = self.config.where(f"accounts[{acc.index}]")
        if isinstance(e, OptionError):
            return f"{where}.{e.key}: {e.message}"
        if isinstance(e, registry.UnknownKind):
            return f"{where}.kind: {e}"
        if isinstance(e, SourceError):
            return redact(str(e))
        return f"{where} ({acc.name}): {type(e).__name__}: {redact(str(e))}"

    def download(self, ref: AttachmentRef, directory: Path) -> Path:
        """Save one attachment through a connector built for its account alone (the CLI;
        the TUI uses its running engine's, see ``Actions.save_attachment``)."""
        from connectors.base import SourceError
        from inscope import attachments
        from inscope.sources import build

        acc = self.config.account(ref.account)
        if acc is None or acc.disabled:
            raise SourceError(f"account {ref.account!r} is not configured or not enabled")
        try:
            conn = build(self.config, acc, self.home)
        except SourceError:
            raise
        except Exception as e:  # a broken account: the same line sync and doctor give
            raise SourceError(self._build_error(acc, e)) from None

        async def run() -> Path:
            try:
                return await attachments.fetch(conn, ref, directory)
            finally:
                await conn.aclose()

        return asyncio.run(run())

    def learn(self, store: Store) -> None:
        """Hand the user's decisions in ``store`` to the learned triage (one row per decided
        thread; the model is fitted on the next assessment).  Before a sync and a re-triage."""
        self.rules.learn(store.decisions())

    def engine(self, store: Store) -> SyncEngine:
        """A sync engine over every configured account, bound to ``store``'s thread."""
        from inscope.sync import SyncEngine

        self.learn(store)
        connectors, broken = self.connectors()
        return SyncEngine(store, connectors, self.hooks(), broken=broken)

    def retriage(self, store: Store, now: float | None = None, *, waiting_only: bool = False,
                 thread_ids: Iterable[int] | None = None) -> int:
        """Recompute triage of ``thread_ids`` (default: all) — the config changed, a thread
        moved project, a window boundary passed.

        ``waiting_only``: just the threads whose triage depends on the clock
        (``Store.waiting_thread_ids``) — what a window boundary can change.
        """
        self.learn(store)
        fn = self.rules.triage_fn(self.clock() if now is None else now)
        if waiting_only:
            thread_ids = store.waiting_thread_ids()
        return store.retriage(fn, thread_ids, warm=self.rules.warm)

    # -- reply windows ------------------------------------------------------------------

    def inbox_gate(self, now: float | None = None) -> InboxGate:
        """What the Inbox shows at ``now``: everything in a window, else only what breaks through.

        Outside a reply window only urgent threads break through (``[windows]
        urgent_breaks_through = true``, the default) or nothing at all (``false``);
        the rest is held until the next window opens.  Pure arithmetic on the
        schedule: cheap enough for the UI thread's clock tick.
        """
        t = time.time() if now is None else now
        is_open, _end, next_start, _next_end = self.schedule.state_ts(t)
        if is_open:
            return InboxGate(open=True)
        limit = int(Priority.URGENT) if self.config.windows.urgent_breaks_through else -1
        return InboxGate(open=False, max_priority=limit, held_until=next_start)

    def report(self, store: Store, since: float) -> list[ProjectReport]:
        """Time and response statistics per project since ``since`` (window hours by this schedule)."""
        from inscope.report import build_report

        return build_report(store, self.schedule, since)

    # -- the actions both front ends call ------------------------------------------------

    def actions(self, store: Store, now: Callable[[], float] = time.time) -> Actions:
        """The user's actions over ``store`` (one implementation for the TUI and the CLI)."""
        from inscope.actions import Actions

        return Actions(self, store, now=now)

    def snooze_until(self, text: str, now: float | None = None) -> float:
        """Parse natural-language snooze input (ru/en) to epoch seconds; ValueError if unclear."""
        from inscope.rules.snooze import parse_when

        t = datetime.fromtimestamp(time.time() if now is None else now, UTC)
        return parse_when(text, t, self.schedule).timestamp()

    def templates(self) -> Catalog:
        """Every reply template: built-in, ``[[templates]]`` and ``templates/*.md`` beside the
        config, read now (edits to the folder count at once); ``TemplateError`` if one is bad."""
        from inscope.templates import load_catalog

        return load_catalog(self.config, self.config_path)

    def next_window_start(self, now: float | None = None) -> float | None:
        t = datetime.fromtimestamp(time.time() if now is None else now, UTC)
        st = self.schedule.state(t)
        return st.next_start.timestamp() if st.next_start is not None else None

    def header(self, store: Store, now: float | None = None) -> str:
        """The reply-window line: open/next window, cleared so far, urgent waiting."""
        t = time.time() if now is None else now
        dt = datetime.fromtimestamp(t, UTC)
        st = self.schedule.state(dt)
        # "cleared" counts today's replies and dones (local day of the user's timezone).
        local = dt.astimezone(self.schedule.tz)
        since = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        cleared = store.cleared_since(since)
        # Everything waiting for me, held-until-the-window threads included: the window is
        # when they are due, so "7 of 19 cleared" counts them.
        waiting = store.view_counts()["inbox"]
        urgent = store.count_priority("inbox", Priority.URGENT)
        return header_text(st, dt, cleared, cleared + waiting, urgent)
