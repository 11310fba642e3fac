"""Phrases matched by lemma: the pattern language every built-in lexicon is written in.

A pattern is words separated by spaces; each word is lemmatized when the pattern is
compiled, so ``сайт упал`` also matches «сайт упадёт» / «сайты упали», and a word of the
text matches a pattern word when their lemmas are equal (``дизайн`` never matches
«дизайнер»).  Within a word, ``a|b`` lists alternatives; ``…`` between two words allows up
to ``GAP`` other words between them («выпасть … индекс» matches «выпало пол сайта из
индекса»); ``=word`` matches the word as written (not its lemma).  Patterns match inside
one sentence.

Compilation is lazy (``PhraseSet`` compiles on its first ``find``): compiling
lemmatizes, and the lemmatizer must not load before the first frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from inscope.rules.lemmas import BREAK, LEMMATIZER, NEG, TOKEN_RE, is_negation, tokens

GAP = 4
"""How many words a ``…`` lets stand between two pattern words."""


@dataclass(frozen=True, slots=True)
class Word:
    """One token of a sentence: as written, its lemma and tag bits."""

    raw: str
    lemma: str
    flags: int
    alts: frozenset[str] = frozenset()  # lemmas of other likely readings


@dataclass(frozen=True, slots=True)
class Slot:
    """One pattern word: the lemmas (or raw words) it accepts and whether a gap precedes it."""

    lemmas: frozenset[str]
    raws: frozenset[str]
    gap: bool
    negation: bool = False  # the pattern word is a negation itself («не», "not", "isn't")

    def accepts(self, w: Word) -> bool:
        return w.lemma in self.lemmas or w.raw in self.raws or not self.lemmas.isdisjoint(w.alts)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern with its category and the label shown in reasons."""

    cat: str
    label: str
    slots: tuple[Slot, ...]
    alternatives: bool = False  # written with ``a|b``: a hit is labeled by the words it matched

    def match_at(self, words: Sequence[Word], i: int) -> tuple[int, int, tuple[int, ...]]:
        """(end index (exclusive), how many negations the pattern's own words matched, the
        indices of the words the pattern's words matched) of a match starting at ``i``;
        end -1 when there is none."""
        if not self.slots[0].accepts(words[i]):
            return -1, 0, ()
        negs = 1 if self.slots[0].negation and words[i].flags & NEG else 0
        at = [i]
        pos = i + 1
        for slot in self.slots[1:]:
            limit = min(len(words), pos + (GAP + 1 if slot.gap else 1))
            for j in range(pos, limit):
                if slot.accepts(words[j]):
                    negs += 1 if slot.negation and words[j].flags & NEG else 0
                    at.append(j)
                    pos = j + 1
                    break
            else:
                return -1, 0, ()
        return pos, negs, tuple(at)


@dataclass(frozen=True, slots=True)
class Hit:
    """A pattern found in a sentence: category, label and the word span."""

    cat: str
    label: str
    start: int
    end: int
    own_negations: int = 0  # negations that are words of the pattern («не работает»)

    @property
    def cue(self) -> bool:
        """A request cue (``inscope.rules.services``), not a named thing."""
        return self.cat == "cue"


def compile_pattern(cat: str, text: str, label: str | None = None) -> Pattern | None:
    """Compile one pattern (``None`` for a blank one)."""
    slots: list[Slot] = []
    gap = False
    for part in text.split():
        if part == "…":
            gap = True
            continue
        if part.startswith("=") and "|" not in part and len(tokens(part[1:])) > 1:
            # "=one-off" is two words as written, one after the other — not "one" or "off"
            for k, raw in enumerate(tokens(part[1:])):
                slots.append(Slot(frozenset(), frozenset([raw]), gap and bool(slots) and k == 0,
                                  is_negation(raw)))
            gap = False
            continue
        lemmas: set[str] = set()
        raws: set[str] = set()
        for alt in part.split("|"):
            if alt.startswith("="):
                raws.update(tokens(alt[1:]))
                continue
            words = tokens(alt)
            if len(words) == 1:
                # Every likely reading of the pattern word: a word the dictionary does not
                # know («тайтл») is guessed differently in its forms, the readings overlap.
                a = LEMMATIZER.analyse(words[0])
                lemmas.add(a.lemma)
                lemmas.update(a.alts)
                raws.add(words[0])
        if lemmas or raws:
            slots.append(Slot(frozenset(lemmas), frozenset(raws), gap and bool(slots),
                              any(is_negation(x) for x in raws)))
        gap = False
    if not slots:
        return None
    return Pattern(cat, label if label is not None else text.replace("…", "").replace("  ", " "),
                   tuple(slots), label is None and "|" in text)


class PhraseSet:
    """Patterns of several categories, indexed by what their first word accepts."""

    def __init__(self, entries: Iterable[tuple[str, str] | tuple[str, str, str]]) -> None:
        """``entries``: (category, pattern) or (category, pattern, label shown in reasons)."""
        self._entries = list(entries)
        self._index: dict[str, list[Pattern]] | None = None

    def _compiled(self) -> dict[str, list[Pattern]]:
        if self._index is None:
            index: dict[str, list[Pattern]] = {}
            for entry in self._entries:
                p = compile_pattern(entry[0], entry[1], entry[2] if len(entry) > 2 else None)
                if p is None:
                    continue
                first = p.slots[0]
                for key in first.lemmas | {"=" + r for r in first.raws}:
                    index.setdefault(key, []).append(p)
            self._index = index
        return self._index

    def find(self, words: Sequence[Word]) -> list[Hit]:
        """Every match in ``words`` (one sentence), in order; a pattern matches once per start."""
        index = self._compiled()
        out: list[Hit] = []
        for i, w in enumerate(words):
            cands = index.get(w.lemma)
            if w.alts:
                extra = [p for a in w.alts for p in index.get(a, ())]
                if extra:
                    cands = (cands or []) + extra
            raw_cands = index.get("=" + w.raw)
            if cands is None and raw_cands is None:
                continue
            seen: set[int] = set()
            for p in (cands or []) + (raw_cands or []):
                if id(p) in seen:
                    continue
                seen.add(id(p))
                end, negs, at = p.match_at(words, i)
                if end > 0:
                    # A pattern of alternatives is shown as the words it matched.
                    label = " ".join(words[j].raw for j in at) if p.alternatives else p.label
                    out.append(Hit(p.cat, label, i, end, negs))
        return out


_BREAK_RE = re.compile(r"[,;:()\[\]—–]|\s-\s")


def words_of(text: str) -> list[Word]:
    """The :class:`Word`\\ s of ``text`` (already one sentence or not).

    A word followed by a comma, a colon, a dash or a bracket carries ``BREAK``: a
    negation or an «если» before it belongs to another clause («Нет, сайт не лежит»).
    """
    an = LEMMATIZER.analyse
    low = text.lower().replace("ё", "е")
    out: list[Word] = []
    prev_end = 0
    for m in TOKEN_RE.finditer(low):
        if out and _BREAK_RE.search(low, prev_end, m.start()):
            w = out[-1]
            out[-1] = Word(w.raw, w.lemma, w.flags | BREAK, w.alts)
        t = m.group()
        a = an(t)
        out.append(Word(t, a.lemma, a.flags, a.alts))
        prev_end = m.end()
    return out
