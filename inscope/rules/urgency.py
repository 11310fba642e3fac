"""Urgent means only: this must break through the reply windows *now*.

Pure thread-level decision over the per-message signals (``inscope.rules.signals``):

1. The newest message (not mine) that reports an emergency — the site down or answering
   5xx, pages falling out of the index, traffic or positions collapsing, a monitoring
   alert, a same-day blocker, a domain or certificate expiring within a day of the
   message (``inscope.rules.notices``), or one of the user's own ``[me] urgent`` words —
   and is at most ``FRESH_HOURS`` old.  Negated and past-tense reports never count.
2. A later message that says it is resolved («починили», "fixed", UptimeRobot's "is back
   UP") or that it works («перезапустили, работает», "loads fine now") ends it — unless
   someone else says after that it fails again («опять упал», "down again").
3. A later message that someone else took it on — the client's developer, the host, a
   support desk («наш программист уже разбирается», "the host is looking into it";
   ``inscope.rules.whose``; not a bare "we're working on it") — ends it too, unless
   someone says after that it still fails; so does the report itself when it says so
   after the failure and asks nothing («лёг, хостер уже поднимает»).
4. My reply after it means I am on it — unless a later message from someone else says it
   still fails («так и не работает», "Any update?? Still nothing loads") or reports an
   emergency again: an ongoing outage carries over my reply.

Overdue, importance, VIP and «срочно» are *priority*, never urgency (see
``inscope.rules.triage``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from inscope.rules.notices import expires_now
from inscope.rules.signals import Signals

FRESH_HOURS = 24.0
"""An emergency reported longer ago than this is no longer "now": it stays high priority
(overdue, waiting) but does not break through the windows — unless someone says within
these hours that it still goes on (``ONGOING_DAYS``)."""
ONGOING_DAYS = 3.0
"""How far back a report is picked up again by a fresh «всё ещё не работает»."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One message as urgency sees it."""

    is_me: bool
    created_at: float
    signals: Signals
    own_word: str = ""  # a ``[me] urgent`` word found in it ("" if none)
    chasing: bool = False  # from the one who reported it (a client), not a bystander
    subject_emergency: str = ""  # an e-mail subject's emergency ("Сайт не работает!!!")


EXPIRES = "the domain or certificate expires within a day"
"""The reason of an expiry told for the day of the message (``inscope.rules.notices``)."""


def _report(e: Entry) -> str:
    s = e.signals
    if s.emergency:
        return s.emergency
    if s.expires_on is not None and expires_now(
            s.expires_on, datetime.fromtimestamp(e.created_at, UTC).date()):
        return EXPIRES
    if e.subject_emergency:
        return f"{e.subject_emergency} (subject)"
    if s.blocker:
        return s.blocker
    if e.own_word:
        return f"your urgent word «{e.own_word}»"
    return ""


def _reports(entries: Sequence[Entry]) -> list[str]:
    """What each message reports; a follow-up's «снова не открывается» names no site but
    is about the one an earlier message reported down."""
    out: list[str] = []
    down_before = False
    for e in entries:
        r = "" if e.is_me else _report(e)
        if not r and not e.is_me and down_before and e.signals.bare_down:
            r = "site not working (follow-up)"
        down_before = down_before or (bool(r) and e.signals.emergency_kind in ("down", "monitor", ""))
        out.append(r)
    return out


def _ends(e: Entry, kind: str) -> bool:
    """A message that ends an emergency of ``kind``: it is fixed, or — for the site not
    working — it works again and reports nothing itself («сайт открывается» says nothing
    about a fall in search or a drop of traffic)."""
    s = e.signals
    works = s.works and kind in ("down", "monitor") and not _report(e)
    return (s.resolved or works) and not s.going_on


def _past_still_failing(entries: Sequence[Entry], now: float) -> str:
    """An emergency told in the past («рекламу ночью отклонили», "the ads were disapproved
    overnight") that a fresh message says still fails («и до сих пор не крутится», "still
    not running"): ongoing, so now — unless it was fixed in between or in the report."""
    for i in range(len(entries) - 1, -1, -1):
        e = entries[i]
        s = e.signals
        if e.is_me or not s.past_emergency or now - e.created_at > ONGOING_DAYS * 86400:
            continue
        if s.resolved or s.works:
            return ""
        later = entries[i + 1:]
        kind = s.emergency_kind or "down"
        if not any(_ends(x, kind) for x in later) and any(
                x.signals.still_failing and not x.is_me and now - x.created_at <= FRESH_HOURS * 3600
                for x in later):
            return f"still failing: {s.past_emergency}"
        return ""
    return ""


def thread_urgency(entries: Sequence[Entry], now: float) -> str:
    """The reason the thread is urgent now, or ``""`` (oldest message first in ``entries``)."""
    last_me = max((i for i, e in enumerate(entries) if e.is_me), default=-1)
    reports = _reports(entries)
    found = -1
    reason = ""
    for i in range(len(entries) - 1, -1, -1):
        e = entries[i]
        if e.is_me:
            continue
        r = reports[i]
        if r and now - e.created_at <= FRESH_HOURS * 3600:
            found, reason = i, r
            break
        if r and now - e.created_at <= ONGOING_DAYS * 86400:
            # An older report is now again when someone says today it still goes on
            # («всё ещё не работает», "it's still going down") and nothing fixed it between.
            later = entries[i + 1:]
            kind = e.signals.emergency_kind or "down"
            if not any(_ends(x, kind) for x in later) and any(
                    x.signals.going_on and not x.is_me and now - x.created_at <= FRESH_HOURS * 3600
                    for x in later):
                return f"still failing: {r}"
            break
    if found < 0:
        return _past_still_failing(entries, now)
    if entries[found].signals.ended and not entries[found].signals.still:
        return ""  # "упал, но уже подняли"
    sig = entries[found].signals
    if sig.handed_over and not sig.question and not sig.request and not sig.still:
        return ""  # «сайт лёг, хостер уже поднимает» and nothing asked of us: an FYI
    kind = sig.emergency_kind or "down"
    ended = max((i for i in range(found + 1, len(entries)) if _ends(entries[i], kind)), default=-1)
    if ended >= 0:
        again = any(e.signals.still and not e.is_me and not _ends(e, kind) for e in entries[ended + 1:])
        return f"failing again after a fix: {reason}" if again else ""
    handed = max((i for i in range(found + 1, len(entries)) if not entries[i].is_me
                  and entries[i].signals.handled and not entries[i].signals.still), default=-1)
    if handed >= 0:
        # Someone else — the client's developer, the host, a support desk — took it on: not
        # ours to break through for, until someone says it still fails (``inscope.rules.whose``).
        if any(e.signals.still and not e.is_me for e in entries[handed + 1:]):
            return f"still failing after someone else took it on: {reason}"
        return ""
    if last_me > found:
        # Someone still chasing it («так и не работает», "Any update??", a new question)
        # keeps an unresolved emergency urgent across my reply.
        after = [e for e in entries[last_me + 1:] if not e.is_me]
        if any(e.signals.still or reports[last_me + 1 + k] or (e.chasing and e.signals.question)
               for k, e in enumerate(after)):
            return f"still failing after your reply: {reason}"
        return ""
    return reason
