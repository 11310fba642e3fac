"""Session secrets (the demo's and the eval's sandbox tokens) end with their services."""

from __future__ import annotations

from inscope.secrets import drop_session_secrets, get_secret, set_session_secret


def test_forgotten_with_the_services_that_set_them() -> None:
    set_session_secret("acc-x", "token", "tok-123456")
    set_session_secret("acc-y", "token", "tok-654321")
    assert get_secret("acc-x", "trello", "token") == "tok-123456"
    drop_session_secrets("acc-x")
    assert get_secret("acc-x", "trello", "token") is None
    assert get_secret("acc-y", "trello", "token") == "tok-654321"
    drop_session_secrets("acc-y")
