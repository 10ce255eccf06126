"""The inline view of a parsed log: its prose, its link definitions, and rendered text.

The block structure comes from the `Log` (headings, code and HTML block lines), so no
caller parses the blocks of a file a second time. What is left of a range of lines, the
prose of paragraphs, list items, block quotes and table rows, is grouped into runs whose
inline Markdown markdown-it parses on demand.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt, helpers
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from chronolog.model import Heading, Log

# Block quote markers, then at most one list item marker, then indentation.
_CONTAINER = re.compile(
    r"(?P<quotes>(?:[ \t]*>)*)[ \t]*(?P<item>(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$))?"
)
# Characters that inline Markdown gives a meaning to: text without them renders as itself.
INLINE_MARKUP = re.compile(r"[`<\[\\&*_]")
# The ASCII characters a line must start with for `_CONTAINER` to match more than nothing.
_CONTAINER_START = frozenset(" \t>-+*0123456789")

Definitions = Mapping[str, Any]


@dataclass(frozen=True)
class Prose:
    """A run of inline Markdown starting on `line`: a heading's text, or paragraph lines
    without their container markers (`>`, list markers) and indentation."""

    line: int
    text: str


@dataclass(frozen=True)
class InlineView:
    """The prose of a whole log, in line order, and the link reference definitions."""

    prose: tuple[Prose, ...]
    definitions: Definitions


def inline_view(log: Log) -> InlineView:
    """Group every line outside code, HTML blocks and headings into prose runs.

    A run ends at a blank line, a code or HTML block, a heading, a new list item or a
    change of block quote depth, so it is one paragraph, list item text or table as
    GitHub shows it, except where a lazy continuation line (a quote's line without its
    `>`) or a thematic break inside a paragraph splits or joins runs: only a code span
    or link written across that line can come out differently. Link reference
    definitions at the start of a run are taken out of it and collected, as GitHub's
    renderer does.
    """
    heading_at: dict[int, Heading] = {}
    for each in log.headings:
        for number in range(each.line, each.end_line + 1):
            heading_at[number] = each
    prose: list[Prose] = []
    env: dict[str, Any] = {}
    run: list[str] = []
    run_start = 0
    depth = -1

    def flush() -> None:
        if run:
            text = "\n".join(run)
            if text.startswith("[") and "]:" in text:
                prose.extend(_without_definitions(Prose(run_start, text), env))
            else:
                prose.append(Prose(run_start, text))
            run.clear()

    code_lines = log.code_lines
    for number, line in enumerate(log.lines, start=1):
        heading = heading_at.get(number)
        if heading is not None:
            flush()
            if heading.line == number:
                prose.append(Prose(number, heading.text))
            continue
        stripped = line.strip()
        if not stripped or number in code_lines:
            flush()
            continue
        if line[0] in _CONTAINER_START or not line[0].isascii():  # `\d` is any digit
            match = _CONTAINER.match(line)
            assert match is not None  # every part of the pattern is optional
            quotes = match["quotes"].count(">")
            if match["item"] is not None or quotes != depth:
                flush()
                depth = quotes
            stripped = line[match.end() :].strip()
        elif depth:  # no marker and no indentation: the pattern matches nothing
            flush()
            depth = 0
        if not run:
            run_start = number
        run.append(stripped)
    flush()
    return InlineView(tuple(prose), env.get("references", {}))


def inline_tokens(text: str, definitions: Definitions) -> list[Token]:
    """The inline tokens of `text` (links resolved against `definitions`)."""
    md = _parser()
    tokens: list[Token] = []
    # With no definitions, markdown-it's link rule gives up on `[text]` without looking
    # the label up: the same tokens, sooner.
    md.inline.parse(text, md, {"references": definitions} if definitions else {}, tokens)
    return tokens


def rendered_text(inline_markdown: str, definitions: Definitions | None = None) -> str:
    """The text GitHub shows for a line of inline Markdown: no markup, no HTML tags.

    Links show their text only (`[text][label]` too, when `definitions` has `label`),
    emphasis markers go, code spans keep their content, images show nothing.
    """
    if INLINE_MARKUP.search(inline_markdown) is None:
        return inline_markdown
    parts: list[str] = []
    for token in inline_tokens(inline_markdown, definitions or {}):
        if token.type in ("text", "text_special", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _without_definitions(run: Prose, env: dict[str, Any]) -> Iterator[Prose]:
    """`run` with the link reference definitions it starts with moved into `env`."""
    if not (run.text.startswith("[") and "]:" in run.text):
        yield run
        return
    for token in _parser().parse(run.text, env):
        if token.type == "inline" and token.map is not None:
            yield Prose(run.line + token.map[0], token.content)


class _Parser(MarkdownIt):
    def __init__(self) -> None:
        super().__init__("commonmark")
        # markdown-it's link rule calls its helpers through the instance: this one reads
        # the same destinations as `helpers.parseLinkDestination`, a run of plain
        # characters at a time instead of one Python step per character.
        own = types.ModuleType(helpers.__name__)
        own.__dict__.update(vars(helpers), parseLinkDestination=_link_destination)
        self.helpers = own

    def normalizeLink(self, url: str) -> str:
        # Link targets are matched, never rendered: percent-encoding them only costs time.
        return url


# What ends or changes a bare link destination: space, ASCII controls, `\`, parentheses.
_DESTINATION_STOP = re.compile(r"[\x00-\x20\x7f\\()]")


class _Destination:
    """What markdown-it's link rule reads of a destination: found, where it ends, text."""

    __slots__ = ("ok", "pos", "str")

    def __init__(self, ok: bool = False, pos: int = 0, text: str = "") -> None:
        self.ok = ok
        self.pos = pos
        self.str = text


def _link_destination(string: str, pos: int, maximum: int) -> Any:
    """`helpers.parseLinkDestination`, same results (CommonMark's link destination)."""
    if string.startswith("<", pos):
        return helpers.parseLinkDestination(string, pos, maximum)
    start = pos
    level = 0
    while pos < maximum:
        stop = _DESTINATION_STOP.search(string, pos, maximum)
        if stop is None:
            pos = maximum
            break
        pos = stop.start()
        char = string[pos]
        if char == "\\":
            if pos + 1 < maximum and string[pos + 1] == " ":
                break
            pos += 2 if pos + 1 < maximum else 1
        elif char == "(":
            level += 1
            if level > 32:
                return _Destination()
            pos += 1
        elif char == ")" and level:
            level -= 1
            pos += 1
        else:  # a space, a control character or an unbalanced `)`
            break
    if start == pos or level != 0:
        return _Destination()
    return _Destination(True, pos, unescapeAll(string[start:pos]))


@cache
def _parser() -> MarkdownIt:
    # The core "inline" rule stays off: callers parse only the runs they need.
    return _Parser().disable(["inline", "text_join"])
