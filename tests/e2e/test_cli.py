"""The headless CLI on the demo workspace: JSON shape, actions that persist, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inscope.cli import main
from inscope.workspace import Workspace

THREAD_KEYS = {"id", "source", "title", "last_text", "last_author", "state", "priority", "reasons",
               "scope", "due_at", "url", "delivery_error", "urgent", "relevance", "base_priority",
               "snooze", "followup"}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--demo", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_inbox_json_shape_and_actions_persist(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inbox", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"generated_at", "window", "groups", "hidden"}
    assert "open" in data["window"]
    assert set(data["hidden"]) >= {"snoozed", "paused", "unpaid", "noise", "done", "held_until_window"}
    assert data["hidden"]["paused"] > 0 and data["hidden"]["unpaid"] > 0, "demo has paused and unpaid projects"
    if not data["window"]["open"]:
        # Outside a reply window only urgent threads break through; the rest is counted.
        assert all(g["priority"] == "urgent" for g in data["groups"])
        assert "held_until" in data["window"]
    else:
        assert data["hidden"]["held_until_window"] == 0
    # The grouping rules, on every open thread regardless of the clock.
    groups = json.loads(run(capsys, "inbox", "--json", "--view", "all")[1])["groups"]
    assert groups, "the demo workspace is not empty"
    order = ["urgent", "high", "normal", "low"]
    for g in groups:
        assert set(g) == {"project", "project_status", "priority", "threads"}
        assert g["project_status"] in ("active", "paused", "unpaid")
        for t in g["threads"]:
            assert set(t) == THREAD_KEYS
            assert t["priority"] == g["priority"]
            # Two axes: urgent (with its reason) is the listed level; base_priority is the
            # order inside a window; relevance says whose it is and why.
            assert set(t["urgent"]) == {"value", "reason"} and set(t["relevance"]) == {"value", "reason"}
            assert t["base_priority"] in ("high", "normal", "low")
            assert t["relevance"]["value"] in ("mine", "watch", "noise") and t["relevance"]["reason"]
    # Grouped by project, then priority in order, each (project, priority) once.
    keys = [(g["project"], g["priority"]) for g in groups]
    assert len(keys) == len(set(keys))
    for (p1, pr1), (p2, pr2) in zip(keys, keys[1:], strict=False):
        if p1 == p2:
            assert order.index(pr1) < order.index(pr2)
    open_ids = [t["id"] for g in groups if g["project_status"] == "active" for t in g["threads"]
                if t["state"] == "open"]
    first, second = open_ids[:2]

    assert run(capsys, "done", str(first))[0] == 0
    code, out, _ = run(capsys, "snooze", str(second), "--client")
    assert code == 0 and "until the client replies" in out
    def ids(view: str) -> set[int]:
        d = json.loads(run(capsys, "inbox", "--json", "--view", view)[1])
        return {t["id"] for g in d["groups"] for t in g["threads"]}

    assert first in ids("done") and second in ids("snoozed")
    data2 = json.loads(run(capsys, "inbox", "--json")[1])
    assert data2["hidden"]["done"] == data["hidden"]["done"] + 1
    assert data2["hidden"]["snoozed"] == data["hidden"]["snoozed"] + 1
    assert run(capsys, "undo")[1].strip() == "undone: snooze"
    assert second not in ids("snoozed") and first in ids("done")
    # One key corrects relevance: the thread leaves the Inbox for Noise, undo brings it back.
    code, out, _ = run(capsys, "relevance", str(second), "not-mine")
    assert code == 0 and "marked not yours" in out
    assert second in ids("noise")
    shown = run(capsys, "show", str(second))[1]
    assert "relevance: noise — you marked it not yours" in shown
    assert run(capsys, "undo")[1].strip() == "undone: relevance"
    assert second not in ids("noise")


def test_reply_is_delivered_through_the_real_connector(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(capsys, "inbox", "--json", "--view", "all")[1])
    target = next(t for g in data["groups"] for t in g["threads"] if t["source"] == "trello"
                  and g["project_status"] == "active")
    code, out, _ = run(capsys, "reply", str(target["id"]), "-m", "Посмотрю сегодня 🙂 [b]не разметка[/b]")
    assert code == 0, out
    assert "sent" in out
    code, out, _ = run(capsys, "show", str(target["id"]))
    assert "Посмотрю сегодня 🙂 [b]не разметка[/b]" in out
    # The journal of the demo's Trello sandbox has exactly one post of it (never twice).
    journal = (home / "demo" / "demo-journal.jsonl").read_text(encoding="utf-8").splitlines()
    assert sum("Посмотрю сегодня" in line for line in journal) == 1


def test_escalate_goes_to_the_account_manager(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(capsys, "inbox", "--json", "--view", "all")[1])
    tid = next(t["id"] for g in data["groups"] if g["project_status"] == "active" for t in g["threads"])
    code, out, _ = run(capsys, "escalate", str(tid), "-m", "Клиент просит новый сайт — это вне договора")
    assert code == 0 and "escalated to" in out
    data2 = json.loads(run(capsys, "inbox", "--json", "--view", "escalated")[1])
    assert tid in {t["id"] for g in data2["groups"] for t in g["threads"]}


def test_errors_are_one_line_not_tracebacks(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "done", "999999")
    assert code == 1 and "no thread 999999" in err and "Traceback" not in err
    code, _, err = run(capsys, "snooze", "1", "--until", "когда-нибудь потом")
    assert code == 1 and err.startswith("inscope: ") and "Traceback" not in err
    code, _, err = run(capsys, "reply", "1", "-m", "   ")
    assert code == 1 and "empty" in err


def test_bad_config_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    cfg = tmp_path / "config.toml"
    cfg.write_text('[[projects]]\nname = "A"\nstatus = "sleeping"\n', encoding="utf-8")
    code = main(["inbox"])
    err = capsys.readouterr().err
    assert code == 1 and "sleeping" in err and str(cfg) in err
    cfg.write_text('[[accounts]]\nname = "t"\nkind = "trello"\ntoken = "abc"\n', encoding="utf-8")
    assert main(["inbox"]) == 1
    assert "secrets do not belong in the config" in capsys.readouterr().err
    cfg.write_text("this is [not toml", encoding="utf-8")
    assert main(["inbox"]) == 1
    assert str(cfg) in capsys.readouterr().err



def test_demo_never_writes_over_a_config_the_user_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path / "home"))
    mine = tmp_path / "work.toml"
    text = '[me]\nname = "Анна"\n\n[[projects]]\nname = "Ромашка"\n'
    mine.write_text(text, encoding="utf-8")
    code = main(["--demo", "--config", str(mine), "inbox", "--json"])
    out = capsys.readouterr()
    assert code == 2 and out.out == ""
    assert out.err.count("\n") == 1 and out.err.startswith("inscope: --config cannot be used with --demo")
    assert mine.read_text(encoding="utf-8") == text
    assert not (tmp_path / "home" / "demo").exists(), "refused before building the demo"
    # The library refuses too: nothing may hand the demo a file of the user's.
    with pytest.raises(ValueError, match="--config cannot be used with --demo"):
        Workspace.open(home=tmp_path / "home", config_path=mine, demo=True)
    assert mine.read_text(encoding="utf-8") == text

def test_search_and_report(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "редиректы")
    assert code == 0 and out.strip().endswith("threads") and not out.startswith("0 threads")
    code, out, _ = run(capsys, "report", "--since", "2020-01-01", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("project,status,received,replies")
    assert len(lines) > 5
