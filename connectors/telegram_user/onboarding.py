"""Signing in as the user and listing her chats, for ``inscope connect telegram --user``.

The steps are those of Telethon's sign-in methods: ``send_code_request(phone)``, then
``sign_in(phone, code, phone_code_hash=…)``; when the account has a cloud password
Telegram answers ``SESSION_PASSWORD_NEEDED`` and ``sign_in(password=…)`` finishes.  With
QR login, ``qr_login()`` gives a ``tg://login?token=…`` URL to scan in the Telegram app
(Settings → Devices → Link Desktop Device) while ``wait()`` runs; it too may end in the
password step.  Nothing here stores anything: the caller takes ``client.session.save()``
to the keyring.  Prompts come in as callables so tests drive the flow with a fake client.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telethon import errors

from connectors.base import SourceError
from connectors.telegram_user.client import UserClient
from connectors.telegram_user.errors import flood_seconds
from connectors.telegram_user.peers import chat_info

Ask = Callable[[str], str]
TRIES = 3
QR_ROUNDS = 3  # a QR code lives about 30 s; a fresh one is shown this many times


@dataclass(frozen=True, slots=True)
class Prompts:
    """How the wizard talks: visible input, hidden input, output."""

    ask: Ask
    ask_secret: Ask
    out: Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DialogChoice:
    """A chat the user could follow: marked id, title, kind, @username, whether a bot."""

    id: int
    title: str
    kind: str  # "private" | "group" | "supergroup" | "forum" | "channel"
    username: str = ""
    is_bot: bool = False


def _wait_error(e: BaseException, doing: str) -> SourceError:
    wait = flood_seconds(e)
    if wait is not None:
        return SourceError(f"Telegram: {doing}: Telegram asks to wait {wait:g} s before trying "
                           "again", retry_after=wait)
    if isinstance(e, errors.ApiIdInvalidError | errors.ApiIdPublishedFloodError):
        return SourceError("Telegram: the api_id / api_hash pair was rejected; copy both again "
                           "from my.telegram.org → API development tools")
    if isinstance(e, errors.PhoneNumberBannedError):
        return SourceError("Telegram: this phone number is banned by Telegram")
    if isinstance(e, errors.RPCError):
        return SourceError(f"Telegram: {doing}: {e.message or type(e).__name__}")
    return SourceError(f"Telegram: {doing}: cannot reach Telegram ({type(e).__name__})")


async def password_step(client: UserClient, p: Prompts) -> Any:
    """The cloud password (2FA) step; a few tries, the hint is not shown."""
    p.out("  this account has a cloud password (two-step verification)")
    for _ in range(TRIES):
        password = p.ask_secret("Cloud password (hidden): ")
        try:
            return await client.sign_in(password=password)
        except errors.PasswordHashInvalidError:
            p.out("  wrong password, try again")
        except Exception as e:  # noqa: BLE001 — one message line, never a traceback
            raise _wait_error(e, "checking the password") from None
    raise SourceError("Telegram: the cloud password was not accepted; nothing was stored")


async def sign_in_with_code(client: UserClient, p: Prompts) -> Any:
    """Phone number, the login code Telegram sends (in the app or by SMS), 2FA if set."""
    phone = p.ask("Phone number (international, e.g. +7 912 345-67-89): ").strip()
    try:
        sent = await client.send_code_request(phone)
    except errors.PhoneNumberInvalidError:
        raise SourceError("Telegram: that phone number is not valid") from None
    except Exception as e:  # noqa: BLE001
        raise _wait_error(e, "sending the login code") from None
    p.out("  Telegram sent a login code to your Telegram app (or by SMS)")
    for _ in range(TRIES):
        code = p.ask_secret("Login code (hidden): ").strip().replace(" ", "").replace("-", "")
        try:
            return await client.sign_in(phone, code, phone_code_hash=sent.phone_code_hash)
        except errors.SessionPasswordNeededError:
            return await password_step(client, p)
        except errors.PhoneCodeInvalidError:
            p.out("  that code is not right, try again")
        except errors.PhoneCodeExpiredError:
            raise SourceError("Telegram: the login code expired; run the command again") from None
        except errors.PhoneNumberUnoccupiedError:
            raise SourceError("Telegram: no Telegram account uses this phone number") from None
        except Exception as e:  # noqa: BLE001
            raise _wait_error(e, "signing in") from None
    raise SourceError("Telegram: the login code was not accepted; nothing was stored")


def qr_text(url: str) -> str:
    """The QR code of ``url`` drawn with block characters for a terminal."""
    import segno

    buf = io.StringIO()
    segno.make(url, error="l").terminal(out=buf, compact=True, border=2)
    return buf.getvalue()


async def sign_in_with_qr(client: UserClient, p: Prompts) -> Any:
    """Show a QR code to scan in the Telegram app; renewed when it expires; 2FA if set."""
    try:
        qr = await client.qr_login()
    except Exception as e:  # noqa: BLE001
        raise _wait_error(e, "starting QR login") from None
    for _ in range(QR_ROUNDS):
        p.out("Scan this in Telegram on your phone: Settings → Devices → Link Desktop Device")
        p.out(qr_text(qr.url))
        try:
            return await qr.wait(timeout=None)
        except errors.SessionPasswordNeededError:
            return await password_step(client, p)
        except TimeoutError:
            p.out("  the code expired; here is a new one")
            try:
                await qr.recreate()
            except Exception as e:  # noqa: BLE001
                raise _wait_error(e, "renewing the QR code") from None
        except Exception as e:  # noqa: BLE001
            raise _wait_error(e, "QR login") from None
    raise SourceError("Telegram: the QR code was not scanned; nothing was stored")


async def sign_in(client: UserClient, p: Prompts, *, qr: bool) -> Any:
    """Sign ``client`` in (already connected); returns her ``User``."""
    user = await (sign_in_with_qr(client, p) if qr else sign_in_with_code(client, p))
    if user is None:
        user = await client.get_me()
    if user is None:
        raise SourceError("Telegram: signing in did not finish; nothing was stored")
    return user


async def dialogs(client: UserClient) -> list[DialogChoice]:
    """Her chats, most recent first: groups, supergroups, forums, channels, private chats."""
    out: list[DialogChoice] = []
    async for d in client.iter_dialogs():
        info = chat_info(d.entity)
        if getattr(d.entity, "is_self", False) or getattr(d.entity, "deleted", False):
            continue
        if info.migrated_to is not None:
            continue  # an old basic group: its supergroup is listed on its own
        out.append(DialogChoice(id=info.id, title=info.title, kind=info.kind,
                                username=info.username, is_bot=info.is_bot))
    return out

