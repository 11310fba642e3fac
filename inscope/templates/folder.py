"""Templates kept as files: ``templates/*.md`` beside the config file, one template a file.

A file's name (without ``.md``) is the template's name unless its front matter says
otherwise.  The optional front matter is ``key: value`` lines between two ``---`` lines
at the very top; its keys are ``name``, ``project``, ``language`` (``ru`` / ``en``) and
``description``, checked as strictly as the config (an unknown key, project or language
is an error naming the file).  Everything after it is the text, trailing newlines
trimmed::

    ---
    project: Acme Shop
    language: ru
    description: отчёт со ссылкой на Looker Studio
    ---
    {client_name}, добрый день! Отчёт за месяц: {report_link}

The folder is read when templates are first used (never at start-up).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from inscope.config.values import LANGUAGES, check_template_name
from inscope.templates.model import Template

FOLDER = "templates"
MAX_BYTES = 64 * 1024
_KEYS = ("name", "project", "language", "description")


class TemplateFileError(ValueError):
    """A template file cannot be used; the message names the file and what is wrong."""


def folder_of(config_path: Path) -> Path:
    """The templates folder of a config file: ``<its directory>/templates``."""
    return config_path.parent / FOLDER


def parse_file(path: Path, text: str, projects: Collection[str]) -> Template:
    """One template from a file's text; :class:`TemplateFileError` naming ``path``."""
    meta: dict[str, str] = {}
    body = text.replace("\r\n", "\n")
    if body.startswith("---\n"):
        end = body.find("\n---", 3)
        if end < 0:
            raise TemplateFileError(f"{path}: the front matter starting with --- is never closed")
        head, body = body[4:end], body[end + 4:]
        body = body[1:] if body.startswith("\n") else body
        for n, line in enumerate(head.split("\n"), 2):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, value = line.partition(":")
            key = key.strip()
            if not sep:
                raise TemplateFileError(f"{path}:{n}: expected 'key: value', got {line.strip()!r}")
            if key not in _KEYS:
                raise TemplateFileError(f"{path}:{n}: unknown key {key!r} (known: {', '.join(_KEYS)})")
            meta[key] = value.strip()
    name = meta.get("name") or path.stem
    try:
        check_template_name(name)
    except ValueError as e:
        raise TemplateFileError(f"{path}: {e}") from e
    project = meta.get("project", "")
    if project and project not in projects:
        raise TemplateFileError(f"{path}: project: no project named {project!r} in the config")
    language = meta.get("language", "")
    if language not in LANGUAGES:
        raise TemplateFileError(f"{path}: language: {language!r} is not one of ru, en")
    body = body.rstrip("\n")
    if not body.strip():
        raise TemplateFileError(f"{path}: the template has no text")
    return Template(name, body, project, language, meta.get("description", ""), origin=str(path))


def read_folder(folder: Path, projects: Collection[str]) -> list[Template]:
    """Every ``*.md`` of ``folder`` in name order (a missing folder: none)."""
    if not folder.is_dir():
        return []
    out: list[Template] = []
    for path in sorted(folder.glob("*.md")):
        if not path.is_file():
            continue
        try:
            if path.stat().st_size > MAX_BYTES:
                raise TemplateFileError(f"{path}: larger than {MAX_BYTES // 1024} KB")
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise TemplateFileError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from e
        except OSError as e:
            raise TemplateFileError(f"{path}: cannot be read ({e.strerror or e})") from e
        out.append(parse_file(path, text, projects))
    return out
