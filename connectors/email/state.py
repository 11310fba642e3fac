"""The per-message sync state of an e-mail connector, kept out of the DB cursor.

A connector has to remember every message it synced (key → ``[external id,
conversation, flags]``) to diff flags, detect deletions and rebuild the thread
index after a restart.  Putting that map in the cursor made the cursor O(n) and
re-serialized it with every batch: O(n²) over a backfill.

:class:`MessageIndex` keeps the map in memory and persists it as an append-only
journal in the connector's data directory (one JSON line per committed change
set, ``fsync``-ed; periodically compacted into one snapshot line by
write-then-rename).  The cursor only carries a compact *stamp*:
``{"j": journal id, "g": generation, "n": entry count, "d": digest}``.

The DB cursor is the truth and the journal a cache:

* a batch's journal record is written *before* the batch is returned, so after
  the DB commits generation ``g`` the journal always reaches ``g``;
* records beyond the committed generation (a crash between the journal write
  and the DB commit, or a batch the engine failed to store) are cut off when
  the state is restored, so nothing of theirs is taken as synced;
* the restored map must match the stamp's count and order-independent digest;
  if anything does not match (file lost, torn, from another cursor) the index
  starts empty and the connector re-scans: every message is emitted again, an
  idempotent upsert in the store, so nothing is lost or doubled.  (Deletions
  that happened while the journal was unusable cannot be named then.)

Without a data directory (library use, some tests) there is no journal: the
caller keeps the old self-contained cursor format instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["MessageIndex", "entry_hash", "journal_path"]

_MASK = (1 << 64) - 1
COMPACT_MIN_BYTES = 256 * 1024  # below this a journal is never worth rewriting


def entry_hash(key: str, entry: list[str]) -> int:
    """64-bit hash of one map entry; the digest is their sum, so it updates in O(1)."""
    data = "\x00".join((key, *entry)).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def journal_path(data_dir: Path | None, kind: str, account: str) -> Path | None:
    """Where ``account``'s journal lives, or ``None`` without a data directory."""
    if data_dir is None:
        return None
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", account) or "_"
    return Path(data_dir) / "email-state" / f"{kind}-{safe}.jsonl"


