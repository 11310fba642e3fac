"""The priority picker: urgent / high / normal / low."""

from __future__ import annotations

from inscope.model import Priority
from tui.screens.picker import PickerScreen


class PriorityPicker(PickerScreen[Priority]):
    """Set a thread's priority by hand (sticks until the next client message)."""

    def __init__(self, current: Priority | None, count: int = 1) -> None:
        what = "thread" if count == 1 else f"{count} threads"
        super().__init__(
            f"Priority of {what}",
            [(p.label, p) for p in Priority],
            initial=int(current) if current is not None else int(Priority.NORMAL),
        )
