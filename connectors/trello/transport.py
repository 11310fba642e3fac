"""The Trello REST client: header auth, client-side rate limits, errors without secrets.

- Auth is the ``Authorization: OAuth oauth_consumer_key="…", oauth_token="…"`` header only,
  so the token never appears in a URL, a proxy log or an httpx exception text.
- Client-side token buckets keep under Trello's limits of 100 requests / 10 s per token
  and 300 / 10 s per API key (and 100 / 900 s on ``/1/members/``); the
  ``x-rate-limit-*-remaining`` headers drain the buckets when other clients share the
  key; a 429 blocks the bucket it names and backs off (``SourceError(retry_after=…)``
  when the wait is longer than we are willing to sleep in-process).
- Failures after which the server may or may not have acted (timeouts, 5xx, a cut body)
  are :class:`Ambiguous`, so the sender can reconcile before anyone retries a POST.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from connectors.base import SourceError, redact, register_secret

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.trello.com/1"
PAGE = 1000  # the documented maximum `limit` for action listings


class TokenBucket:
    """A token bucket: ``capacity`` requests per ``interval`` seconds, refilled continuously."""

    def __init__(self, capacity: float, interval: float, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(capacity)
        self.rate = self.capacity / interval
        self.clock = clock
        self.tokens = self.capacity
        self.updated = clock()
        self.blocked_until = 0.0  # set by a 429: nothing goes out before this

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 when one is there now)."""
        self._refill()
        block = max(0.0, self.blocked_until - self.clock())
        need = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(block, need)

    def take(self) -> None:
        """Spend one token (the caller has waited ``wait_time()`` first)."""
        self._refill()
        self.tokens -= 1

    def observe_remaining(self, remaining: int) -> None:
        """The server says only ``remaining`` are left in its window: never assume more."""
        self._refill()
        self.tokens = min(self.tokens, float(remaining))

    def block(self, seconds: float) -> None:
        """Let nothing through for ``seconds`` (the server said 429)."""
        self.blocked_until = max(self.blocked_until, self.clock() + seconds)


# Keys may be shared by several accounts in one process: one bucket per key (by hash,
# so no secret is kept as a dict key that might end up in a repr).
_KEY_BUCKETS: dict[str, TokenBucket] = {}


def _key_bucket(key: str, capacity: float, interval: float) -> TokenBucket:
    h = hashlib.sha256(key.encode()).hexdigest()
    b = _KEY_BUCKETS.get(h)
    if b is None:
        b = _KEY_BUCKETS[h] = TokenBucket(capacity, interval)
    return b


class Ambiguous(Exception):
    """A failure after which the server may or may not have acted (``sent``)."""

    def __init__(self, message: str, *, sent: bool, retry_after: float = 30.0):
        super().__init__(message)
        self.sent = sent
        self.retry_after = retry_after


class StatusError(Exception):
    """A 4xx answer other than 401 / 429, for callers to map (404: gone, 400: refused)."""

    def __init__(self, status: int, body: str):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body  # already redacted


def _error_code(resp: httpx.Response) -> str:
    try:
        d = resp.json()
    except ValueError:
        return ""
    code = d.get("error") if isinstance(d, Mapping) else None
    return code if isinstance(code, str) else ""


def _shape(path: str) -> str:
    """A path with ids replaced, for messages (ids are not secret, but noise)."""
    return re.sub(r"[0-9a-f]{24}", "{id}", path)


def credentials(account: str, key: str | None, token: str | None) -> tuple[str, str]:
    """The API key and token, or a fatal ``SourceError`` saying how to set them."""
    if not key or not token:
        raise SourceError(f"Trello account {account!r}: API key and token are not set "
                          "(run `inscope connect trello`)", fatal=True)
    return key, token


