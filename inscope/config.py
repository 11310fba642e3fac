"""TOML config → typed settings.

The config file never holds secrets (``inscope connect …`` puts them in
keyring).  Everything has a sensible default so an empty file is valid.  Bad
input raises ``ConfigError`` with the path and the offending key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inscope.model import PROJECT_STATUSES


class ConfigError(ValueError):
    """The config file is malformed; the message names the file and key."""


@dataclass(slots=True)
class Me:
    name: str = "Me"
    role: str = ""
    timezone: str = "UTC"
    handles: list[str] = field(default_factory=list)  # @handles without "@": trello, telegram
    emails: list[str] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)  # watch words (matched by stem)
    signature: str = ""  # Telegram reply prefix, e.g. "Maria (SEO): "
    urgent: list[str] | None = None  # replaces the built-in urgency word list
    aliases: list[str] = field(default_factory=list)  # other names that mention me


@dataclass(slots=True)
class Windows:
    reply: list[str] = field(default_factory=lambda: ["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"])
    urgent_breaks_through: bool = True


@dataclass(slots=True)
class AccountManager:
    name: str = ""
    telegram: str = ""  # chat id or @handle reachable by the bot
    email: str = ""
    trello: str = ""  # trello username to @mention
    escalate_via: str = ""  # "telegram" | "email" | "trello" | "" (same channel as the thread)


@dataclass(slots=True)
class AccountCfg:
    name: str
    kind: str  # trello | telegram | imap | maildir | smtp | demo
    options: dict[str, Any] = field(default_factory=dict)  # api_base, host, port, path, …


@dataclass(slots=True)
class ProjectCfg:
    name: str
    status: str = "active"
    services: list[str] = field(default_factory=list)
    trello_boards: list[str] = field(default_factory=list)
    telegram_chats: list[str] = field(default_factory=list)
    email_domains: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)  # handles / emails / names of client people
    team: list[str] = field(default_factory=list)  # agency colleagues on this project
    out_of_scope: list[str] = field(default_factory=list)
    importance: str = "normal"  # low | normal | high | vip
    sla: str = "1 window"
    account_manager: AccountManager = field(default_factory=AccountManager)

    def routes(self) -> list[str]:
        """The connector route keys that map a conversation to this project."""
        out = [f"trello_board:{b}" for b in self.trello_boards]
        out += [f"telegram_chat:{c}" for c in self.telegram_chats]
        out += [f"email_domain:{d.lower()}" for d in self.email_domains]
        out += [f"email:{e.lower()}" for e in self.emails]
        return out


@dataclass(slots=True)
class Config:
    me: Me = field(default_factory=Me)
    windows: Windows = field(default_factory=Windows)
    accounts: list[AccountCfg] = field(default_factory=list)
    projects: list[ProjectCfg] = field(default_factory=list)
    keymap: dict[str, str] = field(default_factory=dict)
    team: list[str] = field(default_factory=list)  # agency people (handles/emails/domains)
    path: Path | None = None

    def project(self, name: str) -> ProjectCfg | None:
        for p in self.projects:
            if p.name == name:
                return p
        return None

    def account(self, name: str) -> AccountCfg | None:
        for a in self.accounts:
            if a.name == name:
                return a
        return None


def _strs(where: str, v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str | int):
        return [str(v)]
    if isinstance(v, list) and all(isinstance(x, str | int) for x in v):
        return [str(x) for x in v]
    raise ConfigError(f"{where}: expected a list of strings, got {v!r}")


def _table(where: str, v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ConfigError(f"{where}: expected a table")
    return v


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    """Build a ``Config`` from parsed TOML; raise ``ConfigError`` on bad shapes."""
    where = str(path) if path else "config"
    me_t = _table(f"{where} [me]", data.get("me"))
    me = Me(
        name=str(me_t.get("name", "Me")),
        role=str(me_t.get("role", "")),
        timezone=str(me_t.get("timezone", "UTC")),
        handles=_strs(f"{where} me.handles", me_t.get("handles")),
        emails=[e.lower() for e in _strs(f"{where} me.emails", me_t.get("emails"))],
        watch=_strs(f"{where} me.watch", me_t.get("watch")),
        signature=str(me_t.get("signature", "")),
        urgent=_strs(f"{where} me.urgent", me_t["urgent"]) if "urgent" in me_t else None,
        aliases=_strs(f"{where} me.aliases", me_t.get("aliases")),
    )
    _check_tz(where, me.timezone)
    w_t = _table(f"{where} [windows]", data.get("windows"))
    windows = Windows()
    if "reply" in w_t:
        windows.reply = _strs(f"{where} windows.reply", w_t["reply"])
    if "urgent_breaks_through" in w_t:
        windows.urgent_breaks_through = bool(w_t["urgent_breaks_through"])
    accounts: list[AccountCfg] = []
    for i, a in enumerate(data.get("accounts", []) or []):
        a = _table(f"{where} accounts[{i}]", a)
        if "name" not in a or "kind" not in a:
            raise ConfigError(f"{where} accounts[{i}]: 'name' and 'kind' are required")
        opts = {k: v for k, v in a.items() if k not in ("name", "kind")}
        for secret_key in ("token", "key", "password", "api_key"):
            if secret_key in opts:
                raise ConfigError(
                    f"{where} accounts[{i}].{secret_key}: secrets do not belong in the config; "
                    "run `inscope connect` to store them in the keyring"
                )
        accounts.append(AccountCfg(name=str(a["name"]), kind=str(a["kind"]), options=opts))
    projects: list[ProjectCfg] = []
    seen: set[str] = set()
    for i, p in enumerate(data.get("projects", []) or []):
        p = _table(f"{where} projects[{i}]", p)
        if "name" not in p:
            raise ConfigError(f"{where} projects[{i}]: 'name' is required")
        name = str(p["name"])
        if name in seen:
            raise ConfigError(f"{where} projects[{i}]: duplicate project name {name!r}")
        seen.add(name)
        status = str(p.get("status", "active"))
        if status not in PROJECT_STATUSES:
            raise ConfigError(f"{where} projects[{i}].status: {status!r} is not one of {PROJECT_STATUSES}")
        am_t = _table(f"{where} projects[{i}].account_manager", p.get("account_manager"))
        pw = f"{where} projects[{i}]"
        projects.append(
            ProjectCfg(
                name=name,
                status=status,
                services=_strs(f"{pw}.services", p.get("services")),
                trello_boards=_strs(f"{pw}.trello_boards", p.get("trello_boards")),
                telegram_chats=_strs(f"{pw}.telegram_chats", p.get("telegram_chats")),
                email_domains=_strs(f"{pw}.email_domains", p.get("email_domains")),
                emails=_strs(f"{pw}.emails", p.get("emails")),
                clients=_strs(f"{pw}.clients", p.get("clients")),
                team=_strs(f"{pw}.team", p.get("team")),
                out_of_scope=_strs(f"{pw}.out_of_scope", p.get("out_of_scope")),
                importance=str(p.get("importance", "normal")),
                sla=str(p.get("sla", "1 window")),
                account_manager=AccountManager(
                    **{k: str(v) for k, v in am_t.items() if k in AccountManager.__slots__}
                ),
            )
        )
    _validate_rules(where, windows, projects)
    keymap = {str(k): str(v) for k, v in _table(f"{where} [keymap]", data.get("keymap")).items()}
    team = _strs(f"{where} team", data.get("team"))
    return Config(me=me, windows=windows, accounts=accounts, projects=projects, keymap=keymap,
                  team=team, path=path)


def _validate_rules(where: str, windows: Windows, projects: list[ProjectCfg]) -> None:
    """Bad window specs, SLAs or importance become a ConfigError at load, not a surprise later."""
    # Lazy: windows.py and triage.py import this module.
    from inscope.triage import Sla
    from inscope.windows import parse_window

    for spec in windows.reply:
        try:
            parse_window(spec)
        except ValueError as e:
            raise ConfigError(f"{where} windows.reply: {e}") from e
    for p in projects:
        try:
            Sla.parse(p.sla)
        except ValueError as e:
            raise ConfigError(f"{where} project {p.name!r} sla: {e}") from e
        if p.importance not in ("low", "normal", "high", "vip"):
            raise ConfigError(f"{where} project {p.name!r} importance: {p.importance!r} is not one of "
                              "low, normal, high, vip")


def _check_tz(where: str, tz: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(f"{where} me.timezone: unknown timezone {tz!r}") from e


def load(path: Path) -> Config:
    """Read and parse ``path``; a missing file is an empty config."""
    if not path.exists():
        return Config(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 ({e})") from e
    return parse(data, path)


def data_dir() -> Path:
    """The data dir: ``$INSCOPE_HOME`` or the platform's user data dir."""
    env = os.environ.get("INSCOPE_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("inscope", appauthor=False))


def default_config_path(home: Path) -> Path:
    """Config lives beside the data (``INSCOPE_HOME``) or in the platform config dir."""
    if os.environ.get("INSCOPE_HOME"):
        return home / "config.toml"
    from platformdirs import user_config_dir

    return Path(user_config_dir("inscope", appauthor=False)) / "config.toml"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700 and tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
