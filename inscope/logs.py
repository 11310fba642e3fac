"""Where log records go, and that they cannot carry a terminal escape or a secret there.

Connectors log what servers answered (a 5xx body, an IMAP error); that text is data.
Without a handler, Python prints warnings raw to stderr — an OSC 52 clipboard write or a
``CSI 2J`` in a server's error page would reach the terminal.  :func:`setup` installs one
handler whose formatter passes the whole record (message, arguments, traceback) through
the same sanitizer the TUI uses, after redacting every registered secret.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from connectors.base import redact
from inscope.text import sanitize


class SafeFormatter(logging.Formatter):
    """A formatter whose output is redacted and free of control sequences."""

    def format(self, record: logging.LogRecord) -> str:
        return sanitize(redact(super().format(record)))


def setup(stream: TextIO | None = None, level: int = logging.WARNING) -> logging.Handler:
    """Send inscope's warnings to ``stream`` (stderr), safely; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(SafeFormatter("inscope: %(name)s: %(message)s"))
    handler.setLevel(level)
    root = logging.getLogger()
    for h in list(root.handlers):
        if isinstance(h.formatter, SafeFormatter):
            root.removeHandler(h)  # one, even when main() runs twice in a process (tests)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return handler
