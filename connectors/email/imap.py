"""IMAP connector (imapclient; every blocking call runs in ``asyncio.to_thread``).

Options: ``host``, ``port`` (993 for ssl, else 143), ``tls`` ("ssl" | "starttls" |
"none"), ``user``, ``folders`` (default ``["INBOX"]``), ``sent_folder`` (default:
the folder with the special-use ``\\Sent`` attribute), ``sync_sent`` (default
true: my replies sent from other clients show up in their threads),
``server_saves_sent`` (default false: we APPEND our copy), ``condstore``
(default true where offered), ``flag_diff_every`` (polls between full flag
diffs when CONDSTORE is not available, default 10), ``idle_renew`` (seconds,
default 540 — well under RFC 2177's 29 minutes), SMTP settings as in
:func:`connectors.email.smtp.smtp_config`.  Secret: ``password``.

Sync: each folder is selected read-only (``EXAMINE``); new mail is
``UID SEARCH last+1:*`` with UIDs ≤ last dropped (the ``n:*`` trap:
``*`` always matches the highest existing UID), skipped outright when
``UIDNEXT`` says nothing arrived; bodies are fetched with ``BODY.PEEK[]`` so
nothing is marked read.  Flag changes come from ``CHANGEDSINCE`` (CONDSTORE)
or a periodic full diff; expunges from a ``UID SEARCH ALL`` diff whenever the
message count does not add up.  A UIDVALIDITY change re-imports the folder;
messages keep their Message-ID external ids, so nothing is duplicated, and
ids missing after the re-import become deletions.  At most 500 messages per
batch (``more=True`` until caught up).

Sync state: every synced message is remembered as ``folder\\0uid → [external
id, conversation, flags]`` (to diff flags, name expunged messages and thread
after a restart).  With a data dir that map lives in a side journal
(:class:`connectors.email.state.MessageIndex`, ``email-state/imap-<account>.jsonl``)
and the cursor stays compact — ``{"v": 2, "folders": {name: {"uidvalidity",
"last_uid", "highestmodseq", "stale": {external id: conversation}}}, "state":
journal stamp}`` — so a batch costs O(batch), not O(mailbox).  The cursor is
the truth: journal records of uncommitted batches are cut off on restore, and
a lost or torn journal is rebuilt by re-reading the folders (``last_uid`` back
to 0; the store de-duplicates by Message-ID).  Without a data dir the cursor is
self-contained as before: ``{"v": 1, "subjects": {...}, "folders": {name:
{..., "msgs": {uid: [external id, conversation, flags]}}}}``; a v1 cursor met
with a data dir is migrated into a journal without re-reading anything.

Sending: see :meth:`ImapConnector.send` — the copy in Sent doubles as the
crash-recovery record (a ``$InscopePending`` keyword marks a send in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.imapclient import SENT as SPECIAL_SENT

from connectors.base import (
    Batch,
    Connector,
    Item,
    Outgoing,
    PermanentSendError,
    PushWait,
    ReconcileUnknown,
    ReplyLimit,
    SendResult,
    SourceContext,
    SourceError,
    redact,
    register_secret,
)
from connectors.options import Opt

from . import oauth
from .common import SEND_OPTIONS, THREAD_OPTIONS, EmailCore
from .smtp import DefinitelyNotSent, ParentInfo, message_id_for, send, smtp_config
from .state import MessageIndex, journal_path

BATCH = 500
FETCH_CHUNK = 100  # UIDs per FETCH of full bodies: bounded memory per round trip
PENDING = b"$InscopePending"
T = TypeVar("T")
_CHANGE = {b"EXISTS", b"EXPUNGE", b"FETCH", b"RECENT"}


def _flags(raw: Iterable[Any]) -> list[str]:
    # \Recent is per-session (whoever selects first "sees" it): not a property of the message.
    names = (f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f) for f in raw)
    return sorted(n for n in names if n.lower() != "\\recent")


def _key(folder: str, uid: int) -> str:
    # NUL cannot occur in an IMAP mailbox name, so the key splits back unambiguously.
    return f"{folder}\0{uid}"


def _fresh_folder() -> dict[str, Any]:
    return {"uidvalidity": 0, "last_uid": 0, "highestmodseq": None, "stale": {}}


class SyncedMessages:
    """The synced-message map with the two views a sync needs, kept in step.

    The flat ``folder\\0uid → [external id, conversation, flags]`` map is what gets
    persisted (a :class:`MessageIndex` journal, or inline in a v1 cursor).  A sync
    asks per folder ("which UIDs do we have here, how many") and per message
    ("is this Message-ID still in some folder?" before calling it deleted).
    Answering those by scanning the flat map made every expunge O(n); the
    per-folder dicts and the id reference count make both O(1).
    """

    def __init__(self, index: MessageIndex | None) -> None:
        self.index = index
        self.flat: dict[str, list[str]] = {}
        self.by_folder: dict[str, dict[int, list[str]]] = {}
        self.refs: dict[str, int] = {}

    def load(self, flat: dict[str, list[str]]) -> None:
        """Rebuild the views from a restored flat map (the index's own, or a v1 cursor's)."""
        self.flat = self.index.entries if self.index is not None else flat
        self.by_folder, self.refs = {}, {}
        for key, entry in self.flat.items():
            folder, _, uid = key.rpartition("\0")
            self.by_folder.setdefault(folder, {})[int(uid)] = entry
            self.refs[entry[0]] = self.refs.get(entry[0], 0) + 1

    def folder(self, name: str) -> dict[int, list[str]]:
        """``uid → entry`` of one folder (live: changes with put/pop; do not mutate)."""
        return self.by_folder.setdefault(name, {})

    def put(self, folder: str, uid: int, entry: list[str]) -> None:
        old = self.by_folder.setdefault(folder, {}).get(uid)
        if old is not None:
            self._unref(old[0])
        self.by_folder[folder][uid] = entry
        self.refs[entry[0]] = self.refs.get(entry[0], 0) + 1
        if self.index is not None:
            self.index.put(_key(folder, uid), entry)
        else:
            self.flat[_key(folder, uid)] = entry

    def pop(self, folder: str, uid: int) -> list[str]:
        entry = self.by_folder[folder].pop(uid)
        self._unref(entry[0])
        if self.index is not None:
            self.index.pop(_key(folder, uid))
        else:
            del self.flat[_key(folder, uid)]
        return entry

    def drop_folder(self, folder: str) -> list[list[str]]:
        """Forget every entry of ``folder`` (its UIDs became void); return them."""
        return [self.pop(folder, uid) for uid in list(self.by_folder.get(folder, {}))]

    def present(self, ext: str) -> bool:
        """True while some folder still holds a message with external id ``ext``."""
        return ext in self.refs

    def _unref(self, ext: str) -> None:
        n = self.refs[ext] - 1
        if n:
            self.refs[ext] = n
        else:
            del self.refs[ext]


class ImapConnector(EmailCore, PushWait):
    """``kind = "imap"``; a :class:`~connectors.base.PushWait`: it waits in IDLE."""

    kind = "imap"

    def __init__(self, ctx: SourceContext) -> None:
        super().__init__(ctx)
        o = ctx.options
        self.host = str(o.get("host") or "")
        if not self.host:
            raise SourceError(f"account {ctx.account!r}: option host is missing", fatal=True)
        self.tls = str(o.get("tls", "ssl")).lower()
        if self.tls not in ("ssl", "starttls", "none"):
            raise SourceError(f"account {ctx.account!r}: tls must be ssl, starttls or none", fatal=True)
        self.port = int(o.get("port") or (993 if self.tls == "ssl" else 143))
        self.user = str(o.get("user") or "")
        folders = o.get("folders") or ["INBOX"]
        self.folders: list[str] = [str(f) for f in folders]
        self.sent_option = str(o["sent_folder"]) if o.get("sent_folder") else None
        self.sync_sent = bool(o.get("sync_sent", True))
        self.server_saves_sent = bool(o.get("server_saves_sent", False))
        self.use_condstore = bool(o.get("condstore", True))
        self.flag_diff_every = max(1, int(o.get("flag_diff_every", 10)))
        self.idle_renew = float(o.get("idle_renew", 540))
        self.timeout = float(o.get("timeout", 60))
        self.batch_size = int(o.get("batch", BATCH))
        self.ssl_context: ssl.SSLContext | None = None  # tests / self-signed servers may set one
        self._password = ctx.secret("password") or ""
        register_secret(self._password)
        self._client: IMAPClient | None = None
        self._idle_client: IMAPClient | None = None
        self._lock = asyncio.Lock()
        self._stop = threading.Event()
        self._polls = 0
        self._sent: str | None = None
        self._sent_known = False
        self._uidnext_seen: dict[str, int] = {}
        self._condstore_on = False
        # Sync state: a journal in the data dir when there is one (compact cursor), else
        # the whole map inline in the cursor as before (see the module docstring).
        jp = journal_path(ctx.data_dir, "imap", ctx.account)
        self._index: MessageIndex | None = MessageIndex(jp) if jp is not None else None
        self._msgs = SyncedMessages(self._index)
        self._meta: dict[str, dict[str, Any]] = {}  # folder → uidvalidity, last_uid, … (no msgs)
        self._inline_cursor: str | None = None
        self._rebuilt = False  # the journal did not match the cursor: say so once

    # -- connection ---------------------------------------------------------------------

    def _connect(self) -> IMAPClient:
        # The credentials first: a revoked sign-in or a missing password is reported as such,
        # without a connection the server would only refuse.
        tokens = self.oauth_tokens()
        if tokens is None and not self._password:
            raise SourceError(f"imap {self.host}: no password for {self.user!r} — run `inscope connect email`",
                              fatal=True)
        token = tokens.access_token() if tokens is not None else ""
        try:
            c = IMAPClient(self.host, port=self.port, ssl=self.tls == "ssl",
                           ssl_context=self.ssl_context, timeout=self.timeout)
            if self.tls == "starttls":
                c.starttls(self.ssl_context or ssl.create_default_context())
            c.normalise_times = False  # keep INTERNALDATE's zone instead of local naive times
            if tokens is None:
                c.login(self.user, self._password)
            else:
                self._oauth_login(c, tokens, token)
        except Exception as exc:
            raise self._error(exc, "connect") from None
        return c

    def _oauth_login(self, c: IMAPClient, tokens: oauth.TokenSource, token: str) -> None:
        """SASL XOAUTH2 / OAUTHBEARER; a refused token is refreshed once and tried again."""
        for attempt in (0, 1):
            if attempt:
                token = tokens.access_token(force=True)
            try:
                if self.ctx.options.get("oauth2_mechanism") == "oauthbearer":
                    c.oauthbearer_login(self.user, token)
                else:
                    c.oauth2_login(self.user, token)
                return
            except LoginError:
                if attempt == 1:
                    raise SourceError(f"imap {self.host}: OAuth2 login refused for {self.user!r} even with a "
                                      "fresh token (is IMAP enabled for this mailbox, and the scope granted?)",
                                      fatal=True) from None

    def _error(self, exc: BaseException, what: str) -> SourceError:
        if isinstance(exc, SourceError):
            return exc
        if isinstance(exc, LoginError):
            return SourceError(f"imap {self.host}: login failed for {self.user!r}", fatal=True)
        if isinstance(exc, socket.timeout | TimeoutError):
            return SourceError(f"imap {self.host}: {what} timed out", retry_after=60)
        if isinstance(exc, ssl.SSLError):
            return SourceError(f"imap {self.host}: TLS failed during {what} ({exc.reason})", retry_after=300)
        if isinstance(exc, OSError):
            return SourceError(f"imap {self.host}:{self.port}: {what} failed ({exc.strerror or type(exc).__name__})",
                               retry_after=60)
        if isinstance(exc, IMAPClientError | imaplib.IMAP4.error):
            detail = redact(str(exc))[:200]
            return SourceError(f"imap {self.host}: {what} failed ({detail})", retry_after=60)
        return SourceError(f"imap {self.host}: {what} failed ({type(exc).__name__})", retry_after=60)

    @staticmethod
    def _drop(c: IMAPClient | None) -> None:
        if c is None:
            return
        try:
            c.logout()
        except Exception:
            with contextlib.suppress(Exception):  # already gone; nothing else to release
                c.shutdown()

    async def _call(self, what: str, fn: Callable[[IMAPClient], T]) -> T:
        """Run ``fn(client)`` in a thread on the shared connection; errors → SourceError."""
        async with self._lock:
            return await asyncio.to_thread(self._call_sync, what, fn)

    def _call_sync(self, what: str, fn: Callable[[IMAPClient], T]) -> T:
        if self._client is None:
            self._client = self._connect()
        try:
            return fn(self._client)
        except Exception as exc:
            # A broken or confused connection is not reused: the next call reconnects.
            self._drop(self._client)
            self._client = None
            raise self._error(exc, what) from None

    def sent_folders(self) -> frozenset[str]:
        """The Sent folder (configured or found by its \\Sent attribute), once known."""
        name = self._sent or self.sent_option
        return frozenset({name}) if name else frozenset()

    def _sent_folder(self, c: IMAPClient) -> str | None:
        if not self._sent_known:
            self._sent = self.sent_option or c.find_special_folder(SPECIAL_SENT)
            self._sent_known = True
        return self._sent

    # -- fetch --------------------------------------------------------------------------

    async def fetch(self, cursor: str | None) -> Batch:
        return await self._call("sync", lambda c: self._fetch(c, cursor))

    def _restore(self, cursor: str | None) -> None:
        """Bring the message map, folder state and thread index to what ``cursor`` says."""
        if self._index is None and cursor is not None and cursor == self._inline_cursor:
            return  # our own last cursor: memory already holds exactly that state
        state: dict[str, Any] = {}
        if cursor:
            try:
                loaded = json.loads(cursor)
                if isinstance(loaded, dict):
                    state = loaded
            except ValueError:
                pass  # unreadable → full re-import; Message-ID ids keep it duplicate-free
        version = state.get("v")
        folders = state.get("folders") if version in (1, 2) else None
        if not isinstance(folders, dict):
            folders = {}
        # Folder metadata without the (v1) message maps: this part always lives in the cursor.
        self._meta = {str(f): {**_fresh_folder(), **{k: v for k, v in fs.items() if k != "msgs"}}
                      for f, fs in folders.items() if isinstance(fs, dict)}
        idx = self._index
        if idx is None:
            if version != 1:
                self._meta, folders = {}, {}
            self._inline_cursor = cursor
            self._msgs.load(_v1_flat(folders))
            self._reload_threads(state.get("subjects", {}) if version == 1 else {})
            return
        stamp = state.get("state")
        if version == 2 and isinstance(stamp, dict):
            if idx.matches(stamp):
                idx.compact_if_due()  # our last batch is committed: safe to snapshot it
                return
            if not idx.restore(stamp):
                # Journal lost, torn or from another cursor: what the DB has is unknown to us,
                # so re-read every folder from UID 1 (ids are Message-IDs: upserts, no duplicates).
                self._rebuilt = True
                for fs in self._meta.values():
                    fs.update(last_uid=0, highestmodseq=None)
        elif version == 1:
            idx.seed(_v1_flat(folders), state.get("subjects", {}))  # migrate an old cursor
        else:
            idx.reset()
        self._msgs.load(idx.entries)
        self._reload_threads(idx.subjects)

    def _reload_threads(self, subjects: dict[str, str]) -> None:
        # The thread index must describe the restored state, not a later uncommitted one.
        self.threads = self.new_thread_index()
        self.threads.load(subjects, ((e[0], e[1]) for e in self._msgs.flat.values()))
        self.threads.take_new_subjects()  # already persisted

    def _fetch(self, c: IMAPClient, cursor: str | None) -> Batch:
        self._restore(cursor)
        # From here on memory runs ahead of ``cursor``; if this fetch fails half-way, the
        # next one must re-parse the cursor instead of trusting the half-updated map.
        self._inline_cursor = None
        msgs = self._msgs
        caps = set(c.capabilities())
        condstore = self.use_condstore and b"CONDSTORE" in caps and b"ENABLE" in caps
        if condstore and not self._condstore_on:
            c.enable("CONDSTORE")
            self._condstore_on = True
        self._polls += 1
        diff_now = not condstore and (self._polls - 1) % self.flag_diff_every == 0
        folders = list(self.folders)
        sent = self._sent_folder(c)
        if self.sync_sent and sent and sent not in folders:
            folders.append(sent)
        items: list[Item] = []
        notes: list[str] = []
        if self._rebuilt:
            notes.append("sync state did not match the cursor: re-reading every folder")
            self._rebuilt = False
        budget = self.batch_size
        more = False
        for folder in folders:
            fs = self._meta.setdefault(folder, _fresh_folder())
            sel = c.select_folder(folder, readonly=True)
            uidvalidity = int(sel[b"UIDVALIDITY"])
            uidnext = int(sel[b"UIDNEXT"]) if b"UIDNEXT" in sel else None
            exists = int(sel[b"EXISTS"]) if b"EXISTS" in sel else None
            hms = int(sel[b"HIGHESTMODSEQ"]) if sel.get(b"HIGHESTMODSEQ") else None
            if fs["uidvalidity"] and fs["uidvalidity"] != uidvalidity:
                # Every cached UID is void: re-import; ids of the old copies are "stale" until
                # they are seen again (then: same external id, no duplicate) or found gone.
                stale = dict(fs.get("stale", {}))
                stale.update({e[0]: e[1] for e in msgs.drop_folder(folder)})
                fs.update(last_uid=0, highestmodseq=None, stale=stale)
                notes.append(f"{folder}: UIDVALIDITY changed, re-importing")
            fs["uidvalidity"] = uidvalidity
            have = msgs.folder(folder)
            stale_ids: dict[str, str] = fs["stale"]
            prev_last = int(fs["last_uid"])
            # 1. new messages
            pending: list[int] = []
            if uidnext is None or uidnext > prev_last + 1:
                found = c.search(["UID", f"{prev_last + 1}:*"])
                pending = sorted(int(u) for u in found if int(u) > prev_last)  # the n:* trap
            take = pending[: max(0, budget)]
            caught_up = len(take) == len(pending)
            more = more or not caught_up
            for chunk in _chunks(take, FETCH_CHUNK):
                for it, uid, fl in self._fetch_items(c, folder, uidvalidity, chunk):
                    items.append(it)
                    msgs.put(folder, uid, [it.external_id, it.conversation, fl])
                    stale_ids.pop(it.external_id, None)
                fs["last_uid"] = max(int(fs["last_uid"]), chunk[-1])
            budget -= len(take)
            # 2. flag changes of messages we already had
            changed: list[int] = []
            if condstore and hms is not None:
                old = fs.get("highestmodseq")
                if old and hms > old and prev_last:
                    # UID SEARCH MODSEQ n (CONDSTORE): messages changed at mod-sequence n or later;
                    # the FETCH then needs explicit UIDs (IMAPClient filters replies by them).
                    since = [int(u) for u in c.search(["MODSEQ", str(old + 1)]) if int(u) in have]
                    changed = self._flag_changes(self._fetch_flags(c, since), have)
            elif diff_now and prev_last and have:
                changed = self._flag_changes(self._fetch_flags(c, list(have)), have)
            redo = changed[: max(0, budget)]
            if len(redo) < len(changed):
                more = True  # keep the old HIGHESTMODSEQ so the rest come back next time
            elif hms is not None:
                fs["highestmodseq"] = hms
            for chunk in _chunks(redo, FETCH_CHUNK):
                for it, uid, fl in self._fetch_items(c, folder, uidvalidity, chunk):
                    items.append(it)
                    msgs.put(folder, uid, [it.external_id, it.conversation, fl])
            budget -= len(redo)
            if changed:
                notes.append(f"{folder}: {len(redo)} message(s) with changed flags")
            # 3. expunges: only when caught up (otherwise the count cannot add up anyway)
            if caught_up and (diff_now or exists is None or exists != len(have)):
                live = {int(u) for u in c.search("ALL")}
                gone = [u for u in have if u not in live]
                for u in gone:
                    ext, conv, _fl = msgs.pop(folder, u)
                    if not msgs.present(ext):  # the same message may still be in another folder
                        items.append(self.deleted_item(ext, conv, {"folder": folder, "uid": u}))
                if gone:
                    notes.append(f"{folder}: {len(gone)} message(s) expunged")
            if caught_up and stale_ids:
                for ext, conv in stale_ids.items():
                    if not msgs.present(ext):
                        items.append(self.deleted_item(ext, conv, {"folder": folder}))
                fs["stale"] = {}
            if caught_up:
                self._uidnext_seen[folder] = uidnext if uidnext is not None else int(fs["last_uid"]) + 1
        events = self.take_events(items)  # before the cursor: joins add aliases to persist
        return Batch(items=items, cursor=self._cursor(), more=more, notes=notes, events=list(events))

    def _cursor(self) -> str:
        """Serialize the state after a batch (the journal record is on disk before we return)."""
        new_subjects = self.threads.take_new_subjects()
        idx = self._index
        if idx is None:
            folders = {f: {**fs, "msgs": {str(u): e for u, e in self._msgs.folder(f).items()}}
                       for f, fs in self._meta.items()}
            state: dict[str, Any] = {"v": 1, "subjects": self.threads.dump_subjects(), "folders": folders}
            out = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
            self._inline_cursor = out
            return out
        idx.add_subjects(new_subjects)
        stamp = idx.commit()
        return json.dumps({"v": 2, "folders": self._meta, "state": stamp}, ensure_ascii=False,
                          separators=(",", ":"))

    @staticmethod
    def _flag_changes(resp: dict[int, dict[bytes, Any]], have: dict[int, list[str]]) -> list[int]:
        out: list[int] = []
        for uid, data in resp.items():
            u = int(uid)
            if u in have and b"FLAGS" in data and " ".join(_flags(data[b"FLAGS"])) != have[u][2]:
                out.append(u)
        return sorted(out)

    @staticmethod
    def _fetch_flags(c: IMAPClient, uids: list[int]) -> dict[int, dict[bytes, Any]]:
        out: dict[int, dict[bytes, Any]] = {}
        for chunk in _chunks(sorted(uids), 1000):  # bounded command lines
            out.update(c.fetch(chunk, ["FLAGS"]))
        return out

    def _fetch_items(self, c: IMAPClient, folder: str, uidvalidity: int,
                     uids: list[int]) -> list[tuple[Item, int, str]]:
        resp = c.fetch(uids, ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "BODY.PEEK[]"])
        out: list[tuple[Item, int, str]] = []
        for uid in sorted(resp):
            data = resp[uid]
            raw = data.get(b"BODY[]")
            if not isinstance(raw, bytes):
                continue  # expunged between SEARCH and FETCH
            fl = _flags(data.get(b"FLAGS", ()))
            internal = data.get(b"INTERNALDATE")
            item = self.make_item(
                raw,
                fallback_date=internal if isinstance(internal, datetime) else None,
                where={"folder": folder, "uid": int(uid), "uidvalidity": uidvalidity},
                flags=fl,
            )
            out.append((item, int(uid), " ".join(fl)))
        return out

    # -- IDLE ---------------------------------------------------------------------------

    async def wait(self, timeout: float) -> bool:
        """IDLE on the first folder for up to ``timeout`` seconds.

        Returns True as soon as the server reports a change (new mail: EXISTS; also
        EXPUNGE / FETCH flag updates), or immediately when mail arrived since the
        last fetch (UIDNEXT moved); False on timeout.  IDLE is re-issued every
        ``idle_renew`` seconds.  Without the IDLE capability it just sleeps.
        Uses its own connection so a send can run meanwhile.
        """
        return await asyncio.to_thread(self._wait, timeout)

    def _wait(self, timeout: float) -> bool:
        folder = self.folders[0]
        if self._idle_client is None:
            self._idle_client = self._connect()
        c = self._idle_client
        try:
            if b"IDLE" not in c.capabilities():
                self._stop.wait(timeout)
                return False
            sel = c.select_folder(folder, readonly=True)
            seen = self._uidnext_seen.get(folder)
            if seen is not None and b"UIDNEXT" in sel and int(sel[b"UIDNEXT"]) > seen:
                return True
            start = time.monotonic()
            deadline = start + timeout
            renew_at = start + self.idle_renew
            c.idle()
            idling = True
            try:
                while not self._stop.is_set():
                    now = time.monotonic()
                    if now >= deadline:
                        return False
                    if now >= renew_at:
                        # Responses that arrived just before DONE come back from idle_done().
                        idling = False
                        _text, before = c.idle_done()
                        if _changed(before):
                            return True
                        c.idle()
                        idling = True
                        renew_at = now + self.idle_renew
                    # Short slices keep cancellation / aclose responsive.
                    responses = c.idle_check(timeout=max(0.05, min(1.0, deadline - now, renew_at - now)))
                    if _changed(responses):
                        return True
                return False
            finally:
                if idling:
                    c.idle_done()
        except Exception as exc:
            self._drop(self._idle_client)
            self._idle_client = None
            raise self._error(exc, "idle") from None

    # -- sending ------------------------------------------------------------------------

    async def find_parent(self, message_id: str) -> ParentInfo | None:
        folders = list(self.folders)

        def look(c: IMAPClient) -> ParentInfo | None:
            for folder in folders:
                c.select_folder(folder, readonly=True)
                uids = c.search(["HEADER", "Message-ID", message_id])
                if uids:
                    self._fetch_items(c, folder, 0, [int(max(uids))])
                    return self.parents.get(message_id)
            return None

        return await self._call("find the original message", look)

    async def send(self, out: Outgoing) -> SendResult:
        """Reply (or send a fresh message for an escalation) and file it in Sent.

        Order, so that :meth:`reconcile` can always answer truthfully:
        1. APPEND the message to Sent flagged ``$InscopePending`` (reused on retry);
        2. submit it by SMTP;
        3. clear ``$InscopePending``, set ``\\Answered`` on the original.
        A definite SMTP refusal deletes the pending copy again.  Failures in step 3
        do not fail the send: the mail has gone out.
        """
        cfg = smtp_config(self.ctx, self.oauth_tokens())
        if cfg is None:
            raise PermanentSendError(f"account {self.account!r}: no smtp settings to send with")
        msg, parent = await self.compose(out)
        data = msg.as_bytes()
        msgid = str(msg["Message-ID"])
        sent = await self._call("find Sent", self._sent_folder)
        copy = sent is not None and not self.server_saves_sent
        if copy:
            assert sent is not None
            await self._call("save to Sent", lambda c: self._append_pending(c, sent, data, msgid))
        try:
            await send(cfg, msg, sender=self.me_addr)
        except (DefinitelyNotSent, PermanentSendError):
            if copy:
                assert sent is not None
                # A stale pending copy only makes reconcile say "unknown": not worth failing over.
                with contextlib.suppress(SourceError):
                    await self._call("remove unsent copy", lambda c: self._delete_copy(c, sent, msgid))
            raise
        if copy:
            assert sent is not None
            with contextlib.suppress(SourceError):
                await self._call("update Sent", lambda c: self._clear_pending(c, sent, msgid))
        if parent is not None and parent.folder:
            with contextlib.suppress(SourceError):
                await self._call("mark answered", lambda c: self._mark_answered(c, parent))
        return self.sent_result(out, data, {"folder": sent or ""})

    @staticmethod
    def _find(c: IMAPClient, folder: str, msgid: str, *, readonly: bool) -> list[int]:
        c.select_folder(folder, readonly=readonly)
        return [int(u) for u in c.search(["HEADER", "Message-ID", msgid])]

    def _append_pending(self, c: IMAPClient, folder: str, data: bytes, msgid: str) -> None:
        if self._find(c, folder, msgid, readonly=True):
            return  # a retry: the copy from the first attempt is still there
        c.append(folder, data, flags=(b"\\Seen", PENDING))

    def _clear_pending(self, c: IMAPClient, folder: str, msgid: str) -> None:
        uids = self._find(c, folder, msgid, readonly=False)
        if uids:
            c.remove_flags(uids, [PENDING])

    def _delete_copy(self, c: IMAPClient, folder: str, msgid: str) -> None:
        uids = self._find(c, folder, msgid, readonly=False)
        if uids:
            c.add_flags(uids, [b"\\Deleted"])
            if b"UIDPLUS" in c.capabilities():
                c.uid_expunge(uids)
            else:
                c.expunge()

    def _mark_answered(self, c: IMAPClient, parent: ParentInfo) -> None:
        # The one write to the user's mailbox: needs a read-write SELECT.
        uids = self._find(c, parent.folder, parent.message_id, readonly=False)
        if uids:
            c.add_flags(uids, [b"\\Answered"])

    async def reconcile(self, out: Outgoing) -> SendResult | None:
        """Look for our Message-ID in Sent: found and committed → sent; found but still
        ``$InscopePending`` → unknown; absent → not sent (we always file the copy first)."""
        msgid = message_id_for(out.key, self.me_addr.rpartition("@")[2])

        def look(c: IMAPClient) -> tuple[str | None, bytes | None, bool]:
            sent = self._sent_folder(c)
            if sent is None:
                return None, None, False
            uids = self._find(c, sent, msgid, readonly=True)
            if not uids:
                return sent, None, False
            resp = c.fetch(uids[:1], ["FLAGS", "BODY.PEEK[]"])
            data = resp.get(uids[0], {})
            raw = data.get(b"BODY[]")
            return sent, raw if isinstance(raw, bytes) else None, PENDING in data.get(b"FLAGS", ())

        sent, raw, pending = await self._call("reconcile", look)
        if sent is None:
            raise ReconcileUnknown("no Sent folder: cannot tell whether the message went out")
        if raw is None:
            return None
        if pending:
            raise ReconcileUnknown("the send was interrupted after it started: it may have gone out")
        return self.sent_result(out, raw, {"folder": sent})

    async def aclose(self) -> None:
        self._stop.set()
        async with self._lock:
            await asyncio.to_thread(self._drop, self._client)
            self._client = None
        await asyncio.to_thread(self._drop, self._idle_client)
        self._idle_client = None


def _changed(responses: Iterable[Any]) -> bool:
    return any(isinstance(r, tuple) and len(r) >= 2 and r[1] in _CHANGE for r in responses)


def _v1_flat(folders: dict[str, Any]) -> dict[str, list[str]]:
    """The flat map of a v1 cursor's per-folder ``msgs`` (string UIDs)."""
    out: dict[str, list[str]] = {}
    for f, fs in folders.items():
        if isinstance(fs, dict):
            for uid, entry in (fs.get("msgs") or {}).items():
                out[_key(str(f), int(uid))] = entry
    return out


