"""Our conversations against notmuch's threads on the same public mail, in both sync orders.

The messages of ``threading.toml`` (single messages and mbox list archives) are
written to a Maildir; notmuch indexes it and ``notmuch show --format=json``
gives its threads (as sets of files).  Our side feeds the same messages through
:class:`connectors.email.common.EmailCore` oldest-first and newest-first (by
``Date``), applies the conversation joins the connector reports (what the store
does with :class:`connectors.base.ConversationsJoined`), and groups the files by
final conversation.  The two partitions must be identical.
"""

from __future__ import annotations

import json
import mailbox
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from connectors.base import ConversationsJoined, SourceContext
from connectors.email import mime
from connectors.email.common import EmailCore

from . import loader

Partition = set[frozenset[str]]


@dataclass(slots=True)
class Comparison:
    messages: int  # messages both sides indexed
    notmuch_threads: int
    skipped: int = 0  # files notmuch does not take as mail (we show them; not compared)
    orders: dict[str, tuple[int, bool]] = field(default_factory=dict)  # order → (conversations, same)
    differences: dict[str, list[str]] = field(default_factory=dict)
    # With our subject fallback on (the default): conversations per order, and whether both
    # orders agree with each other.
    with_subjects: dict[str, int] = field(default_factory=dict)
    subjects_order_independent: bool = True


def messages() -> list[tuple[str, bytes]]:
    """``(name, raw)`` of every message in the threading set (mbox archives split)."""
    out: list[tuple[str, bytes]] = []
    for entry in loader.load_cases_table("threading.toml", "message"):
        data = loader.read_file(entry["source"], entry["path"])
        if loader.sha(data) != entry["sha256"]:
            raise loader.FixtureMismatch(f"{entry['source']}:{entry['path']} changed (sha256)")
        name = f"{entry['source']}:{entry['path']}"
        if entry.get("mbox"):
            with tempfile.NamedTemporaryFile(suffix=".mbox") as tmp:
                tmp.write(data)
                tmp.flush()
                box = mailbox.mbox(tmp.name, create=False)
                for i, key in enumerate(box.keys()):
                    out.append((f"{name}#{i}", box.get_bytes(key)))
                box.close()
        else:
            out.append((name, data))
    return out


def _date(raw: bytes) -> datetime:
    return mime.parse(raw).date or datetime(1970, 1, 1, tzinfo=UTC)


def ours(msgs: list[tuple[str, bytes]], *, newest_first: bool, subject_threading: bool = False) -> Partition:
    """Our partition when the mailbox is synced in date order (or its reverse).

    ``subject_threading`` is our extension for mailers that drop References (a header-less
    "Re:" joins the same client side's conversation of that subject); notmuch has no such
    rule, so the comparison with notmuch runs without it and reports its effect apart.
    """
    ordered = sorted(msgs, key=lambda m: (_date(m[1]), m[0]), reverse=newest_first)
    ctx = SourceContext(account="public", kind="maildir", options={"subject_threading": subject_threading},
                        secret=lambda _n: None, me_emails=("nobody@inscope.invalid",))
    core = EmailCore(ctx)
    conv_of: dict[str, str] = {}
    for name, raw in ordered:
        item = core.make_item(raw, fallback_date=None, where={"maildir_key": name})
        for ev in core.take_events():
            if isinstance(ev, ConversationsJoined):
                # What the store does: every item of the absorbed conversation moves over.
                for k, v in conv_of.items():
                    if v == ev.absorbed:
                        conv_of[k] = ev.into
        conv_of[name] = item.conversation
    groups: dict[str, set[str]] = {}
    for name, conv in conv_of.items():
        groups.setdefault(conv, set()).add(name)
    return {frozenset(g) for g in groups.values()}


def notmuch(msgs: list[tuple[str, bytes]]) -> Partition | str:
    """notmuch's partition of the same messages, or why it could not be computed."""
    binary = shutil.which("notmuch")
    if binary is None:
        return "notmuch is not installed (apt-get install notmuch)"
    with tempfile.TemporaryDirectory(prefix="inscope-notmuch-") as tmp:
        root = Path(tmp)
        maildir = root / "mail" / "cur"
        maildir.mkdir(parents=True)
        (root / "mail" / "new").mkdir()
        (root / "mail" / "tmp").mkdir()
        file_of: dict[str, str] = {}
        for i, (name, raw) in enumerate(msgs):
            fn = f"{i:05d}.public:2,S"
            (maildir / fn).write_bytes(raw)
            file_of[fn] = name
        cfg = root / "notmuch-config"
        cfg.write_text(f"[database]\npath={root / 'mail'}\n[user]\nname=Eval\nprimary_email=eval@inscope.invalid\n"
                       "[new]\ntags=new\nignore=\n[search]\nexclude_tags=\n[maildir]\nsynchronize_flags=false\n")
        env = {"NOTMUCH_CONFIG": str(cfg), "PATH": "/usr/bin:/bin", "HOME": str(root)}
        subprocess.run([binary, "new", "--quiet"], env=env, check=True, capture_output=True, timeout=300)
        out = subprocess.run([binary, "show", "--format=json", "--body=false", "*"], env=env, check=True,
                             capture_output=True, timeout=300).stdout
    part: Partition = set()
    for thread in json.loads(out):
        files: set[str] = set()
        _walk(thread, files)
        part.add(frozenset(file_of[Path(f).name] for f in files))
    return part


def _walk(node: object, files: set[str]) -> None:
    # notmuch's JSON: a thread is a list of [message, [replies]] pairs; a message a dict.
    if isinstance(node, dict):
        fn = node.get("filename")
        files.update(fn if isinstance(fn, list) else [fn] if isinstance(fn, str) else [])
    elif isinstance(node, list):
        for child in node:
            _walk(child, files)


def _explain(a: Partition, b: Partition) -> list[str]:
    only_a = sorted(sorted(g) for g in a - b)
    only_b = sorted(sorted(g) for g in b - a)
    return [f"ours: {g}" for g in only_a[:10]] + [f"notmuch: {g}" for g in only_b[:10]]


def compare_with_notmuch() -> Comparison | str:
    """Both orders against notmuch; a string says why the comparison could not run."""
    msgs = messages()
    theirs = notmuch(msgs)
    if isinstance(theirs, str):
        return theirs
    indexed = set().union(*theirs) if theirs else set()
    both = [m for m in msgs if m[0] in indexed]
    result = Comparison(messages=len(both), notmuch_threads=len(theirs), skipped=len(msgs) - len(both))
    parts: list[Partition] = []
    for order, newest in (("oldest first", False), ("newest first", True)):
        mine = ours(both, newest_first=newest)
        result.orders[order] = (len(mine), mine == theirs)
        if mine != theirs:
            result.differences[order] = _explain(mine, theirs)
        with_subjects = ours(both, newest_first=newest, subject_threading=True)
        result.with_subjects[order] = len(with_subjects)
        parts.append(with_subjects)
    result.subjects_order_independent = parts[0] == parts[1]
    return result
