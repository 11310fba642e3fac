"""Dates, weekdays, ages and durations in the interface language (pure functions).

English keeps the forms the app always showed (``Fri 5 Dec 10:00``, ``2h 13m``, ``5m``);
Russian writes the month in the genitive (``5 декабря``), weekdays short in lower case
(``пт``) or in full (``пятница``), durations with Russian units (``2 ч 13 мин``) and says
``сегодня`` / ``вчера`` / ``завтра``.  Every function takes the language explicitly
(``lang=None``: the one in force, see :func:`inscope.i18n.language`), so each is testable
on its own.  Locale data lives here rather than in the catalog: it is a table, not a message.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from inscope.i18n import language

_WEEKDAY_ABBR = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
}
_WEEKDAY_NAME = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ru": ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
}
_MONTH_ABBR = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    # The genitive ("5 дек." is how a date reads; the short forms are the genitive's too).
    "ru": ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"),
}
_MONTH_GENITIVE = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
}
_DAY_WORDS = {
    "en": {-1: "yesterday", 0: "today", 1: "tomorrow"},
    "ru": {-1: "вчера", 0: "сегодня", 1: "завтра"},
}
# Duration units: (days, hours, minutes as a part, minutes alone).
_UNITS = {"en": ("d", "h", "m", " min"), "ru": (" д", " ч", " мин", " мин")}
# Ages in the thread list (width-limited: one short unit each).
_AGE = {"en": ("now", "m", "h", "d", "w"), "ru": ("сейчас", "м", "ч", "д", "н")}


def _lang(lang: str | None) -> str:
    chosen = language() if lang is None else lang
    return chosen if chosen in _WEEKDAY_ABBR else "en"


def weekday_abbr(d: date, lang: str | None = None) -> str:
    """``Tue`` / ``вт``."""
    return _WEEKDAY_ABBR[_lang(lang)][d.weekday()]


def weekday_name(d: date, lang: str | None = None) -> str:
    """``Tuesday`` / ``вторник``."""
    return _WEEKDAY_NAME[_lang(lang)][d.weekday()]


def day_month(d: date, lang: str | None = None, *, full: bool = False) -> str:
    """``5 Dec`` / ``5 дек``; with ``full``: ``5 December`` / ``5 декабря``."""
    table = _MONTH_GENITIVE if full else _MONTH_ABBR
    return f"{d.day} {table[_lang(lang)][d.month - 1]}"


def full_date(d: date, lang: str | None = None) -> str:
    """``01 Dec 2026`` / ``1 декабря 2026``."""
    code = _lang(lang)
    if code == "en":
        return f"{d:%d} {_MONTH_ABBR['en'][d.month - 1]} {d.year}"
    return f"{day_month(d, code, full=True)} {d.year}"


def day_time(at: datetime, lang: str | None = None) -> str:
    """A time with its day: ``Fri 5 Dec 10:00`` / ``пт 5 декабря 10:00``."""
    code = _lang(lang)
    return f"{weekday_abbr(at, code)} {day_month(at, code, full=code == 'ru')} {at:%H:%M}"


def when(at: datetime, today: date, lang: str | None = None) -> str:
    """``17:00`` on ``today``, else :func:`day_time`."""
    return at.strftime("%H:%M") if at.date() == today else day_time(at, lang)


def relative_day(at: datetime, today: date, lang: str | None = None) -> str:
    """``today 17:00`` / ``сегодня 17:00``, ``завтра``, ``вчера``; within a week ahead the
    weekday (``Fri 10:00`` / ``пт 10:00``); else :func:`day_time`."""
    code = _lang(lang)
    days = (at.date() - today).days
    if days in _DAY_WORDS[code]:
        return f"{_DAY_WORDS[code][days]} {at:%H:%M}"
    if 1 < days < 7:
        return f"{weekday_abbr(at, code)} {at:%H:%M}"
    return day_time(at, code)


def day_word(offset: int, lang: str | None = None) -> str:
    """``today`` / ``сегодня`` (0), ``tomorrow`` / ``завтра`` (1), ``yesterday`` / ``вчера``
    (-1); ``""`` for any other offset."""
    return _DAY_WORDS[_lang(lang)].get(offset, "")


def duration(seconds: float, lang: str | None = None) -> str:
    """Compact, rounded up to the minute: ``23 min`` / ``23 мин``, ``2h 13m`` / ``2 ч 13 мин``,
    ``2d 1h`` / ``2 д 1 ч`` (an open window never shows "0 min left")."""
    d_u, h_u, m_u, alone = _UNITS[_lang(lang)]
    total = max(0, math.ceil(seconds / 60.0 - 1e-9))
    if total < 60:
        return f"{total}{alone}"
    days, rem = divmod(total, 24 * 60)
    hours, minutes = divmod(rem, 60)
    if days:
        return f"{days}{d_u} {hours}{h_u}" if hours else f"{days}{d_u}"
    return f"{hours}{h_u} {minutes}{m_u}" if minutes else f"{hours}{h_u}"


def age(seconds: float, lang: str | None = None) -> str:
    """How long ago, in one short unit: ``now``, ``5m``, ``3h``, ``2d``, ``7w`` (Russian
    ``сейчас``, ``5м``, ``3ч``, ``2д``, ``7н``)."""
    now_w, m, h, d, w = _AGE[_lang(lang)]
    if seconds < 60:
        return now_w
    if seconds < 3600:
        return f"{int(seconds // 60)}{m}"
    if seconds < 86400:
        return f"{int(seconds // 3600)}{h}"
    if seconds < 86400 * 14:
        return f"{int(seconds // 86400)}{d}"
    return f"{int(seconds // (86400 * 7))}{w}"
