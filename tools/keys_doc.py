"""Write docs/keys.md from the key table (``inscope.keys``): ``python -m tools.keys_doc``.

The page is generated so it cannot drift from the keys the app has; a test fails when the
file differs from what this writes.  ``--check`` only compares (exit 1 when it differs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inscope.keys import CONTEXTS, Command, commands_in, key_label

DOC = Path(__file__).resolve().parents[1] / "docs" / "keys.md"

INTRO = """\
# Keys

<!-- Generated from inscope/keys.py by `python -m tools.keys_doc`; edit the table there. -->

Every key of the inscope TUI, with the **binding id** you use to remap it. The same list is
shown in the app with `?` (it is built from the same table and shows your remaps).

## Remapping

In `config.toml`:

```toml
[keymap]
"thread.done" = "d"          # e → d
"inbox.next" = "j,down,n"    # several keys: comma-separated
"app.quit" = "Q"
```

Keys use Textual's names: letters (`a`, `J` for shift+j), `ctrl+x`, `shift+tab`, `enter`,
`escape`, `slash`, `question_mark`, `exclamation_mark`, `pagedown` … A remapped binding loses
its default keys. Tip: set `ESCDELAY=10` in your shell so a bare `esc` is seen in 10 ms
instead of 100 ms.

The keymap is checked when the config loads (`inscope doctor`, every command and the TUI
refuse it the same way):

- an unknown id is an error with the closest id as a suggestion
  (`keymap.thread.dnoe: unknown binding id (did you mean 'thread.done'?)`);
- a key may mean one command per context: `"thread.done" = "q"` is refused because `q` is
  `app.quit`'s key in the inbox (remap `app.quit` too, and it is fine). The keys under
  *Everywhere* are taken in every context. One key in two contexts is fine (`j` moves the
  sidebar cursor when the sidebar has the focus);
- every remap needs at least one key (so `app.quit` always keeps one), and `app.force_quit`
  keeps `ctrl+q`: it quits from any screen whatever the keymap says.
"""


def _keys(cmd: Command) -> str:
    return ", ".join(f"`{key_label(k)}`" for k in cmd.key_list)


def render() -> str:
    """The whole page: the prose above, then one table per context of the key table."""
    parts = [INTRO]
    for ctx in CONTEXTS:
        parts.append(f"\n## {ctx.title}\n\n{ctx.where}.\n\n")
        parts.append("| keys | binding id | action | footer |\n|---|---|---|---|\n")
        for cmd in commands_in(ctx.id):
            help_text = cmd.help.replace("|", "\\|")
            parts.append(f"| {_keys(cmd)} | `{cmd.id}` | {help_text} | "
                         f"{cmd.description if cmd.show else ''} |\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Write docs/keys.md (or, with ``--check``, say whether it is up to date)."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--check", action="store_true", help="compare only; exit 1 when it differs")
    a = p.parse_args(argv)
    text = render()
    if a.check:
        same = DOC.read_text(encoding="utf-8") == text if DOC.exists() else False
        print(f"{DOC}: {'up to date' if same else 'differs; run python -m tools.keys_doc'}")
        return 0 if same else 1
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
