"""Triage: who wrote, which project, whose it is, in scope or not, urgent or not, priority.

Pure functions over config and message facts — no I/O, no SQLite, no Textual.  The store
calls :meth:`Rules.role_of` / :meth:`Rules.project_of` while ingesting and the adapter from
:meth:`Rules.triage_fn` (a ``store.TriageFn``) whenever a thread changes.

Two axes (docs/triage.md has every rule):

- **urgent** (``inscope.rules.urgency``): only what must break through the reply windows
  now — an emergency, with its reason;
- **priority** high / normal / low: the order of work inside a window — questions and
  requests waiting for me, the client's importance, overdue, «срочно»; acknowledgements
  and FYIs are low and start no reply clock.

Beside them **relevance** (mine / watch / noise, with the reason) reads who a message is
addressed to, per channel (``inscope.rules.signals``), and **scope** reads requests for
services (``inscope.rules.services``).  Words are compared by lemma
(``inscope.rules.lemmas``); the lemmatizer and every lexicon are compiled on the first
assessment, never at :meth:`Rules.from_config` (which runs before the first frame).
Learned adjustments from the user's own decisions (``inscope.rules.learned``) come last.

Why one module of this size: ``Rules`` and ``assess`` are the one place where the axes meet
(relevance, scope, urgency, priority, reasons) and each reads the others' results; the
signals, emergencies, lexicons, lemmas, services and learning they combine are apart.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from connectors.base import Item
from inscope.config import Config, ProjectCfg, Sla

if TYPE_CHECKING:
    # The assessment's modules (lemmatizer, lexicons, signals, learning) are imported on
    # the first assessment, in the sync worker: start-up pays only for routing and roles.
    from inscope.rules.learned import Features, Models
    from inscope.rules.lexicon import PhraseSet, Word
    from inscope.rules.signals import Signals
    from inscope.rules.urgency import Entry
    from inscope.store.decisions import Decision
from inscope.model import Assessment, MsgFacts, Priority, Relevance, Role, Scope
from inscope.rules.people import People, domain_in, norm_handle
from inscope.rules.windows import Schedule, format_duration


def sla_due(sla: Sla, schedule: Schedule, arrived: float) -> float | None:
    """When a client message that arrived at ``arrived`` must be answered under ``sla``."""
    if sla.kind == "windows":
        return schedule.due_at_ts(arrived, int(sla.amount))
    if sla.kind == "hours":
        return schedule.due_after_window_hours_ts(arrived, sla.amount)
    return None


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
"""Only the first 8000 characters of a message are read: the new part of a long e-mail
comes first, the quoted history is in the thread's earlier messages anyway, and triage
stays fast on 50 KB newsletters."""

IMPORTANCE_POINTS: dict[str, tuple[int, str]] = {
    "vip": (3, "VIP client"),
    "high": (2, "important client"),
    "normal": (0, ""),
    "low": (-1, "low-importance client"),
}
"""Points a client's importance adds while something of theirs waits (see ``_priority``)."""

HIGH_AT = 3
"""Points at which a waiting question or request is high priority."""
EMERGENCY_POINTS = 2
OVERDUE_POINTS = 1
URGENT_WORD_POINTS = 1
CHASE_POINTS = 1
"""A later «есть новости?» / "any update?" after a question nobody answered yet."""
CALM_POINTS = -3
ALERT_STALE_DAYS = 3.0
"""A monitoring notice older than this is history (low priority)."""


@dataclass(frozen=True, slots=True)
class ProjectRules:
    """Everything about one project that triage needs, compiled once (cheap parts)."""

    name: str
    importance: tuple[int, str]
    sla: Sla
    am: People
    team: People
    clients: People
    out_of_scope: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Lexicons:
    """What needs the lemmatizer: compiled on the first assessment."""

    me: frozenset[str]  # my name forms
    colleagues: dict[str, str]  # name form / handle → how to call them in a reason
    watch: PhraseSet
    services: dict[str, PhraseSet]  # project → its ``services`` strings as phrases
    own_urgent: PhraseSet
    out: dict[str, PhraseSet]  # project → its out_of_scope phrases
    contract: dict[str, frozenset[str]]  # project → service keys of its contract


@dataclass(frozen=True, slots=True)
class _View:
    """One message as the assessment reads it (see ``Rules._view``)."""

    sig: Signals
    own: tuple[str, str, str, str]
    is_me: bool
    to_me: str
    to_other: str
    entry: Entry


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name


_LIVE: weakref.WeakSet[Rules] = weakref.WeakSet()
"""Every Rules object, to renew its lock in a forked triage worker (``inscope.store.workers``)."""


