"""pymorphy3 vs the Snowball Russian stemmer: match quality on general word pairs, and speed.

    .venv/bin/python -m bench.lemmatizers

For each pair of ``bench/lemma_pairs.py`` a matcher says "same word" or not: pymorphy3 by
lemma (first reading, and with the other likely readings as the rules use them),
Snowball by stem.  Prints the share of same-word pairs matched, of different-word pairs
kept apart, the accuracy over both, and microseconds per word (cold: first sight of the
word; warm: the rules' per-word cache).  docs/triage.md records the numbers and the
choice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.lemma_pairs import DIFFERENT, SAME


def _score(same: Callable[[str, str], bool]) -> tuple[float, float, float]:
    hit = sum(1 for a, b in SAME if same(a, b)) / len(SAME)
    apart = sum(1 for a, b in DIFFERENT if not same(a, b)) / len(DIFFERENT)
    acc = (hit * len(SAME) + apart * len(DIFFERENT)) / (len(SAME) + len(DIFFERENT))
    return hit, apart, acc


def _speed(fn: Callable[[str], object], words: list[str]) -> float:
    t = time.perf_counter()
    for w in words:
        fn(w)
    return (time.perf_counter() - t) / len(words) * 1e6


def main() -> int:
    import pymorphy3
    import snowballstemmer

    from inscope.rules.lemmas import Lemmatizer

    words = sorted({w for pair in SAME + DIFFERENT for w in pair})
    t = time.perf_counter()
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    load_ms = (time.perf_counter() - t) * 1000
    stem = snowballstemmer.stemmer("russian")

    def first(w: str) -> str:
        return str(morph.parse(w)[0].normal_form).replace("ё", "е")

    lem = Lemmatizer()

    def readings(a: str, b: str) -> bool:
        x, y = lem.analyse(a.replace("ё", "е")), lem.analyse(b.replace("ё", "е"))
        return bool(({x.lemma} | x.alts) & ({y.lemma} | y.alts))

    rows = [
        ("pymorphy3, first lemma", _score(lambda a, b: first(a) == first(b))),
        ("pymorphy3, with readings (the rules)", _score(readings)),
        ("Snowball stemmer", _score(lambda a, b: stem.stemWord(a) == stem.stemWord(b))),
    ]
    print(f"{len(SAME)} same-word pairs, {len(DIFFERENT)} different-word pairs\n")
    print(f"{'matcher':<40} {'same matched':>12} {'different apart':>16} {'accuracy':>9}")
    for name, (hit, apart, acc) in rows:
        print(f"{name:<40} {hit:>12.0%} {apart:>16.0%} {acc:>9.0%}")
    fresh = [w + "" for w in words]
    cold = _speed(lambda w: morph.parse(w), fresh)
    lem2 = Lemmatizer()
    lem2.analyse("сайт")  # load the dictionary outside the timing
    for w in words:
        lem2.analyse(w)
    warm = _speed(lem2.analyse, words)
    snow = _speed(stem.stemWord, words)
    print(f"\npymorphy3: dictionary load {load_ms:.0f} ms; {cold:.1f} µs/word cold, "
          f"{warm:.2f} µs/word from the rules' cache")
    print(f"Snowball:  {snow:.1f} µs/word (no load)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
