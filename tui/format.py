"""Small, pure formatting helpers for rows and the detail pane (no Textual)."""

from __future__ import annotations

import time
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    """Short age: ``now``, ``5m``, ``3h``, ``2d``, ``7w``."""
    if not ts:
        return ""
    d = (time.time() if now is None else now) - ts
    if d < 60:
        return "now"
    if d < 3600:
        return f"{int(d // 60)}m"
    if d < 86400:
        return f"{int(d // 3600)}h"
    if d < 86400 * 14:
        return f"{int(d // 86400)}d"
    return f"{int(d // (86400 * 7))}w"


def clock(ts: float | None, tz: tzinfo) -> str:
    """Absolute local time for the detail pane: ``Mon 12 Mar 10:32``."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, tz).strftime("%a %d %b %H:%M")


def status_mark(status: str) -> str:
    """⏸ for paused, ₽ for unpaid, nothing for active."""
    return STATUS_MARKS.get(status, "?")
