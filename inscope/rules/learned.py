"""Learning from the specialist's own decisions: what she answers, first, what she closes
unread, what she sends to the account manager.

Every decision is evidence about one thread, where it disagrees with the triage of that
moment (``inscope.rules.triage.Rules._fit`` turns decisions into examples):

- **relevance**: a reply, an escalation or a snooze says "this was mine"; *done* without
  a reply (on a thread no one had asked her in) says "not mine"; a relevance set by hand
  (``Actions.relevance``) says so three times as loudly;
- **priority**: a priority set by hand says "higher" or "lower" (twice as loudly); a reply
  to what the triage called low, a reply within ``FAST_REPLY_S``, or a reply written ahead
  of a thread ranked higher says "higher"; *done* without a reply or a snooze of what it
  called normal or high says "lower";
- **scope**: an escalation of a request for service X on project P says "X is not in P's
  contract"; a reply to one (without escalating it) says it is.

``Learned`` (relevance and priority: the same model, worded apart by a ``Voice``) has three
small, explainable parts, each with Laplace smoothing:

- per **sender**: how often she answered this person's messages (first);
- per **conversation**: the same, for this chat / card / mail thread;
- **naive Bayes over lemmas** of the waiting message («выкатил», «деплой», "build").

``judge`` adds their log-odds and speaks only when the evidence is clear (enough examples,
and the combined odds past ``DECISIVE``); the reason names the strongest part: "you
usually close Олег's messages without replying (4 of 4)".  ``ScopeModel`` counts per
(project, service), starting from what the contract says (``CONTRACT_PRIOR``).  The
priority and scope models never speak on a single decision (``MIN_DECISIONS``).

They are never asked to hide anything the rules are sure of: relevance is not judged for
a question addressed to me by name, an e-mail To me, a thread I wrote in, an emergency;
priority never goes below normal for a direct question or an emergency; scope never
overrules the project's own ``out_of_scope`` phrases.  One key corrects each
(``Actions.relevance``, ``Actions.priority``; an escalation or a reply for scope).

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
MIN_DECISIONS = 2
"""The priority and scope models need this many decisions behind a part before it counts:
a single decision never flips anything."""
CONTRACT_PRIOR = 1.0
"""Pseudo-decisions on the contract's side of a (project, service) pair: what the project's
``services`` say until her decisions say otherwise."""
SCOPE_DECISIVE = 1.0
"""|log-odds| a scope verdict needs (e ≈ 2.7:1): two escalations of a service on a project
whose contract lists no services, five against what its contract says."""
MIN_PROJECT = 4
"""A project's rate counts (priority) from this many decisions on its threads."""
FAST_REPLY_S = 1800.0
"""A reply within this many seconds of the client's message was taken first."""


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
    """One decision: the thread's features, yes or no (mine; higher), and its weight."""

    features: Features
    mine: bool
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Voice:
    """How a model's verdicts read: ``{who}``, ``{k}`` (the decisions that agree), ``{n}``."""

    sender_yes: str
    sender_no: str
    conversation_yes: str
    conversation_no: str
    words_yes: str
    words_no: str
    min_conversation: int = 1  # decisions in a conversation before it counts
    min_sender: int = MIN_SENDER
    words: bool = True  # the naive Bayes over lemmas takes part
    project: str = ""  # a part per project, worded so ("" : no such part)


RELEVANCE = Voice(
    "you usually answer {who} ({k} of {n})", "you usually close {who}'s messages without replying ({k} of {n})",
    "you answer in this conversation", "you close this conversation's messages without replying",
    "like messages you answered", "like messages you closed without replying")
RAISE = Voice(
    "you usually answer {who} sooner than ranked ({k} of {n})", "",
    "you answer this conversation sooner than ranked", "", "", "",
    min_conversation=MIN_DECISIONS, min_sender=MIN_DECISIONS, words=False,
    project="you usually answer {who}'s threads sooner than ranked ({k} of {n})")
