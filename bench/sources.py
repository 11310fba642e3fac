"""Per-connector ingest, steady-state sync cost, and the notmuch / neomutt comparison.

Every ingest goes through the normal path: ``Workspace`` → connector → ``SyncEngine.sync_all``
→ ``Store.apply_batch``.  Only the *sources* are arranged for the benchmark:

- Trello and Telegram: the demo world served by the sandboxes.  The demo switches to the
  in-process generator above 5000 messages, so the benchmark raises that threshold in this
  process (``sandbox.demo.setup.GENERATOR_ABOVE``) to get ~10k messages per sandbox.
- Maildir: the same world's e-mails (``sandbox.demo.wire.email_bytes``, RU/EN) in a Maildir.
- IMAP: those e-mails in a real Dovecot (sandbox/dovecot.py), reached through a small TCP
  proxy that counts IMAP commands (one tagged line = one request).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Table, fmt, median, pct
from connectors.base import Connector
from inscope import config as config_mod
from inscope.secrets import set_session_secret
from inscope.store import Store
from inscope.sync import SyncEngine
from inscope.workspace import Workspace
from sandbox.demo import setup as demo_setup
from sandbox.demo.services import DemoServices
from sandbox.demo.wire import email_bytes
from sandbox.demo.world import World, config_toml, generate

ROOT = Path(__file__).resolve().parent.parent


# -- a sync round, measured ---------------------------------------------------------------------

@dataclass
class Ingest:
    """One account's backfill and the quiet round after it."""

    account: str
    kind: str
    items: int
    seconds: float
    rounds: int
    steady_requests: int | None   # counted on the server side (None: no server to ask)
    steady_rows: int              # sqlite3 total_changes() during the quiet round
    steady_ms: float

    @property
    def per_s(self) -> float:
        return self.items / self.seconds if self.seconds else float("nan")


def ingest_account(store: Store, ws: Workspace, name: str, conn: Connector,
                   count_requests: Callable[[], int] | None) -> Ingest:
    """Backfill one account (rounds until nothing new), then one more quiet round."""

    async def go() -> Ingest:
        engine = SyncEngine(store, {name: conn}, ws.hooks())
        try:
            items = rounds = 0
            t = time.perf_counter()
            while True:
                rep = await engine.sync_all()
                rounds += 1
                if rep.errors:
                    raise RuntimeError(f"{name}: {rep.errors}")
                items += rep.inserted
                if rep.inserted == 0 or rounds > 50:
                    break
            seconds = time.perf_counter() - t
            # The last round above was already a quiet one; measure a fresh one on its own.
            before_req = count_requests() if count_requests else 0
            before_rows = store.conn.total_changes
            t = time.perf_counter()
            rep = await engine.sync_all()
            quiet_ms = (time.perf_counter() - t) * 1000
            rows = store.conn.total_changes - before_rows
            req = count_requests() - before_req if count_requests else None
            if rep.inserted:
                raise RuntimeError(f"{name}: the quiet round inserted {rep.inserted}")
            return Ingest(name, conn.kind, items, seconds, rounds, req, rows, quiet_ms)
        finally:
            await engine.aclose()

    return asyncio.run(go())


# -- sandboxes + Maildir ------------------------------------------------------------------------

def sandbox_ingest(home: Path, size: int) -> list[Ingest]:
    """The demo world of ``size`` messages through the Trello/Telegram sandboxes and a Maildir."""
    old = demo_setup.GENERATOR_ABOVE
    demo_setup.GENERATOR_ABOVE = 10**12  # serve this size from the sandboxes, not the generator
    try:
        ws = Workspace.open(home=home, demo=True, demo_size=size)
    finally:
        demo_setup.GENERATOR_ABOVE = old
    svc = ws.services
    assert isinstance(svc, DemoServices)
    counters: dict[str, Callable[[], int]] = {
        "trello": lambda: len(svc._tw.requests),
        "telegram": lambda: len(svc._tgw.requests),
    }
    out: list[Ingest] = []
    store = ws.store()
    try:
        for name, conn in ws.connectors()[0].items():
            out.append(ingest_account(store, ws, name, conn, counters.get(name)))
    finally:
        store.close()
        ws.close()
    return out


# -- the e-mail corpus --------------------------------------------------------------------------

def email_world(n_mail: int) -> World:
    """A demo world big enough to hold ``n_mail`` e-mails (about a third of it is e-mail)."""
    size = n_mail * 3 + 600
    while True:
        w = generate(size, demo_setup.DEMO_SEED, datetime.now(UTC).replace(microsecond=0))
        if sum(1 for m in w.messages if m.channel == "email") >= n_mail:
            return w
        size = int(size * 1.3)


