"""OAuth2 access tokens for IMAP and SMTP (SASL XOAUTH2 / OAUTHBEARER).

An account with ``auth = "oauth2"`` gets its access token from one of two sources:

* ``oauth2_token_command = "…"`` — a command that prints an access token (as
  aerc and himalaya do; e.g. a helper that keeps the tokens itself).  Its first
  line of output is the token; it is run again after an authentication failure
  or when ``oauth2_token_lifetime`` seconds (default 3000) have passed;
* the built-in sign-in (``inscope connect email``): a refresh token in the
  keyring (secret ``oauth2_refresh_token``), exchanged at the provider's token
  endpoint for an access token, which lives in memory only and is refreshed
  five minutes before it expires and once more after the server refuses it.
  A provider that rotates refresh tokens (Microsoft) gets the new one stored.

Providers (``oauth2_provider``, guessed from the host when absent): ``microsoft``
(Microsoft 365 / Outlook.com, tenant ``oauth2_tenant``, default ``common``),
``google`` (Google Workspace / Gmail), ``yandex``; every endpoint can be
overridden (``oauth2_token_url``, ``oauth2_auth_url``, ``oauth2_authority``),
which is how the tests point them at a loopback server.

Failures are :class:`~connectors.base.SourceError` with a message that names
the account and what to do, never a token: a revoked or expired refresh token
is fatal ("sign in again"), an unreachable endpoint is retried.
"""

from __future__ import annotations

import base64
import contextlib
import shlex
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from connectors.base import SourceError, redact, register_secret
from connectors.options import Opt

__all__ = [
    "PROVIDERS",
    "Provider",
    "TokenSource",
    "CommandToken",
    "RefreshingToken",
    "provider_for",
    "token_source",
    "xoauth2",
    "oauthbearer",
]

OPTIONS: dict[str, Opt] = {
    "auth": Opt("str", "password (default) | oauth2", choices=("password", "oauth2")),
    "oauth2_provider": Opt("str", "microsoft | google | yandex (default: from the host)",
                           choices=("microsoft", "google", "yandex")),
    "oauth2_client_id": Opt("str", "the application id registered with the provider"),
    "oauth2_tenant": Opt("str", "Microsoft tenant: common (default), organizations, consumers or a tenant id"),
    "oauth2_scopes": Opt("strs", "scopes to ask for (default: the provider's IMAP + SMTP scopes)"),
    "oauth2_token_command": Opt("str", "a command that prints an access token (instead of the built-in sign-in)"),
    "oauth2_token_lifetime": Opt("float", "seconds a command's token is reused (default 3000)", min=1),
    "oauth2_mechanism": Opt("str", "xoauth2 (default) | oauthbearer", choices=("xoauth2", "oauthbearer")),
    "oauth2_authority": Opt("str", "Microsoft authority URL (default https://login.microsoftonline.com/<tenant>)"),
    "oauth2_token_url": Opt("str", "token endpoint override"),
    "oauth2_auth_url": Opt("str", "authorization endpoint override"),
    "oauth2_cafile": Opt("str", "a CA bundle that signs the token endpoint's certificate"),
}
"""Sign-in options every IMAP / SMTP account takes (``auth = "oauth2"`` and its settings)."""

REFRESH_EARLY = 300.0  # seconds before expiry at which a token counts as expired
HTTP_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Provider:
    """Where a provider signs users in and hands out tokens, and the scopes mail needs."""

    name: str
    token_url: str
    auth_url: str = ""  # authorization-code (PKCE) flow
    authority: str = ""  # msal's authority (Microsoft device-code flow)
    scopes: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()  # IMAP/SMTP hosts that imply this provider


def _microsoft(tenant: str = "common", authority: str = "") -> Provider:
    base = (authority or f"https://login.microsoftonline.com/{tenant}").rstrip("/")
    return Provider(
        name="microsoft",
        token_url=f"{base}/oauth2/v2.0/token",
        auth_url=f"{base}/oauth2/v2.0/authorize",
        authority=base,
        scopes=("https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send",
                "offline_access"),
        hosts=("outlook.office365.com", "smtp.office365.com", "outlook.office.com", "imap-mail.outlook.com",
               "smtp-mail.outlook.com"),
    )


