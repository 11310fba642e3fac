"""The one exception the store raises when it refuses an operation."""

from __future__ import annotations


class StoreError(RuntimeError):
    """A store operation was refused (unknown thread, bad state transition …)."""
