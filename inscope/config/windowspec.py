"""The grammar of a reply-window spec (``[windows] reply`` entries): syntax only, no arithmetic.

``"Mon-Fri 11:00-12:00"`` → ``WindowSpec(days=(0, 1, 2, 3, 4), start_min=660, end_min=720)``.
The config loader validates every spec with :func:`parse_window` at load time; the schedule
arithmetic over the parsed specs lives in ``inscope.rules.windows``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Day names in English and Russian (full, 3- and 2-letter forms); 0 = Monday.
_DAY_NAMES: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("mon", "monday", "mo", "пн", "пон", "понедельник"),
        ("tue", "tues", "tuesday", "tu", "вт", "вто", "вторник"),
        ("wed", "wednesday", "we", "ср", "сре", "среда"),
        ("thu", "thur", "thurs", "thursday", "th", "чт", "чет", "четверг"),
        ("fri", "friday", "fr", "пт", "пят", "пятница"),
        ("sat", "saturday", "sa", "сб", "суб", "суббота"),
        ("sun", "sunday", "su", "вс", "вос", "воскресенье"),
    )
):
    for _n in _names:
        _DAY_NAMES[_n] = _i

_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "every day": tuple(range(7)),
    "ежедневно": tuple(range(7)),
    "каждый день": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "workdays": tuple(range(5)),
    "будни": tuple(range(5)),
    "weekends": (5, 6),
    "weekend": (5, 6),
    "выходные": (5, 6),
}

DAY_ABBR: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_TIME_RANGE_RE = re.compile(
    r"(?<![\d:.])([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*[-–—]\s*([0-9]{1,2})(?:[:.]([0-9]{2}))?(?![\d:.])"
)
_BETWEEN_RE = re.compile(r"^[\s,;]*(?:(?:and|и)[\s,;]*)?$")
_DASH_RE = re.compile(r"\s*[-–—]\s*")


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """One reply window: on ``days`` (0 = Monday), from ``start_min`` to ``end_min``
    minutes after local midnight (``0 <= start_min < end_min <= 1440``)."""

    days: tuple[int, ...]
    start_min: int
    end_min: int

    def __str__(self) -> str:
        return f"{_days_label(self.days)} {_hhmm(self.start_min)}-{_hhmm(self.end_min)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days_label(days: tuple[int, ...]) -> str:
    if days == tuple(range(7)):
        return "daily"
    if len(days) > 1 and days == tuple(range(days[0], days[-1] + 1)):
        return f"{DAY_ABBR[days[0]]}-{DAY_ABBR[days[-1]]}"
    return ",".join(DAY_ABBR[d] for d in days)


def _parse_day(word: str, spec: str) -> int:
    d = _DAY_NAMES.get(word.strip().rstrip(".").lower())
    if d is None:
        raise ValueError(
            f"reply window {spec!r}: unknown day {word.strip()!r} "
            "(use Mon..Sun, Пн..Вс, daily, weekdays or weekends)"
        )
    return d


def _parse_days(part: str, spec: str) -> tuple[int, ...]:
    """``"Mon-Fri"``, ``"Mon,Wed,Fri"``, ``"Пн-Пт"``, ``"daily"``, ``""`` (= daily)."""
    text = " ".join(part.lower().split())
    if not text:
        return tuple(range(7))
    group = _DAY_GROUPS.get(text)
    if group is not None:
        return group
    days: set[int] = set()
    for chunk in re.split(r"[,;\s]+", text):
        if not chunk:
            continue
        if chunk in _DAY_GROUPS:
            days.update(_DAY_GROUPS[chunk])
            continue
        ends = _DASH_RE.split(chunk)
        if len(ends) == 1:
            days.add(_parse_day(ends[0], spec))
        elif len(ends) == 2:
            a, b = _parse_day(ends[0], spec), _parse_day(ends[1], spec)
            # "Fri-Mon" wraps over the weekend.
            span = (b - a) % 7
            days.update((a + k) % 7 for k in range(span + 1))
        else:
            raise ValueError(f"reply window {spec!r}: bad day range {chunk!r}")
    return tuple(sorted(days))


def _minutes(h: str, m: str | None, spec: str) -> int:
    hh, mm = int(h), int(m or 0)
    if hh > 24 or mm > 59 or (hh == 24 and mm):
        raise ValueError(f"reply window {spec!r}: bad time {h}:{m or '00'}")
    return hh * 60 + mm


def parse_window(spec: str) -> list[WindowSpec]:
    """Parse one ``[windows] reply`` entry into window specs.

    Accepted: ``"Mon-Fri 11:00-12:00"``, ``"Sat 10:00-11:00"``, ``"Mon,Wed,Fri 09:30-10:00"``,
    ``"daily 17:00-18:00"``, ``"Пн-Пт 11:00-12:00"``, ``"weekdays 11-12"``, several time ranges
    for the same days (``"Mon-Fri 11:00-12:00, 17:00-18:00"``) and no day part at all
    (= daily).  Raises ``ValueError`` naming the spec and what is wrong.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"reply window {spec!r}: empty (expected e.g. 'Mon-Fri 11:00-12:00')")
    matches = list(_TIME_RANGE_RE.finditer(spec))
    if not matches:
        raise ValueError(
            f"reply window {spec!r}: no time range (expected e.g. 'Mon-Fri 11:00-12:00')"
        )
    days = _parse_days(spec[: matches[0].start()], spec)
    out: list[WindowSpec] = []
    for i, m in enumerate(matches):
        tail_end = matches[i + 1].start() if i + 1 < len(matches) else len(spec)
        between = spec[m.end() : tail_end]
        if not _BETWEEN_RE.match(between):
            raise ValueError(f"reply window {spec!r}: unexpected {between.strip()!r}")
        start = _minutes(m.group(1), m.group(2), spec)
        end = _minutes(m.group(3), m.group(4), spec)
        if start >= 24 * 60:
            raise ValueError(f"reply window {spec!r}: a window cannot start at 24:00")
        if end <= start:
            raise ValueError(
                f"reply window {spec!r}: end must be after start "
                "(a window cannot cross midnight; split it into two)"
            )
        out.append(WindowSpec(days, start, end))
    return out
