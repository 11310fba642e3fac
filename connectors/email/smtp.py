"""Building replies and sending them over SMTP.

* :func:`build_message` makes a reply as RFC 5322 defines one: In-Reply-To,
  References (parent's References + parent id, trimmed keeping the root),
  exactly one ``Re:``, Reply-To honoured, From = me, a quoted-printable body for
  non-ASCII text (never ``8bit``: not every server advertises 8BITMIME) and a
  Message-ID derived from the outbox key, so a crashed send can be found again.
* :func:`send` submits with ``smtplib`` (implicit TLS / STARTTLS / plain, AUTH)
  in a worker thread and maps failures onto ``SourceError`` /
  ``PermanentSendError`` with secret-free messages.

The SMTP server that the demo and the tests send to is ``sandbox/smtp_sink.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from connectors.base import (
    Outgoing,
    PermanentSendError,
    SourceContext,
    SourceError,
    redact,
    register_secret,
)
from connectors.options import Opt

from . import oauth
from .threads import strip_prefixes

MAX_REFERENCES = 20  # keep the root + the most recent ids; long chains bloat headers


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to submit mail.  ``password`` never appears in ``repr``."""

    host: str
    port: int = 587
    tls: str = "starttls"  # "ssl" (implicit, 465) | "starttls" | "none"
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    tokens: oauth.TokenSource | None = field(default=None, repr=False, compare=False)  # auth = "oauth2"
    mechanism: str = "xoauth2"  # or "oauthbearer" (with tokens)


OPTIONS: dict[str, Opt] = {
    "host": Opt("str", "the SMTP server", required=True),
    "port": Opt("int", "default 587, or 465 with tls = \"ssl\"", min=1),
    "tls": Opt("str", "starttls (default) | ssl | none", choices=("starttls", "ssl", "none")),
    "user": Opt("str", "the login (secret: password)"),
    "cafile": Opt("str", "a CA bundle that signs the server's certificate"),
    "from": Opt("str", "the From address of replies sent through this account"),
    "from_name": Opt("str", "the display name of replies sent through this account"),
    **oauth.OPTIONS,
}
"""The options of a ``kind = "smtp"`` account: it only sends, for the accounts that name it."""


def smtp_account(ctx: SourceContext) -> str | None:
    """The ``kind = "smtp"`` account that sends for this one: option ``smtp``, else — when
    the account has no inline ``smtp_host`` — the only SMTP account of the config."""
    ref = ctx.options.get("smtp")
    if isinstance(ref, str) and ref:
        return ref
    if ctx.options.get("smtp_host"):
        return None
    smtps = [name for name, acc in ctx.other_accounts.items()
             if acc.get("kind") == "smtp" and not acc.get("disabled")]
    return smtps[0] if len(smtps) == 1 else None


def smtp_config(ctx: SourceContext, tokens: oauth.TokenSource | None = None) -> SmtpConfig | None:
    """The SMTP settings of a receiving account, or ``None`` when it has none.

    A ``kind = "smtp"`` account (named by ``smtp = "name"``, or the only one there is)
    with its own secrets (``password``, or its OAuth2 tokens with ``auth = "oauth2"``);
    otherwise inline ``smtp_host`` / ``smtp_port`` / ``smtp_tls`` / ``smtp_user`` with
    the secret ``smtp_password`` (falling back to this account's ``password``), or this
    account's own OAuth2 ``tokens`` when it signs in with OAuth2.
    """
    o = ctx.options
    ref = smtp_account(ctx)
    if ref is not None:
        acc = ctx.other_accounts.get(ref)
        if acc is None or acc.get("kind") != "smtp":
            raise SourceError(f"account {ctx.account!r}: smtp account {ref!r} is not configured"
                              + ("" if acc is None else f" (it is kind = {acc.get('kind')!r}, not \"smtp\")"),
                              fatal=True)
        if str(acc.get("auth") or "password") == "oauth2":
            def other(name: str) -> str | None:
                return ctx.other_secret(ref, name) if ctx.other_secret else None

            def save(name: str, value: str) -> None:
                if ctx.save_secret is not None:
                    ctx.save_secret(ref, name, value)

            src = oauth.token_source(ref, acc, other, save_secret=save, verify=oauth.verify_for(acc))
            return _cfg(acc.get("host"), acc.get("port"), acc.get("tls"), acc.get("user"), None, ctx.account,
                        acc.get("cafile"), tokens=src, mechanism=str(acc.get("oauth2_mechanism") or "xoauth2"))
        pw = ctx.other_secret(ref, "password") if ctx.other_secret else None
        return _cfg(acc.get("host"), acc.get("port"), acc.get("tls"), acc.get("user"), pw, ctx.account,
                    acc.get("cafile"))
    if not o.get("smtp_host"):
        return None
    user = o.get("smtp_user", o.get("user"))
    if str(o.get("auth") or "password") == "oauth2" and not ctx.secret("smtp_password"):
        # The same sign-in covers SMTP (the scopes ask for both): reuse the account's tokens.
        return _cfg(o.get("smtp_host"), o.get("smtp_port"), o.get("smtp_tls"), user, None, ctx.account,
                    o.get("smtp_cafile"), tokens=tokens, mechanism=str(o.get("oauth2_mechanism") or "xoauth2"))
    pw = ctx.secret("smtp_password") or ctx.secret("password")
    return _cfg(o.get("smtp_host"), o.get("smtp_port"), o.get("smtp_tls"), user, pw, ctx.account,
                o.get("smtp_cafile"))


