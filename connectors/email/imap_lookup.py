"""Finding one message on an IMAP server again, for what is fetched on demand.

The DB keeps an e-mail's headers, text and the list of its attachments, not their bytes
(a 21 MB mail would add 21 MB). When the user saves an attachment, the message is read
again: first where it was synced (folder, UID, and the UIDVALIDITY that makes that UID
mean the same message), then, if it moved or the folder was rebuilt, by its Message-ID
in every folder inscope reads. Read-only (EXAMINE, ``BODY.PEEK``): nothing is marked read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from imapclient import IMAPClient

__all__ = ["find_raw"]


def _body(c: IMAPClient, uid: int) -> bytes | None:
    data = c.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
    raw = data.get(b"BODY[]")
    return raw if isinstance(raw, bytes) else None


def find_raw(c: IMAPClient, external_id: str, where: dict[str, Any], folders: Iterable[str],
             is_message: Callable[[bytes, str], bool]) -> bytes | None:
    """The raw bytes of ``external_id`` (``None`` when no folder holds it any more)."""
    folder, uid, validity = where.get("folder"), where.get("uid"), where.get("uidvalidity")
    if isinstance(folder, str) and folder and isinstance(uid, int) and uid > 0:
        sel = c.select_folder(folder, readonly=True)
        if validity in (None, 0) or int(sel.get(b"UIDVALIDITY", -1)) == int(validity):
            raw = _body(c, uid)
            if raw is not None and is_message(raw, external_id):
                return raw
    if not external_id.startswith("<"):
        return None  # a message without a Message-ID is found only where it was
    order = list(dict.fromkeys([folder, *folders] if isinstance(folder, str) and folder else folders))
    for f in order:
        c.select_folder(f, readonly=True)
        for u in sorted((int(x) for x in c.search(["HEADER", "Message-ID", external_id])), reverse=True):
            raw = _body(c, u)
            if raw is not None and is_message(raw, external_id):
                return raw
    return None
