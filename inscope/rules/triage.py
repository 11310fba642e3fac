"""Triage rules: who wrote, which project, relevance, scope, priority with reasons, due time.

Pure functions over config and message facts — no I/O, no SQLite, no Textual.  The store
calls :meth:`Rules.role_of` / :meth:`Rules.project_of` while ingesting and the adapter from
:meth:`Rules.triage_fn` (a ``store.TriageFn``) whenever a thread changes.

Word matching (``inscope.rules.words``) is by stem, never by substring; identities
(``inscope.rules.people``) decide roles.  Per-project tables (watch + urgency + mentions +
that project's scope phrases) are built once in :meth:`Rules.from_config`.  See
docs/config.md for every rule and how to override it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.base import Item
from inscope.config import Config, ProjectCfg, Sla
from inscope.model import Assessment, MsgFacts, Priority, Relevance, Role, Scope
from inscope.rules.people import People, domain_in, norm_handle
from inscope.rules.windows import Schedule, format_duration
from inscope.rules.words import Matcher, Term, compile_term, normalize


def sla_due(sla: Sla, schedule: Schedule, arrived: float) -> float | None:
    """When a client message that arrived at ``arrived`` must be answered under ``sla``."""
    if sla.kind == "windows":
        return schedule.due_at_ts(arrived, int(sla.amount))
    if sla.kind == "hours":
        return schedule.due_after_window_hours_ts(arrived, sla.amount)
    return None

# -- default word lists (overridable, see docs/config.md) ---------------------------------

DEFAULT_URGENT: tuple[str, ...] = (
    "срочно", "срочный", "немедленно", "горит", "авария", "не работает", "не открывается",
    "не грузится", "упал", "сайт лежит", "сервер лежит", "сломался", "ошибка 500",
    "urgent", "asap", "emergency", "immediately", "outage", "not working", "doesn't work",
    "does not work", "is down", "are down", "was down", "went down", "goes down", "site down",
    "server down",
)
"""Urgency words.  Deliberately narrow: "down" alone would fire on "scroll down", "лежит"
on "файл лежит в папке", "broken" on "broken links", so those are matched in phrases."""

DEFAULT_QUESTION: tuple[str, ...] = (
    "подскажите", "скажите", "можно ли", "можете ли", "could you", "can you", "would you",
    "please advise", "let me know",
)
"""Phrases that make a client message a question even without a "?".  Phrases starting with
very common words ("что делать", "нужно ли") are left out: "?" catches those, and each
occurrence of the first word costs a multi-word check."""

PUBLIC_EMAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com", "googlemail.com", "yandex.ru", "ya.ru", "yandex.com", "mail.ru", "bk.ru",
        "inbox.ru", "list.ru", "rambler.ru", "outlook.com", "hotmail.com", "live.com",
        "yahoo.com", "icloud.com", "me.com", "proton.me", "protonmail.com", "gmx.de",
        "gmx.net", "web.de",
    }
)
"""Sharing one of these with me does not make someone a teammate."""

SCAN_CHARS = 8000
"""Only the first 8000 characters of a message are scanned for words: the new part of a long
e-mail comes first, the quoted history after it is in the thread's earlier messages anyway,
and triage stays fast on 50 KB newsletters."""

IMPORTANCE_POINTS: dict[str, tuple[int, str]] = {
    "vip": (2, "VIP client"),
    "high": (1, "important client"),
    "normal": (0, ""),
    "low": (-1, "low-importance client"),
}

# -- per-project compiled rules ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectRules:
    """Everything about one project that triage needs, compiled once."""

    name: str
    matcher: Matcher  # global terms + this project's scope phrases
    importance: tuple[int, str]
    sla: Sla
    am: People
    team: People
    clients: People


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# Points → priority; an urgency word forces URGENT.  See docs/config.md "Priority".
_URGENT_AT = 4
_HIGH_AT = 2


def _priority(points: int) -> Priority:
    if points >= _URGENT_AT:
        return Priority.URGENT
    if points >= _HIGH_AT:
        return Priority.HIGH
    if points >= 0:
        return Priority.NORMAL
    return Priority.LOW


class Rules:
    """The triage rules compiled from a :class:`~inscope.config.Config`.

    Build once per config (``Rules.from_config(cfg)``) and reuse: all word lists are
    compiled into lookup tables, per project.
    """

    def __init__(
        self,
        cfg: Config,
        *,
        schedule: Schedule | None = None,
        urgent: Sequence[str] | None = None,
        question: Sequence[str] | None = None,
        aliases: Sequence[str] = (),
    ) -> None:
        self.cfg = cfg
        self.schedule = schedule or Schedule.from_config(cfg.windows, cfg.me.timezone)
        # Roles depend only on who wrote and where: memoized (ingest asks once per item).
        self._role_cache: dict[tuple[object, ...], Role] = {}
        # A stored message is rescanned each time its thread changes (up to 20 times):
        # cache the scan per (project, message id, text) — an edit changes the key.
        self._scan_cache: dict[tuple[str, int, int], dict[str, str]] = {}
        me = cfg.me
        self.me = People.parse([*("@" + h.lstrip("@") for h in me.handles), *me.emails])
        self.member_keys: frozenset[str] = frozenset(
            {"me"} | {norm_handle(h) for h in me.handles} | {e.casefold() for e in me.emails}
        )
        own_domains = {e.rpartition("@")[2].casefold() for e in me.emails if "@" in e}
        self.my_domains: frozenset[str] = frozenset(own_domains - PUBLIC_EMAIL_DOMAINS)
        self.team = People.parse(cfg.team)
        global_terms: list[Term] = []
        for w in me.watch:
            global_terms += compile_term("watch", w, translit=True)
        for w in DEFAULT_URGENT if urgent is None else urgent:
            global_terms += compile_term("urgent", w)
        for w in DEFAULT_QUESTION if question is None else question:
            global_terms += compile_term("question", w)
        for h in me.handles:
            if h.strip().lstrip("@"):
                global_terms += compile_term("mention", "@" + h.strip().lstrip("@"))
        # My name mentions me; "Me" is the config default, not a name (it would match "me").
        names = [me.name] if me.name.strip().casefold() not in ("", "me") else []
        for n in [*names, *aliases]:
            for word in n.split():
                if len(word) >= 3:
                    global_terms += compile_term("mention", word)
        self._global_terms: tuple[Term, ...] = tuple(global_terms)
        self.all_am = People()
        for p in cfg.projects:
            self.all_am = self.all_am | People.of_am(p.account_manager)
        self._projects: dict[str, ProjectRules] = {}
        for p in cfg.projects:
            self._projects[p.name] = self._compile_project(p)
        self._default = self._compile_project(ProjectCfg(name=""))
        self._exact_routes: dict[str, str] = {}
        self._domain_routes: dict[str, str] = {}
        for p in cfg.projects:
            for r in p.routes():
                table = self._domain_routes if r.startswith("email_domain:") else self._exact_routes
                table.setdefault(r, p.name)  # the first project in config order wins

    @classmethod
    def from_config(cls, cfg: Config) -> Rules:
        """Compile the rules of ``cfg`` (already validated by the config loader).

        ``[me] urgent`` replaces the urgency word list; ``[me] aliases`` are other names
        that mention me.
        """
        return cls(cfg, urgent=cfg.me.urgent, aliases=cfg.me.aliases)

    def _compile_project(self, p: ProjectCfg) -> ProjectRules:
        terms = list(self._global_terms)
        for phrase in p.out_of_scope:
            terms += compile_term("out", phrase)
        for svc in p.services:
            terms += compile_term("in", svc)
        imp = IMPORTANCE_POINTS.get(p.importance, (0, ""))
        return ProjectRules(
            name=p.name,
            matcher=Matcher(terms),
            importance=imp,
            sla=p.sla,
            am=People.of_am(p.account_manager),
            team=People.parse(p.team),
            clients=People.parse(p.clients),
        )

    def project_rules(self, project: str | None) -> ProjectRules:
        """Compiled rules of ``project``; unknown names (``Unsorted``) get the defaults."""
        if project is None:
            return self._default
        return self._projects.get(project, self._default)

    # -- ingest-time rules -------------------------------------------------------------

    def project_of(self, item: Item) -> str | None:
        """The project whose config routes match ``item.routes``; ``None`` → Unsorted.

        Exact routes (board, chat, e-mail address) beat e-mail domains; a domain also
        covers its subdomains; the first project in config order wins a tie.
        """
        for r in item.routes:
            key = r.lower() if r.startswith("email") else r
            hit = self._exact_routes.get(key)
            if hit is not None:
                return hit
        for r in item.routes:
            if not r.startswith("email_domain:"):
                continue
            domain = r[len("email_domain:") :].lower()
            while domain:
                hit = self._domain_routes.get("email_domain:" + domain)
                if hit is not None:
                    return hit
                _, _, domain = domain.partition(".")
        return None

    def role_of(self, item: Item, project: str | None) -> Role:
        """Who wrote ``item`` in ``project`` (memoized; see ``_role_of``)."""
        a = item.author
        key = (a.id, a.name, a.handle, a.email, a.is_me, a.is_bot, project)
        role = self._role_cache.get(key)
        if role is None:
            if len(self._role_cache) > 50_000:
                self._role_cache.clear()  # bounded: authors are few, but never grow without end
            role = self._role_cache[key] = self._role_of(item, project)
        return role

    def _role_of(self, item: Item, project: str | None) -> Role:
        """Who wrote ``item`` in ``project``: me, bot, am, team or client.

        Order: me (``is_me`` or my handle/e-mail) → bot → the project's AM → team
        (``[team]``, the project's ``team``) → the project's ``clients`` → same e-mail domain
        as me (not a public mail service) → team → an AM of another project → team (or
        ``am`` in Unsorted) → everyone else is a client.
        """
        a = item.author
        if a.is_me or self.me.matches(a):
            return "me"
        if a.is_bot:
            return "bot"
        p = self.project_rules(project)
        if p.am and p.am.matches(a):
            return "am"
        if self.team.matches(a) or p.team.matches(a):
            return "team"
        if p.clients.matches(a):
            return "client"
        if self.my_domains and a.email and domain_in(
            a.email.strip().casefold().rpartition("@")[2], self.my_domains
        ):
            return "team"
        if self.all_am and self.all_am.matches(a):
            return "am" if project is None or project not in self._projects else "team"
        return "client"

    # -- triage ------------------------------------------------------------------------

    def assess(
        self, project: str, facts: Sequence[MsgFacts], members: tuple[str, ...], now: float
    ) -> Assessment:
        """Relevance, scope, priority with reasons and due time of one thread.

        ``facts`` are the thread's recent non-deleted messages, oldest first; ``members``
        the card's members (``"me"`` or one of my handles means I'm on the card); ``now``
        epoch seconds.  The rules are described in docs/config.md.
        """
        if not facts:
            return Assessment(relevance="noise", priority=Priority.LOW)
        pr = self.project_rules(project)
        matcher = pr.matcher
        last_me = -1
        for i in range(len(facts) - 1, -1, -1):
            f = facts[i]
            if f.is_me or f.role == "me":
                last_me = i
                break

        watch = urgent = out = in_scope = ""
        mention = pending_mention = question = False
        first_pending_client: float | None = None
        for i, f in enumerate(facts):
            if f.is_me or f.role == "me":
                continue  # my own words neither alert nor scope me
            pending = i > last_me
            hits = self._scan(project, matcher, f)
            if not watch and "watch" in hits:
                watch = hits["watch"]
            if f.mentions_me or "mention" in hits:
                mention = True
                pending_mention = pending_mention or pending
            if pending and not urgent and "urgent" in hits:
                urgent = hits["urgent"]
            if f.role == "client":
                if "out" in hits:
                    out = hits["out"]  # the latest request wins the reason
                if "in" in hits:
                    in_scope = hits["in"]
                if pending:
                    if first_pending_client is None:
                        first_pending_client = f.created_at
                    if "?" in f.text or "question" in hits:
                        question = True

        last = facts[-1]
        client_waiting = last.role == "client" and not last.is_me
        member = bool(members) and any(
            norm_handle(m) in self.member_keys for m in members
        )
        relevance: Relevance
        if client_waiting or mention or member or last_me >= 0:
            relevance = "mine"
        elif watch:
            relevance = "watch"
        else:
            relevance = "noise"

        scope: Scope = "out" if out else ("in" if in_scope else "unknown")
        scope_reason = out or in_scope

        reasons: list[str] = []
        points = 0
        if urgent:
            reasons.append(f"urgent word: «{urgent}»")
        due: float | None = None
        if first_pending_client is not None and relevance != "noise":
            due = sla_due(pr.sla, self.schedule, first_pending_client)
            if due is not None and now >= due:
                points += 2
                reasons.append(f"overdue {format_duration(now - due)}")
            waited = self.schedule.windows_waited_ts(first_pending_client, now)
            if waited >= 1:
                reasons.append(f"waited {_plural(waited, 'reply window')}")
                if waited >= 2:
                    points += 1
        if question:
            points += 1
            reasons.append("question waiting for you")
        if pending_mention:
            points += 1
            reasons.append("mentions you")
        if first_pending_client is not None and pr.importance[1]:
            points += pr.importance[0]
            reasons.append(pr.importance[1])
        if watch:
            points += 1
            reasons.append(f"watch word: {watch}")
        if out:
            points -= 1
            reasons.append(f"out of scope: «{out}»")

        if urgent:
            priority = Priority.URGENT
        elif relevance == "noise":
            priority = Priority.LOW
        else:
            priority = _priority(points)
        return Assessment(
            relevance=relevance,
            scope=scope,
            scope_reason=scope_reason,
            priority=priority,
            reasons=tuple(reasons),
            due_at=due,
        )

    def _scan(self, project: str, matcher: Matcher, f: MsgFacts) -> dict[str, str]:
        if not f.text:
            return {}
        if not f.id:
            return matcher.scan(normalize(f.text[:SCAN_CHARS]))
        key = (project, f.id, hash(f.text))
        hits = self._scan_cache.get(key)
        if hits is None:
            if len(self._scan_cache) > 100_000:
                self._scan_cache.clear()  # bounded; a miss only costs a rescan
            hits = self._scan_cache[key] = matcher.scan(normalize(f.text[:SCAN_CHARS]))
        return hits

    def triage_fn(
        self, now: float
    ) -> Callable[[int, str, Sequence[MsgFacts], tuple[str, ...]], Assessment]:
        """A ``store.TriageFn`` for the instant ``now`` (project id ignored, name used)."""

        def triage(
            project_id: int, project: str, facts: Sequence[MsgFacts], members: tuple[str, ...]
        ) -> Assessment:
            return self.assess(project, facts, members, now)

        return triage
