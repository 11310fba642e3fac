"""The project table: kept in step with config, looked up by name, created on first route."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable

from inscope.model import UNSORTED
from inscope.store.errors import StoreError


def sync(c: sqlite3.Connection, projects: Iterable[tuple[str, str]]) -> None:
    """Make the table match config ``(name, status)`` pairs in config order (in ``c``'s transaction).

    A status set by hand (palette/CLI) sticks until the config's own status for
    that project changes.
    """
    t = time.time()
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


def project_id(conn: sqlite3.Connection, name: str) -> int:
    """The id of the project called ``name``; refuses an unknown name."""
    row = conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise StoreError(f"no project named {name!r}")
    return int(row[0])


def id_or_create(c: sqlite3.Connection, name: str, known: dict[str, int]) -> int:
    """The id of ``name``, created (active, before Unsorted) when a route names a project
    config does not list; ``known`` caches ids for the rest of one batch."""
    pid = known.get(name)
    if pid is None:
        r = c.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        if r is None:
            c.execute(
                "INSERT INTO projects (name, status, status_since, cfg_status, sort) "
                "VALUES (?, 'active', ?, 'active', 999999)",
                (name, time.time()),
            )
            r = c.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        pid = known[name] = int(r[0])
    return pid
