"""The child process of the crash tests: open a Store, build the connectors, sync.

    python -m tests.reliability.runner SPEC.json DB_PATH [--until-done]

``SPEC.json`` names the accounts (kind + non-secret options, e.g. the sandbox URLs the
parent started).  Secrets come in the environment variable ``RELIABILITY_SECRETS``
(JSON ``{account: {name: value}}``) so they never sit in a file or on the command line.

The child prints ``ready`` once the engine is built (imports done, so the parent's
random kill delay measures sync work, not interpreter start-up), one ``round …`` line
per sync round and ``done`` when a round changed nothing and nothing is left to send.

``RELIABILITY_KILL_AT=<point>:<n>`` makes the child SIGKILL itself at the n-th time it
reaches a named point, to hit windows too narrow for a random delay:

- ``after_send``   a connector's ``send`` returned (posted remotely), nothing recorded yet;
- ``own_item``     ``record_sent`` committed the row as sent and is about to store our
                   own message in the thread (the second transaction of ``record_sent``);
- ``after_apply``  a batch and its cursor were committed;
- ``after_promote`` scheduled replies whose send time came were committed as queued,
                   nothing sent yet.

Every call of a connector's ``send`` is logged first as ``send-start <outbox key> <epoch>``
(the scheduled-send tests prove from it that nothing went out before its time).  Rows held
for later (``scheduled``) count as work left: the child waits for them, polling.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connectors.base import Connector, Item, Outgoing, SendResult, SourceContext
from connectors.registry import REGISTRY
from inscope.store import Store
from inscope.sync import Hooks, SyncEngine

MAX_ROUNDS = 300


def _project_of(it: Item) -> str:
    """Every item goes to one project named after its account (routing is not under test)."""
    return f"P-{it.account}"


def _role_of(it: Item) -> str:
    return "me" if it.author.is_me else "client"


class _KillSwitch:
    """SIGKILL this process the n-th time ``point`` is reached (no cleanup, like a power cut)."""

    def __init__(self, spec: str) -> None:
        point, _, n = spec.partition(":")
        self.point = point
        self.left = int(n or 1)

    def hit(self, point: str) -> None:
        if point != self.point:
            return
        self.left -= 1
        if self.left <= 0:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)


def _wrap_send(conn: Connector, kill: _KillSwitch | None) -> None:
    original = conn.send

    async def send(out: Outgoing) -> SendResult:
        print(f"send-start {out.key} {time.time():.6f}", flush=True)
        res = await original(out)
        if kill is not None:
            kill.hit("after_send")
        return res

    conn.send = send  # type: ignore[method-assign]


def _wrap_store(store: Store, kill: _KillSwitch) -> None:
    original = store.apply_batch

    def apply_batch(account: str, items: Sequence[Item], cursor: str | None, **kw: Any) -> Any:
        if kw.get("move_cursor", True) is False:
            kill.hit("own_item")  # record_sent storing our message through apply_batch
        res = original(account, items, cursor, **kw)
        kill.hit("after_apply")
        return res

    store.apply_batch = apply_batch  # type: ignore[method-assign]
    promote = store.outbox_promote

    def outbox_promote(now: float) -> list[int]:
        ids = promote(now)
        if ids:
            kill.hit("after_promote")
        return ids

    store.outbox_promote = outbox_promote  # type: ignore[method-assign]
    inner = getattr(store, "_apply", None)
    if inner is not None:
        # record_sent may store our message through the inner, transaction-less _apply.
        def _apply(*args: Any, **kw: Any) -> Any:
            if kw.get("move_cursor", True) is False:
                kill.hit("own_item")
            return inner(*args, **kw)

        store._apply = _apply  # type: ignore[method-assign]


def build_connectors(spec: dict[str, Any], secrets: dict[str, dict[str, str]]) -> dict[str, Connector]:
    """Connectors from the spec, through each module's ``build(SourceContext)``."""
    import importlib

    out: dict[str, Connector] = {}
    others = {a["name"]: {"kind": a["kind"], **a["options"]} for a in spec["accounts"]}
    for acc in spec["accounts"]:
        mine = secrets.get(acc["name"], {})
        ctx = SourceContext(
            account=acc["name"], kind=acc["kind"], options=dict(acc["options"]), secret=mine.get,
            me_name=spec.get("me_name", "Me"), me_handles=tuple(spec.get("me_handles", ())),
            me_emails=tuple(spec.get("me_emails", ())), signature="",
            other_accounts=others,
            other_secret=lambda a, n: secrets.get(a, {}).get(n),
        )
        out[acc["name"]] = importlib.import_module(REGISTRY[acc["kind"]]).build(ctx)
    return out


async def run(spec: dict[str, Any], db: Path, until_done: bool) -> int:
    secrets: dict[str, dict[str, str]] = json.loads(os.environ.get("RELIABILITY_SECRETS", "{}"))
    store = Store(db)
    conns = build_connectors(spec, secrets)
    kill_spec = os.environ.get("RELIABILITY_KILL_AT", "")
    kill = _KillSwitch(kill_spec) if kill_spec else None
    for c in conns.values():
        _wrap_send(c, kill)
    if kill is not None:
        _wrap_store(store, kill)
    engine = SyncEngine(store, conns, Hooks(_project_of, _role_of, lambda: None))
    print("ready", flush=True)
    try:
        for i in range(MAX_ROUNDS):
            report = await engine.sync_all()
            pending = store.outbox(("queued", "sending"))
            held = store.outbox(("scheduled",))
            print(f"round {i} inserted={report.inserted} updated={report.updated} sent={report.sent} "
                  f"unknown={report.unknown} errors={sorted(report.errors)} pending={len(pending)} "
                  f"scheduled={len(held)}", flush=True)
            if not until_done:
                continue
            if not report.changed and not report.errors and not pending and not held:
                print("done", flush=True)
                return 0
            if held and not pending:
                await asyncio.sleep(0.05)  # waiting for a send time: poll, do not spin
            # The backoff itself is tested elsewhere: here every round retries at once.
            for st in engine.status.values():
                st.next_try = 0.0
            if pending:
                store.conn.execute("UPDATE outbox SET not_before = 0 WHERE state = 'queued'")
                engine._reconciled = False  # rows left in `sending` are reconciled again
        print("not converged", flush=True)
        return 3
    finally:
        await engine.aclose()
        store.close()


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    return asyncio.run(run(spec, Path(argv[1]), "--until-done" in argv[2:]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
