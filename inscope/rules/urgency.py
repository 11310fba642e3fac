"""Urgent means only: this must break through the reply windows *now*.

Pure thread-level decision over the per-message signals (``inscope.rules.signals``):

1. The newest message (not mine) that reports an emergency — the site down or answering
   5xx, pages falling out of the index, traffic or positions collapsing, a monitoring
   alert, a same-day blocker, or one of the user's own ``[me] urgent`` words — and is
   at most ``FRESH_HOURS`` old.  Negated and past-tense reports never count.
2. A later message that says it is resolved («починили», "fixed", UptimeRobot's "is back
   UP") ends it.
3. My reply after it means I am on it — unless a later message from someone else says it
   still fails («так и не работает», "Any update?? Still nothing loads") or reports an
   emergency again: an ongoing outage carries over my reply.

Overdue, importance, VIP and «срочно» are *priority*, never urgency (see
``inscope.rules.triage``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inscope.rules.signals import Signals

FRESH_HOURS = 24.0
"""An emergency reported longer ago than this is no longer "now": it stays high priority
(overdue, waiting) but does not break through the windows."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One message as urgency sees it."""

    is_me: bool
    created_at: float
    signals: Signals
    own_word: str = ""  # a ``[me] urgent`` word found in it ("" if none)
    chasing: bool = False  # from the one who reported it (a client), not a bystander
    subject_emergency: str = ""  # an e-mail subject's emergency ("Сайт не работает!!!")


def _report(e: Entry) -> str:
    s = e.signals
    if s.emergency:
        return s.emergency
    if e.subject_emergency:
        return f"{e.subject_emergency} (subject)"
    if s.blocker:
        return s.blocker
    if e.own_word:
        return f"your urgent word «{e.own_word}»"
    return ""


def thread_urgency(entries: Sequence[Entry], now: float) -> str:
    """The reason the thread is urgent now, or ``""`` (oldest message first in ``entries``)."""
    last_me = max((i for i, e in enumerate(entries) if e.is_me), default=-1)
    found = -1
    reason = ""
    for i in range(len(entries) - 1, -1, -1):
        e = entries[i]
        if e.is_me:
            continue
        r = _report(e)
        if r and now - e.created_at <= FRESH_HOURS * 3600:
            found, reason = i, r
            break
    if found < 0:
        return ""
    if entries[found].signals.resolved and not entries[found].signals.still:
        return ""  # "упал, но уже подняли"
    for e in entries[found + 1:]:
        if e.signals.resolved and not e.signals.still:
            return ""
    if last_me > found:
        # Someone still chasing it («так и не работает», "Any update??", a new question)
        # keeps an unresolved emergency urgent across my reply.
        after = [e for e in entries[last_me + 1:] if not e.is_me]
        if any(e.signals.still or _report(e) or (e.chasing and e.signals.question) for e in after):
            return f"still failing after your reply: {reason}"
        return ""
    return reason
