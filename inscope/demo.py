"""The built-in demo workspace: config + the services its accounts talk to.

The demo needs no credentials and no network: its sources run locally and go
through the same connector protocol, sync path and store as real accounts.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

from inscope.config import Config
from sandbox.demo_world import World, config_toml, generate

DEMO_SEED = 7


def _accounts(size: int, anchor: datetime) -> str:
    return "\n".join([
        "[[accounts]]",
        'name = "demo"',
        'kind = "demo"',
        f"size = {size}",
        f"seed = {DEMO_SEED}",
        f'anchor = "{anchor.isoformat()}"',
    ])


def write_demo_config(home: Path, cfg_path: Path, size: int) -> None:
    """Write the demo config unless one for the same size exists (it is kept across runs)."""
    if cfg_path.exists():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
            sizes = [a.get("size") for a in data.get("accounts", []) if a.get("kind") == "demo"]
            if sizes and sizes[0] == size:
                return
        except (tomllib.TOMLDecodeError, OSError):
            pass
        # A different size is a different world: start over so ids stay consistent.
        for p in home.glob("inscope.db*"):
            p.unlink()
        for p in home.glob("demo-*"):
            p.unlink()
    anchor = datetime.now(UTC).replace(microsecond=0)
    world = generate(size, DEMO_SEED, anchor)
    cfg_path.write_text(config_toml(world, _accounts(size, anchor)), encoding="utf-8")
    cfg_path.chmod(0o600)


class DemoServices:
    """Local services behind the demo's accounts (started with the workspace)."""

    def __init__(self, world: World | None):
        self.world = world

    @classmethod
    def start(cls, home: Path, cfg: Config) -> DemoServices:
        return cls(None)

    def stop(self) -> None:
        return None
