"""Fixtures the connector tests share: a real Dovecot per module and an admin IMAP session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from imapclient import IMAPClient

from sandbox.dovecot import PASSWORD, USER, Dovecot
from tests.requires import dovecot_or_skip


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot of its own for each test module (skips, or fails under CI, without one)."""
    server = Dovecot(dovecot_or_skip()).start()
    yield server
    server.stop()


@pytest.fixture
def admin(dovecot: Dovecot) -> Iterator[IMAPClient]:
    """The test user's IMAP session, to put mail in and look at what the connector did."""
    c = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    c.login(USER, PASSWORD)
    yield c
    c.logout()
