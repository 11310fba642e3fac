"""Learning from the specialist's own decisions: what she answers and what she closes unread.

Every decision is evidence about one thread: a reply, an escalation or a snooze says
"this was mine"; *done* without a reply (on a thread no one had asked her in) says "not
mine"; an explicit relevance correction (``Actions.relevance``) says so three times as
loudly; setting a priority to high says "mine".  ``Learned.fit`` turns the examples into
three small, explainable models, each with Laplace smoothing:

- per **sender**: how often she answered this person's messages;
- per **conversation**: the same, for this chat / card / mail thread;
- **naive Bayes over lemmas** of the waiting message («выкатил», «деплой», "build").

``judge`` adds their log-odds and speaks only when the evidence is clear (enough examples,
and the combined odds past ``DECISIVE``); the reason names the strongest part: "you
usually close Олег's messages without replying (4 of 4)".  It is never asked about a
thread the rules are sure of (a question addressed to me by name, an e-mail To me, a
thread I wrote in, an emergency): the caller skips those, so learning never hides a
client's direct question, and one key (``Actions.relevance``) corrects it.

Pure: the examples come from the store (``inscope.store.decisions``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

DECISIVE = 1.5
"""|log-odds| a verdict needs (e^1.5 ≈ 4.5:1): two corrections of one sender by hand, or
four replies to threads the triage had called not mine."""
MIN_SENDER = 2
"""A sender's rate counts from this many decisions on their messages."""
MIN_EXAMPLES = 8
"""The word model speaks only after this many decisions in all."""
WORD_WEIGHT = 0.5
"""Words are many and correlated: each counts for half a vote."""


@dataclass(frozen=True, slots=True)
class Features:
    """What the model sees of a thread: its waiting message's sender, the conversation,
    the project (account) and the content lemmas, and the sender's role."""

    sender: str
    conversation: str
    project: str
    words: tuple[str, ...]
    role: str = ""


@dataclass(frozen=True, slots=True)
class Example:
    """One decision: the thread's features, mine or not, and how much it weighs."""

    features: Features
    mine: bool
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class _Rate:
    mine: float
    other: float

    def log_odds(self) -> float:
        return math.log((self.mine + 1.0) / (self.other + 1.0))

    @property
    def n(self) -> float:
        return self.mine + self.other


class Learned:
    """The fitted model; ``judge`` returns ``(mine, reason)`` or ``None`` (no clear view)."""

    def __init__(self, senders: dict[str, _Rate], names: dict[str, str], convs: dict[str, _Rate],
                 words_mine: Counter[str], words_other: Counter[str], totals: _Rate) -> None:
        self._senders = senders
        self._names = names
        self._convs = convs
        self._wm = words_mine
        self._wo = words_other
        self._totals = totals
        self._vocab = len(set(words_mine) | set(words_other)) or 1
        self._sum_m = sum(words_mine.values())
        self._sum_o = sum(words_other.values())

    @property
    def examples(self) -> float:
        """How many decisions (weighted) it was fitted on."""
        return self._totals.n

    @classmethod
    def fit(cls, examples: Iterable[Example], names: dict[str, str] | None = None) -> Learned:
        """Count the examples; ``names`` maps sender keys to how to call them in reasons."""
        senders: dict[str, list[float]] = {}
        convs: dict[str, list[float]] = {}
        wm: Counter[str] = Counter()
        wo: Counter[str] = Counter()
        tm = to = 0.0
        for ex in examples:
            f = ex.features
            slot = 0 if ex.mine else 1
            if f.sender:
                senders.setdefault(f.sender, [0.0, 0.0])[slot] += ex.weight
            if f.conversation:
                convs.setdefault(f.conversation, [0.0, 0.0])[slot] += ex.weight
            target = wm if ex.mine else wo
            for w in set(f.words):
                target[w] += 1
            if ex.mine:
                tm += ex.weight
            else:
                to += ex.weight
        return cls({k: _Rate(*v) for k, v in senders.items()}, dict(names or {}),
                   {k: _Rate(*v) for k, v in convs.items()}, wm, wo, _Rate(tm, to))

    def _word_odds(self, words: Iterable[str]) -> tuple[float, list[tuple[float, str]]]:
        total = 0.0
        parts: list[tuple[float, str]] = []
        for w in set(words):
            if w not in self._wm and w not in self._wo:
                continue
            lo = math.log((self._wm[w] + 1) / (self._sum_m + self._vocab)) - math.log(
                (self._wo[w] + 1) / (self._sum_o + self._vocab))
            total += WORD_WEIGHT * lo
            parts.append((lo, w))
        return total, parts

    def judge(self, f: Features) -> tuple[bool, str] | None:
        """Mine or not, with the reason — or ``None`` when the decisions say nothing clear."""
        if self._totals.n == 0:
            return None
        score = 0.0
        best: tuple[float, str] = (0.0, "")
        s = self._senders.get(f.sender)
        if s is not None and s.n >= MIN_SENDER:
            lo = s.log_odds()
            score += lo
            who = self._names.get(f.sender) or f.sender
            if lo > 0:
                text = f"you usually answer {who} ({_n(s.mine)} of {_n(s.n)})"
            else:
                text = f"you usually close {who}'s messages without replying ({_n(s.other)} of {_n(s.n)})"
            best = max(best, (abs(lo), text))
        c = self._convs.get(f.conversation)
        if c is not None and c.n >= 1:
            lo = 2 * c.log_odds()  # the same conversation is the strongest likeness
            score += lo
            text = ("you answer in this conversation" if lo > 0
                    else "you close this conversation's messages without replying")
            best = max(best, (abs(lo), text))
        if self._totals.n >= MIN_EXAMPLES and f.words:
            wl, parts = self._word_odds(f.words)
            score += wl
            if parts and abs(wl) > best[0]:
                sign = 1 if wl > 0 else -1
                top = [w for _lo, w in sorted(parts, key=lambda p: -sign * p[0])[:3]]
                what = "you answered" if wl > 0 else "you closed without replying"
                best = (abs(wl), f"like messages {what} («{'», «'.join(top)}»)")
        if abs(score) < DECISIVE or not best[1]:
            return None
        return score > 0, best[1]


def _n(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"
