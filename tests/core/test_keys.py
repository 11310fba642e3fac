"""The key table and the keymap check: unknown ids, empty remaps, keys taken twice; the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inscope.cli import main
from inscope.config import ConfigError, parse
from inscope.keys import (
    BY_ID,
    COMMANDS,
    CONTEXT_IDS,
    KeymapError,
    check_keymap,
    commands_in,
    effective_keys,
    normalize_key,
    split_keys,
)
from tools.keys_doc import DOC, render

ROOT = Path(__file__).resolve().parents[2]
WHERE = "/home/maria/.config/inscope/config.toml"


def _err(keymap: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as e:
        parse({"keymap": keymap}, Path(WHERE))
    return str(e.value)


def test_the_table_is_well_formed() -> None:
    assert len(BY_ID) == len(COMMANDS), "binding ids are unique"
    assert {c.context for c in COMMANDS} == CONTEXT_IDS, "every context has keys, none is unknown"
    for c in COMMANDS:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", c.id), c.id
        assert c.key_list and c.description and c.help, c.id
    # The ids documented before the table existed are still there (user keymaps use them).
    for bid in ("inbox.next", "thread.done", "thread.reply", "app.back", "app.quit",
                "composer.send", "picker.cancel", "report.period", "help.close"):
        assert bid in BY_ID
    assert "app.leave" not in BY_ID


def test_the_defaults_have_no_conflicts() -> None:
    check_keymap({})
    for c in COMMANDS:
        check_keymap({c.id: c.keys})  # "remapping" each command to its defaults is fine


def test_key_names_are_normalized_as_textual_does() -> None:
    assert normalize_key("?") == "question_mark"
    assert normalize_key("!") == "exclamation_mark"
    assert normalize_key("/") == "slash"
    assert normalize_key(" J ") == "J"
    assert split_keys("j, down,,") == ["j", "down"]
    assert effective_keys({"thread.done": "d, ?"})["thread.done"] == ["d", "question_mark"]
    assert effective_keys({})["inbox.next"] == ["j", "down"]


def test_unknown_id_is_an_error_with_a_suggestion() -> None:
    msg = _err({"thread.dnoe": "d"})
    assert msg == f"{WHERE}: keymap.thread.dnoe: unknown binding id (did you mean 'thread.done'?)"
    assert "docs/keys.md" in _err({"zzz": "d"})
    # The id the old docs named for esc does not exist: the binding is app.back.
    assert "did you mean 'app.back'?" in _err({"app.leave": "escape"})


def test_a_key_taken_twice_in_one_context_names_both_ids() -> None:
    msg = _err({"thread.done": "q"})
    assert msg.startswith(f"{WHERE}: keymap.thread.done: 'q' is also the key of app.quit (Inbox)")
    # Different spellings of one key are one key.
    assert "app.help" in _err({"inbox.next": "?"})
    # An app-wide key is taken in every context.
    assert "thread.done" in _err({"app.palette": "e"})
    assert "always quits" in _err({"thread.done": "ctrl+q"})
    # Moving the other command away first makes the key free.
    cfg = parse({"keymap": {"thread.done": "q", "app.quit": "Q"}})
    assert cfg.keymap == {"thread.done": "q", "app.quit": "Q"}
    # The same key in two contexts is fine: j moves the sidebar and the pickers too.
    check_keymap({"picker.down": "n", "sidebar.down": "n", "inbox.next": "n"})


def test_app_quit_keeps_a_key_and_ctrl_q_always_quits() -> None:
    assert "keymap.app.quit: no keys given" in _err({"app.quit": " , "})
    assert "must keep ctrl+q" in _err({"app.force_quit": "ctrl+x"})
    check_keymap({"app.force_quit": "ctrl+q,ctrl+x"})
    with pytest.raises(KeymapError) as e:
        check_keymap({"thread.done": "q"})
    assert e.value.binding_id == "thread.done"


def test_commands_in_rejects_an_unknown_context() -> None:
    assert [c.id for c in commands_in("confirm")] == ["confirm.yes", "confirm.no"]
    with pytest.raises(KeyError):
        commands_in("nowhere")


def test_the_cli_refuses_a_bad_keymap(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path / "home"))
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"thread.done" = "q"\n', encoding="utf-8")
    assert main(["--config", str(config), "doctor"]) != 0
    err = capsys.readouterr().err
    assert "keymap.thread.done: 'q' is also the key of app.quit" in err


def test_docs_keys_md_is_what_the_generator_writes() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/keys.md is generated from inscope/keys.py: run .venv/bin/python -m tools.keys_doc")


def test_every_id_in_docs_keys_md_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    ids: set[str] = set()
    for line in text.splitlines():
        if line.startswith("|"):
            cells = line.split("|")
            if len(cells) > 2:
                ids |= set(re.findall(r"`([^`]+)`", cells[2]))
        elif m := re.match(r'\s*"([^"]+)"\s*=', line):  # the [keymap] example
            ids.add(m.group(1))
    ids.discard("binding id")
    assert ids, "no ids found: the docs' table layout changed"
    assert sorted(ids - set(BY_ID)) == []
    assert set(BY_ID) <= ids, "every binding is documented"
