"""Attachments as the core sees them: names that cannot escape, files never overwritten,
the downloads folder a desktop names, the numbering the CLI and the detail pane share."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from connectors.files import MAX_NAME_BYTES, safe_filename, save_new
from inscope.attachments import downloads_dir, human_size, of_messages
from inscope.model import MessageRow


@pytest.mark.parametrize(("name", "safe"), [
    ("Отчёт за ноябрь.pdf", "Отчёт за ноябрь.pdf"),
    ("../../.bashrc", "bashrc"),
    ("C:\\Users\\ivan\\report.xlsx", "report.xlsx"),
    ("\x1b]52;c;ZWNobyBoaQ==\x07note.txt", "]52;c;ZWNobyBoaQ==note.txt"),
    ("invoice\u202eexe.pdf", "invoiceexe.pdf"),  # RLO would show "fdp.exe…"
    ("...", "attachment"),
    ("", "attachment"),
    ("a\nb\tc.txt", "a b c.txt"),
    ("   .hidden   ", "hidden"),
])
def test_a_file_name_from_a_sender_is_made_plain(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_a_long_name_is_cut_to_fit_and_keeps_its_extension() -> None:
    out = safe_filename("я" * 400 + ".docx")
    assert out.endswith(".docx") and len(out.encode()) <= MAX_NAME_BYTES


def test_save_never_overwrites_and_is_private(tmp_path: Path) -> None:
    first = save_new(tmp_path / "dl", "отчёт.pdf", b"one")
    second = save_new(tmp_path / "dl", "отчёт.pdf", b"two")
    third = save_new(tmp_path / "dl", "отчёт.pdf", b"three")
    assert [p.name for p in (first, second, third)] == ["отчёт.pdf", "отчёт (2).pdf", "отчёт (3).pdf"]
    assert first.read_bytes() == b"one" and third.read_bytes() == b"three"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600


def test_save_does_not_follow_a_planted_symlink(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_bytes(b"keep me")
    (tmp_path / "dl").mkdir()
    (tmp_path / "dl" / "report.pdf").symlink_to(target)
    saved = save_new(tmp_path / "dl", "report.pdf", b"new")
    assert saved.name == "report (2).pdf" and target.read_bytes() == b"keep me"


def test_the_downloads_folder_of_a_russian_desktop(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "Загрузки").mkdir(parents=True)
    (home / ".config").mkdir()
    (home / ".config" / "user-dirs.dirs").write_text(
        '# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR="$HOME/Рабочий стол"\n'
        'XDG_DOWNLOAD_DIR="$HOME/Загрузки"\n', encoding="utf-8")
    assert downloads_dir({}, home, tmp_path / "data") == home / "Загрузки"


def test_downloads_fall_back_to_downloads_then_the_data_dir(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # A user-dirs entry that points at $HOME itself or at nothing is not a downloads folder.
    cfg = tmp_path / "xdg"
    cfg.mkdir()
    (cfg / "user-dirs.dirs").write_text('XDG_DOWNLOAD_DIR="$HOME/"\n', encoding="utf-8")
    assert downloads_dir({"XDG_CONFIG_HOME": str(cfg)}, home, tmp_path / "data") == tmp_path / "data" / "downloads"
    (home / "Downloads").mkdir()
    assert downloads_dir({"XDG_CONFIG_HOME": str(cfg)}, home, tmp_path / "data") == home / "Downloads"


def _msg(mid: int, attachments: object, *, deleted: bool = False) -> MessageRow:
    return MessageRow(id=mid, external_id=f"<m{mid}@client.ru>", author_name="Иван", author_handle="",
                      role="client", is_me=False, text="", created_at=float(mid), edited_at=None,
                      deleted=deleted, reply_to=None, reply_to_text=None, url="", source="email",
                      meta={"attachments": attachments, "folder": "INBOX", "uid": mid})


def test_attachments_are_numbered_across_the_thread_oldest_first() -> None:
    refs = of_messages("work", [
        _msg(1, [{"name": "a.pdf", "size": 10, "type": "application/pdf"}]),
        _msg(2, "not a list"),
        _msg(3, [{"name": "gone.pdf", "size": 1}], deleted=True),
        _msg(4, [{"name": "b.png", "size": 2048, "type": "image/png"}, {"size": "?"}]),
    ])
    assert [(r.n, r.name, r.index, r.external_id) for r in refs] == [
        (1, "a.pdf", 0, "<m1@client.ru>"), (2, "b.png", 0, "<m4@client.ru>"),
        (3, "attachment", 1, "<m4@client.ru>")]
    assert refs[1].where["uid"] == 4 and refs[2].size == 0


@pytest.mark.parametrize(("n", "text"), [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"),
                                         (21 * 1024 * 1024, "21.0 MB"), (3 * 1024**3, "3.0 GB")])
def test_sizes_read_like_a_file_manager(n: int, text: str) -> None:
    assert human_size(n) == text
