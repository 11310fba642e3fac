"""OAuth2 sign-in for IMAP and SMTP, end to end against real servers.

Dovecot (sandbox/dovecot.py) validates every XOAUTH2 / OAUTHBEARER login with its
``oauth2`` passdb, and the SMTP sink (aiosmtpd) checks its AUTH the same way: both
ask the loopback provider (sandbox/oauth_server.py) to introspect the bearer token.
The provider issues, refreshes, rotates and revokes tokens like Microsoft's and
Google's token endpoints; the sign-in flows (msal's device code, PKCE loopback) run
against it too.
"""

from __future__ import annotations

import ssl
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from imapclient import IMAPClient

from connectors.base import Outgoing, SourceContext, SourceError, redact
from connectors.email import imap, oauth, oauth_flows
from connectors.email.smtp import smtp_config
from sandbox.dovecot import PASSWORD, USER, Dovecot
from sandbox.oauth_server import OAuthServer
from sandbox.smtp_sink import SmtpSink
from tests.requires import dovecot_or_skip, openssl_or_skip

pytestmark = pytest.mark.dovecot
CLIENT_ID = "inscope-test-client"
RAW = (b"From: Ivan <ivan@client.ru>\r\nTo: anna@agency.test\r\nSubject: Report\r\n"
       b"Message-ID: <oauth-1@client.ru>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0300\r\n\r\nWhere is the report?\r\n")


@pytest.fixture(scope="module")
def provider() -> Iterator[OAuthServer]:
    srv = OAuthServer().start()
    srv.world.clients[CLIENT_ID] = ""
    srv.world.users.add(USER)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def dovecot(provider: OAuthServer) -> Iterator[Dovecot]:
    server = Dovecot(dovecot_or_skip(), oauth2_introspection_url=provider.introspection_url).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sink(provider: OAuthServer) -> Iterator[SmtpSink]:
    s = SmtpSink(oauth2_introspection_url=provider.introspection_url).start()
    yield s
    s.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> str:
    c = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    c.login(USER, PASSWORD)
    name = f"O-{uuid.uuid4().hex[:6]}"
    c.create_folder(name)
    c.append(name, RAW)
    c.logout()
    return name


def connector(dv: Dovecot, folder: str, sink: SmtpSink, secrets: dict[str, str], saved: dict[str, str],
              **opts: Any) -> imap.ImapConnector:
    options: dict[str, Any] = {"host": dv.host, "port": dv.port, "tls": "none", "user": USER, "folders": [folder],
                               "sync_sent": False, "auth": "oauth2", "smtp_host": "127.0.0.1",
                               "smtp_port": sink.port, "smtp_tls": "none", **opts}

    def save(account: str, name: str, value: str) -> None:
        saved[name] = value
        secrets[name] = value

    ctx = SourceContext(account="work", kind="imap", options=options, secret=secrets.get, me_name="Anna",
                        me_emails=(USER,), save_secret=save)
    conn = imap.build(ctx)
    assert isinstance(conn, imap.ImapConnector)
    return conn


def ms_options(provider: OAuthServer) -> dict[str, Any]:
    return {"oauth2_provider": "microsoft", "oauth2_client_id": CLIENT_ID, "oauth2_authority": provider.authority}


async def test_oauth2_imap_and_smtp_with_one_refresh(dovecot: Dovecot, sink: SmtpSink, provider: OAuthServer,
                                                     mailbox: str) -> None:
    refresh = provider.world.refresh_token_for(USER)
    secrets: dict[str, str] = {"oauth2_refresh_token": refresh}
    saved: dict[str, str] = {}
    before = provider.world.refreshes
    conn = connector(dovecot, mailbox, sink, secrets, saved, **ms_options(provider))
    try:
        batch = await conn.fetch(None)
        assert [i.external_id for i in batch.items] == ["<oauth-1@client.ru>"]
        n_sent = len(sink.messages)
        await conn.send(Outgoing(key="k-oauth-1", account="work", conversation=batch.items[0].conversation,
                                 text="Завтра пришлю.", reply_to="<oauth-1@client.ru>"))
        assert len(sink.messages) == n_sent + 1 and sink.messages[-1].login == USER
        assert sink.oauth_logins[-1] == ("XOAUTH2", USER, True)
        # IMAP and SMTP share the account's token: one refresh served both.
        assert provider.world.refreshes == before + 1
        # Microsoft rotates refresh tokens: the new one went to the keyring, the old one is void.
        assert saved["oauth2_refresh_token"] != refresh and refresh not in provider.world.refresh
    finally:
        await conn.aclose()


