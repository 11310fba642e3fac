"""Notifications in the TUI: the in-app toast, and the desktop while the terminal is elsewhere.

The app hands every alert (urgent threads a client just wrote in, follow-ups back
unanswered — ``inscope.alerts``) to :class:`TuiNotifier`, which groups and rate-limits them
(``inscope.notifier.Notifier``, ``[notify] interval``) and shows each notice

- as a toast, always (markup off: client text is data);
- and, only while the app does not have the focus (Textual's ``AppBlur`` / ``AppFocus``,
  which the terminal reports; ``App.app_focus``), on the desktop: the terminal sequence is
  written through the app's driver (tmux passthrough and the method as ``inscope.desktop``
  decides), or ``notify-send`` is started, or the bell rings — and, with
  ``[notify] saved_messages``, queued for her own Telegram "Saved Messages".

Held alerts go out when the interval has passed (a timer), grouped as one notice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from inscope.alerts import Alert, Notice
from inscope.notifier import Notifier

if TYPE_CHECKING:
    from textual.timer import Timer

    from tui.app import InscopeApp

TOAST = "{title}: {body}"
TOAST_SECONDS = 30.0


class TuiNotifier:
    """The app's notices: toast always, desktop (and Saved Messages) only while blurred."""

    def __init__(self, app: InscopeApp, *, clock: Callable[[], float]) -> None:
        self.app = app
        self.clock = clock
        self.core = Notifier(app.ws.config.notify)
        # Where terminal bytes go: the app's driver (tests put a list's append here).
        self.write: Callable[[str], None] | None = self._driver_write
        self.shown: list[tuple[Notice, bool]] = []  # (notice, reached the desktop), newest last
        self._timer: Timer | None = None

    def _driver_write(self, data: str) -> None:
        driver = getattr(self.app, "_driver", None)
        if driver is not None and not self.app.is_headless:
            driver.write(data)

    def alerts(self, alerts: Iterable[Alert]) -> None:
        """New alerts: a notice now if the interval allows, else grouped for later."""
        notice = self.core.offer(alerts, self.clock())
        if notice is not None:
            self.show(notice)
        self._arm()

    def _arm(self) -> None:
        due = self.core.due_at
        if due is None or self._timer is not None:
            return
        self._timer = self.app.set_timer(max(0.1, due - self.clock()), self._flush)

    def _flush(self) -> None:
        self._timer = None
        notice = self.core.flush(self.clock())
        if notice is not None:
            self.show(notice)
        self._arm()

    def show(self, notice: Notice) -> None:
        """The toast, and — while the app is not focused — the desktop and Saved Messages."""
        self.app.notify(TOAST.format(title=notice.title, body=notice.body), severity="warning",
                        timeout=TOAST_SECONDS, markup=False)
        away = not self.app.app_focus
        self.shown.append((notice, away))
        if not away:
            return
        self.core.deliver(notice, self.write)
        if self.app.ws.config.notify.saved_messages:
            self.app.run_worker(self._to_saved(notice), group="notify", exit_on_error=False)

    async def _to_saved(self, notice: Notice) -> None:
        """Queue the notice for Saved Messages (the action layer), then wake the sync loop."""
        ws, clock = self.app.ws, self.clock

        def queue(s: Any) -> object:
            return ws.actions(s, now=clock).send_to_saved(notice)

        if await self.app.db.run(queue) is not None:
            self.app.action_sync_now()
