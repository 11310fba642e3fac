"""Typed account options: each connector declares what its ``[[accounts]]`` entry may hold.

A connector module exposes ``OPTIONS: dict[str, Opt]``; before the connector is built,
:func:`check` turns the raw TOML values into the declared types or raises
:class:`OptionError` naming the key and what was expected, so a typo or a
``port = "notaport"`` disables that one account with a clear message instead of a
traceback (or, worse, a silently different setting) — and the other accounts go on.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

OptType = Literal["str", "int", "float", "bool", "strs", "any"]


class OptionError(ValueError):
    """An account option is missing, unknown or of the wrong type; ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True, slots=True)
class Opt:
    """One option: its type, whether it must be given, the values it may take, a help line."""

    type: OptType
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    min: float | None = None


COMMON: dict[str, Opt] = {
    "disabled": Opt("bool", "true: this account is not synced"),
}
"""Options every account accepts."""


def _shown(v: Any) -> str:
    if isinstance(v, str):
        return f"the string {v!r}"
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{type(v).__name__} {v!r}" if isinstance(v, int | float) else type(v).__name__


def _convert(key: str, opt: Opt, v: Any) -> Any:
    t = opt.type
    if t == "any":
        return v
    if t == "bool":
        if not isinstance(v, bool):
            raise OptionError(key, f"expected true or false, got {_shown(v)}")
        return v
    if t == "str":
        if not isinstance(v, str):
            raise OptionError(key, f"expected a string, got {_shown(v)}")
        if opt.choices and v.lower() not in opt.choices:
            raise OptionError(key, f"{v!r} is not one of {', '.join(opt.choices)}")
        return v.lower() if opt.choices else v
    if t == "strs":
        if isinstance(v, str | int) and not isinstance(v, bool):
            return [str(v)]
        if isinstance(v, list) and all(isinstance(x, str | int) and not isinstance(x, bool) for x in v):
            return [str(x) for x in v]
        raise OptionError(key, f"expected a list of strings, got {_shown(v)}")
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise OptionError(key, f"expected a number, got {_shown(v)}")
    if t == "int" and not float(v).is_integer():
        raise OptionError(key, f"expected a whole number, got {v!r}")
    n: int | float = int(v) if t == "int" else float(v)
    if opt.min is not None and n < opt.min:
        raise OptionError(key, f"must be at least {opt.min:g}, got {n!r}")
    return n


def check(schema: Mapping[str, Opt], options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with every value of the declared type; :class:`OptionError` otherwise.

    Unknown keys are errors (with the closest known key as a suggestion); missing
    required ones too.  Options without a value keep being absent: each connector
    applies its own defaults.
    """
    known = {**COMMON, **schema}
    out: dict[str, Any] = {}
    for key, value in options.items():
        opt = known.get(key)
        if opt is None:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise OptionError(key, f"unknown option for this kind of account{hint}")
        out[key] = _convert(key, opt, value)
    for key, opt in schema.items():
        if opt.required and key not in out:
            raise OptionError(key, f"required ({opt.help})" if opt.help else "required")
    return out
