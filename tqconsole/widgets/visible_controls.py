"""The last line of defence on screen: no control character from data reaches the terminal.

Widgets show data through ``tqconsole.visible_text`` so that widths are right;
this filter, installed on the app, catches whatever a widget missed.  It replaces
control characters in every rendered line with their visible glyphs and crops the
line back to its width (Rich counts a control character as zero cells, its glyph
as one or more).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter
from textual.strip import Strip

from tqconsole.visible_text import CONTROLS, visible


class ShowControls(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if CONTROLS.search("".join(s.text for s in segments)) is None:
            return segments
        width = Segment.get_line_length(segments)
        shown = [s if s.control else Segment(visible(s.text), s.style, s.control) for s in segments]
        return list(Strip(shown).crop(0, width))


SHOW_CONTROLS = ShowControls()
