"""The sync engine: runs connectors, applies batches, drains the outbox.

Invariants are numbered as in docs/architecture.md, Invariants:

- Each batch is applied with its cursor in one transaction (invariant 3).
- Triage waits for the end of an account's round, so a thread in many batches of a
  backfill is assessed once (``Store.triage_pending``); the batches mark their threads
  in their own transactions, and what a crash leaves marked is triaged at the next start.
- One failing source never stops the others (invariant 4): every failure is an
  account status with a backoff, never a traceback.
- The outbox is drained in order; a ``sending`` row left by a crash is
  reconciled against the remote before anything is sent again (invariant 2).
- A source that keeps read receipts (``MarksRead``) is told which threads the user
  opened or closed, after each successful fetch of that account (``inscope.readmarks``).
- The clock's work runs with the outbox: a reply held until a send time is promoted to
  the queue once the clock has passed it (never before; a crash after the promotion is a
  queued row, a crash mid-send a ``sending`` row — both covered above), and snoozes and
  follow-ups whose time came wake.
- What deserves a notification is reported, not shown: urgent threads a client just wrote
  in and follow-ups back unanswered (``SyncReport.alerts``, see ``inscope.alerts``).

Why one module of this size: the engine's loops (per account, the outbox, the clock)
share one lock and one report, and the reconcile rules of invariant 2 read best beside the
send they protect; the store side is in ``inscope.store``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, assert_never

from connectors.base import (
    Batch,
    ChatMigrated,
    Connector,
    ConversationsJoined,
    LongPoll,
    MarksRead,
    MaybeSentError,
    Outgoing,
    PermanentSendError,
    PushWait,
    ReconcileUnknown,
    SourceError,
    SourceEvent,
    redact,
)
from inscope import attachments, lease
from inscope.alerts import Alert, followup_alert, new_urgent, remember
from inscope.attachments import AttachmentRef
from inscope.i18n import _, ngettext
from inscope.model import Priority
from inscope.store import OutboxRow, ProjectFn, RoleFn, RoleInFn, Store, StoreError, TriageFn
from inscope.sync_gc import fewer_collections

log = logging.getLogger("inscope.sync")

MAX_PAGES_PER_ROUND = 200  # a huge backfill yields to the outbox and the UI between rounds
WARM_AFTER = 0.05  # a fetch slower than this is worth overlapping with Hooks.warm
MAX_SEND_ATTEMPTS = 8
MAX_PARALLEL_SENDS = 8  # destinations sent to at once


@dataclass(slots=True)
class SourceStatus:
    """Health of one account, shown in the status line and by ``inscope doctor``."""

    account: str
    kind: str
    state: str = "idle"  # idle | syncing | ok | error | backoff | disabled
    message: str = ""
    next_try: float = 0.0
    failures: int = 0
    last_ok: float | None = None
    items: int = 0


@dataclass(frozen=True, slots=True)
class BrokenAccount:
    """An account that could not be built: its name, kind and why (naming file and key)."""

    name: str
    kind: str
    message: str


@dataclass(slots=True)
class SyncReport:
    """What one round did."""

    inserted: int = 0
    updated: int = 0
    threads: set[int] = field(default_factory=set)
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    retriaged: int = 0  # threads re-triaged because the rules changed (any row may differ)
    promoted: int = 0  # held replies whose send time came (now queued)
    woken: list[int] = field(default_factory=list)  # snoozes and follow-ups that ended
    alerts: list[Alert] = field(default_factory=list)  # urgent arrivals, follow-ups back

    @property
    def changed(self) -> bool:
        # A failed reply changes its thread too (back in the Inbox, "not delivered").
        return bool(self.inserted or self.updated or self.threads or self.sent or self.retriaged
                    or self.failed or self.woken or self.promoted)


@dataclass(slots=True)
class Hooks:
    """How the core maps and triages what connectors return (rules live in triage.py)."""

    project_of: ProjectFn
    role_of: RoleFn
    triage: Callable[[], TriageFn | None]  # a fresh TriageFn bound to "now"
    role_in: RoleInFn | None = None  # role given the thread's project (preferred when set)
    # A source renamed a chat (Telegram group → supergroup): keep the project mapping.
    on_migrate: Callable[[str, str, str], str | None] = lambda account, old, new: None
    # A fingerprint of the rules (the config's triage-relevant parts): when it differs from
    # the one the database was triaged with, every thread is re-triaged before the first round.
    rules_version: str = ""
    alerts: bool = True  # look for urgent arrivals and follow-ups back (``[notify] enabled``)
    # What the first assessment needs (lexicons, dictionary), done while a slow first fetch
    # runs in its thread — a backfill's parse — instead of after it.
    warm: Callable[[], None] | None = None


def _backoff(failures: int, hint: float | None) -> float:
    base = min(600.0, 5.0 * float(2 ** min(failures, 7)))
    return max(base, float(hint or 0.0))


class SyncEngine:
    """Owns the connectors for one store connection (one thread, one event loop)."""

    def __init__(self, store: Store, connectors: Mapping[str, Connector], hooks: Hooks,
                 clock: Callable[[], float] = time.time, *, broken: Iterable[BrokenAccount] = ()):
        self.store = store
        self.connectors = dict(connectors)
        self.hooks = hooks
        self.clock = clock
        self.status: dict[str, SourceStatus] = {}
        for name, conn in self.connectors.items():
            store.ensure_account(name, conn.kind)
            self.status[name] = SourceStatus(name, conn.kind)
        # Accounts that could not even be built: shown as disabled with the reason (which
        # names the config key), while every other account syncs (invariant 4).
        self.broken = {b.name: b for b in broken}
        for b in self.broken.values():
            store.ensure_account(b.name, b.kind)
            store.set_account_status(b.name, "disabled", b.message, disabled=True)
            self.status[b.name] = SourceStatus(b.name, b.kind, "disabled", b.message)
        self._reconciled = False
        self._send_lock = asyncio.Lock()
        self._parallel = asyncio.Semaphore(MAX_PARALLEL_SENDS)
        self._in_flight: set[int] = set()
        self.owner = lease.me()  # this process, as the lease holder of the rows it sends
        self._read_seen: dict[str, int] = {}  # account → the last event id read marks covered
        self._alerted: dict[int, float] | None = None  # thread → client message time alerted
        self._warmed = False  # Hooks.warm ran (see _fetch)

    # -- receiving --------------------------------------------------------------------

    async def sync_account(self, name: str, report: SyncReport) -> None:
        conn = self.connectors[name]
        st = self.status[name]
        if st.state == "disabled" or st.next_try > self.clock():
            return
        self.store.heal_if_needed()  # someone deleted the -wal/-shm under this process?
        st.state = "syncing"
        if self.hooks.alerts:
            self._seen()  # before anything new is stored, so what arrives now is new
        arrived: set[int] = set()  # threads with new messages this round
        failure: SourceError | None = None
        try:
            for _ in range(MAX_PAGES_PER_ROUND):
                batch = await self._fetch(conn, self.store.cursor(name))
                # Events first: a re-key makes this batch's items (under the new chat id)
                # join the old thread.
                joins: list[tuple[str, str]] = []
                for event in batch.events:
                    self._apply_event(name, event, report, joins)
                report.notes.extend(f"{name}: {note}" for note in batch.notes)
                # Triage waits for the end of the round: a thread in many of its batches
                # is assessed once (the marks are crash safe: inscope.store.untriaged).
                res = self.store.apply_batch(
                    name, batch.items, batch.cursor, project_of=self.hooks.project_of,
                    role_of=self.hooks.role_of, role_in=self.hooks.role_in,
                    triage_later=self.hooks.triage() is not None, joins=joins,
                )
                report.inserted += res.inserted
                report.updated += res.updated
                report.threads |= res.threads
                st.items += res.inserted
                if res.inserted:
                    arrived |= res.threads
                if not batch.more:
                    break
        except SourceError as e:
            failure = e
        except Exception as e:  # a connector bug must not stop the other sources
            log.exception("sync of %s failed", name)
            failure = SourceError(f"{type(e).__name__}: {redact(str(e))}")
        try:
            # Also after a failure: what the round did store is triaged now, not next round.
            self.triage_pending(name)
            if arrived:
                report.alerts.extend(self._urgent_arrivals(arrived))
        except Exception as e:  # a store refusal (locked, disk full) is the account's status
            log.exception("triage after the sync of %s failed", name)
            failure = failure or SourceError(f"{type(e).__name__}: {redact(str(e))}")
        if failure is not None:
            self._fail(st, failure, report)
        else:
            st.state, st.message, st.failures, st.last_ok = "ok", "", 0, self.clock()
            self.store.set_account_status(name, "ok", disabled=False)
            if isinstance(conn, MarksRead):
                await self._send_read_marks(name, conn, report)

    def triage_pending(self, account: str | None = None) -> int:
        """Assess the threads whose triage waits (of ``account``, or all): the end of an
        account's round, and at the start what a crash or a failed round left."""
        triage = self.hooks.triage()
        return 0 if triage is None else self.store.triage_pending(triage, account, warm=self.hooks.warm)

    def _triage_leftovers(self) -> None:
        """At the start: triage what a crash left marked.  A refusal (the database locked by
        another program) does not stop the start: each account's round ends with the same
        triage, and a failure there is the account's visible status."""
        try:
            self.triage_pending()
        except StoreError as e:
            log.warning("triage of the threads left from the last run failed: %s", e)

    async def _fetch(self, conn: Connector, cursor: str | None) -> Batch:
        """``conn.fetch(cursor)``; the first fetch still running after WARM_AFTER seconds has
        the rules warmed meanwhile (``Hooks.warm``, once per engine)."""
        warm = self.hooks.warm
        if warm is None or self._warmed:
            return await conn.fetch(cursor)
        task = asyncio.ensure_future(conn.fetch(cursor))
        try:
            done, _ = await asyncio.wait({task}, timeout=WARM_AFTER)
            if not done:
                self._warmed = True
                try:
                    warm()
                except Exception:  # warming is an optimisation: the assessment does it anyway
                    log.debug("warming the rules failed", exc_info=True)
            return await task
        except BaseException:
            task.cancel()
            raise

    async def _send_read_marks(self, name: str, conn: MarksRead, report: SyncReport) -> None:
        """Tell the source which threads the user opened or closed since the last look."""
        from inscope import readmarks

        if conn.mark_read_on not in readmarks.KINDS or conn.mark_read_on == "never":
            return
        marks, top = readmarks.pending(self.store, name, conn.mark_read_on,
                                       self._read_seen.get(name), self.clock())
        for m in marks:
            try:
                await conn.mark_read(m.conversation, m.up_to)
            except Exception as e:  # a read mark never fails the account
                # Not moved on: the same marks are tried after the next fetch.
                report.notes.append(_("{account}: not marked read yet ({error})").format(
                    account=name, error=redact(str(e))))
                return
        self._read_seen[name] = top

    # -- what deserves a notification -----------------------------------------------------

    def _seen(self) -> dict[int, float]:
        """Urgent threads already alerted (seeded on first use with what is urgent now, so a
        start never alerts the backlog)."""
        if self._alerted is None:
            index = self.store.view_index("inbox", max_priority=int(Priority.URGENT))
            rows = self.store.threads_by_id([t for t, _, _ in index])
            self._alerted = {r.id: r.last_client_at for r in rows.values() if r.last_client_at}
        return self._alerted

    def _urgent_arrivals(self, threads: Iterable[int]) -> list[Alert]:
        """Urgent threads of the Inbox among ``threads`` with a client message not alerted."""
        if not self.hooks.alerts:
            return []
        seen = self._seen()
        ids = list(threads)
        index = self.store.view_index("inbox", thread_ids=ids, max_priority=int(Priority.URGENT))
        rows = self.store.threads_by_id([t for t, _, _ in index])
        alerts = new_urgent((rows[t] for t, _, _ in index if t in rows), seen)
        remember(seen, alerts)
        return alerts

    def clock_work(self, report: SyncReport) -> None:
        """Held replies whose time came join the queue; snoozes and follow-ups that are due
        wake (a follow-up back unanswered is an alert)."""
        now = self.clock()
        report.promoted += len(self.store.outbox_promote(now))
        wake = self.store.wake(now)
        if wake.woken:
            report.woken.extend(wake.woken)
            report.threads |= set(wake.woken)
        if wake.returned and self.hooks.alerts:
            rows = self.store.threads_by_id(wake.returned)
            report.alerts.extend(followup_alert(rows[t], now) for t in wake.returned if t in rows)

    def _apply_event(self, account: str, event: SourceEvent, report: SyncReport,
                     joins: list[tuple[str, str]]) -> None:
        """Act on one structural change a source reported, and say so in the report.

        Conversation joins are collected into ``joins``: the store merges them in the
        batch's own transaction, so a crash leaves neither half done."""
        match event:
            case ChatMigrated(old=old, new=new):
                moved = self.store.rekey_conversation(account, old, new)
                mapped = self.hooks.on_migrate(account, old, new)
                kept = ngettext("{n} threads kept", "{n} threads kept", moved).format(n=moved)
                if mapped:
                    kept = _("{kept}, mapped to {project}").format(kept=kept, project=mapped)
                report.notes.append(_("{account}: chat {old} became {new} ({kept})").format(
                    account=account, old=old, new=new, kept=kept))
            case ConversationsJoined(absorbed=absorbed, into=into):
                joins.append((absorbed, into))
                report.notes.append(_("{account}: conversation {absorbed} joined {into} (its parent "
                                      "arrived later)").format(account=account, absorbed=absorbed,
                                                               into=into))
            case _:
                assert_never(event)

    def _fail(self, st: SourceStatus, e: SourceError, report: SyncReport) -> None:
        msg = redact(str(e))
        st.failures += 1
        if e.fatal:
            st.state, st.message = "disabled", msg
            self.store.set_account_status(st.account, "disabled", msg, disabled=True)
        else:
            wait = _backoff(st.failures - 1, e.retry_after)
            st.state, st.message, st.next_try = "backoff", msg, self.clock() + wait
            self.store.set_account_status(st.account, "error", f"{msg} (retry in {int(wait)} s)")
        report.errors[st.account] = msg
        log.warning("source %s: %s", st.account, msg)

    def retriage_if_rules_changed(self, report: SyncReport) -> None:
        """The config's rules changed since the database was last triaged: re-triage all."""
        version = self.hooks.rules_version
        if not version or self.store.meta("rules") == version:
            return
        triage = self.hooks.triage()
        if triage is None:
            return
        n = self.store.retriage(triage, warm=self.hooks.warm)
        self.store.set_meta("rules", version)
        report.retriaged += n
        if n:
            report.notes.append(ngettext("the rules changed: {n} thread re-triaged",
                                         "the rules changed: {n} threads re-triaged", n).format(n=n))

    async def sync_all(self) -> SyncReport:
        """One round over every account, then the outbox.  Never raises for a source failure."""
        with fewer_collections():  # a backfill's garbage is freed by refcounts (inscope.sync_gc)
            return await self._sync_all()

    async def _sync_all(self) -> SyncReport:
        report = SyncReport()
        self.retriage_if_rules_changed(report)
        self._triage_leftovers()
        report.errors.update({b.name: b.message for b in self.broken.values()})
        if not self._reconciled:
            await self.reconcile_pending(report)
            self._reconciled = True
        # Concurrently: a Telegram long poll must not hold up Trello or IMAP.  Store
        # writes stay serial because they run synchronously on this one event loop.
        await asyncio.gather(*(self.sync_account(name, report) for name in self.connectors))
        await self.drain_outbox(report)
        return report

    # -- sending ------------------------------------------------------------------------

    def _outgoing(self, row: OutboxRow) -> Outgoing:
        from datetime import UTC, datetime

        def keep(progress: dict[str, Any]) -> None:
            # Each delivered part is recorded before the next goes out (durable resume).
            self.store.outbox_progress(row.id, progress)

        return Outgoing(
            key=row.key, account=row.account, conversation=row.conversation, text=row.text,
            reply_to=row.reply_to, subject=row.subject, target=row.target,
            created_at=datetime.fromtimestamp(row.created_at, UTC), progress=dict(row.progress),
            on_progress=keep,
        )

    def _orphaned(self, row: OutboxRow) -> bool:
        """A ``sending`` row nobody is sending any more: this engine is not, and its lease
        holder (another inscope process) is gone — only then may it be reconciled."""
        if row.id in self._in_flight:
            return False
        if row.lease_owner == self.owner:
            return True  # ours, and not in flight: a send that ended in MaybeSentError
        return not lease.alive(row.lease_owner, row.lease_at, self.clock())

    async def reconcile_pending(self, report: SyncReport) -> None:
        """Rows left in ``sending`` by a crash: ask the remote whether they arrived.

        A row that another live process is sending right now is left alone (its lease);
        reconciling it would find nothing yet and post the reply a second time.
        """
        for row in self.store.outbox(("sending",)):
            if not self._orphaned(row):
                continue
            await self._reconcile(row, report)

    async def _reconcile(self, row: OutboxRow, report: SyncReport) -> str:
        """Reconcile one row: ``"sent"``, ``"queued"`` (certainly not delivered),
        ``"unknown"`` (cannot be told) or ``"later"`` (the remote could not be asked)."""
        conn = self.connectors.get(row.account)
        if conn is None:
            return "later"
        try:
            found = await conn.reconcile(self._outgoing(row))
        except ReconcileUnknown:
            if row.state == "sending":
                self.store.outbox_move(row.id, "unknown", error="delivery cannot be verified: resend?")
                report.unknown += 1
            return "unknown"
        except SourceError as e:
            # Cannot ask now; leave it as it is and try again next round.
            self._reconciled = False
            report.errors[row.account] = redact(str(e))
            return "later"
        if found is not None:
            self._record_sent(row, found.remote_id, found.item, report)
            return "sent"
        self.store.outbox_move(row.id, "queued", error="not delivered before a crash; resending")
        return "queued"

    async def reconcile_row(self, oid: int) -> str:
        """Ask the remote about one ``unknown`` (or orphaned ``sending``) row before anyone
        resends it: ``"sent"``, ``"queued"``, ``"unknown"`` or ``"later"``."""
        row = self.store.outbox_row(oid)
        if row.state not in ("unknown", "sending") or (row.state == "sending" and not self._orphaned(row)):
            return row.state
        return await self._reconcile(row, SyncReport())

    def _record_sent(self, row: OutboxRow, remote_id: str, item: Any, report: SyncReport) -> None:
        try:
            self.store.record_sent(row.id, remote_id, item, project_of=self.hooks.project_of,
                                   role_of=self.hooks.role_of, role_in=self.hooks.role_in,
                                   triage=self.hooks.triage())
        except StoreError as e:
            # Someone moved the row meanwhile (cancelled by hand?): say so, keep draining.
            log.warning("outbox row %s: %s", row.id, e)
            report.errors["outbox"] = f"reply #{row.id} was delivered, but {e}"
            return
        report.sent += 1

    async def drain_outbox(self, report: SyncReport) -> None:
        """Send every due queued row: one sender per destination, destinations at once.

        A hung Trello, a paced multi-part Telegram reply or a slow SMTP server holds up
        only its own destination.  Rows are claimed with a lease (``outbox_claim``), so
        another engine — in this process or another — never picks the same row.
        """
        async with self._send_lock:
            self.clock_work(report)
            rows = self.store.outbox(("queued",), due_only=True)
            if not rows:
                return
            lanes: dict[tuple[str, str], list[OutboxRow]] = {}
            for row in rows:
                dest = row.target.get("chat_id") or row.target.get("email") or row.conversation
                lanes.setdefault((row.account, dest), []).append(row)
            renewer = asyncio.ensure_future(self._renew_leases())
            try:
                await asyncio.gather(*(self._send_lane(lane, report) for lane in lanes.values()))
            finally:
                renewer.cancel()
                await asyncio.gather(renewer, return_exceptions=True)

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(lease.LEASE_RENEW)
            self.store.outbox_renew(self.owner)

    async def _send_lane(self, lane: list[OutboxRow], report: SyncReport) -> None:
        for row in lane:  # in order within one destination
            async with self._parallel:
                await self._send_one(row, report)

    async def _send_one(self, row: OutboxRow, report: SyncReport) -> None:
        conn = self.connectors.get(row.account)
        st = self.status.get(row.account)
        if conn is None or (st is not None and st.state == "disabled"):
            return
        if not self.store.outbox_claim(row.id, self.owner):
            return  # another sender took it (or it was cancelled) since it was listed
        self._in_flight.add(row.id)
        try:
            res = await conn.send(self._outgoing(row))
        except PermanentSendError as e:
            tid = self.store.outbox_fail(row.id, redact(str(e)))
            report.failed += 1
            if tid is not None:
                report.threads.add(tid)
            return
        except MaybeSentError as e:
            # Left in `sending`: the next round reconciles it before anything is re-sent.
            self._reconciled = False
            report.errors[row.account] = redact(str(e))
            return
        except SourceError as e:
            msg = redact(str(e))
            if row.attempts + 1 >= MAX_SEND_ATTEMPTS:
                tid = self.store.outbox_fail(row.id, msg)
                report.failed += 1
                if tid is not None:
                    report.threads.add(tid)
            else:
                self.store.outbox_move(row.id, "queued", error=msg,
                                       retry_in=_backoff(row.attempts, e.retry_after))
            report.errors[row.account] = msg
            return
        except Exception as e:
            # Unknown failure mid-send: we cannot tell whether it went out.
            log.exception("send of outbox row %s failed", row.id)
            self.store.outbox_move(row.id, "unknown", error=f"{type(e).__name__}: {redact(str(e))}")
            report.unknown += 1
            return
        finally:
            self._in_flight.discard(row.id)
        self._record_sent(row, res.remote_id, res.item, report)

    async def download(self, ref: AttachmentRef, directory: Path) -> Path:
        """Save one attachment, read from its source now (``SourceError`` says why not)."""
        conn = self.connectors.get(ref.account)
        if conn is None:
            raise SourceError(f"account {ref.account!r} is not configured or not enabled")
        return await attachments.fetch(conn, ref, directory)

    async def aclose(self) -> None:
        for conn in self.connectors.values():
            try:
                await conn.aclose()
            except Exception:  # closing is best effort
                log.debug("closing %s failed", conn.account, exc_info=True)

    async def run_forever(self, on_round: Callable[[SyncReport], None], *, interval: float = 30.0,
                          stop: asyncio.Event | None = None, wake: asyncio.Event | None = None) -> None:
        """Keep every source in sync until ``stop`` is set; ``wake`` means "sync now".

        Each account runs its own loop, so a Telegram long poll never holds up Trello or
        IMAP, and an IMAP IDLE wake-up is acted on at once.  The outbox has a loop of its
        own (replies go out within seconds of being queued, whatever the sources do);
        sends are serialized by a lock so no row is ever picked twice.
        """
        stop = stop or asyncio.Event()
        wake = wake or asyncio.Event()
        kick = asyncio.Condition()
        first = SyncReport()
        first.errors.update({b.name: b.message for b in self.broken.values()})
        self.retriage_if_rules_changed(first)
        self._triage_leftovers()
        await self.reconcile_pending(first)
        self._reconciled = True
        on_round(first)

        async def waker() -> None:
            while not stop.is_set():
                await wake.wait()
                wake.clear()
                async with kick:
                    kick.notify_all()

        # A push wait (IMAP IDLE) runs in a thread that cannot be cancelled: it is kept and
        # reused until it ends, so two never run at once on the same connection.
        pushes: dict[str, asyncio.Future[Any]] = {}

        async def pause(seconds: float, conn: Connector | None = None) -> None:
            async def kicked() -> None:
                async with kick:
                    await kick.wait()

            waits = [asyncio.ensure_future(kicked()), asyncio.ensure_future(stop.wait())]
            push: asyncio.Future[Any] | None = None
            if isinstance(conn, PushWait):
                push = pushes.get(conn.account)
                if push is None or push.done():
                    push = pushes[conn.account] = asyncio.ensure_future(conn.wait(seconds))
            try:
                await asyncio.wait([*waits, *([push] if push else [])], timeout=max(0.0, seconds),
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()
                await asyncio.gather(*waits, return_exceptions=True)
                if push is not None and push.done() and not push.cancelled() and push.exception():
                    log.debug("push wait of %s failed: %s", conn.account if conn else "?",
                              redact(str(push.exception())))

        async def account_loop(name: str) -> None:
            conn = self.connectors[name]
            while not stop.is_set():
                rep = SyncReport()
                await self.sync_account(name, rep)
                if rep.changed or rep.errors or rep.notes:
                    on_round(rep)
                st = self.status[name]
                if st.state == "disabled":
                    await pause(3600.0)
                elif st.state == "backoff":
                    await pause(st.next_try - self.clock())
                elif isinstance(conn, LongPoll) and conn.poll_timeout > 0:
                    continue  # a long poll is its own wait
                else:
                    await pause(interval, conn)

        async def outbox_loop() -> None:
            while not stop.is_set():
                self.store.heal_if_needed()
                rep = SyncReport()
                if not self._reconciled:
                    await self.reconcile_pending(rep)
                    self._reconciled = True
                await self.drain_outbox(rep)
                if rep.changed or rep.failed or rep.unknown or rep.errors or rep.alerts:
                    on_round(rep)
                # Wake for the next held reply on time (it is promoted at its send time).
                wait = min(interval, 5.0)
                due = self.store.next_send_at()
                if due is not None:
                    wait = max(0.05, min(wait, due - self.clock() + 0.01))
                await pause(wait)

        async def supervised(name: str, body: Callable[[], Awaitable[None]]) -> None:
            # A loop that dies (a bug, a store refusal) is reported and restarted: the outbox
            # must never stop quietly while the sources go on syncing.
            failures = 0
            while not stop.is_set():
                try:
                    await body()
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    failures += 1
                    log.exception("sync loop %s died", name)
                    on_round(SyncReport(errors={name: f"the {name} loop stopped ({type(e).__name__}: "
                                                      f"{redact(str(e))}); restarted"}))
                    await pause(min(60.0, 2.0 ** failures))

        tasks = [asyncio.ensure_future(waker()),
                 asyncio.ensure_future(supervised("outbox", outbox_loop))]
        tasks += [asyncio.ensure_future(supervised(n, partial(account_loop, n))) for n in self.connectors]
        try:
            await stop.wait()
        finally:
            for t in (*tasks, *pushes.values()):
                t.cancel()
            await asyncio.gather(*tasks, *pushes.values(), return_exceptions=True)

