"""Where inscope keeps its data and config, and making the data dir private.

The data dir is 0700 and the database 0600 (invariant 7, docs/architecture.md,
Invariants) — but only for what inscope itself creates: pointing ``INSCOPE_HOME`` at an
existing directory (even ``$HOME``) never changes that directory's mode, and a directory
owned by another user is refused.
"""

from __future__ import annotations

import os
from pathlib import Path


class DataDirError(ValueError):
    """The data dir cannot be used (not a directory, not ours, not writable)."""


def data_dir() -> Path:
    """The data dir: ``$INSCOPE_HOME`` or the platform's user data dir."""
    env = os.environ.get("INSCOPE_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("inscope", appauthor=False))


def default_config_path(home: Path) -> Path:
    """Config lives beside the data (``INSCOPE_HOME``) or in the platform config dir."""
    if os.environ.get("INSCOPE_HOME"):
        return home / "config.toml"
    from platformdirs import user_config_dir

    return Path(user_config_dir("inscope", appauthor=False)) / "config.toml"


def ensure_private_dir(path: Path) -> Path:
    """Make ``path`` usable as a private data dir.

    Missing directories are created 0700 (parents too, as the platform dirs need).  An
    existing directory keeps its mode — tightening a directory the user made (``$HOME``)
    is not ours to do — but must be a directory, owned by this user and writable.
    """
    if not path.exists():
        if path.is_symlink():
            raise DataDirError(f"{path}: a dangling symlink; point it at a directory or remove it")
        old = os.umask(0o077)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DataDirError(f"{path}: cannot create the data directory ({e.strerror or e})") from e
        finally:
            os.umask(old)
        os.chmod(path, 0o700)
        return path
    if not path.is_dir():
        raise DataDirError(f"{path}: exists but is not a directory (set INSCOPE_HOME to a directory)")
    st = path.stat()
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise DataDirError(f"{path}: owned by another user (uid {st.st_uid}); "
                           "use a data directory of your own (INSCOPE_HOME)")
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataDirError(f"{path}: not writable; fix its permissions or set INSCOPE_HOME")
    return path