class TrelloApi:
    """One account's HTTP client: every request is rate limited and every error secret-free.

    Options (from ``[[accounts]]``): ``api_base``, ``timeout``, ``max_wait`` (the longest
    in-process wait for a bucket), ``backoff_429``, ``rate_interval``, ``token_limit``,
    ``key_limit``, ``members_limit``.
    """

    def __init__(self, account: str, key: str, token: str, options: Mapping[str, Any], *,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        # Registered before any request, so no error text can ever carry them.
        register_secret(key)
        register_secret(token)
        self.account = account
        self.api_base = str(options.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        self.max_wait = float(options.get("max_wait", 3.0))
        self.backoff_429 = float(options.get("backoff_429", 10.0))
        self.timeout = float(options.get("timeout", 30.0))
        interval = float(options.get("rate_interval", 10.0))
        # 90 % of the documented limits: other Trello clients of the user share the token.
        self.token_bucket = TokenBucket(float(options.get("token_limit", 90)), interval)
        self.key_bucket = _key_bucket(key, float(options.get("key_limit", 270)), interval)
        self.members_bucket = TokenBucket(float(options.get("members_limit", 90)), 900.0)
        self._client = httpx.AsyncClient(
            headers={
                "Authorization": f'OAuth oauth_consumer_key="{key}", oauth_token="{token}"',
                "Accept": "application/json",
                "User-Agent": "inscope (terminal inbox)",
            },
            timeout=httpx.Timeout(self.timeout, connect=10.0),
            transport=transport,
            follow_redirects=False,
        )

    async def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      json_body: Any = None, attempts: int = 3) -> Any:
        """One API call with rate limiting; returns parsed JSON or raises ``SourceError``.

        Raises :class:`StatusError` for 4xx other than 401/429 so callers can map 404 / 400,
        and :class:`Ambiguous` when the outcome is unknown.
        """
        buckets = [self.token_bucket, self.key_bucket]
        if path.startswith("/members"):
            buckets.append(self.members_bucket)
        for attempt in range(attempts):
            wait = max(b.wait_time() for b in buckets)
            if wait > self.max_wait:
                raise SourceError(f"Trello: client-side rate limit, next request in {wait:.0f} s",
                                  retry_after=wait)
            if wait > 0:
                await asyncio.sleep(wait)
            for b in buckets:
                b.take()
            try:
                resp = await self._client.request(method, self.api_base + path, params=params,
                                                  json=json_body)
            except httpx.TimeoutException:
                raise Ambiguous("Trello: request timed out", sent=method != "GET") from None
            except httpx.TransportError as e:
                # Connect errors certainly did not reach the server; others may have.
                sent = method != "GET" and not isinstance(e, httpx.ConnectError)
                raise Ambiguous(f"Trello: network error ({type(e).__name__})", sent=sent) from None
            self._observe_headers(resp.headers)
            status = resp.status_code
            if status == 429:
                wait = self._backoff(resp)
                code = _error_code(resp)
                which = self.key_bucket if "KEY" in code else self.token_bucket
                which.block(wait)
                if path.startswith("/members") and code == "RATE_LIMIT_EXCEEDED":
                    self.members_bucket.block(wait)
                if wait <= self.max_wait and attempt + 1 < attempts:
                    log.info("trello: 429 %s, retrying in %.1f s", code, wait)
                    continue
                raise SourceError(f"Trello: rate limited ({code or '429'}), retry in {wait:.0f} s",
                                  retry_after=wait)
            if status == 401:
                body = resp.text.strip()[:100].lower()
                if "invalid token" in body or "invalid key" in body or "expired" in body:
                    what = "key" if "key" in body else "token"
                    raise SourceError(
                        f"Trello ({self.account}): the API {what} was rejected ({what} "
                        "revoked, expired or mistyped). Run `inscope connect trello` again.",
                        fatal=True)
                raise StatusError(status, redact(resp.text)[:200])  # redact, then cut: no token split
            if status >= 500:
                raise Ambiguous(f"Trello: server error {status}", sent=method != "GET",
                                retry_after=30.0)
            if status >= 400:
                raise StatusError(status, redact(resp.text)[:200])  # redact, then cut: no token split
            try:
                return resp.json()
            except ValueError:
                raise Ambiguous("Trello: truncated or invalid JSON in the response",
                                sent=method != "GET", retry_after=30.0) from None
        raise SourceError("Trello: rate limited", retry_after=self.backoff_429)  # pragma: no cover

    def _observe_headers(self, headers: httpx.Headers) -> None:
        for name, bucket in (("x-rate-limit-api-token-remaining", self.token_bucket),
                             ("x-rate-limit-api-key-remaining", self.key_bucket),
                             ("x-rate-limit-member-remaining", self.members_bucket)):
            v = headers.get(name)
            if v is not None and v.isdigit():
                bucket.observe_remaining(int(v))

    def _backoff(self, resp: httpx.Response) -> float:
        ra = resp.headers.get("retry-after")
        if ra:
            try:
                return max(0.0, float(ra))
            except ValueError:
                pass
        # Trello documents no Retry-After on a 429: wait out a window, with jitter so
        # several accounts on one key do not stampede together.
        return self.backoff_429 * (1 + random.random() * 0.2)

    async def get(self, path: str, **params: Any) -> Any:
        """A GET whose every failure is a ``SourceError`` (nothing to reconcile for a read)."""
        try:
            return await self.request("GET", path, params=params)
        except Ambiguous as e:
            raise SourceError(str(e), retry_after=e.retry_after) from None
        except StatusError as e:
            raise SourceError(f"Trello: {e.status} on {_shape(path)}: {e.body}",
                              retry_after=300.0) from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
