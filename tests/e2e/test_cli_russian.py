"""The CLI in Russian: ``--help`` of every command, chosen by the locale or ``[me] language``."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from inscope import cli
from inscope.i18n import set_language

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """``main`` sets the process's language: put English back for the other tests."""
    yield
    set_language("en")


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as done:
        cli.main([*args, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def _commands() -> list[str]:
    sub = next(a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_every_command_and_option_help_is_russian_under_a_russian_locale(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))  # no config of the developer's own
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    top = _help(capsys)
    assert top.startswith("использование: inscope") and "позиционные аргументы" in top
    assert "показать эту справку и выйти" in top
    commands = _commands()
    assert len(commands) > 15
    for name in commands:
        text = _help(capsys, name)
        assert text.startswith("использование: inscope " + name), name
        # Every option line's help (the text after the option column) is Russian.
        lines = [ln for ln in text.splitlines() if re.match(r"^  \S", ln)]
        for ln in lines:
            parts = re.split(r"\s{2,}", ln.strip(), maxsplit=1)
            if len(parts) == 2:
                assert _CYRILLIC.search(parts[1]), f"{name}: {ln!r}"
    set_language("ru")  # the parser's words are made in the language in force
    for action in _walk(cli._parser()):
        if action.help and action.help != argparse.SUPPRESS:
            assert _CYRILLIC.search(action.help), action.option_strings or action.dest


def _walk(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _walk(sub)


def test_the_config_language_beats_the_locale(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[me]\nname = "Мария"\nlanguage = "en"\n', encoding="utf-8")
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert _help(capsys, "--config", str(cfg), "inbox").startswith("usage: inscope inbox")
    cfg.write_text('[me]\nname = "Мария"\nlanguage = "ru"\n', encoding="utf-8")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert _help(capsys, "--config", str(cfg), "inbox").startswith("использование: inscope inbox")


def test_english_stays_the_default(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("INSCOPE_HOME", str(tmp_path))
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert _help(capsys).startswith("usage: inscope")
