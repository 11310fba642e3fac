"""``make bench``: build the workloads, measure, print tables, write bench/out/.

    .venv/bin/python -m bench.run            # full: 1k/10k/100k/1M, ~15 min on 2 cores
    .venv/bin/python -m bench.run --quick    # 1k/10k/100k, few repeats, ~2-3 min

Every comparison runs side by side in the same run (bare Textual app vs inscope,
notmuch/neomutt vs inscope); numbers are medians (or p50/p95) over repeats, and the
load average is printed with each section because the machine is shared.
Method and the latest results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import imports, sources, storereads
from bench.common import Built, Table, build_workspace, commit, fmt, load_avg, median, pct
from bench.pty import run_child, run_child_tmux, tmux_available
from inscope.workspace import Workspace

OUT = Path(__file__).resolve().parent / "out"
TARGET_PAINT_RATIO = 1.5
TARGET_KEY_P95_MS = 30.0
TARGET_MEM_OVER_BARE_MB = 60.0
TARGET_INGEST_PER_S = 30_000.0


@dataclass
class Settings:
    sizes: list[int]
    repeats: int
    presses: int
    sandbox_size: int
    mail_size: int
    mail: bool
    tmux: bool = True
    sources: bool = True


@dataclass
class Report:
    tables: list[Table] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    commit: str = field(default_factory=commit)

    def show(self, t: Table) -> None:
        t.notes.append(f"commit {self.commit} · load average at print: {load_avg()}")
        self.tables.append(t)
        print("\n" + t.markdown(), flush=True)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {load_avg()}] {msg}", file=sys.stderr, flush=True)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k" if n >= 1000 else str(n)


def quiet_round(b: Built) -> tuple[float, int]:
    """A sync round with nothing new on a built workspace: (ms, rows written)."""
    ws = Workspace.open(home=b.home, demo=True, demo_size=b.size)
    store = ws.store()
    try:
        engine = ws.engine(store)

        async def twice() -> tuple[float, int]:
            try:
                await engine.sync_all()  # catch up on anything that "arrived" since the build
                before = store.conn.total_changes
                t = time.perf_counter()
                await engine.sync_all()
                return (time.perf_counter() - t) * 1000, store.conn.total_changes - before
            finally:
                await engine.aclose()

        return asyncio.run(twice())
    finally:
        store.close()
        ws.close()


def section_build(s: Settings, work: Path, rep: Report) -> dict[int, Built]:
    built: dict[int, Built] = {}
    t = Table("Ingest through the normal sync path (demo workspace: Workspace.open + one sync_all)",
              ["size", "source", "items", "threads", "open s", "connectors s", "sync s", "items/s",
               "target", "ratio"])
    for n in s.sizes:
        log(f"building the {label(n)} workspace")
        b = build_workspace(work / f"ws-{label(n)}", n)
        built[n] = b
        src = "sandboxes" if n <= 5000 else "demo connector"
        target = f"≥ {TARGET_INGEST_PER_S:,.0f}/s" if n == 100_000 else ""
        ratio = fmt(b.items_per_s / TARGET_INGEST_PER_S, 2) if n == 100_000 else ""
        t.add(label(n), src, b.inserted, b.threads, b.open_s, b.engine_s, b.sync_s,
              fmt(b.items_per_s, 0), target, ratio)
    # The floor the rules add to: the same rows, same path, triage switched off.
    n = max((x for x in s.sizes if x <= 100_000), default=0)
    if n:
        log(f"building the {label(n)} workspace again with triage off (the floor)")
        off = build_workspace(work / f"ws-{label(n)}-notriage", n, triage=False)
        t.add(f"{label(n)}, triage off", "demo connector" if n > 5000 else "sandboxes", off.inserted,
              off.threads, off.open_s, off.engine_s, off.sync_s, fmt(off.items_per_s, 0), "(floor)",
              fmt(off.items_per_s / TARGET_INGEST_PER_S, 2))
        shutil.rmtree(off.home, ignore_errors=True)
    t.notes.append("`sync s` is connector fetch + routing + triage + SQLite (FTS fed in bulk); "
                   "`connectors s` is building the connectors (the demo connector generates its world). "
                   "`triage off`: the same rows through the same path with the rules switched off, "
                   "the floor the rules add to.")
    rep.show(t)
    return built


def section_store(built: dict[int, Built], work: Path, rep: Report) -> None:
    """The summary and the first page against the scans they replaced; the triggers' ingest cost."""
    log("store reads: summary counts and the first page vs the scans")
    rep.show(storereads.reads_table({label(n): b.ws_dir / "inscope.db" for n, b in built.items()}))
    n = max((x for x in built if x <= 100_000), default=min(built))
    log(f"ingest with and without the thread summary ({label(n)}, one process)")
    rep.show(storereads.trigger_table(work, n))


