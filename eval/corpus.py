"""The corpus on disk: the world (``world.toml``), the threads, and the fixed split.

The split is decided by the thread id alone (the first byte of its SHA-256), so it never
changes when threads are added or rules are tuned: even → *development* half (rules may
be tuned against it), odd → *held-out* half (only ever measured).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORLD = HERE / "world.toml"
CORPUS = HERE / "corpus"
BLIND = HERE / "blind"  # the blind set: written apart from the rules, only ever measured

_AT_RE = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": 86400, "h": 3600, "m": 60}


def half_of(thread_id: str) -> str:
    """``"dev"`` or ``"held"``: the fixed split by the SHA-256 of the id."""
    return "dev" if hashlib.sha256(thread_id.encode()).digest()[0] % 2 == 0 else "held"


def offset(at: str) -> timedelta:
    """``"-1d15h40m"`` → minus 1 day 15 hours 40 minutes (units combine, ``-`` = before now)."""
    s = at.strip()
    sign = -1 if s.startswith("-") else 1
    body = s.lstrip("+-")
    if not body or _AT_RE.sub("", body):
        raise ValueError(f"bad time offset {at!r}: use e.g. -15m, -2h, -1d3h")
    seconds = sum(int(n) * _UNITS[u] for n, u in _AT_RE.findall(body))
    return timedelta(seconds=sign * seconds)


@dataclass(frozen=True, slots=True)
class Person:
    """One key of ``[people]`` (or ``me``)."""

    key: str
    name: str
    handle: str = ""
    email: str = ""
    team: str = ""  # the agency function (ppc, dev, am …); "" for everyone else
    project: str = ""  # a client's project
    bot: bool = False

    @property
    def agency(self) -> bool:
        return bool(self.team)


@dataclass(frozen=True, slots=True)
class Project:
    """One ``[[projects]]`` entry of the world."""

    name: str
    status: str
    importance: str
    services: tuple[str, ...]
    board: str
    chat: int | None
    domains: tuple[str, ...]
    am: str
    team: tuple[str, ...]
    clients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class World:
    """The agency the corpus lives in."""

    now: datetime
    timezone: str
    windows: tuple[str, ...]
    me: Person
    role: str
    people: dict[str, Person]
    projects: tuple[Project, ...]

    def person(self, key: str) -> Person:
        return self.me if key == "me" else self.people[key]


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a corpus thread."""

    author: str
    at: datetime
    text: str
    reply_to: int | None = None  # 1-based index in the thread
    mentions: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Labels:
    """What a competent specialist makes of the thread."""

    mine: bool
    scope: str
    out_service: str
    urgent: bool
    priority: str
    decision: str
    why: str


@dataclass(frozen=True, slots=True)
class Thread:
    """One corpus file."""

    id: str
    channel: str
    project: str
    title: str
    labels: Labels
    messages: tuple[Message, ...] = field(default_factory=tuple)
    path: Path | None = None

    @property
    def half(self) -> str:
        return half_of(self.id)


def load_world(path: Path = WORLD) -> World:
    """Parse ``world.toml``."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    me_raw = raw["me"]
    me = Person("me", me_raw["name"], me_raw.get("handle", ""), me_raw.get("email", ""), team="me")
    people = {
        k: Person(k, v["name"], v.get("handle", ""), v.get("email", ""), v.get("team", ""),
                  v.get("project", ""), bool(v.get("bot", False)))
        for k, v in raw.get("people", {}).items()
    }
    projects = tuple(
        Project(p["name"], p.get("status", "active"), p.get("importance", "normal"),
                tuple(p.get("services", ())), p.get("board", ""), p.get("chat"),
                tuple(p.get("domains", ())), p.get("am", ""), tuple(p.get("team", ())),
                tuple(p.get("clients", ())))
        for p in raw.get("projects", ())
    )
    return World(datetime.fromisoformat(raw["now"]), raw["timezone"], tuple(raw["windows"]), me,
                 me_raw.get("role", ""), people, projects)


def load_thread(path: Path, now: datetime) -> Thread:
    """Parse one corpus file; ``at`` offsets become times before ``now``."""
    raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    lab = raw["labels"]
    labels = Labels(bool(lab["mine"]), lab["scope"], lab.get("out_service", ""), bool(lab["urgent"]),
                    lab["priority"], lab["decision"], lab.get("why", ""))
    msgs = tuple(
        Message(m["from"], now + offset(m["at"]), m["text"], m.get("reply_to"),
                tuple(m.get("mentions", ())), tuple(m.get("to", ())), tuple(m.get("cc", ())),
                m.get("subject", ""))
        for m in raw["messages"]
    )
    return Thread(raw["id"], raw["channel"], raw.get("project", ""), raw.get("title", ""), labels,
                  msgs, path)


def load_corpus(world: World, directory: Path = CORPUS, limit: int | None = None) -> list[Thread]:
    """Every thread file of ``directory`` in name order (the first ``limit`` if given)."""
    files = sorted(directory.glob("*.toml"))
    if limit is not None:
        files = files[:limit]
    return [load_thread(f, world.now) for f in files]