def _renew_locks() -> None:
    # A thread of the parent (the UI's) may have held a lock at the fork; in the child no
    # thread ever releases it, and the worker's first assessment would wait forever.
    for rules in list(_LIVE):
        rules._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_locks)


class Rules:
    """The triage rules compiled from a :class:`~inscope.config.Config`.

    Build once per config (``Rules.from_config(cfg)``) and reuse.  Construction is cheap
    (no dictionary is loaded); the lexicons are compiled on the first assessment.
    ``learned`` is what the user's decisions taught (``Workspace`` hands them over from the
    store): relevance, priority and scope models (``inscope.rules.learned.Models``).
    """

    def __init__(
        self,
        cfg: Config,
        *,
        schedule: Schedule | None = None,
        urgent: Sequence[str] | None = None,
        aliases: Sequence[str] = (),
    ) -> None:
        self.cfg = cfg
        self.schedule = schedule or Schedule.from_config(cfg.windows, cfg.me.timezone)
        # Roles depend only on who wrote and where: memoized (ingest asks once per item).
        self._role_cache: dict[tuple[object, ...], Role] = {}
        # A stored message is re-assessed each time its thread changes (up to 20 times):
        # its analysis is cached by text (an edit is a new text; equal texts read alike).
        self._sig_cache: dict[str, Signals] = {}
        self._own_cache: dict[str, tuple[str, str, str, str]] = {}
        self._view_cache: dict[tuple[object, ...], _View] = {}
        self._urgent_words = [w for w in (urgent or ()) if w.strip()]
        self._aliases = list(aliases)
        self._lex: _Lexicons | None = None
        self._lock = threading.Lock()
        _LIVE.add(self)
        self._learned: Models | None = None
        self._decisions: list[Decision] | None = None
        me = cfg.me
        self.me = People.parse([*("@" + h.lstrip("@") for h in me.handles), *me.emails])
        self.my_handles = frozenset(norm_handle(h) for h in me.handles if h.strip())
        self.member_keys: frozenset[str] = frozenset(
            {"me"} | set(self.my_handles) | {e.casefold() for e in me.emails}
        )
        own_domains = {e.rpartition("@")[2].casefold() for e in me.emails if "@" in e}
        self.my_domains: frozenset[str] = frozenset(own_domains - PUBLIC_EMAIL_DOMAINS)
        self.team = People.parse(cfg.team)
        self.all_am = People()
        for p in cfg.projects:
            self.all_am = self.all_am | People.of_am(p.account_manager)
        self._projects: dict[str, ProjectRules] = {}
        for p in cfg.projects:
            self._projects[p.name] = self._compile_project(p)
        self._default = self._compile_project(ProjectCfg(name=""))
        self._exact_routes: dict[str, str] = {}
        self._domain_routes: dict[str, str] = {}
        self.client_domains: dict[str, str] = {}  # e-mail domain → project
        for p in cfg.projects:
            for r in p.routes():
                table = self._domain_routes if r.startswith("email_domain:") else self._exact_routes
                table.setdefault(r, p.name)  # the first project in config order wins
            for d in p.email_domains:
                self.client_domains.setdefault(d.strip().lower(), p.name)

    @classmethod
    def from_config(cls, cfg: Config) -> Rules:
        """Compile the rules of ``cfg`` (already validated by the config loader).

        ``[me] urgent`` adds urgency words (``[]``: none beyond the built-in rules);
        ``[me] aliases`` are other names that mean me.
        """
        return cls(cfg, urgent=cfg.me.urgent, aliases=cfg.me.aliases)

    def _compile_project(self, p: ProjectCfg) -> ProjectRules:
        imp = IMPORTANCE_POINTS.get(p.importance, (0, ""))
        return ProjectRules(
            name=p.name, importance=imp, sla=p.sla, am=People.of_am(p.account_manager),
            team=People.parse(p.team), clients=People.parse(p.clients),
            out_of_scope=tuple(p.out_of_scope), services=tuple(p.services),
        )

    def project_rules(self, project: str | None) -> ProjectRules:
        """Compiled rules of ``project``; unknown names (``Unsorted``) get the defaults."""
        if project is None:
            return self._default
        return self._projects.get(project, self._default)

    def warm(self) -> None:
        """Do now what the first assessment would do first: compile the lexicons, load the
        Russian dictionary, fit the model of the user's decisions.  The sync engine calls
        it while a slow first fetch is in flight (a backfill parsing mail), so that work
        overlaps the fetch instead of delaying the first store."""
        from inscope.rules.lemmas import LEMMATIZER

        self._lexicons()
        LEMMATIZER.load()
        _ = self.learned

    def _lexicons(self) -> _Lexicons:
        with self._lock:
            if self._lex is None:
                self._lex = self._compile_lexicons()
            return self._lex

    def _compile_lexicons(self) -> _Lexicons:
        from inscope.rules.lemmas import tokens, translit
        from inscope.rules.lexicon import PhraseSet
        from inscope.rules.names import name_forms
        from inscope.rules.services import contract_services

        me = self.cfg.me
        names = [me.name] if me.name.strip().casefold() not in ("", "me") else []
        mine = set(name_forms(names[0], self._aliases)) if names else set()
        for a in self._aliases:
            mine |= set(name_forms(a))
        colleagues: dict[str, str] = {}

        def add_person(name: str, handles: Sequence[str]) -> None:
            call = _first_name(name) or (handles[0] if handles else "")
            if name and " " in name.strip() or (name and not handles):
                for f in name_forms(name):
                    if f not in mine:
                        colleagues.setdefault(f, call)
            for h in handles:
                colleagues.setdefault(norm_handle(h), call or h)

        people = [*self.cfg.team]
        for p in self.cfg.projects:
            people += p.team
            am = p.account_manager
            add_person(am.name, [h for h in (am.telegram, am.trello) if h and not h.lstrip("-").isdigit()])
        for spec in people:
            s = spec.strip()
            if not s or "@" in s[1:] or ("." in s and " " not in s) or s.lstrip("-").isdigit():
                continue
            if s.startswith("@"):
                colleagues.setdefault(norm_handle(s), s.lstrip("@"))
            else:
                add_person(s, [])
        watch: list[tuple[str, str, str]] = []
        for w in me.watch:
            watch.append(("watch", w, w))
            if w.isascii() and any(ch.isalpha() for ch in w):
                # Russian writers spell Latin jargon in Cyrillic («редирект», «роботс»); a
                # file name also stands for its bare name (robots.txt → robots).
                bare = w.split(".")[0] if "." in w else w
                watch.append(("watch", " ".join(translit(t) for t in tokens(bare)), w))
                if bare != w:
                    watch.append(("watch", bare, w))
        out = {p.name: PhraseSet(("out", ph) for ph in p.out_of_scope) for p in self.cfg.projects}
        contract = {p.name: contract_services(p.services) for p in self.cfg.projects}
        services = {p.name: PhraseSet(("in", sv, sv) for sv in p.services) for p in self.cfg.projects}
        return _Lexicons(
            me=frozenset(mine), colleagues=colleagues, watch=PhraseSet(watch), services=services,
            own_urgent=PhraseSet(("own", w) for w in self._urgent_words), out=out,
            contract=contract,
        )

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
        key = (a.id, a.name, a.handle, a.email, a.is_me, a.is_bot, project, bool(item.meta.get("claims_me")))
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
        if a.is_me or (self.me.matches(a) and not item.meta.get("claims_me")):
            return "me"
        if item.meta.get("claims_me"):
            return "client"  # "From: me", not verifiably mine: someone else wrote it
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

    def _signals(self, f: MsgFacts) -> Signals:
        text = f.text[:SCAN_CHARS]
        hit = self._sig_cache.get(text)
        if hit is None:
            from inscope.rules.signals import analyse

            if len(self._sig_cache) > 100_000:
                self._sig_cache.clear()  # bounded; a miss only costs a re-analysis
            hit = self._sig_cache[text] = analyse(text)
        return hit

    def _own(self, project: str, text: str, sig: Signals, lex: _Lexicons) -> tuple[str, str, str, str]:
        """(my own urgent word, out-of-scope phrase in a request, a watch word, a contract
        service named) of one message — the parts that depend on this config."""
        key = project + "\0" + text
        hit = self._own_cache.get(key)
        if hit is not None:
            return hit
        own = out = watch = named = ""
        out_set = lex.out.get(project)
        svc_set = lex.services.get(project)
        for i, words in enumerate(sig.sentences):
            ws = list(words)
            if not own and self._urgent_words:
                own = next((h.label for h in lex.own_urgent.find(ws)
                            if not _negated_hit(ws, h.start)), "")
            if out_set is not None and not out and i in sig.request_sentences:
                out = next((h.label for h in out_set.find(ws)), "")
            if not watch:
                watch = next((h.label for h in lex.watch.find(ws)), "")
            if svc_set is not None and not named:
                named = next((h.label for h in svc_set.find(ws)), "")
        if len(self._own_cache) > 100_000:
            self._own_cache.clear()  # bounded; a miss only costs a rescan
        res = self._own_cache[key] = (own, out, watch, named)
        return res

    def _view(self, project: str, f: MsgFacts, lex: _Lexicons, entry: type[Entry]) -> _View:
        """Everything about one message that does not depend on its thread, cached: a
        stored message is re-assessed each time its thread changes."""
        key = (project, f.id, f.text, f.role, f.is_me, f.addr, f.reply_to_me, f.reply_to_role,
               f.mentions_me, f.created_at)
        v = self._view_cache.get(key) if f.id else None
        if v is not None:
            return v
        sig = self._signals(f)
        own = self._own(project, f.text[:SCAN_CHARS], sig, lex)
        me = f.is_me or f.role == "me"
        v = _View(sig, own, me, self._addressed_me(f, sig, lex), self._addressed_other(f, sig, lex),
                  entry(me, f.created_at, sig, own[0], chasing=f.role == "client"))
        if f.id:
            if len(self._view_cache) > 100_000:
                self._view_cache.clear()  # bounded; a miss only costs a re-read
            self._view_cache[key] = v
        return v

    def assess(
        self, project: str, facts: Sequence[MsgFacts], members: tuple[str, ...], now: float
    ) -> Assessment:
        """Relevance, scope, urgency and priority — each with reasons — and the due time.

        ``facts`` are the thread's recent non-deleted messages, oldest first; ``members``
        the card's members (``"me"`` or one of my handles means I'm on the card); ``now``
        epoch seconds.  The rules are described in docs/triage.md.
        """
        if not facts:
            return Assessment(relevance="noise", priority=Priority.LOW,
                              relevance_reason="no messages")
        from inscope.rules.services import service_label
        from inscope.rules.urgency import Entry, thread_urgency

        lex = self._lexicons()
        pr = self.project_rules(project)
        mapped = project in self._projects
        views = [self._view(project, f, lex, Entry) for f in facts]
        sigs = [v.sig for v in views]
        owns = [v.own for v in views]
        n = len(facts)
        is_me = [v.is_me for v in views]
        last_me = max((i for i in range(n) if is_me[i]), default=-1)
        others = [i for i in range(n) if not is_me[i]]
        pending = [i for i in others if i > last_me]
        to_me = [v.to_me for v in views]
        to_other = [v.to_other for v in views]

        # -- urgency --------------------------------------------------------------------
        entries = [v.entry for v in views]
        if others and facts[0].subject:
            # An e-mail's subject is part of its first message ("Сайт не работает!!!").
            subj = self._signals(MsgFacts(role="client", text=facts[0].subject, created_at=0))
            first = others[0]
            if subj.emergency and not entries[first].signals.emergency:
                entries[first] = Entry(False, facts[first].created_at, sigs[first], owns[first][0],
                                       chasing=facts[first].role == "client",
                                       subject_emergency=subj.emergency)
        urgent_reason = thread_urgency(entries, now)

        # -- alerts about a client's site (monitors write from nowhere we route) ---------
        alert_project = ""
        for i in others:
            if sigs[i].alert:
                for d in sigs[i].domains:
                    for cd, pname in self.client_domains.items():
                        if d == cd or d.endswith("." + cd):
                            alert_project = pname
                            break
        importance = pr.importance
        if alert_project and not mapped:
            importance = self.project_rules(alert_project).importance

        # -- relevance -------------------------------------------------------------------
        relevance: Relevance
        relevance, why, strong = self._relevance(
            project, facts, sigs, owns, is_me, last_me, pending, to_me, to_other, mapped, members,
            alert_project, bool(urgent_reason))

        # -- scope -------------------------------------------------------------------------
        scope: Scope = "unknown"
        scope_reason = scope_service = ""
        contract = lex.contract.get(project, frozenset())
        out_phrase = ""
        for i in others:
            if facts[i].role != "client":
                continue
            if owns[i][1]:
                out_phrase, scope_service = owns[i][1], ""
                continue
            asked = {k for k, _p in sigs[i].services}
            if contract and asked and not asked & contract:
                key, phrase = next((k, ph) for k, ph in sigs[i].services if k not in contract)
                out_phrase, scope_service = phrase, service_label(key)
        in_phrase = ""
        for i in others:
            if facts[i].role != "client":
                continue
            if owns[i][3]:
                in_phrase = owns[i][3]
            elif contract and not in_phrase:
                in_phrase = next((service_label(k) for k, _p in sigs[i].services if k in contract), "")
        if out_phrase:
            scope, scope_reason = "out", out_phrase
        elif in_phrase:
            scope, scope_reason = "in", in_phrase
        models = self.learned
        scope_learned = ""
        if models is not None and models.scope and mapped and not any(
                owns[i][1] for i in others if facts[i].role == "client"):
            # What her escalations and replies say of this service on this project (the
            # project's own out_of_scope phrases always win).
            asked_last = next(((k, ph) for i in reversed(others) if facts[i].role == "client"
                               for k, ph in sigs[i].services[-1:]), None)
            if asked_last is not None:
                key, phrase = asked_last
                verdict = models.scope.judge(project, key, (key in contract) if contract else None)
                if verdict is not None and verdict[0] != (scope == "out"):
                    scope_learned = verdict[1]
                    if verdict[0]:
                        scope, scope_reason, scope_service = "out", phrase, service_label(key)
                    else:
                        scope, scope_reason, scope_service = "in", service_label(key), ""

        # -- priority ----------------------------------------------------------------------
        reasons: list[str] = []
        due: float | None = None
        priority = Priority.LOW
        substantive = [i for i in pending if not sigs[i].ack]
        if relevance == "noise" or (relevance == "watch" and mapped):
            reasons.append(why)  # not mine: low (a sender of no project is weighed below)
        elif pending and not substantive:
            reasons.append("acknowledgement: nothing to answer")
        else:
            basis = substantive if substantive else [
                i for i in others if i < last_me and not sigs[i].ack][-1:]
            asks = [i for i in basis if (sigs[i].question or sigs[i].request)
                    and (facts[i].role == "client" or to_me[i])
                    and not (sigs[i].alert and not mapped)]
            points = 0
            client_waits = any(facts[i].role == "client" for i in basis) or bool(alert_project)
            if asks:
                points += 1
                reasons.append("question waiting for you")
            if urgent_reason:
                points += EMERGENCY_POINTS
            if client_waits and importance[1] and (asks or urgent_reason):
                points += importance[0]
                reasons.append(importance[1])
            # The reply clock starts at a client's first message since my reply that is not
            # an acknowledgement (nor a monitor's alert or a newsletter: they wait for no one).
            clock_from = next((facts[i].created_at for i in substantive
                               if facts[i].role == "client" and not sigs[i].bulk
                               and not (sigs[i].alert and not mapped)), None)
            if clock_from is not None:
                due = sla_due(pr.sla, self.schedule, clock_from)
                if due is not None and now >= due:
                    points += OVERDUE_POINTS
                    reasons.append(f"overdue {format_duration(now - due)}")
                waited = self.schedule.windows_waited_ts(clock_from, now)
                if waited >= 1:
                    reasons.append(f"waited {_plural(waited, 'reply window')}")
            if asks and any(sigs[i].chase and i > asks[0] for i in basis):
                # "any news?" after a question still unanswered: they are waiting on it
                points += CHASE_POINTS
                reasons.append("chasing an answer")
            word = next((sigs[i].urgent_word for i in basis if sigs[i].urgent_word), "")
            if word:
                points += URGENT_WORD_POINTS
                reasons.append(f"says «{word}»")
            calm = next((sigs[i].calm for i in basis if sigs[i].calm), "")
            if calm:
                points += CALM_POINTS
                reasons.append(f"says «{calm}»")
            blocker = next((sigs[i].blocker for i in basis if sigs[i].blocker), "")
            if blocker and not urgent_reason:
                points += EMERGENCY_POINTS
                reasons.append(blocker)
            alert_only = all(sigs[i].alert for i in basis) and bool(basis)
            if asks or urgent_reason or blocker:
                priority = Priority.HIGH if points >= HIGH_AT else Priority.NORMAL
            elif alert_only and not any(sigs[i].resolved or sigs[i].past_emergency for i in basis) \
                    and now - facts[basis[-1]].created_at < ALERT_STALE_DAYS * 86400 \
                    and any(sigs[i].alert in ("critical", "notice", "down") and _problem(sigs[i])
                            for i in basis):
                priority = Priority.NORMAL
                reasons.append("a monitoring notice to look into")
            else:
                reasons.append("nothing asked of you")
            if models is not None:
                direct = bool(urgent_reason) or any(to_me[i] for i in asks)
                priority = _nudged(priority, models.priority(_features(project, facts, sigs, pending)),
                                   direct, reasons)
            if scope == "out":
                reasons.append(f"out of scope: «{scope_reason}»"
                               + (f" ({scope_service})" if scope_service else ""))
                if priority == Priority.HIGH:
                    priority = Priority.NORMAL  # escalate it rather than do it first
            if last_me >= 0 and not pending:
                due = None
        if urgent_reason:
            reasons.insert(0, f"urgent: {urgent_reason}")
        if scope == "out" and not any(r.startswith("out of scope") for r in reasons):
            reasons.append(f"out of scope: «{scope_reason}»"
                           + (f" ({scope_service})" if scope_service else ""))
        if scope_learned:
            reasons.append(scope_learned)
        if relevance == "noise":
            due = None
            urgent_reason = ""
        return Assessment(
            relevance=relevance, scope=scope, scope_reason=scope_reason, priority=priority,
            reasons=tuple(dict.fromkeys(reasons)), due_at=due, urgent=bool(urgent_reason),
            urgent_reason=urgent_reason, relevance_reason=why, scope_service=scope_service,
        )

    def _addressed_me(self, f: MsgFacts, s: Signals, lex: _Lexicons) -> str:
        """How this message addresses me ("" if it does not)."""
        if f.is_me or f.role == "me":
            return ""
        if s.handles & self.my_handles:
            return "mentions you"
        if s.vocatives & lex.me:
            return "asks you by name"
        if f.reply_to_me:
            return "replies to your message"
        if f.addr == "to":
            return "addressed to you (To)"
        if (s.named & lex.me and (s.question or s.request)
                and not any(v in lex.colleagues for v in s.vocatives)):
            # «спроси у Марии», "ask Daria please" — not a third person's FYI («по таблице
            # Дарьи») nor a question addressed to someone else («Елена, … Дарья не отвечает»).
            return "mentions you"
        if f.mentions_me and f.addr != "cc" and not s.handles - self.my_handles:
            return "mentions you"
        return ""

    def _addressed_other(self, f: MsgFacts, s: Signals, lex: _Lexicons) -> str:
        """Whom (a colleague) this message is addressed to instead of me ("" if nobody)."""
        if f.is_me or f.role == "me":
            return ""
        for h in sorted(s.handles):
            if h in lex.colleagues and h not in self.my_handles:
                return lex.colleagues[h]
        for v in sorted(s.vocatives):
            if v in lex.colleagues and v not in lex.me:
                return lex.colleagues[v]
        if f.reply_to_role in ("team", "am"):
            return "a colleague's message"
        if f.addr == "cc":
            return "you are only in Cc"
        return ""

    def _relevance(
        self, project: str, facts: Sequence[MsgFacts], sigs: list[Signals], owns: list[tuple[str, str, str, str]],
        is_me: list[bool], last_me: int, pending: list[int], to_me: list[str], to_other: list[str],
        mapped: bool, members: tuple[str, ...], alert_project: str, urgent: bool,
    ) -> tuple[Relevance, str, bool]:
        """(relevance, reason, strong): a strong reason is never overruled by learning."""
        relevance, why, strong = self._rule_relevance(
            facts, sigs, owns, is_me, last_me, pending, to_me, to_other, mapped, members,
            alert_project, urgent)
        models = self.learned
        if models is not None and not strong:
            verdict = models.relevance.judge(_features(project, facts, sigs, pending))
            if verdict is not None:
                mine, reason = verdict
                if mine and relevance != "mine":
                    return "mine", reason, False
                if not mine and relevance == "mine":
                    return "noise", reason, False
        return relevance, why, strong

    def _rule_relevance(
        self, facts: Sequence[MsgFacts], sigs: list[Signals], owns: list[tuple[str, str, str, str]],
        is_me: list[bool], last_me: int, pending: list[int], to_me: list[str], to_other: list[str],
        mapped: bool, members: tuple[str, ...], alert_project: str, urgent: bool,
    ) -> tuple[Relevance, str, bool]:
        watch = next((owns[i][2] for i in range(len(facts)) if not is_me[i] and owns[i][2]), "")
        clients = [i for i in pending if facts[i].role == "client"]
        if not mapped and last_me < 0 and clients and all(
                facts[i].role in ("client", "bot", "unknown") for i in pending):
            # Strangers: nobody configured them (monitors, newsletters, cold mail).  An
            # alert about a client's site is mine; addressing me by name is not enough.
            if alert_project:
                return "mine", f"an alert about {alert_project}'s site", True
            if urgent:
                return "mine", "an emergency reported by a sender of no project", True
            if any(sigs[i].bulk for i in clients):
                return "noise", "a newsletter or an offer from an unknown sender", False
            return "watch", "an unknown sender: assign a project if it is a client", False
        for i in reversed(pending):
            if to_me[i]:
                who = _first_name(facts[i].author) or "someone"
                return "mine", f"{who} {to_me[i]}" if to_me[i] != "addressed to you (To)" \
                    else "addressed to you (To)", True
        if last_me >= 0:
            return "mine", "you are in this conversation", True
        if bool(members) and any(norm_handle(m) in self.member_keys for m in members):
            return "mine", "you are on the card", True
        if alert_project:
            return "mine", f"an alert about {alert_project}'s site", True
        if clients:
            q = next((i for i in reversed(clients) if not sigs[i].ack), clients[-1])
            if to_other[q]:
                return "noise", (to_other[q] if to_other[q] == "you are only in Cc"
                                 else f"addressed to {to_other[q]}"), False
            answered = [i for i in pending if i > q and facts[i].role in ("team", "am")]
            routed = to_other[answered[-1]] if answered else ""
            if answered and urgent and routed and routed not in ("you are only in Cc", "a colleague's message"):
                # the client's emergency handed by a colleague to another colleague by name
                # («Олег, глянь, у них 502»): theirs to fix, not mine
                return "noise", f"addressed to {routed}", False
            if answered and urgent:
                who = _first_name(facts[answered[-1]].author) or "a colleague"
                return "mine", f"an emergency on a client's site ({who} is on it)", True
            if answered:
                who = _first_name(facts[answered[-1]].author) or "a colleague"
                return "noise", f"{who} answered", False
            if urgent:
                return "mine", "an emergency on a client's site", True
            return "mine", "the client waits for an answer", False
        first = next((i for i in pending if facts[i].role in ("team", "am")), -1)
        if urgent and first >= 0 and to_other[first] and to_other[first] != "you are only in Cc":
            # a colleague telling another colleague by name of a failure in their part
            # («@oleg, лендинг отдаёт 404»): theirs to fix, not mine
            return "noise", f"addressed to {to_other[first]}", False
        if urgent:
            return "mine", "an emergency on a client's site", True
        if watch:
            return "watch", f"watch word: {watch}", False
        if any(facts[i].role in ("team", "am") for i in pending):
            return "noise", "colleagues' conversation", False
        if any(facts[i].role == "bot" for i in pending):
            return "noise", "a bot's notice", False
        return "noise", "nothing for you", False

    @property
    def learned(self) -> Models | None:
        """What the user's decisions taught (fitted on first use after :meth:`learn`)."""
        if self._decisions is not None:
            decisions, self._decisions = self._decisions, None
            self._learned = self._fit(decisions)
        return self._learned

    @learned.setter
    def learned(self, model: Models | None) -> None:
        self._decisions = None
        self._learned = model

    def learn(self, decisions: Iterable[Decision]) -> None:
        """Use the user's decisions from now on; the model is fitted on the next assessment
        (reading the texts needs the lemmatizer, which start-up never loads)."""
        self._decisions = list(decisions)
        self._learned = None

    def _fit(self, decisions: Iterable[Decision]) -> Models:
        """Fit the models of the user's decisions.

        A decision teaches where it disagrees with the triage of the moment.  Relevance: a
        reply, an escalation, a snooze or a priority raised by hand on a thread triaged *not
        mine* says "mine"; *done* without a reply on a thread triaged mine for a weak reason
        (a client message nobody addressed to me) says "not mine" — a done on a question to
        me by name, an alert or a thread I wrote in means "handled".  A relevance set by hand
        always teaches, three times as loudly.  Priority: see :func:`priority_vote`.  Scope:
        an escalation of a request for a service says "out of this project's contract", a
        reply to one (not escalated) says "in".
        """
        from inscope.rules.learned import (
            LOWER,
            RAISE,
            Example,
            Features,
            Learned,
            Models,
            ScopeModel,
            ScopeVote,
        )
        from inscope.rules.services import service_key, service_label

        examples: list[Example] = []
        raises: list[Example] = []
        lowers: list[Example] = []
        votes: list[ScopeVote] = []
        names: dict[str, str] = {}
        for d in decisions:
            f = MsgFacts(role="client", text=d.text, created_at=0)
            sig = self._signals(f)
            feats = Features(sender=d.sender.casefold(), conversation=d.conversation,
                             project=d.project, words=_content_lemmas(sig), role=d.role)
            if d.sender:
                names[d.sender.casefold()] = _first_name(d.sender_name) or d.sender
            before = d.before_relevance or "mine"
            if d.relevance_set:
                examples.append(Example(feats, d.relevance_set == "mine", 3.0))
            elif (any(k in ("reply", "escalate", "snooze") for k in d.kinds)
                  or d.priority_set in ("urgent", "high")) and before != "mine":
                examples.append(Example(feats, True))
            elif ("done" in d.kinds and not d.i_wrote and before == "mine"
                  and not any(k in ("reply", "escalate") for k in d.kinds)
                  and not strong_reason(d.before_reason)):
                examples.append(Example(feats, False))
            vote = priority_vote(d)
            if d.before_priority in _RANK:
                # a decision that kept to the ranking is evidence against moving such threads
                if d.before_priority != "high" and vote >= 0:
                    raises.append(Example(feats, vote > 0, abs(vote) or 1.0))
                if d.before_priority != "low" and vote <= 0:
                    lowers.append(Example(feats, vote < 0, abs(vote) or 1.0))
            asked = service_key(d.before_service) or next((k for k, _p in sig.services), "")
            if d.project and asked and ("escalate" in d.kinds or "reply" in d.kinds):
                votes.append(ScopeVote(d.project, asked, service_label(asked), "escalate" in d.kinds))
        return Models(Learned.fit(examples, names), Learned.fit(raises, names, RAISE),
                      Learned.fit(lowers, names, LOWER), ScopeModel(votes))

    def triage_fn(
        self, now: float
    ) -> Callable[[int, str, Sequence[MsgFacts], tuple[str, ...]], Assessment]:
        """A ``store.TriageFn`` for the instant ``now`` (project id ignored, name used)."""

        def triage(
            project_id: int, project: str, facts: Sequence[MsgFacts], members: tuple[str, ...]
        ) -> Assessment:
            return self.assess(project, facts, members, now)

        return triage