PROVIDERS: dict[str, Provider] = {
    "microsoft": _microsoft(),
    "google": Provider(
        name="google",
        token_url="https://oauth2.googleapis.com/token",
        auth_url="https://accounts.google.com/o/oauth2/v2/auth",
        scopes=("https://mail.google.com/",),
        hosts=("imap.gmail.com", "smtp.gmail.com"),
    ),
    "yandex": Provider(
        name="yandex",
        token_url="https://oauth.yandex.ru/token",
        auth_url="https://oauth.yandex.ru/authorize",
        scopes=("mail:imap_full", "mail:smtp"),
        hosts=("imap.yandex.ru", "smtp.yandex.ru", "imap.yandex.com", "smtp.yandex.com"),
    ),
}


def provider_for(options: Mapping[str, Any]) -> Provider | None:
    """The provider of an account: ``oauth2_provider``, else the one whose host it uses;
    endpoint overrides applied.  ``None`` when nothing says which."""
    name = str(options.get("oauth2_provider") or "").lower()
    if not name:
        hosts = {str(options.get(k) or "").lower() for k in ("host", "smtp_host")}
        name = next((p.name for p in PROVIDERS.values() if hosts & set(p.hosts)), "")
    if not name:
        return None
    if name == "microsoft":
        base = _microsoft(str(options.get("oauth2_tenant") or "common"), str(options.get("oauth2_authority") or ""))
    elif name in PROVIDERS:
        base = PROVIDERS[name]
    else:
        base = Provider(name=name, token_url="")
    scopes = options.get("oauth2_scopes")
    return Provider(
        name=base.name,
        token_url=str(options.get("oauth2_token_url") or base.token_url),
        auth_url=str(options.get("oauth2_auth_url") or base.auth_url),
        authority=base.authority,
        scopes=tuple(str(s) for s in scopes) if isinstance(scopes, list) and scopes else base.scopes,
        hosts=base.hosts,
    )


# --- SASL -----------------------------------------------------------------------------------

