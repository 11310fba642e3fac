"""Every key of the TUI as data: one table the front end, the help screen and docs/keys.md use.

Each :class:`Command` is one binding: its id (what ``[keymap]`` in config.toml remaps), its
default keys (Textual key names, comma-separated), the action it runs, a short description
(the footer label), a longer help text (the help screen, docs/keys.md), the context it applies
in and whether the footer shows it.  ``tui/bindings.py`` turns a context's commands into
Textual ``Binding``s, so no screen or widget declares a key of its own.

:func:`check_keymap` is the one check of a user's keymap (the config loader calls it, so the
CLI, ``inscope doctor`` and the TUI refuse the same keymap the same way): every id must
exist, every remap must give at least one key, and one key must not mean two commands in
one context.  Pure data and stdlib only: the core never imports Textual.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

APP_WIDE = "app"
"""The context whose keys work on every screen (a key there is taken in every context)."""

# Ids that docs/keys.md once named although no binding had them → the real id.
DOCUMENTED_BY_MISTAKE = {"app.leave": "app.back"}

# The way out from any screen: a keymap may add keys to it but never drop this one.
FORCE_QUIT_ID = "app.force_quit"
FORCE_QUIT_KEY = "ctrl+q"


@dataclass(frozen=True, slots=True)
class Context:
    """Where a group of keys applies: an id, a title for the help and the docs, and where."""

    id: str
    title: str
    where: str


@dataclass(frozen=True, slots=True)
class Command:
    """One binding: id, default keys, the action it runs, labels, context, footer visibility.

    ``action`` is a Textual action string run on the node that owns the context (the inbox
    screen, the list, a dialog; ``app.…`` runs on the app).  ``key_display`` is how the
    footer writes the default keys (``j/↓``); ``priority`` bindings win over focused widgets.
    """

    id: str
    keys: str
    action: str
    description: str
    help: str
    context: str
    show: bool = False
    key_display: str | None = None
    priority: bool = False

    @property
    def key_list(self) -> list[str]:
        """The default keys, normalized (``"j,down"`` → ``["j", "down"]``)."""
        return split_keys(self.keys)


CONTEXTS: tuple[Context, ...] = (
    Context("inbox", "Inbox", "On the inbox screen, whichever pane has the focus"),
    Context(APP_WIDE, "Everywhere", "On every screen"),
    Context("list", "List", "When the thread list has the focus"),
    Context("sidebar", "Sidebar", "When the views and projects on the left have the focus"),
    Context("detail", "Conversation", "When the conversation pane has the focus (full screen)"),
    Context("composer", "Composer", "While writing a reply"),
    Context("pickers", "Pickers",
            "In the snooze, follow-up, priority and project pickers (1–9 pick directly)"),
    Context("templates", "Template picker",
            "In the composer's template picker: type to filter (fuzzy), enter inserts"),
    Context("fields", "Template fields",
            "When a template asks for what the thread does not know (tab: next field)"),
    Context("escalate", "Escalation dialog", "While writing the note for the account manager"),
    Context("confirm", "Questions", "When a yes / no question is asked"),
    Context("report", "Report", "On the time-per-client report"),
    Context("help", "Help", "On this list of keys"),
)

# Footer order is table order: keep the shown inbox keys in the order they should read.
COMMANDS: tuple[Command, ...] = (
    # -- inbox --------------------------------------------------------------------------------
    Command("inbox.next", "j,down", "move(1)", "Next",
            "Next thread (group headers are skipped)", "inbox", show=True, key_display="j/↓"),
    Command("inbox.prev", "k,up", "move(-1)", "Prev",
            "Previous thread", "inbox", show=True, key_display="k/↑"),
    Command("inbox.next_project", "J", "project(1)", "Next project",
            "First thread of the next project group", "inbox"),
    Command("inbox.prev_project", "K", "project(-1)", "Prev project",
            "First thread of the previous project group", "inbox"),
    Command("thread.open", "enter", "open_thread", "Open",
            "Open the conversation in the detail pane (the list keeps the focus, so j / k go on "
            "through threads); again: read it full screen (↓ / ↑, space, pgup / pgdn, home / end "
            "scroll; esc back)", "inbox", show=True),
    Command("thread.page", "space", "page_detail", "Page conversation",
            "Page the open conversation down without leaving the list", "inbox"),
    Command("thread.browser", "o", "open_original", "Original",
            "Open the original card / chat / mail in the browser", "inbox"),
    Command("thread.reply", "r", "reply", "Reply",
            "Reply: the composer, prefilled with the saved draft (ctrl+s queues it, esc keeps "
            "the draft)", "inbox", show=True),
    Command("thread.done", "e", "done", "Done",
            "Done (every thread selected with x, if any)", "inbox", show=True),
    Command("thread.snooze", "h", "snooze", "Snooze",
            "Snooze: 1 hour, next window, tomorrow 9:00, until the client replies, until the "
            "project is active, custom (1–6 pick directly)", "inbox", show=True),
    Command("thread.escalate", "exclamation_mark", "escalate", "Escalate",
            "Escalate to the project's account manager with a note", "inbox", show=True,
            key_display="!"),
    Command("thread.followup", "f", "followup", "Follow-up",
            "Waiting on the client: after my reply, bring the thread back if they have not "
            "answered in 1 / 2 windows, 1 / 3 / 7 days or a time you type; it leaves the Inbox "
            "(Snoozed, with its wake time) and returns saying \"no answer since …\" — a client "
            "message ends it", "inbox"),
    Command("thread.priority", "p", "priority", "Priority",
            "Set the priority: urgent / high / normal / low (1–4); it sticks until the client's "
            "next message", "inbox"),
    Command("thread.relevance", "m", "relevance", "Mine?",
            "Mine / not mine: correct whose the thread is (it sticks across new messages, z "
            "undoes it, and similar threads learn from it)", "inbox"),
    Command("thread.assign", "a", "assign", "Assign project",
            "Assign the thread to a project (threads from unmapped chats, boards or domains "
            "land in Unsorted); later messages of the same conversation follow it", "inbox"),
    Command("thread.resolve", "u", "resolve", "Resolve",
            "Resolve the escalation by hand (the AM answered elsewhere): the thread leaves "
            "Escalated and is open again. An AM message in the thread resolves it by itself",
            "inbox"),
    Command("inbox.peek_held", "w", "peek_held", "Peek held",
            "Outside a reply window: show / hide the threads held until the next window (the "
            "title and the header count them: \"7 held until 17:00\")", "inbox"),
    Command("app.report", "R", "report", "Report",
            "Time per client: messages, replies, response time, time spent, escalations (the "
            "same numbers as inscope report)", "inbox"),
    Command("thread.select", "x", "select", "Select",
            "Select for bulk done / snooze / escalate (and move on)", "inbox"),
    Command("app.undo", "z", "undo", "Undo",
            "Undo the last action (a reply already sent cannot be taken back)", "inbox",
            show=True),
    Command("app.search", "slash", "search", "Search",
            "Search message text; esc leaves the results", "inbox", show=True, key_display="/"),
    Command("app.help", "question_mark", "help", "Help",
            "Every key with its binding id, as remapped by your keymap", "inbox", show=True,
            key_display="?"),
    Command("app.back", "escape", "back", "Back",
            "Leave full screen → the search box → the detail pane → search results → the "
            "selection", "inbox"),
    Command("app.quit", "q", "app.quit", "Quit", "Quit inscope", "inbox", show=True),
    # -- everywhere -----------------------------------------------------------------------------
    Command("app.palette", "ctrl+p", "command_palette", "Palette",
            "Command palette: jump to a view or project, sync now, report, peek at held "
            "threads, resolve the selected escalation, project status, resend unknown replies, "
            "edit / send now / cancel a scheduled reply",
            APP_WIDE),
    Command("app.focus_next", "tab", "focus_next", "Next pane",
            "Sidebar → list → detail", APP_WIDE),
    Command("app.focus_previous", "shift+tab", "focus_previous", "Previous pane",
            "Detail → list → sidebar", APP_WIDE),
    Command(FORCE_QUIT_ID, FORCE_QUIT_KEY, "quit", "Quit",
            "Quit from any screen", APP_WIDE, priority=True),
    # -- the list, the sidebar, the conversation -----------------------------------------------
    Command("list.page_down", "pagedown", "page(1)", "Page down",
            "Move the cursor one page down", "list"),
    Command("list.page_up", "pageup", "page(-1)", "Page up",
            "Move the cursor one page up", "list"),
    Command("list.first", "home,g", "edge(0)", "First", "Go to the first thread", "list"),
    Command("list.last", "end,G", "edge(1)", "Last", "Go to the last thread", "list"),
    Command("sidebar.down", "j", "cursor_down", "Down",
            "Next view or project (enter shows it)", "sidebar"),
    Command("sidebar.up", "k", "cursor_up", "Up",
            "Previous view or project (enter shows it)", "sidebar"),
    Command("detail.page_down", "space", "page_down", "Page down",
            "Scroll the conversation one page down", "detail"),
    # -- dialogs --------------------------------------------------------------------------------
    Command("composer.send", "ctrl+s", "send", "Send",
            "Queue the reply in the outbox; it goes out with the next sync (an unpaid project "
            "warns first: press again). Editing a scheduled reply: send it now", "composer",
            show=True, priority=True),
    Command("composer.send_later", "ctrl+l", "send_later", "At window",
            "Hold the reply and send it when the next reply window opens (the composer says "
            "when; at once while a window is open); it waits in the outbox as scheduled — r on "
            "the thread or the palette edits or cancels it until then", "composer", show=True,
            priority=True),
    Command("composer.send_at", "ctrl+o", "send_at", "At…",
            "Hold the reply until a time you type (\"завтра 11:00\", \"fri 10:00\", \"2h\"); "
            "enter schedules it, esc goes back to the text", "composer", show=True,
            priority=True),
    Command("composer.template", "ctrl+t", "template", "Template",
            "Insert a reply template (fuzzy picker); placeholders are filled from the thread and "
            "what it does not know is asked for", "composer", show=True, priority=True),
    Command("composer.close", "escape", "close", "Keep draft",
            "Close the composer and keep the text as a draft", "composer", show=True,
            priority=True),
    Command("picker.cancel", "escape", "cancel", "Cancel", "Close without choosing", "pickers",
            show=True),
    Command("picker.down", "j", "down", "Down", "Next choice", "pickers"),
    Command("picker.up", "k", "up", "Up", "Previous choice", "pickers"),
    Command("template.down", "down", "down", "Down", "Next template", "templates"),
    Command("template.up", "up", "up", "Up", "Previous template", "templates"),
    Command("template.cancel", "escape", "cancel", "Cancel", "Back to the reply, nothing inserted",
            "templates", show=True),
    Command("fields.cancel", "escape", "cancel", "Cancel", "Back to the reply, nothing inserted",
            "fields", show=True),
    Command("escalate.cancel", "escape", "cancel", "Cancel", "Do not escalate", "escalate",
            show=True),
    Command("confirm.yes", "y,enter", "answer(True)", "Yes", "Confirm", "confirm", show=True),
    Command("confirm.no", "n,escape", "answer(False)", "No", "Cancel", "confirm", show=True),
    Command("report.close", "escape,q", "close", "Close", "Back to the inbox", "report",
            show=True),
    Command("report.period", "t", "period", "Period",
            "This month → last 30 days → all time", "report", show=True),
    Command("help.close", "escape,question_mark,q", "close", "Close", "Close the help", "help",
            show=True),
)

BY_ID: dict[str, Command] = {c.id: c for c in COMMANDS}
CONTEXT_IDS: frozenset[str] = frozenset(c.id for c in CONTEXTS)


def commands_in(context: str) -> list[Command]:
    """The commands of one context, in table order (``KeyError`` for an unknown context)."""
    if context not in CONTEXT_IDS:
        raise KeyError(context)
    return [c for c in COMMANDS if c.context == context]


# -- key names --------------------------------------------------------------------------------

# Textual's names for the characters its Unicode names would spell differently.
_RENAMED = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
            "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}


def normalize_key(key: str) -> str:
    """A key as Textual names it: ``"?"`` → ``"question_mark"``, ``"!"`` → ``"exclamation_mark"``.

    The same rule Textual applies to a keymap (a single non-alphanumeric character becomes its
    Unicode name), so two spellings of one key are seen as one key here too.
    """
    key = key.strip()
    if len(key) == 1 and not key.isalnum():
        try:
            name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            return key
        return _RENAMED.get(name, name)
    return key


def split_keys(keys: str) -> list[str]:
    """``"j, down"`` → ``["j", "down"]``: comma-separated, normalized, empty entries dropped."""
    return [normalize_key(k) for k in keys.split(",") if k.strip()]


_LABELS = {"down": "↓", "up": "↑", "left": "←", "right": "→", "escape": "esc",
           "exclamation_mark": "!", "question_mark": "?", "slash": "/"}


def key_label(key: str) -> str:
    """A key as docs/keys.md writes it (``down`` → ``↓``, ``escape`` → ``esc``)."""
    return _LABELS.get(key, key)


# -- the keymap check -------------------------------------------------------------------------


class KeymapError(ValueError):
    """A ``[keymap]`` entry is wrong; ``binding_id`` is the entry, the message says why."""

    def __init__(self, binding_id: str, message: str) -> None:
        super().__init__(f"keymap.{binding_id}: {message}")
        self.binding_id = binding_id
        self.reason = message


def effective_keys(keymap: Mapping[str, str]) -> dict[str, list[str]]:
    """Binding id → the keys it answers to with ``keymap`` applied (unknown ids ignored)."""
    out: dict[str, list[str]] = {}
    for c in COMMANDS:
        override = keymap.get(c.id)
        out[c.id] = split_keys(override) if override is not None else c.key_list
    return out


def _contexts_of(cmd: Command) -> Iterator[str]:
    """The contexts in which ``cmd``'s keys are taken (an app-wide key is taken in all)."""
    if cmd.context == APP_WIDE:
        yield from (c.id for c in CONTEXTS)
    else:
        yield cmd.context


