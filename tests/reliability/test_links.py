"""A server-supplied link goes to the browser only when it is a plain https link of its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from inscope.links import refuse_reason, safe_url
from tests.helpers import make_workspace, settle
from tui.app import InscopeApp


@pytest.mark.parametrize(("url", "source"), [
    ("https://trello.com/c/AVXyuBVm", "trello"),
    ("https://t.me/c/1234567/89", "telegram"),
    ("https://t.me/romashka_chat/12", "telegram"),
    ("https://trello.com/c/x", "demo"),
])
def test_plain_https_links_of_the_source_are_opened(url: str, source: str) -> None:
    assert safe_url(url, source) == url


@pytest.mark.parametrize(("url", "source", "why"), [
    ("--remote-debugging-port=9222 file:///etc/shadow", "trello", "spaces"),
    ("file:///etc/shadow", "trello", "only https"),
    ("http://trello.com/c/x", "trello", "only https"),
    ("https://trello.com.evil.example/c/x", "trello", "points at trello.com.evil.example"),
    ("https://evil.example/?t.me", "telegram", "points at evil.example"),
    ("https://user:pw@trello.com/c/x", "trello", "login or a port"),
    ("https://trello.com:8443/c/x", "trello", "login or a port"),
    ("https://trello.com/c/x\x1b]52;c;AAAA\x07", "trello", "control characters"),
    ("javascript:alert(1)", "telegram", "only https"),
    ("https://t.me/x", "email", "no web link"),
    ("https://[::1/x", "trello", "not a valid URL"),
])
def test_everything_else_is_refused_with_the_reason(url: str, source: str, why: str) -> None:
    assert safe_url(url, source) is None
    assert why in refuse_reason(url, source)


async def test_o_opens_only_a_safe_link(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    app = InscopeApp(ws, sync=False)
    opened: list[str] = []
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await settle(pilot)
        tid = app.inbox.selected_id
        store = ws.store()
        store.conn.execute("UPDATE threads SET url = ? WHERE id = ?",
                           ("--remote-debugging-port=9222 file:///etc/shadow", tid))
        app.inbox_screen.request_rebuild([tid])  # type: ignore[list-item]
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert opened == []
        store.conn.execute("UPDATE threads SET url = ? WHERE id = ?", ("https://t.me/c/1234/5", tid))
        app.inbox_screen.request_rebuild([tid])  # type: ignore[list-item]
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert opened == ["https://t.me/c/1234/5"]
        store.close()
