"""The thread summary: thread counts per (project, state, priority, relevance), kept by triggers.

Every count the UI shows (the sidebar's views and projects, the header's "N waiting · N
urgent", the list's group headers) used to be a pass over ``threads``: ~20 ms at 100k
messages, ~150–200 ms at 1M, run on every view build.  ``thread_counts`` holds the same
numbers a row per (project, state, effective priority, relevance) — a few hundred rows
whatever the inbox size — and SQLite keeps it exact with three triggers on ``threads``, in
the same transaction as the change, so a reader never sees the summary and the threads
disagree.  The view conditions (``inscope.store.views.VIEW_WHERE``) read ``t.state``,
``t.relevance`` and ``p.status`` only, so they apply to this table unchanged.

``inbox_order`` is the Inbox's order as a partial index: the first screen of the Inbox is a
few index range scans (one per group on screen), never a sort of every open thread.
"""

from __future__ import annotations

import sqlite3

# ``priority`` here is the displayed one (``inscope.store.rows.DISPLAY_PRIORITY``): the
# user's override, else 0 for an urgent thread, else triage's high / normal / low.
_EFFECTIVE = "coalesce({t}priority_override, CASE WHEN {t}urgent THEN 0 ELSE {t}priority END)"
_EFFECTIVE_NEW = _EFFECTIVE.format(t="new.")
_EFFECTIVE_OLD = _EFFECTIVE.format(t="old.")

_ADD_NEW = (
    "INSERT INTO thread_counts (project_id, state, priority, relevance, n) "
    f"VALUES (new.project_id, new.state, {_EFFECTIVE_NEW}, new.relevance, 1) "
    "ON CONFLICT (project_id, state, priority, relevance) DO UPDATE SET n = n + 1;"
)
_DROP_OLD = (
    "UPDATE thread_counts SET n = n - 1 WHERE project_id = old.project_id AND state = old.state "
    f"AND priority = {_EFFECTIVE_OLD} AND relevance = old.relevance;"
)

DDL = f"""
CREATE TABLE thread_counts (
    project_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    priority INTEGER NOT NULL,
    relevance TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (project_id, state, priority, relevance)
) WITHOUT ROWID;
CREATE TRIGGER thread_counts_ai AFTER INSERT ON threads BEGIN
    {_ADD_NEW}
END;
CREATE TRIGGER thread_counts_ad AFTER DELETE ON threads BEGIN
    {_DROP_OLD}
END;
-- Ingest rewrites priority and relevance on every refresh; the WHEN keeps the common case
-- (nothing the summary counts by changed) to one comparison.
CREATE TRIGGER thread_counts_au
AFTER UPDATE OF project_id, state, priority, priority_override, urgent, relevance ON threads
WHEN old.project_id IS NOT new.project_id OR old.state IS NOT new.state
    OR {_EFFECTIVE_OLD} IS NOT {_EFFECTIVE_NEW} OR old.relevance IS NOT new.relevance
BEGIN
    {_DROP_OLD}
    {_ADD_NEW}
END;
CREATE INDEX threads_inbox_order ON threads (
    project_id, {_EFFECTIVE.format(t="")}, coalesce(last_client_at, last_at) DESC, id DESC
) WHERE state = 'open' AND relevance != 'noise';
"""

BACKFILL = f"""
INSERT INTO thread_counts (project_id, state, priority, relevance, n)
SELECT project_id, state, {_EFFECTIVE.format(t="")}, relevance, count(*)
FROM threads GROUP BY 1, 2, 3, 4;
"""


def install(conn: sqlite3.Connection) -> None:
    """Create the summary, its triggers and the Inbox order index; count existing threads.

    Runs inside the migration's transaction, so the backfill and the triggers start from
    the same snapshot.
    """
    for statement in _statements(DDL + BACKFILL):
        conn.execute(statement)


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (``executescript`` would commit the migration)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def mismatches(conn: sqlite3.Connection) -> list[tuple[int, str, int, str, int, int]]:
    """(project, state, priority, relevance, summary n, real n) where the summary is wrong.

    A full pass over ``threads``: for ``inscope doctor``-style checks and the tests, never
    for the UI.  ``[]`` when the summary is exact.
    """
    return [tuple(r) for r in conn.execute(  # type: ignore[misc]
        f"""
        WITH real AS (
            SELECT project_id, state, {_EFFECTIVE.format(t="")} AS priority, relevance,
                   count(*) AS n FROM threads GROUP BY 1, 2, 3, 4
        ), keys AS (
            SELECT project_id, state, priority, relevance FROM real
            UNION SELECT project_id, state, priority, relevance FROM thread_counts
        )
        SELECT k.project_id, k.state, k.priority, k.relevance, coalesce(s.n, 0), coalesce(r.n, 0)
        FROM keys k
        LEFT JOIN thread_counts s USING (project_id, state, priority, relevance)
        LEFT JOIN real r USING (project_id, state, priority, relevance)
        WHERE coalesce(s.n, 0) != coalesce(r.n, 0)
        """)]
