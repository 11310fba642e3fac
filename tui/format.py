"""Small, pure formatting helpers for rows and the detail pane (no Textual), in the
interface language (``inscope.i18n.dates``)."""

from __future__ import annotations

import time
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inscope.i18n import dates, language
from inscope.model import Priority

SOURCE_ICONS: dict[str, str] = {"trello": "T", "telegram": "✈", "email": "@", "demo": "◇"}
PRIORITY_MARKS: dict[Priority, str] = {
    Priority.URGENT: "‼",
    Priority.HIGH: "!",
    Priority.NORMAL: "·",
    Priority.LOW: "↓",
}
STATUS_MARKS: dict[str, str] = {"paused": "⏸", "unpaid": "₽", "active": ""}


def zone(name: str) -> tzinfo:
    """The user's timezone; UTC when the name is unknown (config validates it anyway)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def relative(ts: float | None, now: float | None = None) -> str:
    """Short age: ``now``, ``5m``, ``3h``, ``2d``, ``7w`` (``сейчас``, ``5м`` … in Russian)."""
    if not ts:
        return ""
    return dates.age((time.time() if now is None else now) - ts)


def clock(ts: float | None, tz: tzinfo) -> str:
    """Absolute local time for the detail pane: ``Mon 12 Mar 10:32`` (``пн 12 марта 10:32``)."""
    if ts is None:
        return ""
    at = datetime.fromtimestamp(ts, tz)
    if language() == "en":
        return at.strftime("%a %d %b %H:%M")
    return dates.day_time(at)


def status_mark(status: str) -> str:
    """⏸ for paused, ₽ for unpaid, nothing for active."""
    return STATUS_MARKS.get(status, "?")
