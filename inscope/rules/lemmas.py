"""Words as a Russian speaker means them: tokens, lemmas (dictionary forms) and a few tags.

Russian words are lemmatized with pymorphy3 and its OpenCorpora dictionary
(``pymorphy3-dicts-ru``): ``упала`` / ``упали`` / ``упадёт`` → ``упасть``, ``Дарьи`` →
``дарья``, while ``дизайн`` and ``дизайнер`` stay two words.  docs/triage.md compares it
with the Snowball Russian stemmer on a labeled set of general word pairs (match quality
and speed) and says why this one.  English words get a light, rule-based lemma
(``redirects`` / ``redirected`` → ``redirect``; ``designer`` stays ``designer``): English
inflection is regular enough that a dictionary buys little here.

Loading the dictionary takes ~0.2 s and ~15 MB, so nothing here loads it at import or
when the rules are compiled: the analyser is created on the first Cyrillic word that is
looked up — in the sync worker's first assessment, never before the first frame.  Every
word's analysis is cached (``Lemmatizer.analyse``), so a message costs one regex pass and
a dict lookup per word once the vocabulary has been seen.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any, NamedTuple

IMPR = 1  # imperative mood: «сделайте», «посмотрите»
PAST = 2  # past tense verb: «починили», «упал»
NAME = 4  # a given name or a surname (pymorphy3's ``Name`` / ``Surn`` grammemes)
NEG = 8  # a negation word: «не», «нет», "not", "n't"
FUT = 16  # a perfective future: «упадёт», «выпадет» (a prediction, not a report)
YOU = 32  # a second-person verb: «настроите», «возьмётесь» (asks the reader to act)
BREAK = 64  # set by ``lexicon.words_of`` on a word followed by , ; : — ( ): a clause ends
VERB = 128  # a verb or an infinitive (Russian): «проверьте», «посмотреть»
WE = 256  # "we will" / "let's" (Russian): «запустим», «будем делать» — in a question, a proposal

TOKEN_RE = re.compile(r"(?<![\w@])@\w+|\w+(?:'\w+)?", re.UNICODE)
"""A word (``don't`` is one) or an ``@handle``; :func:`tokens` finds them in lower case."""
_CYR_RE = re.compile(r"[а-яё]")
_NEGATIONS = frozenset({"не", "нет", "ни", "not", "no", "never", "nothing", "nobody", "without"})

# English forms a suffix rule cannot find.
_EN_IRREGULAR: dict[str, str] = {
    "was": "be", "were": "be", "is": "be", "are": "be", "been": "be", "am": "be", "being": "be",
    "went": "go", "gone": "go", "goes": "go", "fell": "fall", "fallen": "fall", "broke": "break",
    "broken": "break", "did": "do", "does": "do", "done": "do", "has": "have", "had": "have",
    "ran": "run", "made": "make", "sent": "send", "lost": "lose", "got": "get", "gotten": "get",
    "left": "leave", "took": "take", "taken": "take", "wrote": "write", "written": "write",
    "drew": "draw", "drawn": "draw", "built": "build", "paid": "pay", "said": "say",
    "children": "child", "people": "person", "men": "man", "women": "woman",
    "isn't": "be", "aren't": "be", "wasn't": "be", "weren't": "be", "doesn't": "do",
    "don't": "do", "didn't": "do", "can't": "can", "won't": "will", "couldn't": "could",
    "wouldn't": "would", "shouldn't": "should", "hasn't": "have", "haven't": "have",
}
_EN_KEEP_S = ("ss", "us", "is", "os", "as")
_VOWELS = set("aeiouy")


_TRANSLIT: tuple[tuple[str, str], ...] = (
    ("sch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("th", "т"), ("ph", "ф"),
    ("ck", "к"), ("ee", "и"), ("oo", "у"), ("kh", "х"), ("ya", "я"), ("yu", "ю"),
    ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"),
    ("h", "х"), ("i", "и"), ("j", "дж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
    ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "и"), ("z", "з"),
)



def translit(word: str) -> str:
    """A naive Cyrillic spelling of a Latin word (``redirect`` → ``редирект``): Russian
    writers spell SEO jargon in Cyrillic, so a Latin watch word also matches that."""
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


def is_negation(word: str) -> bool:
    """Whether a token (as :func:`tokens` returns it) negates: «не», «ни», "not", "isn't"."""
    return word in _NEGATIONS or word.endswith("n't")


def tokens(text: str) -> list[str]:
    """Words of ``text``, lower-cased with ``ё`` folded to ``е``; ``@handle`` keeps its ``@``."""
    return TOKEN_RE.findall(text.lower().replace("ё", "е"))


def en_lemma(word: str) -> str:
    """A light English lemma: irregulars by table, then ``-ies``/``-es``/``-s``, ``-ed``,
    ``-ing``, and a final ``-e`` dropped so ``title``/``titled``/``titles`` meet.

    It is a normalizer more than a dictionary form (``title`` → ``titl``): what matters is
    that the term and the text are cut the same way.  Derivations (``-er``, ``-ly``,
    ``-ion``) are kept: ``designer`` is not ``design``.
    """
    w = word.lower()
    if w in _EN_IRREGULAR:
        return _EN_IRREGULAR[w]
    if "'" in w:
        w = w.split("'", 1)[0]
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "shes", "ches", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(_EN_KEEP_S):
        w = w[:-1]
    # then the verb endings, so "rankings" → "ranking" → "rank" like "ranking" itself
    if w.endswith("ed") and len(w) > 4:
        w = _undouble(w[:-2])
    elif w.endswith("ing") and len(w) > 5:
        w = _undouble(w[:-3])
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def _undouble(stem: str) -> str:
    """``dropp`` → ``drop``, ``stopp`` → ``stop`` (but ``fall``, ``miss``, ``buzz`` stay)."""
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS and stem[-1] not in "lsz":
        return stem[:-1]
    return stem


class Analysis(NamedTuple):
    """One word's lemma, tag bits (``IMPR``, ``PAST``, ``NAME``, ``NEG``) and the lemmas of
    its other likely readings («статей» is «статья» or «стать»: both are kept)."""

    lemma: str
    flags: int
    alts: frozenset[str] = frozenset()


class Lemmatizer:
    """Per-word analyses with a cache; pymorphy3 is loaded on the first Cyrillic word.

    ``loaded`` tells whether the dictionary has been loaded (the start-up test checks it
    never is before the first frame).  Thread-safe: the sync worker and a re-triage may
    ask at once; the cache is a plain dict (a lost race only costs a second analysis).
    """

    MAX_CACHE = 200_000

    def __init__(self) -> None:
        self._morph: Any = None
        self._lock = threading.Lock()
        self._cache: dict[str, Analysis] = {}

    @property
    def loaded(self) -> bool:
        """Whether the Russian dictionary has been loaded."""
        return self._morph is not None

    def renew_lock(self) -> None:
        """A new lock (in a forked child, where the parent's could be held by a thread gone)."""
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the Russian dictionary now (the sync does it while a first fetch is in flight)."""
        self._analyser()

    def _analyser(self) -> Any:
        with self._lock:
            if self._morph is None:
                import pymorphy3  # imported here: ~0.2 s, paid by the first assessment only

                self._morph = pymorphy3.MorphAnalyzer(lang="ru")
            return self._morph

    def analyse(self, word: str) -> Analysis:
        """The analysis of one token (as :func:`tokens` returns it)."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        a = self._analyse(word)
        if len(self._cache) >= self.MAX_CACHE:
            self._cache.clear()  # bounded; a miss only costs a re-analysis
        self._cache[word] = a
        return a

    def _analyse(self, word: str) -> Analysis:
        flags = NEG if is_negation(word) else 0
        if word.startswith("@") or word.isdigit():
            return Analysis(word, flags)
        if not _CYR_RE.search(word):
            return Analysis(en_lemma(word), flags)
        parses = self._analyser().parse(word)
        parse = parses[0]
        tag = parse.tag
        # «посмотрите» is both "you will look" and "look!": a likely imperative reading
        # is enough (a request is what the rules look for).  The inclusive «выложим» /
        # «обсудим» ("let's …") is the writer's own plan far more often than a request.
        if any("impr" in p.tag and "incl" not in p.tag and p.score >= 0.3 for p in parses[:3]):
            flags |= IMPR
        if any("2per" in p.tag and p.score >= 0.3 for p in parses[:3]):
            flags |= YOU
        if any(("incl" in p.tag or ("1per" in p.tag and "plur" in p.tag and "futr" in p.tag))
               and p.score >= 0.3 for p in parses[:3]):
            flags |= WE
        if "past" in tag:
            flags |= PAST
        if "futr" in tag and "perf" in tag:
            flags |= FUT
        if tag.POS in ("VERB", "INFN") or flags & IMPR:
            flags |= VERB
        if "Name" in tag or "Surn" in tag:
            flags |= NAME
        lemma = str(parse.normal_form).replace("ё", "е")
        # Other readings count when likely (≥ 20 %) — or all of them for a word the
        # dictionary does not know (jargon: «тайтлы» is guessed apart from «тайтл»).
        guessed = not parse.is_known
        alts = frozenset(str(p.normal_form).replace("ё", "е") for p in parses[1:4]
                         if guessed or p.score >= 0.2) - {lemma}
        return Analysis(lemma, flags, alts)

    def lemma(self, word: str) -> str:
        """The lemma of one token."""
        return self.analyse(word).lemma

    def lemmas(self, text: str) -> list[str]:
        """The lemmas of every word of ``text``."""
        return [self.analyse(w).lemma for w in tokens(text)]


LEMMATIZER = Lemmatizer()
"""The process-wide lemmatizer (one dictionary, one cache for every rule set)."""

if hasattr(os, "register_at_fork"):
    # A forked triage worker (inscope.store.workers) must not inherit the lock held by
    # another thread of the parent at the fork: nobody would release it there.
    os.register_at_fork(after_in_child=LEMMATIZER.renew_lock)
