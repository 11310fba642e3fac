"""The import budget of the first frame: ``python -X importtime`` of the paint children.

Both children (the bare app and inscope) run once more with ``-X importtime``; the lines
their interpreter printed before the first frame (the child writes ``PAINT_MARK`` to its
stderr then) are summed per package, by *self* time, so a module's cost is counted once,
where it is.  ``-X importtime`` itself slows imports down, so these sums are larger than
the imports cost in the timed runs; what they show is where the difference between the two
apps comes from and that nothing is loaded before the first frame that it does not need.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bench.tui_child import PAINT_MARK

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")
OURS = ("inscope", "connectors", "tui", "sandbox")
# Modules that must not be imported before the first frame: connectors, sync, parsing, rules.
NOT_BEFORE_FIRST_FRAME = ("connectors", "inscope.sync", "inscope.rules.triage", "inscope.actions",
                          "inscope.report", "email", "sqlite_utils", "sandbox")


@dataclass
class Imports:
    """Modules imported before the first frame, with their self time (µs)."""

    self_us: dict[str, int]

    @property
    def total_ms(self) -> float:
        return sum(self.self_us.values()) / 1000

    def by_group(self) -> Counter[str]:
        """Self time (µs) per group (``group_of``)."""
        out: Counter[str] = Counter()
        for name, us in self.self_us.items():
            out[group_of(name)] += us
        return out

    def modules_by_group(self) -> Counter[str]:
        """How many modules each group imported."""
        return Counter(group_of(name) for name in self.self_us)

    def forbidden(self) -> list[str]:
        """Modules that should have waited for the first frame."""
        return sorted(m for m in self.self_us if m.startswith(NOT_BEFORE_FIRST_FRAME))


def group_of(module: str) -> str:
    """Our packages and Textual by subpackage (``tui.widgets``), the rest by top package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] in (*OURS, "textual") else parts[0]


def parse(stderr: str) -> Imports:
    """The ``-X importtime`` lines of ``stderr`` up to the first-frame mark."""
    mark = PAINT_MARK.decode().strip()
    found: dict[str, int] = {}
    for line in stderr.splitlines():
        if line.strip() == mark:
            break
        m = _LINE.match(line)
        if m:
            found[m.group(4)] = int(m.group(1))
    return Imports(found)
