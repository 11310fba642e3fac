"""What runs beside a workspace and stops with it — and the demo, reached by name only.

The demo (a generated world behind local fakes of Trello, Telegram and e-mail)
is an optional part of the install: the ``demo`` extra brings the servers'
libraries.  The core never imports it; ``Workspace.open(demo=True)`` loads the
module named :data:`DEMO_MODULE` and calls the two functions of :class:`Demo`.
When it or its libraries are not installed that is :class:`DemoUnavailable`,
one clear line for the CLI.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from inscope.i18n import N_, _

if TYPE_CHECKING:
    from inscope.config import Config

DEMO_MODULE = "sandbox.demo"
DEMO_MISSING = N_("the demo needs its local servers: pip install 'inscope[demo]'")
DEMO_WITH_CONFIG = N_("--config cannot be used with --demo: the demo always uses its own config "
                      "in its own directory, and never writes over a file you named")


class Services(Protocol):
    """Something started with a workspace (the demo's local servers); stopped on close."""

    def stop(self) -> None: ...


class Demo(Protocol):
    """The demo module as the workspace calls it."""

    def prepare(self, base: Path, size: int, reset: bool) -> tuple[Path, Path]:
        """Create the demo dir under ``base`` and its own config: (home dir, config path)."""
        ...

    def start(self, home: Path, cfg: Config) -> Services | None:
        """Start what ``cfg``'s accounts talk to; ``None`` when nothing needs to run."""
        ...


class DemoUnavailable(RuntimeError):
    """The demo, or a library its servers need, is not installed."""


@contextmanager
def demo_installed() -> Iterator[None]:
    """Report a module missing while loading or starting the demo as :class:`DemoUnavailable`.

    Only a *missing* module: any other import error is a bug and keeps its traceback.
    """
    try:
        yield
    except ModuleNotFoundError as e:
        raise DemoUnavailable(_(DEMO_MISSING)) from e


def load_demo() -> Demo:
    """The demo module, imported by name (call inside :func:`demo_installed`)."""
    return cast(Demo, importlib.import_module(DEMO_MODULE))
