"""The config loader: strict types, clear errors naming file and key, nothing silently ignored."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest

from inscope.config import (
    ConfigError,
    DataDirError,
    Sla,
    ensure_private_dir,
    is_secret_key,
    load,
    parse,
)
from inscope.config.write import map_to_project, upsert_account


def _err(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as e:
        parse(data, Path("/home/maria/.config/inscope/config.toml"))
    return str(e.value)


def test_empty_config_is_valid_with_defaults() -> None:
    cfg = parse({})
    assert cfg.me.name == "Me" and cfg.windows.urgent_breaks_through is True
    assert cfg.accounts == [] and cfg.projects == []


@pytest.mark.parametrize("value", ["false", "no", 0, 1])
def test_a_boolean_must_be_a_boolean(value: object) -> None:
    msg = _err({"windows": {"urgent_breaks_through": value}})
    assert msg.startswith("/home/maria/.config/inscope/config.toml: windows.urgent_breaks_through:")
    assert "expected true or false" in msg


def test_disabled_string_on_an_account_is_refused() -> None:
    msg = _err({"accounts": [{"name": "tg", "kind": "telegram", "disabled": "false"}]})
    assert "accounts[0].disabled: expected true or false, got the string 'false'" in msg


def test_unknown_keys_are_errors_with_a_suggestion() -> None:
    assert "windows.urgent_breaks_throught: unknown key (did you mean 'urgent_breaks_through'?)" in _err(
        {"windows": {"urgent_breaks_throught": False}})
    assert "projects[0].out_of_scop: unknown key (did you mean 'out_of_scope'?)" in _err(
        {"projects": [{"name": "A", "out_of_scop": ["logo"]}]})
    assert "me.timezon" in _err({"me": {"timezon": "Europe/Moscow"}})
    assert "colour: unknown key" in _err({"colour": "blue"})


def test_two_accounts_with_one_name_are_refused() -> None:
    msg = _err({"accounts": [{"name": "mail", "kind": "imap"}, {"name": "mail", "kind": "smtp"}]})
    assert "accounts[1].name: 'mail' is already the name of accounts[0]" in msg


@pytest.mark.parametrize("name", ["", "  ", "Unsorted", "unsorted"])
def test_reserved_or_empty_project_names_are_refused(name: str) -> None:
    msg = _err({"projects": [{"name": name}]})
    assert "projects[0].name:" in msg


@pytest.mark.parametrize("key", ["token", "Token", "bot_token", "API-Key", "password",
                                 "smtp_password", "api_hash", "client_secret", "session"])
def test_secret_keys_are_refused_whatever_their_case(key: str) -> None:
    assert is_secret_key(key)
    msg = _err({"accounts": [{"name": "x", "kind": "trello", key: "abc"}]})
    assert f"accounts[0].{key}: secrets do not belong in the config" in msg
    assert "abc" not in msg  # the value itself is never echoed


@pytest.mark.parametrize("key", ["host", "port", "boards", "smtp", "api_base", "oauth2_token_command",
                                 "smtp_cafile", "keywords"])
def test_ordinary_option_names_are_not_secret(key: str) -> None:
    assert not is_secret_key(key)


def test_types_of_lists_statuses_importance_sla_and_timezone() -> None:
    assert "projects[0].services: expected a list of strings, got the number 5" in _err(
        {"projects": [{"name": "A", "services": 5}]})
    assert "projects[0].status: 'frozen' is not one of active, paused, unpaid" in _err(
        {"projects": [{"name": "A", "status": "frozen"}]})
    assert "projects[0].importance" in _err({"projects": [{"name": "A", "importance": "urgent"}]})
    assert "projects[0].sla" in _err({"projects": [{"name": "A", "sla": "soon"}]})
    assert "me.timezone: unknown timezone 'Mars/Olympus'" in _err({"me": {"timezone": "Mars/Olympus"}})
    assert "windows.reply[1]:" in _err({"windows": {"reply": ["Mon 11-12", "Mox 11-12"]}})
    assert "accounts[0].name: required" in _err({"accounts": [{"kind": "imap"}]})
    assert "projects: expected [[projects]] tables" in _err({"projects": 5})
    assert "accounts: expected [[accounts]] tables" in _err({"accounts": 5})
    assert "keymap.thread.done" in _err({"keymap": {"thread.done": 5}})


def test_values_are_typed_after_load() -> None:
    cfg = parse({"projects": [{"name": "A", "sla": "2 окна", "telegram_chats": [-100123],
                               "importance": "VIP"}]})
    p = cfg.projects[0]
    assert p.sla == Sla("windows", 2.0)
    assert p.telegram_chats == ["-100123"]
    assert p.importance == "vip"


def test_unreadable_config_files_get_one_clear_line(tmp_path: Path) -> None:
    d = tmp_path / "config.toml"
    d.mkdir()
    with pytest.raises(ConfigError, match="is a directory"):
        load(d)
    f = tmp_path / "c2.toml"
    f.write_text("[me]\nname = 'x'\n")
    f.chmod(0)
    try:
        if os.geteuid() == 0:
            pytest.skip("root reads mode-000 files; the permission branch needs a normal user")
        with pytest.raises(ConfigError, match="permission denied"):
            load(f)
    finally:
        f.chmod(0o600)


def test_bad_toml_and_bad_encoding(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text("[me\nname = 1\n")
    with pytest.raises(ConfigError, match=str(f)):
        load(f)
    f.write_bytes(b"[me]\nname = '\xff\xfe'\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load(f)


def test_missing_file_is_the_empty_config(tmp_path: Path) -> None:
    assert load(tmp_path / "nope.toml").projects == []


# -- the data dir ---------------------------------------------------------------------------


def test_a_new_data_dir_is_created_private(tmp_path: Path) -> None:
    d = ensure_private_dir(tmp_path / "a" / "b")
    assert stat.S_IMODE(d.stat().st_mode) == 0o700


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    # INSCOPE_HOME=$HOME must not chmod the home directory.
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    ensure_private_dir(home)
    assert stat.S_IMODE(home.stat().st_mode) == 0o755


def test_a_data_dir_of_another_user_or_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("")
    with pytest.raises(DataDirError, match="not a directory"):
        ensure_private_dir(f)
    if os.geteuid() != 0:
        pytest.skip("only root can give a directory to another user here")
    other = tmp_path / "other"
    other.mkdir()
    os.chown(other, 12345, 12345)
    with pytest.raises(DataDirError, match="owned by another user"):
        ensure_private_dir(other)


# -- writing the config ------------------------------------------------------------------------


def test_writing_a_symlinked_config_writes_through_the_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "inscope.toml"
    dotfiles.parent.mkdir()
    dotfiles.write_text("# my config\n[me]\nname = \"Мария\"\n", encoding="utf-8")
    link = tmp_path / "config.toml"
    link.symlink_to(dotfiles)
    map_to_project(link, "Acme", "telegram_chats", "-100777")
    assert link.is_symlink() and link.resolve() == dotfiles
    data = tomllib.loads(dotfiles.read_text(encoding="utf-8"))
    assert data["projects"][0]["telegram_chats"] == ["-100777"]
    assert "# my config" in dotfiles.read_text(encoding="utf-8")


def test_the_writer_refuses_secrets_by_the_same_rule_as_the_loader(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Bot_Token"):
        upsert_account(tmp_path / "c.toml", "tg", "telegram", {"Bot_Token": "1:abc"})
    assert not (tmp_path / "c.toml").exists()


def test_every_config_example_in_the_docs_loads() -> None:
    """Every ```toml block of docs/*.md is a config that loads, and the template file example
    in docs/config.md is a template file that loads (with the complete example's projects)."""
    import re

    from inscope.templates.folder import parse_file

    docs = Path(__file__).resolve().parents[2] / "docs"
    blocks = 0
    for page in sorted(docs.glob("*.md")):
        for m in re.finditer(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            parse(tomllib.loads(m.group(1)), page)
            blocks += 1
    assert blocks >= 5
    text = (docs / "config.md").read_text(encoding="utf-8")
    complete = parse(tomllib.loads(re.search(r"```toml\n(.*?)```", text, re.S).group(1)))  # type: ignore[union-attr]
    assert complete.notify.interval == 60 and complete.templates[0].project == "Acme Shop"
    example = re.search(r"```markdown\n(.*?)```", text, re.S)
    assert example is not None
    body = "\n".join(line.removeprefix("   ") for line in example.group(1).splitlines())
    t = parse_file(docs / "report.md", body, {p.name for p in complete.projects})
    assert (t.project, t.language) == ("Acme Shop", "ru") and "{report_link}" in t.text
