"""What an e-mail account still lacks before it can sync and reply — for ``inscope doctor``.

:func:`problems` looks at one account's options and secrets without touching the
network and names each missing piece with what to do about it: the login, the
password or the OAuth2 sign-in, an SMTP account to send with, a From address.
"""

from __future__ import annotations

import shlex
import shutil

from connectors.base import SourceContext, SourceError

from . import oauth
from .common import me_address
from .smtp import smtp_config


def _env(ctx: SourceContext, name: str) -> str:
    return "INSCOPE_" + "".join(c if c.isalnum() else "_" for c in ctx.account).upper() + "_" + name.upper()


def _secret(ctx: SourceContext, account: str, name: str) -> str | None:
    if account == ctx.account:
        return ctx.secret(name)
    return ctx.other_secret(account, name) if ctx.other_secret else None


def _sign_in(ctx: SourceContext, options: dict[str, object], secret_of: str, what: str) -> list[str]:
    """The login of one IMAP/SMTP side: its user, and a password or a working OAuth2 setup."""
    out: list[str] = []
    if str(options.get("auth") or "password") == "oauth2":
        command = str(options.get("oauth2_token_command") or "")
        if command:
            try:
                program = shlex.split(command)[0]
            except (ValueError, IndexError):
                return [f"{what}: oauth2_token_command cannot be parsed"]
            if shutil.which(program) is None:
                out.append(f"{what}: oauth2_token_command runs {program!r}, which is not on PATH")
            return out
        provider = oauth.provider_for(options)
        if provider is None:
            out.append(f"{what}: auth = \"oauth2\" but oauth2_provider is not set and the host does not say "
                       "which (microsoft, google or yandex)")
        if not options.get("oauth2_client_id"):
            out.append(f"{what}: oauth2_client_id is not set (the application registered with the provider)")
        if not _secret(ctx, secret_of, "oauth2_refresh_token"):
            out.append(f"{what}: not signed in — run `inscope connect email` (the refresh token goes to the keyring)")
        return out
    if not _secret(ctx, secret_of, "password"):
        out.append(f"{what}: no password — run `inscope connect email`, or set {_env(ctx, 'password')} "
                   "where there is no keyring (an app password for Yandex, Mail.ru, Gmail)")
    return out


def problems(ctx: SourceContext) -> list[str]:
    """Everything missing for ``ctx``'s account, one line each; ``[]`` when it is complete."""
    o = ctx.options
    out: list[str] = []
    if ctx.kind == "smtp":
        if not o.get("user"):
            out.append("smtp: user is not set (the SMTP login)")
        return out + _sign_in(ctx, dict(o), ctx.account, "smtp")
    if ctx.kind == "imap":
        if not o.get("user"):
            out.append("imap: user is not set (the IMAP login, usually the mailbox address)")
        out += _sign_in(ctx, dict(o), ctx.account, "imap")
    try:
        cfg = smtp_config(ctx)
    except SourceError as exc:
        out.append(f"sending: {exc}")
        cfg = None
    else:
        if cfg is None:
            smtps = sorted(n for n, a in ctx.other_accounts.items() if a.get("kind") == "smtp")
            if len(smtps) > 1:
                out.append(f"sending: several kind = \"smtp\" accounts ({', '.join(smtps)}): say which one with "
                           "smtp = \"…\"")
            else:
                out.append("sending: replies cannot be sent — add a kind = \"smtp\" account, or smtp_host "
                           "(and smtp_user) on this one")
        elif o.get("smtp") is None and not o.get("smtp_host"):
            pass  # the only SMTP account: its own problems are listed under its name
        elif o.get("smtp_host") and str(o.get("auth") or "password") != "oauth2" and not (
                ctx.secret("smtp_password") or ctx.secret("password")):
            out.append(f"sending: no SMTP password — set the secret smtp_password (or {_env(ctx, 'smtp_password')})")
    if not me_address(ctx):
        out.append("sending: no From address — set from (on this account or its SMTP account) or [me].emails")
    return out
