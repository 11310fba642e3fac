"""A message file read and parsed, in a parse worker or inline.

A Maildir backfill hands its workers file *paths*: :func:`load` opens, reads and
parses each one on the other cores, and the bytes come back with their parse (the
sync thread used to open and read every file itself and send the bytes over).
``mime.parse`` is a pure function of the bytes, so the result is the one an inline
read makes.  A file that cannot be read comes back as its ``OSError``, so the
connector reports it exactly as if it had read the file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from . import mime


@dataclass(slots=True)
class Loaded:
    """A message file: its bytes, their parse and the file's modification time (epoch s)."""

    raw: bytes
    parsed: mime.Parsed
    mtime: float


def load(path: str) -> Loaded:
    """Read and parse the message file at ``path``; ``OSError`` when it cannot be read.

    The time is the open file's (``fstat``): a rename after the open cannot mix two files.
    """
    with open(path, "rb") as f:
        raw = f.read()
        mtime = os.fstat(f.fileno()).st_mtime
    return Loaded(raw, mime.parse(raw), mtime)


def load_chunk(paths: Sequence[str]) -> list[Loaded | OSError]:
    """What a worker runs: :func:`load` of each path in order, a read failure as its error."""
    out: list[Loaded | OSError] = []
    for p in paths:
        try:
            out.append(load(p))
        except OSError as e:
            out.append(e)
    return out
