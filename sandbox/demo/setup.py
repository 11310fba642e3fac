"""The demo workspace on disk: its directory, its generated config, starting over.

The demo lives in ``<data dir>/demo``.  Its config records the world's size, seed
and anchor time (the moment the world was generated), so the same world is
regenerated on every start and ids and cursors stay valid; the config is kept
across runs and rewritten only when the size changes or ``--demo-reset`` asks.

Up to ``GENERATOR_ABOVE`` messages the accounts are the real Trello, Telegram and
Maildir connectors, pointed at local services when the demo starts (their
``api_base`` / ``path`` say ``demo:…`` until then).  Above it one account of kind
``demo`` serves the world in-process (``sandbox/demo/connector.py``).
"""

from __future__ import annotations

import shutil
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from inscope.config import Config, ensure_private_dir
from sandbox.demo.wire import tg_user_id
from sandbox.demo.world import config_toml, generate

DEMO_SEED = 7
GENERATOR_ABOVE = 5000
DEFAULT_SIZE = 600


def prepare(base: Path, size: int, reset: bool) -> tuple[Path, Path]:
    """Create the demo dir under ``base`` and its config: (home dir, config path).

    The config is always the demo's own, inside the demo dir: it is rewritten when the
    size changes, so it must never be a file the user named.  ``reset`` empties the
    demo dir first, so the world and the database start over.
    """
    home = ensure_private_dir(base / "demo")
    cfg_path = home / "config.toml"
    if reset:
        _empty(home)
    write_demo_config(home, cfg_path, size)
    return home, cfg_path


def _empty(home: Path) -> None:
    for p in home.iterdir():
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()


def _accounts(size: int, anchor: datetime) -> str:
    common = f"seed = {DEMO_SEED}\nanchor = \"{anchor.isoformat()}\"\nsize = {size}\n"
    if size > GENERATOR_ABOVE:
        return f'[[accounts]]\nname = "demo"\nkind = "demo"\n{common}'
    return (
        "# The demo's sources run locally; api_base and paths are filled in at start.\n"
        f'[[accounts]]\nname = "trello"\nkind = "trello"\napi_base = "demo:trello"\nrecheck_every = 120\n{common}\n'
        '[[accounts]]\nname = "telegram"\nkind = "telegram"\napi_base = "demo:telegram"\npoll_timeout = 0\n'
        "pace_chat_seconds = 0.2\n\n"
        '[[accounts]]\nname = "mail"\nkind = "maildir"\npath = "demo:maildir"\nsmtp_host = "127.0.0.1"\n'
        'smtp_tls = "none"\n'
    )


def demo_params(cfg: Config) -> tuple[int, int, datetime] | None:
    """(size, seed, anchor) recorded in the demo config."""
    for a in cfg.accounts:
        if "anchor" in a.options:
            return (int(a.options.get("size", DEFAULT_SIZE)), int(a.options.get("seed", DEMO_SEED)),
                    datetime.fromisoformat(str(a.options["anchor"])))
    return None


def serves_locally(cfg: Config) -> bool:
    """Whether the config's accounts wait for the demo's local services (``demo:…`` addresses)."""
    return demo_params(cfg) is not None and any(
        str(a.options.get("api_base", "")).startswith("demo:") or str(a.options.get("path", "")).startswith("demo:")
        for a in cfg.accounts)


def write_demo_config(home: Path, cfg_path: Path, size: int) -> None:
    """Write the demo config unless one for the same size exists (it is kept across runs)."""
    if cfg_path.exists():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
            sizes = [a.get("size") for a in data.get("accounts", []) if "anchor" in a]
            if sizes and sizes[0] == size:
                return
        except (tomllib.TOMLDecodeError, OSError):
            pass
        # A different size is a different world: start over so ids stay consistent.
        for p in [*home.glob("inscope.db*"), *home.glob("demo-*")]:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
    anchor = datetime.now(UTC).replace(microsecond=0)
    world = generate(size, DEMO_SEED, anchor)
    am_chats = {am.handle: str(tg_user_id(am)) for am in world.ams}
    text = config_toml(world, _accounts(size, anchor))
    # Account managers are reached by the bot in a private chat: Telegram needs the numeric id.
    for handle, uid in am_chats.items():
        text = text.replace(f'telegram = "{handle}"', f'telegram = "{uid}"')
    cfg_path.write_text(text, encoding="utf-8")
    cfg_path.chmod(0o600)
