"""Secrets: keyring first, environment variables as the fallback.

Nothing secret is ever written to the config, the DB or a log.  Where no
keyring backend exists (headless Linux), ``store_secret`` raises
``NoKeyringError`` with an explanation, and ``get_secret`` reads
``INSCOPE_<KIND>_<NAME>`` (e.g. ``INSCOPE_TRELLO_TOKEN``) or the account-specific
``INSCOPE_<ACCOUNT>_<NAME>``.
"""

from __future__ import annotations

import os
import re

from connectors.base import register_secret

SERVICE = "inscope"

NO_BACKEND_HELP = (
    "No keyring backend is available on this machine, so inscope cannot store the secret safely.\n"
    "Install one (e.g. `pip install keyrings.alt` for an encrypted file, or run a Secret Service\n"
    "such as GNOME Keyring / KWallet), or export the secret in the environment instead:\n"
    "  {env}\n"
    "inscope never writes secrets to its config or database."
)


class NoKeyringError(RuntimeError):
    """No usable keyring backend; the message says what to do instead."""


def env_names(account: str, kind: str, name: str) -> list[str]:
    """Environment variables consulted for a secret, most specific first."""
    def norm(s: str) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", s).upper().strip("_")

    kind_env = {"imap": "IMAP", "smtp": "SMTP", "maildir": "IMAP"}.get(kind, norm(kind))
    return [f"INSCOPE_{norm(account)}_{norm(name)}", f"INSCOPE_{kind_env}_{norm(name)}"]


_SESSION: dict[tuple[str, str], str] = {}


def set_session_secret(account: str, name: str, value: str) -> None:
    """A secret that lives only in this process (the demo's sandbox tokens): never persisted."""
    register_secret(value)
    _SESSION[(account, name)] = value


def drop_session_secrets(account: str) -> None:
    """Forget the process-only secrets of ``account`` (the demo's, when its servers stop)."""
    for key in [k for k in _SESSION if k[0] == account]:
        del _SESSION[key]


def keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        kr = keyring.get_keyring()
        return not isinstance(kr, fail.Keyring) and "fail" not in type(kr).__module__
    except Exception:
        return False


def get_secret(account: str, kind: str, name: str) -> str | None:
    """Look a secret up (keyring, then env).  Registers it for redaction."""
    value: str | None = _SESSION.get((account, name))
    if value is None and keyring_usable():
        try:
            import keyring

            value = keyring.get_password(SERVICE, f"{account}:{name}")
        except Exception:
            value = None
    if not value:
        for env in env_names(account, kind, name):
            if os.environ.get(env):
                value = os.environ[env]
                break
    if value:
        register_secret(value)
    return value


def store_secret(account: str, kind: str, name: str, value: str) -> None:
    """Put a secret in the keyring or raise ``NoKeyringError`` explaining the env fallback."""
    register_secret(value)
    if not keyring_usable():
        raise NoKeyringError(NO_BACKEND_HELP.format(env=f"export {env_names(account, kind, name)[1]}=…"))
    import keyring

    try:
        keyring.set_password(SERVICE, f"{account}:{name}", value)
    except Exception as e:  # a backend that exists but refuses (locked, no D-Bus …)
        raise NoKeyringError(
            NO_BACKEND_HELP.format(env=f"export {env_names(account, kind, name)[1]}=…")
            + f"\n(keyring said: {type(e).__name__})"
        ) from None
