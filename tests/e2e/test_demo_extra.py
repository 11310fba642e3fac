"""The real app installs and runs without the demo: its servers are the ``demo`` extra.

``pip install inscope`` must not pull a web server.  The base dependencies name
none of the demo servers' libraries, and ``inscope`` runs with them (and the
sandbox package itself) impossible to import — except ``--demo``, which says in
one line how to get it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER_LIBS = {"starlette", "uvicorn", "aiosmtpd"}

# A meta-path finder that makes the blocked top-level packages look not installed.
CHILD = """
import sys
BLOCKED = set(sys.argv[1].split(","))

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

loaded = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
if loaded:
    sys.exit(f"already imported before the block: {loaded}")
sys.meta_path.insert(0, NotInstalled())
from inscope.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _name(requirement: str) -> str:
    for sep in "<>=!~[; ":
        requirement = requirement.split(sep, 1)[0]
    return requirement.strip().lower()


def test_base_dependencies_name_no_demo_server() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = {_name(r) for r in project["dependencies"]}
    assert base & SERVER_LIBS == set()
    assert {_name(r) for r in project["optional-dependencies"]["demo"]} >= SERVER_LIBS


def _inscope(home: Path, blocked: set[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INSCOPE_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", CHILD, ",".join(sorted(blocked)), *args],
                          capture_output=True, text=True, env=env, cwd=home.parent, timeout=120)


def test_the_app_runs_without_the_demo_or_its_servers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    blocked = SERVER_LIBS | {"sandbox"}
    r = _inscope(home, blocked, "--help")
    assert r.returncode == 0 and "usage: inscope" in r.stdout, r.stderr
    r = _inscope(home, blocked, "inbox", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["groups"] == []
    r = _inscope(home, blocked, "doctor")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "accounts 0" in r.stdout


@pytest.mark.parametrize("blocked", [SERVER_LIBS | {"sandbox"}, SERVER_LIBS],
                         ids=["no-sandbox", "sandbox-without-servers"])
def test_demo_without_the_extra_is_one_clear_line(tmp_path: Path, blocked: set[str]) -> None:
    """``pip install inscope`` ships sandbox/ without its servers' libraries: both ways, one line."""
    r = _inscope(tmp_path / "home", blocked, "--demo", "inbox")
    assert r.returncode == 1
    assert r.stderr == "inscope: the demo needs its local servers: pip install 'inscope[demo]'\n"
    assert r.stdout == ""
