"""The demo: a generated agency world behind local fakes of Trello, Telegram and e-mail.

The core never imports this package: ``inscope --demo`` reaches it by name
(``inscope.workspace.DEMO_MODULE``), and the connector registry names
``sandbox.demo.connector`` for account kind ``demo``.  What the core calls:

- :func:`prepare` — the demo dir under the data dir and its generated config;
- :func:`start` — the local services for that config, its accounts pointed at them.

The modules, for the tests and the benchmarks that build on the demo:

- ``world``     — the deterministic world generator (projects, people, messages);
- ``wire``      — its people and messages as Telegram users and e-mails;
- ``setup``     — the demo dir, its config, the size switch (``GENERATOR_ABOVE``);
- ``services``  — ``DemoServices`` (servers, Maildir, SMTP sink, delivery clock, journal)
  and the sandbox credentials;
- ``connector`` — the in-process connector serving big worlds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from inscope.config import Config
from sandbox.demo.setup import prepare, serves_locally

if TYPE_CHECKING:
    import sandbox.demo as _this
    from inscope.services import Demo
    from sandbox.demo.services import DemoServices

    # mypy checks that this module is what the core's seam expects.
    _seam: Demo = _this

__all__ = ["prepare", "start"]


def start(home: Path, cfg: Config) -> DemoServices | None:
    """Start the services behind ``cfg``'s accounts; ``None`` when the demo connector serves it.

    The services module (and with it the servers' libraries) is imported only here:
    a big demo served in-process does not load them.
    """
    if not serves_locally(cfg):
        return None
    from sandbox.demo.services import DemoServices

    return DemoServices.start(home, cfg)
