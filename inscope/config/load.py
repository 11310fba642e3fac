"""TOML → :class:`~inscope.config.schema.Config`, strictly.

A config that silently means something else is worse than one that does not load, so
every value is type-checked (``"false"`` is not a boolean), unknown keys are errors with
a suggestion, names must be unique, and the message always names the file and the key:
``~/.config/inscope/config.toml: windows.urgent_breaks_through: expected true or false,
got the string "false"``.  Account *options* belong to their connector and are checked
when the account is built (``inscope.sources``), except ``disabled``.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, TypeGuard, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inscope.config.schema import (
    AccountCfg,
    AccountManager,
    Config,
    Me,
    Notify,
    ProjectCfg,
    TemplateCfg,
    Windows,
)
from inscope.config.values import (
    IMPORTANCE,
    LANGUAGES,
    NOTIFY_METHODS,
    Sla,
    check_template_name,
    is_secret_key,
)
from inscope.config.windowspec import parse_window
from inscope.keys import KeymapError, check_keymap
from inscope.model import PROJECT_STATUSES, UNSORTED, ProjectStatus


class ConfigError(ValueError):
    """The config file is malformed; the message names the file and key."""


class _Reader:
    """Typed access to one TOML table, with messages that name ``file: key``."""

    def __init__(self, where: str, prefix: str, table: dict[str, Any]) -> None:
        self.where = where
        self.prefix = prefix
        self.t = table

    def key(self, k: str) -> str:
        return f"{self.prefix}.{k}" if self.prefix else k

    def fail(self, k: str, msg: str) -> ConfigError:
        return ConfigError(f"{self.where}: {self.key(k)}: {msg}")

    def only(self, allowed: tuple[str, ...]) -> None:
        for k in self.t:
            if k not in allowed:
                close = difflib.get_close_matches(k, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(allowed)})"
                raise self.fail(k, f"unknown key{hint}")

    def text(self, k: str, default: str) -> str:
        v = self.t.get(k, default)
        if not isinstance(v, str):
            raise self.fail(k, f"expected a string, got {_shown(v)}")
        return v

    def flag(self, k: str, default: bool) -> bool:
        v = self.t.get(k, default)
        if not isinstance(v, bool):
            raise self.fail(k, f"expected true or false, got {_shown(v)}")
        return v

    def strs(self, k: str) -> list[str]:
        """A list of strings (numbers allowed: chat ids are often written bare)."""
        v = self.t.get(k)
        if v is None:
            return []
        if isinstance(v, str):
            return [v]
        if isinstance(v, list) and all(isinstance(x, str | int) and not isinstance(x, bool)
                                       for x in v):
            return [str(x) for x in v]
        raise self.fail(k, f"expected a list of strings, got {_shown(v)}")

    def integer(self, k: str, default: int, *, low: int = 0) -> int:
        v = self.t.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(k, f"expected a whole number, got {_shown(v)}")
        if v < low:
            raise self.fail(k, f"must be at least {low}, got {v}")
        return v

    def text_table(self, k: str) -> dict[str, str]:
        """A table of strings (``fields = { report_link = "https://…" }``)."""
        t = self.table(k)
        for name, v in t.items():
            if not isinstance(v, str):
                raise self.fail(f"{k}.{name}", f"expected a string, got {_shown(v)}")
        return {str(name): str(v) for name, v in t.items()}

    def table(self, k: str) -> dict[str, Any]:
        v = self.t.get(k)
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise self.fail(k, f"expected a table, got {_shown(v)}")
        return v

    def tables(self, k: str) -> list[dict[str, Any]]:
        v = self.t.get(k)
        if v is None:
            return []
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            raise self.fail(k, f"expected [[{k}]] tables, got {_shown(v)}")
        return cast(list[dict[str, Any]], v)


def _shown(v: Any) -> str:
    if isinstance(v, str):
        return f"the string {v!r}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return f"the number {v}"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


_TOP = ("me", "windows", "accounts", "projects", "keymap", "team", "templates", "notify")
_ME = ("name", "role", "timezone", "handles", "emails", "watch", "signature", "urgent",
       "aliases", "language")
_WINDOWS = ("reply", "urgent_breaks_through")
_PROJECT = ("name", "status", "services", "trello_boards", "telegram_chats", "email_domains",
            "emails", "clients", "team", "out_of_scope", "importance", "sla", "account_manager",
            "fields")
_AM = ("name", "telegram", "email", "trello", "escalate_via")
_ESCALATE_VIA = ("", "telegram", "email", "trello")
_LANGUAGES = LANGUAGES
_TEMPLATE = ("name", "text", "project", "language", "description")
_NOTIFY = ("enabled", "method", "urgent", "followups", "interval", "saved_messages")


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    """Build a ``Config`` from parsed TOML; raise ``ConfigError`` naming file and key."""
    where = str(path) if path else "config"
    top = _Reader(where, "", data)
    top.only(_TOP)
    me = _me(_Reader(where, "me", top.table("me")))
    w = _Reader(where, "windows", top.table("windows"))
    w.only(_WINDOWS)
    windows = Windows()
    if "reply" in w.t:
        windows.reply = w.strs("reply")
    for i, spec in enumerate(windows.reply):
        try:
            parse_window(spec)
        except ValueError as e:
            raise ConfigError(f"{where}: windows.reply[{i}]: {e}") from e
    windows.urgent_breaks_through = w.flag("urgent_breaks_through", True)
    accounts = [_account(where, i, a) for i, a in enumerate(top.tables("accounts"))]
    seen: dict[str, int] = {}
    for a in accounts:
        if a.name in seen:
            raise ConfigError(f"{where}: accounts[{a.index}].name: {a.name!r} is already the name of "
                              f"accounts[{seen[a.name]}] (account names must be unique)")
        seen[a.name] = a.index
    projects: list[ProjectCfg] = []
    names: dict[str, int] = {}
    for i, p in enumerate(top.tables("projects")):
        proj = _project(_Reader(where, f"projects[{i}]", p))
        if proj.name in names:
            raise ConfigError(f"{where}: projects[{i}].name: duplicate project name {proj.name!r} "
                              f"(also projects[{names[proj.name]}])")
        names[proj.name] = i
        projects.append(proj)
    keymap_t = top.table("keymap")
    keymap: dict[str, str] = {}
    for k, v in keymap_t.items():
        if not isinstance(v, str) or not v.strip():
            raise ConfigError(f"{where}: keymap.{k}: expected keys as a string like \"j,down\", "
                              f"got {_shown(v)}")
        keymap[str(k)] = v
    try:
        check_keymap(keymap)
    except KeymapError as e:
        raise ConfigError(f"{where}: {e}") from e
    templates = _templates(where, top, set(names))
    notify = _notify(_Reader(where, "notify", top.table("notify")), accounts)
    return Config(me=me, windows=windows, accounts=accounts, projects=projects, keymap=keymap,
                  team=top.strs("team"), templates=templates, notify=notify, path=path)


def _templates(where: str, top: _Reader, projects: set[str]) -> list[TemplateCfg]:
    """``[[templates]]``: name and text required; project (a configured one) and language
    optional; one name per project and language."""
    out: list[TemplateCfg] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, t in enumerate(top.tables("templates")):
        r = _Reader(where, f"templates[{i}]", t)
        r.only(_TEMPLATE)
        for k in ("name", "text"):
            if k not in t:
                raise r.fail(k, "required")
        name = r.text("name", "").strip()
        try:
            check_template_name(name)
        except ValueError as e:
            raise r.fail("name", str(e)) from e
        text = r.text("text", "")
        if not text.strip():
            raise r.fail("text", "must not be empty")
        project = r.text("project", "")
        if project and project not in projects:
            known = ", ".join(sorted(projects)) or "none configured"
            raise r.fail("project", f"no project named {project!r} (known: {known})")
        language = r.text("language", "")
        if language not in LANGUAGES:
            raise r.fail("language", f"{language!r} is not one of ru, en")
        key = (name, project, language)
        if key in seen:
            raise r.fail("name", f"{name!r} is already templates[{seen[key]}] "
                                 "(one name per project and language)")
        seen[key] = i
        out.append(TemplateCfg(name=name, text=text, project=project, language=language,
                               description=r.text("description", "")))
    return out


def _notify(r: _Reader, accounts: list[AccountCfg]) -> Notify:
    """``[notify]``: whether, how and how often; ``saved_messages`` names a telegram_user account."""
    r.only(_NOTIFY)
    n = Notify(
        enabled=r.flag("enabled", True),
        method=r.text("method", "auto"),
        urgent=r.flag("urgent", True),
        followups=r.flag("followups", True),
        interval=r.integer("interval", 60),
        saved_messages=r.text("saved_messages", ""),
    )
    if n.method not in NOTIFY_METHODS:
        raise r.fail("method", f"{n.method!r} is not one of {', '.join(NOTIFY_METHODS)}")
    if n.saved_messages:
        acc = next((a for a in accounts if a.name == n.saved_messages), None)
        users = [a.name for a in accounts if a.kind == "telegram_user"]
        if acc is None or acc.kind != "telegram_user":
            hint = (f"(telegram_user accounts: {', '.join(users)})" if users else
                    "(add one with `inscope connect telegram --user`)")
            raise r.fail("saved_messages", f"{n.saved_messages!r} is not a telegram_user account {hint}")
    return n


def _me(r: _Reader) -> Me:
    r.only(_ME)
    me = Me(
        name=r.text("name", "Me"),
        role=r.text("role", ""),
        timezone=r.text("timezone", "UTC"),
        handles=r.strs("handles"),
        emails=[e.lower() for e in r.strs("emails")],
        watch=r.strs("watch"),
        signature=r.text("signature", ""),
        urgent=r.strs("urgent") if "urgent" in r.t else None,
        aliases=r.strs("aliases"),
        language=r.text("language", ""),
    )
    if me.language not in _LANGUAGES:
        raise r.fail("language", f"{me.language!r} is not one of ru, en")
    try:
        ZoneInfo(me.timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise r.fail("timezone", f"unknown timezone {me.timezone!r} (e.g. \"Europe/Moscow\")") from e
    return me


def _account(where: str, i: int, a: dict[str, Any]) -> AccountCfg:
    r = _Reader(where, f"accounts[{i}]", a)
    for k in ("name", "kind"):
        if k not in a:
            raise r.fail(k, "required")
    name, kind = r.text("name", ""), r.text("kind", "")
    if not name.strip():
        raise r.fail("name", "must not be empty")
    for k in a:
        if is_secret_key(k):
            raise r.fail(k, "secrets do not belong in the config; run `inscope connect` to "
                            "store them in the keyring")
    r.flag("disabled", False)
    opts = {k: v for k, v in a.items() if k not in ("name", "kind")}
    return AccountCfg(name=name, kind=kind, options=opts, index=i)


def _is_status(s: str) -> TypeGuard[ProjectStatus]:
    return s in PROJECT_STATUSES


def _project(r: _Reader) -> ProjectCfg:
    r.only(_PROJECT)
    if "name" not in r.t:
        raise r.fail("name", "required")
    name = r.text("name", "")
    if not name.strip():
        raise r.fail("name", "must not be empty")
    if name.strip().casefold() == UNSORTED.casefold():
        raise r.fail("name", f"{UNSORTED!r} is where unmapped conversations go; pick another name")
    status = r.text("status", "active")
    if not _is_status(status):
        raise r.fail("status", f"{status!r} is not one of {', '.join(PROJECT_STATUSES)}")
    importance = r.text("importance", "normal").strip().lower()
    if importance not in IMPORTANCE:
        raise r.fail("importance", f"{importance!r} is not one of {', '.join(IMPORTANCE)}")
    try:
        sla = Sla.parse(r.text("sla", "1 window"))
    except ValueError as e:
        raise r.fail("sla", str(e)) from e
    am_r = _Reader(r.where, r.key("account_manager"), r.table("account_manager"))
    am_r.only(_AM)
    am = AccountManager(**{k: am_r.text(k, "") for k in _AM})
    if am.escalate_via not in _ESCALATE_VIA:
        raise am_r.fail("escalate_via", f"{am.escalate_via!r} is not one of telegram, email, trello")
    return ProjectCfg(
        name=name,
        status=status,
        services=r.strs("services"),
        trello_boards=r.strs("trello_boards"),
        telegram_chats=r.strs("telegram_chats"),
        email_domains=r.strs("email_domains"),
        emails=r.strs("emails"),
        clients=r.strs("clients"),
        team=r.strs("team"),
        out_of_scope=r.strs("out_of_scope"),
        importance=importance,
        sla=sla,
        account_manager=am,
        fields=r.text_table("fields"),
    )


def load(path: Path) -> Config:
    """Read and parse ``path``; a missing file is an empty config.

    Unreadable files (a directory, mode 000, not UTF-8, bad TOML) are a ``ConfigError``
    that says which file and what to do, never a traceback.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except IsADirectoryError as e:
        raise ConfigError(f"{path}: is a directory, not a config file") from e
    except PermissionError as e:
        raise ConfigError(f"{path}: cannot be read (permission denied); "
                          f"check its mode, e.g. chmod 600 {path}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read ({e.strerror or e})") from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from e
    return parse(data, path)
