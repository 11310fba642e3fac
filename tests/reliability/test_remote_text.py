"""What servers answer is data: no terminal escape and no token prefix reaches the terminal.

A hostile server (real HTTP on loopback) answers every request with an error page full
of OSC 52 clipboard writes, OSC 0 title changes and CSI 2J, and one that echoes the API
token right across the 200-character cut of error bodies.  ``sync``, ``doctor`` and
``outbox`` print the error — on stdout and through logging on stderr — with neither.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from connectors.base import SourceError
from connectors.trello.transport import TrelloApi
from sandbox.server import ServerThread
from tests.reliability.world import REPO

HOSTILE = ("\x1b]52;c;ZXZpbCBjbGlwYm9hcmQ=\x07\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x1b[0m "
           "\x9b31m eight-bit CSI \x1b]8;;http://evil.example\x07link\x1b]8;;\x07")
TOKEN = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
KEY = "key-00112233445566778899"


def _windows(secret: str, n: int = 8) -> list[str]:
    return [secret[i:i + n] for i in range(len(secret) - n + 1)]


async def test_a_token_across_the_cut_of_an_error_body_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text="x" * 185 + TOKEN + " was refused")  # straddles char 200

    api = TrelloApi("trello", KEY, TOKEN, {"api_base": "https://api.trello.com/1"},
                    transport=httpx.MockTransport(handler))
    with pytest.raises(SourceError) as e:
        await api.get("/members/me")
    await api.aclose()
    text = str(e.value)
    assert not any(w in text for w in _windows(TOKEN)), text


@pytest.fixture
def hostile() -> Iterator[str]:
    async def anything(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"Bad request {HOSTILE} for {TOKEN}", status_code=400)

    app = Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST", "PUT", "DELETE"])])
    with ServerThread(app) as srv:
        yield srv.url


@pytest.fixture
def home(tmp_path: Path, hostile: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'[[accounts]]\nname = "trello"\nkind = "trello"\napi_base = "{hostile}/1"\n', encoding="utf-8")
    monkeypatch.setenv("INSCOPE_HOME", str(home))
    monkeypatch.setenv("INSCOPE_TRELLO_KEY", KEY)
    monkeypatch.setenv("INSCOPE_TRELLO_TOKEN", TOKEN)
    return home


@pytest.mark.parametrize("command", [["sync", "--once"], ["doctor"], ["outbox"]])
def test_the_cli_prints_server_errors_without_escapes_or_tokens(home: Path, command: list[str]) -> None:
    # A real child process: stderr is what the terminal gets (no test harness capturing logs).
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "inscope.cli", *args], cwd=REPO,
                              env=dict(os.environ), capture_output=True, text=True, timeout=60)

    if command == ["outbox"]:
        assert run("sync", "--once").returncode == 1  # puts the hostile error in the account status
    res = run(*command)
    for stream in (res.stdout, res.stderr):
        assert "\x1b" not in stream and "\x9b" not in stream and "\x07" not in stream, stream
        assert not any(w in stream for w in _windows(TOKEN)), stream
        assert "Traceback" not in stream
    if command != ["outbox"]:
        assert "Bad request" in res.stdout  # the error is shown, only defanged


def test_logging_sanitizes_what_it_writes(capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    from connectors.base import register_secret
    from inscope.logs import setup

    register_secret(TOKEN)
    setup()
    logging.getLogger("connectors.trello").warning("server said %s (token %s)", HOSTILE, TOKEN)
    err = capfd.readouterr().err
    assert "server said" in err and "\x1b" not in err and "\x9b" not in err and TOKEN not in err
