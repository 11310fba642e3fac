"""The SQLite store: schema, forward migrations, ingest, queries, outbox, events.

One file on disk, WAL mode, FTS5 over message text.  Every connection is owned
by one thread (the UI thread, a worker, the sync thread); WAL lets readers go on
while a writer commits, so a UI read never waits on a sync write (invariant 7).

Invariants kept here:
- ``apply_batch`` stores items *and* moves the account's cursor in one
  transaction (invariant 3); inserts are idempotent on (account, external_id).
- A reply is an outbox row before anything else happens (invariant 1); outbox
  rows move queued → sending → sent | failed | unknown | cancelled.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import Item
from inscope.model import (
    PROJECT_STATUSES,
    Assessment,
    MessageRow,
    MsgFacts,
    Priority,
    ProjectInfo,
    ThreadRow,
)

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_VERSION = 3
UNSORTED = "Unsorted"


class StoreError(RuntimeError):
    """A store operation was refused (unknown thread, bad state transition …)."""


# --- schema ---------------------------------------------------------------------------

def _migration_1(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE projects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'active',
            status_since REAL,
            cfg_status TEXT,
            sort INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE accounts (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'ok',
            last_error TEXT NOT NULL DEFAULT '',
            last_sync_at REAL,
            disabled INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE cursors (
            account TEXT PRIMARY KEY,
            value TEXT,
            updated_at REAL NOT NULL
        );
        CREATE TABLE routes (
            account TEXT NOT NULL,
            conversation TEXT NOT NULL,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            PRIMARY KEY (account, conversation)
        );
        CREATE TABLE threads (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            source TEXT NOT NULL,
            conversation TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            project_id INTEGER NOT NULL REFERENCES projects(id),
            state TEXT NOT NULL DEFAULT 'open',
            snooze_until REAL,
            snooze_kind TEXT,
            snooze_reason TEXT NOT NULL DEFAULT '',
            priority INTEGER NOT NULL DEFAULT 2,
            priority_override INTEGER,
            reasons TEXT NOT NULL DEFAULT '[]',
            relevance TEXT NOT NULL DEFAULT 'mine',
            scope TEXT NOT NULL DEFAULT 'unknown',
            scope_reason TEXT NOT NULL DEFAULT '',
            due_at REAL,
            last_client_at REAL,
            last_at REAL NOT NULL DEFAULT 0,
            last_text TEXT NOT NULL DEFAULT '',
            last_author TEXT NOT NULL DEFAULT '',
            last_is_me INTEGER NOT NULL DEFAULT 0,
            members TEXT NOT NULL DEFAULT '[]',
            msg_count INTEGER NOT NULL DEFAULT 0,
            escalated_to TEXT NOT NULL DEFAULT '',
            UNIQUE (account, conversation)
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            thread_id INTEGER NOT NULL REFERENCES threads(id),
            account TEXT NOT NULL,
            external_id TEXT NOT NULL,
            author_id TEXT NOT NULL DEFAULT '',
            author_name TEXT NOT NULL DEFAULT '',
            author_handle TEXT NOT NULL DEFAULT '',
            author_email TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT 'unknown',
            is_me INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            edited_at REAL,
            deleted INTEGER NOT NULL DEFAULT 0,
            reply_to TEXT,
            mentions_me INTEGER NOT NULL DEFAULT 0,
            url TEXT NOT NULL DEFAULT '',
            meta TEXT NOT NULL DEFAULT '{}',
            raw TEXT NOT NULL DEFAULT '',
            UNIQUE (account, external_id)
        );
        CREATE INDEX messages_thread ON messages (thread_id, created_at);
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER messages_au AFTER UPDATE OF text ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL DEFAULT 'reply',
            account TEXT NOT NULL,
            thread_id INTEGER REFERENCES threads(id),
            conversation TEXT NOT NULL,
            reply_to TEXT,
            subject TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            remote_id TEXT,
            not_before REAL NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX outbox_state ON outbox (state, not_before);
        CREATE TABLE escalations (
            id INTEGER PRIMARY KEY,
            thread_id INTEGER NOT NULL REFERENCES threads(id),
            to_name TEXT NOT NULL,
            channel TEXT NOT NULL,
            note TEXT NOT NULL,
            outbox_id INTEGER REFERENCES outbox(id),
            created_at REAL NOT NULL,
            resolved_at REAL
        );
        CREATE TABLE drafts (
            thread_id INTEGER PRIMARY KEY REFERENCES threads(id),
            text TEXT NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            kind TEXT NOT NULL,
            thread_id INTEGER,
            data TEXT NOT NULL DEFAULT '{}',
            undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX events_kind_ts ON events (kind, ts);
        """
    )


def _migration_2(db: sqlite_utils.Database) -> None:
    # Covering indexes for the view index: state filter, then group order.
    db.executescript(
        """
        CREATE INDEX threads_view ON threads (state, project_id, priority, last_client_at DESC, id);
        CREATE INDEX threads_project ON threads (project_id, state);
        CREATE INDEX threads_snooze ON threads (snooze_kind, snooze_until) WHERE state = 'snoozed';
        """
    )


def _migration_3(db: sqlite_utils.Database) -> None:
    # Ingest feeds the FTS index in bulk (one INSERT … SELECT per batch); a per-row
    # trigger halved ingest speed.  Edits and deletes still go through triggers.
    db.executescript("DROP TRIGGER IF EXISTS messages_ai;")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migration_1, _migration_2, _migration_3]


# --- helpers --------------------------------------------------------------------------

def now() -> float:
    return time.time()


def _ts(dt: Any) -> float | None:
    return None if dt is None else float(dt.timestamp())


@dataclass(slots=True)
class ApplyResult:
    """What ``apply_batch`` changed: inserted and updated message counts, touched threads."""

    inserted: int
    updated: int
    threads: set[int]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    key: str
    kind: str
    account: str
    thread_id: int | None
    conversation: str
    reply_to: str | None
    subject: str
    text: str
    target: dict[str, str]
    state: str
    attempts: int
    last_error: str
    remote_id: str | None
    created_at: float


RoleFn = Callable[[Item], str]
RoleInFn = Callable[[Item, str], str]
"""(item, name of the project its thread belongs to) → role: the thread's project decides who
the AM and the clients are, even for an item that routes nowhere on its own (an AM's e-mail)."""
ProjectFn = Callable[[Item], str | None]
TriageFn = Callable[[int, str, Sequence[MsgFacts], tuple[str, ...]], Assessment]
"""(project_id, project_name, recent message facts, card members) → Assessment."""


