"""Skip-or-fail for tests that need a program from the system, not from the venv.

A missing binary skips the test locally — except under ``CI=true``, where it is a
failure: CI must install it (``.ci/apt.txt``), or the tests would pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

from sandbox.dovecot import dovecot_binary


def _skip_or_fail(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def openssl_or_skip() -> str:
    """The openssl binary path (throwaway certificates for the TLS tests), or skip (fail
    under CI=true)."""
    binary = shutil.which("openssl")
    if binary is None:
        _skip_or_fail("openssl is not installed (needed to make a throwaway certificate)")
    return binary


def dovecot_or_skip() -> str:
    """The dovecot binary path, or skip (fail under CI=true) with a clear reason."""
    binary = dovecot_binary()
    if binary is None:
        _skip_or_fail("dovecot not installed (apt-get install dovecot-imapd) — IMAP tests need a "
                      "real server")
    return binary
