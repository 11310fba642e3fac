"""Worker processes for CPU work during a backfill: how they start, and how they end.

Shared by the e-mail parse pool (``connectors.email.pool``) and the core's triage pool
(``inscope.store.workers``): both fork workers that run one pure function on data
handed to them, and both must not outlive the program that started them.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

__all__ = ["ORPHAN_CHECK_S", "can_fork", "start_context", "watch_parent"]

ORPHAN_CHECK_S = 0.5
"""How often a worker looks whether the process that started it is still there."""


def can_fork() -> bool:
    """Whether workers can be forked here (they then inherit what the parent loaded)."""
    return "fork" in multiprocessing.get_all_start_methods()


def start_context() -> multiprocessing.context.BaseContext:
    """How workers start: forked where the platform can, else spawned.

    A forked worker starts in milliseconds with the parent's modules and memo caches
    already loaded, and it never re-imports the program's main module (a spawned one
    does).  It only unpickles data, runs a pure function and pickles the result — it
    takes no lock that one of the parent's other threads (the UI's) could have held at
    the fork.
    """
    return multiprocessing.get_context("fork" if can_fork() else "spawn")


def watch_parent() -> None:
    """Worker initializer: exit as soon as the parent is gone (killed with -9, say).

    A worker blocked on its task queue never sees the parent die (it holds both ends of
    the queue's pipe), so without this it would outlive the program."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="worker-orphan-check", daemon=True).start()