async def test_oauthbearer_mechanism(dovecot: Dovecot, sink: SmtpSink, provider: OAuthServer, mailbox: str) -> None:
    secrets = {"oauth2_refresh_token": provider.world.refresh_token_for(USER)}
    conn = connector(dovecot, mailbox, sink, secrets, {}, oauth2_mechanism="oauthbearer", **ms_options(provider))
    try:
        batch = await conn.fetch(None)
        assert len(batch.items) == 1
        await conn.send(Outgoing(key="k-bearer", account="work", conversation=batch.items[0].conversation,
                                 text="ok", reply_to="<oauth-1@client.ru>"))
        assert sink.oauth_logins[-1] == ("OAUTHBEARER", USER, True)
    finally:
        await conn.aclose()


async def test_refused_token_is_refreshed_once_and_retried(dovecot: Dovecot, sink: SmtpSink,
                                                           provider: OAuthServer, mailbox: str) -> None:
    secrets = {"oauth2_refresh_token": provider.world.refresh_token_for(USER)}
    conn = connector(dovecot, mailbox, sink, secrets, {}, **ms_options(provider))
    try:
        await conn.fetch(None)
        refreshes = provider.world.refreshes
        # The server forgets every access token (a password change, a revoked session):
        # the cached one is refused, one refresh later the login goes through.
        with provider.world.lock:
            provider.world.access.clear()
        conn._drop(conn._client)
        conn._client = None
        batch = await conn.fetch(None)
        assert len(batch.items) == 1 and provider.world.refreshes == refreshes + 1
    finally:
        await conn.aclose()


def test_access_token_is_refreshed_before_it_expires(provider: OAuthServer) -> None:
    p = oauth.provider_for(ms_options(provider))
    assert p is not None
    src = oauth.RefreshingToken("work", p, CLIENT_ID, provider.world.refresh_token_for(USER))
    provider.world.expires_in = 3600
    try:
        n = provider.world.refreshes
        t1 = src.access_token()
        assert src.access_token() == t1 and provider.world.refreshes == n + 1  # still fresh: no call
        provider.world.expires_in = int(oauth.REFRESH_EARLY) - 1  # issued already inside the margin
        t2 = src.access_token(force=True)
        t3 = src.access_token()
        assert t3 != t2 and provider.world.refreshes == n + 3  # expiring: refreshed ahead of time
    finally:
        provider.world.expires_in = 3600


async def test_revoked_sign_in_is_a_clear_fatal_error(dovecot: Dovecot, sink: SmtpSink, provider: OAuthServer,
                                                      mailbox: str) -> None:
    refresh = provider.world.refresh_token_for(USER)
    provider.revoke(refresh)
    conn = connector(dovecot, mailbox, sink, {"oauth2_refresh_token": refresh}, {}, **ms_options(provider))
    try:
        with pytest.raises(SourceError) as err:
            await conn.fetch(None)
        assert err.value.fatal
        assert "sign in again" in str(err.value) and "inscope connect email" in str(err.value)
        assert refresh not in str(err.value)
    finally:
        await conn.aclose()


async def test_not_signed_in_says_what_to_run(dovecot: Dovecot, sink: SmtpSink, provider: OAuthServer,
                                              mailbox: str) -> None:
    conn = connector(dovecot, mailbox, sink, {}, {}, **ms_options(provider))
    try:
        with pytest.raises(SourceError, match="not signed in with microsoft yet — run `inscope connect email`"):
            await conn.fetch(None)
    finally:
        await conn.aclose()


async def test_unreachable_token_endpoint_is_retried(dovecot: Dovecot, sink: SmtpSink, mailbox: str) -> None:
    dead = "http://127.0.0.1:9/common"  # discard port: connection refused
    conn = connector(dovecot, mailbox, sink, {"oauth2_refresh_token": "rt-whatever"}, {},
                     oauth2_provider="microsoft", oauth2_client_id=CLIENT_ID, oauth2_authority=dead)
    try:
        with pytest.raises(SourceError) as err:
            await conn.fetch(None)
        assert not err.value.fatal and err.value.retry_after and "will retry" in str(err.value)
    finally:
        await conn.aclose()


