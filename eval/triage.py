"""``make eval``: the triage measured on the labeled corpus through the real pipeline.

Prints, for the development half, the held-out half and the whole corpus: relevance,
out-of-scope and urgent precision / recall / F1, the urgent share of the Inbox, what
breaks through the reply windows at ``now``, the priority distribution and Kendall's
tau-b of the priority order; then the simulated week (the labeled decisions of one half
applied through ``Actions``, relevance, scope and priority re-measured on the other half,
both ways round)
and a table of the targets with PASS / FAIL.  Exits 0 whatever the scores (it is a
report); only a broken pipeline fails it.

``--limit N`` runs the first N corpus files only (the fast harness test does).  ``--ids
t361-t440`` also scores the threads of that id range on their own (the whole corpus still
runs, so the range is scored as it is triaged among the rest): per half and together, and
the range's targets.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval.corpus import BLIND, Thread, World, load_corpus, load_world
from eval.metrics import Binary, kendall_tau_b
from eval.pipeline import Pipeline
from inscope.actions import ActionError

PRIORITY_RANK = {"urgent": 0, "high": 0, "normal": 1, "low": 2}
HALVES = ("dev", "held", "all")


@dataclass(frozen=True, slots=True)
class Predicted:
    """What the pipeline made of one thread."""

    mine: bool
    relevance: str
    relevance_reason: str
    scope: str
    urgent: bool
    urgent_reason: str
    priority: str  # high | normal | low (the axis inside a window)
    in_inbox: bool  # waiting in the Inbox (all of it, as when a window is open)
    breaks_through: bool  # shown in the Inbox at ``now`` (outside a window: urgent only)


NOT_DELIVERED = Predicted(False, "not delivered", "the channel never delivers it", "in", False, "",
                          "low", False, False)
"""What the specialist sees of a thread her connector is never told about: nothing."""


def undeliverable(world: World, thread: Thread) -> bool:
    """A Telegram thread written by bots alone: the Bot API never shows a bot's message to
    another bot (our connector is one), so it cannot reach the store."""
    return thread.channel == "telegram" and all(
        m.author != "me" and world.person(m.author).bot for m in thread.messages)


def _json_threads(data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {t["id"]: t for g in data["groups"] for t in g["threads"]}


def predictions(p: Pipeline) -> dict[str, Predicted]:
    """Read ``inbox --json --view all`` (and the Inbox, gated and not) for every thread."""
    act = p.actions()
    everything = _json_threads(act.inbox("all"))
    waiting = _json_threads(act.inbox("inbox", peek=True))
    gated = _json_threads(act.inbox("inbox"))
    rows = p.store.threads_by_id(list(everything))
    out: dict[str, Predicted] = {}
    for cid, tid in p.thread_ids().items():
        t = everything[tid]
        row = rows[tid]
        rel = t.get("relevance", {"value": row.relevance, "reason": ""})
        urg = t.get("urgent", {"value": t["priority"] == "urgent", "reason": ""})
        base = t.get("base_priority", "high" if t["priority"] == "urgent" else t["priority"])
        scope = t["scope"]["value"] if isinstance(t["scope"], dict) else t["scope"]
        out[cid] = Predicted(rel["value"] != "noise", rel["value"], rel["reason"], scope,
                             bool(urg["value"]), urg["reason"], base, tid in waiting, tid in gated)
    return out


@dataclass(frozen=True, slots=True)
class Scores:
    """The scores of one set of threads."""

    n: int
    relevance: Binary
    out_scope: Binary
    urgent: Binary
    inbox: int
    inbox_urgent: int
    breaks_through: int
    should_break: int
    tau: float
    labeled: Counter[str]
    assessed: Counter[str]

    @property
    def urgent_share(self) -> float:
        return self.inbox_urgent / self.inbox if self.inbox else 0.0


def score(threads: Sequence[Thread], pred: dict[str, Predicted]) -> Scores:
    """Score ``threads`` against what the pipeline predicted for them."""
    ts = [t for t in threads if t.id in pred]
    inbox = [t for t in ts if pred[t.id].in_inbox]
    return Scores(
        n=len(ts),
        relevance=Binary.of([(t.labels.mine, pred[t.id].mine) for t in ts]),
        out_scope=Binary.of([(t.labels.scope == "out", pred[t.id].scope == "out") for t in ts]),
        urgent=Binary.of([(t.labels.urgent, pred[t.id].urgent) for t in ts]),
        inbox=len(inbox),
        inbox_urgent=sum(1 for t in inbox if pred[t.id].urgent),
        breaks_through=sum(1 for t in ts if pred[t.id].breaks_through),
        should_break=sum(1 for t in ts if t.labels.urgent and t.labels.mine),
        tau=kendall_tau_b([PRIORITY_RANK[t.labels.priority] for t in ts],
                          [PRIORITY_RANK[pred[t.id].priority] for t in ts]),
        labeled=Counter(t.labels.priority for t in ts),
        assessed=Counter(pred[t.id].priority for t in ts),
    )


def _split(threads: Sequence[Thread], half: str) -> list[Thread]:
    return list(threads) if half == "all" else [t for t in threads if t.half == half]


ACTION_PACE_S = 90.0
"""The simulated specialist takes this long over each thread (a reply is written, not pasted)."""


def apply_decisions(p: Pipeline, threads: Sequence[Thread]) -> Counter[str]:
    """The specialist's week: each thread's labeled decision, through ``Actions`` — in her
    own order of work (her labeled priority, high first), one thread every
    ``ACTION_PACE_S`` from the world's ``now`` (the event log's clock is hers meanwhile)."""
    from inscope.store import events

    start = p.ws.clock()
    step = iter(range(1, 10**6))
    wall, events.clock = events.clock, lambda: start + next(step) * ACTION_PACE_S
    try:
        return _apply(p, sorted(threads, key=lambda t: PRIORITY_RANK[t.labels.priority]))
    finally:
        events.clock = wall


def _apply(p: Pipeline, threads: Sequence[Thread]) -> Counter[str]:
    act = p.actions()
    ids = p.thread_ids()
    done: Counter[str] = Counter()
    for t in threads:
        tid = ids.get(t.id)
        if tid is None:
            continue
        d = t.labels.decision
        try:
            if d == "reply":
                act.reply(tid, "Спасибо, посмотрю и вернусь с ответом.", confirmed=True)
            elif d == "done":
                act.done([tid])
            elif d == "escalate":
                act.escalate([tid], "Прошу посмотреть: вопрос не по моей части договора.")
            elif d == "snooze":
                act.snooze([tid], "window")
            done[d] += 1
        except ActionError as e:
            done[f"refused ({d}): {e}"] += 1
    return done


def _fmt(b: Binary) -> str:
    return f"P {b.precision:.2f}  R {b.recall:.2f}  F1 {b.f1:.2f}  (tp {b.tp} fp {b.fp} fn {b.fn})"


def report(name: str, s: Scores) -> list[str]:
    dist = "  ".join(f"{k} {s.assessed.get(k, 0)}/{s.labeled.get(k, 0)}" for k in ("high", "normal", "low"))
    return [
        f"— {name}: {s.n} threads",
        f"  relevance (mine)   {_fmt(s.relevance)}",
        f"  out of scope       {_fmt(s.out_scope)}",
        f"  urgent             {_fmt(s.urgent)}",
        f"  Inbox              {s.inbox} threads, urgent {s.inbox_urgent} ({s.urgent_share:.0%})",
        f"  outside a window   {s.breaks_through} break through; labeled urgent and mine: {s.should_break}",
        f"  priority assessed/labeled  {dist}   Kendall tau-b {s.tau:.2f}",
    ]


def targets(before: Scores, after: Scores) -> list[tuple[str, float, str, bool]]:
    """(target, value, threshold text, pass) for the printed table (``after``: the week)."""
    after_f1 = after.relevance.f1
    return [
        ("relevance F1", before.relevance.f1, "≥ 0.95", before.relevance.f1 >= 0.95),
        ("out of scope precision", before.out_scope.precision, "≥ 0.90", before.out_scope.precision >= 0.9),
        ("out of scope recall", before.out_scope.recall, "≥ 0.90", before.out_scope.recall >= 0.9),
        ("urgent precision", before.urgent.precision, "≥ 0.85", before.urgent.precision >= 0.85),
        ("urgent recall", before.urgent.recall, "≥ 0.95", before.urgent.recall >= 0.95),
        ("urgent share of Inbox", before.urgent_share, "≤ 0.15", before.urgent_share <= 0.15),
        ("Kendall tau-b of priority", before.tau, "≥ 0.60", before.tau >= 0.6),
        ("relevance F1 after the week", after_f1, "≥ 0.97", after_f1 >= 0.97),
        ("out of scope P after the week", after.out_scope.precision, "≥ 0.90", after.out_scope.precision >= 0.9),
        ("out of scope R after the week", after.out_scope.recall, "≥ 0.90", after.out_scope.recall >= 0.9),
        ("tau-b of priority after week", after.tau, "≥ 0.60", after.tau >= 0.6),
    ]


def parse_ids(spec: str) -> tuple[int, int]:
    """``"t361-t440"`` (or ``"361-440"``) → (361, 440): an inclusive range of thread numbers."""
    first, sep, last = spec.partition("-")
    try:
        lo, hi = int(first.strip().lstrip("t")), int((last if sep else first).strip().lstrip("t"))
    except ValueError:
        raise ValueError(f"bad id range {spec!r}: use e.g. t361-t440") from None
    if lo > hi:
        raise ValueError(f"bad id range {spec!r}: the first id is after the last")
    return lo, hi


def in_range(thread_id: str, ids: tuple[int, int]) -> bool:
    """Whether ``"t405"`` is in the range of :func:`parse_ids`."""
    digits = thread_id.lstrip("t")
    return digits.isdigit() and ids[0] <= int(digits) <= ids[1]


def _range_lines(threads: Sequence[Thread], ids: tuple[int, int], pred: dict[str, Predicted],
                 week: dict[str, Predicted]) -> tuple[list[str], dict[str, Scores]]:
    """The report of the threads of an id range alone (per half, together) and its targets."""
    chosen = [t for t in threads if in_range(t.id, ids)]
    name = f"t{ids[0]:03d}–t{ids[1]:03d}"
    lines = ["", f"Threads {name} alone (triaged among the whole corpus):"]
    scores = {h: score(_split(chosen, h), pred) for h in HALVES}
    week_scores = {h: score(_split(chosen, h), week) for h in HALVES}
    for h, title in (("dev", "development half"), ("held", "held-out half"), ("all", "all")):
        lines += report(f"{name}, {title}", scores[h])
    lines += ["", f"{'target (' + name + ')':<30} {'dev':>6} {'held':>6} {'all':>6}  threshold"]
    rows = {h: targets(scores[h], week_scores[h]) for h in HALVES}
    for i, (tname, _v, thr, _ok) in enumerate(rows["all"]):
        vals = "".join(f" {rows[h][i][1]:>6.2f}" for h in HALVES)
        lines.append(f"{tname:<30}{vals}  {thr}")
    return lines, scores


def run(world: World, threads: list[Thread], *, verbose: bool = False,
        ids: tuple[int, int] | None = None) -> dict[str, Any]:
    """Run the whole evaluation; returns the scores (and prints the report); ``ids``: also
    score the threads of that id range alone (``"range"`` in the result)."""
    p = Pipeline.build(world, threads)
    try:
        pred = predictions(p)
    finally:
        p.close()
    for t in threads:
        if t.id not in pred and undeliverable(world, t):
            pred[t.id] = NOT_DELIVERED
    missing = [t.id for t in threads if t.id not in pred]
    if missing:
        raise RuntimeError(f"threads that never reached the store: {', '.join(missing)}")
    scores = {h: score(_split(threads, h), pred) for h in HALVES}
    # The simulated week, both ways round: decisions of one half, relevance of the other.
    after: dict[str, Predicted] = {}
    applied: Counter[str] = Counter()
    for train, test in (("dev", "held"), ("held", "dev")):
        p = Pipeline.build(world, threads)
        try:
            applied += apply_decisions(p, _split(threads, train))
            p.ws.retriage(p.store)
            week = predictions(p)
        finally:
            p.close()
        after.update({t.id: week.get(t.id, NOT_DELIVERED) if undeliverable(world, t) else week[t.id]
                      for t in _split(threads, test)})
    week_scores = {h: score(_split(threads, h), after) for h in HALVES}
    lines: list[str] = ["Triage on the labeled corpus (eval/corpus), through the real pipeline", ""]
    for h, title in (("dev", "development half"), ("held", "held-out half"), ("all", "whole corpus")):
        lines += report(title, scores[h])
    lines += ["", "After a simulated week (decisions of one half applied, measured on the other):"]
    for h, title in (("dev", "development half (trained on held-out)"),
                     ("held", "held-out half (trained on development)"), ("all", "whole corpus")):
        w = week_scores[h]
        lines.append(f"  {title:<42} relevance {_fmt(w.relevance)}")
        lines.append(f"  {'':<42} out of scope {_fmt(w.out_scope)}")
        dist = "  ".join(f"{k} {w.assessed.get(k, 0)}/{w.labeled.get(k, 0)}" for k in ("high", "normal", "low"))
        lines.append(f"  {'':<42} priority {dist}   Kendall tau-b {w.tau:.2f}")
    lines.append(f"  decisions applied: {dict(applied)}")
    lines += ["", f"{'target':<30} {'dev':>6} {'held':>6} {'all':>6}  threshold  result (all)"]
    rows = {h: targets(scores[h], week_scores[h]) for h in HALVES}
    for i, (name, _v, thr, _ok) in enumerate(rows["all"]):
        vals = "".join(f" {rows[h][i][1]:>6.2f}" for h in HALVES)
        lines.append(f"{name:<30}{vals}  {thr:<9}  {'PASS' if rows['all'][i][3] else 'FAIL'}")
    range_scores: dict[str, Scores] = {}
    if ids is not None:
        more, range_scores = _range_lines(threads, ids, pred, after)
        lines += more
    if verbose:
        # Only the development half: the held-out half is measured, never inspected.
        lines += ["", "Disagreements on the development half (label → assessed):"]
        for t in _split(threads, "dev"):
            pr = pred[t.id]
            diffs = []
            if t.labels.mine != pr.mine:
                diffs.append(f"mine {t.labels.mine}→{pr.relevance} ({pr.relevance_reason})")
            if (t.labels.scope == "out") != (pr.scope == "out"):
                diffs.append(f"scope {t.labels.scope}→{pr.scope}")
            if t.labels.urgent != pr.urgent:
                diffs.append(f"urgent {t.labels.urgent}→{pr.urgent} ({pr.urgent_reason})")
            if t.labels.priority != pr.priority:
                diffs.append(f"priority {t.labels.priority}→{pr.priority}")
            if diffs:
                lines.append(f"  {t.id} [{t.half}] {t.title[:40]}: " + "; ".join(diffs))
    print("\n".join(lines))
    return {"scores": scores, "week": week_scores, "predicted": pred, "range": range_scores}


def run_blind(world: World, threads: list[Thread]) -> Scores:
    """Score the blind set (``eval/blind``: written apart, never used for tuning) as one set."""
    p = Pipeline.build(world, threads)
    try:
        pred = predictions(p)
    finally:
        p.close()
    s = score(threads, pred)
    lines = ["Triage on the blind set (eval/blind: written without the rules, never tuned on)", ""]
    lines += report("blind set", s)
    lines += ["", f"{'target':<30} {'blind':>6}  threshold  result"]
    for name, value, thr, ok in targets(s, s):
        if "week" in name:
            continue  # the blind set has no second half to learn from
        lines.append(f"{name:<30} {value:>6.2f}  {thr:<9}  {'PASS' if ok else 'FAIL'}")
    print("\n".join(lines))
    return s


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.triage", description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="only the first N corpus files")
    ap.add_argument("--half", choices=("dev", "held", "all"), default="all",
                    help="which threads to load (the report always shows both halves)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list the disagreements of the development half")
    ap.add_argument("--blind", action="store_true",
                    help="also score the blind set (eval/blind), as a set of its own")
    ap.add_argument("--ids", default=None, metavar="FROM-TO",
                    help="also score the threads of this id range alone, e.g. t361-t440")
    args = ap.parse_args(argv)
    try:
        ids = parse_ids(args.ids) if args.ids else None
    except ValueError as e:
        ap.error(str(e))
    world = load_world()
    if args.blind:
        run_blind(world, load_corpus(world, BLIND))
        print()
    threads = load_corpus(world, limit=args.limit)
    if args.half != "all":
        threads = [t for t in threads if t.half == args.half]
    run(world, threads, verbose=args.verbose, ids=ids)
    return 0


if __name__ == "__main__":
    sys.exit(main())
