"""Colour for the text output on a terminal: a few ANSI SGR codes, written by hand.

Whether to colour follows the conventions most command-line tools (and CPython 3.13's own
tracebacks) follow, in this order:

1. `NO_COLOR` set to anything but the empty string (https://no-color.org): no colour;
2. `FORCE_COLOR` set to anything but the empty string (https://force-color.org): colour,
   even into a pipe or a file (for CI logs that render ANSI codes);
3. otherwise colour only when the stream is a terminal and `TERM` is not `dumb`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

BOLD = "1"
DIM = "2"
RED = "31"
YELLOW = "33"
CYAN = "36"
_RESET = "\x1b[0m"


def wants_colour(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether text written to `stream` should be coloured (see the module's order)."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, *codes: str) -> str:
    """`text` wrapped in the SGR `codes` (like `BOLD`, `RED`) and a reset."""
    return f"\x1b[{';'.join(codes)}m{text}{_RESET}" if codes else text
