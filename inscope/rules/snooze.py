"""Natural-language snooze times, Russian and English (pure, no I/O).

:func:`parse_when` turns what the user types in the snooze picker into an aware datetime:

========================================  ===============================================
input                                     result
========================================  ===============================================
``1h``, ``2 hours``, ``30m``, ``in 3 days``  now + duration (``через 2 часа``, ``через час``,
``1h 30m``, ``через полчаса``              ``через 3 дня``, ``in an hour`` …)
``17:00``, ``5pm``, ``в 10``               today at that time if still ahead, else tomorrow
``tomorrow``, ``завтра``, ``послезавтра``  that day at the default time (see below)
``tomorrow 10am``, ``завтра в 10:00``      that day at that time
``fri``, ``friday 9:00``, ``пт``,          the next such weekday (always after today: "fri"
``пятница``, ``в пятницу``                 typed on a Friday means next Friday)
``next week``, ``след неделя``             next Monday at the default time
``2026-12-01 09:00``, ``01.12.2026``,       that date (and time); a past instant is an error
``01.12``                                  (``dd.mm`` without a year: the next such date)
``next window``, ``след окно``             the start of the next reply window
========================================  ===============================================

The default time of a bare day is 09:00 local, or — when a schedule is given and that day
has reply windows — the start of the day's first window (you wake up to it when you can
answer).  Times are interpreted in the schedule's timezone if a schedule is given, else in
``now``'s timezone.  Anything not understood raises ``ValueError`` naming the part that was
not understood; no other exception escapes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from inscope.rules.windows import Schedule

DEFAULT_HOUR = 9

_UNITS: dict[str, float] = {}
for _secs, _names in (
    (60.0, "m min mins minute minutes мин минута минуты минут минуту м"),
    (3600.0, "h hr hrs hour hours ч час часа часов"),
    (86400.0, "d day days д день дня дней сут суток"),
    (604800.0, "w wk week weeks нед неделя недели недель неделю"),
):
    for _n in _names.split():
        _UNITS[_n] = _secs

_WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        "mon monday пн пон понедельник понедельника",
        "tue tues tuesday вт вторник вторника",
        "wed wednesday ср среда среду среды",
        "thu thur thurs thursday чт четверг четверга",
        "fri friday пт пятница пятницу пятницы",
        "sat saturday сб суббота субботу субботы",
        "sun sunday вс воскресенье воскресенья",
    )
):
    for _n in _names.split():
        _WEEKDAYS[_n] = _i

_NEXT_WINDOW = {
    "next window", "window", "nw", "next reply window", "след окно", "след. окно",
    "следующее окно", "окно", "до окна", "до следующего окна",
}
_NEXT_WEEK = {
    "next week", "след неделя", "след. неделя", "следующая неделя", "на следующей неделе",
    "на след неделе", "через неделю",
}
_DAY_WORDS: dict[str, int] = {
    "today": 0, "сегодня": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "завтра": 1,
    "day after tomorrow": 2, "послезавтра": 2,
}

_DAY_WORDS_RE = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(p) for p in sorted(_DAY_WORDS, key=len, reverse=True))
    + r")(?!\w)"
)

_NUM = r"[0-9]+(?:[.,][0-9]+)?"
_REL_PART = re.compile(r"\s*(" + _NUM + r")?\s*([a-zа-я]+)\.?")
_REL_PREFIX = re.compile(r"^(?:in|через|after|спустя)\s+")
_ISO_RE = re.compile(r"(?<![\d.])([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?![\d.])")
_DMY_RE = re.compile(r"(?<![\d.:])([0-9]{1,2})\.([0-9]{1,2})(?:\.([0-9]{2}|[0-9]{4}))?(?![\d:])")
_TIME_RE = re.compile(
    r"^(?:at|@|в|во|к)?\s*([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*"
    r"(am|pm|a\.m\.|p\.m\.|утра|дня|вечера|ночи|ч|h)?$"
)
_FILLER = re.compile(r"^(?:next|this|on|coming|в|во|на|эту|этот|эта|следующий|следующую|"
                     r"следующая|след|ближайший|ближайшую)\s+")


def _local_tz(now: datetime, schedule: Schedule | None) -> tzinfo:
    if schedule is not None:
        return schedule.tz
    assert now.tzinfo is not None
    return now.tzinfo


def _at(d: date, hour: int, minute: int, tz: tzinfo) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=tz)


def _default_time(d: date, tz: tzinfo, schedule: Schedule | None) -> datetime:
    """A bare day wakes at its first reply window, or at 09:00 if it has none."""
    if schedule is not None:
        first = schedule.first_start(d)
        if first is not None:
            return first
    return _at(d, DEFAULT_HOUR, 0, tz)


def _parse_time(text: str) -> tuple[int, int] | None:
    """``"10"``, ``"10:30"``, ``"10am"``, ``"5 pm"``, ``"в 17:00"``, ``"5 вечера"`` → (h, m)."""
    m = _TIME_RE.match(text.strip())
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    suffix = (m.group(3) or "").replace(".", "")
    if suffix in ("am", "pm", "утра", "дня", "вечера", "ночи"):
        if not 1 <= h <= 12:
            return None
        if suffix in ("pm", "дня", "вечера") and h != 12:
            h += 12
        elif suffix in ("am", "ночи") and h == 12:
            h = 0
    if h > 23 or mi > 59:
        return None
    return h, mi


def _relative(text: str) -> tuple[int, float] | None:
    """``(whole days, seconds)`` for ``"1h 30m"``, ``"2 hours"``, ``"через 2 дня"``,
    ``"in an hour"``; ``None`` if ``text`` is not a duration.  Whole days and weeks are kept
    apart so they can move the calendar date (same wall-clock time across DST)."""
    t = _REL_PREFIX.sub("", text)
    t = {"час": "1 час", "полчаса": "30 мин", "an hour": "1 hour", "a day": "1 day",
         "a week": "1 week", "half an hour": "30 min", "день": "1 день",
         "неделю": "1 неделю"}.get(t, t)
    if not t:
        return None
    pos, days, total, parts = 0, 0, 0.0, 0
    while pos < len(t):
        m = _REL_PART.match(t, pos)
        if not m or m.group(1) is None or m.group(2) not in _UNITS:
            return None
        amount = float(m.group(1).replace(",", ".")) * _UNITS[m.group(2)]
        if _UNITS[m.group(2)] >= 86400.0 and amount % 86400.0 == 0:
            days += int(amount // 86400.0)
        else:
            total += amount
        parts += 1
        pos = m.end()
        while pos < len(t) and t[pos] in " ,":
            pos += 1
        if t.startswith("and ", pos) or t.startswith("и ", pos):
            pos = t.index(" ", pos) + 1
    return (days, total) if parts else None


def _date_part(text: str, today: date) -> tuple[date | None, str, bool]:
    """Find a date expression in ``text``: (date or None, the rest, weekday-relative?)."""
    m = _DAY_WORDS_RE.search(text)
    if m:
        offset = _DAY_WORDS[m.group()]
        return today + timedelta(days=offset), _cut(text, m.start(), m.end()), False
    m = _ISO_RE.search(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return _mkdate(y, mo, d, text), _cut(text, m.start(), m.end()), False
    m = _DMY_RE.search(text)
    # "10.30" is a time, "10.12" a date: a dd.mm that is a valid day and month is a date.
    if m and 1 <= int(m.group(1)) <= 31 and 1 <= int(m.group(2)) <= 12:
        d, mo = int(m.group(1)), int(m.group(2))
        ys = m.group(3)
        if ys is None:
            cand = _mkdate(today.year, mo, d, text)
            if cand < today:
                cand = _mkdate(today.year + 1, mo, d, text)
        else:
            y = int(ys) + (2000 if len(ys) == 2 else 0)
            cand = _mkdate(y, mo, d, text)
        return cand, _cut(text, m.start(), m.end()), False
    words = text.split()
    for i, w in enumerate(words):
        wd = _WEEKDAYS.get(w.rstrip(".,"))
        if wd is not None:
            ahead = (wd - today.weekday()) % 7 or 7
            rest = words[:i] + words[i + 1 :]
            # Drop "next"/"в"/"on" right before the weekday.
            if i > 0 and _FILLER.match(words[i - 1] + " "):
                rest = words[: i - 1] + words[i + 1 :]
            return today + timedelta(days=ahead), " ".join(rest), True
    return None, text, False


def _mkdate(y: int, mo: int, d: int, text: str) -> date:
    try:
        return date(y, mo, d)
    except ValueError as e:
        raise ValueError(f"cannot understand {text!r}: not a valid date ({e})") from None


def _cut(text: str, a: int, b: int) -> str:
    return " ".join((text[:a] + " " + text[b:]).split())


def parse_when(text: str, now: datetime, schedule: Schedule | None = None) -> datetime:
    """When a snooze should wake, from natural Russian or English input.

    ``now`` must be aware.  Returns an aware datetime strictly after ``now`` in the
    schedule's timezone (or ``now``'s).  Raises ``ValueError`` naming what was not
    understood (and only ``ValueError``).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if not isinstance(text, str):
        raise ValueError(f"cannot understand {text!r}: expected text")
    try:
        return _parse(text, now, schedule)
    except (OverflowError, OSError) as e:
        # Huge numbers ("in 99999999999 days") overflow datetime.
        raise ValueError(f"cannot understand {text!r}: out of range") from e