LOWER = Voice(
    "you usually leave {who}'s messages for later ({k} of {n})", "",
    "you leave this conversation for later", "", "", "",
    min_conversation=MIN_DECISIONS, min_sender=MIN_DECISIONS, words=False,
    project="you usually leave {who}'s threads for later ({k} of {n})")
"""Priority is learned as two questions — "sooner than the triage ranked it?" and "later?"
— each against the decisions that kept to the triage's order, so that what she does as
ranked weighs against a few exceptions (only a "yes" is a verdict).  They read people,
conversations and projects, not words: an order of work is kept for whom, not for what."""


@dataclass(frozen=True, slots=True)
class _Rate:
    mine: float
    other: float
    count: int = 0  # decisions behind it (unweighted)

    def log_odds(self) -> float:
        return math.log((self.mine + 1.0) / (self.other + 1.0))

    @property
    def n(self) -> float:
        return self.mine + self.other


class Learned:
    """The fitted model; ``judge`` returns ``(yes, reason)`` or ``None`` (no clear view)."""

    def __init__(self, senders: dict[str, _Rate], names: dict[str, str], convs: dict[str, _Rate],
                 words_mine: Counter[str], words_other: Counter[str], totals: _Rate,
                 voice: Voice = RELEVANCE, projects: dict[str, _Rate] | None = None) -> None:
        self._senders = senders
        self._projects = projects or {}
        self._names = names
        self._convs = convs
        self._wm = words_mine
        self._wo = words_other
        self._totals = totals
        self._voice = voice
        self._vocab = len(set(words_mine) | set(words_other)) or 1
        self._sum_m = sum(words_mine.values())
        self._sum_o = sum(words_other.values())

    @property
    def examples(self) -> float:
        """How many decisions (weighted) it was fitted on."""
        return self._totals.n

    @classmethod
    def fit(cls, examples: Iterable[Example], names: dict[str, str] | None = None,
            voice: Voice = RELEVANCE) -> Learned:
        """Count the examples; ``names`` maps sender keys to how to call them in reasons."""
        senders: dict[str, list[float]] = {}
        convs: dict[str, list[float]] = {}
        projects: dict[str, list[float]] = {}
        wm: Counter[str] = Counter()
        wo: Counter[str] = Counter()
        tm = to = 0.0
        n = 0
        for ex in examples:
            f = ex.features
            slot = 0 if ex.mine else 1
            n += 1
            if f.sender:
                s = senders.setdefault(f.sender, [0.0, 0.0, 0])
                s[slot] += ex.weight
                s[2] += 1
            if f.conversation:
                c = convs.setdefault(f.conversation, [0.0, 0.0, 0])
                c[slot] += ex.weight
                c[2] += 1
            if f.project and voice.project:
                pr = projects.setdefault(f.project, [0.0, 0.0, 0])
                pr[slot] += ex.weight
                pr[2] += 1
            target = wm if ex.mine else wo
            for w in set(f.words):
                target[w] += 1
            if ex.mine:
                tm += ex.weight
            else:
                to += ex.weight
        return cls({k: _Rate(v[0], v[1], int(v[2])) for k, v in senders.items()}, dict(names or {}),
                   {k: _Rate(v[0], v[1], int(v[2])) for k, v in convs.items()}, wm, wo,
                   _Rate(tm, to, n), voice,
                   {k: _Rate(v[0], v[1], int(v[2])) for k, v in projects.items()})

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
        """Yes or no, with the reason — or ``None`` when the decisions say nothing clear."""
        if self._totals.n == 0:
            return None
        v = self._voice
        score = 0.0
        best: tuple[float, str] = (0.0, "")
        s = self._senders.get(f.sender)
        if s is not None and s.count >= v.min_sender and s.n >= MIN_SENDER:
            lo = s.log_odds()
            score += lo
            who = self._names.get(f.sender) or f.sender
            text = (v.sender_yes.format(who=who, k=_n(s.mine), n=_n(s.n)) if lo > 0
                    else v.sender_no.format(who=who, k=_n(s.other), n=_n(s.n)))
            best = max(best, (abs(lo), text))
        c = self._convs.get(f.conversation)
        if c is not None and c.count >= v.min_conversation:
            lo = 2 * c.log_odds()  # the same conversation is the strongest likeness
            score += lo
            best = max(best, (abs(lo), v.conversation_yes if lo > 0 else v.conversation_no))
        pr = self._projects.get(f.project)
        if pr is not None and pr.count >= MIN_PROJECT:
            lo = pr.log_odds()
            score += lo
            if lo > best[0]:  # the person or the conversation is named before the project
                best = (lo, v.project.format(who=f.project, k=_n(pr.mine), n=_n(pr.n)))
        if v.words and self._totals.n >= MIN_EXAMPLES and f.words:
            wl, parts = self._word_odds(f.words)
            score += wl
            if parts and abs(wl) > best[0]:
                sign = 1 if wl > 0 else -1
                top = [w for _lo, w in sorted(parts, key=lambda p: -sign * p[0])[:3]]
                what = v.words_yes if wl > 0 else v.words_no
                best = (abs(wl), f"{what} («{'», «'.join(top)}»)")
        if abs(score) < DECISIVE or not best[1]:
            return None
        return score > 0, best[1]


