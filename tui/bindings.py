"""Textual ``Binding``s from the key table (``inscope.keys``): no screen declares its own keys.

Every ``BINDINGS`` of the TUI is ``bindings_for(context)``, so a key, its label, its help
and its keymap id are written once, in ``inscope.keys.COMMANDS``, and the help screen and
docs/keys.md read the same table.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from inscope.keys import Command, commands_in


def binding(cmd: Command) -> Binding:
    """One command as a Textual ``Binding`` (its help text is the tooltip)."""
    return Binding(cmd.keys, cmd.action, cmd.description, show=cmd.show,
                   key_display=cmd.key_display, priority=cmd.priority, id=cmd.id,
                   tooltip=cmd.help)


def bindings_for(context: str) -> list[BindingType]:
    """The bindings of one context of the table, in table order (footer order)."""
    return [binding(c) for c in commands_in(context)]
