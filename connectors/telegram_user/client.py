"""The Telethon client as this connector uses it: exactly these methods, and the factory.

:class:`UserClient` lists every ``TelegramClient`` method the connector and the sign-in
wizard call, with the arguments they pass, so the tests' fake implements the same
surface and nothing else.  :func:`make_client` builds the real one over a
``StringSession``: the session lives in memory (Telethon's ``MemorySession`` writes no
file), is read from the keyring by the caller and never handed to anything else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, cast

# Flood waits are never slept inside Telethon: each one becomes a visible status
# ("Telegram asks to pause N s") or, for a short one while sending, our own paced wait.
FLOOD_SLEEP_THRESHOLD = 0


class UserClient(Protocol):
    """The subset of ``telethon.TelegramClient`` (1.x) in use; TL objects are ``Any``."""

    session: Any  # a StringSession: ``session.save()`` is the string for the keyring

    async def connect(self) -> None: ...

    def disconnect(self) -> Any:  # a coroutine while the loop runs
        ...

    def is_connected(self) -> bool: ...

    async def is_user_authorized(self) -> bool: ...

    async def get_me(self) -> Any: ...

    def iter_dialogs(self, limit: int | None = None) -> AsyncIterator[Any]: ...

    def iter_messages(self, entity: Any, limit: int | None = None, *, min_id: int = 0,
                      reverse: bool = False) -> AsyncIterator[Any]: ...

    async def get_messages(self, entity: Any, *, ids: list[int]) -> Any: ...

    async def get_input_entity(self, peer: Any) -> Any: ...

    async def send_read_acknowledge(self, entity: Any, *, max_id: int) -> Any: ...

    async def download_media(self, message: Any, file: str) -> Any: ...

    def add_event_handler(self, callback: Callable[[Any], Awaitable[None]], event: Any) -> None: ...

    def remove_event_handler(self, callback: Callable[[Any], Awaitable[None]],
                             event: Any = None) -> int: ...

    def __call__(self, request: Any) -> Awaitable[Any]: ...

    # sign-in (inscope connect telegram --user)
    async def send_code_request(self, phone: str) -> Any: ...

    async def sign_in(self, phone: str | None = None, code: str | None = None, *,
                      password: str | None = None, phone_code_hash: str | None = None) -> Any: ...

    async def qr_login(self) -> Any: ...


ClientFactory = Callable[[str, int, str], UserClient]
"""(session string, api_id, api_hash) → a client, not yet connected."""


def make_client(session: str, api_id: int, api_hash: str) -> UserClient:
    """A real ``TelegramClient`` over ``StringSession(session)`` ("" for a new sign-in).

    Built without connecting (and so without an event loop): the connector connects in
    its first ``fetch``, on the loop that will run it.
    """
    from telethon import TelegramClient
    from telethon.sessions import StringSession

    client = TelegramClient(
        StringSession(session or None), api_id, api_hash,
        flood_sleep_threshold=FLOOD_SLEEP_THRESHOLD,
        connection_retries=2, request_retries=2, retry_delay=2,
        device_model="inscope", app_version="inscope",  # how the session shows in Telegram
        base_logger="connectors.telegram_user.telethon",
    )
    return cast(UserClient, client)
