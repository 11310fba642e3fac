"""The SQLite store: ``Store`` is the facade every caller uses; the modules below hold the work.

One file on disk, WAL mode, FTS5 over message text.  Every connection is owned
by one thread (the UI thread, a worker, the sync thread); WAL lets readers go on
while a writer commits, so a UI read never waits on a sync write — invariant 7
(docs/architecture.md, Invariants).

What lives where (each module's functions take the connection; ``Store``
decides the transactions and owns the per-connection thread cache):

- ``schema``    opening the file (0600, WAL, pragmas), the DDL, forward migrations
- ``ingest``    ``apply_batch``: items and the cursor in one transaction — invariant 3
  (docs/architecture.md, Invariants), thread lookup / adoption / refresh, rekeying
- ``views``     reads for the UI: view index, the first page, rows by id, counts, search, messages
- ``refresh``   a thread's summary and state after its messages, and its triage, in bulk
- ``untriaged`` the threads whose triage waits for the end of the sync round (crash safe)
- ``workers``   a backfill's triage on the other cores (the store still reads and writes)
- ``summary``   the thread counts kept by triggers (every count the UI shows), the Inbox order index
- ``outbox``    queueing (now or held until a send time), rows, guarded moves, promotion of
  due held rows, ``record_sent``; a reply is queued before the composer closes: invariant 1
  (docs/architecture.md, Invariants)
- ``actions``   done / reopen / snooze / follow-up / assign / priority / escalate / resolve,
  undo, drafts, timed wake-ups, a project's status
- ``states``    the thread and outbox state machines as pure functions, no SQL
- ``rows``      row → dataclass mapping by column name (``OutboxRow`` lives there)
- ``reports``   the report's queries, returning plain data (``inscope.report`` does the sums)
- ``decisions`` the user's decisions per thread, the training rows of the learned triage
- ``projects``, ``accounts``, ``events``, ``errors``: the project table, accounts and
  cursors, the event log and undo snapshots, ``StoreError``
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inscope.model import UNSORTED, MessageRow, Priority, ProjectInfo, ThreadRow
from inscope.store import (
    accounts,
    actions,
    decisions,
    events,
    ingest,
    outbox,
    reports,
    schema,
    untriaged,
    views,
    workers,
)
from inscope.store import projects as project_table
from inscope.store.actions import WakeUp
from inscope.store.decisions import Decision
from inscope.store.errors import DatabaseUnavailable, StoreError, explain
from inscope.store.ingest import ApplyResult, ProjectFn, RoleFn, RoleInFn, ThreadCache, TriageFn
from inscope.store.reports import ProjectActivity
from inscope.store.rows import OutboxRow
from inscope.store.schema import SCHEMA_VERSION
from inscope.store.states import PENDING
from inscope.store.views import FirstPage, InboxGate

if TYPE_CHECKING:
    import sqlite_utils

    from connectors.base import Item  # annotations only: the TUI's first frame loads no connector

__all__ = [
    "SCHEMA_VERSION", "UNSORTED", "ApplyResult", "DatabaseUnavailable", "Decision", "FirstPage",
    "InboxGate", "OutboxRow", "ProjectActivity", "ProjectFn", "RoleFn", "RoleInFn", "Store",
    "StoreError", "TriageFn", "WakeUp", "explain",
]


TRIAGE_CHUNK = 2000
"""Threads ``Store.triage_pending`` assesses per transaction (about half a second)."""



class Store:
    """A connection to the inscope database.  Not thread-safe: one per thread."""

    UNDOABLE = events.UNDOABLE

    def __init__(self, path: Path, *, readonly: bool = False):
        self.path = path
        self.conn = schema.connect(path)
        self._db: sqlite_utils.Database | None = None
        # Threads are only re-keyed, never deleted otherwise: rekey_conversation and a
        # rolled-back transaction clear this, assign_project drops its entry.
        self._thread_cache: ThreadCache = {}
        try:
            if not readonly:
                self.migrate()
            schema.protect_side_files(path)
        except sqlite3.Error as e:
            self.conn.close()
            raise explain(e, path) from e
        self._side = schema.side_files(path)

    def heal_if_needed(self) -> bool:
        """Repair after someone deleted or replaced the ``-wal``/``-shm`` files under us.

        This connection still holds the deleted WAL, with committed transactions that no
        other process can see (they would find an empty or "damaged" database).  Checkpoint
        them into the main file through the old handles, then reopen, so the next process
        sees everything.  Cheap when nothing happened (two ``stat`` calls); long-lived
        connections (the TUI's, the sync engine's) call it on every round.
        """
        now = schema.side_files(self.path)
        if now == self._side or self._side[0] is None:
            self._side = now
            return False
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()
        self.conn = schema.connect(self.path)
        self._db = None
        self._thread_cache.clear()
        schema.protect_side_files(self.path)
        self._side = schema.side_files(self.path)
        return True

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection (schema work); imported on first use because
        only a migration needs it and it costs start-up time."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def schema_version(self) -> int:
        """The file's schema version."""
        return schema.version(self.conn)

    def meta(self, key: str) -> str | None:
        """A small fact stored with the database (``None`` when unset)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a small fact with the database."""
        self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def integrity(self) -> list[str]:
        """What ``PRAGMA integrity_check`` and the FTS check find wrong (``[]``: healthy)."""
        return schema.integrity(self.conn)

    def migrate(self) -> None:
        """Apply forward migrations; each runs in its own transaction with the version bump."""
        for version in schema.pending(self.schema_version(), self.path):
            with self.tx():
                schema.migrate_to(self.db, version)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE so writers queue instead of failing)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            # SQLite has already rolled back after some errors (SQLITE_FULL, an I/O error):
            # a second ROLLBACK would fail and hide the error that matters.
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            self._thread_cache.clear()  # it may name threads the rollback removed
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error:
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                self._thread_cache.clear()
                raise

    # -- projects and accounts -------------------------------------------------------

    def sync_projects(self, projects: Iterable[tuple[str, str]]) -> None:
        """Make the project table match config (name, status) in config order.

        A status set by hand (palette/CLI) sticks until the config's own status
        for that project changes.
        """
        with self.tx() as c:
            project_table.sync(c, projects)

    def project_id(self, name: str) -> int:
        """The id of project ``name``; ``StoreError`` if there is none."""
        return project_table.project_id(self.conn, name)

    def projects(self) -> list[ProjectInfo]:
        """Projects in display order with open / held / noise counts."""
        return views.projects(self.conn)

    def set_project_status(self, name: str, status: str) -> list[int]:
        """Set a project's status by hand; returns the threads whose visibility changes."""
        actions.check_project_status(status)
        pid = self.project_id(name)
        with self.tx() as c:
            return actions.set_project_status(c, pid, name, status)

    def ensure_account(self, name: str, kind: str) -> None:
        """Register an account (or update its kind)."""
        accounts.ensure(self.conn, name, kind)

    def set_account_status(self, name: str, status: str, error: str = "", *, disabled: bool | None = None) -> None:
        """Record a source's health (``ok`` / ``error`` / ``disabled`` …) for the status line."""
        accounts.set_status(self.conn, name, status, error, disabled)

    def accounts(self) -> list[dict[str, Any]]:
        """Every account: name, kind, status, last_error, last_sync_at, disabled."""
        return accounts.listing(self.conn)

    # -- cursors and ingest ------------------------------------------------------------

    def cursor(self, account: str) -> str | None:
        """The cursor last committed for ``account``."""
        return accounts.cursor(self.conn, account)

    def apply_batch(
        self,
        account: str,
        items: Sequence[Item],
        cursor: str | None,
        *,
        project_of: ProjectFn,
        role_of: RoleFn,
        role_in: RoleInFn | None = None,
        triage: TriageFn | None = None,
        move_cursor: bool = True,
        joins: Sequence[tuple[str, str]] = (),
        triage_later: bool = False,
    ) -> ApplyResult:
        """Store ``items`` and move ``account``'s cursor to ``cursor`` in ONE transaction.

        Re-applying the same items is a no-op except for changed text (an edit)
        or a deletion, which update the stored message.  ``joins`` are
        ``(absorbed, into)`` conversations to merge first, in the same transaction
        (``ingest.join_conversations``): the batch's items already use ``into``.
        ``triage_later``: the touched threads get their count, newest message and state
        now and are marked untriaged in this transaction; :meth:`triage_pending` assesses
        them (the sync engine: once per thread, at the end of the account's round).
        """
        if not items and not joins and move_cursor and self.cursor(account) == cursor:
            return ApplyResult(0, 0, set())  # nothing new: not even a transaction
        with self.tx() as c:
            if joins:
                self._thread_cache.clear()
                for absorbed, into in joins:
                    ingest.join_conversations(c, account, absorbed, into)
            return self._apply(c, account, items, cursor, project_of=project_of, role_of=role_of,
                               role_in=role_in, triage=triage, move_cursor=move_cursor,
                               triage_later=triage_later)

    def _apply(self, c: sqlite3.Connection, account: str, items: Sequence[Item], cursor: str | None, *,
               project_of: ProjectFn, role_of: RoleFn, role_in: RoleInFn | None,
               triage: TriageFn | None, move_cursor: bool, triage_later: bool = False) -> ApplyResult:
        # The body of apply_batch inside the caller's transaction; a method (not a bare call)
        # because record_sent goes through it too and the crash tests wrap it there.
        return ingest.apply(c, self._thread_cache, account, items, cursor, project_of=project_of,
                            role_of=role_of, role_in=role_in, triage=triage, move_cursor=move_cursor,
                            triage_later=triage_later)

    def untriaged(self, account: str | None = None) -> list[int]:
        """Threads whose triage waits (``apply_batch(triage_later=True)``), of ``account`` or all."""
        return untriaged.pending(self.conn, account)

    def triage_pending(self, triage: TriageFn, account: str | None = None, *,
                       warm: Callable[[], None] | None = None) -> int:
        """Assess the threads waiting for their triage (of ``account``, or all); returns how many.

        One transaction per ``TRIAGE_CHUNK`` threads, each storing its assessments and
        removing their marks together: a user's write waits for one chunk, never for a
        whole backfill's triage.  Nothing waiting: no transaction at all.  Many threads are
        assessed on the other cores (``workers``; forked after ``warm`` prepared the rules).
        """
        ids = untriaged.pending(self.conn, account)
        with workers.pool(triage, len(ids), warm) as pool:
            for i in range(0, len(ids), TRIAGE_CHUNK):
                with self.tx() as c:
                    ingest.triage_threads(c, ids[i:i + TRIAGE_CHUNK], triage, pool)
        return len(ids)

    def retriage(self, triage: TriageFn, thread_ids: Iterable[int] | None = None, *,
                 warm: Callable[[], None] | None = None) -> int:
        """Recompute triage for some threads (or all): config changed, a window boundary passed
        (many threads on the other cores, as in :meth:`triage_pending`)."""
        ids = list(thread_ids) if thread_ids is not None else [
            r[0] for r in self.conn.execute("SELECT id FROM threads")]
        with workers.pool(triage, len(ids), warm) as pool, self.tx() as c:
            return ingest.retriage(c, triage, ids, pool)

    def waiting_thread_ids(self) -> list[int]:
        """Threads whose triage depends on the clock: a client message waits for me.

        The SLA due time, "overdue" and "waited N reply windows" only exist while a
        client message is pending after my last one; a thread whose last message is
        mine, or without any client message, triages the same at any hour.  Re-triage
        at a window boundary therefore only needs these.
        """
        return views.waiting_thread_ids(self.conn)

    def rekey_conversation(self, account: str, old: str, new: str) -> int:
        """A source renamed a conversation (Telegram group → supergroup): keep history and project.

        Matches ``old`` exactly and as a prefix of ``old:topic`` keys.
        """
        self._thread_cache.clear()
        with self.tx() as c:
            return ingest.rekey_conversation(c, account, old, new)

    # -- reads for the UI ----------------------------------------------------------------

    def view_index(self, view: str, project_id: int | None = None, thread_ids: Sequence[int] | None = None,
                   *, max_priority: int | None = None) -> list[tuple[int, int, int]]:
        """Ordered (thread id, project id, priority) for a view, in one query.

        Order: project (config order), priority, newest client message first.
        ``thread_ids`` restricts the view (search results); ``max_priority`` keeps
        only threads at or above that priority (the Inbox outside a reply window,
        see ``InboxGate``).
        """
        return views.view_index(self.conn, view, project_id, thread_ids, max_priority)

    def first_page(self, view: str, project_id: int | None = None, *, max_priority: int | None = None,
                   limit: int = 100) -> FirstPage:
        """The first ``limit`` threads of a view, in its order, with every group's size.

        What the first screen needs before the full ``view_index`` is built: the counts come
        from the thread summary and the Inbox's rows from its order index, so the cost is
        O(limit + groups) at any inbox size (the other views read each group's range).
        """
        return views.first_page(self.conn, view, project_id, max_priority, limit)

    def threads_by_id(self, ids: Sequence[int]) -> dict[int, ThreadRow]:
        """Fetch rows for a page of ids (the visible window ± a page)."""
        return views.threads_by_id(self.conn, ids)

    def thread(self, tid: int) -> ThreadRow:
        """One thread's row; ``StoreError`` if there is none."""
        rows = self.threads_by_id([tid])
        if tid not in rows:
            raise StoreError(f"no thread {tid}")
        return rows[tid]

    def messages(self, tid: int, limit: int = 500) -> list[MessageRow]:
        """The conversation, oldest first (the newest ``limit``), with what each answers."""
        return views.messages(self.conn, tid, limit)

    def conversation_of(self, tid: int) -> tuple[str, str]:
        """(account, conversation key) of a thread."""
        return views.conversation_of(self.conn, tid)

    def cleared_since(self, since: float) -> int:
        """Threads replied to or marked done since ``since`` (not undone)."""
        return views.cleared_since(self.conn, since)

    def count_priority(self, view: str, priority: Priority) -> int:
        """Threads of ``view`` at ``priority``."""
        return views.count_priority(self.conn, view, priority)

    def held_counts(self) -> dict[str, int]:
        """Threads held back because their project is paused or unpaid, per status."""
        return views.held_counts(self.conn)

    def view_counts(self, max_priority: int | None = None) -> dict[str, int]:
        """Thread counts per view (sidebar), plus ``held_until_window`` and ``scheduled``.

        ``inbox`` counts every thread waiting for me; ``held_until_window`` how many
        of them the Inbox holds back right now (priority below ``max_priority``,
        see ``InboxGate``; 0 while a window is open); ``scheduled`` the replies held in
        the outbox for a later send time (the header shows them).
        """
        return views.view_counts(self.conn, max_priority)

    def search(self, query: str, limit: int = 2000) -> list[int]:
        """Thread ids whose messages match ``query`` (FTS5), best match first.

        The query is taken as words (each quoted), so user input cannot break
        FTS syntax; a trailing word is matched as a prefix.
        """
        return views.search(self.conn, query, limit)

    def report_data(self, since: float) -> list[ProjectActivity]:
        """Per project, in display order: what the time-per-client report counts since ``since``."""
        return reports.activity(self.conn, since)

    # -- outbox ----------------------------------------------------------------------------

    def queue_reply(self, tid: int, text: str, account: str | None = None, *,
                    send_at: float | None = None) -> int:
        """Put a reply in the outbox (before the composer closes) and mark the thread answered.

        ``send_at``: hold it as ``scheduled`` until then (the sync engine sends it once the
        clock has passed that time, never before).
        """
        if not text.strip():
            raise StoreError("an empty reply is not sent")
        with self.tx() as c:
            return outbox.queue_reply(c, tid, text, account, send_at)

    def outbox_promote(self, now: float) -> list[int]:
        """Held rows whose send time has passed by ``now`` become ``queued``; returns them.
        Nothing due: no transaction at all (the outbox loop asks every few seconds)."""
        due = outbox.next_send_at(self.conn)
        if due is None or due > now:
            return []
        with self.tx() as c:
            return outbox.promote_due(c, now)

    def next_send_at(self) -> float | None:
        """The earliest send time of a held (``scheduled``) row, if any."""
        return outbox.next_send_at(self.conn)

    def scheduled_count(self) -> int:
        """Replies held for a later send time (the header counts them)."""
        return outbox.scheduled_count(self.conn)

    def outbox_edit(self, oid: int, *, text: str | None = None, send_at: float | None = None,
                    release_at: float | None = None) -> None:
        """Change a held reply's text and/or send time, in one transaction; ``release_at``:
        send it now instead (queued, its send time that instant).  ``StoreError`` once the
        row is not held any more (its time came, it was sent or cancelled)."""
        if text is not None and not text.strip():
            raise StoreError("an empty reply is not sent")
        with self.tx() as c:
            outbox.edit(c, oid, text, send_at)
            if release_at is not None:
                outbox.release(c, oid, release_at)

    def outbox_withdraw(self, oid: int) -> int | None:
        """Cancel a held reply: its text back in the draft, its thread open again if it was
        what answered it.  Returns the thread."""
        with self.tx() as c:
            return outbox.withdraw(c, oid)

    def queue_outgoing(self, *, kind: str, account: str, conversation: str, text: str,
                       thread_id: int | None = None, reply_to: str | None = None,
                       subject: str = "", target: dict[str, str] | None = None,
                       c: sqlite3.Connection | None = None) -> int:
        """Queue any outgoing message (escalations use this) and return its outbox id."""
        return outbox.queue_outgoing(c or self.conn, kind=kind, account=account, conversation=conversation,
                                     text=text, thread_id=thread_id, reply_to=reply_to, subject=subject,
                                     target=target)

    def outbox(self, states: Sequence[str] = PENDING, due_only: bool = False) -> list[OutboxRow]:
        """Rows in ``states`` (default: not finished) by id; ``due_only``: past their back-off."""
        return outbox.listing(self.conn, states, due_only)

    def outbox_row(self, oid: int) -> OutboxRow:
        """One outbox row by id, in any state."""
        return outbox.row(self.conn, oid)

    def outbox_move(self, oid: int, state: str, *, error: str = "", remote_id: str | None = None,
                    retry_in: float = 0.0) -> None:
        """Move an outbox row; refuses moves the state machine does not allow.

        ``failed`` goes through :meth:`outbox_fail` (the thread must come back); giving a
        row up (``cancelled``) clears its thread's "not delivered" mark.
        """
        if state == "failed":
            self.outbox_fail(oid, error)
            return
        with self.tx() as c:
            outbox.move(c, oid, state, error=error, remote_id=remote_id, retry_in=retry_in)
            if state == "cancelled":
                outbox.clear_delivery_error(c, oid)

    def outbox_fail(self, oid: int, error: str) -> int | None:
        """The remote refused row ``oid`` for good: failed, and its thread back in the Inbox
        saying "reply not delivered: …".  Returns that thread (``None`` for a note to the AM)."""
        with self.tx() as c:
            return outbox.fail(c, oid, error)

    def outbox_to_draft(self, oid: int) -> None:
        """Give a failed reply up and make its text the thread's draft, in one transaction."""
        with self.tx() as c:
            row = outbox.row(c, oid)
            outbox.move(c, oid, "cancelled", error=row.last_error, remote_id=None, retry_in=0.0)
            outbox.clear_delivery_error(c, oid)
            if row.thread_id is not None:
                c.execute("INSERT OR REPLACE INTO drafts (thread_id, text, updated_at) VALUES (?, ?, ?)",
                          (row.thread_id, row.text, time.time()))

    def outbox_claim(self, oid: int, owner: str) -> bool:
        """Take a queued, due row for sending under ``owner``'s lease (False: someone else did)."""
        return outbox.claim(self.conn, oid, owner)

    def outbox_renew(self, owner: str) -> int:
        """Renew ``owner``'s leases on the rows it is sending."""
        return outbox.renew(self.conn, owner)

    def outbox_progress(self, oid: int, progress: dict[str, Any]) -> None:
        """Record the parts of a multi-part send already delivered."""
        outbox.save_progress(self.conn, oid, progress)

    def record_sent(self, oid: int, remote_id: str, item: Item | None, *, project_of: ProjectFn,
                    role_of: RoleFn, role_in: RoleInFn | None = None,
                    triage: TriageFn | None = None) -> None:
        """Mark a row sent and store our own message in its thread, in ONE transaction."""
        with self.tx() as c:
            outbox.record_sent(c, oid, remote_id, item, lambda it: self._apply(
                c, it.account, [it], None, project_of=project_of, role_of=role_of, role_in=role_in,
                triage=triage, move_cursor=False))

    # -- user actions (each an event; undo restores the snapshot) ------------------------

    def mark_done(self, tid: int) -> None:
        """Mark a thread done."""
        with self.tx() as c:
            actions.mark_done(c, tid)

    def reopen(self, tid: int) -> None:
        """Open a thread again."""
        with self.tx() as c:
            actions.reopen(c, tid)

    def snooze(self, tid: int, kind: str, until: float | None, reason: str) -> None:
        """Snooze: ``kind`` is until | window | client | project; the reason is always stored."""
        actions.check_snooze(kind, until)
        with self.tx() as c:
            actions.snooze(c, tid, kind, until, reason)

    def followup(self, tid: int, until: float, since: float, reason: str) -> None:
        """Wait on the client until ``until``: back with "no answer since ``since``" unless
        the client writes first (then their message opens the thread as usual)."""
        with self.tx() as c:
            actions.followup(c, tid, until, since, reason)

    def my_last_reply_at(self, tid: int) -> float | None:
        """When I last answered ``tid`` (a stored message of mine or a reply on its way)."""
        return actions.my_last_reply_at(self.conn, tid)

    def assign_project(self, tid: int, project: str) -> None:
        """Move a thread (typically from Unsorted) to ``project``; later messages of the same
        conversation follow it (the ``routes`` table is consulted before config routes)."""
        pid = self.project_id(project)
        with self.tx() as c:
            key = actions.assign_project(c, tid, pid)
            self._thread_cache.pop(key, None)  # no longer adoptable: set by hand

    def set_relevance(self, tid: int, relevance: str) -> None:
        """Mark a thread mine (``"mine"``) or not (``"noise"``) by hand: it sticks (new
        messages do not change it), undo takes it back, and it trains the learned triage."""
        actions.check_relevance(relevance)
        with self.tx() as c:
            actions.set_relevance(c, tid, relevance)

    def decisions(self, limit: int = 5000) -> list[Decision]:
        """The threads the user decided on (reply, done, escalate …), for learning."""
        return decisions.decisions(self.conn, limit)

    def set_priority(self, tid: int, priority: Priority) -> None:
        """Override a thread's priority until the next client message."""
        with self.tx() as c:
            actions.set_priority(c, tid, priority)

    def escalate(self, tid: int, *, to_name: str, channel: str, note: str, account: str,
                 conversation: str, text: str, target: dict[str, str]) -> int:
        """Escalate to the AM: the thread moves to Escalated and the note goes to the outbox."""
        with self.tx() as c:
            return actions.escalate(c, tid, to_name=to_name, channel=channel, note=note, account=account,
                                    conversation=conversation, text=text, target=target)

    def resolve_escalation(self, tid: int) -> None:
        """Resolve a thread's escalation by hand: it leaves Escalated and is open again."""
        with self.tx() as c:
            actions.resolve_escalation(c, tid)

    def escalations(self, tid: int) -> list[dict[str, Any]]:
        """A thread's escalations: to, channel, note, created_at, resolved_at, delivery."""
        return views.escalations(self.conn, tid)

    def undo(self) -> str | None:
        """Undo the last undoable action; returns what was undone (or None)."""
        with self.tx() as c:
            return actions.undo(c)

    def log_event(self, kind: str, tid: int | None, data: dict[str, Any]) -> None:
        """Append a non-undoable event (open, focus time …)."""
        with self.tx() as c:
            events.log(c, kind, tid, data)

    def save_draft(self, tid: int, text: str) -> None:
        """Keep the composer's text for a thread (blank text deletes the draft)."""
        actions.save_draft(self.conn, tid, text)

    def draft(self, tid: int) -> str:
        """A thread's saved draft ('' when none)."""
        return actions.draft(self.conn, tid)

    def wake_due(self, at: float | None = None) -> list[int]:
        """Wake threads whose timed snooze has passed; returns their ids."""
        return self.wake(at).woken

    def wake(self, at: float | None = None) -> WakeUp:
        """Wake threads whose timed snooze or follow-up has passed: every one woken, and the
        follow-ups that came back because the client stayed silent.  Nothing due: no
        transaction at all (the clock asks every few seconds)."""
        t = time.time() if at is None else at
        if not actions.any_due(self.conn, t):
            return WakeUp()
        with self.tx() as c:
            return actions.wake_due(c, t)
