"""Notifications as ``[notify]`` says: which alerts, how often, through which channel.

One :class:`Notifier` per front end: the TUI's (``tui.notify``, which adds the in-app toast
and shows desktop notifications only while the terminal does not have the focus) and
``inscope sync``'s (which writes to its own terminal).  It filters alerts by
``[notify] enabled / urgent / followups``, groups and rate-limits them
(``inscope.alerts.Throttle``, ``[notify] interval``) and carries a notice out through
``inscope.desktop``: terminal bytes go to the ``write`` the front end gives (its terminal),
a command is started, the bell is a byte too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping

from inscope.alerts import Alert, Notice, Throttle
from inscope.config.schema import Notify
from inscope.desktop import METHODS, Delivery, Method, plan, start_command


def _method(name: str) -> Method:
    for m in METHODS:
        if m == name:
            return m
    return "auto"


class Notifier:
    """Filter, group, rate-limit and deliver notices for one front end."""

    def __init__(self, cfg: Notify, *, env: Mapping[str, str] | None = None,
                 which: Callable[[str], str | None] = shutil.which) -> None:
        self.cfg = cfg
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.which = which
        self.throttle = Throttle(float(cfg.interval))

    def wanted(self, alerts: Iterable[Alert]) -> list[Alert]:
        """The alerts ``[notify]`` asks for (none when ``enabled = false``)."""
        if not self.cfg.enabled:
            return []
        return [a for a in alerts if (a.kind == "urgent" and self.cfg.urgent)
                or (a.kind == "followup" and self.cfg.followups)]

    def offer(self, alerts: Iterable[Alert], now: float) -> Notice | None:
        """Take alerts; a notice when one may be shown now (else they wait, grouped)."""
        wanted = self.wanted(alerts)
        if not wanted and not self.throttle.held:
            return None
        return self.throttle.offer(wanted, now)

    def flush(self, now: float) -> Notice | None:
        """The alerts held back by the interval, as one notice, once it has passed."""
        return self.throttle.flush(now)

    @property
    def due_at(self) -> float | None:
        """When held alerts may go out (``None``: nothing is held)."""
        return self.throttle.due_at

    def delivery(self, notice: Notice) -> Delivery:
        """How ``notice`` would reach the desktop here (``[notify] method``)."""
        return plan(notice.title, notice.body, _method(self.cfg.method), self.env, self.which)

    def deliver(self, notice: Notice, write: Callable[[str], None] | None) -> str:
        """Carry ``notice`` out: terminal bytes through ``write`` (``None``: no terminal to
        write to, so nothing is written), a command started.  Returns the method used, or
        ``"none"``; a command that cannot start returns why."""
        d = self.delivery(notice)
        if d.kind in ("terminal", "bell"):
            if write is None:
                return "none"
            write(d.data)
            return d.method
        if d.kind == "command":
            problem = start_command(d.argv)
            return problem or d.method
        return "none"
