"""Who is sending: a process identity that another process can check is still alive.

A row in ``sending`` carries its sender's identity (``host:pid:start``) and the time of
its last renewal.  Another inscope process — a CLI command beside the TUI — must never
"reconcile" such a row as a crash leftover while its sender lives (it would find nothing
on the card yet and post the reply a second time).  The start time tells a live sender
from a later process that got the same pid; a sender on another host is trusted until its
lease has not been renewed for :data:`LEASE_TTL` seconds.
"""

from __future__ import annotations

import os
import socket
import time
from functools import cache

LEASE_TTL = 120.0
"""Seconds after the last renewal when a sender on another host counts as gone."""

LEASE_RENEW = 15.0
"""How often a running engine renews the leases of the rows it is sending."""


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), or "" when unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return ""
    # The command name (field 2) is in parentheses and may contain spaces: split after it.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def identity(pid: int) -> str:
    """The identity of process ``pid`` on this host (``host:pid:start``)."""
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


@cache
def me() -> str:
    """This process's identity: ``host:pid:start`` (start time ``time()`` where /proc is not)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or int(time.time())}"


def alive(owner: str | None, renewed_at: float | None, now: float | None = None) -> bool:
    """Is the sender ``owner`` still running (so its rows must be left alone)?

    ``None`` (a row from before leases, or a crash mid-claim) is not alive.  On this host
    the pid must exist with the same start time; elsewhere the lease must be fresh.
    """
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_s, _, start = rest.partition(":")
    if host != socket.gethostname():
        t = time.time() if now is None else now
        return renewed_at is not None and t - renewed_at < LEASE_TTL
    try:
        pid = int(pid_s)
    except ValueError:
        return False
    if pid == os.getpid():
        return owner == me()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    ticks = _start_ticks(pid)
    return not ticks or ticks == start
