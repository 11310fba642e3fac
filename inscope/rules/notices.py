"""Emergencies told the way search engines, registrars and tools notify (pure).

What ``inscope.rules.emergency`` reads sentence by sentence misses when a notice spreads
its news over lines of a form, or tells it in an engine's own terms:

- **a sanction** — «сайт понижен в результатах поиска», "your site has been demoted", a
  manual action: the site falls in search by the engine's decision; and off the first page
  ("we dropped off page one") (``ENTRIES``, category ``deindex``, compiled with the rest of
  the signals lexicon);
- **a monitor's form** — "State: CRITICAL", "Severity: critical", "HTTP check failed": a
  status or severity field with a failing value (category ``alert_down``);
- **places told as ordinals** — «в Яндексе были 4-е, сейчас 38-е»: a sentence that names a
  search engine, the results or a query is about places in search even without «место»
  (category ``rank``: ``inscope.rules.ranks`` reads the places);
- **many pages excluded at once** — a report form's "Excluded by 'noindex' tag … Affected
  pages: 1,214 (previously 3)", «за ночь Яндекс исключил 3 000 страниц»: an exclusion word
  and a new count of at least ``PAGES_AT_SCALE`` pages, in a form's field or in the
  sentence of the exclusion (:func:`mass_exclusion`);
- **a domain or a certificate expiring** — «срок регистрации домена истекает 25.11.2026»,
  "your SSL certificate expires today": the site stops when it does, so a date within a
  day of the message is now (:func:`expiry`; ``inscope.rules.urgency`` compares the date
  with the message's own).
"""

from __future__ import annotations

import re
from datetime import date

from inscope.rules.emergency import PAGES_AT_SCALE

ENTRIES: list[tuple[str, str]] = [
    # a search engine's sanction: the site lowered in search by its decision
    *(("deindex", p) for p in (
        "понизить|понижать|пессимизировать … в результат|выдача|поиск|ранжирование",
        "понижение … в результат|выдача|поиск|ранжирование", "пессимизация",
        "ограничение в поиск|ранжирование|выдача", "=demoted", "=downranked",
        "=lowered … in search|rankings|results", "manual penalty", "ranking penalty",
    )),
    # off the first page: "we dropped off page one", "fell off the first page of Google"
    *(("deindex", p) for p in ("=dropped|=fell|=falling|=dropping =off … =page|=first|=top|google|serp",)),
    # a monitor's form: "State: CRITICAL", "Severity: critical", "HTTP check failed"
    *(("alert_down", p) for p in (
        "=state|=severity|=состояние|=уровень =critical|=crit|=down|=failed|=failing|=alarm|"
        "критический|критичный|=недоступен",
        "=check|=checks|=healthcheck|=health-check =failed|=failing",
    )),
    # a search engine, the results or a query named: the sentence is about places in search
    *(("rank", p) for p in ("яндекс", "гугл", "google", "yandex", "выдача", "serp", "запрос",
                            "query", "keyword")),
]
"""(category, pattern): added to the signals lexicon (``inscope.rules.signals``)."""

_EXCLUDED_RE = re.compile(
    r"noindex|excluded|not indexed|not being indexed|deindex\w*|removed from (?:the )?index|"
    r"исключ\w*|выпал\w*|вылетел\w*|не индексиру\w*|blocked by robots|заблокирован\w* в robots",
    re.IGNORECASE)
# new, or just happened: a report of a steady count is housekeeping, not an emergency
_NEW_RE = re.compile(r"(?<!ничего )(?<!нет )(?<!no )(?<!не )\b(?:new|newly|detected|нов\w*|обнаружен\w*|появил\w*|overnight|today|"
                     r"сегодня|за ночь|за сутки|since)\b", re.IGNORECASE)
_NUMBER = r"(\d{1,3}(?:[,\u00a0 ]\d{3})+|\d+)"
# a form's field anywhere in the notice ("Affected pages: 1,214")
_FIELD_RE = re.compile(
    rf"(?:affected pages|pages affected|затронуто страниц|страниц затронуто|pages|страниц)"
    rf"\s*[:—–]\s*{_NUMBER}", re.IGNORECASE)
