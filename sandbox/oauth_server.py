"""A loopback OAuth2 provider for the tests: token endpoint, device code, PKCE, introspection.

:class:`OAuthServer` is a real HTTP(S) server on 127.0.0.1 (port chosen by the OS) that
plays the provider side of every flow inscope uses, with the endpoints laid out the
way Microsoft's identity platform lays them out (so msal accepts it as an authority):

* ``GET  /<tenant>/v2.0/.well-known/openid-configuration`` — discovery;
* ``POST /<tenant>/oauth2/v2.0/devicecode`` — the device-code flow's first step;
  the test approves the user code with :meth:`OAuthServer.approve`;
* ``GET  /<tenant>/oauth2/v2.0/authorize`` — the authorization-code flow: it
  "signs the user in" at once and redirects to the loopback ``redirect_uri``;
* ``POST /<tenant>/oauth2/v2.0/token`` — ``device_code``, ``authorization_code``
  (PKCE S256 checked) and ``refresh_token`` grants; refresh tokens rotate;
* ``POST /introspect`` — RFC 7662 introspection, which the Dovecot fixture's
  ``oauth2`` passdb and the SMTP sink ask to validate bearer tokens.

State is in memory; :meth:`revoke` makes a refresh token invalid, ``expires_in`` is
adjustable so tests can watch a refresh happen before expiry.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse


@dataclass
class _Grant:
    user: str
    scope: str
    expires: float = 0.0


@dataclass
class OAuthWorld:
    """What the provider knows: users, clients, issued tokens, and counters for the tests."""

    users: set[str] = field(default_factory=set)
    clients: dict[str, str] = field(default_factory=dict)  # client id → secret ("" for public clients)
    access: dict[str, _Grant] = field(default_factory=dict)
    refresh: dict[str, _Grant] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # device code → flow state
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)  # authorization code → request
    expires_in: int = 3600
    rotate: bool = True
    refreshes: int = 0
    introspections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, user: str, scope: str) -> dict[str, Any]:
        at, rt = "at-" + secrets.token_urlsafe(24), "rt-" + secrets.token_urlsafe(24)
        self.access[at] = _Grant(user, scope, time.time() + self.expires_in)
        self.refresh[rt] = _Grant(user, scope)
        return {"token_type": "Bearer", "access_token": at, "refresh_token": rt, "expires_in": self.expires_in,
                "scope": scope}

    def refresh_token_for(self, user: str, scope: str = "mail") -> str:
        """A refresh token as if ``user`` had signed in before (what the keyring would hold)."""
        with self.lock:
            return str(self.issue(user, scope)["refresh_token"])

    def active(self, token: str) -> _Grant | None:
        g = self.access.get(token)
        return g if g is not None and g.expires > time.time() else None


class OAuthServer:
    """The provider on 127.0.0.1; ``tls`` (a server context) for clients that insist on https."""

    def __init__(self, world: OAuthWorld | None = None, *, tls: ssl.SSLContext | None = None,
                 tenant: str = "common") -> None:
        self.world = world or OAuthWorld()
        self.tls = tls
        self.tenant = tenant
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.base}/{self.tenant}"

    @property
    def token_url(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    @property
    def auth_url(self) -> str:
        return f"{self.authority}/oauth2/v2.0/authorize"

    @property
    def introspection_url(self) -> str:
        return f"{self.base}/introspect"

    def approve(self, user_code: str, user: str) -> None:
        """The user typed ``user_code`` at the verification page and signed in as ``user``."""
        with self.world.lock:
            for flow in self.world.devices.values():
                if flow["user_code"] == user_code:
                    flow["user"] = user

    def revoke(self, refresh_token: str) -> None:
        with self.world.lock:
            self.world.refresh.pop(refresh_token, None)

    def revoke_all(self) -> None:
        with self.world.lock:
            self.world.refresh.clear()
            self.world.access.clear()

    def start(self) -> OAuthServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
                return

            def _send(self, status: int, body: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict[str, str]:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode() if n else ""
                return {k: v[0] for k, v in parse_qs(raw).items()}

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path.endswith("/.well-known/openid-configuration"):
                    a = server.authority
                    self._send(200, {
                        "issuer": f"{a}/v2.0", "authorization_endpoint": server.auth_url,
                        "token_endpoint": server.token_url,
                        "device_authorization_endpoint": f"{a}/oauth2/v2.0/devicecode",
                        "introspection_endpoint": server.introspection_url,
                    })
                    return
                if url.path.endswith("/authorize"):
                    q = {k: v[0] for k, v in parse_qs(url.query).items()}
                    user = q.get("login_hint") or next(iter(sorted(server.world.users)), "")
                    if q.get("client_id") not in server.world.clients or not user:
                        self._send(400, {"error": "unauthorized_client"})
                        return
                    code = "code-" + secrets.token_urlsafe(16)
                    with server.world.lock:
                        server.world.codes[code] = {**q, "user": user}
                    target = q.get("redirect_uri", "") + "?" + urlencode({"code": code, "state": q.get("state", "")})
                    self._send(302, {}, {"Location": target})
                    return
                self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                path = urlparse(self.path).path
                form = self._form()
                w = server.world
                if path == "/introspect":
                    with w.lock:
                        w.introspections += 1
                        g = w.active(form.get("token", ""))
                    self._send(200, {"active": True, "username": g.user, "scope": g.scope} if g else {"active": False})
                    return
                if path.endswith("/devicecode"):
                    if form.get("client_id") not in w.clients:
                        self._send(400, {"error": "unauthorized_client"})
                        return
                    dc, uc = "dc-" + secrets.token_urlsafe(16), secrets.token_hex(4).upper()
                    with w.lock:
                        w.devices[dc] = {"user_code": uc, "scope": form.get("scope", ""), "user": ""}
                    self._send(200, {"device_code": dc, "user_code": uc, "verification_uri": f"{server.base}/device",
                                     "expires_in": 600, "interval": 1,
                                     "message": f"To sign in, open {server.base}/device and enter the code {uc}."})
                    return
                if path.endswith("/token"):
                    self._token(form)
                    return
                self._send(404, {"error": "not_found"})

            def _token(self, form: dict[str, str]) -> None:
                w = server.world
                client = form.get("client_id", "")
                if client not in w.clients or (w.clients[client] and form.get("client_secret") != w.clients[client]):
                    self._send(401, {"error": "invalid_client"})
                    return
                grant = form.get("grant_type", "")
                with w.lock:
                    if grant == "refresh_token":
                        old = w.refresh.get(form.get("refresh_token", ""))
                        if old is None:
                            self._send(400, {"error": "invalid_grant",
                                             "error_description": "the refresh token was revoked"})
                            return
                        w.refreshes += 1
                        body = w.issue(old.user, form.get("scope") or old.scope)
                        if w.rotate:
                            w.refresh.pop(form["refresh_token"], None)
                        else:
                            w.refresh.pop(body["refresh_token"], None)
                            body["refresh_token"] = form["refresh_token"]
                        self._send(200, body)
                        return
                    if grant == "urn:ietf:params:oauth:grant-type:device_code":
                        flow = w.devices.get(form.get("device_code", "") or form.get("code", ""))
                        if flow is None:
                            self._send(400, {"error": "expired_token"})
                        elif not flow["user"]:
                            self._send(400, {"error": "authorization_pending"})
                        else:
                            w.devices.pop(form.get("device_code", "") or form.get("code", ""), None)
                            self._send(200, w.issue(flow["user"], flow["scope"]))
                        return
                    if grant == "authorization_code":
                        req = w.codes.pop(form.get("code", ""), None)
                        verifier = form.get("code_verifier", "")
                        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
                        if (req is None or req.get("redirect_uri") != form.get("redirect_uri")
                                or req.get("code_challenge_method") != "S256"
                                or req.get("code_challenge", "").encode() != challenge):
                            self._send(400, {"error": "invalid_grant"})
                            return
                        self._send(200, w.issue(req["user"], req.get("scope", "")))
                        return
                self._send(400, {"error": "unsupported_grant_type"})

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="oauth-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> OAuthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