def _parse(text: str, now: datetime, schedule: Schedule | None) -> datetime:
    t = " ".join(text.lower().replace("ё", "е").split()).strip(" .!")
    if not t:
        raise ValueError("cannot understand an empty time: try '1h', 'tomorrow 10:00', 'пт'")
    tz = _local_tz(now, schedule)
    local_now = now.astimezone(tz)
    today = local_now.date()

    if t in _NEXT_WINDOW:
        if schedule is None or schedule.empty:
            raise ValueError(f"cannot understand {text!r}: no reply windows are configured")
        st = schedule.state(now)
        assert st.next_start is not None
        return st.next_start

    rel = _relative(t)
    if rel is not None:
        days, secs = rel
        if days <= 0 and secs <= 0:
            raise ValueError(f"cannot understand {text!r}: the duration must be positive")
        # Whole days/weeks move the calendar (same wall-clock time across a DST switch);
        # hours and minutes are real elapsed time.
        base = (local_now.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=tz)
        # Aware arithmetic within one zone is wall-clock in Python: add real time in UTC.
        return (base.astimezone(UTC) + timedelta(seconds=secs)).astimezone(tz)

    if t in _NEXT_WEEK:
        monday = today + timedelta(days=7 - today.weekday())
        return _default_time(monday, tz, schedule)

    day, rest, _ = _date_part(t, today)
    rest = rest.strip(" ,")
    if rest in ("", "at", "в", "во"):
        if day is None:
            raise ValueError(f"cannot understand {text!r}")
        out = _default_time(day, tz, schedule)
        if out <= now:
            raise ValueError(f"{text!r} is in the past")
        return out
    hm = _parse_time(rest)
    if hm is None:
        raise ValueError(
            f"cannot understand {rest!r} in {text!r}: expected a time like 10:00 or 10am, "
            "a day (tomorrow, fri, завтра, пт), a date (2026-12-01) or a duration (2h, через 2 часа)"
        )
    if day is None:
        out = _at(today, hm[0], hm[1], tz)
        if out <= now:
            out = _at(today + timedelta(days=1), hm[0], hm[1], tz)
        return out
    out = _at(day, hm[0], hm[1], tz)
    if out <= now:
        raise ValueError(f"{text!r} is in the past")
    return out
