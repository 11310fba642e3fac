"""Telethon's exceptions → account statuses the sync engine shows (never a traceback).

- a revoked, expired or missing session disables the account with :data:`NOT_SIGNED_IN`
  (the exact words ``inscope doctor`` prints), so the user knows what to run;
- a flood wait carries Telegram's ``seconds`` as ``retry_after`` and says so;
- a network failure is retried later with a visible status.

Messages name the request that failed and the error's type, never a secret: Telethon's
own error text holds only the error code and the request's class name, and everything
still goes through :func:`connectors.base.redact`.
"""

from __future__ import annotations

import asyncio

from telethon import errors

from connectors.base import SourceError, redact

NOT_SIGNED_IN = "not signed in — run `inscope connect telegram --user`"
"""The status of a user account without a usable session (missing, revoked, expired)."""

SIGNED_OUT = (errors.UnauthorizedError, errors.AuthKeyDuplicatedError)
"""Errors that mean the session no longer works: AUTH_KEY_UNREGISTERED, SESSION_REVOKED,
SESSION_EXPIRED, USER_DEACTIVATED(_BAN), and AUTH_KEY_DUPLICATED (the same session was
used from two places at once, so Telegram dropped it)."""

NETWORK = (ConnectionError, OSError, asyncio.TimeoutError)


def not_signed_in(account: str, why: str = "") -> SourceError:
    """The fatal status of an account whose session is missing or no longer accepted."""
    detail = f" ({why})" if why else ""
    return SourceError(f"Telegram ({account}){detail}: {NOT_SIGNED_IN}", fatal=True)


def flood_seconds(e: BaseException) -> float | None:
    """Seconds of a FLOOD_WAIT / SLOWMODE_WAIT / FLOOD_PREMIUM_WAIT, else None."""
    if isinstance(e, errors.FloodError):
        seconds = getattr(e, "seconds", None)
        return float(seconds) if isinstance(seconds, int | float) and seconds > 0 else 5.0
    return None


def source_error(e: BaseException, account: str, doing: str) -> SourceError:
    """The account-status form of an exception raised while ``doing`` something."""
    wait = flood_seconds(e)
    if wait is not None:
        return SourceError(f"Telegram ({account}): {doing}: flood wait — Telegram asks to pause "
                           f"{wait:g} s", retry_after=wait)
    if isinstance(e, SIGNED_OUT):
        return not_signed_in(account, f"the session was revoked or expired: {type(e).__name__}")
    if isinstance(e, NETWORK):
        return SourceError(f"Telegram ({account}): {doing}: cannot reach Telegram "
                           f"({type(e).__name__}); retrying", retry_after=30)
    if isinstance(e, errors.ServerError):
        return SourceError(f"Telegram ({account}): {doing}: Telegram server error "
                           f"({type(e).__name__})", retry_after=15)
    if isinstance(e, errors.RPCError):
        return SourceError(f"Telegram ({account}): {doing}: {redact(str(e.message or type(e).__name__))}",
                           retry_after=60)
    return SourceError(f"Telegram ({account}): {doing}: {type(e).__name__}: {redact(str(e))}",
                       retry_after=60)
