"""Edit the TOML config in place (comments and order kept, via tomlkit).

Used by ``inscope connect …`` to add or update an ``[[accounts]]`` entry and to
map a source (board, chat, domain) to a project.  Never writes a secret.  A config
that is a symlink (a dotfiles checkout) is written *through* the link, so the user's
copy stays the one that is read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from inscope.config.values import is_secret_key


def _load(path: Path) -> tomlkit.TOMLDocument:
    if path.exists():
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    return tomlkit.document()


def _save(path: Path, doc: tomlkit.TOMLDocument) -> str:
    # Replace the file the link points at, atomically, beside it: the link stays a link.
    target = path.resolve() if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    text = tomlkit.dumps(doc)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return text


def _aot(doc: tomlkit.TOMLDocument, name: str) -> AoT:
    if name not in doc:
        doc.append(name, tomlkit.aot())
    v = doc[name]
    assert isinstance(v, AoT)
    return v


def _entry(aot: AoT, name: str, **defaults: Any) -> Table:
    """The table in ``aot`` with ``name = …``, appended with ``defaults`` if missing."""
    for t in aot:
        if t.get("name") == name:
            assert isinstance(t, Table)
            return t
    entry = tomlkit.table()
    entry["name"] = name
    for k, v in defaults.items():
        entry[k] = v
    aot.append(entry)
    return entry


def upsert_account(path: Path, name: str, kind: str, options: dict[str, Any]) -> str:
    """Add or update ``[[accounts]] name=…``; returns the TOML of that entry."""
    bad = [k for k in options if is_secret_key(k)]
    if bad:
        raise ValueError(f"refusing to write secrets to the config: {bad}")
    doc = _load(path)
    entry = _entry(_aot(doc, "accounts"), name, kind=kind)
    entry["kind"] = kind
    for k, v in options.items():
        entry[k] = v
    _save(path, doc)
    return tomlkit.dumps({"accounts": [dict(entry)]})


def map_to_project(path: Path, project: str, field: str, value: str) -> str:
    """Append ``value`` to ``[[projects]] name=project``'s list ``field`` (creating the project)."""
    doc = _load(path)
    entry = _entry(_aot(doc, "projects"), project, status="active")
    current = [str(x) for x in entry.get(field, [])]
    if value not in current:
        current.append(value)
    entry[field] = current
    _save(path, doc)
    return tomlkit.dumps({"projects": [dict(entry)]})
