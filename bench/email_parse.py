"""Time the e-mail ingest hot path: parse + normalize (raw bytes → ``Item``), no I/O.

    .venv/bin/python -m bench.email_parse            # 2,000 messages, best of 5
    .venv/bin/python -m bench.email_parse -n 5000 -r 3

The messages are the demo world's RU/EN e-mails (plain replies threaded by
References) interleaved with the committed test corpus (koi8-r/cp1251 headers,
HTML-only mail, Gmail/Outlook/Mail.ru replies with quoted history), so quote
trimming and charset recovery are on the measured path, not just the happy case.
Each run starts with empty header memo and thread index: what a first sync pays.
Times are CPU seconds of this process (best and median of the repeats).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from connectors.base import SourceContext
from connectors.email import mime
from connectors.email.common import EmailCore
from sandbox.demo import setup as demo_setup
from sandbox.demo.wire import email_bytes
from sandbox.demo.world import generate

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "connectors" / "email_corpus"
ANCHOR = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def messages(n: int) -> list[bytes]:
    """``n`` raw messages: about one in eight from the corpus, the rest from the demo world."""
    corpus = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    size = n * 3 + 600
    world = generate(size, demo_setup.DEMO_SEED, ANCHOR)
    first: dict[str, int] = {}
    for m in world.messages:
        if m.channel == "email" and m.conv_key not in first:
            first[m.conv_key] = m.idx
    demo = [email_bytes(world, m, first) for m in world.messages if m.channel == "email"]
    out: list[bytes] = []
    di = ci = 0
    while len(out) < n:
        if len(out) % 8 == 7 and corpus:
            out.append(corpus[ci % len(corpus)])
            ci += 1
        else:
            out.append(demo[di % len(demo)])
            di += 1
    return out


def run_once(raws: list[bytes]) -> float:
    """Seconds to turn every message into an ``Item`` with a fresh connector state."""
    mime._fetch_header.cache_clear()
    mime._memo_pairs.cache_clear()
    mime._decode_words_memo.cache_clear()
    ctx = SourceContext(account="bench", kind="maildir", options={}, secret=lambda _n: None,
                        me_name="Дарья Кузнецова", me_emails=("daria@agency.test",))
    core = EmailCore(ctx)
    # CPU time of this process: the machine is shared, and wall time would measure the others.
    t0 = time.process_time()
    for i, raw in enumerate(raws):
        core.make_item(raw, fallback_date=ANCHOR, where={"maildir_key": str(i)})
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="messages (default 2000)")
    ap.add_argument("-r", type=int, default=5, help="repeats; the best is reported (default 5)")
    args = ap.parse_args()
    raws = messages(args.n)
    times = sorted(run_once(raws) for _ in range(args.r))
    best, median = times[0], times[len(times) // 2]
    print(f"{len(raws)} messages: best {best * 1000:.0f} ms ({len(raws) / best:,.0f} msg/s), "
          f"median {median * 1000:.0f} ms")


if __name__ == "__main__":
    main()
