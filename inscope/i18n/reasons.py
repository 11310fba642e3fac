"""The triage's reasons, shown in the interface language (translated at display time).

The rules write their reasons in English and the store keeps them so (``"overdue 2h 13m"``,
``"Anna mentions you"``, ``"urgent: site not working: «не открывается»"``): that stable form
is what the learning and the ``--json`` output read, so switching the language never
re-triages anything and never leaves a mixed list.  :func:`reason_text` reads a stored
reason back against the patterns below (each an English msgid with ``{placeholders}``) and
writes it in the current language; what a placeholder holds is the client's words or a
name (data, kept as it is), a nested reason (translated in turn) or a duration.  A reason
no pattern knows is shown as stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from inscope.i18n import N_, Nn_, _, language, ngettext
from inscope.i18n.dates import duration

# Plain reasons and patterns; ``{reason}`` nests another reason, ``{duration}`` is a
# format_duration text ("2h 13m"), anything else is data.
PATTERNS: tuple[str, ...] = (
    # relevance
    N_("no messages"),
    N_("an alert about {project}'s site"),
    N_("an emergency reported by a sender of no project"),
    N_("a newsletter or an offer from an unknown sender"),
    N_("an unknown sender: assign a project if it is a client"),
    N_("{who} mentions you"),
    N_("{who} asks you by name"),
    N_("{who} replies to your message"),
    N_("addressed to you (To)"),
    N_("you are in this conversation"),
    N_("you are on the card"),
    N_("you are only in Cc"),
    N_("addressed to a colleague's message"),
    N_("addressed to {who}"),
    N_("an emergency on a client's site ({who} is on it)"),
    N_("{who} answered"),
    N_("an emergency on a client's site"),
    N_("the client waits for an answer"),
    N_("watch word: {word}"),
    N_("colleagues' conversation"),
    N_("a bot's notice"),
    N_("nothing for you"),
    N_("you usually answer {who} ({a} of {b})"),
    N_("you usually close {who}'s messages without replying ({a} of {b})"),
    N_("you answer in this conversation"),
    N_("you close this conversation's messages without replying"),
    N_("like messages you answered ({words})"),
    N_("like messages you closed without replying ({words})"),
    N_("you marked it yours"),
    N_("you marked it not yours"),
    # priority
    N_("acknowledgement: nothing to answer"),
    N_("question waiting for you"),
    N_("VIP client"),
    N_("important client"),
    N_("low-importance client"),
    N_("overdue {duration}"),
    N_("says «{word}»"),
    N_("chasing an answer"),
    N_("a same-day blocker"),
    N_("a monitoring notice to look into"),
    N_("nothing asked of you"),
    N_("out of scope: «{phrase}» ({service})"),
    N_("out of scope: «{phrase}»"),
    N_("urgent: {reason}"),
    # urgency
    N_("urgent"),
    N_("urgent (assessed before the update)"),
    N_("still failing after your reply: {reason}"),
    N_("still failing after someone else took it on: {reason}"),
    N_("{reason} (subject)"),
    N_("your urgent word «{word}»"),
    N_("monitor reports the site DOWN"),
    N_("monitoring: {label}"),
    N_("HTTP {code} errors"),
    N_("site not working: «{word}» (said in alarm)"),
    N_("site not working: «{word}» (nothing else named)"),
    N_("site not working: «{word}»"),
    N_("pages answer 404 en masse"),
    N_("falling out of search: «{word}»"),
    N_("our pages not found in search"),
    N_("{count} pages excluded from search"),
    N_("collapse: «{word}»"),
    N_("drop of {percent}%"),
    N_("positions fell from {was} to {now}"),
    N_("the whole site is closed in robots.txt (Disallow: /)"),
    N_("the domain or certificate expires within a day"),
)
PLURALS: tuple[tuple[str, str], ...] = (
    Nn_("waited {n} reply window", "waited {n} reply windows"),
)
WHO: tuple[str, ...] = (N_("someone"), N_("a colleague"))
"""Words the rules put where a name goes when they have none."""

_NESTED = ("reason",)
_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: re.Pattern[str]
    msgid: str
    plural: str = ""


def _compile(msgid: str) -> re.Pattern[str]:
    out, pos = [], 0
    for m in _FIELD.finditer(msgid):
        out.append(re.escape(msgid[pos:m.start()]))
        out.append(r"(?P<n>\d+)" if m.group(1) == "n" else f"(?P<{m.group(1)}>.+?)")
        pos = m.end()
    out.append(re.escape(msgid[pos:]))
    return re.compile("".join(out), re.DOTALL)


@lru_cache(maxsize=1)
def _patterns() -> tuple[_Pattern, ...]:
    plain = [_Pattern(_compile(p), p) for p in PATTERNS]
    plural = [_Pattern(_compile(f), s, p) for s, p in PLURALS for f in (s, p)]
    return (*plural, *plain)


_DURATION_PART = re.compile(r"(\d+)(d|h|m| min)")


def _duration(text: str) -> str:
    """``"2h 13m"`` (what the rules wrote) in the current language."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(a + b for a, b in parts).replace(" ", "") != text.replace(" ", ""):
        return text
    unit = {"d": 86400, "h": 3600, "m": 60, " min": 60}
    return duration(sum(int(a) * unit[b] for a, b in parts))


def reason_text(stored: str) -> str:
    """A stored reason in the interface language (as stored when no pattern knows it)."""
    if not stored or language() == "en":
        return stored
    return _translate(stored, 0)


def _translate(text: str, depth: int) -> str:
    if depth > 4:
        return text
    for p in _patterns():
        m = p.regex.fullmatch(text)
        if m is None:
            continue
        values = m.groupdict()
        for name, value in values.items():
            if name in _NESTED:
                values[name] = _translate(value, depth + 1)
            elif name == "duration":
                values[name] = _duration(value)
            elif name == "who" and value in WHO:
                values[name] = _(value)
        if p.plural:
            return ngettext(p.msgid, p.plural, int(values["n"])).format(**values)
        return _(p.msgid).format(**values)
    return text
