"""How a notice reaches the desktop: the terminal (OSC 9 / 777 / 99), notify-send, the bell.

:func:`plan` decides, from ``[notify] method`` and the environment, what one notice turns
into — bytes for the terminal, a command to run, the bell, or nothing — as a
:class:`Delivery`; the front end carries it out (the TUI writes terminal bytes through its
Textual driver, ``inscope sync`` to its own terminal; a command is started with
:func:`start_command`).  ``method = "auto"``:

1. a terminal known to show desktop notifications for an escape sequence: kitty (OSC 99),
   iTerm2, WezTerm and Ghostty (OSC 9), foot (OSC 777);
2. else ``notify-send`` when it is on ``PATH`` and a desktop session is there;
3. else the terminal bell.

Inside tmux (``$TMUX``) a terminal sequence is wrapped for passthrough
(``ESC P tmux; … ESC \\``, every ESC doubled), which tmux 3.3+ forwards with
``set -g allow-passthrough on``.

**Client text never reaches an escape sequence as it is.**  Titles and bodies are
``one_line``-d and then stripped of every C0/C1 control character (ESC, BEL, ST …), so they
cannot end the sequence or start another; OSC 777 separates fields with ``;``, so ``;`` is
replaced there; OSC 99 carries the text base64-encoded; OSC 9 text is prefixed so that it
never reads as one of ConEmu's numbered OSC 9 commands.  notify-send gets plain argv (no
shell) with ``& < >`` escaped, since notification servers read the body as markup.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from inscope.text import one_line

Method = Literal["auto", "osc9", "osc777", "osc99", "notify-send", "bell", "none"]
METHODS: tuple[Method, ...] = ("auto", "osc9", "osc777", "osc99", "notify-send", "bell", "none")

APP_NAME = "inscope"

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Terminals that show a desktop notification for an escape sequence (TERM_PROGRAM values).
_OSC9_PROGRAMS = frozenset({"iTerm.app", "WezTerm", "ghostty"})


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one notice becomes: ``terminal`` bytes to write, a ``command`` to start, the
    ``bell``, or ``none``; ``method`` says which channel was chosen."""

    kind: Literal["terminal", "command", "bell", "none"]
    method: Method
    data: str = ""
    argv: tuple[str, ...] = ()


def clean(text: str, limit: int = 240) -> str:
    """One line of ``text`` without any control character, at most ``limit`` characters."""
    return _CONTROLS.sub("", one_line(text, limit * 2))[:limit]


def osc9(title: str, body: str) -> str:
    """iTerm2 / WezTerm / Ghostty: ``ESC ] 9 ; text BEL``."""
    text = f"{APP_NAME}: {clean(title, 80)}" + (f" — {clean(body)}" if body else "")
    return f"{ESC}]9;{text}{BEL}"


def osc777(title: str, body: str) -> str:
    """foot, Ghostty, WezTerm, rxvt's notify: ``ESC ] 777 ; notify ; title ; body BEL``."""
    t = clean(title, 80).replace(";", ",")
    b = clean(body).replace(";", ",")
    return f"{ESC}]777;notify;{t};{b}{BEL}"


def osc99(title: str, body: str, ident: str = "inscope") -> str:
    """kitty's desktop notifications: title and body as two base64 chunks of one id."""
    ident = re.sub(r"[^A-Za-z0-9_.-]", "", ident)[:32] or "inscope"

    def b64(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    head = f"{ESC}]99;i={ident}:d=0:e=1;{b64(clean(title, 80))}{ST}"
    return head + f"{ESC}]99;i={ident}:d=1:p=body:e=1;{b64(clean(body))}{ST}"


def tmux_wrap(seq: str) -> str:
    """``seq`` for tmux's passthrough: ``ESC P tmux ;`` + ``seq`` with ESC doubled + ``ESC \\``."""
    return f"{ESC}Ptmux;" + seq.replace(ESC, ESC + ESC) + ST


def _markup_safe(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notify_send_argv(title: str, body: str) -> tuple[str, ...]:
    """The ``notify-send`` command line (argv, no shell); the body's markup escaped."""
    return ("notify-send", f"--app-name={APP_NAME}", "--", clean(title, 80) or APP_NAME,
            _markup_safe(clean(body)))


def _desktop_session(env: Mapping[str, str]) -> bool:
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("DBUS_SESSION_BUS_ADDRESS"))


def detect(env: Mapping[str, str], which: Callable[[str], str | None] = shutil.which) -> Method:
    """What ``method = "auto"`` means in this environment (see the module's docstring)."""
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "")
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return "osc99"
    if program in _OSC9_PROGRAMS or env.get("LC_TERMINAL") == "iTerm2" or env.get("WEZTERM_PANE"):
        return "osc9"
    if term.startswith("foot"):
        return "osc777"
    if which("notify-send") and _desktop_session(env):
        return "notify-send"
    return "bell"


def plan(title: str, body: str, method: Method = "auto", env: Mapping[str, str] | None = None,
         which: Callable[[str], str | None] = shutil.which) -> Delivery:
    """The delivery of one notice by ``method`` (``auto``: :func:`detect`)."""
    env = os.environ if env is None else env
    chosen = detect(env, which) if method == "auto" else method
    if chosen == "none":
        return Delivery("none", chosen)
    if chosen == "bell":
        return Delivery("bell", chosen, BEL)
    if chosen == "notify-send":
        return Delivery("command", chosen, argv=notify_send_argv(title, body))
    seq = {"osc9": osc9, "osc777": osc777, "osc99": osc99}[chosen](title, body)
    if env.get("TMUX"):
        seq = tmux_wrap(seq)
    return Delivery("terminal", chosen, seq)


def start_command(argv: tuple[str, ...]) -> str:
    """Start a notification command without waiting for it; ``""`` or why it could not run."""
    try:
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as e:
        return f"{argv[0]}: {e.strerror or e}"
    return ""
