"""Bad command-line and config input: one clear line, exit non-zero, nothing half done."""

from __future__ import annotations

from pathlib import Path

import pytest

from inscope.cli import main
from inscope.store import Store
from tests.helpers import make_workspace, thread_id


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    make_workspace(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as e:  # argparse refuses a bad argument with exit 2
        code = int(e.code or 0)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


@pytest.mark.parametrize("arg", ["99999999999999999999", "0", "-3", "abc"])
def test_ids_beyond_what_can_exist_are_refused(home: Path, capsys: pytest.CaptureFixture[str], arg: str) -> None:
    code, _, err = run(capsys, "show", arg)
    assert code == 2 and "inscope show: error: argument thread" in err


def test_a_bad_id_in_a_list_stops_before_anything_happens(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(home / "inscope.db")
    first = thread_id(store, "c0")
    code, _, err = run(capsys, "done", str(first), "99999999999999999999")
    assert code == 2
    code, _, err = run(capsys, "done", str(first), "424242")  # a well-formed id of no thread
    assert code == 1 and "no thread 424242" in err
    assert store.thread(first).state == "open"  # nothing was applied
    store.close()


def test_outbox_resend_zero_is_an_error_not_a_silent_no_op(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "outbox", "--resend", "0")
    assert code == 2 and "no such id" in err
    code, _, err = run(capsys, "outbox", "--resend", "77")
    assert code == 1 and "no outbox row 77" in err


def test_report_since_keeps_an_explicit_offset(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", "--since", "2026-11-01T09:00+05:00", "--format", "json")
    assert code == 0
    code, _, err = run(capsys, "report", "--since", "yesterday-ish")
    assert code == 1 and "expected a date like 2026-11-01" in err


def test_a_config_with_wrong_shapes_names_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    cfg = tmp_path / "config.toml"
    for text, needle in [("accounts = 5\n", "accounts: expected [[accounts]] tables"),
                         ("projects = 5\n", "projects: expected [[projects]] tables"),
                         ('[windows]\nurgent_breaks_through = "false"\n', "windows.urgent_breaks_through"),
                         ('[keymap]\n"thread.dnoe" = "d"\n', "keymap.thread.dnoe"),
                         ('[[projects]]\nname = "Unsorted"\n', "projects[0].name")]:
        cfg.write_text(text, encoding="utf-8")
        code, _, err = run(capsys, "inbox")
        assert code == 1 and str(cfg) in err and needle in err, err


def test_a_snooze_that_could_never_wake_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(home / "inscope.db")
    tid = thread_id(store, "c0")
    before = store.thread(tid)
    assert before is not None and before.snooze_kind is None
    code, _, err = run(capsys, "snooze", str(tid), "--until", "")
    assert code != 0 and "inscope" in err and err.count("\n") == 1
    code, _, err = run(capsys, "snooze", str(tid), "--project")
    assert code == 1 and "would never wake" in err
    after = store.thread(tid)
    assert after is not None and (after.state, after.snooze_kind) == (before.state, None)  # nothing done
    store.close()