def section_paint(s: Settings, built: dict[int, Built], rep: Report) -> dict[int, dict[str, float]]:
    res: dict[int, dict[str, float]] = {}
    tmux = s.tmux and tmux_available()
    t = Table("First inbox paint (process start → first frame with thread rows), 160×45: own pty and tmux",
              ["size", "threads in inbox", "bare ms", "inscope ms", "ratio", "tmux bare ms", "tmux inscope ms",
               "tmux ratio", "target", "bare RSS MB", "inscope RSS MB", "Δ MB"])
    for n, b in built.items():
        log(f"first paint at {label(n)} ({s.repeats} runs each, interleaved, pty{' and tmux' if tmux else ''})")
        bare: list[float] = []
        ins: list[float] = []
        tbare: list[float] = []
        tins: list[float] = []
        bare_rss: list[float] = []
        ins_rss: list[float] = []
        threads = 0
        paint = ["paint", "--ws", str(b.ws_dir)]
        for _ in range(s.repeats):
            t0, r, _bytes = run_child(["bare"])
            bare.append((r["painted"] - t0) * 1000)
            bare_rss.append(r["rss_mb"])
            t0, r, _bytes = run_child(paint)
            ins.append((r["painted"] - t0) * 1000)
            ins_rss.append(r["rss_mb"])
            threads = int(r["threads"])
            if tmux:
                t0, r = run_child_tmux(["bare"])
                tbare.append((r["painted"] - t0) * 1000)
                t0, r = run_child_tmux(paint)
                tins.append((r["painted"] - t0) * 1000)
        mb, mi, tb, ti = median(bare), median(ins), median(tbare), median(tins)
        res[n] = {"bare_ms": mb, "inscope_ms": mi, "bare_rss": median(bare_rss), "inscope_rss": median(ins_rss),
                  "tmux_bare_ms": tb, "tmux_inscope_ms": ti}
        t.add(label(n), threads, mb, mi, fmt(mi / mb, 2), tb, ti, fmt(ti / tb, 2) if tmux else "n/a",
              f"≤ {TARGET_PAINT_RATIO}×", median(bare_rss), median(ins_rss), median(ins_rss) - median(bare_rss))
    t.notes.append("Medians of interleaved runs; inscope is started as `inscope` starts it (Workspace.open on "
                   "the data dir + InscopeApp, background sync starts after the first frame). pty: the "
                   "bench's own pseudo-terminal, drained; tmux: a detached tmux pane (private -L server), "
                   "the same child; both report the first frame written.")
    rep.show(t)
    return res


