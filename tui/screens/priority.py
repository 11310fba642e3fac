"""The priority picker: urgent / high / normal / low."""

from __future__ import annotations

from inscope.i18n import ngettext
from inscope.i18n.labels import PRIORITY, label
from inscope.model import Priority
from tui.screens.picker import PickerScreen


class PriorityPicker(PickerScreen[Priority]):
    """Set a thread's priority by hand (sticks until the next client message)."""

    def __init__(self, current: Priority | None, count: int = 1) -> None:
        super().__init__(
            ngettext("Priority of thread", "Priority of {n} threads", count).format(n=count),
            [(label(PRIORITY, p.label), p) for p in Priority],
            initial=int(current) if current is not None else int(Priority.NORMAL),
        )
