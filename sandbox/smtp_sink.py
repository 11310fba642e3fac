"""An in-process SMTP server for the demo and the tests: it accepts mail and records it.

:class:`SmtpSink` is a real aiosmtpd server on 127.0.0.1 (port chosen by the OS)
that records what it receives, optionally requiring AUTH and offering STARTTLS or
implicit TLS.  The demo's mail account sends its replies here; the e-mail tests
check what arrived.

With ``oauth2_introspection_url`` it also offers AUTH XOAUTH2 and OAUTHBEARER and
checks each bearer token the way a provider's submission server does: it asks the
token issuer (RFC 7662 introspection, ``sandbox.oauth_server``) whether the token is
active and whose it is, and refuses with the XOAUTH2 error exchange (a ``334``
carrying the error JSON, then ``535``) otherwise.
"""

from __future__ import annotations

import base64
import email
import json
import ssl
import threading
import warnings
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, Session

from connectors.email.smtp import SmtpConfig


@dataclass(slots=True)
class Received:
    """One message the sink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (OS-chosen port) recording what it receives.

    With ``user``/``password`` it advertises and requires AUTH (PLAIN/LOGIN, no
    TLS: loopback only).  ``messages`` is appended from the server thread.
    """

    def __init__(self, *, user: str | None = None, password: str | None = None,
                 hostname: str = "127.0.0.1", starttls: ssl.SSLContext | None = None,
                 implicit_tls: ssl.SSLContext | None = None,
                 oauth2_introspection_url: str | None = None) -> None:
        self.user = user
        self.password = password
        self.hostname = hostname
        self.starttls = starttls  # server context: offer STARTTLS (and require it for AUTH)
        self.implicit_tls = implicit_tls  # server context: TLS from the first byte (port 465 style)
        self.oauth2_introspection_url = oauth2_introspection_url
        self.oauth_logins: list[tuple[str, str, bool]] = []  # (mechanism, user, accepted)
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Any = None
        self.port = 0

    def start(self) -> SmtpSink:
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
                auth = session.auth_data  # what our authenticator returned: the user name
                login = auth if isinstance(auth, str) else None
                content = envelope.original_content or b""
                with sink._lock:
                    sink.messages.append(
                        Received(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(content), login)
                    )
                return "250 Message accepted for delivery"

            async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
                return await sink._oauth(server, args, "XOAUTH2")

            async def auth_OAUTHBEARER(self, server: Any, args: list[str]) -> AuthResult:
                return await sink._oauth(server, args, "OAUTHBEARER")

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
            login = getattr(auth_data, "login", b"")
            pw = getattr(auth_data, "password", b"")
            ok = (
                sink.user is not None
                and login == sink.user.encode()
                and pw == (sink.password or "").encode()
            )
            return AuthResult(success=ok, handled=False, auth_data=sink.user if ok else None)

        class _PortZeroController(Controller):
            # aiosmtpd probes host:port after binding; with port 0 learn the real port first.
            def _trigger_server(self) -> None:
                server: Any = self.server
                if self.port == 0 and server is not None:
                    self.port = server.sockets[0].getsockname()[1]
                super()._trigger_server()  # type: ignore[no-untyped-call]

        kwargs: dict[str, Any] = {}
        if self.oauth2_introspection_url is not None:
            kwargs.update(auth_required=True, auth_require_tls=self.starttls is not None,
                          authenticator=authenticator, auth_exclude_mechanism=["LOGIN", "PLAIN"])
        if self.user is not None:
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=self.starttls is not None)
        if self.user is not None and self.oauth2_introspection_url is not None:
            kwargs.pop("auth_exclude_mechanism", None)
        if self.starttls is not None:
            kwargs.update(tls_context=self.starttls, require_starttls=True)
        if self.oauth2_introspection_url is None:
            # Without a token issuer the sink offers no OAuth mechanisms at all.
            kwargs.setdefault("auth_exclude_mechanism", [])
            kwargs["auth_exclude_mechanism"] = [*kwargs["auth_exclude_mechanism"], "XOAUTH2", "OAUTHBEARER"]
        if self.implicit_tls is not None:
            kwargs.update(ssl_context=self.implicit_tls)
        with warnings.catch_warnings():
            # AUTH without TLS is deliberate here: the sink listens on loopback only.
            warnings.simplefilter("ignore", UserWarning)
            self._controller = _PortZeroController(Handler(), hostname=self.hostname, port=0, **kwargs)
            self._controller.start()
        self.port = int(self._controller.port)
        return self

    async def _oauth(self, server: Any, args: list[str], mech: str) -> AuthResult:
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True).decode("utf-8", "replace")
            except ValueError:
                return AuthResult(success=False, handled=False)
        else:
            raw = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(raw, bytes):
                return AuthResult(success=False, handled=True)
            blob = raw.decode("utf-8", "replace")
        fields = dict(p.split("=", 1) for p in blob.split("\x01") if "=" in p)
        user = fields.get("user", "")
        if mech == "OAUTHBEARER":
            gs2 = blob.split("\x01", 1)[0]  # "n,a=user,"
            user = next((p[2:] for p in gs2.split(",") if p.startswith("a=")), "").replace("=2C", ",").replace("=3D", "=")
        token = fields.get("auth", "").removeprefix("Bearer ").strip()
        ok = await self._token_ok(user, token)
        with self._lock:
            self.oauth_logins.append((mech, user, ok))
        if ok:
            return AuthResult(success=True, auth_data=user)
        # The XOAUTH2 failure exchange: the error as a 334 challenge; the client answers empty.
        err = json.dumps({"status": "401", "schemes": "bearer", "scope": "https://mail.example/"})
        await server.challenge_auth(err)
        return AuthResult(success=False, handled=False)

    async def _token_ok(self, user: str, token: str) -> bool:
        assert self.oauth2_introspection_url is not None
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                resp = await http.post(self.oauth2_introspection_url, data={"token": token})
            body = resp.json()
        except (httpx.HTTPError, ValueError):
            return False
        return bool(body.get("active")) and body.get("username") == user

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self) -> SmtpConfig:
        """A client config pointing at this sink."""
        return SmtpConfig(self.hostname, self.port, "none", self.user or "", self.password or "", timeout=10)

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
