"""The docs are part of the product and must be true: every config example loads (its
accounts' options are ones their connector knows), and no doc points outside this repo."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from connectors import registry
from inscope.config import parse

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
_BLOCK = re.compile(r"```toml\n(.*?)```", re.S)


def _blocks() -> list[tuple[str, int, str]]:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in _BLOCK.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append((doc.name, line, m.group(1)))
    return out


BLOCKS = _blocks()


def test_the_docs_have_config_examples() -> None:
    assert len(BLOCKS) >= 5  # the regex finds them (a typo in the fence would hide all)


@pytest.mark.parametrize(("doc", "line", "block"), BLOCKS, ids=[f"{d}:{n}" for d, n, _ in BLOCKS])
def test_every_toml_example_loads_as_a_config(doc: str, line: int, block: str) -> None:
    data = tomllib.loads(block)
    cfg = parse(data)
    for acc in cfg.accounts:
        registry.check_options(acc.kind, acc.options)


@pytest.mark.parametrize("path", [*DOCS, *sorted((ROOT / p) for d in ("inscope", "connectors", "tui",
                                                                       "sandbox", "bench", "tools")
                                                  for p in (ROOT / d).rglob("*.py"))],
                         ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_nothing_points_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"design\.md|connector-apis|\.\./shared|shared/reference", text), path


_TEST_REF = re.compile(r"`(tests/[\w/]+\.py)((?:::\w+)?)`|`::(\w+)`")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_test_a_doc_names_exists(doc: Path) -> None:
    """The reliability doc (and any other) names the tests that show a fix; a renamed
    test would leave the doc pointing at nothing.  ``::name`` alone continues the file
    named just before it."""
    text = doc.read_text(encoding="utf-8")
    current: Path | None = None
    for m in _TEST_REF.finditer(text):
        if m.group(1):
            current = ROOT / m.group(1)
            assert current.is_file(), f"{doc.name}: {m.group(1)} does not exist"
            name = m.group(2)[2:]
        else:
            assert current is not None, f"{doc.name}: `::{m.group(3)}` follows no test file"
            name = m.group(3)
        if name:
            body = current.read_text(encoding="utf-8")
            assert re.search(rf"^(?:async )?def {name}\b", body, re.M), f"{doc.name}: {current.name}::{name}"
