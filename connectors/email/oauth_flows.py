"""The interactive OAuth2 sign-ins ``inscope connect email`` runs; each yields a refresh token.

* :func:`device_code_sign_in` — Microsoft 365 / Outlook.com through msal's
  device-code flow: the user opens the verification page on any device and types
  the code shown; nothing listens on this machine.  msal is the optional
  ``oauth`` extra (``pip install 'inscope[oauth]'``).
* :func:`loopback_sign_in` — Google (and Yandex): the authorization-code flow
  with PKCE (S256) and a loopback redirect (RFC 8252): a one-shot HTTP listener
  on 127.0.0.1 receives the code, which is exchanged at the token endpoint.

Both take the provider's endpoints from :class:`connectors.email.oauth.Provider`,
so the tests drive them against ``sandbox.oauth_server`` on loopback.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from connectors.base import SourceError, register_secret

from .oauth import Provider, token_request

INSTALL_HINT = "the Microsoft sign-in needs msal: pip install 'inscope[oauth]' (or pip install msal)"
# msal adds these itself and refuses them in the scope list.
_MSAL_RESERVED = {"offline_access", "openid", "profile"}


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of a sign-in: the refresh token to keep (keyring) and who signed in."""

    refresh_token: str = field(repr=False)
    access_token: str = field(repr=False)
    username: str = ""


def device_code_sign_in(account: str, provider: Provider, client_id: str, *, show: Callable[[str], None],
                        verify: Any = True, timeout: float = 900.0) -> SignIn:
    """msal's device-code flow against ``provider.authority``; ``show`` prints the instructions."""
    try:
        import msal
    except ImportError:
        raise SourceError(INSTALL_HINT, fatal=True) from None
    app = msal.PublicClientApplication(
        client_id,
        authority=provider.authority,
        # A tenant authority is taken as given (and a national cloud or a test stand-in works):
        # no call to Microsoft's instance-discovery endpoint first.
        instance_discovery=False,
        validate_authority=False,
        verify=verify,
        timeout=30,
    )
    scopes = [s for s in provider.scopes if s not in _MSAL_RESERVED]
    flow = app.initiate_device_flow(scopes=scopes)
    if "user_code" not in flow:
        raise SourceError(f"account {account!r}: the device-code sign-in could not start "
                          f"({flow.get('error', 'no user code')})", fatal=True)
    show(str(flow.get("message") or f"Open {flow.get('verification_uri')} and enter {flow['user_code']}"))
    flow["expires_at"] = min(float(flow.get("expires_at", 0) or 0) or float("inf"), time.time() + timeout)
    result = app.acquire_token_by_device_flow(flow)
    return _result(account, result)


def _result(account: str, result: dict[str, Any]) -> SignIn:
    if "error" in result or not result.get("refresh_token"):
        raise SourceError(f"account {account!r}: sign-in failed ({result.get('error', 'no refresh token')}: "
                          f"{str(result.get('error_description', ''))[:160]})", fatal=True)
    rt, at = str(result["refresh_token"]), str(result.get("access_token", ""))
    register_secret(rt)
    register_secret(at)
    claims = result.get("id_token_claims") or {}
    user = str(claims.get("preferred_username") or claims.get("email") or "")
    return SignIn(refresh_token=rt, access_token=at, username=user)


def pkce_pair() -> tuple[str, str]:
    """``(code_verifier, code_challenge)`` for PKCE S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def loopback_sign_in(account: str, provider: Provider, client_id: str, *, open_url: Callable[[str], None],
                     client_secret: str = "", login_hint: str = "", verify: Any = True,
                     timeout: float = 300.0) -> SignIn:
    """The authorization-code flow with PKCE and a loopback redirect; ``open_url`` shows the page."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    got: dict[str, str] = {}
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            return

        def do_GET(self) -> None:
            q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            if q.get("state") != state or not (q.get("code") or q.get("error")):
                self.send_response(400)
                self.end_headers()
                return
            got.update(q)
            body = b"Signed in: you can close this page and go back to inscope."
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            done.set()

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    httpd.timeout = 0.5
    redirect_uri = f"http://127.0.0.1:{httpd.server_address[1]}/"
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "scope": " ".join(provider.scopes), "code_challenge": challenge, "code_challenge_method": "S256",
              "state": state, "access_type": "offline", "prompt": "consent"}
    if login_hint:
        params["login_hint"] = login_hint
    serving = threading.Thread(target=_serve_until, args=(httpd, done, timeout), daemon=True)
    serving.start()
    try:
        open_url(f"{provider.auth_url}?{urlencode(params)}")
        serving.join(timeout + 1)
    finally:
        done.set()
        httpd.server_close()
    if "code" not in got:
        why = got.get("error") or "no answer from the browser in time"
        raise SourceError(f"account {account!r}: sign-in was not completed ({why})", fatal=True)
    form = {"grant_type": "authorization_code", "code": got["code"], "redirect_uri": redirect_uri,
            "client_id": client_id, "code_verifier": verifier}
    if client_secret:
        form["client_secret"] = client_secret
    return _result(account, token_request(account, provider, form, verify=verify))


def _serve_until(httpd: HTTPServer, done: threading.Event, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done.is_set() and time.monotonic() < deadline:
        httpd.handle_request()
