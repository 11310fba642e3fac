"""Ingest: store a batch of items, find or adopt their threads, refresh those threads
(``inscope.store.refresh``: each touched thread once per batch; with ``triage_later``
their triage waits for the end of the sync round, ``inscope.store.untriaged``).

``apply`` runs inside the caller's transaction and writes the account's cursor
in it, so a cursor moves only with what it covers — invariant 3
(docs/architecture.md, Invariants).  Inserts are idempotent on
(account, external_id); a re-delivered item only changes a message when its
text, meta or deletion changed.  New messages go in with one ``executemany``
and reach the FTS index with one ``INSERT … SELECT`` per batch; a sync batch's threads
are found, created and their projects read in chunks (``_resolve_threads``), not per
conversation.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inscope.model import UNSORTED
from inscope.store import accounts, batch, projects, states, untriaged
from inscope.store.refresh import TriageFn, refresh_thread, refresh_threads, triage_threads

__all__ = ["ApplyResult", "ProjectFn", "RoleFn", "RoleInFn", "ThreadCache", "TriageFn", "apply",
           "join_conversations", "refresh_thread", "rekey_conversation", "retriage", "thread_for",
           "triage_threads"]

if TYPE_CHECKING:
    from connectors.base import Item  # annotations only: the TUI's first frame loads no connector
    from inscope.store.workers import TriagePool

RoleFn = Callable[["Item"], str]
RoleInFn = Callable[["Item", str], str]
"""(item, name of the project its thread belongs to) → role: the thread's project decides who
the AM and the clients are, even for an item that routes nowhere on its own (an AM's e-mail)."""
ProjectFn = Callable[["Item"], str | None]
ThreadCache = dict[tuple[str, str], tuple[int, str, bool]]
"""(account, conversation) → (thread id, title, adoptable), kept by the store across batches."""


_meta_json = json.JSONEncoder(ensure_ascii=False, default=str).encode
"""``json.dumps(meta, ensure_ascii=False, default=str)``, without building an encoder per item."""


@dataclass(slots=True)
class ApplyResult:
    """What ``apply_batch`` changed: inserted and updated message counts, touched threads."""

    inserted: int
    updated: int
    threads: set[int]


def _keep_stored_mail(c: sqlite3.Connection, account: str, items: list[Item],
                      known: set[str]) -> list[Item]:
    """An e-mail whose id is stored but whose content differs is another message: it gets
    its own derived id instead of overwriting the stored one (and its author)."""
    out: list[Item] = []
    for it in items:
        if it.source in batch.IMMUTABLE_SOURCES and it.external_id in known and it.raw:
            row = c.execute("SELECT raw FROM messages WHERE account = ? AND external_id = ?",
                            (account, it.external_id)).fetchone()
            if row is not None and row[0] and row[0] != it.raw:
                it = batch.reused_id(it)
                if c.execute("SELECT 1 FROM messages WHERE account = ? AND external_id = ?",
                             (account, it.external_id)).fetchone() is not None:
                    known.add(it.external_id)  # that one is stored already: a re-delivery
        out.append(it)
    return out


def apply(
    c: sqlite3.Connection,
    cache: ThreadCache,
    account: str,
    items: Sequence[Item],
    cursor: str | None,
    *,
    project_of: ProjectFn,
    role_of: RoleFn,
    role_in: RoleInFn | None,
    triage: TriageFn | None,
    move_cursor: bool,
    triage_later: bool = False,
) -> ApplyResult:
    """Store ``items`` and (if ``move_cursor``) ``account``'s cursor, in ``c``'s transaction.

    ``triage_later``: the touched threads are summarised now and marked untriaged instead
    of assessed (``triage`` is not called); ``Store.triage_pending`` assesses them.
    """
    t0 = time.time()
    inserted = updated = 0
    touched: set[int] = set()
    known_projects: dict[str, int] = {}
    members: dict[int, tuple[str, ...]] = {}
    # One version per message (the latest edit of a chat message; e-mails under a reused
    # Message-ID kept apart), then: which of these ids do we have already?
    items = batch.collapse(items)
    known: set[str] = set()
    ext = [it.external_id for it in items]
    for i in range(0, len(ext), 500):
        chunk = ext[i:i + 500]
        known.update(r[0] for r in c.execute(
            f"SELECT external_id FROM messages WHERE account = ? AND external_id IN "
            f"({','.join('?' * len(chunk))})", (account, *chunk)))
    if known:
        items = _keep_stored_mail(c, account, items, known)
    new_rows: list[tuple[Any, ...]] = []
    seen_new: set[str] = set()
    deltas: dict[int, list[Any]] = {}  # tid → [inserted, newest client message]
    thread_project: dict[int, str] = {}
    if move_cursor:
        # A backfill brings thousands of conversations per batch: find and create their
        # threads, and read their projects, in a few statements instead of 3-4 per thread.
        _resolve_threads(c, cache, items, project_of, known_projects)
        if role_in is not None:
            thread_project = _project_names(c, cache, items)
    named: set[int] = set()  # threads whose project name a role was computed with
    recount: set[int] = set()
    am_spoke: set[int] = set()  # threads with a new message from the account manager
    for it in items:
        if not move_cursor and it.conversation_title:
            # Our own sent message (record_sent): the connector's title for it is a guess
            # (a reply from the CLI into a forum topic knows only the group's name); the
            # thread's stored title stays.
            it = dataclasses.replace(it, conversation_title="")
        was = cache.get((it.account, it.conversation))
        tid = thread_for(c, cache, it, project_of, known_projects)  # cached per conversation
        if was is not None and was[2] and tid not in named:
            thread_project.pop(tid, None)  # adopted just now: its role reads the new project
        if it.members:
            members[tid] = it.members
        edited = _ts(it.edited_at)
        meta = _meta_json(it.meta) if it.meta else "{}"
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
                named.add(tid)
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
                int(it.mentions_me), it.url, meta, it.raw, _addr(it),
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
                edited_at, deleted, reply_to, mentions_me, url, meta, raw, addr)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            new_rows,
        )
        c.execute("INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE id > ?",
                  (max_before,))
        inserted = len(new_rows)
    if members:
        # A card's members rarely change: an unchanged list is not rewritten.
        c.executemany("UPDATE threads SET members = ?1 WHERE id = ?2 AND members IS NOT ?1",
                      [(json.dumps(list(mem)), tid) for tid, mem in members.items()])
    refresh_threads(c, touched, None if triage_later else triage, {
        tid: None if tid in recount or (dl := deltas.get(tid)) is None else (int(dl[0]), dl[1])
        for tid in touched}, am_spoke)
    if triage_later:
        untriaged.mark(c, account, touched)
    if move_cursor and (new_rows or touched or not accounts.cursor_is(c, account, cursor)):
        # A quiet round (nothing new, same cursor) writes no row at all.
        accounts.store_cursor(c, account, cursor, t0)
    return ApplyResult(inserted, updated, touched)


