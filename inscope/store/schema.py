"""The database file: how it is opened, its DDL and its forward migrations.

``SCHEMA_VERSION`` is the ``PRAGMA user_version`` of an up-to-date file and
``MIGRATIONS[n - 1]`` takes a file from version n - 1 to n; a file newer than
this code is refused, never downgraded.  The file and its WAL side files are
0600 and the connection runs in WAL mode, so a UI read never waits on a sync
write — invariant 7 (docs/architecture.md, Invariants).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from inscope.store import summary, untriaged
from inscope.store.errors import StoreError, explain

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_VERSION = 8

BUSY_TIMEOUT = 10.0
"""Seconds a write waits for another writer before it is refused as "locked".  Our own
transactions take milliseconds; longer means another program (a sqlite3 shell, a backup)
holds the file, and the user is told so instead of waiting on a silent key."""


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
    # The view index filters threads by state (threads_view), the per-project counts by
    # project and state (threads_project); the wake-up scan reads only snoozed threads.
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


def _migration_4(db: sqlite_utils.Database) -> None:
    # Sending rows carry a lease: which process sends them (host:pid:start) and when it
    # last renewed, so another process never "reconciles" a row that is in flight; and the
    # parts of a multi-part reply already delivered, so a resend sends only what is missing.
    # A thread whose reply the remote refused for good says why (it is back in the Inbox).
    # meta: small facts about the file, e.g. the fingerprint of the rules it was triaged with.
    db.executescript(
        """
        ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
        ALTER TABLE outbox ADD COLUMN lease_at REAL;
        ALTER TABLE outbox ADD COLUMN progress TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE threads ADD COLUMN delivery_error TEXT NOT NULL DEFAULT '';
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


def _migration_5(db: sqlite_utils.Database) -> None:
    # Triage on two axes: ``urgent`` (breaks through the reply windows, with its reason)
    # beside ``priority`` (high / normal / low inside a window); why a thread is mine or
    # not, and a relevance set by hand (``Actions.relevance``), which also trains the
    # model of the user's decisions.  ``messages.addr`` keeps whether an e-mail had me in
    # To or only in Cc ("to" / "cc" / "").  The view index orders by the displayed level.
    db.executescript(
        """
        ALTER TABLE threads ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE threads ADD COLUMN urgent_reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE threads ADD COLUMN relevance_reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE threads ADD COLUMN scope_service TEXT NOT NULL DEFAULT '';
        ALTER TABLE threads ADD COLUMN relevance_override TEXT;
        ALTER TABLE messages ADD COLUMN addr TEXT NOT NULL DEFAULT '';
        UPDATE threads SET urgent = 1, urgent_reason = 'urgent (assessed before the update)',
            priority = 1 WHERE priority = 0;
        DROP INDEX IF EXISTS threads_view;
        CREATE INDEX threads_view ON threads (state, project_id, urgent, priority,
            last_client_at DESC, id);
        """
    )


def _migration_6(db: sqlite_utils.Database) -> None:
    # A reply held for later is `scheduled` until its send time (`send_at`, epoch seconds),
    # which the sync engine compares with the clock before it promotes the row to `queued`.
    # A follow-up remembers since when it waits on the client (my reply's time), so a
    # thread that comes back can say "no answer since …" until the client writes.
    db.executescript(
        """
        ALTER TABLE outbox ADD COLUMN send_at REAL;
        ALTER TABLE threads ADD COLUMN followup_since REAL;
        """
    )


def _migration_7(db: sqlite_utils.Database) -> None:
    # Counts come from a summary kept by triggers and the Inbox's rows from its order index
    # (inscope.store.summary), so no read of the UI scans the threads.  threads_view was only
    # ever used for its `state` prefix and was rewritten by every thread refresh (it held
    # priority and last_client_at); an index on `state` does that job for less.
    summary.install(db.conn)
    db.conn.execute("DROP INDEX IF EXISTS threads_view")
    db.conn.execute("CREATE INDEX threads_state ON threads (state)")


def _migration_8(db: sqlite_utils.Database) -> None:
    # A sync round triages each thread once, at its end: the threads a batch touched wait
    # in `untriaged` (inscope.store.untriaged), written with the batch, so a crash before
    # the round's end leaves them for the next sync instead of stale forever.
    db.conn.execute(untriaged.DDL)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migration_1, _migration_2, _migration_3, _migration_4, _migration_5, _migration_6, _migration_7,
    _migration_8,
]


def _refuse_links(path: Path) -> None:
    # chmod follows symlinks: tightening a linked database would change some other file.
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        if p.is_symlink():
            raise StoreError(f"{p} is a symlink; inscope keeps its database as a plain file — "
                             "move the real file here instead of linking it")


def connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` (created 0600 if new) in WAL mode, autocommit, for one thread at a time.

    Refuses a symlinked database or side file and a directory in its place; a file that
    is not a database (truncated, overwritten) is a ``DatabaseUnavailable`` saying how to
    restore or rebuild it.
    """
    _refuse_links(path)
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not the database; move it aside "
                         "(inscope creates the database file itself)")
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Create the file 0600 before SQLite opens it, so it is never world-readable.
            fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
            os.close(fd)
        os.chmod(path, 0o600)
    except OSError as e:
        raise StoreError(f"{path}: cannot create or open the database ({e.strerror or e})") from e
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        conn.execute("PRAGMA cache_size=-32000")
    except sqlite3.Error as e:
        raise explain(e, path) from e
    return conn


def protect_side_files(path: Path) -> None:
    """Make the WAL and shared-memory files next to ``path`` 0600 (SQLite creates them 0644)."""
    _refuse_links(path)
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            os.chmod(side, 0o600)


def side_files(path: Path) -> tuple[int | None, int | None]:
    """The inodes of the ``-wal`` and ``-shm`` files beside ``path`` (``None``: missing)."""
    out: list[int | None] = []
    for suffix in ("-wal", "-shm"):
        try:
            out.append(os.stat(str(path) + suffix).st_ino)
        except FileNotFoundError:
            out.append(None)
    return out[0], out[1]


def integrity(conn: sqlite3.Connection) -> list[str]:
    """``PRAGMA integrity_check`` plus the FTS index's own check: ``[]`` when healthy."""
    problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
    try:
        conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    except sqlite3.Error as e:
        problems.append(f"full-text index: {e}")
    return problems


def version(conn: sqlite3.Connection) -> int:
    """The file's schema version (``PRAGMA user_version``)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def pending(current: int, path: Path) -> range:
    """The migrations a file at version ``current`` still needs; refuses a newer file."""
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema {current}, newer than this inscope ({SCHEMA_VERSION}); "
            "upgrade inscope"
        )
    return range(current + 1, SCHEMA_VERSION + 1)


def migrate_to(db: sqlite_utils.Database, to: int) -> None:
    """Run migration ``to`` and record the version; the caller holds the transaction."""
    MIGRATIONS[to - 1](db)
    db.conn.execute(f"PRAGMA user_version = {to}")