def _cfg(host: Any, port: Any, tls: Any, user: Any, pw: str | None, account: str,
         cafile: Any = None, *, tokens: oauth.TokenSource | None = None, mechanism: str = "xoauth2") -> SmtpConfig:
    if not host:
        raise SourceError(f"account {account!r}: smtp host is missing", fatal=True)
    mode = str(tls or "starttls").lower()
    if mode not in ("ssl", "starttls", "none"):
        raise SourceError(f"account {account!r}: smtp tls must be ssl, starttls or none", fatal=True)
    default_port = {"ssl": 465, "starttls": 587, "none": 25}[mode]
    if pw:
        register_secret(pw)
    # A private CA (a self-hosted server's own certificate) is trusted explicitly, never by
    # turning verification off.
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    return SmtpConfig(str(host), int(port or default_port), mode, str(user or ""), pw or "",
                      ssl_context=context, tokens=tokens, mechanism=mechanism)


# --- message ids and reply headers --------------------------------------------------------

def message_id_for(key: str, domain: str) -> str:
    """Deterministic Message-ID for an outbox key: a retry or reconcile finds the same id."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<inscope.{digest}@{domain or 'inscope.invalid'}>"


def reply_subject(subject: str) -> str:
    """Exactly one ``Re:`` in front of the subject (existing Re:/Ответ:/Fwd: chains dropped)."""
    base = strip_prefixes(subject)
    return f"Re: {base}" if base else "Re:"


def reply_references(parent_refs: list[str], parent_in_reply_to: list[str], parent_id: str) -> list[str]:
    """Parent's References (or its single In-Reply-To) + the parent id, root kept when trimmed."""
    chain = list(parent_refs) if parent_refs else (list(parent_in_reply_to[:1]) if len(parent_in_reply_to) == 1 else [])
    if parent_id and parent_id not in chain:
        chain.append(parent_id)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1):]]
    return chain


@dataclass(slots=True)
class ParentInfo:
    """What a reply needs to know about the message it answers."""

    message_id: str
    subject: str = ""
    from_name: str = ""
    from_addr: str = ""
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    in_reply_to: list[str] = field(default_factory=list)
    folder: str = ""  # IMAP folder of the parent ("" for Maildir)
    uid: int = 0  # IMAP UID of the parent (0: unknown)
    key: str = ""  # Maildir key of the parent


def _addr(name: str, addr: str) -> Address:
    user, _, domain = addr.partition("@")
    return Address(display_name=name or "", username=user, domain=domain)


def build_message(
    out: Outgoing,
    *,
    me_name: str,
    me_addr: str,
    parent: ParentInfo | None,
    to: list[tuple[str, str]] | None = None,
    date: Any = None,
) -> EmailMessage:
    """The reply (or fresh message) to send for ``out``.

    Recipients: ``to`` when given (escalations), else the parent's Reply-To,
    else its From.  Raises ``PermanentSendError`` when there is nobody to send to.
    """
    msg = EmailMessage(policy=policy.SMTP)
    domain = me_addr.rpartition("@")[2]
    msg["Message-ID"] = message_id_for(out.key, domain)
    msg["From"] = _addr(me_name, me_addr)
    if to:
        rcpts = to
    elif parent is not None:
        rcpts = parent.reply_to or ([(parent.from_name, parent.from_addr)] if parent.from_addr else [])
    else:
        rcpts = []
    if not rcpts:
        raise PermanentSendError("no recipient: the message being answered has no From/Reply-To")
    msg["To"] = [_addr(n, a) for n, a in rcpts]
    if parent is not None and not to:
        msg["Subject"] = reply_subject(parent.subject or out.subject)
        msg["In-Reply-To"] = parent.message_id
        refs = reply_references(parent.references, parent.in_reply_to, parent.message_id)
        if refs:
            msg["References"] = " ".join(refs)
    else:
        msg["Subject"] = out.subject or "(no subject)"
    msg["Date"] = format_datetime(date or out.created_at)
    msg["X-Mailer"] = "inscope"
    text = out.text.replace("\r\n", "\n")
    if text.isascii():
        msg.set_content(text, charset="us-ascii", cte="7bit")
    else:
        # quoted-printable keeps Cyrillic readable in raw form and is 7-bit safe.
        msg.set_content(text, charset="utf-8", cte="quoted-printable")
    return msg


