"""A reply template and its placeholders (pure: text in, text out).

A template's text holds placeholders ``{name}`` (a letter or ``_`` first, then letters,
digits, ``_``): ``{client_name}``, ``{project}``, ``{report_link}``, ``{next_window}`` … are
filled from the thread and the config; any other name is a field the user is asked for.
``{{`` and ``}}`` write a literal brace; braces around anything that is not a name
(``{ }``, ``{1}``, JSON) are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Template:
    """A named reply snippet: for one project (``""``: all), in one language (``""``: any).

    ``origin`` says where it was defined: ``built-in``, ``config`` (``[[templates]]``) or
    the path of its file in the templates folder.
    """

    name: str
    text: str
    project: str = ""
    language: str = ""
    description: str = ""
    origin: str = "built-in"

    @property
    def fields(self) -> list[str]:
        """The placeholders of the text, in order of first use."""
        return placeholders(self.text)


class MissingFields(ValueError):
    """Placeholders without a value; ``names`` lists them in order of first use."""

    def __init__(self, names: list[str]) -> None:
        super().__init__("no value for " + ", ".join("{" + n + "}" for n in names))
        self.names = names


def placeholders(text: str) -> list[str]:
    """The names of the ``{name}`` placeholders in ``text``, each once, in order."""
    out: list[str] = []
    for m in _PLACEHOLDER.finditer(text):
        name = m.group(1)
        if name and name not in out:
            out.append(name)
    return out


def missing(text: str, values: Mapping[str, str]) -> list[str]:
    """The placeholders of ``text`` that ``values`` does not fill (an empty value is none)."""
    return [n for n in placeholders(text) if not values.get(n, "").strip()]


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every placeholder replaced; :class:`MissingFields` if one has no value."""
    lacking = missing(text, values)
    if lacking:
        raise MissingFields(lacking)

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return values[m.group(1)].strip()

    return _PLACEHOLDER.sub(one, text)


def language_of(text: str) -> str:
    """``"ru"`` when ``text`` is mostly Cyrillic, ``"en"`` when mostly Latin, ``""`` if neither."""
    ru, en = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if not ru and not en:
        return ""
    return "ru" if ru >= en else "en"
