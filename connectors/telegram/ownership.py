"""Which Telegram account reads a chat, when a bot account and a user account could both.

Threads are unique per (account, conversation), so a chat read by two accounts would
show up as two threads.  One account owns each chat, by these rules, in this order:

1. a chat listed in the ``chats`` option of an enabled ``kind = "telegram"`` (bot)
   account belongs to that bot;
2. otherwise, a chat listed in the ``chats`` option of an enabled
   ``kind = "telegram_user"`` account belongs to the first such account in config order;
3. a bot account *without* a ``chats`` list reads every chat it is in, except those
   owned under rules 1 and 2 (:func:`listed_chats`).

Both connectors apply these rules to ``SourceContext.other_accounts`` (every account's
options, the account itself included), so no chat is read twice.  Kept here, beside the
bot connector and free of Telethon, because both kinds import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

BOT_KIND = "telegram"
USER_KIND = "telegram_user"


def chat_ids(values: Any) -> set[int]:
    """The ``chats`` option as integers (numbers and numeric strings; anything else raises)."""
    if values is None:
        return set()
    if isinstance(values, str | int) and not isinstance(values, bool):
        values = [values]
    if not isinstance(values, Iterable):
        raise ValueError("chats: expected a list of chat ids")
    out: set[int] = set()
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | str):
            raise ValueError(f"chats: {v!r} is not a chat id")
        out.add(int(v))
    return out


def _enabled(opts: Mapping[str, Any], kind: str) -> bool:
    return opts.get("kind") == kind and not opts.get("disabled", False)


def bot_listed_chats(accounts: Mapping[str, Mapping[str, Any]]) -> dict[int, str]:
    """Chat id → the bot account that lists it in ``chats`` (rule 1)."""
    out: dict[int, str] = {}
    for name, opts in accounts.items():
        if _enabled(opts, BOT_KIND):
            for chat in chat_ids(opts.get("chats")):
                out.setdefault(chat, name)
    return out


def user_owned_chats(accounts: Mapping[str, Mapping[str, Any]]) -> dict[int, str]:
    """Chat id → the user account that reads it (rule 2; rule 1 taken out)."""
    bots = bot_listed_chats(accounts)
    out: dict[int, str] = {}
    for name, opts in accounts.items():
        if _enabled(opts, USER_KIND):
            for chat in chat_ids(opts.get("chats")):
                if chat not in bots:
                    out.setdefault(chat, name)
    return out


def listed_chats(accounts: Mapping[str, Mapping[str, Any]]) -> dict[int, str]:
    """Every chat some account lists, with its owner (rules 1 and 2): what a bot without
    a ``chats`` list leaves alone."""
    return {**user_owned_chats(accounts), **bot_listed_chats(accounts)}


def owner(chat: int, accounts: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The account that reads ``chat`` by explicit listing, or None (an unlisted chat:
    any bot without a ``chats`` list may read it)."""
    return bot_listed_chats(accounts).get(chat) or user_owned_chats(accounts).get(chat)