def _chunks(seq: list[int], n: int) -> Iterable[list[int]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


OPTIONS: dict[str, Opt] = {
    "host": Opt("str", "the IMAP server", required=True),
    "port": Opt("int", "default 993 with tls = \"ssl\", else 143", min=1),
    "tls": Opt("str", "ssl (implicit TLS, default) | starttls | none", choices=("ssl", "starttls", "none")),
    "user": Opt("str", "the login (secret: password)"),
    "folders": Opt("strs", "folders to read (default [\"INBOX\"])"),
    "sent_folder": Opt("str", "the Sent folder (default: the one marked \\Sent)"),
    "sync_sent": Opt("bool", "also read Sent (default true)"),
    "server_saves_sent": Opt("bool", "the server files submitted mail in Sent itself (Gmail)"),
    "condstore": Opt("bool", "use CONDSTORE when the server has it (default true)"),
    "flag_diff_every": Opt("int", "rounds between full flag comparisons (default 10)", min=1),
    "idle_renew": Opt("float", "seconds before an IDLE is renewed (default 540)", min=1),
    "timeout": Opt("float", "socket timeout in seconds (default 60)", min=0),
    "batch": Opt("int", "messages fetched per batch", min=1),
    **SEND_OPTIONS,
    **THREAD_OPTIONS,
}
"""The options of a ``kind = "imap"`` account."""


REPLY_LIMIT = ReplyLimit()
"""No limit a reply would reach."""


def build(ctx: SourceContext) -> Connector:
    """The factory named in ``connectors.registry``."""
    conn: Connector = ImapConnector(ctx)
    return conn


def preflight(ctx: SourceContext) -> list[str]:
    """What this account still lacks (``inscope doctor``): see :mod:`connectors.email.preflight`."""
    # Imported here, not at the top: that module imports this one's neighbours.
    from .preflight import problems

    return problems(ctx)
