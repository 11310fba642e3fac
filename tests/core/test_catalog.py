"""The catalog is complete: every user-facing string goes through it, and it is up to date.

(a) Extract from the source tree with Babel's Python API and the mapping ``make i18n`` uses
(babel.cfg): every msgid has a Russian translation that is not fuzzy, with the same
``{placeholders}`` / ``%(names)s`` (all three plural forms for a plural), and the committed
``.mo`` is byte for byte a fresh compile of the ``.po``.

(b) Read the code that writes what a person reads (the TUI, the CLI, the actions, the
rules' header line, the key table) and find string literals in user-facing positions — a
notification, a widget's text, a binding's labels, argparse help, an error raised to the
user, a line printed — that are not inside ``_()`` / ``N_()`` / ``ngettext``.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterator
from gettext import c2py
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "inscope/locale/ru/LC_MESSAGES/inscope.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "Nn_": (1, 2)}


def russian_form(n: int) -> int:
    """The Russian plural form of ``n``: 0 for 1 / 21 / 101, 1 for 2–4 / 22–24, 2 for the
    rest (0, 5–20, 11–14, 25 …)."""
    if n % 10 == 1 and n % 100 != 11:
        return 0
    return 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2


def _method_map() -> list[tuple[str, str]]:
    """babel.cfg's sections, the same mapping ``pybabel extract -F babel.cfg`` reads."""
    out = []
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        m = re.fullmatch(r"\[(\w+):\s*(.+)\]", line.strip())
        if m:
            out.append((m.group(2), m.group(1)))
    return out


def extracted() -> dict[str | tuple[str, str], str | None]:
    """msgid (a pair for plurals) → context, from the source tree."""
    found: dict[str | tuple[str, str], str | None] = {}
    for _file, _line, msg, _comments, context in extract_from_dir(
            str(ROOT), _method_map(), keywords=KEYWORDS):
        key: str | tuple[str, str] = tuple(msg) if isinstance(msg, tuple) else msg  # type: ignore[assignment]
        found[key] = context
    return found


def catalog() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f, locale="ru")


_FIELDS = re.compile(r"\{(\w*)[^{}]*\}|%\((\w+)\)\w|%[sdr]")


def fields(text: str) -> list[str]:
    """The placeholders of a message, sorted (``{oid}``, ``{n:<6}`` → ``n``, ``%(prog)s``)."""
    return sorted(a or b or "%" for a, b in _FIELDS.findall(text.replace("{{", "").replace("}}", "")))


def test_every_msgid_has_a_russian_translation_with_the_same_placeholders() -> None:
    cat = catalog()
    assert cat.num_plurals == 3
    rule = c2py(cat.plural_expr)
    assert [rule(n) for n in range(300)] == [russian_form(n) for n in range(300)]
    missing, wrong = [], []
    for msgid, context in extracted().items():
        entry = cat.get(msgid if isinstance(msgid, str) else msgid[0], context=context)
        if entry is None or entry.fuzzy or not entry.string or (
                isinstance(entry.string, tuple) and not all(entry.string)):
            missing.append(msgid)
            continue
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if isinstance(msgid, tuple):
            assert len(forms) == 3, f"{msgid}: Russian needs three plural forms"
        for form in forms:
            want = fields(msgid[-1] if isinstance(msgid, tuple) else msgid)
            got = fields(str(form))
            # A plural form may leave the number out ("час" for 1), never add a field.
            if not (set(got) <= set(want) and (set(want) - set(got) <= {"n"})):
                wrong.append((msgid, form))
    assert not missing, f"{len(missing)} msgids without a Russian translation (make i18n, " \
                        f"then translate): {missing[:20]}"
    assert not wrong, f"translations whose placeholders differ: {wrong[:10]}"


def test_the_committed_mo_is_a_fresh_compile_of_the_po() -> None:
    buf = io.BytesIO()
    write_mo(buf, catalog())
    assert MO.read_bytes() == buf.getvalue(), "run make i18n (the .mo is stale)"


def test_the_catalog_has_nothing_the_code_no_longer_says() -> None:
    used = {m if isinstance(m, str) else m[0] for m in extracted()}
    stale = [m.id for m in catalog() if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in used]
    assert not stale, f"obsolete entries (make i18n drops them): {stale[:10]}"


# -- (b) literals in user-facing positions ------------------------------------------------

