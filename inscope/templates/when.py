"""``{next_window}`` in words of the template's language (pure).

The value is written for the sentence "I will answer {next_window}": Russian
``сегодня в 17:00``, ``завтра в 11:00``, ``в пятницу в 11:00``, ``12.03 в 11:00``; English
``today at 17:00``, ``tomorrow at 11:00``, ``on Friday at 11:00``, ``on 12 March at 11:00``.
These are the words of the template (data), not of the interface.
"""

from __future__ import annotations

from datetime import datetime

_RU_DAYS = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу",
            "в воскресенье")
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def in_words(at: datetime, now: datetime, language: str) -> str:
    """``at`` (aware) as the template's ``language`` says it, relative to ``now``'s date."""
    local_now = now.astimezone(at.tzinfo) if at.tzinfo else now
    days = (at.date() - local_now.date()).days
    hm = at.strftime("%H:%M")
    if language == "ru":
        if days == 0:
            return f"сегодня в {hm}"
        if days == 1:
            return f"завтра в {hm}"
        if 1 < days < 7:
            return f"{_RU_DAYS[at.weekday()]} в {hm}"
        return f"{at:%d.%m} в {hm}"
    if days == 0:
        return f"today at {hm}"
    if days == 1:
        return f"tomorrow at {hm}"
    if 1 < days < 7:
        return f"on {_EN_DAYS[at.weekday()]} at {hm}"
    return f"on {at.day} {_EN_MONTHS[at.month - 1]} at {hm}"
