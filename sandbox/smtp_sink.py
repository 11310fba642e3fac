"""An in-process SMTP server for the demo and the tests: it accepts mail and records it.

:class:`SmtpSink` is a real aiosmtpd server on 127.0.0.1 (port chosen by the OS)
that records what it receives, optionally requiring AUTH and offering STARTTLS or
implicit TLS.  The demo's mail account sends its replies here; the e-mail tests
check what arrived.
"""

from __future__ import annotations

import email
import ssl
import threading
import warnings
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from typing import Any

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
                 implicit_tls: ssl.SSLContext | None = None) -> None:
        self.user = user
        self.password = password
        self.hostname = hostname
        self.starttls = starttls  # server context: offer STARTTLS (and require it for AUTH)
        self.implicit_tls = implicit_tls  # server context: TLS from the first byte (port 465 style)
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
        if self.user is not None:
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=self.starttls is not None)
        if self.starttls is not None:
            kwargs.update(tls_context=self.starttls, require_starttls=True)
        if self.implicit_tls is not None:
            kwargs.update(ssl_context=self.implicit_tls)
        with warnings.catch_warnings():
            # AUTH without TLS is deliberate here: the sink listens on loopback only.
            warnings.simplefilter("ignore", UserWarning)
            self._controller = _PortZeroController(Handler(), hostname=self.hostname, port=0, **kwargs)
            self._controller.start()
        self.port = int(self._controller.port)
        return self

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
