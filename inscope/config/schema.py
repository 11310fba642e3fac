"""The typed settings that a config file turns into: plain dataclasses, no I/O.

Everything has a default, so ``Config()`` is the empty config.  ``inscope.config.load``
builds these from TOML and rejects what does not fit (naming the file and the key);
code that holds a ``Config`` can trust its types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inscope.config.values import Sla
from inscope.model import ProjectStatus


@dataclass(slots=True)
class Me:
    """``[me]``: who the specialist is, where she lives, which words concern her."""

    name: str = "Me"
    role: str = ""
    timezone: str = "UTC"
    handles: list[str] = field(default_factory=list)  # @handles without "@": trello, telegram
    emails: list[str] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)  # watch words
    signature: str = ""  # Telegram bot reply prefix, e.g. "Maria (SEO): "
    urgent: list[str] | None = None  # extra urgency words; [] = none beyond the built-in rules
    aliases: list[str] = field(default_factory=list)  # other names that mention me
    language: str = ""  # "ru" | "en" | "" (the locale decides)


@dataclass(slots=True)
class Windows:
    """``[windows]``: the reply windows (specs as written) and what breaks through."""

    reply: list[str] = field(default_factory=lambda: ["Mon-Fri 11:00-12:00", "Mon-Fri 17:00-18:00"])
    urgent_breaks_through: bool = True


@dataclass(slots=True)
class AccountManager:
    """A project's account manager and how to reach them."""

    name: str = ""
    telegram: str = ""  # chat id or @handle
    email: str = ""
    trello: str = ""  # trello username to @mention
    escalate_via: str = ""  # "telegram" | "email" | "trello" | "" (the thread's channel)


@dataclass(slots=True)
class AccountCfg:
    """One ``[[accounts]]`` entry: its name, kind and the kind's own (non-secret) options.

    The options are checked by the connector of that kind when the account is built, so a
    bad option disables that one account with a message naming the key.
    """

    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    index: int = -1  # position in the file, for messages ("accounts[2].port")

    @property
    def disabled(self) -> bool:
        """``disabled = true`` in the entry (checked to be a boolean at load)."""
        return bool(self.options.get("disabled", False))


@dataclass(slots=True)
class ProjectCfg:
    """One ``[[projects]]`` entry: a client project, its routes, people and rules."""

    name: str
    status: ProjectStatus = "active"
    services: list[str] = field(default_factory=list)
    trello_boards: list[str] = field(default_factory=list)
    telegram_chats: list[str] = field(default_factory=list)
    email_domains: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)  # handles / emails / names of client people
    team: list[str] = field(default_factory=list)  # agency colleagues on this project
    out_of_scope: list[str] = field(default_factory=list)
    importance: str = "normal"  # low | normal | high | vip
    sla: Sla = field(default_factory=lambda: Sla("windows", 1.0))
    account_manager: AccountManager = field(default_factory=AccountManager)
    fields: dict[str, str] = field(default_factory=dict)  # template placeholders, e.g. report_link

    def routes(self) -> list[str]:
        """The connector route keys that map a conversation to this project."""
        out = [f"trello_board:{b}" for b in self.trello_boards]
        out += [f"telegram_chat:{c}" for c in self.telegram_chats]
        out += [f"email_domain:{d.lower()}" for d in self.email_domains]
        out += [f"email:{e.lower()}" for e in self.emails]
        return out


@dataclass(slots=True)
class TemplateCfg:
    """One ``[[templates]]`` entry: a named reply snippet, for one project or all, in a language."""

    name: str
    text: str
    project: str = ""  # "" = every project
    language: str = ""  # "ru" | "en" | "" (any)
    description: str = ""


@dataclass(slots=True)
class Notify:
    """``[notify]``: desktop notifications for urgent threads and follow-ups that come back."""

    enabled: bool = True
    method: str = "auto"  # auto | osc9 | osc777 | osc99 | notify-send | bell | none
    urgent: bool = True
    followups: bool = True
    interval: int = 60  # seconds: at most one notification per interval, the rest grouped
    saved_messages: str = ""  # a telegram_user account: urgent threads to its Saved Messages


@dataclass(slots=True)
class Config:
    """The whole config file."""

    me: Me = field(default_factory=Me)
    windows: Windows = field(default_factory=Windows)
    accounts: list[AccountCfg] = field(default_factory=list)
    projects: list[ProjectCfg] = field(default_factory=list)
    keymap: dict[str, str] = field(default_factory=dict)
    team: list[str] = field(default_factory=list)  # agency people (handles/emails/domains)
    templates: list[TemplateCfg] = field(default_factory=list)
    notify: Notify = field(default_factory=Notify)
    path: Path | None = None

    def project(self, name: str) -> ProjectCfg | None:
        """The project named ``name``, if configured."""
        for p in self.projects:
            if p.name == name:
                return p
        return None

    def account(self, name: str) -> AccountCfg | None:
        """The account named ``name``, if configured."""
        for a in self.accounts:
            if a.name == name:
                return a
        return None

    def where(self, what: str) -> str:
        """``"<file> <what>"`` for messages that name a key (``where("accounts[1].port")``)."""
        return f"{self.path} {what}" if self.path else what
