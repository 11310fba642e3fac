"""``python -m eval.email``: the e-mail scores on the public fixture set, printed.

* reply extraction — ours and the libraries we compared (quotequail,
  mail-parser-reply, email-reply-parser), per language group, on all cases and
  on the public ones alone (without the fixtures we wrote);
* decoding — ours, and ours with charset-normalizer as the only guess for
  undeclared or undecodable 8-bit text;
* threading — the partition of the public messages into conversations, synced
  oldest-first and newest-first, against notmuch's on the same Maildir.

The libraries are the ``eval`` extra (``pip install -e '.[eval]'``); a missing one
is reported, not fatal.  Exit status 1 when a threshold of the issue is missed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from unittest import mock

from connectors.email import charsets
from tests.connectors.public_mail import loader, scoring, threads_vs_notmuch

from .libraries import LIBRARIES

THRESHOLDS = {"English": 0.95, "Russian": 0.95, "overall": 0.90}


def _pct(passed: int, total: int) -> str:
    return f"{passed}/{total} ({100 * passed / total:.1f}%)" if total else "-"


def replies_table() -> bool:
    cases = loader.load_cases("replies.toml")
    public = [c for c in cases if c.get("source") != "own"]
    rows: list[tuple[str, dict[str, tuple[int, int]], dict[str, tuple[int, int]], float]] = []
    ok = True
    candidates: list[tuple[str, Callable[[str, str], tuple[str, list[dict[str, str]]]]]] = [
        ("inscope (connectors.email.replies)", scoring.ours), *LIBRARIES.items()]
    for name, fn in candidates:
        t0 = time.perf_counter()
        try:
            everything = scoring.by_group(scoring.score_replies(fn, cases))
            pub = scoring.by_group(scoring.score_replies(fn, public))
        except ImportError as exc:
            print(f"  {name}: not installed ({exc.name}); pip install -e '.[eval]'")
            continue
        rows.append((name, everything, pub, time.perf_counter() - t0))
        if fn is scoring.ours:
            for group, need in THRESHOLDS.items():
                passed, total = everything[group]
                ok = ok and total > 0 and passed / total >= need
    print(f"\nReply extraction: {len(cases)} cases ({len(public)} public, {len(cases) - len(public)} ours)")
    print("| parser | English | Russian | other languages | overall | public only | time |")
    print("|---|---|---|---|---|---|---|")
    for name, g, pub, dt in rows:
        print(f"| {name} | {_pct(*g['English'])} | {_pct(*g['Russian'])} | {_pct(*g['other languages'])} "
              f"| {_pct(*g['overall'])} | {_pct(*pub['overall'])} | {dt * 1000:.0f} ms |")
    misses = [r for r in scoring.score_replies(scoring.ours, cases) if not r.ok]
    for r in misses:
        print(f"  miss {r.id} [{r.lang}]: got {r.got[:80]!r}, want {r.want[:60]!r}")
    return ok


def _detector_only(data: bytes, context: bytes | None = None) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("cp1252", errors="replace")


def decoding_table() -> bool:
    ours = scoring.score_decoding()
    with mock.patch.object(charsets, "_single_byte_guess", _detector_only):
        detector = scoring.score_decoding()
    print(f"\nDecoding: {len(ours)} messages (subject, sender, text as written, no mojibake)")
    print("| decoder | passed |")
    print("|---|---|")
    print(f"| inscope (declared charset first, then our Russian/Western rules, then charset-normalizer) "
          f"| {_pct(sum(r.ok for r in ours), len(ours))} |")
    print(f"| declared charset first, then charset-normalizer alone | "
          f"{_pct(sum(r.ok for r in detector), len(detector))} |")
    for r in ours:
        if not r.ok:
            print(f"  miss {r.id}: {'; '.join(r.problems)}")
    return all(r.ok for r in ours)


def threading_table() -> bool:
    result = threads_vs_notmuch.compare_with_notmuch()
    if isinstance(result, str):
        print(f"\nThreading: not compared ({result})")
        return False
    print(f"\nThreading: {result.messages} messages ({result.skipped} more files notmuch does not take as mail), "
          f"notmuch finds {result.notmuch_threads} threads")
    print("| sync order | conversations (References/In-Reply-To) | identical to notmuch | with subject fallback |")
    print("|---|---|---|---|")
    for order, (n, same) in result.orders.items():
        print(f"| {order} | {n} | {'yes' if same else 'NO'} | {result.with_subjects.get(order, '-')} |")
    for order, diff in result.differences.items():
        print(f"  {order}: " + "; ".join(diff))
    print("  subject fallback (header-less \"Re:\" joins the same client side's subject): "
          + ("same partition in both orders" if result.subjects_order_independent
             else "the orders differ where one client side has two roots with the same subject"))
    return all(same for _n, same in result.orders.values())


def main() -> int:
    problems = loader.fetch_all()
    if problems:
        print("public fixtures unavailable:\n  " + "\n  ".join(problems))
        return 1
    ok = replies_table()
    ok = decoding_table() and ok
    ok = threading_table() and ok
    print("\ne-mail scores:", "all thresholds met" if ok else "THRESHOLD MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