def recipients(msg: EmailMessage) -> list[str]:
    """Envelope recipients (To + Cc + Bcc) of a built message."""
    out: list[str] = []
    for name in ("to", "cc", "bcc"):
        hdr: Any = msg.get(name)
        for a in getattr(hdr, "addresses", ()):
            if a.addr_spec and a.addr_spec not in out:
                out.append(a.addr_spec)
    return out


# --- sending ------------------------------------------------------------------------------

class DefinitelyNotSent(SourceError):
    """The server refused before accepting the data: nothing was delivered (safe to retry)."""


def send_blocking(cfg: SmtpConfig, msg: EmailMessage, *, sender: str) -> None:
    """Submit ``msg`` (blocking).  Errors become ``SourceError`` kinds.

    ``DefinitelyNotSent`` (a ``SourceError``) marks failures before the DATA
    phase was accepted; any other ``SourceError`` means delivery is uncertain.
    """
    data = msg.as_bytes(policy=policy.SMTP)
    rcpts = recipients(msg)
    ctx = cfg.ssl_context or ssl.create_default_context()
    client: smtplib.SMTP | None = None
    try:
        try:
            if cfg.tls == "ssl":
                client = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=ctx)
            else:
                client = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            client.ehlo()
            if cfg.tls == "starttls":
                client.starttls(context=ctx)
                client.ehlo()
            if cfg.tokens is not None:
                _oauth_login(client, cfg)
            elif cfg.user:
                client.login(cfg.user, cfg.password)
        except smtplib.SMTPAuthenticationError as exc:
            what = "OAuth2 token refused even after a refresh" if cfg.tokens is not None else "login refused"
            raise DefinitelyNotSent(f"smtp {cfg.host}: {what} ({exc.smtp_code})", fatal=True) from None
        except smtplib.SMTPNotSupportedError:
            raise DefinitelyNotSent(f"smtp {cfg.host}: server does not offer STARTTLS/AUTH as configured", fatal=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DefinitelyNotSent(f"smtp {cfg.host}:{cfg.port}: cannot connect ({_why(exc)})", retry_after=60) from None
        try:
            refused = client.sendmail(sender, rcpts, data)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentSendError(f"smtp: all recipients refused ({_codes(exc.recipients)})") from None
        except smtplib.SMTPSenderRefused as exc:
            raise PermanentSendError(f"smtp: sender refused ({exc.smtp_code})") from None
        except smtplib.SMTPDataError as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentSendError(f"smtp: message rejected ({exc.smtp_code})") from None
            raise DefinitelyNotSent(f"smtp: message deferred ({exc.smtp_code})", retry_after=120) from None
        except (smtplib.SMTPException, OSError) as exc:
            # The connection broke during the transaction: it may or may not have been queued.
            raise SourceError(f"smtp {cfg.host}: connection lost while sending ({_why(exc)})", retry_after=60) from None
        if refused:
            # Partial acceptance: it went out to the others; not an error worth retrying.
            pass
    finally:
        if client is not None:
            try:
                client.quit()
            except Exception:
                client.close()


class _Responder:
    """smtplib's auth object: the initial response first; a refusal comes as a 334 carrying
    the error JSON, which the client must acknowledge with an empty line."""

    def __init__(self, initial: str) -> None:
        self.initial = initial
        self.calls = 0

    def __call__(self, challenge: bytes | None = None) -> str:
        self.calls += 1
        return self.initial if self.calls == 1 else ""


def _oauth_login(client: smtplib.SMTP, cfg: SmtpConfig) -> None:
    """AUTH XOAUTH2 / OAUTHBEARER; a refused token is refreshed once and tried again."""
    assert cfg.tokens is not None
    mech = "OAUTHBEARER" if cfg.mechanism == "oauthbearer" else "XOAUTH2"
    for attempt in (0, 1):
        token = cfg.tokens.access_token(force=attempt == 1)
        initial = (oauth.oauthbearer(cfg.user, token, cfg.host, cfg.port) if mech == "OAUTHBEARER"
                   else oauth.xoauth2(cfg.user, token))
        respond = _Responder(initial)

        try:
            client.auth(mech, respond, initial_response_ok=True)
            return
        except smtplib.SMTPAuthenticationError:
            if attempt == 1:
                raise


async def send(cfg: SmtpConfig, msg: EmailMessage, *, sender: str) -> None:
    """:func:`send_blocking` in a worker thread."""
    await asyncio.to_thread(send_blocking, cfg, msg, sender=sender)


def _why(exc: BaseException) -> str:
    text = type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text += f": {exc.strerror}"
    elif isinstance(exc, socket.timeout):
        text += ": timed out"
    return redact(text)


def _codes(rcpts: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{addr}: {code}" for addr, (code, _msg) in rcpts.items())


def preflight(ctx: SourceContext) -> list[str]:
    """What this account still lacks (``inscope doctor``): see :mod:`connectors.email.preflight`."""
    # Imported here, not at the top: that module imports this one's neighbours.
    from .preflight import problems

    return problems(ctx)