async def test_token_command(dovecot: Dovecot, sink: SmtpSink, provider: OAuthServer, mailbox: str,
                             tmp_path: Path) -> None:
    token = provider.world.issue(USER, "mail")["access_token"]
    script = tmp_path / "token.py"
    script.write_text(f"print({token!r})\n")
    conn = connector(dovecot, mailbox, sink, {}, {}, oauth2_token_command=f"{sys.executable} {script}")
    try:
        batch = await conn.fetch(None)
        assert len(batch.items) == 1
        await conn.send(Outgoing(key="k-cmd", account="work", conversation=batch.items[0].conversation,
                                 text="ok", reply_to="<oauth-1@client.ru>"))
        assert sink.oauth_logins[-1] == ("XOAUTH2", USER, True)
    finally:
        await conn.aclose()
    bad = tmp_path / "bad.py"
    bad.write_text(f"import sys; print('refresh failed for {token}', file=sys.stderr); sys.exit(3)\n")
    conn = connector(dovecot, mailbox, sink, {}, {}, oauth2_token_command=f"{sys.executable} {bad}")
    try:
        with pytest.raises(SourceError) as err:
            await conn.fetch(None)
        assert "oauth2_token_command exited 3" in str(err.value) and token not in redact(str(err.value))
        assert err.value.retry_after
    finally:
        await conn.aclose()


def test_smtp_account_with_oauth2_sends_for_the_mailbox(sink: SmtpSink, provider: OAuthServer) -> None:
    refresh = provider.world.refresh_token_for(USER)
    other = {"work-smtp": {"kind": "smtp", "host": "127.0.0.1", "port": sink.port, "tls": "none", "user": USER,
                           "auth": "oauth2", **ms_options(provider)}}
    ctx = SourceContext(account="work", kind="maildir", options={"path": "/nonexistent"}, secret=lambda _n: None,
                        other_accounts=other,
                        other_secret=lambda acc, name: refresh if (acc, name) == ("work-smtp", "oauth2_refresh_token")
                        else None)
    cfg = smtp_config(ctx)  # no smtp key: the one SMTP account of the config sends
    assert cfg is not None and cfg.tokens is not None and cfg.user == USER
    assert cfg.tokens.access_token()


def _cert(tmp: Path) -> tuple[Path, Path]:
    openssl_or_skip()
    crt, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(crt)],
                   check=True, capture_output=True)
    return crt, key


def test_microsoft_device_code_sign_in_with_msal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("msal", reason="the oauth extra (msal) is not installed")
    crt, key = _cert(tmp_path)
    # msal talks through requests, which prefers REQUESTS_CA_BUNDLE over a session's own
    # verify setting: trust the stand-in's certificate the way a user behind a corporate CA would.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(crt))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(crt), str(key))
    with OAuthServer(tls=tls, tenant="organizations") as srv:
        srv.world.clients[CLIENT_ID] = ""
        p = oauth.provider_for({"oauth2_provider": "microsoft", "oauth2_authority": srv.authority})
        assert p is not None
        shown: list[str] = []

        def show(msg: str) -> None:
            shown.append(msg)
            # The user reads the code and signs in on their phone.
            code = msg.rsplit(" ", 1)[-1].rstrip(".")
            threading.Timer(0.2, srv.approve, args=(code, USER)).start()

        signed = oauth_flows.device_code_sign_in("work", p, CLIENT_ID, show=show, verify=str(crt), timeout=30)
    assert shown and "enter the code" in shown[0]
    assert signed.refresh_token.startswith("rt-") and signed.access_token.startswith("at-")


def test_google_pkce_loopback_sign_in(provider: OAuthServer) -> None:
    provider.world.clients["google-client"] = "google-secret"
    p = oauth.Provider(name="google", token_url=provider.token_url, auth_url=provider.auth_url,
                       scopes=("https://mail.google.com/",))

    def browser(url: str) -> None:
        # The browser: the provider signs the user in and redirects to our loopback listener.
        httpx.get(url, follow_redirects=True, timeout=10)

    signed = oauth_flows.loopback_sign_in("gmail", p, "google-client", open_url=browser,
                                          client_secret="google-secret", login_hint=USER, timeout=20)
    assert signed.refresh_token in provider.world.refresh
    assert provider.world.refresh[signed.refresh_token].user == USER
    # The code is bound to the PKCE verifier: a replay of the exchange is refused.
    with pytest.raises(SourceError, match="refused"):
        oauth.token_request("gmail", p, {"grant_type": "authorization_code", "code": "code-unknown",
                                         "client_id": "google-client", "client_secret": "google-secret",
                                         "redirect_uri": "http://127.0.0.1:1/", "code_verifier": "x"})