class MessageIndex:
    """key → ``[external id, conversation, flags]`` + the thread subject table.

    Mutate with :meth:`put` / :meth:`pop` / :meth:`add_subjects`, then :meth:`commit`
    to journal the change set and get the stamp for the cursor.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, list[str]] = {}
        self.subjects: dict[str, str] = {}
        self.jid = ""
        self.gen = 0
        self.digest = 0
        self._put: dict[str, list[str]] = {}
        self._del: set[str] = set()
        self._sub: dict[str, str] = {}
        self._bytes = 0  # current journal size
        self._snap_bytes = 0  # size of the last snapshot line (compaction threshold)

    # -- stamp -------------------------------------------------------------------------

    def stamp(self) -> dict[str, Any]:
        """The cursor fields that identify this exact state."""
        return {"j": self.jid, "g": self.gen, "n": len(self.entries), "d": f"{self.digest:016x}"}

    def matches(self, stamp: dict[str, Any]) -> bool:
        """True when the in-memory state is the one ``stamp`` describes (no pending changes)."""
        return not self.dirty and stamp == self.stamp()

    @property
    def dirty(self) -> bool:
        return bool(self._put or self._del or self._sub)

    # -- mutation ----------------------------------------------------------------------

    def put(self, key: str, entry: list[str]) -> None:
        old = self.entries.get(key)
        if old == entry:
            return
        if old is not None:
            self.digest = (self.digest - entry_hash(key, old)) & _MASK
        self.entries[key] = entry
        self.digest = (self.digest + entry_hash(key, entry)) & _MASK
        self._put[key] = entry
        self._del.discard(key)

    def pop(self, key: str) -> list[str]:
        old = self.entries.pop(key)
        self.digest = (self.digest - entry_hash(key, old)) & _MASK
        self._put.pop(key, None)
        self._del.add(key)
        return old

    def add_subjects(self, subjects: dict[str, str]) -> None:
        for k, v in subjects.items():
            if self.subjects.get(k) != v:
                self.subjects[k] = v
                self._sub[k] = v

    # -- persistence -------------------------------------------------------------------

    def reset(self) -> None:
        """Start an empty index under a new journal id (first sync, or a lost journal)."""
        self.entries, self.subjects = {}, {}
        self.jid = secrets.token_hex(8)
        self.gen = 0
        self.digest = 0
        self._put, self._del, self._sub = {}, set(), {}
        self._write_snapshot()

    def seed(self, entries: dict[str, list[str]], subjects: dict[str, str]) -> None:
        """Start a new journal holding ``entries`` (migration from a self-contained cursor)."""
        self.reset()
        self.subjects = dict(subjects)
        for k, e in entries.items():
            self.entries[k] = e
            self.digest = (self.digest + entry_hash(k, e)) & _MASK
        self._write_snapshot()

    def commit(self) -> dict[str, Any]:
        """Journal the pending change set as the next generation; return the new stamp.

        A call without changes writes nothing and keeps the stamp, so a quiet poll
        returns a byte-identical cursor.
        """
        if self.dirty:
            self.gen += 1
            rec = {"g": self.gen, "put": self._put, "del": sorted(self._del), "sub": self._sub}
            self._append(_line(rec))
            self._put, self._del, self._sub = {}, set(), {}
        return self.stamp()

    def restore(self, stamp: dict[str, Any]) -> bool:
        """Load the state that ``stamp`` (from the committed cursor) names.

        Replays the journal up to the stamp's generation, cuts off any later
        records, and checks count and digest.  Returns False (index left empty,
        journal reset) when the journal cannot produce exactly that state.
        """
        if self.matches(stamp):
            return True
        ok = self._replay(stamp)
        if not ok:
            self.reset()
        return ok

    def compact_if_due(self) -> None:
        """Rewrite the journal as one snapshot when it has grown well past one.

        Only call this when the current state is committed (the cursor passed to
        ``fetch`` matches :meth:`stamp`): the snapshot must be a state the DB has,
        or a crash right after it would leave no way back to the committed one.
        """
        if self.dirty or self._bytes < max(COMPACT_MIN_BYTES, 4 * self._snap_bytes):
            return
        self._write_snapshot()

    def _replay(self, stamp: dict[str, Any]) -> bool:
        jid, gen = stamp.get("j"), stamp.get("g")
        if not isinstance(jid, str) or not isinstance(gen, int):
            return False
        entries: dict[str, list[str]] = {}
        subjects: dict[str, str] = {}
        reached = -1
        keep = 0  # byte offset just after the last record we use
        snap = 0
        try:
            with self.path.open("rb") as f:
                for n, line in enumerate(_lines(f)):
                    try:
                        rec = json.loads(line.decode("utf-8", "surrogatepass"))
                    except (ValueError, UnicodeDecodeError):
                        break  # a torn last line: the write never completed
                    if n == 0:
                        if rec.get("j") != jid:
                            return False
                        keep += len(line)
                        continue
                    g = rec.get("g")
                    if not isinstance(g, int) or g > gen:
                        break
                    if rec.get("snap"):
                        entries, subjects = {}, {}
                        snap = len(line)
                    for k in rec.get("del", ()):
                        entries.pop(k, None)
                    entries.update(rec.get("put", {}))
                    subjects.update(rec.get("sub", {}))
                    reached = g
                    keep += len(line)
        except OSError:
            return False
        if reached != gen:
            return False
        digest = 0
        for k, e in entries.items():
            digest = (digest + entry_hash(k, e)) & _MASK
        if len(entries) != stamp.get("n") or f"{digest:016x}" != stamp.get("d"):
            return False
        with contextlib.suppress(OSError):
            # Drop records of generations the DB never committed, so the next commit's
            # record is the only one with its generation number.
            if self.path.stat().st_size != keep:
                with self.path.open("r+b") as f:
                    f.truncate(keep)
                    f.flush()
                    os.fsync(f.fileno())
        self.entries, self.subjects = entries, subjects
        self.jid, self.gen, self.digest = jid, gen, digest
        self._put, self._del, self._sub = {}, set(), {}
        self._bytes, self._snap_bytes = keep, snap
        return True

    def _write_snapshot(self) -> None:
        head = _line({"j": self.jid})
        body = _line({"g": self.gen, "snap": 1, "put": self.entries, "sub": self.subjects})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("wb") as f:
            f.write(head + body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)  # readers see the old journal or the new one, never half
        self._bytes, self._snap_bytes = len(head) + len(body), len(body)

    def _append(self, data: bytes) -> None:
        with self.path.open("ab") as f:
            f.write(data)
            f.flush()
            # The DB commits (and fsyncs) right after we return: the record must be on
            # disk first, or a power cut could leave a committed cursor ahead of the journal.
            os.fsync(f.fileno())
        self._bytes += len(data)


def _line(rec: dict[str, Any]) -> bytes:
    return (json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8", "surrogatepass")


def _lines(f: Any) -> Iterator[bytes]:
    for line in f:
        if not line.endswith(b"\n"):
            return  # torn tail
        yield line