def write_maildir(world: World, maildir: Path, n_mail: int) -> int:
    """Write the world's first ``n_mail`` e-mails (realistic RU/EN MIME) into a Maildir."""
    from connectors.email.maildir import write_message

    first: dict[str, int] = {}
    for m in world.messages:
        if m.channel == "email" and m.conv_key not in first:
            first[m.conv_key] = m.idx
    n = 0
    for m in world.messages:
        if m.channel != "email":
            continue
        write_message(maildir, email_bytes(world, m, first), seen=m.author.role == "me")
        n += 1
        if n >= n_mail:
            break
    return n


def mail_workspace(home: Path, world: World, accounts: str) -> Workspace:
    """A normal (non-demo) workspace: the world's projects and one mail account."""
    config_mod.ensure_private_dir(home)
    cfg = home / "config.toml"
    cfg.write_text(config_toml(world, accounts), encoding="utf-8")
    return Workspace.open(home=home, config_path=cfg)


# -- IMAP: Dovecot behind a command-counting proxy ----------------------------------------------

_TAGGED = re.compile(rb"^[A-Za-z0-9.]+ [A-Za-z]")


class CountingProxy:
    """A TCP proxy in front of Dovecot that counts client command lines."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = upstream_port
        self.commands = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = int(self._sock.getsockname()[1])
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, count: bool) -> None:
        rest = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if count:
                    lines = (rest + data).split(b"\r\n")
                    rest = lines.pop()
                    n = sum(1 for ln in lines if _TAGGED.match(ln))
                    if n:
                        with self._lock:
                            self.commands += n
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed = True
        self._sock.close()


def imap_ingest(home: Path, world: World, maildir: Path) -> Ingest | str:
    """Load the Maildir into a fresh Dovecot's INBOX and sync it through the IMAP connector."""
    from sandbox.dovecot import PASSWORD, USER, Dovecot, dovecot_binary

    binary = dovecot_binary()
    if binary is None:
        return "dovecot not installed (apt-get install dovecot-imapd)"
    dv = Dovecot(binary).start()
    proxy = CountingProxy(dv.port)
    try:
        box = dv.root / "mail" / USER
        shutil.copytree(maildir, box)
        for dirpath, _dirs, files in os.walk(box):
            shutil.chown(dirpath, "nobody", "nogroup")
            for f in files:
                shutil.chown(os.path.join(dirpath, f), "nobody", "nogroup")
        accounts = (f'[[accounts]]\nname = "imap"\nkind = "imap"\nhost = "127.0.0.1"\nport = {proxy.port}\n'
                    f'tls = "none"\nuser = "{USER}"\nfolders = ["INBOX"]\nsync_sent = false\n')
        ws = mail_workspace(home, world, accounts)
        set_session_secret("imap", "password", PASSWORD)
        store = ws.store()
        try:
            (name, conn), = ws.connectors()[0].items()
            return ingest_account(store, ws, name, conn, lambda: proxy.commands)
        finally:
            store.close()
    finally:
        proxy.close()
        dv.stop()


# -- notmuch ------------------------------------------------------------------------------------

def notmuch_config(path: Path, maildir_root: Path) -> Path:
    cfg = path / "notmuch-config"
    cfg.write_text(
        f"[database]\npath={maildir_root}\n[user]\nname=Bench\nprimary_email=me@agency.test\n"
        "[new]\ntags=unread;inbox;\nignore=\n[search]\nexclude_tags=\n[maildir]\nsynchronize_flags=true\n"
    )
    return cfg