def thread_for(c: sqlite3.Connection, cache: ThreadCache, it: Item, project_of: ProjectFn,
               known_projects: dict[str, int]) -> int:
    """The thread ``it`` belongs to (created if new); adopts an Unsorted thread into the
    first project an item of it routes to."""
    key = (it.account, it.conversation)
    cached = cache.get(key)
    if cached is None or cached[1] != it.conversation_title:
        cached = _lookup(c, it, project_of, known_projects)
        cache[key] = cached
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
                (projects.id_or_create(c, pname, known_projects), tid, UNSORTED, it.account,
                 it.conversation))
            cache[key] = (tid, it.conversation_title, False)
    return tid


def _lookup(c: sqlite3.Connection, it: Item, project_of: ProjectFn,
            known_projects: dict[str, int]) -> tuple[int, str, bool]:
    """(thread id, title, adoptable): adoptable = in Unsorted by default, not by hand.
    One item's case of ``_resolve_threads`` (found, retitled or created the same way)."""
    key = (it.account, it.conversation)
    one: ThreadCache = {}
    _resolve_threads(c, one, [it], project_of, known_projects)
    return one[key]


_CHUNK = 500  # bound parameters per IN (…) list, well under SQLite's limit


def _resolve_threads(c: sqlite3.Connection, cache: ThreadCache, items: Sequence[Item],
                     project_of: ProjectFn, known_projects: dict[str, int]) -> None:
    """Fill ``cache`` for every conversation of ``items`` it lacks, as ``_lookup`` would for
    each conversation's first item (same title update, project, route and adoptability):
    the stored threads and routes are read with one query per chunk, and the new threads
    are inserted with one ``executemany``."""
    first: dict[tuple[str, str], Item] = {}
    for it in items:
        key = (it.account, it.conversation)
        if key not in cache and key not in first:
            first[key] = it
    if not first:
        return
    by_account: dict[str, list[str]] = {}
    for account, conv in first:
        by_account.setdefault(account, []).append(conv)
    routed: dict[tuple[str, str], int] = {}
    stored: dict[tuple[str, str], tuple[int, str, str]] = {}
    for account, convs in by_account.items():
        for i in range(0, len(convs), _CHUNK):
            chunk = convs[i:i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for conv, pid in c.execute(f"SELECT conversation, project_id FROM routes WHERE account = ? "
                                       f"AND conversation IN ({marks})", (account, *chunk)):
                routed[(account, conv)] = int(pid)
            for tid, conv, title, pname in c.execute(
                    f"SELECT t.id, t.conversation, t.title, p.name FROM threads t JOIN projects p "
                    f"ON p.id = t.project_id WHERE t.account = ? AND t.conversation IN ({marks})",
                    (account, *chunk)):
                stored[(account, conv)] = (int(tid), title, pname)
    retitle: list[tuple[str, int]] = []
    new: list[tuple[tuple[str, str], Item, int, bool]] = []
    for key, it in first.items():
        row = stored.get(key)
        if row is not None:
            tid, title, pname = row
            if it.conversation_title and title != it.conversation_title:
                retitle.append((it.conversation_title, tid))
            cache[key] = (tid, it.conversation_title, pname == UNSORTED and key not in routed)
            continue
        pname_of = project_of(it)
        pid = projects.id_or_create(c, pname_of or UNSORTED, known_projects)
        route = routed.get(key)
        new.append((key, it, pid if route is None else route, pname_of is None and route is None))
    if retitle:
        c.executemany("UPDATE threads SET title = ? WHERE id = ?", retitle)
    if not new:
        return
    c.executemany(
        "INSERT INTO threads (account, source, conversation, title, url, project_id) VALUES (?, ?, ?, ?, ?, ?)",
        [(it.account, it.source, it.conversation, it.conversation_title, it.url, pid)
         for _key, it, pid, _adopt in new])
    ids: dict[tuple[str, str], int] = {}
    fresh: dict[str, list[str]] = {}
    for (account, conv), *_rest in new:
        fresh.setdefault(account, []).append(conv)
    for account, convs in fresh.items():
        for i in range(0, len(convs), _CHUNK):
            chunk = convs[i:i + _CHUNK]
            ids.update(((account, conv), int(tid)) for tid, conv in c.execute(
                f"SELECT id, conversation FROM threads WHERE account = ? AND conversation IN "
                f"({','.join('?' * len(chunk))})", (account, *chunk)))
    for key, it, _pid, adopt in new:
        cache[key] = (ids[key], it.conversation_title, adopt)


def _project_names(c: sqlite3.Connection, cache: ThreadCache, items: Sequence[Item]) -> dict[int, str]:
    """thread id → its project's name, for the cached threads of ``items``, read in chunks."""
    tids = sorted({cached[0] for it in items if (cached := cache.get((it.account, it.conversation)))})
    out: dict[int, str] = {}
    for i in range(0, len(tids), _CHUNK):
        chunk = tids[i:i + _CHUNK]
        out.update((int(tid), name) for tid, name in c.execute(
            f"SELECT t.id, p.name FROM threads t JOIN projects p ON p.id = t.project_id "
            f"WHERE t.id IN ({','.join('?' * len(chunk))})", chunk))
    return out


def retriage(c: sqlite3.Connection, triage: TriageFn, thread_ids: Sequence[int],
             pool: TriagePool | None = None) -> int:
    """Recompute triage for ``thread_ids``, in ``c``'s transaction; returns how many
    (assessed in ``pool``'s workers when given)."""
    refresh_threads(c, thread_ids, triage, pool=pool)
    return len(thread_ids)


def rekey_conversation(c: sqlite3.Connection, account: str, old: str, new: str) -> int:
    """Rename conversation ``old`` (and its ``old:topic`` keys) to ``new``, folding in a thread
    that already arrived under the new key; in ``c``'s transaction.  The caller clears the
    thread cache."""
    n = 0
    rows = c.execute(
        "SELECT id, conversation FROM threads WHERE account = ? AND (conversation = ? OR conversation LIKE ?)",
        (account, old, old + ":%"),
    ).fetchall()
    waiting = ",".join("?" * len(states.WAITING))
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
        refresh_thread(c, tid, None)
        # Rows not sent yet follow the conversation; sent and in-flight ones keep their record.
        c.execute(f"UPDATE outbox SET conversation = ? WHERE account = ? AND conversation = ? "
                  f"AND state IN ({waiting})", (new_conv, account, conv, *states.WAITING))
        n += 1
    c.execute("UPDATE routes SET conversation = ? WHERE account = ? AND conversation = ?",
              (new, account, old))
    return n


def _addr(it: Item) -> str:
    """``"to"`` when an e-mail had my address in To, ``"cc"`` when only in Cc, else ``""``."""
    if it.meta.get("to_me"):
        return "to"
    return "cc" if it.meta.get("cc_me") else ""


_FACTS = "state, snooze_until, snooze_kind, snooze_reason, escalated_to, priority_override, due_at"


def join_conversations(c: sqlite3.Connection, account: str, absorbed: str, into: str) -> bool:
    """Merge conversation ``absorbed`` into ``into`` (they turned out to be one), in ``c``'s
    transaction: messages, outbox, escalations and events move over, the merged state is
    ``states.merged_thread``'s, the project mapping follows.  Without a thread under
    ``into`` yet, ``absorbed``'s thread is just renamed.  True if a thread was touched;
    the caller clears the thread cache."""
    src = c.execute(f"SELECT id, {_FACTS} FROM threads WHERE account = ? AND conversation = ?",
                    (account, absorbed)).fetchone()
    if src is None:
        return False
    dst = c.execute(f"SELECT id, {_FACTS} FROM threads WHERE account = ? AND conversation = ?",
                    (account, into)).fetchone()
    waiting = ",".join("?" * len(states.WAITING))
    c.execute(f"UPDATE outbox SET conversation = ? WHERE account = ? AND conversation = ? AND state IN ({waiting})",
              (into, account, absorbed, *states.WAITING))
    c.execute("INSERT OR IGNORE INTO routes (account, conversation, project_id) "
              "SELECT account, ?, project_id FROM routes WHERE account = ? AND conversation = ?",
              (into, account, absorbed))
    c.execute("DELETE FROM routes WHERE account = ? AND conversation = ?", (account, absorbed))
    if dst is None:
        c.execute("UPDATE threads SET conversation = ? WHERE id = ?", (into, src[0]))
        return True
    sid, did = src[0], dst[0]
    for table in ("messages", "outbox", "escalations", "events"):
        c.execute(f"UPDATE {table} SET thread_id = ? WHERE thread_id = ?", (did, sid))
    # One draft per thread: the surviving thread's own, else the absorbed one's.
    c.execute("UPDATE OR IGNORE drafts SET thread_id = ? WHERE thread_id = ?", (did, sid))
    c.execute("DELETE FROM drafts WHERE thread_id = ?", (sid,))
    merged = states.merged_thread(_facts(dst[1:]), _facts(src[1:]))
    c.execute("UPDATE threads SET state = ?, snooze_until = ?, snooze_kind = ?, snooze_reason = ?, "
              "escalated_to = ?, priority_override = ?, due_at = ? WHERE id = ?",
              (merged.state, merged.snooze_until, merged.snooze_kind, merged.snooze_reason, merged.escalated_to,
               merged.priority_override, merged.due_at, did))
    c.execute("DELETE FROM threads WHERE id = ?", (sid,))
    refresh_thread(c, did, None)
    return True


def _facts(row: Sequence[Any]) -> states.ThreadFacts:
    state, until, kind, reason, esc, override, due = row
    return states.ThreadFacts(state=state, snooze_until=until, snooze_kind=kind, snooze_reason=reason or "",
                              escalated_to=esc or "", priority_override=override, due_at=due)


def _ts(dt: Any) -> float | None:
    return None if dt is None else float(dt.timestamp())
