"""Checks for ``inscope connect telegram``: the bot behind a token, and the chats it has seen."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.base import SourceError
from connectors.telegram.mapping import chat_title
from connectors.telegram.transport import ApiError, BotApi, source_error


async def get_me(api_base: str, token: str, *,
                 transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Any]:
    """``getMe`` for a token: the bot's user object plus ``can_read_all_group_messages``.

    Raises ``SourceError`` (fatal for a rejected token) with a secret-free message.
    """
    api = BotApi(api_base, token, transport)
    try:
        result = await api.call("getMe", {})
    except ApiError as e:
        raise source_error(e, "getMe") from None
    finally:
        await api.aclose()
    if not isinstance(result, dict):
        raise SourceError("Telegram: getMe returned something that is not a user")
    return result


async def seen_chats(api_base: str, token: str, *,
                     transport: httpx.AsyncBaseTransport | None = None) -> list[dict[str, Any]]:
    """Chats present in the bot's pending updates, without confirming any of them.

    Calls ``getUpdates`` with no ``offset`` (nothing is confirmed) and no
    ``allowed_updates`` (the bot's setting is kept).  Returns one dict per chat:
    ``id``, ``type``, ``title``, ``username``, ``is_forum``, in first-seen order.
    """
    api = BotApi(api_base, token, transport)
    try:
        result = await api.call("getUpdates", {"timeout": 0, "limit": 100})
    except ApiError as e:
        raise source_error(e, "getUpdates") from None
    finally:
        await api.aclose()
    chats: dict[int, dict[str, Any]] = {}
    for upd in result if isinstance(result, list) else []:
        if not isinstance(upd, dict):
            continue
        for key in ("message", "edited_message", "channel_post", "edited_channel_post",
                    "my_chat_member"):
            obj = upd.get(key)
            chat = obj.get("chat") if isinstance(obj, dict) else None
            cid = chat.get("id") if isinstance(chat, dict) else None
            if isinstance(chat, dict) and isinstance(cid, int) and cid not in chats:
                chats[cid] = {"id": cid, "type": str(chat.get("type", "")),
                              "title": chat_title(chat),
                              "username": str(chat.get("username") or ""),
                              "is_forum": bool(chat.get("is_forum"))}
    return list(chats.values())
