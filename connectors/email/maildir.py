"""Maildir connector: a local folder kept by mbsync/offlineimap (or the demo), sent via SMTP.

Options: ``path`` (the Maildir: ``cur/ new/ tmp/``), optional ``sent_path`` (a
Maildir for sent copies; enables crash reconciliation), SMTP settings as in
:func:`connectors.email.smtp.smtp_config`, ``mark_answered`` (default true: add
the ``R`` flag to a message we replied to).

Identity of a message on disk is its Maildir *key* (the file name before
``:``), because flag changes rename the file.  The sync state maps every seen key
to ``[external id, conversation, flags]``; a re-sync lists ``new/`` and ``cur/``
(no file is opened unless it is new or its flags changed) and diffs: new keys
are parsed, changed flags re-read, vanished keys become deletions.  With a data
dir that map lives in a journal (:mod:`connectors.email.state`) and the cursor
is a ~80-byte stamp ``{"v": 2, "state": {...}}``; without one the whole map is
inline in the cursor (``{"v": 1, ...}``, also accepted and migrated).  During a
backfill the listing of the first batch is reused for the following ones.

Sent copies: before submitting, the message is written to ``sent_path/tmp``
(Maildir's "being written" area, which MUAs and mbsync ignore) and moved to
``cur/`` with ``S`` once the server accepted it.  So after a crash a copy in
``cur/``/``new/`` means sent, one still in ``tmp/`` means unknown, none means
not sent.  Without ``sent_path`` reconciliation raises ``ReconcileUnknown``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mailbox
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.base import (
    Batch,
    Connector,
    Item,
    Outgoing,
    PermanentSendError,
    ReconcileUnknown,
    ReplyLimit,
    SendResult,
    SourceContext,
    SourceError,
)
from connectors.options import Opt

from . import mime
from .common import SEND_OPTIONS, THREAD_OPTIONS, EmailCore
from .loaded import Loaded, load
from .pool import AHEAD_PAGES, MIN_BACKLOG, WORKERS, Ahead, ParsePool
from .smtp import DefinitelyNotSent, ParentInfo, message_id_for, send, smtp_config
from .state import MessageIndex, journal_path

BATCH = 500
# Maildir info letters ↔ IMAP flag names, so meta["flags"] means the same for both connectors.
FLAG_NAMES = {"D": "\\Draft", "F": "\\Flagged", "P": "$Forwarded", "R": "\\Answered",
              "S": "\\Seen", "T": "\\Deleted"}
_MSGID_HDR = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def write_message(path: str | os.PathLike[str], msg_bytes: bytes, *, seen: bool = False) -> str:
    """Deliver ``msg_bytes`` into the Maildir at ``path`` (created if needed); return its key.

    Written to ``tmp/`` then renamed (stdlib ``mailbox``), so a scanner never sees
    half a file.  ``seen=True`` files it in ``cur/`` with the ``S`` flag.
    """
    md = mailbox.Maildir(os.fspath(path), factory=None, create=True)
    m = mailbox.MaildirMessage(msg_bytes)
    if seen:
        m.set_subdir("cur")
        m.add_flag("S")
    return str(md.add(m))


def scan(path: Path) -> dict[str, tuple[str, str, str]]:
    """``key → (subdir, file name, flags)`` for every message in ``new/`` and ``cur/``."""
    out: dict[str, tuple[str, str, str]] = {}
    for sub in ("new", "cur"):
        try:
            it = os.scandir(path / sub)
        except FileNotFoundError:
            continue
        with it:
            for e in it:
                name = e.name
                if name.startswith("."):
                    continue
                key, _, info = name.partition(":")
                flags = "".join(sorted(info[2:])) if info.startswith("2,") else ""
                out[key] = (sub, name, flags)
    return out


def _set_flag(path: Path, key: str, flag: str) -> None:
    """Add one info flag by renaming the file (flags stay in ASCII order)."""
    found = scan(path).get(key)
    if found is None:
        return
    sub, name, flags = found
    if flag in flags:
        return
    new_flags = "".join(sorted(set(flags + flag)))
    os.rename(path / sub / name, path / "cur" / f"{key}:2,{new_flags}")


class MaildirConnector(EmailCore):
    """``kind = "maildir"``: scan a local Maildir, reply through SMTP."""

    kind = "maildir"

    def __init__(self, ctx: SourceContext) -> None:
        super().__init__(ctx)
        p = ctx.options.get("path")
        if not p:
            raise SourceError(f"account {ctx.account!r}: option path (the Maildir) is missing", fatal=True)
        self.path = Path(str(p)).expanduser()
        self._dir = os.fspath(self.path)  # joined as strings per file: pathlib costs ~4 µs a join
        sp = ctx.options.get("sent_path")
        self.sent_path = Path(str(sp)).expanduser() if sp else None
        self.mark_answered = bool(ctx.options.get("mark_answered", True))
        self.batch_size = int(ctx.options.get("batch", BATCH))
        self._msgs: dict[str, list[str]] = {}
        self._loaded = False
        # Sync state: a journal in the data dir when there is one (compact cursor), else
        # the whole map inline in the cursor as before.
        jp = journal_path(ctx.data_dir, "maildir", ctx.account)
        self._index: MessageIndex | None = MessageIndex(jp) if jp is not None else None
        self._inline: dict[str, list[str]] = {}
        self._inline_cursor: str | None = None
        self._rebuilt = False  # the journal did not match the cursor: say so once
        # Keys still to read from the last directory listing (a backfill in progress).
        self._todo: list[str] = []
        self._listing: dict[str, tuple[str, str, str]] = {}
        # A backfill parses on the other cores (connectors.email.pool): messages read ahead.
        workers = int(ctx.options.get("parse_workers", WORKERS))
        self._pool: ParsePool | None = ParsePool(workers) if workers > 0 else None
        self._ahead: dict[str, Ahead] = {}

    # -- fetch ---------------------------------------------------------------------------

    def _restore(self, cursor: str | None) -> None:
        """Bring ``self._index`` / the inline map to the state ``cursor`` describes."""
        if self._index is None and cursor is not None and cursor == self._inline_cursor:
            return  # our own last cursor: the map in memory is already that state
        state: dict[str, Any] = {}
        if cursor:
            try:
                loaded = json.loads(cursor)
                if isinstance(loaded, dict):
                    state = loaded
            except ValueError:
                pass  # an unreadable cursor means a full re-scan; inserts are idempotent
        idx = self._index
        if idx is None:
            # No data dir: the self-contained v1 cursor (the whole map, re-serialized per batch).
            if state.get("v") != 1:
                state = {}
            self._inline = state.get("msgs", {})
            self._inline_cursor = cursor
            self._todo = []
            self._load_threads(state.get("subjects", {}), self._inline)
            return
        if state.get("v") == 2 and isinstance(state.get("state"), dict):
            if idx.matches(state["state"]):
                idx.compact_if_due()  # our last batch is committed: safe to snapshot it
                return
            if not idx.restore(state["state"]):
                # Journal lost or out of step with the DB: rebuild by re-scanning everything.
                self._rebuilt = True
        elif state.get("v") == 1:
            idx.seed(state.get("msgs", {}), state.get("subjects", {}))  # migrate an old cursor
        else:
            idx.reset()
        self._todo = []
        self._drop_ahead()
        self.threads = self.new_thread_index()
        self._loaded = False
        self._load_threads(idx.subjects, idx.entries)

    def _load_threads(self, subjects: dict[str, str], msgs: dict[str, list[str]]) -> None:
        if not self._loaded:
            self.threads.load(subjects, ((e[0], e[1]) for e in msgs.values()))
            self.threads.take_new_subjects()  # already persisted
            self._loaded = True

    async def fetch(self, cursor: str | None) -> Batch:
        return await asyncio.to_thread(self._fetch, cursor)

    def _fetch(self, cursor: str | None) -> Batch:
        if not (self.path / "cur").is_dir() and not (self.path / "new").is_dir():
            raise SourceError(f"maildir {self.path}: not found or not a Maildir", retry_after=300)
        self._restore(cursor)
        idx = self._index
        msgs = idx.entries if idx is not None else self._inline
        items: list[Item] = []
        notes: list[str] = []
        vanished: list[str] = []
        if self._todo:
            # Mid-backfill: keep working through the listing we already have instead of
            # re-listing 10k+ files per batch (O(n²) over a backfill).  A file renamed
            # meanwhile is skipped below and found by the fresh scan at the end.
            todo = self._todo
        else:
            listing = scan(self.path)
            self._listing = listing
            vanished = [k for k in msgs if k not in listing]
            if vanished:
                live_ids = {e[0] for k, e in msgs.items() if k in listing}
                for k in vanished:
                    ext, conv, _flags = idx.pop(k) if idx is not None else msgs.pop(k)
                    if ext not in live_ids:  # the same message may still exist under another key
                        items.append(self.deleted_item(ext, conv, {"maildir_key": k}))
            todo = sorted(k for k, (_s, _n, fl) in listing.items()
                          if k not in msgs or msgs[k][2] != fl)
        listing = self._listing
        batch, self._todo = todo[: self.batch_size], todo[self.batch_size :]
        more = bool(self._todo)
        if self._pool is not None and (self._ahead or len(todo) >= MIN_BACKLOG):
            # A backfill: this page and the next few go to the parse workers, so they parse
            # ahead while the engine stores this page.
            self._read_ahead(batch + self._todo[: AHEAD_PAGES * self.batch_size])
        changed = 0
        for k in batch:
            sub, name, flags = listing[k]
            got = self._ahead.pop(k, None)
            try:
                loaded: Loaded = got.loaded() if got is not None else load(os.path.join(self._dir, sub, name))
            except FileNotFoundError:
                # Renamed by an MUA (or deleted) since the scan: the next fresh scan sees
                # the new name; ask for it now if that would otherwise wait for a poll.
                more = True
                continue
            except OSError as exc:
                notes.append(f"cannot read {name}: {exc.strerror}")
                continue
            if k in msgs:
                changed += 1
            it = self.make_item(
                loaded.raw,
                fallback_date=datetime.fromtimestamp(loaded.mtime, UTC),
                where={"maildir_key": k, "maildir_subdir": sub},
                flags=[FLAG_NAMES.get(f, f) for f in flags],
                parsed=loaded.parsed,
            )
            items.append(it)
            entry = [it.external_id, it.conversation, flags]
            if idx is not None:
                idx.put(k, entry)
            else:
                msgs[k] = entry
        if self._rebuilt:
            notes.append("sync state did not match the cursor: re-reading the whole Maildir")
            self._rebuilt = False
        if vanished:
            notes.append(f"{len(vanished)} message(s) gone from the Maildir")
        if changed:
            notes.append(f"{changed} message(s) with changed flags")
        events = self.take_events(items)  # before the subjects: joins add aliases to persist
        new_subjects = self.threads.take_new_subjects()
        if idx is None:
            state = {"v": 1, "subjects": self.threads.dump_subjects(), "msgs": msgs}
            out = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
            self._inline_cursor = out
        else:
            idx.add_subjects(new_subjects)
            out = json.dumps({"v": 2, "state": idx.commit()}, separators=(",", ":"))
        self._msgs = msgs
        if not self._todo:
            self._drop_ahead()  # the backfill is done: free the workers
        return Batch(items=items, cursor=out, more=more, notes=notes, events=list(events))

    def _read_ahead(self, keys: list[str]) -> None:
        """Hand the files of ``keys`` not handed yet to the parse workers to read and parse.

        A file that cannot be read comes back as its error: the page that reaches it
        reports what reading it inline would (renamed, unreadable)."""
        assert self._pool is not None
        fresh = [k for k in keys if k not in self._ahead and k in self._listing]
        if not fresh:
            return
        paths = [os.path.join(self._dir, s, n) for s, n, _f in (self._listing[k] for k in fresh)]
        self._ahead.update(zip(fresh, self._pool.submit(paths), strict=True))

    def _drop_ahead(self) -> None:
        """Forget what was read ahead and stop the parse workers."""
        self._ahead.clear()
        if self._pool is not None:
            self._pool.close()

    # -- sending -------------------------------------------------------------------------

    async def find_parent(self, message_id: str) -> ParentInfo | None:
        return await asyncio.to_thread(self._find_parent, message_id)

    def _find_parent(self, message_id: str) -> ParentInfo | None:
        keys = [k for k, e in self._msgs.items() if e[0] == message_id]
        listing = scan(self.path)
        if not keys:  # not synced in this process yet: look at the headers of every file
            keys = [k for k, (s, n, _f) in listing.items() if _file_msgid(self.path / s / n) == message_id]
        for k in keys:
            if k in listing:
                sub, name, flags = listing[k]
                try:
                    raw = (self.path / sub / name).read_bytes()
                except OSError:
                    continue
                self.make_item(raw, fallback_date=None, where={"maildir_key": k},
                               flags=[FLAG_NAMES.get(f, f) for f in flags])
                if message_id in self.parents:
                    return self.parents[message_id]
        return None

    async def raw_message(self, external_id: str, where: dict[str, Any]) -> bytes | None:
        return await asyncio.to_thread(self._raw_message, external_id, where)

    def _raw_message(self, external_id: str, where: dict[str, Any]) -> bytes | None:
        listing = scan(self.path)
        key = str(where.get("maildir_key") or "")
        keys = [key] if key in listing else []
        keys += [k for k, e in self._msgs.items() if e[0] == external_id and k != key and k in listing]
        for k in keys:
            sub, name, _flags = listing[k]
            try:
                raw = (self.path / sub / name).read_bytes()
            except OSError:
                continue
            if self.is_message(raw, external_id):
                return raw
        # Renamed or moved since the sync: look for it by its id (headers only).
        for sub, name, _flags in listing.values():
            fp = self.path / sub / name
            if external_id.startswith("sha256:") or _file_msgid(fp) == external_id:
                try:
                    raw = fp.read_bytes()
                except OSError:
                    continue
                if self.is_message(raw, external_id):
                    return raw
        return None

    async def send(self, out: Outgoing) -> SendResult:
        cfg = smtp_config(self.ctx, self.oauth_tokens())
        if cfg is None:
            raise PermanentSendError(f"account {self.account!r}: no smtp settings to send with")
        msg, parent = await self.compose(out)
        data = msg.as_bytes()
        pending: Path | None = None
        if self.sent_path is not None:
            pending = await asyncio.to_thread(self._write_pending, out, data)
        try:
            await send(cfg, msg, sender=self.me_addr)
        except DefinitelyNotSent:
            if pending is not None:
                pending.unlink(missing_ok=True)
            raise
        except PermanentSendError:
            if pending is not None:
                pending.unlink(missing_ok=True)
            raise
        if pending is not None:
            await asyncio.to_thread(self._commit_pending, pending)
        if parent is not None and parent.key and self.mark_answered:
            with contextlib.suppress(OSError):  # the reply went out; a missing R flag is cosmetic
                await asyncio.to_thread(_set_flag, self.path, parent.key, "R")
        return self.sent_result(out, data, {})

    def _pending_name(self, out: Outgoing) -> str:
        return "inscope-" + message_id_for(out.key, "x").split(".")[1].split("@")[0]

    def _write_pending(self, out: Outgoing, data: bytes) -> Path:
        assert self.sent_path is not None
        for sub in ("tmp", "new", "cur"):
            (self.sent_path / sub).mkdir(parents=True, exist_ok=True)
        p = self.sent_path / "tmp" / self._pending_name(out)
        tmp = p.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, p)
        return p

    def _commit_pending(self, pending: Path) -> None:
        assert self.sent_path is not None
        os.replace(pending, self.sent_path / "cur" / f"{pending.name}:2,S")

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        if self.sent_path is None:
            raise ReconcileUnknown("no sent_path configured: cannot tell whether the message went out")
        name = self._pending_name(out)
        listing = scan(self.sent_path)
        if name in listing:
            sub, fname, _f = listing[name]
            data = (self.sent_path / sub / fname).read_bytes()
            return self.sent_result(out, data, {})
        if (self.sent_path / "tmp" / name).exists():
            raise ReconcileUnknown("the send was interrupted after it started: it may have gone out")
        return None

    async def aclose(self) -> None:
        self._drop_ahead()


def _file_msgid(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(65536)
    except OSError:
        return ""
    head = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    m = _MSGID_HDR.search(head)
    return mime.normalize_msgid(m.group(1).decode("ascii", "replace")) if m else ""


OPTIONS: dict[str, Opt] = {
    "path": Opt("str", "the Maildir folder (with cur/ new/ tmp/)", required=True),
    "sent_path": Opt("str", "a Maildir where sent replies are filed"),
    "mark_answered": Opt("bool", "flag answered mail R (default true)"),
    "batch": Opt("int", "messages parsed per batch", min=1),
    "parse_workers": Opt("int", "processes that parse a backfill (default: the cores, at most 2; "
                         "0 parses in the sync thread)", min=0),
    **SEND_OPTIONS,
    **THREAD_OPTIONS,
}
"""The options of a ``kind = "maildir"`` account."""


REPLY_LIMIT = ReplyLimit()
"""No limit a reply would reach."""


def build(ctx: SourceContext) -> Connector:
    """The factory named in ``connectors.registry``."""
    conn: Connector = MaildirConnector(ctx)
    return conn


def preflight(ctx: SourceContext) -> list[str]:
    """What this account still lacks (``inscope doctor``): see :mod:`connectors.email.preflight`."""
    # Imported here, not at the top: that module imports this one's neighbours.
    from .preflight import problems

    return problems(ctx)