_RANK = {"high": 0, "normal": 1, "low": 2}


def _nudged(priority: Priority, verdict: tuple[bool, str] | None, direct: bool,
            reasons: list[str]) -> Priority:
    """One level up or down as her decisions say (the reason is added), never below normal
    for a direct question to me or an emergency: learning orders work, it hides nothing."""
    if verdict is None:
        return priority
    up, why = verdict
    if up and priority > Priority.HIGH:
        priority = Priority(priority - 1)
    elif not up and priority < Priority.LOW and not (direct and priority >= Priority.NORMAL):
        priority = Priority(priority + 1)
    else:
        return priority
    reasons.append(why)
    return priority


def priority_vote(d: Decision) -> float:
    """What one decision says of the priority the triage gave the thread: > 0 higher, < 0
    lower, 0 nothing.  A priority set by hand says so twice as loudly; a reply to what was
    low, a reply within ``FAST_REPLY_S`` of the client's message or one written ahead of a
    thread ranked higher says "higher"; *done* without a reply (not on a question to me by
    name or a thread I wrote in: that was handled) or a snooze of what was ranked above low
    says "lower"."""
    from inscope.rules.learned import FAST_REPLY_S

    before = d.before_priority
    if before not in _RANK:
        return 0.0
    if d.priority_set:
        target = "high" if d.priority_set in ("urgent", "high") else d.priority_set
        diff = _RANK[before] - _RANK.get(target, _RANK[before])
        return 2.0 if diff > 0 else -2.0 if diff < 0 else 0.0
    if "reply" in d.kinds:
        fast = d.reply_latency is not None and d.reply_latency <= FAST_REPLY_S
        return 1.0 if before == "low" or (before == "normal" and (fast or d.answered_ahead)) else 0.0
    if "done" in d.kinds and "escalate" not in d.kinds and not d.i_wrote and before != "low" \
            and not strong_reason(d.before_reason):
        return -1.0
    if "snooze" in d.kinds and before == "high":
        return -1.0
    return 0.0


