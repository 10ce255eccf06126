"""Turn Markdown text into a `Log`, exactly as CommonMark sees its block structure.

Only markdown-it-py's block parser runs here: headings, code blocks and paragraphs are
block-level, and skipping inline parsing keeps a 7 MB log well under a second. Inline
structure (links, code spans) is parsed on demand by `chronolog.references`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import itertools
import os
import pickle
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt

from chronolog.handles import leading_handles
from chronolog.model import Entry, Heading, Log

ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?=\s|$)")
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
    # The dominant ending wins; a file that mixes them comes back with that one throughout.
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf * 2 > text.count("\n") else "\n"
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    final_newline = text.endswith("\n")
    lines = text.split("\n")
    if final_newline or not text:
        lines.pop()
    return lines, newline, final_newline, bom


def parse_iso_date(heading_text: str) -> tuple[dt.date | None, str]:
    """The ISO 8601 date a heading starts with (or None) and the note after it."""
    date, note, _ = _read_heading_date(heading_text)
    return date, note


def _read_heading_date(heading_text: str) -> tuple[dt.date | None, str, str | None]:
    """The date, the note, and why there is no date (None when there is one)."""
    match = ISO_DATE.match(heading_text)
    if match is None:
        return None, heading_text, "does not start with a `YYYY-MM-DD` date and a space"
    year, month, day = (int(group) for group in match.groups())
    try:
        date = dt.date(year, month, day)
    except ValueError as error:
        return None, heading_text, f"`{match.group(0)}` is not a real calendar date ({error})"
    return date, heading_text[match.end() :].strip(), None


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


def parse_log(text: str, *, workers: int = 1) -> Log:
    """Parse a Markdown log. Never raises: any text is some log, perhaps with no entries.

    With `workers > 1` (and `os.fork`), the block parse of a big log is split at
    top-level headings and spread over that many processes; the result is the same
    `Log`. Only a single-threaded program (the CLI) should ask for that.
    """
    with _gc_paused():
        lines, newline, final_newline, bom = split_lines(text)
        blocks = _scan_in_parallel(lines, workers) if workers > 1 else None
        if blocks is None:
            # Always end with a newline, as every chunk of a parallel scan does.
            blocks = _scan_blocks("\n".join(lines) + "\n", len(lines))
        code_lines = frozenset(
            line for start, end in blocks.code_ranges for line in range(start, end + 1)
        )
        return Log(
            lines=tuple(lines),
            entries=tuple(_entries(lines, blocks.headings, code_lines)),
            headings=tuple(blocks.headings),
            code_lines=code_lines,
            paragraph_starts=frozenset(blocks.paragraph_starts),
            newline=newline,
            final_newline=final_newline,
            bom=bom,
        )


@dataclass(frozen=True)
class _Blocks:
    """What the block parse of (part of) a log yields; lines are 1-based in that part."""

    headings: list[Heading]
    code_ranges: list[tuple[int, int]]  # first and last line of each code or HTML block
    paragraph_starts: list[int]
    open_at_end: bool  # a fence or HTML block runs to the last line: it may go on below

    def shifted(self, offset: int) -> _Blocks:
        """The same blocks with every line number moved down by `offset`."""
        return _Blocks(
            [
                dataclasses.replace(h, line=h.line + offset, end_line=h.end_line + offset)
                for h in self.headings
            ],
            [(start + offset, end + offset) for start, end in self.code_ranges],
            [line + offset for line in self.paragraph_starts],
            self.open_at_end,
        )


def _scan_blocks(source: str, line_count: int | None = None) -> _Blocks:
    """Run markdown-it's block parser over `source` and keep what a `Log` needs."""
    tokens = _block_parser().parse(source)
    headings: list[Heading] = []
    code_ranges: list[tuple[int, int]] = []
    paragraph_starts: list[int] = []
    open_at_end = False
    container_depth = 0
    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("list_item_open", "blockquote_open"):
            container_depth += 1
        elif kind in ("list_item_close", "blockquote_close"):
            container_depth -= 1
        elif kind in _CODE_TOKENS and token.map:
            code_ranges.append((token.map[0] + 1, token.map[1]))
            open_at_end = open_at_end or token.map[1] == line_count
        elif kind == "paragraph_open" and token.map:
            paragraph_starts.append(token.map[0] + 1)
        elif kind == "heading_open" and token.map:
            headings.append(
                Heading(
                    line=token.map[0] + 1,
                    end_line=token.map[1],
                    level=int(token.tag[1]),
                    text=tokens[index + 1].content.strip(),
                    setext=token.markup in ("=", "-"),
                    nested=container_depth > 0,
                )
            )
    return _Blocks(headings, code_ranges, paragraph_starts, open_at_end)


