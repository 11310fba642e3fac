"""A vertical scrollbar drawn straight to strips: the list's and the detail pane's.

Textual draws a scrollbar as a Rich renderable through its whole content pipeline (a
console render, a styles-cache pass per line): ~3 ms for a 42-row bar at every thumb move,
which is every ``enter`` on a long conversation and every page the list scrolls.  The bar
is one segment per row (``ScrollBarRender.render_bar``) on the widget's style, so here it is
built as that directly and kept per thumb position.  Anything unusual about the bar (a
border, padding, tint, a horizontal bar, no scrollbar colour) goes through Textual's path.
``tests/tui`` checks both draw the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

from tui.lru import LRU

if TYPE_CHECKING:
    from textual.widget import Widget

BAR_CACHE_SIZE = 64  # thumb positions (documents of the same length share one)
# ScrollBarRender's own fallbacks when the style has no colour.
_BACK = Color.parse("#555555")
_BAR = Color.parse("bright_magenta")


class LineScrollBar(ScrollBar):
    """``ScrollBar`` whose vertical bar is built row by row (``render_lines``), not rendered."""

    def __init__(self, vertical: bool = True, name: str | None = None, *, thickness: int = 1) -> None:
        super().__init__(vertical=vertical, name=name, thickness=thickness)
        self._bars: LRU[tuple[object, ...], list[Strip]] = LRU(BAR_CACHE_SIZE)

    def notify_style_update(self) -> None:
        """A theme change: kept bars hold old colours."""
        super().notify_style_update()
        self._bars.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The bar's rows as Textual would draw them, from the kept bar of this thumb."""
        width, height = self.size
        renderable = self.render() if self._plain else None
        if not isinstance(renderable, ScrollBarRender) or not width or not height:
            return super().render_lines(crop)
        base = self.visual_style.rich_style
        style = renderable.style if isinstance(renderable.style, Style) else Style.parse(renderable.style)
        filters = self.get_line_filters()
        background = self.background_colors[1]
        key = (width, height, renderable.virtual_size, renderable.window_size, renderable.position, style, base,
               tuple(filters), background)
        strips = self._bars.get(key)
        if strips is None:
            bar = renderable.render_bar(size=height, virtual_size=renderable.virtual_size,
                                        window_size=renderable.window_size, position=renderable.position,
                                        thickness=width, vertical=True, back_color=style.bgcolor or _BACK,
                                        bar_color=style.color or _BAR)
            # What Textual's pipeline makes of each row: the widget's style under the bar's.
            strips = []
            for segment in list(bar.segments)[:height]:
                strip = Strip([Segment(segment.text, base + segment.style if segment.style else base)], width)
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                strips.append(strip)
            self._bars.set(key, strips)
        lines = strips[crop.y:crop.bottom]
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            lines = [strip.crop(x1, x2) for strip in lines]
        return lines

    @property
    def _plain(self) -> bool:
        """A vertical bar with no CSS of its own that Textual's styles cache would draw."""
        styles = self.styles
        return (self.vertical and self.parent is not None
                and self.screen.styles.scrollbar_color.a != 0
                and not any(edge for edge, _color in styles.border)
                and not any(edge for edge, _color in styles.outline)
                and styles.padding == (0, 0, 0, 0)
                and not styles.tint.a and self.opacity == 1.0 and styles.text_opacity == 1.0
                and (not styles.has_rule("hatch") or styles.hatch == "none"))


def vertical_line_scrollbar(widget: Widget) -> ScrollBar:
    """``widget.vertical_scrollbar`` made a ``LineScrollBar`` (Textual's own property, with the
    class swapped: created on first use, hidden until the layout shows it)."""
    bar = widget._vertical_scrollbar
    if bar is None:
        bar = widget._vertical_scrollbar = LineScrollBar(vertical=True, name="vertical",
                                                          thickness=widget.scrollbar_size_vertical)
        bar.display = False
        widget.app._start_widget(widget, bar)
    return bar