def section_imports(built: dict[int, Built], rep: Report) -> None:
    """What is imported before the first frame (``-X importtime``), bare vs inscope."""
    n = max((x for x in built if x <= 100_000), default=max(built))
    log(f"import budget of the first frame (-X importtime, {label(n)})")
    _t0, r, _b = run_child(["bare"], python_flags=("-X", "importtime"))
    bare = imports.parse(r["stderr"])
    _t0, r, _b = run_child(["paint", "--ws", str(built[n].ws_dir)], python_flags=("-X", "importtime"))
    ins = imports.parse(r["stderr"])
    t = Table(f"Imports before the first frame (python -X importtime, self time summed, {label(n)})",
              ["group", "modules (inscope)", "bare ms", "inscope ms", "extra ms"])
    bare_g, ins_g, count = bare.by_group(), ins.by_group(), ins.modules_by_group()
    extra = sorted(ins_g, key=lambda g: ins_g[g] - bare_g.get(g, 0), reverse=True)
    for g in extra[:14]:
        t.add(g, count.get(g, 0), bare_g.get(g, 0) / 1000, ins_g[g] / 1000, (ins_g[g] - bare_g.get(g, 0)) / 1000)
    t.add("total", len(ins.self_us), bare.total_ms, ins.total_ms, ins.total_ms - bare.total_ms)
    forbidden = ins.forbidden()
    t.notes.append("Only what is imported before the first frame counts (the child marks it in its stderr). "
                   "-X importtime slows every import, so the sums exceed the import time of the timed runs. "
                   "Not loaded before the first frame (connectors, sync, triage rules, the action layer, "
                   "report, e-mail parsing, the demo): "
                   + ("none of them — ok" if not forbidden else "VIOLATED by " + ", ".join(forbidden)))
    rep.show(t)


def section_keys(s: Settings, built: dict[int, Built], paint: dict[int, dict[str, float]],
                 rep: Report) -> dict[int, dict[str, Any]]:
    res: dict[int, dict[str, Any]] = {}
    t = Table("Keypress → repaint (key fed through the Textual driver → the frame showing its effect)",
              ["size", "key", "n", "wall p50 ms", "wall p95 ms", "UI-thread CPU p50", "CPU p95", "p95/noop",
               "target p95"])
    mem = Table("Memory (RSS) after first paint and after the key run",
                ["size", "bare MB", "inscope at paint MB", "inscope after keys MB", "peak (HWM) MB",
                 "Δ vs bare MB", "target Δ"])
    for n, b in built.items():
        log(f"keys at {label(n)} ({s.presses} presses per key)")
        _t0, r, _bytes = run_child(["keys", "--ws", str(b.ws_dir), "--presses", str(s.presses)], timeout=900)
        res[n] = r
        noop95 = pct(r["keys"].get("noop (f12)", {}).get("wall_ms", []), 95)
        for key, v in r["keys"].items():
            w, c = v["wall_ms"], v["cpu_ms"]
            t.add(label(n), key, len(w), pct(w, 50), pct(w, 95), pct(c, 50), pct(c, 95),
                  fmt(pct(w, 95) / noop95, 1) if key != "noop (f12)" else "1.0",
                  f"≤ {TARGET_KEY_P95_MS:.0f}" + (f" ({v['missed']} no frame)" if v["missed"] else ""))
        bare = paint[n]["bare_rss"]
        mem.add(label(n), bare, paint[n]["inscope_rss"], r["rss_mb"], r["hwm_mb"], r["rss_mb"] - bare,
                f"≤ {TARGET_MEM_OVER_BARE_MB:.0f}")
    t.notes += ["j/k/J/K/noop are fed at ~30 keys/s (a held key); enter/e// let the UI settle between presses; "
                "e and / are undone (z / esc) so every press sees the same inbox.",
                "enter = j then enter at once (before the 50 ms debounce could load it; the neighbours were "
                "prefetched while the cursor rested), timed from enter until that conversation is in the detail pane; e = until the rebuilt list (thread gone) is painted; "
                "/ = until the search box is painted. Sync is off in this child."]
    rep.show(t)
    rep.show(mem)
    return res