def _features(project: str, facts: Sequence[MsgFacts], sigs: list[Signals], pending: list[int]) -> Features:
    """What the learned models see of a thread: its waiting message and who wrote it."""
    from inscope.rules.learned import Features

    i = pending[-1] if pending else len(facts) - 1
    f = facts[i]
    return Features(sender=(f.handle or f.author).casefold(), conversation=f.conversation,
                    project=project, words=_content_lemmas(sigs[i]),
                    role=f.role)


_STRONG_SUFFIXES = ("asks you by name", "mentions you", "replies to your message")
_STRONG_PREFIXES = ("addressed to you", "you are in this conversation", "you are on the card",
                    "an alert about", "an emergency", "you marked it")


def strong_reason(reason: str) -> bool:
    """Whether a relevance reason is one the rules are sure of (learning never overrules it,
    and a *done* on such a thread means "handled", not "not mine")."""
    return reason.endswith(_STRONG_SUFFIXES) or reason.startswith(_STRONG_PREFIXES)


def _negated_hit(words: list[Word], start: int) -> bool:
    from inscope.rules.lemmas import NEG

    return any(w.flags & NEG for w in words[max(0, start - 2):start])


def _problem(s: Signals) -> bool:
    """A monitoring notice that reports a problem (not a digest, not a fix)."""
    return not s.resolved and not s.bulk


_STOP = frozenset(["и", "в", "на", "с", "по", "а", "но", "не", "что", "это", "как", "к", "у", "за", "из", "от", "до", "о", "для", "the", "a", "an", "to", "of", "and", "or", "in", "on", "at", "for", "is", "are", "be", "it", "this", "that", "you", "we", "i"])


def _content_lemmas(s: Signals) -> tuple[str, ...]:
    """The lemmas of a message that carry meaning (for the learned model)."""
    out: list[str] = []
    for words in s.sentences:
        for w in words:
            if len(w.lemma) > 2 and w.lemma not in _STOP and not w.raw.isdigit():
                out.append(w.lemma)
    return tuple(dict.fromkeys(out))[:40]