SOURCES = [*sorted((ROOT / "tui").rglob("*.py")), ROOT / "inscope/cli.py",
           ROOT / "inscope/actions.py", ROOT / "inscope/keys.py",
           ROOT / "inscope/rules/windows.py", ROOT / "inscope/services.py"]
WRAPPERS = {"_", "N_", "Nn_", "ngettext", "pgettext"}
# Calls whose first positional argument is read by a person.
FIRST_ARG = {"notify", "toast", "Static", "Label", "Button", "Text", "append", "update",
             "ActionError", "NeedsConfirmation", "ArgumentTypeError", "print", "_err", "Outcome",
             "SnoozeOption", "FollowupOption", "PickerScreen", "SendPlan", "Option", "Hit", "DiscoveryHit",
             "Confirm", "ConfirmScreen", "Command", "Context", "push", "say", "tell", "error"}
# Keyword arguments read by a person, in any call.
KEYWORDS_SHOWN = {"help", "description", "title", "placeholder", "label", "tooltip",
                  "border_title", "border_subtitle", "sub_title", "prompt", "message"}
ATTRS_SHOWN = {"title", "sub_title", "border_title", "border_subtitle", "placeholder",
               "tooltip"}
_WORD = re.compile(r"[A-Za-z]{2,}")
# Not words: Rich styles, key names, ids and the like that may sit in those positions.
_NOT_WORDS = re.compile(r"^(?:[a-z_.-]+|[a-z]+ [a-z]+(?: [a-z]+)?|#[\w-]+|[\w.]+\(\S*\))$")
STYLE_WORDS = {"bold", "dim", "reverse", "italic", "red", "yellow", "green", "blue", "cyan",
               "magenta", "white", "black", "on", "underline", "not", "bright", "strike"}
BRANDS = {"telegram", "trello", "email", "imap", "smtp", "maildir"}


def _is_text(s: str) -> bool:
    """Whether a literal holds words a person reads (not a style, an id, a key name)."""
    if not _WORD.search(re.sub(r"\binscope\b", "", s)):
        return False  # the program's name is not translated
    words = set(re.findall(r"[a-z]+", s))
    if words <= STYLE_WORDS:
        return False  # a Rich style ("bold red")
    if words <= BRANDS:
        return False  # a service's name reads the same in both languages
    # One bare word is an id or a key name; a word with a space beside it ("{n} threads")
    # is part of a sentence.
    return not (_NOT_WORDS.match(s) and " " not in s)


def _literal_parts(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                yield v.value
    elif isinstance(node, ast.BinOp):
        yield from _literal_parts(node.left)
        yield from _literal_parts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literal_parts(node.body)
        yield from _literal_parts(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for v in node.values:
            yield from _literal_parts(v)
    elif isinstance(node, ast.Tuple | ast.List):
        for v in node.elts:
            yield from _literal_parts(v)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_log(func: ast.expr) -> bool:
    """``self.log.error(…)``, ``log.warning(…)``: the developer's log, not the screen."""
    return isinstance(func, ast.Attribute) and _name(func.value) in {"log", "logger", "_log"}


def unwrapped(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, literal) of text in a user-facing position outside the catalog's wrappers."""
    def shown(node: ast.expr) -> Iterator[tuple[int, str]]:
        for part in _literal_parts(node):
            if _is_text(part):
                yield node.lineno, part
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in WRAPPERS or _is_log(node.func):
                continue
            if name in FIRST_ARG and node.args:
                yield from shown(node.args[0])
            for kw in node.keywords:
                if kw.arg in KEYWORDS_SHOWN:
                    yield from shown(kw.value)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in ATTRS_SHOWN:
                    yield from shown(node.value)
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id in {"TITLE", "SUB_TITLE"} for t in stmt.targets):
                    yield from shown(stmt.value)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_user_facing_literals_go_through_the_catalog(path: Path) -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {text!r}"
             for line, text in unwrapped(ast.parse(path.read_text(), str(path)))]
    assert not found, "wrap these in _() (or N_() for a constant):\n" + "\n".join(found)


def test_the_literal_check_finds_an_unwrapped_string() -> None:
    code = ('self.notify("Synced")\nStatic(f"{n} threads")\np.add_argument("--x", help="a flag")\n'
            'raise ActionError("no such thread")\nself.notify(_("Synced"))\n'
            't.append(" │ ", "dim")\nText(N_("Inbox"))\n')
    found = [text for _line, text in unwrapped(ast.parse(code))]
    assert found == ["Synced", " threads", "a flag", "no such thread"]