# A chunk may start at an unindented ATX heading after a blank line: nothing but a
# fence or an HTML block of kinds 1-5 still open above it can reach past that line,
# and `_Blocks.open_at_end` tells when one is.
_CHUNK_START = re.compile(r"#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def _chunk_starts(lines: list[str], parts: int) -> list[int]:
    """0-based indexes where chunks 1..`parts` start, each at a heading after a blank line.

    Fences are followed roughly on the way, so a `# comment` in a code block is
    seldom picked; a wrong pick only costs time, as `open_at_end` catches it.
    """
    starts = [0]
    fence = ""  # the opening fence while inside one
    for index in range(1, len(lines)):
        line = lines[index]
        if line[:4].lstrip(" ")[:1] in ("`", "~"):
            match = _FENCE.match(line)
            if match and not fence:
                fence = match.group(1)
            elif match and match.group(1).startswith(fence) and not line[match.end() :].strip():
                fence = ""
        elif (
            not fence
            and index >= len(lines) * len(starts) // parts
            and _CHUNK_START.match(line)
            and not lines[index - 1].strip(" \t")
        ):
            starts.append(index)
            if len(starts) == parts:
                break
    return starts


def _scan_in_parallel(lines: list[str], workers: int) -> _Blocks | None:
    """Scan chunks of `lines` in forked processes; None when the log cannot be split."""
    if not hasattr(os, "fork"):
        return None
    starts = _chunk_starts(lines, workers)
    if len(starts) < 2:
        return None
    bounds = list(itertools.pairwise([*starts, len(lines)]))
    children = [_fork_scan(lines, start, end) for start, end in bounds[1:]]
    first_start, first_end = bounds[0]
    parts = [_scan_chunk(lines, first_start, first_end)]
    for (start, end), (pid, pipe) in zip(bounds[1:], children, strict=True):
        parts.append(_collect(pid, pipe) or _scan_chunk(lines, start, end))
    if any(part.open_at_end for part in parts[:-1]):
        return None
    return _Blocks(
        [heading for part in parts for heading in part.headings],
        [span for part in parts for span in part.code_ranges],
        [line for part in parts for line in part.paragraph_starts],
        parts[-1].open_at_end,
    )


def _scan_chunk(lines: list[str], start: int, end: int) -> _Blocks:
    # The final newline keeps markdown-it's line count equal to the chunk's.
    source = "\n".join(lines[start:end]) + "\n"
    return _scan_blocks(source, end - start).shifted(start)


def _fork_scan(lines: list[str], start: int, end: int) -> tuple[int, int]:
    """Scan a chunk in a child process; returns its pid and the pipe its result comes on."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into the caller
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(_scan_chunk(lines, start, end)))
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, pipe: int) -> _Blocks | None:
    """A child's result, or None when it failed (the caller scans that chunk itself)."""
    with os.fdopen(pipe, "rb") as stream:
        payload = stream.read()
    os.waitpid(pid, 0)
    try:
        blocks = pickle.loads(payload)
    except (pickle.PickleError, EOFError):
        return None
    return blocks if isinstance(blocks, _Blocks) else None


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
