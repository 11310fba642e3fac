"""Word matching for the triage rules: normalization, light RU/EN stemming, compiled matchers.

A configured term is cut to its stem (a light suffix stripper, not a full morphological
analyser) and a word of the message matches when it is that stem plus a known inflectional
ending.  So ``редирект`` matches ``редиректы`` / ``редиректов`` and ``redirect`` matches
``redirects`` / ``redirected``, while ``title`` does not match ``entitled``.  Latin watch
words also get a naive Cyrillic transliteration (``redirect`` → ``редирект``,
``robots.txt`` → ``роботс``), because Russian-speaking clients write SEO jargon in
Cyrillic.  Multi-word terms (``не работает``, ``новый сайт``) match consecutive words.

Speed: every term set is compiled once into a dict keyed by the first three letters of the
first stem; a trie-shaped regex finds candidate words, so a message costs one regex pass.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
