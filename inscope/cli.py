"""The ``inscope`` command: the TUI by default, and thin headless commands over the core.

Every command works on the demo workspace with ``--demo`` (local sandbox
services, no credentials).  Errors are one clear line on stderr and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inscope.actions import ActionError, NeedsConfirmation, Outcome
from inscope.config import ConfigError
from inscope.model import PROJECT_STATUSES, Priority
from inscope.services import DEMO_WITH_CONFIG, DemoUnavailable
from inscope.store import Store, StoreError, explain
from inscope.store.states import UNDELIVERED
from inscope.text import one_line, sanitize

if TYPE_CHECKING:  # imported lazily at run time: `inscope --help` stays fast
    from inscope.workspace import Workspace

EXIT_USAGE = 2
EXIT_ERROR = 1

# What the toolkit's commands print (held replies, follow-ups, templates, notifications) —
# in one place for the later translation pass.
NOTICE_LINE = "{time} notice: {title} — {body}"
FOLLOWUP_BACK_ROW = "          ↩ back from a follow-up: {note}"
SNOOZED_ROW = "          snoozed {reason}"
SCHEDULED_COUNT = "{n} repl{ies} scheduled — `inscope outbox` to see, edit or cancel"
SHOW_FOLLOWUP = "  back from a follow-up: {note}"
SHOW_SCHEDULED = "  reply scheduled for {when} (outbox #{oid}; `inscope outbox --edit {oid}` / --cancel)"
BAD_SET = "--set {pair!r}: expected FIELD=VALUE, e.g. --set summary=\"…\""
NEEDS_SET = "not sent: {error} — add --set FIELD=VALUE for each"
TEMPLATE_ROW = "{name:<22} {lang:<4} {scope:<20} {description}"
TEMPLATE_FIELDS = "{pad:<22} fields: {fields}"
TEMPLATE_ANY_LANG = "any"
TEMPLATE_ALL_PROJECTS = "all projects"
TEMPLATE_COUNT = "{n} templates"
NO_LANG_VERSION = "template {name!r} has no {lang} version"
NOTIFY_STATE = "notifications {state}; channel here: {method}{saved}"
NOTIFY_ON = "on"
NOTIFY_OFF = "off ([notify] enabled = false)"
NOTIFY_SAVED = "; Saved Messages via {account}"
NOTIFY_IS_OFF = "notifications are off: set [notify] enabled = true first"
NOTIFY_SENT = "sent through {method}"
NOTIFY_NO_TERMINAL = ("nothing shown here: stdout is not a terminal (run it in the terminal you use "
                      "inscope in)")
NOTIFY_SAVED_SENT = "Saved Messages: sent {n}{errors}"
NOTIFY_TEST = "a test notification"
OUTBOX_AT = "at {when}  "
EDIT_FLAGS_ALONE = "-m, --at and --at-window go with --edit ID"
EDIT_NEEDS = "--edit ID needs -m TEXT, --at WHEN or --at-window"
DOCTOR_SCHEDULED = "outbox     {n} scheduled for later (see `inscope outbox`)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="inscope",
        description="One keyboard-driven inbox for Trello comments, Telegram groups and email.",
    )
    p.add_argument("--demo", action="store_true", help="use the built-in demo workspace")
    p.add_argument("--demo-size", type=int, default=600, metavar="N",
                   help="messages in the demo world (default 600)")
    p.add_argument("--demo-reset", action="store_true", help="regenerate the demo workspace")
    p.add_argument("--config", type=Path, metavar="PATH", help="config file (default: beside the data; not with --demo)")
    sub = p.add_subparsers(dest="cmd")

    s = sub.add_parser("sync", help="fetch new messages and deliver the outbox")
    s.add_argument("--once", action="store_true", help="one round, then exit (default: keep syncing)")
    s.add_argument("--interval", type=float, default=60.0, help="seconds between rounds")

    s = sub.add_parser("inbox", help="print the grouped inbox")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.add_argument("--all", action="store_true", help="include held, snoozed, noise and done threads")
    s.add_argument("--view", default=None, help="inbox | held | snoozed | escalated | answered | done | noise | all")

    s = sub.add_parser("show", help="print one thread's conversation")
    s.add_argument("thread", type=thread_id)

    s = sub.add_parser("reply", help="queue a reply (now, or held until a time) and try to deliver it")
    s.add_argument("thread", type=thread_id)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("-m", "--message", help="reply text ('-' reads stdin)")
    g.add_argument("--template", metavar="NAME", help="a reply template (see `inscope template list`)")
    s.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="fields",
                   help="a template field the thread does not know (repeat for more)")
    s.add_argument("--lang", choices=["ru", "en"], help="the template's language (default: the thread's)")
    w = s.add_mutually_exclusive_group()
    w.add_argument("--at", metavar="WHEN", help='hold it until then: "завтра 11:00", "fri 10:00", "2h"')
    w.add_argument("--at-window", action="store_true", help="hold it until the next reply window opens")
    s.add_argument("--yes", action="store_true",
                   help="confirm what would otherwise be refused (a reply to an unpaid project)")

    s = sub.add_parser("followup", help="wait on the client: back in the inbox if they do not answer")
    s.add_argument("thread", type=thread_id, nargs="+")
    s.add_argument("--after", required=True, metavar="WHEN",
                   help='"2 windows", "3 days", "2 окна", or a time: "fri 11:00"')

    s = sub.add_parser("template", help="reply templates: list them, or show one filled for a thread")
    tsub = s.add_subparsers(dest="template_cmd", required=True)
    t = tsub.add_parser("list", help="every template (or those offered for a project or thread)")
    t.add_argument("--project", help="only what this project offers")
    t.add_argument("--thread", type=thread_id, help="only what this thread offers (its project and language)")
    t.add_argument("--json", action="store_true", help="machine-readable output")
    t = tsub.add_parser("show", help="a template's text, filled for a thread when one is given")
    t.add_argument("name")
    t.add_argument("--thread", type=thread_id, help="fill the placeholders from this thread")
    t.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="fields")
    t.add_argument("--lang", choices=["ru", "en"])

    s = sub.add_parser("notify", help="notifications: which channel they take; --test sends one")
    s.add_argument("--test", action="store_true", help="send a test notification now")

    s = sub.add_parser("done", help="mark threads done")
    s.add_argument("thread", type=thread_id, nargs="+")

    s = sub.add_parser("snooze", help="snooze a thread")
    s.add_argument("thread", type=thread_id)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--until", metavar="WHEN", help='e.g. "1h", "tomorrow 10:00", "завтра 10:00", "fri"')
    g.add_argument("--window", action="store_true", help="until the next reply window")
    g.add_argument("--client", action="store_true", help="until the client replies")
    g.add_argument("--project", action="store_true", help="until the project is active again")

    s = sub.add_parser("escalate", help="escalate a thread to the project's account manager")
    s.add_argument("thread", type=thread_id)
    s.add_argument("-m", "--note", required=True)

    s = sub.add_parser("assign", help="move a thread (e.g. from Unsorted) to a project")
    s.add_argument("thread", type=thread_id)
    s.add_argument("project")

    s = sub.add_parser("resolve", help="resolve a thread's escalation by hand")
    s.add_argument("thread", type=thread_id)

    s = sub.add_parser("priority", help="override a thread's priority (until the next client message)")
    s.add_argument("thread", type=thread_id)
    s.add_argument("level", choices=[p.label for p in Priority])

    s = sub.add_parser("relevance", help="mark a thread yours or not (it sticks, and triage learns)")
    s.add_argument("thread", type=thread_id)
    s.add_argument("value", choices=["mine", "not-mine"])

    sub.add_parser("undo", help="undo the last action")

    s = sub.add_parser("project", help="set a project's status")
    s.add_argument("name")
    s.add_argument("status", choices=list(PROJECT_STATUSES))

    s = sub.add_parser("search", help="full-text search; prints matching threads")
    s.add_argument("query")

    s = sub.add_parser("outbox", help="list undelivered and scheduled replies; --resend ID after checking")
    s.add_argument("--resend", type=thread_id, metavar="ID", help="queue a failed or unknown row again")
    s.add_argument("--cancel", type=thread_id, metavar="ID",
                   help="never send this row (a scheduled reply's text goes back to the draft)")
    s.add_argument("--edit", type=thread_id, metavar="ID",
                   help="change a scheduled reply: -m TEXT and/or --at WHEN / --at-window")
    s.add_argument("--send-now", type=thread_id, metavar="ID", help="send a scheduled reply now")
    s.add_argument("-m", "--message", help="with --edit: the new text ('-' reads stdin)")
    w = s.add_mutually_exclusive_group()
    w.add_argument("--at", metavar="WHEN", help="with --edit: the new send time")
    w.add_argument("--at-window", action="store_true", help="with --edit: at the next reply window")
    s.add_argument("--yes", action="store_true",
                   help="confirm resending a row whose delivery is unknown (it may arrive twice)")

    s = sub.add_parser("report", help="time and response statistics per project")
    s.add_argument("--since", default=None, help="YYYY-MM-DD (default: 30 days ago)")
    s.add_argument("--format", choices=["md", "csv", "json"], default="md")

    s = sub.add_parser("connect", help="add an account (secrets go to the keyring)")
    s.add_argument("kind", choices=["trello", "telegram", "email"])
    s.add_argument("--user", action="store_true",
                   help="telegram: sign in as yourself (your own account), not as a bot")

    sub.add_parser("doctor", help="check config, keyring, data dir and every source")
    return p


def thread_id(text: str) -> int:
    """An id argument: a positive integer SQLite can hold (ids beyond it name nothing)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < n < 2**63:
        raise argparse.ArgumentTypeError(f"{text}: no such id (ids are positive numbers)")
    return n