def notmuch_new(work: Path, maildir: Path) -> tuple[float, Path]:
    """A cold ``notmuch new`` over a copy of the Maildir: (seconds, config path)."""
    root = work / "nm-root"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(maildir, root / "mail")
    cfg = notmuch_config(work, root)
    t = time.perf_counter()
    subprocess.run(["notmuch", f"--config={cfg}", "new", "--quiet"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, cfg


def notmuch_search_ms(cfg: Path, query: str) -> float:
    t = time.perf_counter()
    subprocess.run(["notmuch", f"--config={cfg}", "search", "--output=threads", query], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000


def spawn_ms(argv: list[str]) -> float:
    """Wall time of a trivial run of a program (its process start-up floor)."""
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - t) * 1000


# -- tmux: first screen of inscope vs neomutt -----------------------------------------------------

@contextlib.contextmanager
def tmux_session(name: str, command: str, env: dict[str, str]) -> Iterator[float]:
    """Start ``command`` in a detached 160×45 tmux session; yields the start time."""
    subprocess.run(["tmux", "-L", "inscope-bench", "kill-session", "-t", name], stderr=subprocess.DEVNULL,
                   check=False)
    # A private server socket (-L): the bench never touches anyone's tmux.
    t0 = time.monotonic()
    subprocess.run(["tmux", "-L", "inscope-bench", "new-session", "-d", "-s", name, "-x", "160", "-y", "45",
                    "env", *[f"{k}={v}" for k, v in env.items()], "sh", "-c", command], check=True)
    try:
        yield t0
    finally:
        subprocess.run(["tmux", "-L", "inscope-bench", "kill-session", "-t", name],
                       stderr=subprocess.DEVNULL, check=False)


def wait_screen(name: str, pattern: re.Pattern[str], timeout: float = 60.0) -> float | None:
    """Poll ``tmux capture-pane`` until ``pattern`` shows; the monotonic time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cap = subprocess.run(["tmux", "-L", "inscope-bench", "capture-pane", "-p", "-t", name],
                             capture_output=True, text=True, check=False).stdout
        if pattern.search(cap):
            return time.monotonic()
        time.sleep(0.005)
    return None


def neomutt_index_s(work: Path, maildir: Path, cache: bool) -> float | None:
    """``neomutt -R -f MAILDIR`` until its index lists messages (header cache warm or off)."""
    rc = work / "neomuttrc"
    hc = work / "neomutt-hcache"
    hc.mkdir(exist_ok=True)
    rc.write_text("set mbox_type=Maildir\nset folder=/tmp\nset spoolfile=/tmp\nset sort=threads\n"
                  "set check_new=no\nset mail_check_stats=no\n"
                  + (f"set header_cache={hc}/\n" if cache else "unset header_cache\n"))
    env = {"TERM": "xterm-256color", "HOME": str(work), "LANG": "C.UTF-8"}
    cmd = f"neomutt -n -F {rc} -R -f {maildir}"
    # The index is there when the status line reports the message count.
    pat = re.compile(r"Msgs?:\s*\d")
    with tmux_session("neomutt", cmd, env) as t0:
        t1 = wait_screen("neomutt", pat)
    return None if t1 is None else t1 - t0


def inscope_tmux_s(ws_dir: Path) -> float | None:
    """``inscope`` (the real CLI) in tmux until the list title with its thread count shows."""
    env = {"TERM": "xterm-256color", "INSCOPE_HOME": str(ws_dir), "LANG": "C.UTF-8",
           "PYTHONPATH": str(ROOT)}
    cmd = f"{ROOT / '.venv/bin/inscope'} --config {ws_dir / 'config.toml'}"
    pat = re.compile(r"Inbox · \d+ threads")
    with tmux_session("inscope", cmd, env) as t0:
        t1 = wait_screen("inscope", pat)
    return None if t1 is None else t1 - t0


QUERIES = ["redirect", "редирект", "sitemap", "robots.txt", "счёт", "invoice", "канонический",
           "title", "ТЗ", "meeting", "отчёт", "urgent", "договор", "price", "404"]


def search_table(store: Store, nm_cfg: Path, repeats: int) -> Table:
    """FTS search latency: ``Store.search`` in-process and via the CLI vs ``notmuch search``."""
    t = Table("FTS search: inscope vs notmuch (same e-mails, "
              f"{len(QUERIES)} RU/EN queries × {repeats})",
              ["engine", "p50 ms", "p95 ms", "hits (sum)", "note"])
    ins: list[float] = []
    hits = 0
    for _ in range(repeats):
        for q in QUERIES:
            t0 = time.perf_counter()
            ids = store.search(q)
            ins.append((time.perf_counter() - t0) * 1000)
            hits = hits + len(ids) if _ == 0 else hits
    nm = [notmuch_search_ms(nm_cfg, q) for _ in range(repeats) for q in QUERIES]
    nm_hits = 0
    for q in QUERIES:
        r = subprocess.run(["notmuch", f"--config={nm_cfg}", "count", "--output=threads", q],
                           capture_output=True, text=True, check=False)
        nm_hits += int(r.stdout.strip() or 0)
    floor = median([spawn_ms(["notmuch", f"--config={nm_cfg}", "count", "tag:nonexistent-xyz"])
                    for _ in range(5)])
    t.add("inscope Store.search (in-process)", pct(ins, 50), pct(ins, 95), hits, "query only")
    t.add("notmuch search (CLI process)", pct(nm, 50), pct(nm, 95), nm_hits,
          f"incl. process start; empty query {fmt(floor)} ms")
    t.notes.append("Hits: inscope counts threads (its own threading, limit 2000); notmuch counts its threads.")
    return t
