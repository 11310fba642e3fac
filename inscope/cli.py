"""The ``inscope`` command: the TUI by default, and thin headless commands over the core.

Every command works on the demo workspace with ``--demo`` (local sandbox
services, no credentials).  Errors are one clear line on stderr and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inscope.config import ConfigError
from inscope.model import PROJECT_STATUSES, Priority
from inscope.store import Store, StoreError

if TYPE_CHECKING:  # imported lazily at run time: `inscope --help` stays fast
    from inscope.workspace import Workspace

EXIT_USAGE = 2
EXIT_ERROR = 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="inscope",
        description="One keyboard-driven inbox for Trello comments, Telegram groups and email.",
    )
    p.add_argument("--demo", action="store_true", help="use the built-in demo workspace")
    p.add_argument("--demo-size", type=int, default=600, metavar="N",
                   help="messages in the demo world (default 600)")
    p.add_argument("--demo-reset", action="store_true", help="regenerate the demo workspace")
    p.add_argument("--config", type=Path, metavar="PATH", help="config file (default: beside the data)")
    sub = p.add_subparsers(dest="cmd")

    s = sub.add_parser("sync", help="fetch new messages and deliver the outbox")
    s.add_argument("--once", action="store_true", help="one round, then exit (default: keep syncing)")
    s.add_argument("--interval", type=float, default=60.0, help="seconds between rounds")

    s = sub.add_parser("inbox", help="print the grouped inbox")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.add_argument("--all", action="store_true", help="include held, snoozed, noise and done threads")
    s.add_argument("--view", default=None, help="inbox | held | snoozed | escalated | answered | done | noise | all")

    s = sub.add_parser("show", help="print one thread's conversation")
    s.add_argument("thread", type=int)

    s = sub.add_parser("reply", help="queue a reply and try to deliver it")
    s.add_argument("thread", type=int)
    s.add_argument("-m", "--message", required=True, help="reply text ('-' reads stdin)")

    s = sub.add_parser("done", help="mark threads done")
    s.add_argument("thread", type=int, nargs="+")

    s = sub.add_parser("snooze", help="snooze a thread")
    s.add_argument("thread", type=int)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--until", metavar="WHEN", help='e.g. "1h", "tomorrow 10:00", "завтра 10:00", "fri"')
    g.add_argument("--window", action="store_true", help="until the next reply window")
    g.add_argument("--client", action="store_true", help="until the client replies")
    g.add_argument("--project", action="store_true", help="until the project is active again")

    s = sub.add_parser("escalate", help="escalate a thread to the project's account manager")
    s.add_argument("thread", type=int)
    s.add_argument("-m", "--note", required=True)

    s = sub.add_parser("assign", help="move a thread (e.g. from Unsorted) to a project")
    s.add_argument("thread", type=int)
    s.add_argument("project")

    s = sub.add_parser("resolve", help="resolve a thread's escalation by hand")
    s.add_argument("thread", type=int)

    s = sub.add_parser("priority", help="override a thread's priority (until the next client message)")
    s.add_argument("thread", type=int)
    s.add_argument("level", choices=[p.label for p in Priority])

    sub.add_parser("undo", help="undo the last action")

    s = sub.add_parser("project", help="set a project's status")
    s.add_argument("name")
    s.add_argument("status", choices=PROJECT_STATUSES)

    s = sub.add_parser("search", help="full-text search; prints matching threads")
    s.add_argument("query")

    s = sub.add_parser("outbox", help="list undelivered replies; --resend ID after checking")
    s.add_argument("--resend", type=int, metavar="ID")
    s.add_argument("--cancel", type=int, metavar="ID")

    s = sub.add_parser("report", help="time and response statistics per project")
    s.add_argument("--since", default=None, help="YYYY-MM-DD (default: 30 days ago)")
    s.add_argument("--format", choices=["md", "csv", "json"], default="md")

    s = sub.add_parser("connect", help="add an account (secrets go to the keyring)")
    s.add_argument("kind", choices=["trello", "telegram", "email"])

    sub.add_parser("doctor", help="check config, keyring, data dir and every source")
    return p


def _err(msg: str) -> int:
    print(f"inscope: {msg}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ConfigError, StoreError, ValueError) as e:
        return _err(str(e))
    except KeyboardInterrupt:
        return 130


def _open(args: argparse.Namespace) -> Workspace:
    from inscope.workspace import Workspace

    return Workspace.open(config_path=args.config, demo=args.demo, demo_size=args.demo_size,
                          demo_reset=args.demo_reset)


def _run(args: argparse.Namespace) -> int:
    if args.cmd is None:
        from tui.app import run

        ws = _open(args)
        try:
            run(ws)
            return 0
        finally:
            ws.close()
    if args.cmd == "connect":
        from inscope.connect import connect

        return connect(args.kind, args.config)
    ws = _open(args)
    store = ws.store()
    try:
        if args.demo and args.cmd not in ("sync",):
            # The demo's sources are local: bring the store up to date first.
            _sync_once(ws, store, quiet=True)
        handler = _COMMANDS[args.cmd]
        return handler(ws, store, args)
    finally:
        store.close()
        ws.close()


# -- sync -----------------------------------------------------------------------------

def _sync_once(ws: Workspace, store: Store, quiet: bool = False) -> Any:
    async def go() -> Any:
        engine = ws.engine(store)
        try:
            return await engine.sync_all(), engine.status
        finally:
            await engine.aclose()

    report, status = asyncio.run(go())
    if not quiet:
        for name, st in status.items():
            line = f"{name:<16} {st.kind:<9} {st.state:<9} +{st.items} items"
            if st.message:
                line += f"  — {st.message}"
            print(line)
        print(f"new {report.inserted}, changed {report.updated}, sent {report.sent}, "
              f"failed {report.failed}, unknown {report.unknown}")
        for note in report.notes:
            print(note)
    return report


def cmd_sync(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    if args.once:
        report = _sync_once(ws, store)
        return EXIT_ERROR if report.errors else 0

    async def forever() -> None:
        engine = ws.engine(store)
        try:
            await engine.run_forever(lambda r: print(
                f"{datetime.now():%H:%M:%S} new {r.inserted}, changed {r.updated}, sent {r.sent}"
                + (f", errors: {'; '.join(f'{k}: {v}' for k, v in r.errors.items())}" if r.errors else ""),
                flush=True), interval=args.interval)
        finally:
            await engine.aclose()

    asyncio.run(forever())
    return 0


# -- inbox ----------------------------------------------------------------------------

def inbox_json(ws: Workspace, store: Store, view: str = "inbox", now: float | None = None) -> dict[str, Any]:
    """The grouped inbox in the shape of design.md."""
    t = time.time() if now is None else now
    st = ws.schedule.state(datetime.fromtimestamp(t, UTC))
    window: dict[str, Any] = {"open": st.open}
    if st.open and st.current_end is not None:
        window["ends_at"] = st.current_end.isoformat()
    if st.next_start is not None:
        window["next_start"] = st.next_start.isoformat()
    # Outside a reply window only what breaks through is shown; the rest is held, counted.
    gate = ws.inbox_gate(t)
    if gate.held_until is not None:
        window["held_until"] = datetime.fromtimestamp(gate.held_until, UTC).isoformat()
    index = store.view_index(view, max_priority=gate.max_priority if view == "inbox" else None)
    rows = store.threads_by_id([i for i, _, _ in index])
    statuses = {p.id: p.status for p in store.projects()}
    groups: list[dict[str, Any]] = []
    for tid, pid, pr in index:
        r = rows[tid]
        if not groups or groups[-1]["_key"] != (pid, pr):
            groups.append({"_key": (pid, pr), "project": r.project, "project_status": statuses.get(pid, "active"),
                           "priority": Priority(pr).label, "threads": []})
        groups[-1]["threads"].append({
            "id": r.id, "source": r.source, "title": r.title, "last_text": r.last_text,
            "last_author": r.last_author, "state": r.state, "priority": r.priority.label,
            "reasons": list(r.reasons),
            "scope": {"value": r.scope, "reason": r.scope_reason} if r.scope_reason else r.scope,
            "due_at": datetime.fromtimestamp(r.due_at, UTC).isoformat() if r.due_at else None,
            "url": r.url,
        })
    for g in groups:
        del g["_key"]
    counts = store.view_counts(max_priority=gate.max_priority)
    held = store.held_counts()
    return {
        "generated_at": datetime.fromtimestamp(t, UTC).isoformat(),
        "view": view,
        "window": window,
        "groups": groups,
        "hidden": {"snoozed": counts["snoozed"], "paused": held.get("paused", 0),
                   "unpaid": held.get("unpaid", 0), "noise": counts["noise"], "done": counts["done"],
                   "held_until_window": counts["held_until_window"]},
    }


def cmd_inbox(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    view = args.view or ("all" if args.all else "inbox")
    data = inbox_json(ws, store, view)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    from inscope.text import one_line

    print(ws.header(store))
    for g in data["groups"]:
        mark = "" if g["project_status"] == "active" else f" [{g['project_status']}]"
        print(f"\n== {g['project']}{mark} · {g['priority']} ({len(g['threads'])})")
        for t in g["threads"]:
            print(f"  #{t['id']:<6} {t['source'][:2]:<2} {one_line(t['title'], 40):<40} "
                  f"{one_line(t['last_author'], 18):<18} {one_line(t['last_text'], 60)}")
    h = data["hidden"]
    print(f"\nhidden: {h['held_until_window']} held until the next window, {h['snoozed']} snoozed, "
          f"{h['paused']} paused, {h['unpaid']} unpaid, {h['noise']} noise, {h['done']} done")
    return 0


def cmd_show(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    from inscope.text import sanitize

    th = store.thread(args.thread)
    print(f"#{th.id} {sanitize(th.title)} — {th.project} · {th.source} · {th.state} · {th.priority.label}")
    for reason in th.reasons:
        print(f"  why: {reason}")
    for m in store.messages(th.id):
        when = datetime.fromtimestamp(m.created_at).strftime("%Y-%m-%d %H:%M")
        flags = (" (edited)" if m.edited_at else "") + (" (deleted)" if m.deleted else "")
        print(f"\n{sanitize(m.author_name)} [{m.role}] {when}{flags}")
        if m.reply_to_text:
            print(f"  ↳ {sanitize(m.reply_to_text)[:80]}")
        print(sanitize(m.text))
    return 0


# -- actions ----------------------------------------------------------------------------

def cmd_reply(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.message == "-" else args.message
    warn = ws.warn_unpaid(store, args.thread)
    if warn:
        print(f"warning: {warn}", file=sys.stderr)
    oid = store.queue_reply(args.thread, text)
    print(f"queued reply {oid} for thread {args.thread}")
    _sync_once(ws, store, quiet=True)
    row = store.outbox_row(oid)
    print(f"outbox {oid}: {row.state}" + (f" — {row.last_error}" if row.last_error else ""))
    return 0 if row.state in ("sent", "queued") else EXIT_ERROR


def cmd_done(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    for tid in args.thread:
        store.mark_done(tid)
        print(f"done: #{tid}")
    return 0


def cmd_snooze(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    if args.until:
        until = ws.snooze_until(args.until)
        store.snooze(args.thread, "until", until, f"until {datetime.fromtimestamp(until):%a %d %b %H:%M}")
    elif args.window:
        nxt = ws.next_window_start()
        if nxt is None:
            return _err("no reply windows are configured")
        store.snooze(args.thread, "window", nxt, f"until the next reply window ({datetime.fromtimestamp(nxt):%a %H:%M})")
    elif args.client:
        store.snooze(args.thread, "client", None, "until the client replies")
    else:
        store.snooze(args.thread, "project", None, "until the project is active again")
    th = store.thread(args.thread)
    print(f"snoozed #{th.id}: {th.snooze_reason}")
    return 0


def cmd_escalate(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    print(ws.escalate(store, args.thread, args.note))
    _sync_once(ws, store, quiet=True)
    return 0


def cmd_assign(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    store.assign_project(args.thread, args.project)
    ws.retriage(store)
    print(f"#{args.thread}: moved to {args.project}")
    return 0


def cmd_resolve(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    store.resolve_escalation(args.thread)
    print(f"#{args.thread}: escalation resolved")
    return 0


def cmd_priority(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    store.set_priority(args.thread, Priority.parse(args.level))
    print(f"#{args.thread}: priority {args.level} (until the next client message)")
    return 0


def cmd_undo(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    what = store.undo()
    print(f"undone: {what}" if what else "nothing to undo")
    return 0


def cmd_project(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    store.set_project_status(args.name, args.status)
    ws.retriage(store)
    print(f"{args.name}: {args.status}")
    return 0


def cmd_search(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    from inscope.text import one_line

    ids = store.search(args.query)
    rows = store.threads_by_id(ids)
    for tid in ids:
        r = rows[tid]
        print(f"#{r.id:<6} {r.project[:16]:<16} {r.state:<9} {one_line(r.title, 40):<40} {one_line(r.last_text, 60)}")
    print(f"{len(ids)} threads")
    return 0


def cmd_outbox(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    if args.resend:
        store.outbox_move(args.resend, "queued")
        _sync_once(ws, store, quiet=True)
    if args.cancel:
        store.outbox_move(args.cancel, "cancelled")
    for r in store.outbox():
        print(f"{r.id:<5} {r.state:<8} {r.kind:<10} {r.account:<12} tries {r.attempts}  {r.text[:50]!r}"
              + (f" — {r.last_error}" if r.last_error else ""))
    return 0


def cmd_report(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    from inscope.report import render

    # --since is a date in the user's timezone.
    since = (datetime.fromisoformat(args.since).replace(tzinfo=ws.schedule.tz).timestamp() if args.since
             else time.time() - 30 * 86400)
    rows = ws.report(store, since)
    print(render(rows, args.format), end="")
    return 0


def cmd_doctor(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    from inscope.secrets import keyring_usable

    ok = True
    mode = oct(ws.home.stat().st_mode & 0o777)
    print(f"data dir   {ws.home}  ({mode})")
    print(f"database   {ws.db_path}  ({oct(ws.db_path.stat().st_mode & 0o777)}, schema {store.schema_version()})")
    print(f"config     {ws.config_path}  ({'found' if ws.config_path.exists() else 'missing — using defaults'})")
    print(f"keyring    {'available' if keyring_usable() else 'no backend — secrets are read from INSCOPE_* env vars'}")
    print(f"projects   {len(ws.config.projects)}   accounts {len(ws.config.accounts)}")
    report = _sync_once(ws, store, quiet=True)
    for a in store.accounts():
        line = f"source     {a['name']:<16} {a['kind']:<9} {a['status']}"
        if a["last_error"]:
            line += f" — {a['last_error']}"
            ok = False
        print(line)
    pending = store.outbox()
    if pending:
        print(f"outbox     {len(pending)} undelivered (see `inscope outbox`)")
    return 0 if ok and not report.errors else EXIT_ERROR


_COMMANDS = {
    "sync": cmd_sync, "inbox": cmd_inbox, "show": cmd_show, "reply": cmd_reply, "done": cmd_done,
    "snooze": cmd_snooze, "escalate": cmd_escalate, "resolve": cmd_resolve, "assign": cmd_assign, "priority": cmd_priority, "undo": cmd_undo,
    "project": cmd_project, "search": cmd_search, "outbox": cmd_outbox, "report": cmd_report,
    "doctor": cmd_doctor,
}


if __name__ == "__main__":
    sys.exit(main())
