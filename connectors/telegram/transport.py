"""The Bot API client for one token, and the only place the token is ever handled.

The Bot API takes the token in the URL path (``/bot<token>/method``).  To keep it out
of httpx's own log lines and exception texts, requests are built against a placeholder
path and a small transport swaps the real token in just before the bytes go out; every
message we produce is additionally passed through :func:`connectors.base.redact`.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from connectors.base import MaybeSentError, SourceError, redact, register_secret

DEFAULT_API_BASE = "https://api.telegram.org"

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_PLACEHOLDER = "/bot_/"  # the token-free path prefix that httpx sees and logs


class _TokenTransport(httpx.AsyncBaseTransport):
    """Puts the token into the path at the last moment, so httpx never logs or raises with it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, token: str) -> None:
        self._inner = inner
        self._prefix = ("/bot" + token + "/").encode("ascii")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raw = request.url.raw_path.replace(_PLACEHOLDER.encode("ascii"), self._prefix, 1)
        real = httpx.Request(request.method, request.url.copy_with(raw_path=raw),
                             headers=request.headers, stream=request.stream,
                             extensions=request.extensions)
        return await self._inner.handle_async_request(real)

    async def aclose(self) -> None:
        await self._inner.aclose()


class ApiError(Exception):
    """An ``ok: false`` reply from the Bot API (mapped to ``SourceError`` by callers)."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any]) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = redact(description)
        self.parameters = parameters

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asks us to wait (a flood limit), if it said."""
        v = self.parameters.get("retry_after")
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    @property
    def migrate_to(self) -> int | None:
        """The supergroup a group was upgraded to, when that is why the call failed."""
        v = self.parameters.get("migrate_to_chat_id")
        return v if isinstance(v, int) and not isinstance(v, bool) else None


def bot_id_of(token: str) -> int:
    """The bot's own user id: a bot token starts with it (``123456:ABC…``)."""
    return int(token.split(":", 1)[0])


class BotApi:
    """A Bot API client for one token: JSON POSTs, token-safe errors."""

    def __init__(self, api_base: str, token: str,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not _TOKEN_RE.match(token):
            raise SourceError("Telegram: the bot token is malformed (expected 123456:ABC…); "
                              "run `inscope connect telegram`", fatal=True)
        register_secret(token)
        self.host = httpx.URL(api_base).host or api_base
        self.bot_id = bot_id_of(token)
        inner = transport or httpx.AsyncHTTPTransport(retries=0)
        self._client = httpx.AsyncClient(
            base_url=api_base.rstrip("/") + _PLACEHOLDER.rstrip("/"),
            transport=_TokenTransport(inner, token),
            timeout=httpx.Timeout(30.0, connect=10.0),
            headers={"User-Agent": "inscope"},
        )

    async def call(self, method: str, params: dict[str, Any], *,
                   read_timeout: float = 30.0) -> Any:
        """POST ``params`` as JSON; return ``result`` or raise ``ApiError`` / ``SourceError``."""
        timeout = httpx.Timeout(read_timeout, connect=10.0)
        # For sendMessage, a failure after the request left us may hide a delivered message:
        # the engine must not simply retry it (a bot cannot check history afterwards).
        maybe = MaybeSentError if method == "sendMessage" else SourceError
        try:
            resp = await self._client.post("/" + method, json=params, timeout=timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as e:
            raise SourceError(f"Telegram: cannot reach {self.host} ({type(e).__name__}: "
                              f"{redact(str(e))})", retry_after=30) from None
        except httpx.TimeoutException:
            raise maybe(f"Telegram: {method} timed out talking to {self.host}",
                        retry_after=10) from None
        except httpx.HTTPError as e:
            # str(e) of transport errors carries no URL, but redact anyway: belt and braces.
            raise maybe(f"Telegram: lost the connection to {self.host} ({type(e).__name__}: "
                        f"{redact(str(e))})", retry_after=30) from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            # A proxy page, a crash page or a cut body instead of Bot API JSON.
            raise maybe(f"Telegram: {method} got HTTP {resp.status_code} without a Bot API "
                        f"reply from {self.host}", retry_after=15)
        if body.get("ok") is True:
            return body.get("result")
        params_obj = body.get("parameters")
        code = body.get("error_code")
        raise ApiError(code if isinstance(code, int) else resp.status_code,
                       str(body.get("description") or "error"),
                       params_obj if isinstance(params_obj, dict) else {})

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


def source_error(e: ApiError, doing: str) -> SourceError:
    """The account-status form of an API error (no secrets: descriptions are redacted)."""
    if e.code == 401:
        return SourceError(f"Telegram: the bot token was rejected ({e.description}); it was "
                           "revoked or mistyped: run `inscope connect telegram`", fatal=True)
    if e.code == 404:
        return SourceError(f"Telegram: {doing}: {e.description} (is api_base right?)", fatal=True)
    if e.code == 409:
        return SourceError(
            f"Telegram: {doing}: {e.description}. Another program is polling this bot (or a "
            "webhook is set): stop it, or call deleteWebhook", retry_after=60)
    if e.code == 429:
        return SourceError(f"Telegram: {doing}: flood limit, retry after {e.retry_after or 5:g} s",
                           retry_after=e.retry_after or 5)
    if e.code >= 500:
        return SourceError(f"Telegram: {doing}: server error {e.code}", retry_after=15)
    return SourceError(f"Telegram: {doing}: {e.code} {e.description}", retry_after=60)
