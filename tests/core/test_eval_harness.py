"""The eval harness runs on a handful of corpus threads (the scores are make eval's job)."""

from __future__ import annotations

import dataclasses

import pytest

from eval.corpus import half_of, load_corpus, load_world, offset
from eval.metrics import Binary, kendall_tau_b
from eval.triage import NOT_DELIVERED, in_range, parse_ids, run, undeliverable


def test_offsets_and_split_are_fixed() -> None:
    assert offset("-1d15h40m").total_seconds() == -(86400 + 15 * 3600 + 40 * 60)
    assert offset("-15m").total_seconds() == -900
    with pytest.raises(ValueError):
        offset("yesterday")
    assert half_of("t001") == "dev" and half_of("t002") == "dev" and half_of("t005") == "held"


def test_metrics() -> None:
    b = Binary.of([(True, True), (True, False), (False, True), (False, False)])
    assert (b.tp, b.fp, b.fn, b.tn) == (1, 1, 1, 1) and b.f1 == 0.5
    assert kendall_tau_b([0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)
    assert kendall_tau_b([0, 1, 2], [2, 1, 0]) == pytest.approx(-1.0)
    assert kendall_tau_b([0, 0, 1], [0, 1, 1]) == pytest.approx(0.5)


def test_the_pipeline_runs_on_a_few_threads(capsys: pytest.CaptureFixture[str]) -> None:
    world = load_world()
    threads = load_corpus(world, limit=8)
    assert {t.channel for t in threads} == {"telegram", "trello", "email"}
    out = run(world, threads)
    printed = capsys.readouterr().out
    assert "relevance F1 after the week" in printed and "Kendall tau-b" in printed
    assert set(out["predicted"]) == {t.id for t in threads}, "every thread reached the store"
    assert out["scores"]["all"].n == 8


def test_an_id_range_is_parsed_and_scored_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_ids("t361-t440") == (361, 440) and parse_ids("5-7") == (5, 7)
    assert parse_ids("t012") == (12, 12)
    for bad in ("t440-t361", "a-b"):
        with pytest.raises(ValueError):
            parse_ids(bad)
    assert in_range("t405", (361, 440)) and not in_range("t360", (361, 440))
    world = load_world()
    threads = load_corpus(world, limit=8)
    out = run(world, threads, ids=(2, 4))
    printed = capsys.readouterr().out
    assert "Threads t002–t004 alone" in printed
    assert out["range"]["all"].n == 3 and out["scores"]["all"].n == 8
    assert out["range"]["dev"].n + out["range"]["held"].n == 3


def test_a_telegram_thread_of_bots_alone_is_scored_as_never_shown() -> None:
    world = load_world()
    bot = next(k for k, p in world.people.items() if p.bot)
    human = next(k for k, p in world.people.items() if not p.bot)
    base = load_corpus(world, limit=1)[0]
    bots_only = dataclasses.replace(base, channel="telegram", messages=tuple(
        dataclasses.replace(m, author=bot) for m in base.messages))
    assert undeliverable(world, bots_only)
    mixed = dataclasses.replace(bots_only, messages=(*bots_only.messages,
                                                     dataclasses.replace(base.messages[0], author=human)))
    assert not undeliverable(world, mixed)
    assert not undeliverable(world, dataclasses.replace(bots_only, channel="trello"))
    out = run(world, [bots_only, *load_corpus(world, limit=3)[1:]])
    assert out["predicted"][bots_only.id] == NOT_DELIVERED