@dataclass(frozen=True, slots=True)
class ScopeVote:
    """One decision on a request: project, service (key and label), out of the contract or in."""

    project: str
    service: str
    label: str
    out: bool


class ScopeModel:
    """Per (project, service): how often she escalated a request for it, how often she
    answered one herself — smoothed toward the contract (``CONTRACT_PRIOR``)."""

    def __init__(self, votes: Iterable[ScopeVote]) -> None:
        self._counts: dict[tuple[str, str], list[int]] = {}
        self._labels: dict[str, str] = {}
        for v in votes:
            c = self._counts.setdefault((v.project, v.service), [0, 0])
            c[0 if v.out else 1] += 1
            self._labels[v.service] = v.label

    def __bool__(self) -> bool:
        return bool(self._counts)

    def judge(self, project: str, service: str, in_contract: bool | None) -> tuple[bool, str] | None:
        """(out of scope?, reason) for a request for ``service`` on ``project``, or ``None``.

        ``in_contract``: what the contract says (``None``: the project lists no services)."""
        c = self._counts.get((project, service))
        if c is None or c[0] + c[1] < MIN_DECISIONS:
            return None
        prior_out = CONTRACT_PRIOR if in_contract is False else 0.0
        prior_in = CONTRACT_PRIOR if in_contract else 0.0
        lo = math.log((c[0] + prior_out + 1.0) / (c[1] + prior_in + 1.0))
        if abs(lo) < SCOPE_DECISIVE:
            return None
        what = self._labels.get(service, service)
        n = c[0] + c[1]
        if lo > 0:  # the counts are shown, not the smoothing
            return True, f"you escalate {what} requests on {project} ({c[0]} of {n})"
        return False, f"you answer {what} requests on {project} yourself ({c[1]} of {n})"


def _n(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"


@dataclass(frozen=True, slots=True)
class Models:
    """Everything learned from the decisions: relevance, priority (raise / lower), scope."""

    relevance: Learned
    raise_: Learned
    lower: Learned
    scope: ScopeModel

    def priority(self, f: Features) -> tuple[bool, str] | None:
        """(higher?, reason) when her decisions say a thread like this one goes sooner or
        later than ranked; ``None`` when they say nothing clear (or both)."""
        up = self.raise_.judge(f)
        down = self.lower.judge(f)
        up_says = up is not None and up[0]
        down_says = down is not None and down[0]
        if up_says == down_says:
            return None
        return (True, up[1]) if up_says and up is not None else (False, down[1]) if down is not None else None
