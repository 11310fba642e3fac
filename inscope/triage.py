"""Triage rules: who wrote, which project, relevance, scope, priority with reasons, due time.

Pure functions over config and message facts — no I/O, no SQLite, no Textual.  The store
calls :meth:`Rules.role_of` / :meth:`Rules.project_of` while ingesting and the adapter from
:meth:`Rules.triage_fn` (a ``store.TriageFn``) whenever a thread changes.

Word matching is by *stem*, not substring, in Russian and English: a configured term is cut
to its stem (a light suffix stripper, not a full morphological analyser) and a word of the
message matches when it is that stem plus a known inflectional ending.  So ``редирект``
matches ``редиректы`` / ``редиректов`` and ``redirect`` matches ``redirects`` /
``redirected``, while ``title`` does not match ``entitled``.  Latin watch words also get a
naive Cyrillic transliteration (``redirect`` → ``редирект``, ``robots.txt`` → ``роботс``),
because Russian-speaking clients write SEO jargon in Cyrillic.  Multi-word terms
(``не работает``, ``новый сайт``) match consecutive words.

Speed: every term set is compiled once into a dict keyed by the first three letters of the
first stem; a message is tokenized once and each word costs one dict probe.  Per-project
tables (watch + urgency + mentions + that project's scope phrases) are built once in
:meth:`Rules.from_config`.  See docs/config.md for every rule and how to override it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import Author, Item
from inscope.config import AccountManager, Config, ProjectCfg
from inscope.model import Assessment, MsgFacts, Priority, Relevance, Role, Scope
from inscope.windows import Schedule, format_duration

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

# -- stemming --------------------------------------------------------------------------

_RU_ENDINGS_TEXT = (
    # nouns
    "а я о е ы и у ю ь й ой ей ом ем ам ям ах ях ами ями ов ев ью ию ия ие ии иям "
    "иях ием ость ости остью "
    # adjectives, participles, short forms
    "ый ий ая яя ое ее ую юю ые ого его ому ему ым им ых их ыми ими ою ею "
    "ен на но ны ющий ющая ющее ющие ащий ащая ящий вший нный нная нное нные "
    # verbs
    "ть ти ет ут ют ат ят ит ешь ишь ем ете ите ал ала ало али ил ила ило или "
    "ял яла яло яли ел ела ело ели ает ают яет яют ует уют ать ять ить еть уть "
    "ся сь ется ются ится ятся ается аются яется яются алась алось ались ался "
    "ешься ись ась ось"
)
_RU_ENDINGS: tuple[str, ...] = tuple(sorted(set(_RU_ENDINGS_TEXT.split()), key=len, reverse=True))
_RU_ENDING_SET: frozenset[str] = frozenset(_RU_ENDINGS) | {""}

_EN_ENDING_SET: frozenset[str] = frozenset(
    {"", "s", "es", "ed", "d", "ing", "er", "ers", "e", "ly", "ion", "ions"}
)
_EN_STRIP: tuple[str, ...] = ("ing", "ed", "es", "s")

_CYR_RE = re.compile(r"[а-я]")
_TOKEN_RE = re.compile(r"(?:(?<!\w)@)?\w+")
_FILE_TERM_RE = re.compile(r"^([a-z0-9_-]+)\.(txt|xml|html?|php|json|js|css)$")

_TRANSLIT: tuple[tuple[str, str], ...] = (
    ("sch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("th", "т"), ("ph", "ф"),
    ("ck", "к"), ("ee", "и"), ("oo", "у"), ("kh", "х"), ("ya", "я"), ("yu", "ю"),
    ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"),
    ("h", "х"), ("i", "и"), ("j", "дж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
    ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "и"), ("z", "з"),
)


def normalize(text: str) -> str:
    """Lower-case and fold ``ё`` to ``е`` (Russian writers use them interchangeably)."""
    return text.lower().replace("ё", "е")


def tokens(text: str) -> list[str]:
    """Words of already-normalized text; ``@handle`` keeps its ``@`` (not inside e-mails)."""
    return _TOKEN_RE.findall(text)


def _translit(word: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(word):
        for lat, cyr in _TRANSLIT:
            if word.startswith(lat, i):
                out.append(cyr)
                i += len(lat)
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Tok:
    """One word of a term: matches ``base + ending`` for ``base`` in (``stem``, ``full``)
    and ``ending`` in ``endings``.

    Keeping the full word as a second base repairs over-stripping: ``канал`` is cut to
    ``кан`` (``-ал`` is also a verb ending), yet ``каналы`` = ``канал`` + ``ы`` still matches.
    """

    stem: str
    full: str
    endings: frozenset[str]

    def matches(self, word: str) -> bool:
        if word.startswith(self.stem) and word[len(self.stem) :] in self.endings:
            return True
        return (
            self.full != self.stem
            and word.startswith(self.full)
            and word[len(self.full) :] in self.endings
        )


_EXACT: frozenset[str] = frozenset({""})


def stem_token(word: str) -> _Tok:
    """The stem of one (normalized) word and the endings it may take.

    Words of up to three letters, numbers and ``@handles`` match exactly.  Russian: strip
    the longest known ending that leaves at least three letters.  English: strip
    ``-ing/-ed/-es/-s`` (not ``-ss``) and a final ``-e`` (``title`` → ``titl``).
    """
    if len(word) <= 3 or word.startswith("@") or word.isdigit():
        return _Tok(word, word, _EXACT)
    if _CYR_RE.search(word):
        for end in _RU_ENDINGS:
            if word.endswith(end) and len(word) - len(end) >= 3:
                return _Tok(word[: -len(end)], word, _RU_ENDING_SET)
        return _Tok(word, word, _RU_ENDING_SET)
    stem = word
    for end in _EN_STRIP:
        if stem.endswith(end) and not stem.endswith("ss") and len(stem) - len(end) >= 3:
            stem = stem[: -len(end)]
            break
    if stem.endswith("e") and len(stem) > 3:
        stem = stem[:-1]
    return _Tok(stem, word, _EN_ENDING_SET)


@dataclass(frozen=True, slots=True)
class Term:
    """A compiled term: its category (``watch``, ``urgent``, …), the label shown in
    reasons (the configured spelling) and the word stems to match consecutively."""

    cat: str
    label: str
    toks: tuple[_Tok, ...]

    def match_at(self, words: Sequence[str], i: int) -> bool:
        toks = self.toks
        if i + len(toks) > len(words):
            return False
        for k, tok in enumerate(toks):  # noqa: SIM110 - a plain loop: all(genexpr) costs 2x here
            if not tok.matches(words[i + k]):
                return False
        return True


def compile_term(cat: str, label: str, *, translit: bool = False) -> list[Term]:
    """Compile one configured term into its match variants (empty for a blank term).

    ``translit`` adds a Cyrillic variant of Latin words; a file-like term
    (``robots.txt``) also matches its bare name (``robots``, ``роботс``).
    """
    norm = normalize(label.strip())
    variants: list[list[str]] = []
    words = tokens(norm)
    if not words:
        return []
    variants.append(words)
    m = _FILE_TERM_RE.match(norm)
    if m:
        variants.append(tokens(m.group(1)))
    if translit:
        for v in list(variants):
            if all(w.isascii() for w in v) and any(w.isalpha() for w in v):
                if m and v == words:
                    continue  # "роботс тхт" is never written; the bare name covers it
                variants.append([_translit(w) for w in v])
    out: list[Term] = []
    seen: set[tuple[_Tok, ...]] = set()
    for v in variants:
        toks = tuple(stem_token(w) for w in v)
        if toks not in seen:
            seen.add(toks)
            out.append(Term(cat, label.strip(), toks))
    return out


_WORD_RE = re.compile(r"\w+")
# The (up to) three words after a candidate, in one anchored match: most multi-word terms
# are two or three words, and this costs a fraction of a findall over the rest of the text.
_TAIL_RE = re.compile(r"\W+(\w+)(?:\W+(\w+))?(?:\W+(\w+))?")
_TAIL_CHARS = 400  # how far a longer multi-word term may reach


def _tail_words(text: str, pos: int, first: str, need: int) -> list[str]:
    """``first`` and the words after ``pos`` — at least ``need`` words if the text has them."""
    if need <= 4:
        m = _TAIL_RE.match(text, pos)
        return [first, *(g for g in m.groups() if g is not None)] if m else [first]
    return [first, *_WORD_RE.findall(text, pos, pos + _TAIL_CHARS)]


def _trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` as a prefix, shaped as a trie so the regex engine
    (C code) rejects a non-candidate word after one or two characters instead of trying
    every alternative in turn."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class Matcher:
    """Terms of several categories, compiled for one-pass scanning of a message.

    A trie-shaped regex finds the words that start with some term's first stem (rare);
    only those are checked in Python against the terms indexed by their first three
    letters.  This is ~4x faster than tokenizing every message and probing every word.
    """

    __slots__ = ("_index", "_cand")

    def __init__(self, terms: Iterable[Term]) -> None:
        index: dict[str, list[Term]] = {}
        for t in terms:
            index.setdefault(t.toks[0].stem[:3], []).append(t)
        self._index: dict[str, tuple[Term, ...]] = {k: tuple(v) for k, v in index.items()}
        stems = {t.toks[0].stem for ts in index.values() for t in ts}
        # (?!) never matches: a matcher without terms finds nothing.
        body = _trie_regex(stems) if stems else "(?!)"
        self._cand: re.Pattern[str] = re.compile(r"(?<![\w@])" + body + r"\w*")

    def scan(self, text: str) -> dict[str, str]:
        """Category → label of the first term of that category in ``text``, which must
        already be :func:`normalize`-d."""
        found: dict[str, str] = {}
        index = self._index
        for m in self._cand.finditer(text):
            w = m.group()
            cands = index.get(w[:3])
            if cands is None:
                continue
            rest: list[str] | None = None
            for t in cands:
                if t.cat in found or not t.toks[0].matches(w):
                    continue
                if len(t.toks) > 1:
                    if len(t.toks) <= 4:
                        if rest is None:  # shared by this word's short terms
                            rest = _tail_words(text, m.end(), w, 4)
                        words = rest
                    else:
                        words = _tail_words(text, m.end(), w, len(t.toks))
                    if not t.match_at(words, 0):
                        continue
                found[t.cat] = t.label
        return found

    def find(self, text: str) -> dict[str, str]:
        """:meth:`scan` on raw text."""
        return self.scan(normalize(text))


# -- identities ------------------------------------------------------------------------


def _norm_handle(s: str) -> str:
    return s.strip().lstrip("@").casefold()


@dataclass(frozen=True, slots=True)
class People:
    """A set of people described by handles, e-mails, domains, ids and names."""

    handles: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> People:
        """Classify config strings: ``a@b.c`` e-mail; ``@handle``; ``b.c`` / ``@b.c``
        domain; digits id; anything else a handle *or* a display name."""
        handles: set[str] = set()
        emails: set[str] = set()
        domains: set[str] = set()
        ids: set[str] = set()
        names: set[str] = set()
        for raw in specs:
            s = raw.strip()
            if not s:
                continue
            low = s.casefold()
            if "@" in low[1:]:
                emails.add(low)
            elif "." in low and " " not in low:
                domains.add(low.lstrip("@"))
            elif low.startswith("@"):
                handles.add(low[1:])
            elif low.lstrip("-").isdigit():
                ids.add(low)
            else:
                handles.add(low)
                names.add(" ".join(low.split()))
        return cls(frozenset(handles), frozenset(emails), frozenset(domains), frozenset(ids),
                   frozenset(names))

    @classmethod
    def of_am(cls, am: AccountManager) -> People:
        """The account manager: name, telegram (chat id or @handle), e-mail, trello user."""
        specs = [am.email, am.trello and "@" + am.trello.lstrip("@")]
        tg = am.telegram.strip()
        if tg:
            specs.append(tg if tg.lstrip("-").isdigit() else "@" + tg.lstrip("@"))
        p = cls.parse(s for s in specs if s)
        name = " ".join(am.name.casefold().split())
        return cls(p.handles, p.emails, p.domains, p.ids, p.names | ({name} if name else set()))

    def __bool__(self) -> bool:
        return bool(self.handles or self.emails or self.domains or self.ids or self.names)

    def __or__(self, other: People) -> People:
        return People(self.handles | other.handles, self.emails | other.emails,
                      self.domains | other.domains, self.ids | other.ids,
                      self.names | other.names)

    def matches(self, a: Author) -> bool:
        if a.handle and _norm_handle(a.handle) in self.handles:
            return True
        if a.email:
            email = a.email.strip().casefold()
            if email in self.emails:
                return True
            if self.domains and _domain_in(email.rpartition("@")[2], self.domains):
                return True
        if a.id and self.ids:
            aid = a.id.strip().casefold()
            if aid in self.ids or aid.rpartition(":")[2] in self.ids:
                return True
        return bool(a.name) and " ".join(a.name.casefold().split()) in self.names


def _domain_in(domain: str, domains: frozenset[str]) -> bool:
    """``mail.client.ru`` is in ``{"client.ru"}``: a parent domain owns its subdomains."""
    while domain:
        if domain in domains:
            return True
        _, _, domain = domain.partition(".")
    return False


# -- SLA -------------------------------------------------------------------------------

_SLA_RE = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(windows?|окн[оа]|окон|h|hrs?|hours?|ч|час(?:а|ов)?)\s*$"
)


@dataclass(frozen=True, slots=True)
class Sla:
    """A project's reply SLA: ``windows`` reply windows, or ``hours`` of window time, or
    none (``kind == "none"``)."""

    kind: str  # "windows" | "hours" | "none"
    amount: float

    @classmethod
    def parse(cls, text: str) -> Sla:
        """``"1 window"``, ``"2 windows"``, ``"2 окна"``, ``"4h"``, ``"3 часа"``, ``"none"``."""
        t = normalize(text).strip()
        if t in ("", "none", "off", "no", "нет"):
            return cls("none", 0.0)
        m = _SLA_RE.match(t)
        if not m:
            raise ValueError(
                f"sla {text!r} not understood (use '1 window', '2 windows', '4h' or 'none')"
            )
        n = float(m.group(1).replace(",", "."))
        if m.group(2)[0] in "wо":
            if n < 1 or n != int(n):
                raise ValueError(f"sla {text!r}: the number of windows must be a whole number >= 1")
            return cls("windows", n)
        if n <= 0:
            raise ValueError(f"sla {text!r}: hours must be > 0")
        return cls("hours", n)

    def due(self, schedule: Schedule, arrived: float) -> float | None:
        if self.kind == "windows":
            return schedule.due_at_ts(arrived, int(self.amount))
        if self.kind == "hours":
            return schedule.due_after_window_hours_ts(arrived, self.amount)
        return None


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
            {"me"} | {_norm_handle(h) for h in me.handles} | {e.casefold() for e in me.emails}
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
        """Compile the rules of ``cfg``; ``ValueError`` names a bad window spec or SLA.

        Reads the optional ``[me] urgent`` (replaces the urgency word list) and
        ``[me] aliases`` (other names that mention me) when the config has them.
        """
        urgent: Any = getattr(cfg.me, "urgent", None)
        aliases: Any = getattr(cfg.me, "aliases", None) or ()
        return cls(
            cfg,
            urgent=[str(u) for u in urgent] if urgent else None,
            aliases=[str(a) for a in aliases],
        )

    def _compile_project(self, p: ProjectCfg) -> ProjectRules:
        terms = list(self._global_terms)
        for phrase in p.out_of_scope:
            terms += compile_term("out", phrase)
        for svc in p.services:
            terms += compile_term("in", svc)
        imp = IMPORTANCE_POINTS.get(p.importance.strip().lower(), (0, ""))
        try:
            sla = Sla.parse(p.sla)
        except ValueError as e:
            raise ValueError(f"project {p.name!r}: {e}") from e
        return ProjectRules(
            name=p.name,
            matcher=Matcher(terms),
            importance=imp,
            sla=sla,
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
        if self.my_domains and a.email and _domain_in(
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
            _norm_handle(m) in self.member_keys for m in members
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
            due = pr.sla.due(self.schedule, first_pending_client)
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
