"""Client text is inert; the core never imports Textual, the demo or the tests."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from inscope.text import one_line, sanitize

ROOT = Path(__file__).resolve().parents[2]


def test_sanitize_strips_escapes_keeps_markup_literal() -> None:
    s = sanitize("a\x1b[31mred\x1b[0m [bold]x[/] \x1b]8;;http://e\x07link\x1b]8;;\x07 end")
    assert s == "ared [bold]x[/] link end"
    assert "\x1b" not in s


def test_sanitize_removes_controls_and_bidi() -> None:
    assert sanitize("ok\x00\x07\x08\u202egnp.exe\u2066x\u2069") == "okgnp.exex"
    assert sanitize("строка\r\nещё\tтаб") == "строка\nещё\tтаб"
    assert sanitize("\x9b31mC1 csi") == "C1 csi"


def test_one_line_collapses() -> None:
    assert one_line("a\n\n b\t c", 4) == "a b "


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_core_and_connectors_never_import_textual_or_tui() -> None:
    offenders = []
    for pkg in ("inscope", "connectors", "sandbox"):
        for f in (ROOT / pkg).rglob("*.py"):
            if f.name == "cli.py":
                continue  # the top floor: imports the TUI lazily inside main()
            bad = _imports(f) & {"textual", "tui", "rich"}
            if bad:
                offenders.append(f"{f.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_connectors_do_not_import_the_core() -> None:
    offenders = [str(f.relative_to(ROOT)) for f in (ROOT / "connectors").rglob("*.py")
                 if {"inscope", "tui"} & _imports(f)]
    assert offenders == []



def test_core_and_connectors_never_import_the_demo_or_its_servers() -> None:
    """The real app does not pull a web server: the demo is reached by module name only."""
    demo_side = {"sandbox", "starlette", "uvicorn", "aiosmtpd"}
    offenders = []
    for pkg in ("inscope", "connectors"):
        for f in (ROOT / pkg).rglob("*.py"):
            bad = _imports(f) & demo_side
            if bad:
                offenders.append(f"{f.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []

def test_benchmarks_do_not_import_the_tests() -> None:
    """bench/ runs from an install without tests/: its servers come from sandbox/."""
    offenders = [str(f.relative_to(ROOT)) for f in (ROOT / "bench").rglob("*.py") if "tests" in _imports(f)]
    assert offenders == []

def test_importing_the_core_does_not_load_textual() -> None:
    code = ("import sys, inscope.workspace, inscope.cli, inscope.sync, inscope.store; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
