"""Value grammars of the config that are not TOML types: SLAs, importance, secret-looking keys.

Syntax only (pure, no I/O): what a value *means* for the schedule lives in
``inscope.rules``.  Each parser raises ``ValueError`` with a message that says what is
accepted; the loader adds the file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

IMPORTANCE: tuple[str, ...] = ("low", "normal", "high", "vip")

NOTIFY_METHODS: tuple[str, ...] = ("auto", "osc9", "osc777", "osc99", "notify-send", "bell", "none")
"""``[notify] method``: how a notification reaches the desktop (see ``inscope.desktop``)."""

LANGUAGES: tuple[str, ...] = ("", "ru", "en")
"""Languages of ``[me] language`` and of a template ("" = the locale / any)."""

_TEMPLATE_NAME = re.compile(r"^[\w][\w.-]{0,63}$")


def check_template_name(name: str) -> None:
    """A template name is a word (letters, digits, ``_``, ``.``, ``-``; ``monthly-report``)."""
    if not _TEMPLATE_NAME.match(name):
        raise ValueError(f"template name {name!r}: use letters, digits, '-', '_' or '.' "
                         "(e.g. \"monthly-report\"), at most 64")

_SLA_RE = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(windows?|окн[оа]|окон|h|hrs?|hours?|ч|час(?:а|ов)?)\s*$"
)

SlaKind = Literal["windows", "hours", "none"]


@dataclass(frozen=True, slots=True)
class Sla:
    """A project's reply SLA: ``amount`` reply windows, or ``amount`` hours of window time,
    or none (``kind == "none"``)."""

    kind: SlaKind
    amount: float

    @classmethod
    def parse(cls, text: str) -> Sla:
        """``"1 window"``, ``"2 windows"``, ``"2 окна"``, ``"4h"``, ``"3 часа"``, ``"none"``."""
        t = text.lower().replace("ё", "е").strip()
        if t in ("", "none", "off", "no", "нет"):
            return cls("none", 0.0)
        m = _SLA_RE.match(t)
        if not m:
            raise ValueError(
                f"sla {text!r} not understood (use '1 window', '2 windows', '4h' or 'none')"
            )
        n = float(m.group(1).replace(",", "."))
        if m.group(2)[0] in "wо":
            if n < 1 or n != int(n):
                raise ValueError(f"sla {text!r}: the number of windows must be a whole number >= 1")
            return cls("windows", n)
        if n <= 0:
            raise ValueError(f"sla {text!r}: hours must be > 0")
        return cls("hours", n)

    def __str__(self) -> str:
        if self.kind == "none":
            return "none"
        if self.kind == "windows":
            n = int(self.amount)
            return f"{n} window" if n == 1 else f"{n} windows"
        return f"{self.amount:g}h"


# A key is secret-looking when its name, case-folded and with "-" as "_", is one of these
# or ends in one of the suffixes: `Token`, `bot_token`, `API-Key`, `smtp_password` all are.
_SECRET_NAMES = frozenset({"key", "apikey", "api_hash", "secret", "token", "password", "passwd",
                           "pass", "session", "string_session"})
_SECRET_SUFFIXES = ("_key", "_token", "_password", "_secret", "_passwd", "_session")


def is_secret_key(name: str) -> bool:
    """True for option names that would hold a secret (never allowed in the config file)."""
    k = name.casefold().replace("-", "_")
    return k in _SECRET_NAMES or k.endswith(_SECRET_SUFFIXES)