def _err(msg: str) -> int:
    print(f"inscope: {one_line(msg, 2000)}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd is not None:
        from inscope.logs import setup

        setup()  # warnings on stderr, redacted and without terminal escapes
    if args.demo and args.config is not None:
        print(f"inscope: {DEMO_WITH_CONFIG}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run(args)
    except (ConfigError, StoreError, ActionError, ValueError, DemoUnavailable) as e:
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

        if args.user and args.kind != "telegram":
            print("inscope: --user is for `inscope connect telegram --user`", file=sys.stderr)
            return EXIT_USAGE
        return connect("telegram_user" if args.user else args.kind, args.config)
    ws = _open(args)
    try:
        if args.cmd == "doctor" and (problem := _damaged(ws)):
            return _err(problem)
        store = ws.store()
        try:
            if args.demo and args.cmd not in ("sync",):
                # The demo's sources are local: bring the store up to date first.
                _sync_once(ws, store, quiet=True)
            elif args.cmd not in ("sync", "doctor"):
                # The clock's work on threads: snoozes and follow-ups whose time came wake,
                # so what a command shows is as of now even when no sync is running.
                ws.actions(store).wake()
            handler = _COMMANDS[args.cmd]
            return handler(ws, store, args)
        except sqlite3.Error as e:  # locked, full, damaged: one line naming the file, no traceback
            return _err(str(explain(e, ws.db_path)))
        finally:
            store.close()
    finally:
        ws.close()


def _damaged(ws: Workspace) -> str:
    """For ``doctor``: the integrity check's findings, as the one line to print ("" if fine)."""
    try:
        store = ws.store()
    except StoreError as e:
        return str(e)
    try:
        problems = store.integrity()
    except sqlite3.Error as e:
        return str(explain(e, ws.db_path))
    finally:
        store.close()
    if not problems:
        return ""
    return str(explain(sqlite3.DatabaseError("malformed: " + "; ".join(problems[:3])), ws.db_path))


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
            line = f"{one_line(name, 16):<16} {st.kind:<9} {st.state:<9} +{st.items} items"
            if st.message:
                line += f"  — {one_line(st.message, 500)}"
            print(line)
        print(f"new {report.inserted}, changed {report.updated}, sent {report.sent}, "
              f"failed {report.failed}, unknown {report.unknown}")
        for note in report.notes:
            print(one_line(note, 500))
    return report


def _reconcile_row(ws: Workspace, store: Store, oid: int) -> str:
    async def go() -> str:
        engine = ws.engine(store)
        try:
            return await engine.reconcile_row(oid)
        finally:
            await engine.aclose()

    return asyncio.run(go())


def cmd_sync(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    if args.once:
        report = _sync_once(ws, store)
        return EXIT_ERROR if report.errors else 0

    from inscope.notifier import Notifier

    notifier = Notifier(ws.config.notify)
    act = ws.actions(store)

    def tell(notice: Any) -> None:
        print(NOTICE_LINE.format(time=f"{datetime.now():%H:%M:%S}", title=one_line(notice.title, 100),
                                 body=one_line(notice.body, 300)), flush=True)
        notifier.deliver(notice, _terminal_writer())
        act.send_to_saved(notice)  # queued; this loop's outbox sends it

    def on_round(r: Any) -> None:
        print(f"{datetime.now():%H:%M:%S} new {r.inserted}, changed {r.updated}, sent {r.sent}"
              + (f", errors: {one_line('; '.join(f'{k}: {v}' for k, v in r.errors.items()), 1000)}"
                 if r.errors else ""), flush=True)
        now = time.time()
        for notice in (notifier.offer(r.alerts, now), notifier.flush(now)):
            if notice is not None:
                tell(notice)

    async def forever() -> None:
        engine = ws.engine(store)
        try:
            await engine.run_forever(on_round, interval=args.interval)
        finally:
            await engine.aclose()

    asyncio.run(forever())
    return 0


def _terminal_writer() -> Any:
    """Write to this process's terminal (``None`` when stdout is not one: no escape bytes
    into a file or a pipe)."""
    if not sys.stdout.isatty():
        return None

    def write(data: str) -> None:
        sys.stdout.write(data)
        sys.stdout.flush()

    return write


# -- inbox ----------------------------------------------------------------------------

def inbox_json(ws: Workspace, store: Store, view: str = "inbox", now: float | None = None) -> dict[str, Any]:
    """The grouped inbox (the shape documented in docs/architecture.md)."""
    clock = (lambda: now) if now is not None else time.time
    return ws.actions(store, now=clock).inbox(view)


def cmd_inbox(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    view = args.view or ("all" if args.all else "inbox")
    data = ws.actions(store).inbox(view)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(ws.header(store))
    for g in data["groups"]:
        mark = "" if g["project_status"] == "active" else f" [{g['project_status']}]"
        print(f"\n== {one_line(g['project'], 60)}{mark} · {g['priority']} ({len(g['threads'])})")
        for t in g["threads"]:
            print(f"  #{t['id']:<6} {t['source'][:2]:<2} {one_line(t['title'], 40):<40} "
                  f"{one_line(t['last_author'], 18):<18} {one_line(t['last_text'], 60)}")
            if t["delivery_error"]:
                print(f"          ⚠ reply not delivered: {one_line(t['delivery_error'], 120)}")
            if t["followup"]:
                print(FOLLOWUP_BACK_ROW.format(note=one_line(t["followup"], 120)))
            if t["snooze"]:
                print(SNOOZED_ROW.format(reason=one_line(t["snooze"]["reason"], 160)))
    h = data["hidden"]
    print(f"\nhidden: {h['held_until_window']} held until the next window, {h['snoozed']} snoozed, "
          f"{h['paused']} paused, {h['unpaid']} unpaid, {h['noise']} noise, {h['done']} done")
    if data["undelivered"]:
        n = data["undelivered"]
        print(f"⚠ {n} repl{'y' if n == 1 else 'ies'} not delivered — `inscope outbox` to resend or cancel")
    if data["scheduled"]:
        n = data["scheduled"]
        print(SCHEDULED_COUNT.format(n=n, ies="y" if n == 1 else "ies"))
    return 0


def cmd_show(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    act = ws.actions(store)
    conv = act.conversation(args.thread)
    th = conv.thread
    print(f"#{th.id} {one_line(th.title, 200)} — {one_line(th.project, 60)} · {th.source} · "
          f"{th.state} · {th.priority.label}")
    print(f"  relevance: {th.relevance}" + (f" — {one_line(th.relevance_reason, 200)}"
                                             if th.relevance_reason else ""))
    if th.urgent:
        print(f"  urgent: {one_line(th.urgent_reason, 200)}")
    for reason in th.reasons:
        print(f"  why: {one_line(reason, 200)}")
    if th.snooze_until or th.snooze_kind:
        print(f"  snoozed: {one_line(th.snooze_reason, 200)}")
    if conv.followup_note:
        print(SHOW_FOLLOWUP.format(note=conv.followup_note))
    for oid, when in conv.scheduled:
        print(SHOW_SCHEDULED.format(when=when, oid=oid))
    for m in conv.messages:
        flags = (" (edited)" if m.edited_at else "") + (" (deleted)" if m.deleted else "")
        print(f"\n{one_line(m.author_name, 80)} [{m.role}] {act.stamp(m.created_at)}{flags}")
        if m.reply_to_text:
            print(f"  ↳ {one_line(m.reply_to_text, 80)}")
        print(sanitize(m.text))
    return 0


# -- actions ----------------------------------------------------------------------------

def _say(outcome: Outcome) -> int:
    print(one_line(outcome.message, 1000))
    return 0


def _fields(pairs: Sequence[str]) -> dict[str, str]:
    """``["summary=all good", "access=GSC"]`` → a dict; a pair without ``=`` is an error."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ActionError(BAD_SET.format(pair=pair))
        out[key.strip()] = value
    return out


def cmd_reply(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    act = ws.actions(store)
    if args.template is not None:
        try:
            text = act.template_text(args.template, args.thread, _fields(args.fields), language=args.lang)
        except ActionError as e:
            if "needs" in str(e):
                return _err(NEEDS_SET.format(error=e))
            raise
    else:
        text = sys.stdin.read() if args.message == "-" else args.message
    try:
        out = act.reply(args.thread, text, confirmed=args.yes, when=args.at, at_window=args.at_window)
    except NeedsConfirmation as e:
        return _err(f"not sent: {e.warning} — add --yes to send anyway")
    assert out.outbox_id is not None
    held = store.outbox_row(out.outbox_id).state == "scheduled"
    if held:
        print(one_line(out.message, 300))
        return 0
    print(f"queued reply {out.outbox_id} for thread {args.thread}")
    _sync_once(ws, store, quiet=True)
    row = store.outbox_row(out.outbox_id)
    print(f"outbox {row.id}: {row.state}" + (f" — {one_line(row.last_error, 300)}" if row.last_error else ""))
    return 0 if row.state in ("sent", "queued") else EXIT_ERROR


def cmd_followup(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    return _say(ws.actions(store).followup(args.thread, args.after))


def cmd_template(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    act = ws.actions(store)
    if args.template_cmd == "list":
        found = act.templates(args.thread, project=args.project)
        if args.json:
            print(json.dumps([{"name": t.name, "project": t.project or None, "language": t.language or None,
                               "description": t.description, "fields": t.fields, "origin": t.origin,
                               "text": t.text} for t in found], ensure_ascii=False, indent=2))
            return 0
        for t in found:
            scope = one_line(t.project, 30) if t.project else TEMPLATE_ALL_PROJECTS
            print(TEMPLATE_ROW.format(name=t.name, lang=t.language or TEMPLATE_ANY_LANG, scope=scope,
                                      description=one_line(t.description, 60)))
            if t.fields:
                print(TEMPLATE_FIELDS.format(pad="", fields=", ".join(t.fields)))
        print(TEMPLATE_COUNT.format(n=len(found)))
        return 0
    if args.thread is None:
        # Not for a thread: every definition of that name, as written (placeholders kept).
        found = [t for t in act.templates() if t.name == args.name
                 and (args.lang is None or t.language in ("", args.lang))]
        if not found:
            if not any(t.name == args.name for t in act.templates()):
                act.catalog().pick(args.name, "", "")  # raises, naming the known ones
            return _err(NO_LANG_VERSION.format(name=args.name, lang=args.lang))
        for i, t in enumerate(found):
            head = ", ".join(x for x in (t.project, t.language, t.origin) if x)
            print(("\n" if i else "") + f"# {t.name} ({head})\n{t.text}")
        return 0
    print(act.template_text(args.name, args.thread, _fields(args.fields), language=args.lang))
    return 0


def cmd_notify(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    from inscope.alerts import Alert, compose
    from inscope.notifier import Notifier

    cfg = ws.config.notify
    notifier = Notifier(cfg)
    notice = compose([Alert("urgent", 0, "inscope", "test", "inscope", NOTIFY_TEST)])
    d = notifier.delivery(notice)
    saved = NOTIFY_SAVED.format(account=cfg.saved_messages) if cfg.saved_messages else ""
    print(NOTIFY_STATE.format(state=NOTIFY_ON if cfg.enabled else NOTIFY_OFF, method=d.method,
                              saved=saved))
    if not args.test:
        return 0
    if not cfg.enabled:
        return _err(NOTIFY_IS_OFF)
    used = notifier.deliver(notice, _terminal_writer())
    print(NOTIFY_SENT.format(method=used) if used != "none" else NOTIFY_NO_TERMINAL)
    if ws.actions(store).send_to_saved(notice) is not None:
        report = _sync_once(ws, store, quiet=True)
        errors = f" — {one_line('; '.join(report.errors.values()), 300)}" if report.errors else ""
        print(NOTIFY_SAVED_SENT.format(n=report.sent, errors=errors))
    return 0


def cmd_done(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    return _say(ws.actions(store).done(args.thread))


def cmd_snooze(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    act = ws.actions(store)
    if args.until is not None:
        out = act.snooze([args.thread], "until", when=args.until)
    elif args.window:
        out = act.snooze([args.thread], "window")
    elif args.client:
        out = act.snooze([args.thread], "client")
    else:
        out = act.snooze([args.thread], "project")
    print(f"#{args.thread}: {out.message}")
    return 0


def cmd_escalate(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    _say(ws.actions(store).escalate([args.thread], args.note))
    _sync_once(ws, store, quiet=True)
    return 0


def cmd_assign(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    out = ws.actions(store).assign([args.thread], args.project)
    print(f"#{args.thread}: {out.message}")
    return 0


def cmd_resolve(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    out = ws.actions(store).resolve([args.thread])
    print(f"#{args.thread}: {out.message}")
    return 0


def cmd_priority(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    out = ws.actions(store).priority([args.thread], Priority.parse(args.level))
    print(f"#{args.thread}: {out.message}")
    return 0


def cmd_relevance(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    out = ws.actions(store).relevance([args.thread], args.value)
    print(f"#{args.thread}: {out.message}")
    return 0


def cmd_undo(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    return _say(ws.actions(store).undo())


def cmd_project(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    return _say(ws.actions(store).project_status(args.name, args.status))


def cmd_search(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    ids = store.search(args.query)
    rows = store.threads_by_id(ids)
    for tid in ids:
        r = rows[tid]
        print(f"#{r.id:<6} {one_line(r.project, 16):<16} {r.state:<9} {one_line(r.title, 40):<40} "
              f"{one_line(r.last_text, 60)}")
    print(f"{len(ids)} threads")
    return 0


def _outbox_line(act: Any, r: Any) -> str:
    when = OUTBOX_AT.format(when=act.when(r.send_at)) if r.state == "scheduled" and r.send_at else ""
    return (f"{r.id:<5} {r.state:<9} {r.kind:<10} {one_line(r.account, 12):<12} {when}tries {r.attempts}  "
            f"{one_line(r.text, 50)!r}" + (f" — {one_line(r.last_error, 300)}" if r.last_error else ""))


def cmd_outbox(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    act = ws.actions(store)
    if (args.message is not None or args.at is not None or args.at_window) and args.edit is None:
        return _err(EDIT_FLAGS_ALONE)
    if args.edit is not None:
        text = None if args.message is None else (sys.stdin.read() if args.message == "-" else args.message)
        if text is None and args.at is None and not args.at_window:
            return _err(EDIT_NEEDS)
        _say(act.edit_scheduled(args.edit, text, when=args.at, at_window=args.at_window))
        if store.outbox_row(args.edit).state == "queued":
            _sync_once(ws, store, quiet=True)
    if args.send_now is not None:
        _say(act.send_scheduled_now(args.send_now))
        _sync_once(ws, store, quiet=True)
    if args.resend is not None:
        row = store.outbox_row(args.resend)
        if row.state in ("unknown", "sending") and not args.yes:
            # Ask the remote first: a resend of something that did arrive is a double post.
            outcome = _reconcile_row(ws, store, args.resend)
            if outcome == "sent":
                print(f"outbox #{row.id}: it was delivered after all — marked sent, not resent")
            elif outcome == "queued":
                print(f"outbox #{row.id}: it was not delivered — queued again")
                _sync_once(ws, store, quiet=True)
            elif outcome in ("unknown", "later"):
                what = ("cannot be verified" if outcome == "unknown"
                        else "could not be checked now (the source did not answer)")
                return _err(f"not resent: {act.delivery_evidence(row.id)}; its delivery {what} "
                            "— add --yes to resend anyway (the client may get it twice)")
            else:
                return _err(f"not resent: outbox #{row.id} is {outcome} (another inscope is sending it)")
        else:
            try:
                _say(act.resend(args.resend, confirmed=args.yes))
            except NeedsConfirmation as e:
                return _err(f"not resent: {e.warning} — add --yes to resend anyway")
            _sync_once(ws, store, quiet=True)
    if args.cancel is not None:
        _say(act.cancel(args.cancel))
    for r in act.outbox():
        print(_outbox_line(act, r))
    return 0


def cmd_report(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    from inscope.report import render

    # --since is a date (or time) in the user's timezone unless it carries its own offset.
    if args.since:
        try:
            at = datetime.fromisoformat(args.since)
        except ValueError:
            return _err(f"--since {args.since!r}: expected a date like 2026-11-01 "
                        "(or 2026-11-01T09:00+05:00)")
        since = (at if at.tzinfo is not None else at.replace(tzinfo=ws.schedule.tz)).timestamp()
    else:
        since = time.time() - 30 * 86400
    rows = ws.report(store, since)
    print(render(rows, args.format), end="")
    return 0


def cmd_doctor(ws: Workspace, store: Store, args: argparse.Namespace) -> int:
    from inscope.secrets import keyring_usable

    ok = True
    mode = oct(ws.home.stat().st_mode & 0o777)
    print(f"data dir   {ws.home}  ({mode})")
    print(f"database   {ws.db_path}  ({oct(ws.db_path.stat().st_mode & 0o777)}, schema "
          f"{store.schema_version()}, integrity check passed)")
    print(f"config     {ws.config_path}  ({'found' if ws.config_path.exists() else 'missing — using defaults'})")
    print(f"keyring    {'available' if keyring_usable() else 'no backend — secrets are read from INSCOPE_* env vars'}")
    print(f"projects   {len(ws.config.projects)}   accounts {len(ws.config.accounts)}")
    for acc in ws.config.accounts:
        if acc.kind == "telegram_user" and not acc.disabled:
            from connectors.telegram_user.errors import NOT_SIGNED_IN
            from inscope.secrets import get_secret

            # Checked before syncing: a missing session needs no network to report.
            if not get_secret(acc.name, acc.kind, "session"):
                print(f"telegram   {one_line(acc.name, 16):<16} {NOT_SIGNED_IN}")
                ok = False
    missing = _missing(ws)
    report = _sync_once(ws, store, quiet=True)
    for a in store.accounts():
        line = f"source     {one_line(a['name'], 16):<16} {a['kind']:<9} {a['status']}"
        if a["last_error"]:
            line += f" — {one_line(str(a['last_error']), 500)}"
            ok = False
        print(line)
        for problem in missing.pop(a["name"], []):
            print(f"  missing  {one_line(problem, 500)}")
            ok = False
    for name, problems in missing.items():  # send-only accounts (kind = "smtp") have no status row
        for problem in problems:
            print(f"account    {one_line(name, 16):<16} missing: {one_line(problem, 500)}")
            ok = False
    pending = store.outbox(UNDELIVERED)
    if pending:
        print(f"outbox     {len(pending)} undelivered (see `inscope outbox`)")
    held = store.scheduled_count()
    if held:
        print(DOCTOR_SCHEDULED.format(n=held))
    return 0 if ok and not report.errors else EXIT_ERROR


def _missing(ws: Workspace) -> dict[str, list[str]]:
    """Per account, what its connector says is still missing (no network; see registry.preflight)."""
    from connectors import registry
    from connectors.options import OptionError
    from inscope.sources import context_for

    out: dict[str, list[str]] = {}
    for acc in ws.config.accounts:
        try:
            found = registry.preflight(context_for(ws.config, acc, ws.home))
        except (OptionError, registry.UnknownKind):
            continue  # already reported as the account's error by the sync below
        if found:
            out[acc.name] = found
    return out


_COMMANDS = {
    "sync": cmd_sync, "inbox": cmd_inbox, "show": cmd_show, "reply": cmd_reply, "done": cmd_done,
    "snooze": cmd_snooze, "escalate": cmd_escalate, "resolve": cmd_resolve, "assign": cmd_assign, "priority": cmd_priority, "relevance": cmd_relevance, "undo": cmd_undo,
    "project": cmd_project, "search": cmd_search, "outbox": cmd_outbox, "report": cmd_report,
    "doctor": cmd_doctor, "followup": cmd_followup, "template": cmd_template, "notify": cmd_notify,
}


if __name__ == "__main__":
    sys.exit(main())