def section_sources(s: Settings, work: Path, rep: Report) -> None:
    t = Table(f"Per-connector ingest and the quiet round after it (demo world of {s.sandbox_size:,} messages "
              f"via the sandboxes; {s.mail_size:,} e-mails for IMAP)",
              ["source", "items", "seconds", "items/s", "rounds", "quiet: requests", "quiet: rows written",
               "quiet ms", "must be"])
    log(f"sandbox ingest ({s.sandbox_size:,} messages)")
    rows = sources.sandbox_ingest(work / "sandbox", s.sandbox_size)
    if s.mail:
        log(f"IMAP ingest ({s.mail_size:,} e-mails in Dovecot)")
        world = sources.email_world(s.mail_size)
        md = work / "mail-10k"
        sources.write_maildir(world, md, s.mail_size)
        imap = sources.imap_ingest(work / "imap-ws", world, md)
        if isinstance(imap, str):
            t.notes.append(f"IMAP skipped: {imap}")
        else:
            rows.append(imap)
    for i in rows:
        req = "n/a (local dir)" if i.steady_requests is None else str(i.steady_requests)
        t.add(f"{i.account} ({i.kind})", i.items, i.seconds, fmt(i.per_s, 0), i.rounds, req, i.steady_rows,
              i.steady_ms, "1 and 0")
    t.notes.append("requests are counted on the server side: the sandboxes' request logs; IMAP: tagged "
                   "command lines through a counting TCP proxy. rows = sqlite3 total_changes() on the "
                   "sync connection during the quiet round.")
    rep.show(t)
    if s.mail:
        section_mail(s, work, world, md, rep)