_THREAD_COLS = (
    "t.id, t.project_id, p.name, t.source, t.title, t.last_text, t.last_author, t.state, "
    "coalesce(t.priority_override, t.priority), t.reasons, t.scope, t.scope_reason, t.relevance, "
    "t.due_at, t.last_client_at, t.last_at, t.msg_count, t.url, t.snooze_until, t.snooze_kind, "
    "t.snooze_reason, t.escalated_to"
)


def _thread_row(r: Sequence[Any]) -> ThreadRow:
    return ThreadRow(
        id=r[0], project_id=r[1], project=r[2], source=r[3], title=r[4], last_text=r[5],
        last_author=r[6], state=r[7], priority=Priority(r[8]), reasons=tuple(json.loads(r[9])),
        scope=r[10], scope_reason=r[11], relevance=r[12], due_at=r[13], last_client_at=r[14],
        last_at=r[15], msg_count=r[16], url=r[17], snooze_until=r[18], snooze_kind=r[19],
        snooze_reason=r[20], escalated_to=r[21],
    )


# Which threads each view shows.  ``p`` is projects, ``t`` threads.
VIEW_WHERE: dict[str, str] = {
    "inbox": "t.state = 'open' AND p.status = 'active' AND t.relevance != 'noise'",
    "held": "t.state IN ('open', 'snoozed') AND p.status != 'active'",
    "snoozed": "t.state = 'snoozed' AND p.status = 'active'",
    "escalated": "t.state = 'escalated'",
    "answered": "t.state = 'answered'",
    "done": "t.state = 'done'",
    "noise": "t.state = 'open' AND p.status = 'active' AND t.relevance = 'noise'",
    "all": "1",
}


@dataclass(frozen=True, slots=True)
class InboxGate:
    """The reply-window view condition of the Inbox at one instant.

    Outside a reply window the Inbox shows only threads at or above
    ``max_priority`` (urgent, by default); the rest is *held until the window*
    (``held_until``, epoch seconds) — a view condition, like held projects, so
    opening the window shows them again without rewriting a row.
    ``max_priority`` is ``None`` while a window is open (nothing is held) and
    ``-1`` when nothing breaks through (``[windows] urgent_breaks_through = false``).
    """

    open: bool = True
    max_priority: int | None = None
    held_until: float | None = None

    @property
    def gated(self) -> bool:
        """True when the Inbox is filtered right now."""
        return self.max_priority is not None


