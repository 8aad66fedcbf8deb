"""The console's modal dialogs, one module per job.

``confirm`` (yes or no, optionally by typing the target; a changed row's conflict),
``prompt`` (one value; a task and its arguments), ``progress`` (long work with
cancel), ``viewer`` (read-only text; an object's detail), ``pick`` (one of a few
choices; a row to point a foreign key at).

Two looks share the CSS below: framed boxes with buttons (``DIALOG_CSS``) and
keyboard-only panels (``PANEL_CSS``).
"""

from __future__ import annotations

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 72; max-width: 95%; height: auto; max-height: 90%;
    border: thick $error-darken-1; background: $surface; padding: 0 1;
}}
{name} .question {{ width: 100%; margin: 0 0 1 0; }}
{name} Input {{ margin: 0 0 1 0; }}
{name} .error {{ color: $error; height: auto; }}
{name} .title {{ text-style: bold; margin: 0 0 1 0; }}
{name} .hint {{ color: $text-muted; }}
{name} Horizontal {{ height: auto; align-horizontal: right; }}
{name} Button {{ margin: 0 0 0 1; min-width: 10; }}
"""

PANEL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: round $accent; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; }}
{name} VerticalScroll {{ height: auto; max-height: 14; }}
{name} .error {{ color: $error; }}
{name} .hint {{ color: $text-muted; }}
"""
