"""Checks for ``inscope connect trello``: whose key + token these are, and their boards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import SourceError
from connectors.trello.mapping import str_field
from connectors.trello.transport import TrelloApi, credentials


async def whoami(api_base: str, key: str, token: str) -> dict[str, Any]:
    """Check a key + token: ``{"id", "username", "fullName"}`` of the member, or SourceError."""
    api = TrelloApi("trello", *credentials("trello", key, token), {"api_base": api_base})
    try:
        me = await api.get("/members/me", fields="id,username,fullName")
    finally:
        await api.aclose()
    if not isinstance(me, Mapping) or not str_field(me, "id"):
        raise SourceError("Trello: /members/me returned no member")
    return {"id": str_field(me, "id"), "username": str_field(me, "username"),
            "fullName": str_field(me, "fullName")}


async def open_boards(api_base: str, key: str, token: str) -> list[dict[str, Any]]:
    """The member's open boards as ``[{"id", "name", "url"}]`` (for mapping boards to projects)."""
    api = TrelloApi("trello", *credentials("trello", key, token), {"api_base": api_base})
    try:
        found = await api.get("/members/me/boards", filter="open", fields="id,name,url,closed")
    finally:
        await api.aclose()
    return [{"id": str_field(b, "id"), "name": str_field(b, "name"), "url": str_field(b, "url")}
            for b in (found if isinstance(found, list) else [])
            if isinstance(b, Mapping) and str_field(b, "id") and not b.get("closed")]
