"""A thread's attachments: listed from what the store keeps, fetched from the source on demand.

The store keeps each attachment's name, size and type (``meta["attachments"]`` of its
message), never its bytes; saving one asks the message's connector to read it again from
the source (:class:`connectors.base.DownloadsMedia`). Files land in the user's downloads
folder (``XDG_DOWNLOAD_DIR`` of ``user-dirs.dirs``, which a Russian desktop names
``~/Загрузки``; else ``~/Downloads``), under a name that cannot leave it, never over an
existing file, and are never opened by inscope: what a client sent is data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inscope.i18n import _
from inscope.model import MessageRow

if TYPE_CHECKING:
    from connectors.base import Connector

__all__ = ["AttachmentRef", "downloads_dir", "fetch", "human_size", "of_messages"]


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """One attachment of a thread: ``n`` is its number in the thread (1-based, oldest
    first), ``index`` its place in its message."""

    n: int
    account: str
    external_id: str
    index: int
    name: str
    size: int
    type: str
    author: str
    created_at: float
    where: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def of_messages(account: str, messages: list[MessageRow]) -> list[AttachmentRef]:
    """Every attachment the messages list, oldest message first."""
    out: list[AttachmentRef] = []
    for m in messages:
        listed = m.meta.get("attachments")
        if not isinstance(listed, list) or m.deleted:
            continue
        for i, a in enumerate(listed):
            if not isinstance(a, dict):
                continue
            size = a.get("size")
            out.append(AttachmentRef(
                n=len(out) + 1, account=account, external_id=m.external_id, index=i,
                name=str(a.get("name") or "attachment"), size=size if isinstance(size, int) else 0,
                type=str(a.get("type") or ""), author=m.author_name, created_at=m.created_at,
                where=dict(m.meta)))
    return out


_XDG_LINE = re.compile(r'^\s*XDG_DOWNLOAD_DIR\s*=\s*"([^"]*)"', re.M)


def downloads_dir(environ: Mapping[str, str], home: Path, data_dir: Path) -> Path:
    """Where a saved attachment goes: the desktop's downloads folder when there is one,
    else ``downloads/`` in inscope's data dir."""
    config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    try:
        text = (config_home / "user-dirs.dirs").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    m = _XDG_LINE.search(text)
    if m:
        # The file's own syntax: "$HOME/…" or an absolute path, nothing else.
        value = m.group(1).replace("$HOME", str(home))
        path = Path(value)
        if path.is_absolute() and path != home and path.is_dir():
            return path
    fallback = home / "Downloads"
    if fallback.is_dir():
        return fallback
    return data_dir / "downloads"


def human_size(n: int) -> str:
    """``1.2 MB``-style, for lists."""
    if n < 1024:
        return f"{n} B"
    size, unit = n / 1024, "KB"
    for bigger in ("MB", "GB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}"


async def fetch(conn: Connector, ref: AttachmentRef, directory: Path) -> Path:
    """Have ``conn`` read ``ref`` from its source into a new file in ``directory``."""
    from connectors.base import DownloadsMedia, SourceError  # the list above needs neither

    if not isinstance(conn, DownloadsMedia):
        raise SourceError(_("{kind} ({account}) cannot fetch attachments: open the message at "
                            "its source").format(kind=conn.kind, account=ref.account))
    return await conn.download(ref.external_id, directory, index=ref.index, where=ref.where)
