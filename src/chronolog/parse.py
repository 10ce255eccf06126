"""Turn Markdown text into a `Log`, exactly as CommonMark sees its block structure.

Only markdown-it-py's block parser runs here: headings, code blocks and paragraphs are
block-level, and skipping inline parsing keeps a 7 MB log well under a second. Inline
structure (links, code spans) is parsed on demand by `chronolog.references`.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from markdown_it import MarkdownIt

from chronolog.model import Entry, Heading, Log

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?=\s|$)")
_CODE_TOKENS = frozenset({"fence", "code_block", "html_block"})


class LogDecodeError(ValueError):
    """The bytes of a log are not UTF-8; the message names the file and byte offset."""


@cache
def _block_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").disable(["inline", "text_join"])


def decode_log(data: bytes, path: str) -> str:
    """Decode a log's bytes as UTF-8 (a BOM is kept for `parse_log` to note).

    Raises `LogDecodeError` with the file and byte offset when the bytes are not UTF-8.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LogDecodeError(
            f"{path}: not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save the file as UTF-8 and run again"
        ) from None


def split_lines(text: str) -> tuple[list[str], str, bool, bool]:
    """Split text into lines as CommonMark does: `\\r\\n`, `\\r` and `\\n` all end a line.

    Returns the lines, the dominant line ending, whether the text ended with one and
    whether it started with a UTF-8 byte order mark.
    """
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    newline = "\r\n" if "\r\n" in text else "\n"
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    final_newline = text.endswith("\n")
    lines = text.split("\n")
    if final_newline or not text:
        lines.pop()
    return lines, newline, final_newline, bom


def parse_iso_date(heading_text: str) -> tuple[dt.date | None, str]:
    """The ISO 8601 date a heading starts with (or None) and the note after it."""
    match = ISO_DATE.match(heading_text)
    if match is None:
        return None, heading_text
    year, month, day = (int(group) for group in match.groups())
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None, heading_text
    return date, heading_text[match.end() :].strip()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: markdown-it allocates a token per block and
    none of them form cycles, yet on a 7 MB log the collector's repeated passes over
    them took as long as the parse itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_log(text: str) -> Log:
    """Parse a Markdown log. Never raises: any text is some log, perhaps with no entries."""
    with _gc_paused():
        return _parse_log(text)


def _parse_log(text: str) -> Log:
    lines, newline, final_newline, bom = split_lines(text)
    tokens = _block_parser().parse("\n".join(lines))

    headings: list[Heading] = []
    code_lines: set[int] = set()
    paragraph_starts: set[int] = set()
    container_depth = 0
    for index, token in enumerate(tokens):
        if token.type in ("list_item_open", "blockquote_open"):
            container_depth += 1
        elif token.type in ("list_item_close", "blockquote_close"):
            container_depth -= 1
        elif token.type in _CODE_TOKENS and token.map:
            code_lines.update(range(token.map[0] + 1, token.map[1] + 1))
        elif token.type == "paragraph_open" and token.map:
            paragraph_starts.add(token.map[0] + 1)
        elif token.type == "heading_open" and token.map:
            setext = token.markup in ("=", "-")
            headings.append(
                Heading(
                    line=token.map[0] + 1,
                    end_line=token.map[1],
                    level=int(token.tag[1]),
                    text=tokens[index + 1].content.strip(),
                    setext=setext,
                    nested=container_depth > 0,
                )
            )

    return Log(
        lines=tuple(lines),
        entries=tuple(_entries(lines, headings)),
        headings=tuple(headings),
        code_lines=frozenset(code_lines),
        paragraph_starts=frozenset(paragraph_starts),
        newline=newline,
        final_newline=final_newline,
        bom=bom,
    )


def _entries(lines: list[str], headings: list[Heading]) -> list[Entry]:
    """Split the log at top-level H1 and H2 headings; each H2 starts an entry."""
    boundaries = [h for h in headings if not h.nested and h.level <= 2]
    entries = []
    for position, heading in enumerate(boundaries):
        if heading.level != 2:
            continue
        following = boundaries[position + 1] if position + 1 < len(boundaries) else None
        end_line = following.line - 1 if following else len(lines)
        first_line = next(
            (n for n in range(heading.end_line + 1, end_line + 1) if lines[n - 1].strip()),
            None,
        )
        date, note = parse_iso_date(heading.text)
        entries.append(
            Entry(heading=heading, date=date, note=note, end_line=end_line, first_line=first_line)
        )
    return entries