def xoauth2(user: str, token: str) -> str:
    """The XOAUTH2 initial client response (before base64)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def oauthbearer(user: str, token: str, host: str, port: int) -> str:
    """The OAUTHBEARER (RFC 7628) initial client response (before base64)."""
    authzid = user.replace("=", "=3D").replace(",", "=2C")
    return f"n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


# --- token sources --------------------------------------------------------------------------

class TokenSource(Protocol):
    """Hands out a current access token; ``force`` after the server refused the last one."""

    def access_token(self, *, force: bool = False) -> str: ...


@dataclass(slots=True)
class CommandToken:
    """``oauth2_token_command``: the first line a command prints is the access token."""

    account: str
    command: str
    lifetime: float = 3000.0
    timeout: float = 60.0
    _token: str = field(default="", repr=False)
    _at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def access_token(self, *, force: bool = False) -> str:
        with self._lock:
            if self._token and not force and time.monotonic() - self._at < self.lifetime:
                return self._token
            try:
                # The user wrote the command line in their own config: run it as their shell would.
                proc = subprocess.run(self.command, shell=True, capture_output=True, text=True,
                                      timeout=self.timeout, check=False)
            except subprocess.TimeoutExpired:
                raise SourceError(f"account {self.account!r}: oauth2_token_command did not finish in "
                                  f"{self.timeout:.0f} s", retry_after=120) from None
            except OSError as exc:
                raise SourceError(f"account {self.account!r}: oauth2_token_command cannot run "
                                  f"({exc.strerror or type(exc).__name__})", fatal=True) from None
            token = next((ln.strip() for ln in proc.stdout.splitlines() if ln.strip()), "")
            if token:
                register_secret(token)
            if proc.returncode != 0 or not token:
                first = next((ln.strip() for ln in proc.stderr.splitlines() if ln.strip()), "no output")
                why = f"exited {proc.returncode}" if proc.returncode else "printed no token"
                raise SourceError(f"account {self.account!r}: oauth2_token_command {why}: "
                                  f"{redact(first)[:200]}", retry_after=120)
            self._token, self._at = token, time.monotonic()
            return token


@dataclass(slots=True)
class RefreshingToken:
    """A refresh token (keyring) exchanged for short-lived access tokens (memory only)."""

    account: str
    provider: Provider
    client_id: str
    refresh_token: str = field(repr=False)
    client_secret: str = field(default="", repr=False)
    save_refresh_token: Callable[[str], None] | None = field(default=None, repr=False)
    verify: Any = True  # an ssl context or CA file for a provider with a private CA (tests)
    _token: str = field(default="", repr=False)
    _expires: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def access_token(self, *, force: bool = False) -> str:
        with self._lock:
            if self._token and not force and time.time() < self._expires - REFRESH_EARLY:
                return self._token
            self._refresh()
            return self._token

    def _refresh(self) -> None:
        form = {"grant_type": "refresh_token", "refresh_token": self.refresh_token, "client_id": self.client_id}
        if self.provider.scopes:
            form["scope"] = " ".join(self.provider.scopes)
        if self.client_secret:
            form["client_secret"] = self.client_secret
        body = token_request(self.account, self.provider, form, verify=self.verify)
        token = str(body.get("access_token") or "")
        if not token:
            raise SourceError(f"account {self.account!r}: the token endpoint answered without an access token",
                              retry_after=300)
        register_secret(token)
        self._token = token
        self._expires = time.time() + float(body.get("expires_in") or 3600)
        rotated = str(body.get("refresh_token") or "")
        if rotated and rotated != self.refresh_token:
            register_secret(rotated)
            self.refresh_token = rotated
            if self.save_refresh_token is not None:
                # The old refresh token stays valid for a while: failing to keep the new one
                # is not worth failing this sync over.
                with contextlib.suppress(Exception):
                    self.save_refresh_token(rotated)


_FATAL_ERRORS = {"invalid_grant", "invalid_client", "unauthorized_client", "interaction_required",
                 "consent_required", "invalid_scope"}


def token_request(account: str, provider: Provider, form: dict[str, str], *, verify: Any = True) -> dict[str, Any]:
    """POST ``form`` to the provider's token endpoint; the JSON answer, or ``SourceError``."""
    for v in form.values():
        register_secret(v)
    if not provider.token_url:
        raise SourceError(f"account {account!r}: no token endpoint for OAuth provider {provider.name!r} "
                          "(set oauth2_token_url)", fatal=True)
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT, verify=verify) as http:
            resp = http.post(provider.token_url, data=form, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise SourceError(f"account {account!r}: cannot reach the {provider.name} token endpoint "
                          f"({type(exc).__name__}); will retry", retry_after=60) from None
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if resp.status_code >= 500:
        raise SourceError(f"account {account!r}: the {provider.name} token endpoint failed "
                          f"(HTTP {resp.status_code}); will retry", retry_after=120)
    if resp.status_code >= 400 or "error" in body:
        code = str(body.get("error") or f"HTTP {resp.status_code}")
        if code in _FATAL_ERRORS or resp.status_code in (400, 401, 403):
            raise SourceError(f"account {account!r}: the {provider.name} sign-in was refused ({code}): it was "
                              "revoked, expired or the app lost its consent — sign in again with "
                              "`inscope connect email`", fatal=True)
        raise SourceError(f"account {account!r}: token refresh failed ({code})", retry_after=300)
    return body


def verify_for(options: Mapping[str, Any]) -> Any:
    """What httpx should verify the token endpoint's certificate with."""
    cafile = options.get("oauth2_cafile")
    return ssl.create_default_context(cafile=str(cafile)) if cafile else True


def token_source(account: str, options: Mapping[str, Any], secret: Callable[[str], str | None], *,
                 save_secret: Callable[[str, str], None] | None = None, verify: Any = True) -> TokenSource:
    """The token source of an ``auth = "oauth2"`` account.  The connector keeps one per
    account, so its IMAP and SMTP sides share one refresh (and never race a rotated
    refresh token)."""
    command = str(options.get("oauth2_token_command") or "")
    src: TokenSource
    if command:
        try:
            shlex.split(command)
        except ValueError as exc:
            raise SourceError(f"account {account!r}: oauth2_token_command: {exc}", fatal=True) from None
        src = CommandToken(account, command, lifetime=float(options.get("oauth2_token_lifetime") or 3000))
    else:
        provider = provider_for(options)
        if provider is None:
            raise SourceError(f"account {account!r}: auth = \"oauth2\" needs oauth2_provider "
                              "(microsoft, google, yandex) or oauth2_token_command", fatal=True)
        client_id = str(options.get("oauth2_client_id") or "")
        if not client_id:
            raise SourceError(f"account {account!r}: auth = \"oauth2\" needs oauth2_client_id "
                              "(the application registered with the provider)", fatal=True)
        refresh = secret("oauth2_refresh_token") or ""
        if not refresh:
            raise SourceError(f"account {account!r}: not signed in with {provider.name} yet — run "
                              "`inscope connect email`", fatal=True)
        save = (lambda value: save_secret("oauth2_refresh_token", value)) if save_secret else None
        src = RefreshingToken(account, provider, client_id, refresh,
                              client_secret=secret("oauth2_client_secret") or "",
                              save_refresh_token=save, verify=verify)
    return src
