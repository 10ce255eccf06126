"""Turn Markdown text into a `Log`, with the block structure GitHub renders.

The blocks come from `chronolog.blocks` (GitHub's cmark-gfm); this module splits lines,
reads the dates of headings and cuts the log into entries.
"""

from __future__ import annotations

import datetime as dt
import re

from chronolog.blocks import scan_blocks
from chronolog.handles import leading_handles
from chronolog.model import Entry, Heading, Log

ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?=\s|$)")


class LogDecodeError(ValueError):
    """The bytes of a log are not UTF-8; the message names the file and byte offset."""


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
    lines, newline, final_newline, bom, _ = _split(text)
    return lines, newline, final_newline, bom


def _split(text: str) -> tuple[list[str], str, bool, bool, str]:
    """`split_lines`, and the lines joined with `\\n` (a slice of the text, not a join)."""
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    newline = "\n"
    if "\r" in text:
        # The dominant ending wins; a file that mixes them comes back with that one throughout.
        if text.count("\r\n") * 2 > text.count("\n"):
            newline = "\r\n"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    final_newline = text.endswith("\n")
    lines = text.split("\n")
    if final_newline or not text:
        lines.pop()
    return lines, newline, final_newline, bom, text[:-1] if final_newline else text


def parse_iso_date(heading_text: str) -> tuple[dt.date | None, str]:
    """The ISO 8601 date a heading starts with (or None) and the note after it."""
    date, note, _ = _read_heading_date(heading_text)
    return date, note


def _read_heading_date(heading_text: str) -> tuple[dt.date | None, str, str | None]:
    """The date, the note, and why there is no date (None when there is one)."""
    match = ISO_DATE.match(heading_text)
    if match is None:
        return None, heading_text, "does not start with a `YYYY-MM-DD` date and a space"
    try:
        date = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as error:
        return None, heading_text, f"`{match.group(0)}` is not a real calendar date ({error})"
    return date, heading_text[match.end() :].strip(), None


def parse_log(text: str) -> Log:
    """Parse a Markdown log as GitHub renders it. Never raises: any text is some log,
    perhaps with no entries."""
    lines, newline, final_newline, bom, joined = _split(text)
    blocks = scan_blocks(lines, joined=joined)
    code_lines = frozenset(blocks.code_lines)
    log = Log(
        lines=tuple(lines),
        entries=tuple(_entries(lines, blocks.headings, code_lines)),
        headings=tuple(blocks.headings),
        code_lines=code_lines,
        paragraph_starts=frozenset(blocks.paragraph_starts),
        newline=newline,
        final_newline=final_newline,
        bom=bom,
        front_matter_end=blocks.front_matter_end,
    )
    # `Log.text` is a cached property, and these are its characters: no second join.
    vars(log)["text"] = joined
    return log


def _entries(lines: list[str], headings: list[Heading], code_lines: frozenset[int]) -> list[Entry]:
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
        date, note, date_problem = _read_heading_date(heading.text)
        participants = (
            leading_handles(lines[first_line - 1])
            if first_line is not None and first_line not in code_lines
            else ()
        )
        entries.append(
            Entry(
                heading=heading,
                date=date,
                note=note,
                end_line=end_line,
                first_line=first_line,
                date_problem=date_problem,
                participants=participants,
            )
        )
    return entries