def section_mail(s: Settings, work: Path, world: Any, md: Path, rep: Report) -> None:
    log("inscope vs notmuch / neomutt on the Maildir")
    accounts = f'[[accounts]]\nname = "mail"\nkind = "maildir"\npath = "{md}"\nmark_answered = false\n'
    ins_ingest: list[float] = []
    nm_new: list[float] = []
    ws_home = work / "mail-ws"
    items = 0
    nm_cfg = work / "notmuch-config"
    for _ in range(max(1, s.repeats // 2)):
        if ws_home.exists():
            shutil.rmtree(ws_home)
        ws = sources.mail_workspace(ws_home, world, accounts)
        store = ws.store()
        try:
            (name, conn), = ws.connectors()[0].items()
            ing = sources.ingest_account(store, ws, name, conn, None)
        finally:
            store.close()
        ins_ingest.append(ing.seconds)
        items = ing.items
        secs, nm_cfg = sources.notmuch_new(work, md)
        nm_new.append(secs)
    t = Table(f"{s.mail_size:,}-message Maildir: inscope vs notmuch and neomutt",
              ["measure", "inscope", "other", "inscope / other", "note"])
    t.add("ingest (cold) s", median(ins_ingest), median(nm_new), fmt(median(ins_ingest) / median(nm_new), 2),
          f"notmuch new; inscope: {items:,} items via the Maildir connector + sync + store")
    ins_paint = [x for x in (sources.inscope_tmux_s(ws_home) for _ in range(s.repeats)) if x is not None]
    neo_warm = [x for x in (sources.neomutt_index_s(work, md, cache=True) for _ in range(s.repeats + 1))
                if x is not None][1:]  # the first run fills the header cache
    neo_cold = [x for x in (sources.neomutt_index_s(work, md, cache=False) for _ in range(max(1, s.repeats // 2)))
                if x is not None]
    t.add("first screen (tmux) ms", median(ins_paint) * 1000, median(neo_warm) * 1000,
          fmt(median(ins_paint) / median(neo_warm), 2), "neomutt -R -f with a warm header cache")
    t.add("first screen (tmux) ms", median(ins_paint) * 1000, median(neo_cold) * 1000,
          fmt(median(ins_paint) / median(neo_cold), 2), "neomutt -R -f, no header cache")
    t.notes.append("First screen: spawn in a detached tmux 160×45, poll `tmux capture-pane` every ~5 ms until "
                   "inscope's list title (\"Inbox · N threads\") or neomutt's status line (\"Msgs:N\") shows.")
    rep.show(t)
    from inscope.store import Store

    store = Store(ws_home / "inscope.db")
    try:
        rep.show(sources.search_table(store, nm_cfg, max(2, s.repeats)))
    finally:
        store.close()


def section_growth(built: dict[int, Built], paint: dict[int, dict[str, float]],
                   keys: dict[int, dict[str, Any]], rep: Report) -> None:
    t = Table("How cost grows with size", ["size", "threads", "ingest items/s", "quiet round ms",
                                           "quiet rows", "first paint ms", "j p95 ms", "enter p95 ms",
                                           "e p95 ms", "RSS after keys MB"])
    for n, b in built.items():
        log(f"quiet round at {label(n)}")
        q_ms, q_rows = quiet_round(b)
        k = keys.get(n, {}).get("keys", {})
        t.add(label(n), b.threads, fmt(b.items_per_s, 0), q_ms, q_rows, paint[n]["inscope_ms"],
              pct(k.get("j", {}).get("wall_ms", []), 95), pct(k.get("enter", {}).get("wall_ms", []), 95),
              pct(k.get("e", {}).get("wall_ms", []), 95), keys.get(n, {}).get("rss_mb", float("nan")))
    rep.show(t)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes, few repeats (~2-3 min)")
    p.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")], help="e.g. 1000,10000")
    p.add_argument("--repeats", type=int)
    p.add_argument("--no-mail", action="store_true", help="skip Dovecot / notmuch / neomutt")
    p.add_argument("--no-tmux", action="store_true", help="first paint in the bench's own pty only")
    p.add_argument("--tui-only", action="store_true",
                   help="skip the per-connector, IMAP and notmuch/neomutt sections (diagnosis)")
    p.add_argument("--keep", action="store_true", help="keep the generated workspaces")
    a = p.parse_args(argv)
    if a.quick:
        s = Settings([1000, 10_000, 100_000], 3, 10, 6000, 2000, True)
    else:
        s = Settings([1000, 10_000, 100_000, 1_000_000], 5, 30, 30_000, 10_000, True)
    if a.sizes:
        s.sizes = a.sizes
    if a.repeats:
        s.repeats = a.repeats
    if a.no_mail:
        s.mail = False
    if a.no_tmux:
        s.tmux = False
    if a.tui_only:
        s.sources = False
    rep = Report()
    # Bytecode for the project, as a normal install would have it (pip compiles site-packages).
    import compileall

    for pkg in ("inscope", "connectors", "tui", "sandbox", "bench"):
        compileall.compile_dir(str(Path(__file__).resolve().parents[1] / pkg), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="inscope-bench-"))
    header = (f"inscope bench {datetime.now().isoformat(timespec='seconds')} · commit {rep.commit} · "
              f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
              f"load {load_avg()} · {'quick' if a.quick else 'full'}")
    print(header, flush=True)
    try:
        built = section_build(s, work, rep)
        section_store(built, work, rep)
        paint = section_paint(s, built, rep)
        section_imports(built, rep)
        keys = section_keys(s, built, paint, rep)
        section_growth(built, paint, keys, rep)
        if s.sources:
            section_sources(s, work, rep)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        OUT.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        md = f"# {header}\n\nrun time {time.time() - rep.started:.0f} s\n\n" + "\n".join(
            t.markdown() for t in rep.tables)
        (OUT / f"bench-{stamp}.md").write_text(md, encoding="utf-8")
        (OUT / f"bench-{stamp}.json").write_text(json.dumps(
            {"header": header, "seconds": time.time() - rep.started,
             "tables": [t.as_json() for t in rep.tables]}, ensure_ascii=False, indent=1), encoding="utf-8")
        (OUT / "latest.md").write_text(md, encoding="utf-8")
        log(f"wrote {OUT}/bench-{stamp}.md and .json ({time.time() - rep.started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
