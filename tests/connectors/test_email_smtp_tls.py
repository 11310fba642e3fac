"""SMTP over TLS against a real in-process server: STARTTLS and implicit TLS, with AUTH,
a private CA trusted explicitly (``smtp_cafile``), and a clear error for an untrusted one."""

from __future__ import annotations

import email
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from connectors.base import SourceContext, SourceError
from connectors.email.smtp import send_blocking, smtp_config
from sandbox.smtp_sink import SmtpSink
from tests.requires import openssl_or_skip

USER, PASSWORD = "maria@agency.example", "smtp-tls-secret-7"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl_or_skip()
    d = tmp_path_factory.mktemp("tls")
    crt, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return crt, key


def server_ctx(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


def message() -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = USER, "ivan@client.ru", "Re: Аудит"
    m.set_content("Добрый день! Отчёт во вложении.")
    return m


def ctx_for(port: int, tls: str, cafile: Path | None) -> SourceContext:
    opts = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": tls, "smtp_user": USER}
    if cafile is not None:
        opts["smtp_cafile"] = str(cafile)
    return SourceContext(account="mail", kind="maildir", options=opts,
                         secret={"smtp_password": PASSWORD}.get)


@pytest.fixture(params=["starttls", "ssl"])
def sink(request: pytest.FixtureRequest, cert: tuple[Path, Path]) -> Iterator[tuple[SmtpSink, str]]:
    mode = str(request.param)
    kw = {"starttls": server_ctx(cert)} if mode == "starttls" else {"implicit_tls": server_ctx(cert)}
    s = SmtpSink(user=USER, password=PASSWORD, hostname="127.0.0.1", **kw).start()  # type: ignore[arg-type]
    yield s, mode
    s.stop()


def test_tls_send_with_a_trusted_private_ca(sink: tuple[SmtpSink, str], cert: tuple[Path, Path]) -> None:
    s, mode = sink
    cfg = smtp_config(ctx_for(s.port, mode, cert[0]))
    assert cfg is not None and cfg.ssl_context is not None
    send_blocking(cfg, message(), sender=USER)
    assert len(s.messages) == 1
    got = s.messages[0]
    assert got.login == USER, "authenticated inside TLS"
    body = email.message_from_bytes(got.data, policy=default)
    assert body.get_content().strip() == "Добрый день! Отчёт во вложении."  # type: ignore[attr-defined]


def test_untrusted_certificate_is_refused_clearly(sink: tuple[SmtpSink, str]) -> None:
    s, mode = sink
    cfg = smtp_config(ctx_for(s.port, mode, None))
    assert cfg is not None
    with pytest.raises(SourceError) as ei:
        send_blocking(cfg, message(), sender=USER)
    assert "cannot connect" in str(ei.value) and PASSWORD not in str(ei.value)
    assert s.messages == [], "nothing is sent over an unverified connection"