class Store:
    """A connection to the inscope database.  Not thread-safe: one per thread."""

    def __init__(self, path: Path, *, readonly: bool = False):
        self.path = path
        new = not path.exists()
        if new:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Create the file 0600 before SQLite opens it, so it is never world-readable.
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
            os.close(fd)
        os.chmod(path, 0o600)
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        self.conn = conn
        self._db: sqlite_utils.Database | None = None
        # (account, conversation) → (thread id, title); threads are only re-keyed, never deleted
        # otherwise, and rekey_conversation clears this.
        self._thread_cache: dict[tuple[str, str], tuple[int, str, bool]] = {}
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-32000")
        if not readonly:
            self.migrate()
        for suffix in ("-wal", "-shm"):
            side = Path(str(path) + suffix)
            if side.exists():
                os.chmod(side, 0o600)

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
        self.conn.close()

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply forward migrations; each runs in its own transaction with the version bump."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema {current}, newer than this inscope ({SCHEMA_VERSION}); "
                "upgrade inscope"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.tx():
                MIGRATIONS[version - 1](self.db)
                self.conn.execute(f"PRAGMA user_version = {version}")

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE so writers queue instead of failing)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._thread_cache.clear()  # it may name threads the rollback removed
            raise
        else:
            self.conn.execute("COMMIT")

    # -- projects and accounts -------------------------------------------------------

    def sync_projects(self, projects: Iterable[tuple[str, str]]) -> None:
        """Make the project table match config (name, status) in config order.

        A status set by hand (palette/CLI) sticks until the config's own status
        for that project changes.
        """
        t = now()
        with self.tx() as c:
            for sort, (name, cfg_status) in enumerate(projects):
                row = c.execute(
                    "SELECT id, status, cfg_status FROM projects WHERE name = ?", (name,)
                ).fetchone()
                if row is None:
                    c.execute(
                        "INSERT INTO projects (name, status, status_since, cfg_status, sort) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (name, cfg_status, t, cfg_status, sort),
                    )
                elif row[2] != cfg_status:
                    c.execute(
                        "UPDATE projects SET status = ?, status_since = ?, cfg_status = ?, sort = ? "
                        "WHERE id = ?",
                        (cfg_status, t, cfg_status, sort, row[0]),
                    )
                else:
                    c.execute("UPDATE projects SET sort = ? WHERE id = ?", (sort, row[0]))
            c.execute(
                "INSERT OR IGNORE INTO projects (name, status, status_since, cfg_status, sort) "
                "VALUES (?, 'active', ?, 'active', 1000000)",
                (UNSORTED, t),
            )

    def project_id(self, name: str) -> int:
        row = self.conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise StoreError(f"no project named {name!r}")
        return int(row[0])

    def projects(self) -> list[ProjectInfo]:
        """Projects in display order with open / held / noise counts."""
        rows = self.conn.execute(
            """
            SELECT p.id, p.name, p.status, p.status_since,
              (SELECT count(*) FROM threads t WHERE t.project_id = p.id AND t.state = 'open'
                 AND t.relevance != 'noise'),
              (SELECT count(*) FROM threads t WHERE t.project_id = p.id
                 AND t.state IN ('open', 'snoozed') AND p.status != 'active'),
              (SELECT count(*) FROM threads t WHERE t.project_id = p.id AND t.state = 'open'
                 AND t.relevance = 'noise')
            FROM projects p ORDER BY p.sort, p.name
            """
        ).fetchall()
        return [ProjectInfo(*r) for r in rows]

    def set_project_status(self, name: str, status: str) -> list[int]:
        """Set a project's status by hand; returns the threads whose visibility changes."""
        if status not in PROJECT_STATUSES:
            raise StoreError(f"unknown project status {status!r}")
        pid = self.project_id(name)
        with self.tx() as c:
            before = c.execute("SELECT status FROM projects WHERE id = ?", (pid,)).fetchone()[0]
            c.execute(
                "UPDATE projects SET status = ?, status_since = ? WHERE id = ?", (status, now(), pid)
            )
            self._event(c, "project_status", None, {"project": name, "before": before, "after": status})
            if status == "active":
                # Threads held "until the project is active again" wake now.
                c.execute(
                    "UPDATE threads SET state = 'open', snooze_until = NULL, snooze_kind = NULL, "
                    "snooze_reason = '' WHERE project_id = ? AND state = 'snoozed' "
                    "AND snooze_kind = 'project'",
                    (pid,),
                )
            ids = [r[0] for r in c.execute("SELECT id FROM threads WHERE project_id = ?", (pid,))]
        return ids

    def ensure_account(self, name: str, kind: str) -> None:
        self.conn.execute(
            "INSERT INTO accounts (name, kind) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind",
            (name, kind),
        )

    def set_account_status(self, name: str, status: str, error: str = "", *, disabled: bool | None = None) -> None:
        """Record a source's health (``ok`` / ``error`` / ``disabled`` …) for the status line."""
        sets = "status = ?, last_error = ?"
        args: list[Any] = [status, error]
        where = "(status IS NOT ? OR last_error IS NOT ?"
        wargs: list[Any] = [status, error]
        if status == "ok":
            sets += ", last_sync_at = ?"  # "ok since": a quiet round writes nothing
            args.append(now())
        if disabled is not None:
            sets += ", disabled = ?"
            args.append(int(disabled))
            where += " OR disabled IS NOT ?"
            wargs.append(int(disabled))
        self.conn.execute(f"UPDATE accounts SET {sets} WHERE name = ? AND {where})",
                          (*args, name, *wargs))

    def accounts(self) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            "SELECT name, kind, status, last_error, last_sync_at, disabled FROM accounts ORDER BY name"
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    # -- cursors and ingest ------------------------------------------------------------

    def cursor(self, account: str) -> str | None:
        row = self.conn.execute("SELECT value FROM cursors WHERE account = ?", (account,)).fetchone()
        return None if row is None else row[0]

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
    ) -> ApplyResult:
        """Store ``items`` and move ``account``'s cursor to ``cursor`` in ONE transaction.

        Re-applying the same items is a no-op except for changed text (an edit)
        or a deletion, which update the stored message.
        """
        if not items and move_cursor and self.cursor(account) == cursor:
            return ApplyResult(0, 0, set())  # nothing new: not even a transaction
        with self.tx() as c:
            return self._apply(c, account, items, cursor, project_of=project_of, role_of=role_of,
                               role_in=role_in, triage=triage, move_cursor=move_cursor)

    def _apply(
        self,
        c: sqlite3.Connection,
        account: str,
        items: Sequence[Item],
        cursor: str | None,
        *,
        project_of: ProjectFn,
        role_of: RoleFn,
        role_in: RoleInFn | None,
        triage: TriageFn | None,
        move_cursor: bool,
    ) -> ApplyResult:
        """The body of ``apply_batch``, inside the caller's transaction."""
        t0 = now()
        inserted = updated = 0
        touched: set[int] = set()
        projects: dict[str, int] = {}
        members: dict[int, tuple[str, ...]] = {}
        # Which of these ids do we have already?  (Re-delivery after a crash, edits.)
        known: set[str] = set()
        ext = [it.external_id for it in items]
        for i in range(0, len(ext), 500):
            chunk = ext[i:i + 500]
            known.update(r[0] for r in c.execute(
                f"SELECT external_id FROM messages WHERE account = ? AND external_id IN "
                f"({','.join('?' * len(chunk))})", (account, *chunk)))
        new_rows: list[tuple[Any, ...]] = []
        seen_new: set[str] = set()
        deltas: dict[int, list[Any]] = {}  # tid → [inserted, newest client message]
        thread_project: dict[int, str] = {}
        recount: set[int] = set()
        am_spoke: set[int] = set()  # threads with a new message from the account manager
        for it in items:
            tid = self._thread_for(c, it, project_of, projects)  # cached per conversation
            if it.members:
                members[tid] = it.members
            edited = _ts(it.edited_at)
            meta = json.dumps(it.meta, ensure_ascii=False, default=str) if it.meta else "{}"
            if it.external_id not in known and it.external_id not in seen_new:
                seen_new.add(it.external_id)
                if it.author.is_me:
                    role = "me"
                elif role_in is not None:
                    pname = thread_project.get(tid)
                    if pname is None:
                        pname = thread_project[tid] = c.execute(
                            "SELECT p.name FROM threads t JOIN projects p ON p.id = t.project_id "
                            "WHERE t.id = ?", (tid,)).fetchone()[0]
                    role = role_in(it, pname)
                else:
                    role = role_of(it)
                # My message even when the connector could not tell (I wrote from the
                # Telegram app, under my handle): the rules said 'me', so it answers the thread.
                mine = it.author.is_me or role == "me"
                created = float(it.created_at.timestamp())
                new_rows.append((
                    tid, account, it.external_id, it.author.id, it.author.name, it.author.handle,
                    it.author.email, role, int(mine), it.text,
                    created, edited, int(it.deleted), it.reply_to,
                    int(it.mentions_me), it.url, meta, it.raw,
                ))
                touched.add(tid)
                if it.deleted:
                    recount.add(tid)
                else:
                    if role == "am":
                        am_spoke.add(tid)
                    d = deltas.setdefault(tid, [0, None])
                    d[0] += 1
                    if role == "client" and (d[1] is None or created > d[1]):
                        d[1] = created
                continue
            # Seen before: only an edit or a deletion changes it (never silently lost:
            # a deleted message keeps its last text and shows as deleted).
            # A tombstone keeps the last text, meta and mention flag; a live re-delivery
            # updates text (an edit) or meta (e.g. e-mail flags).
            cur = c.execute(
                """
                UPDATE messages SET text = CASE WHEN ? THEN text ELSE ? END,
                    edited_at = coalesce(?, edited_at), deleted = ?,
                    meta = CASE WHEN ? THEN meta ELSE ? END,
                    mentions_me = CASE WHEN ? THEN mentions_me ELSE ? END
                WHERE account = ? AND external_id = ?
                  AND (deleted != ? OR (NOT ? AND (text IS NOT ? OR meta IS NOT ?)))
                """,
                (
                    int(it.deleted), it.text, edited, int(it.deleted),
                    int(it.deleted), meta, int(it.deleted), int(it.mentions_me),
                    account, it.external_id, int(it.deleted), int(it.deleted), it.text, meta,
                ),
            )
            if cur.rowcount:
                updated += 1
                touched.add(tid)
                recount.add(tid)
        if new_rows:
            # Bulk insert; the FTS index is fed once per batch instead of by a per-row trigger.
            max_before = c.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
            c.executemany(
                """
                INSERT INTO messages (thread_id, account, external_id, author_id,
                    author_name, author_handle, author_email, role, is_me, text, created_at,
                    edited_at, deleted, reply_to, mentions_me, url, meta, raw)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                new_rows,
            )
            c.execute("INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE id > ?",
                      (max_before,))
            inserted = len(new_rows)
        for tid, mem in members.items():
            c.execute("UPDATE threads SET members = ? WHERE id = ?", (json.dumps(list(mem)), tid))
        for tid in touched:
            dl = deltas.get(tid)
            delta = None if tid in recount or dl is None else (int(dl[0]), dl[1])
            self._refresh_thread(c, tid, triage, delta, am_spoke=tid in am_spoke)
        if move_cursor and (new_rows or touched or c.execute(
                "SELECT value FROM cursors WHERE account = ?", (account,)).fetchone() != (cursor,)):
            # A quiet round (nothing new, same cursor) writes no row at all.
            c.execute(
                "INSERT INTO cursors (account, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(account) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (account, cursor, t0),
            )
        return ApplyResult(inserted, updated, touched)

    def _thread_for(
        self, c: sqlite3.Connection, it: Item, project_of: ProjectFn, projects: dict[str, int]
    ) -> int:
        key = (it.account, it.conversation)
        cached = self._thread_cache.get(key)
        if cached is None or cached[1] != it.conversation_title:
            cached = self._thread_lookup(c, it, project_of, projects)
            self._thread_cache[key] = cached
        tid, _title, adoptable = cached
        if adoptable:
            # The thread began with an item that routed nowhere (say the AM's e-mail came
            # first): the first item that does route decides its project.
            pname = project_of(it)
            if pname:
                # Guarded: another connection may have assigned it by hand meanwhile.
                c.execute(
                    "UPDATE threads SET project_id = ? WHERE id = ? AND project_id = "
                    "(SELECT id FROM projects WHERE name = ?) AND NOT EXISTS "
                    "(SELECT 1 FROM routes WHERE account = ? AND conversation = ?)",
                    (self._project_id_in(c, pname, projects), tid, UNSORTED, it.account, it.conversation))
                self._thread_cache[key] = (tid, it.conversation_title, False)
        return tid

    def _project_id_in(self, c: sqlite3.Connection, pname: str, projects: dict[str, int]) -> int:
        pid = projects.get(pname)
        if pid is None:
            r = c.execute("SELECT id FROM projects WHERE name = ?", (pname,)).fetchone()
            if r is None:
                c.execute(
                    "INSERT INTO projects (name, status, status_since, cfg_status, sort) VALUES (?, 'active', ?, 'active', 999999)",
                    (pname, now()),
                )
                r = c.execute("SELECT id FROM projects WHERE name = ?", (pname,)).fetchone()
            pid = projects[pname] = int(r[0])
        return pid

    def _thread_lookup(
        self, c: sqlite3.Connection, it: Item, project_of: ProjectFn, projects: dict[str, int]
    ) -> tuple[int, str, bool]:
        """(thread id, title, adoptable): adoptable = in Unsorted by default, not by hand."""
        routed = c.execute(
            "SELECT project_id FROM routes WHERE account = ? AND conversation = ?",
            (it.account, it.conversation),
        ).fetchone()
        row = c.execute(
            "SELECT t.id, t.title, p.name FROM threads t JOIN projects p ON p.id = t.project_id "
            "WHERE t.account = ? AND t.conversation = ?",
            (it.account, it.conversation),
        ).fetchone()
        if row is not None:
            if it.conversation_title and row[1] != it.conversation_title:
                c.execute("UPDATE threads SET title = ? WHERE id = ?", (it.conversation_title, row[0]))
            return int(row[0]), it.conversation_title, row[2] == UNSORTED and routed is None
        pname = project_of(it)
        pid = self._project_id_in(c, pname or UNSORTED, projects)
        if routed is not None:
            pid = int(routed[0])
        cur = c.execute(
            "INSERT INTO threads (account, source, conversation, title, url, project_id) VALUES (?, ?, ?, ?, ?, ?)",
            (it.account, it.source, it.conversation, it.conversation_title, it.url, pid),
        )
        assert cur.lastrowid is not None
        return int(cur.lastrowid), it.conversation_title, pname is None and routed is None

    def _refresh_thread(self, c: sqlite3.Connection, tid: int, triage: TriageFn | None,
                        delta: tuple[int, float | None] | None = None, *, am_spoke: bool = False) -> None:
        """Recompute a thread's summary, state transition and triage after new messages.

        ``delta`` = (messages inserted, newest client message among them) when the
        change was inserts only; ``None`` recounts from scratch (edits, deletions).
        ``am_spoke``: a *new* message from the project's account manager arrived —
        in an escalated thread that answers the escalation, which resolves it.
        """
        th = c.execute(
            "SELECT t.state, t.snooze_kind, t.last_client_at, t.priority_override, t.project_id, t.members, "
            "p.name, t.msg_count FROM threads t JOIN projects p ON p.id = t.project_id WHERE t.id = ?",
            (tid,),
        ).fetchone()
        state, snooze_kind, prev_client_at, override, pid, members, pname, prev_count = th
        recent = c.execute(
            "SELECT role, text, created_at, mentions_me, is_me, author_name, id FROM messages "
            "WHERE thread_id = ? AND deleted = 0 ORDER BY created_at DESC, id DESC LIMIT 20",
            (tid,),
        ).fetchall()
        if not recent:
            c.execute("UPDATE threads SET msg_count = 0 WHERE id = ?", (tid,))
            return
        if delta is None:
            count, last_client_at = c.execute(
                "SELECT count(*), max(CASE WHEN role = 'client' THEN created_at END) FROM messages "
                "WHERE thread_id = ? AND deleted = 0",
                (tid,),
            ).fetchone()
        else:
            # Only inserts since the last refresh: O(1) instead of a scan of a long chat.
            count = (prev_count or 0) + delta[0]
            last_client_at = max((x for x in (prev_client_at, delta[1]) if x is not None), default=None)
        last_role, text, last_at, _, last_is_me, author, _ = recent[0]
        new_client_msg = last_client_at is not None and (prev_client_at is None or last_client_at > prev_client_at)
        new_state = state
        if last_is_me:
            if state == "open":
                new_state = "answered"
        elif new_client_msg and last_role == "client":
            # A client message reopens what I had answered or closed, and wakes snoozes
            # that a reply should end ("project" snoozes wait for the status flip).
            woken = state == "snoozed" and snooze_kind in ("client", "until", "window")
            if state in ("answered", "done") or woken:
                new_state = "open"
        resolved_by_am = am_spoke and state == "escalated"
        if resolved_by_am:
            # The AM answered in the thread: the escalation is over and the ball is back
            # with me (open), unless my own message already follows the AM's (answered).
            new_state = "answered" if last_is_me else "open"
        if new_client_msg:
            override = None  # a manual priority sticks until the next client message
        sets: dict[str, Any] = {
            "last_text": _one_line(text)[:500],
            "last_author": author,
            "last_is_me": int(last_is_me),
            "last_at": last_at,
            "last_client_at": last_client_at,
            "msg_count": count,
            "state": new_state,
            "priority_override": override,
        }
        if new_state != state and state == "snoozed":
            sets.update(snooze_until=None, snooze_kind=None, snooze_reason="")
        if resolved_by_am:
            before = self._snapshot(c, tid)
            sets["escalated_to"] = ""
            c.execute("UPDATE escalations SET resolved_at = ? WHERE thread_id = ? AND resolved_at IS NULL",
                      (now(), tid))
            # Not an undoable "resolve": the user did not do it, so z must not take it back.
            self._event(c, "resolved_by_am", tid, {"before": before, "by": author})
        if triage is not None:
            facts = [
                MsgFacts(role=r[0], text=r[1], created_at=r[2], mentions_me=bool(r[3]), is_me=bool(r[4]),
                         id=r[6])
                for r in reversed(recent)
            ]
            a = triage(pid, pname, facts, tuple(json.loads(members)))
            sets.update(
                relevance=a.relevance, scope=a.scope, scope_reason=a.scope_reason,
                priority=int(a.priority), reasons=json.dumps(list(a.reasons), ensure_ascii=False),
                due_at=a.due_at,
            )
        cols = ", ".join(f"{k} = ?" for k in sets)
        c.execute(f"UPDATE threads SET {cols} WHERE id = ?", (*sets.values(), tid))

    def retriage(self, triage: TriageFn, thread_ids: Iterable[int] | None = None) -> int:
        """Recompute triage for some threads (or all): config changed, a window boundary passed."""
        with self.tx() as c:
            ids = list(thread_ids) if thread_ids is not None else [
                r[0] for r in c.execute("SELECT id FROM threads")
            ]
            for tid in ids:
                self._refresh_thread(c, tid, triage)
        return len(ids)

    def waiting_thread_ids(self) -> list[int]:
        """Threads whose triage depends on the clock: a client message waits for me.

        The SLA due time, "overdue" and "waited N reply windows" only exist while a
        client message is pending after my last one; a thread whose last message is
        mine, or without any client message, triages the same at any hour.  Re-triage
        at a window boundary therefore only needs these.
        """
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM threads WHERE last_is_me = 0 AND last_client_at IS NOT NULL "
            "AND state IN ('open', 'snoozed', 'escalated')")]

    def rekey_conversation(self, account: str, old: str, new: str) -> int:
        """A source renamed a conversation (Telegram group → supergroup): keep history and project.

        Matches ``old`` exactly and as a prefix of ``old:topic`` keys.
        """
        self._thread_cache.clear()
        with self.tx() as c:
            n = 0
            rows = c.execute(
                "SELECT id, conversation FROM threads WHERE account = ? AND (conversation = ? OR conversation LIKE ?)",
                (account, old, old + ":%"),
            ).fetchall()
            for tid, conv in rows:
                new_conv = new + conv[len(old):]
                clash = c.execute("SELECT id FROM threads WHERE account = ? AND conversation = ?",
                                  (account, new_conv)).fetchone()
                if clash is not None:
                    # Items already arrived under the new id: fold them into the old thread.
                    for table in ("messages", "outbox", "escalations", "events"):
                        c.execute(f"UPDATE {table} SET thread_id = ? WHERE thread_id = ?", (tid, clash[0]))
                    c.execute("DELETE FROM drafts WHERE thread_id = ?", (clash[0],))
                    c.execute("DELETE FROM threads WHERE id = ?", (clash[0],))
                c.execute("UPDATE threads SET conversation = ? WHERE id = ?", (new_conv, tid))
                self._refresh_thread(c, tid, None)
                c.execute("UPDATE outbox SET conversation = ? WHERE account = ? AND conversation = ? "
                          "AND state IN ('queued', 'failed', 'unknown')", (new_conv, account, conv))
                n += 1
            c.execute("UPDATE routes SET conversation = ? WHERE account = ? AND conversation = ?",
                      (new, account, old))
        return n

    # -- reads for the UI ----------------------------------------------------------------

    def view_index(self, view: str, project_id: int | None = None, thread_ids: Sequence[int] | None = None,
                   *, max_priority: int | None = None) -> list[tuple[int, int, int]]:
        """Ordered (thread id, project id, priority) for a view: one covering-index query.

        Order: project (config order), priority, newest client message first.
        ``thread_ids`` restricts the view (search results); ``max_priority`` keeps
        only threads at or above that priority (the Inbox outside a reply window,
        see ``InboxGate``).
        """
        where = VIEW_WHERE.get(view)
        if where is None:
            raise StoreError(f"unknown view {view!r}")
        args: list[Any] = []
        if max_priority is not None:
            where += " AND coalesce(t.priority_override, t.priority) <= ?"
            args.append(max_priority)
        if project_id is not None:
            where += " AND t.project_id = ?"
            args.append(project_id)
        if thread_ids is not None:
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _ids (id INTEGER PRIMARY KEY)")
            self.conn.execute("DELETE FROM _ids")
            self.conn.executemany("INSERT OR IGNORE INTO _ids VALUES (?)", ((i,) for i in thread_ids))
            where += " AND t.id IN (SELECT id FROM _ids)"
        sql = (
            "SELECT t.id, t.project_id, coalesce(t.priority_override, t.priority) AS pr "
            f"FROM threads t JOIN projects p ON p.id = t.project_id WHERE {where} "
            "ORDER BY p.sort, p.id, pr, coalesce(t.last_client_at, t.last_at) DESC, t.id DESC"
        )
        return [(r[0], r[1], r[2]) for r in self.conn.execute(sql, args)]

    def threads_by_id(self, ids: Sequence[int]) -> dict[int, ThreadRow]:
        """Fetch rows for a page of ids (the visible window ± a page)."""
        out: dict[int, ThreadRow] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            q = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT {_THREAD_COLS} FROM threads t JOIN projects p ON p.id = t.project_id "
                f"WHERE t.id IN ({q})",
                chunk,
            ):
                row = _thread_row(r)
                out[row.id] = row
        return out

    def thread(self, tid: int) -> ThreadRow:
        rows = self.threads_by_id([tid])
        if tid not in rows:
            raise StoreError(f"no thread {tid}")
        return rows[tid]

    def messages(self, tid: int, limit: int = 500) -> list[MessageRow]:
        """The conversation, oldest first (the newest ``limit``), with what each answers."""
        rows = self.conn.execute(
            """
            SELECT m.id, m.external_id, m.author_name, m.author_handle, m.role, m.is_me, m.text,
                   m.created_at, m.edited_at, m.deleted, m.reply_to,
                   (SELECT r.text FROM messages r WHERE r.account = m.account AND r.external_id = m.reply_to),
                   m.url, t.source, m.meta
            FROM messages m JOIN threads t ON t.id = m.thread_id
            WHERE m.thread_id = ? ORDER BY m.created_at DESC, m.id DESC LIMIT ?
            """,
            (tid, limit),
        ).fetchall()
        return [
            MessageRow(
                id=r[0], external_id=r[1], author_name=r[2], author_handle=r[3], role=r[4],
                is_me=bool(r[5]), text=r[6], created_at=r[7], edited_at=r[8], deleted=bool(r[9]),
                reply_to=r[10], reply_to_text=r[11], url=r[12], source=r[13], meta=json.loads(r[14]),
            )
            for r in reversed(rows)
        ]

    def conversation_of(self, tid: int) -> tuple[str, str]:
        """(account, conversation key) of a thread."""
        row = self.conn.execute("SELECT account, conversation FROM threads WHERE id = ?", (tid,)).fetchone()
        if row is None:
            raise StoreError(f"no thread {tid}")
        return str(row[0]), str(row[1])

    def cleared_since(self, since: float) -> int:
        """Threads replied to or marked done since ``since`` (not undone)."""
        return int(self.conn.execute(
            "SELECT count(DISTINCT thread_id) FROM events WHERE kind IN ('reply', 'done') AND undone = 0 "
            "AND ts >= ?", (since,)).fetchone()[0])

    def count_priority(self, view: str, priority: Priority) -> int:
        where = VIEW_WHERE[view]
        return int(self.conn.execute(
            f"SELECT count(*) FROM threads t JOIN projects p ON p.id = t.project_id WHERE {where} "
            "AND coalesce(t.priority_override, t.priority) = ?", (int(priority),)).fetchone()[0])

    def held_counts(self) -> dict[str, int]:
        """Threads held back because their project is paused or unpaid, per status."""
        return {r[0]: int(r[1]) for r in self.conn.execute(
            "SELECT p.status, count(*) FROM threads t JOIN projects p ON p.id = t.project_id "
            "WHERE p.status != 'active' AND t.state IN ('open', 'snoozed') GROUP BY p.status")}

    def view_counts(self, max_priority: int | None = None) -> dict[str, int]:
        """Thread counts per view (sidebar), plus ``held_until_window``.

        ``inbox`` counts every thread waiting for me; ``held_until_window`` how many
        of them the Inbox holds back right now (priority below ``max_priority``,
        see ``InboxGate``; 0 while a window is open).
        """
        # One pass over the threads for every view at once (was one query per view).
        views = list(VIEW_WHERE)
        sums = ", ".join(f"coalesce(sum(CASE WHEN {VIEW_WHERE[v]} THEN 1 ELSE 0 END), 0)" for v in views)
        held_expr = (f"coalesce(sum(CASE WHEN {VIEW_WHERE['inbox']} AND "
                     "coalesce(t.priority_override, t.priority) > ? THEN 1 ELSE 0 END), 0)")
        row = self.conn.execute(
            f"SELECT {sums}, {held_expr} FROM threads t JOIN projects p ON p.id = t.project_id",
            (max_priority if max_priority is not None else 99,),
        ).fetchone()
        out = {v: int(n) for v, n in zip(views, row, strict=False)}
        out["held_until_window"] = int(row[-1]) if max_priority is not None else 0
        return out

    def search(self, query: str, limit: int = 2000) -> list[int]:
        """Thread ids whose messages match ``query`` (FTS5), best match first.

        The query is taken as words (each quoted), so user input cannot break
        FTS syntax; a trailing word is matched as a prefix.
        """
        terms = [w for w in query.replace('"', " ").split() if w]
        if not terms:
            return []
        fts = " ".join(f'"{w}"' for w in terms[:-1])
        fts = (fts + " " if fts else "") + f'"{terms[-1]}"*'
        rows = self.conn.execute(
            """
            SELECT m.thread_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
            WHERE messages_fts MATCH ? GROUP BY m.thread_id ORDER BY min(f.rank) LIMIT ?
            """,
            (fts, limit),
        ).fetchall()
        return [r[0] for r in rows]

    # -- outbox ----------------------------------------------------------------------------

    def queue_reply(self, tid: int, text: str, account: str | None = None) -> int:
        """Put a reply in the outbox (before the composer closes) and mark the thread answered."""
        if not text.strip():
            raise StoreError("an empty reply is not sent")
        with self.tx() as c:
            th = c.execute(
                "SELECT account, conversation, state, title FROM threads WHERE id = ?", (tid,)
            ).fetchone()
            if th is None:
                raise StoreError(f"no thread {tid}")
            reply_to = c.execute(
                "SELECT external_id FROM messages WHERE thread_id = ? AND is_me = 0 AND deleted = 0 "
                "ORDER BY created_at DESC LIMIT 1",
                (tid,),
            ).fetchone()
            t = now()
            key = uuid.uuid4().hex
            cur = c.execute(
                "INSERT INTO outbox (key, kind, account, thread_id, conversation, reply_to, subject, text, "
                "created_at, updated_at) VALUES (?, 'reply', ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, account or th[0], tid, th[1], reply_to[0] if reply_to else None, th[3], text, t, t),
            )
            oid = int(cur.lastrowid or 0)
            before = self._snapshot(c, tid)
            c.execute(
                "UPDATE threads SET state = 'answered', snooze_until = NULL, snooze_kind = NULL, "
                "snooze_reason = '' WHERE id = ? AND state IN ('open', 'snoozed', 'done')",
                (tid,),
            )
            c.execute("DELETE FROM drafts WHERE thread_id = ?", (tid,))
            self._event(c, "reply", tid, {"before": before, "outbox": oid, "chars": len(text)})
        return oid

    def queue_outgoing(self, *, kind: str, account: str, conversation: str, text: str,
                       thread_id: int | None = None, reply_to: str | None = None,
                       subject: str = "", target: dict[str, str] | None = None,
                       c: sqlite3.Connection | None = None) -> int:
        """Queue any outgoing message (escalations use this) and return its outbox id."""
        t = now()
        conn = c or self.conn
        cur = conn.execute(
            "INSERT INTO outbox (key, kind, account, thread_id, conversation, reply_to, subject, text, "
            "target, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (uuid.uuid4().hex, kind, account, thread_id, conversation, reply_to, subject, text,
             json.dumps(target or {}), t, t),
        )
        return int(cur.lastrowid or 0)

    _OUTBOX_COLS = ("id, key, kind, account, thread_id, conversation, reply_to, subject, text, target, "
                    "state, attempts, last_error, remote_id, created_at")

    @staticmethod
    def _outbox_row(r: Sequence[Any]) -> OutboxRow:
        return OutboxRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]), r[10],
                         r[11], r[12], r[13], r[14])

    def outbox(self, states: Sequence[str] = ("queued", "sending", "failed", "unknown"),
               due_only: bool = False) -> list[OutboxRow]:
        q = ",".join("?" * len(states))
        sql = f"SELECT {self._OUTBOX_COLS} FROM outbox WHERE state IN ({q})"
        args: list[Any] = list(states)
        if due_only:
            sql += " AND not_before <= ?"
            args.append(now())
        sql += " ORDER BY id"
        return [self._outbox_row(r) for r in self.conn.execute(sql, args)]

    def outbox_row(self, oid: int) -> OutboxRow:
        """One outbox row by id, in any state."""
        r = self.conn.execute(f"SELECT {self._OUTBOX_COLS} FROM outbox WHERE id = ?", (oid,)).fetchone()
        if r is None:
            raise StoreError(f"no outbox row {oid}")
        return self._outbox_row(r)

    _OUTBOX_MOVES: dict[str, tuple[str, ...]] = {
        "sending": ("queued",),
        "sent": ("sending", "unknown"),
        "failed": ("sending",),
        "unknown": ("sending",),
        "queued": ("sending", "failed", "unknown"),  # retry / "resend?" answered yes
        "cancelled": ("queued", "failed", "unknown"),
    }

    def outbox_move(self, oid: int, state: str, *, error: str = "", remote_id: str | None = None,
                    retry_in: float = 0.0) -> None:
        """Move an outbox row; refuses moves the state machine does not allow."""
        allowed = self._OUTBOX_MOVES[state]
        q = ",".join("?" * len(allowed))
        sets = "state = ?, updated_at = ?, last_error = ?"
        args: list[Any] = [state, now(), error]
        if state == "sending":
            sets += ", attempts = attempts + 1"
        if remote_id is not None:
            sets += ", remote_id = ?"
            args.append(remote_id)
        if retry_in:
            sets += ", not_before = ?"
            args.append(now() + retry_in)
        cur = self.conn.execute(
            f"UPDATE outbox SET {sets} WHERE id = ? AND state IN ({q})", (*args, oid, *allowed)
        )
        if cur.rowcount != 1:
            raise StoreError(f"outbox row {oid} cannot move to {state}")

    def record_sent(self, oid: int, remote_id: str, item: Item | None, *, project_of: ProjectFn,
                    role_of: RoleFn, role_in: RoleInFn | None = None,
                    triage: TriageFn | None = None) -> None:
        """Mark a row sent and store our own message in its thread, in ONE transaction."""
        with self.tx() as c:
            cur = c.execute(
                "UPDATE outbox SET state = 'sent', remote_id = ?, updated_at = ?, last_error = '' "
                "WHERE id = ? AND state IN ('sending', 'unknown')",
                (remote_id, now(), oid),
            )
            if cur.rowcount != 1:
                raise StoreError(f"outbox row {oid} is not being sent")
            kind = c.execute("SELECT kind FROM outbox WHERE id = ?", (oid,)).fetchone()[0]
            if item is not None and kind == "reply":
                self._apply(c, item.account, [item], None, project_of=project_of, role_of=role_of,
                            role_in=role_in, triage=triage, move_cursor=False)

    # -- user actions (each an event; undo restores the snapshot) ------------------------

    def _snapshot(self, c: sqlite3.Connection, tid: int) -> dict[str, Any]:
        r = c.execute(
            "SELECT state, snooze_until, snooze_kind, snooze_reason, priority_override, escalated_to "
            "FROM threads WHERE id = ?",
            (tid,),
        ).fetchone()
        if r is None:
            raise StoreError(f"no thread {tid}")
        return dict(zip(("state", "snooze_until", "snooze_kind", "snooze_reason",
                         "priority_override", "escalated_to"), r, strict=True))

    def _event(self, c: sqlite3.Connection, kind: str, tid: int | None, data: dict[str, Any]) -> int:
        cur = c.execute(
            "INSERT INTO events (ts, kind, thread_id, data) VALUES (?, ?, ?, ?)",
            (now(), kind, tid, json.dumps(data, ensure_ascii=False)),
        )
        return int(cur.lastrowid or 0)

    def _act(self, tid: int, kind: str, sets: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
        with self.tx() as c:
            before = self._snapshot(c, tid)
            cols = ", ".join(f"{k} = ?" for k in sets)
            c.execute(f"UPDATE threads SET {cols} WHERE id = ?", (*sets.values(), tid))
            self._event(c, kind, tid, {"before": before, **(extra or {})})

    def mark_done(self, tid: int) -> None:
        self._act(tid, "done", {"state": "done", "snooze_until": None, "snooze_kind": None, "snooze_reason": ""})

    def reopen(self, tid: int) -> None:
        self._act(tid, "reopen", {"state": "open", "snooze_until": None, "snooze_kind": None, "snooze_reason": ""})

    def snooze(self, tid: int, kind: str, until: float | None, reason: str) -> None:
        """Snooze: ``kind`` is until | window | client | project; the reason is always stored."""
        if kind not in ("until", "window", "client", "project"):
            raise StoreError(f"unknown snooze kind {kind!r}")
        if kind in ("until", "window") and until is None:
            raise StoreError("a timed snooze needs a wake time")
        self._act(tid, "snooze", {"state": "snoozed", "snooze_until": until, "snooze_kind": kind,
                                  "snooze_reason": reason}, {"until": until, "kind": kind})

    def assign_project(self, tid: int, project: str) -> None:
        """Move a thread (typically from Unsorted) to ``project``; later messages of the same
        conversation follow it (the ``routes`` table is consulted before config routes)."""
        pid = self.project_id(project)
        with self.tx() as c:
            row = c.execute("SELECT account, conversation, project_id FROM threads WHERE id = ?",
                            (tid,)).fetchone()
            if row is None:
                raise StoreError(f"no thread {tid}")
            c.execute("UPDATE threads SET project_id = ? WHERE id = ?", (pid, tid))
            c.execute("INSERT OR REPLACE INTO routes (account, conversation, project_id) VALUES (?, ?, ?)",
                      (row[0], row[1], pid))
            self._thread_cache.pop((row[0], row[1]), None)  # no longer adoptable: set by hand
            self._event(c, "assign", tid, {"from": row[2], "to": pid})

    def set_priority(self, tid: int, priority: Priority) -> None:
        self._act(tid, "priority", {"priority_override": int(priority)}, {"priority": priority.label})

    def escalate(self, tid: int, *, to_name: str, channel: str, note: str, account: str,
                 conversation: str, text: str, target: dict[str, str]) -> int:
        """Escalate to the AM: the thread moves to Escalated and the note goes to the outbox."""
        with self.tx() as c:
            before = self._snapshot(c, tid)
            oid = self.queue_outgoing(kind="escalation", account=account, conversation=conversation,
                                      text=text, thread_id=tid, target=target, c=c,
                                      subject=f"Escalation: {to_name}")
            c.execute(
                "INSERT INTO escalations (thread_id, to_name, channel, note, outbox_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (tid, to_name, channel, note, oid, now()),
            )
            c.execute("UPDATE threads SET state = 'escalated', escalated_to = ? WHERE id = ?", (to_name, tid))
            self._event(c, "escalate", tid, {"before": before, "to": to_name, "channel": channel,
                                             "outbox": oid, "note": note})
        return oid

    def resolve_escalation(self, tid: int) -> None:
        """Resolve a thread's escalation by hand: it leaves Escalated and is open again."""
        with self.tx() as c:
            before = self._snapshot(c, tid)
            if before["state"] != "escalated":
                raise StoreError("this thread is not escalated")
            c.execute("UPDATE escalations SET resolved_at = ? WHERE thread_id = ? AND resolved_at IS NULL",
                      (now(), tid))
            c.execute("UPDATE threads SET state = 'open', escalated_to = '' WHERE id = ? AND state = 'escalated'",
                      (tid,))
            self._event(c, "resolve", tid, {"before": before})

    def escalations(self, tid: int) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            "SELECT e.to_name, e.channel, e.note, e.created_at, e.resolved_at, o.state FROM escalations e "
            "LEFT JOIN outbox o ON o.id = e.outbox_id WHERE e.thread_id = ? ORDER BY e.id",
            (tid,),
        )
        cols = ["to", "channel", "note", "created_at", "resolved_at", "delivery"]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    UNDOABLE = ("done", "reopen", "snooze", "priority", "escalate", "resolve", "reply", "project_status")

    def undo(self) -> str | None:
        """Undo the last undoable action; returns what was undone (or None)."""
        with self.tx() as c:
            q = ",".join("?" * len(self.UNDOABLE))
            row = c.execute(
                f"SELECT id, kind, thread_id, data FROM events WHERE undone = 0 AND kind IN ({q}) "
                "ORDER BY id DESC LIMIT 1",
                self.UNDOABLE,
            ).fetchone()
            if row is None:
                return None
            eid, kind, tid, data_s = row
            data = json.loads(data_s)
            if kind == "project_status":
                c.execute("UPDATE projects SET status = ?, status_since = ? WHERE name = ?",
                          (data["before"], now(), data["project"]))
            else:
                if kind in ("reply", "escalate"):
                    # Only a message still waiting in the outbox can be taken back.
                    cur = c.execute(
                        "UPDATE outbox SET state = 'cancelled', updated_at = ? WHERE id = ? AND state = 'queued'",
                        (now(), data["outbox"]),
                    )
                    if cur.rowcount != 1:
                        raise StoreError("already sent — it cannot be taken back")
                    if kind == "escalate":
                        c.execute("DELETE FROM escalations WHERE outbox_id = ?", (data["outbox"],))
                    else:
                        text = c.execute("SELECT text FROM outbox WHERE id = ?", (data["outbox"],)).fetchone()[0]
                        c.execute("INSERT OR REPLACE INTO drafts (thread_id, text, updated_at) VALUES (?, ?, ?)",
                                  (tid, text, now()))
                b = data["before"]
                c.execute(
                    "UPDATE threads SET state = ?, snooze_until = ?, snooze_kind = ?, snooze_reason = ?, "
                    "priority_override = ?, escalated_to = ? WHERE id = ?",
                    (b["state"], b["snooze_until"], b["snooze_kind"], b["snooze_reason"],
                     b["priority_override"], b["escalated_to"], tid),
                )
            c.execute("UPDATE events SET undone = 1 WHERE id = ?", (eid,))
            self._event(c, "undo", tid, {"event": eid, "kind": kind})
        return str(kind)

    def log_event(self, kind: str, tid: int | None, data: dict[str, Any]) -> None:
        """Append a non-undoable event (open, focus time …)."""
        with self.tx() as c:
            self._event(c, kind, tid, data)

    # -- drafts -------------------------------------------------------------------------------

    def save_draft(self, tid: int, text: str) -> None:
        if text.strip():
            self.conn.execute("INSERT OR REPLACE INTO drafts (thread_id, text, updated_at) VALUES (?, ?, ?)",
                              (tid, text, now()))
        else:
            self.conn.execute("DELETE FROM drafts WHERE thread_id = ?", (tid,))

    def draft(self, tid: int) -> str:
        row = self.conn.execute("SELECT text FROM drafts WHERE thread_id = ?", (tid,)).fetchone()
        return "" if row is None else str(row[0])

    # -- clock ---------------------------------------------------------------------------------

    def wake_due(self, at: float | None = None) -> list[int]:
        """Wake threads whose timed snooze has passed; returns their ids."""
        t = now() if at is None else at
        with self.tx() as c:
            ids = [r[0] for r in c.execute(
                "SELECT id FROM threads WHERE state = 'snoozed' AND snooze_kind IN ('until', 'window') "
                "AND snooze_until <= ?", (t,))]
            for tid in ids:
                c.execute("UPDATE threads SET state = 'open', snooze_until = NULL, snooze_kind = NULL, "
                          "snooze_reason = '' WHERE id = ?", (tid,))
                self._event(c, "wake", tid, {})
        return ids


def _one_line(text: str) -> str:
    return " ".join(text.split())