def check_keymap(keymap: Mapping[str, str]) -> None:
    """Raise :class:`KeymapError` for the first wrong entry of ``keymap`` (binding id → keys).

    Wrong is: an id that is not in the table (with the closest id as a suggestion); no keys
    at all (``app.quit`` must keep one); ``app.force_quit`` without ``ctrl+q``; a key that
    another command of the same context (or an app-wide one) answers to after the remap.
    """
    for bid, keys in keymap.items():
        if bid not in BY_ID:
            close = ([DOCUMENTED_BY_MISTAKE[bid]] if bid in DOCUMENTED_BY_MISTAKE
                     else difflib.get_close_matches(bid, list(BY_ID), n=1))
            hint = (f" (did you mean {close[0]!r}?)" if close
                    else " (press ? in inscope, or see docs/keys.md, for the ids)")
            raise KeymapError(bid, f"unknown binding id{hint}")
        if not split_keys(keys):
            why = " (quitting needs a key; ctrl+q also works)" if bid == "app.quit" else ""
            raise KeymapError(bid, f"no keys given{why}")
        if bid == FORCE_QUIT_ID and FORCE_QUIT_KEY not in split_keys(keys):
            raise KeymapError(bid, f"must keep {FORCE_QUIT_KEY} (the way out of every screen); "
                                   f"add keys after it, e.g. \"{FORCE_QUIT_KEY},ctrl+x\"")
    keys_of = effective_keys(keymap)
    for bid in keymap:
        cmd = BY_ID[bid]
        mine = keys_of[bid]
        for ctx in _contexts_of(cmd):
            for other in COMMANDS:
                if other.id == bid or ctx not in set(_contexts_of(other)):
                    continue
                shared = [k for k in mine if k in keys_of[other.id]]
                if not shared:
                    continue
                if other.id == FORCE_QUIT_ID and shared[0] == FORCE_QUIT_KEY:
                    raise KeymapError(bid, f"{FORCE_QUIT_KEY!r} always quits ({FORCE_QUIT_ID}); "
                                           "pick another key")
                where = next(c.title for c in CONTEXTS if c.id == ctx)
                raise KeymapError(bid, f"{shared[0]!r} is also the key of {other.id} ({where}); "
                                       f"remap {other.id} too or pick another key")
