"""The search prompt in the title row: typing, editing, submitting, cancelling — focus stays put."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_workspace, screen_text, settle
from tui.app import InscopeApp
from tui.lineedit import LineEdit
from tui.widgets.title import TitleLine

SIZE = (140, 40)


def test_line_edit_keys() -> None:
    e = LineEdit("robots")
    assert e.cursor == 6
    for key in ("left", "left", "backspace"):
        assert e.key(key, None, False)
    assert (e.value, e.cursor) == ("robts", 3)
    assert e.key("o", "o", True) and e.value == "robots"
    assert e.key("home", None, False) and e.cursor == 0
    assert e.key("delete", None, False) and e.value == "obots"
    assert e.key("end", None, False) and e.key("space", " ", True) and e.key("x", "x", True)
    assert e.value == "obots x"
    assert e.key("ctrl+w", None, False) and (e.value, e.cursor) == ("obots ", 6)
    e.insert("line one\nline\ttwo\x1b[31m")  # a paste: one line, no control sequences
    assert e.value == "obots line one line two"
    assert e.key("ctrl+u", None, False) and (e.value, e.cursor) == ("", 0)
    assert not e.key("escape", None, False) and not e.key("f5", None, False)


async def test_typing_letters_that_are_keys_searches_without_moving_the_focus(tmp_path: Path) -> None:
    app = InscopeApp(make_workspace(tmp_path), sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, lst = app.inbox_screen, app.inbox
        cursor = lst.cursor
        await pilot.press("slash")
        assert screen.searching and lst.has_focus
        # j, e, x, z are list keys: in the prompt they are letters (nothing moves, nothing is done).
        await pilot.press(*"jex", "backspace", "backspace", "backspace")
        await pilot.press(*"вопрос 1x", "backspace")
        await pilot.pause()
        assert lst.cursor == cursor and lst.index.thread_count == 9 and not lst.marked
        title = app.inbox_screen.query_one(TitleLine)
        assert title.prompt is not None and title.prompt.value == "вопрос 1"
        assert "Search: вопрос 1" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert not screen.searching and lst.has_focus
        assert screen.query_state.search == "вопрос 1"
        assert "Search “вопрос 1”" in screen_text(app)
        # / again shows the current query; esc closes the prompt and keeps the results.
        await pilot.press("slash")
        assert title.prompt is not None and title.prompt.value == "вопрос 1"
        await pilot.press("ctrl+u", *"zzz", "escape")
        await settle(pilot)
        assert not screen.searching and screen.query_state.search == "вопрос 1"
        await pilot.press("escape")  # the next esc leaves the search results
        await settle(pilot)
        assert screen.query_state.search is None and lst.index.thread_count == 9


async def test_paste_goes_into_the_prompt(tmp_path: Path) -> None:
    from textual import events

    app = InscopeApp(make_workspace(tmp_path), sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        app.inbox_screen.post_message(events.Paste("баннеры\n"))
        await pilot.pause()
        title = app.inbox_screen.query_one(TitleLine)
        assert title.prompt is not None and title.prompt.value == "баннеры"
        await pilot.press("enter")
        await settle(pilot)
        assert app.inbox.index.thread_count == 1