# a count told in the sentence of the exclusion («Яндекс исключил 3 000 страниц») — not the
# whole of which a few are («из 500 страниц исключены 3»)
_SENTENCE_COUNT_RE = re.compile(rf"(?<!из )(?<!of ){_NUMBER}\s+(?:pages|страниц)", re.IGNORECASE)
_BEFORE_RE = re.compile(rf"(?:previously|before|was|было|ранее|раньше)\s*[:—–-]?\s*{_NUMBER}",
                        re.IGNORECASE)
# a count with its change since the last report: "1,214 (+1,200)", «211 (−2)»
_DELTA_RE = re.compile(rf"{_NUMBER}\s*\(\s*([+−–-])\s*{_NUMBER}\s*%?\s*\)")
_LINE_RE = re.compile(r"[^.!?\n]+(?:[.!?](?=\S)[^.!?\n]*)*")


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def mass_exclusion(text: str) -> int:
    """The count of pages a notice or a message reports newly excluded from the index (0:
    none, fewer than ``PAGES_AT_SCALE``, not new, or fewer than before)."""
    if not _EXCLUDED_RE.search(text):
        return 0
    counts = [_number(m.group(1)) for m in _FIELD_RE.finditer(text)]
    counts += [_number(m.group(1)) for line in _LINE_RE.findall(text) if _EXCLUDED_RE.search(line)
               for m in _SENTENCE_COUNT_RE.finditer(line)]
    n = max(counts, default=0)
    if n < PAGES_AT_SCALE:
        return 0
    deltas = [(_number(m.group(1)), m.group(2) == "+", _number(m.group(3)))
              for m in _DELTA_RE.finditer(text)]
    if any(c == n for c, _up, _d in deltas):
        # a digest's "Исключено страниц: 211 (−2)": the change is what is new
        return next((d if up and d >= PAGES_AT_SCALE else 0) for c, up, d in deltas if c == n)
    before = [_number(m.group(1)) for m in _BEFORE_RE.finditer(text)]
    if before:
        return n if max(before) < n else 0
    return n if _NEW_RE.search(text) else 0


_EXPIRES_RE = re.compile(
    r"(?:домен\w*|domain|[a-z0-9-]+\.[a-z]{2,6}|ssl|сертификат\w*|certificate|cert|хостинг\w*|hosting)\b(?:[^.!?\n]|\.(?=\S)){0,60}?"
    r"\b(?:истека\w*|истечёт|истечет|заканчива\w*|закончится|expires?|expiring|will expire)\b"
    r"|\b(?:истека\w*|истечёт|истечет|заканчива\w*|expires?|expiring)\b(?:[^.!?\n]|\.(?=\S)){0,40}?"
    r"\b(?:домен\w*|domain|ssl|сертификат\w*|certificate|хостинг\w*|hosting)\b", re.IGNORECASE)
_SOON_RE = re.compile(
    r"\b(?:сегодня|завтра|today|tonight|tomorrow|через\s+(?:\d+\s*)?час\w*|через (?:1|один) день|"
    r"in\s+\d+\s*hours?|in (?:1|one) day|within 24 hours|в течение (?:суток|24 часов))\b",
    re.IGNORECASE)
_DATE_RE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")

SOON = (0, 0, 0)
"""What :func:`expiry` gives for an expiry told as within a day («истекает завтра»)."""


def expiry(text: str) -> tuple[int, int, int] | None:
    """When a domain, a certificate or hosting expires, as the message tells it: (year,
    month, day) of the date in the sentence, ``SOON`` for «сегодня», «завтра», "today", «через
    3 часа», ``None`` when it tells no expiry or no date."""
    for sentence in re.split(r"(?<=[.!?\n])\s+", text):
        m = _EXPIRES_RE.search(sentence)
        if m is None:
            continue
        if _SOON_RE.search(sentence):
            return SOON
        d = _DATE_RE.search(sentence, m.start())
        if d is not None:
            day, month, year = (d.group(1), d.group(2), d.group(3)) if d.group(1) else (
                d.group(6), d.group(5), d.group(4))
            return int(year), int(month), int(day)
    return None


def expires_now(when: tuple[int, int, int], sent: date) -> bool:
    """Whether an expiry (from :func:`expiry`) falls within a day of the message's date."""
    if when == SOON:
        return True
    try:
        on = date(*when)
    except ValueError:
        return False
    return abs((on - sent).days) <= 1
