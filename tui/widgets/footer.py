"""The key footer: Textual's ``Footer``, recomposed only when what it shows changes.

The stock ``Footer`` (Textual 8.2.8) throws away and re-mounts one ``FooterKey`` widget per
binding every time the screen's bindings are updated, which happens on every focus change
(``enter`` focuses the detail pane, ``esc`` the list, ``/`` the search box) and after every
action.  That costs 30–60 ms of UI-thread CPU per key (mounting, CSS matching, first render)
although the keys on show are usually the same: the bindings that differ between the list and
the detail pane are all ``show=False``.

It also leaks: every ``FooterKey`` is ``data_bind``-ed to ``Footer.compact``, which appends a
(widget, setter) watcher to the footer that is only pruned when ``compact`` changes — never,
here.  Each recompose left ~15 dead widgets (and their styles, caches and strips) reachable,
so RSS grew by tens of MB over a session and every full garbage collection had more to scan
(the 100–480 ms pauses seen as enter / e / ``/`` p95s in the benchmark).

``KeyFooter`` looks the same and behaves the same, but (1) recomposes only when the shown
keys (key, label, description, enabled, tooltip) differ from the ones on screen, and (2) drops
the watchers of widgets that are no longer mounted each time it does recompose.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from inscope.i18n import _

Signature = tuple[tuple[object, ...], ...]


class KeyFooter(Footer):
    """A ``Footer`` that skips no-op recomposes and does not leak its keys."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: Signature | None = None

    def _signature(self, screen: Screen[Any]) -> Signature:
        """What ``compose`` would draw for ``screen``'s active bindings (cheap: no widgets)."""
        app = self.app
        shown: list[tuple[object, ...]] = []
        for _node, binding, enabled, tooltip in screen.active_bindings.values():
            if binding.show or binding.action == "command_palette":
                shown.append((binding.key, app.get_key_display(binding), binding.description,
                               binding.action, binding.group, enabled, tooltip))
        return (tuple(shown), (self.show_command_palette, app.ENABLE_COMMAND_PALETTE))

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Recompose only if the keys on show would change (see the module docstring)."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if not (self.is_attached and screen is self.screen):
            return
        signature = self._signature(screen)
        if signature == self._shown:
            return
        self._shown = signature
        self.call_after_refresh(self.recompose)

    def compose(self) -> ComposeResult:
        """Prune the watchers of removed keys, then compose as the stock footer does."""
        self._prune_watchers()
        if self._bindings_ready and self.is_attached:
            # A compose that is not triggered by bindings_changed (the first one, a
            # recompose after a keymap change) must also count as "what is on screen".
            self._shown = self._signature(self.screen)
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Bindings carry English msgids (they are made at import, before the
                # language is known); the footer says them in the interface language.
                widget.description = _(widget.description)
                if isinstance(widget.tooltip, str) and widget.tooltip:
                    widget.tooltip = _(widget.tooltip)
            yield widget

    def _prune_watchers(self) -> None:
        """Forget ``compact`` watchers whose widget has been removed (Textual keeps them)."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for name, entries in watchers.items():
            live = [(node, cb) for node, cb in entries
                    if node is self or (not node._closing and not node._closed and node.is_attached)]
            if len(live) != len(entries):
                watchers[name] = live
