"""A one-line text editor as plain state: the value, the cursor, and the edits (no Textual).

The search prompt (``tui.widgets.title.TitleLine``) is drawn in the list's title row and the
list keeps the focus while it is open (in Textual a focus change repaints the whole screen);
the inbox screen feeds it the keys, this module says what they do.
"""

from __future__ import annotations

from dataclasses import dataclass

from inscope.text import one_line

# Key names (Textual's) → the edit they make; the same keys as Textual's ``Input``, so a
# keymap that worked around the old search box still works.  Printable characters are
# inserted; any other key is left to the bindings.
EDIT_KEYS = {
    "backspace": "backspace", "delete": "delete", "ctrl+d": "delete",
    "left": "left", "right": "right", "home": "home", "ctrl+a": "home", "end": "end", "ctrl+e": "end",
    "ctrl+u": "kill_start", "ctrl+k": "kill_end", "ctrl+w": "kill_word",
}


@dataclass
class LineEdit:
    """The text typed so far and where the cursor is (0 … len(value))."""

    value: str = ""
    cursor: int = -1  # -1: at the end (set in __post_init__)

    def __post_init__(self) -> None:
        if not 0 <= self.cursor <= len(self.value):
            self.cursor = len(self.value)

    def key(self, key: str, character: str | None, printable: bool) -> bool:
        """Apply one key; False if it is not an editing key (the caller's bindings get it)."""
        edit = EDIT_KEYS.get(key)
        if edit is not None:
            getattr(self, edit)()
            return True
        if printable and character:
            self.insert(character)
            return True
        return False

    def insert(self, text: str) -> None:
        """Insert at the cursor (pasted text becomes one line, without control characters)."""
        text = one_line(text, 10_000) if ("\n" in text or not text.isprintable()) else text
        self.value = self.value[:self.cursor] + text + self.value[self.cursor:]
        self.cursor += len(text)

    def backspace(self) -> None:
        if self.cursor:
            self.value = self.value[:self.cursor - 1] + self.value[self.cursor:]
            self.cursor -= 1

    def delete(self) -> None:
        self.value = self.value[:self.cursor] + self.value[self.cursor + 1:]

    def left(self) -> None:
        self.cursor = max(0, self.cursor - 1)

    def right(self) -> None:
        self.cursor = min(len(self.value), self.cursor + 1)

    def home(self) -> None:
        self.cursor = 0

    def end(self) -> None:
        self.cursor = len(self.value)

    def kill_start(self) -> None:
        self.value, self.cursor = self.value[self.cursor:], 0

    def kill_end(self) -> None:
        self.value = self.value[:self.cursor]

    def kill_word(self) -> None:
        """Delete the word before the cursor (and the spaces after it)."""
        head = self.value[:self.cursor].rstrip()
        cut = head.rfind(" ") + 1
        self.value = self.value[:cut] + self.value[self.cursor:]
        self.cursor = cut
