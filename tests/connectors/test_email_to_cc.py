"""E-mail: my address in To addresses me; in Cc alone it does not (the triage tells them apart)."""

from __future__ import annotations

from connectors.base import Item
from connectors.email.common import EmailCore
from tests.connectors.test_email_mime import ctx


def _item(to: str, cc: str = "", body: str = "Добрый день, выложили страницы.") -> Item:
    raw = (f"From: Ivan <ivan@client.ru>\r\nTo: {to}\r\n" + (f"Cc: {cc}\r\n" if cc else "")
           + f"Subject: X\r\nMessage-ID: <x@client.ru>\r\n\r\n{body}\r\n").encode()
    return EmailCore(ctx()).make_item(raw, fallback_date=None, where={})


def test_to_me() -> None:
    it = _item("Anna <anna@agency.test>", "Oleg <oleg@agency.test>")
    assert it.meta["to_me"] is True and it.meta["cc_me"] is False and it.mentions_me


def test_only_in_cc_is_not_a_mention() -> None:
    it = _item("Oleg <oleg@agency.test>", "Anna <anna@agency.test>")
    assert it.meta["cc_me"] is True and it.meta["to_me"] is False
    assert not it.mentions_me


def test_named_in_the_body_still_mentions_me() -> None:
    it = _item("Oleg <oleg@agency.test>", "Anna <anna@agency.test>", "Олег, выложите. anna@agency.test, глянь")
    assert it.mentions_me
