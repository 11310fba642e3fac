"""Places in search told as numbers: «с 3 места на 40», "from page 1 to page 5" (pure).

A fall of positions is a collapse (``inscope.rules.emergency``) whether the client gives a
percentage or the places themselves; this reads the places: numbers and ordinals with a
place or a page of results («на 3 месте», «3-я позиция», «со второй страницы», "page 5",
"2nd place"), a bare number after «на» / "to" taking the unit of the place before it, an
ordinal alone («были 4-е, сейчас 38-е») in a sentence about search (``inscope.rules.notices``
names the engines and the results that make it one).  One regular expression per sentence, run only on what the lexicon did not already decide.
"""

from __future__ import annotations

import re

POSITIONS_AT_SCALE = 10
"""Falling this many places in search at once is a collapse."""

# A place in search: «на 3 месте», «3-я позиция», «с первой страницы», "page 5", "2nd place";
# a bare number after «на» / "to" takes the unit of the place before it («с 3 места на 40»).
_ORDINALS = {"перв": 1, "втор": 2, "трет": 3, "четверт": 4, "пят": 5, "шест": 6, "седьм": 7,
             "восьм": 8, "девят": 9, "десят": 10, "first": 1, "second": 2, "third": 3,
             "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
             "tenth": 10}
_ORD = "|".join(_ORDINALS)
_NUM = rf"(\d{{1,3}})(?:-?(?:[а-я]{{1,3}}|st|nd|rd|th)\b)?|\b({_ORD})[а-яa-z]*"
_RANK_RE = re.compile(
    rf"(?:{_NUM})\s+(мест|позици|строчк|страниц|place|position|spot|page)"
    rf"|\b(мест|позици|страниц|place|position|spot|page|топ|top)\w*[\s-]*(?:#|№)?(\d{{1,3}})\b"
    rf"|\b(?:на|до|to)\s+(?:{_NUM})(?![\w%.,]|\s*(?:%|процент|раз|пункт|мест|позици|строчк|страниц|"
    rf"place|position|spot|page))"
    # an ordinal alone («были 4-е, сейчас 38-е»): a place, where the sentence is about search
    rf"|(?<![\w.,])(\d{{1,3}})-(?:е|й|я|м|ю|ое|ой|ая|ый|ий|ом|ем|ым)\b",
    re.IGNORECASE)
# What makes two places one move: «с 3 места на 40», "from page 1 to page 5", «были на 2,
# а теперь на 35» — not two places listed side by side («на 3 месте 5 ключей, на 25 — 2»).
_FROM_RE = re.compile(r"(?:\bс|\bсо|\bfrom)\s+$", re.IGNORECASE)
_MOVE_RE = re.compile(
    r"\b(?:сейчас|теперь|уже|стал[аио]?|был[аио]?|упал[аио]?|опустил\w*|скатил\w*|улетел\w*|"
    r"ушл[аио]|ушел|вылетел\w*|провалил\w*|now|was|were|went|moved|dropped|fell|fallen|slipped|"
    r"sank|slid|to)\b", re.IGNORECASE)
_NOW_FIRST_RE = re.compile(r"^\W*(?:а\s+)?(?:сейчас|теперь|now|today|сегодня)\b", re.IGNORECASE)


def rank_fall(low: str) -> tuple[int, int] | None:
    """(was, is) places of a fall in search that one sentence tells by places or pages
    («с 3 места на 40», «были на 2 месте, а теперь на 35», "from page 1 to page 5"), or
    ``None``: the later place is at least ``POSITIONS_AT_SCALE`` worse, counting a page of
    results as ten places («сейчас на 40, а были на 3» reads the other way round)."""
    found: list[tuple[int, int]] = []  # (start, place in search)
    unit = 0
    for m in _RANK_RE.finditer(low):
        g = m.groups()
        if g[2]:  # «3 место», "first page"
            n = int(g[0]) if g[0] else _ORDINALS[_ord_key(g[1])]
            unit = 10 if g[2].startswith(("страниц", "page")) else 1
        elif g[3]:  # "page 5", «позиция 12»
            n, unit = int(g[4]), 10 if g[3].startswith(("страниц", "page")) else 1
        elif g[7]:  # «4-е», «38-й»: an ordinal alone is a place
            n, unit = int(g[7]), unit or 1
        elif unit:  # «… на 40», "… to 5th"
            n = int(g[5]) if g[5] else _ORDINALS[_ord_key(g[6])]
        else:
            continue
        found.append((m.start(), n * unit))
    if len(found) < 2:
        return None
    (a_at, a), (b_at, b) = found[0], found[-1]
    head = low[max(0, a_at - 8):a_at]
    if not (_FROM_RE.search(head) or _MOVE_RE.search(low, a_at + 1, b_at)):
        return None
    if _NOW_FIRST_RE.search(low[max(0, a_at - 12):a_at]) or _NOW_FIRST_RE.search(low):
        a, b = b, a
    return (a, b) if b - a >= POSITIONS_AT_SCALE and b >= 10 else None


def _ord_key(word: str) -> str:
    return next(k for k in _ORDINALS if word.startswith(k))

