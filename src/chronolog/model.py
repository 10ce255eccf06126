"""The data chronolog passes around: a parsed log, findings and the edits that fix them.

Everything here is a frozen dataclass over plain values. Lines are 1-based, as GitHub
counts them, and never include their line ending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Severity(StrEnum):
    """How bad a finding is; the names match SARIF and GitHub annotation levels."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


class Applicability(StrEnum):
    """Whether a fix may be applied without a human looking at it.

    `safe` fixes are applied by `chronolog check --fix` and the check run's fix buttons;
    `unsafe` ones only with `--unsafe-fixes`, and as review suggestions a person accepts.
    """

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace lines `start_line..end_line` (inclusive) with `content`.

    An insertion is an empty range: `end_line == start_line - 1` inserts `content`
    before line `start_line` (`start_line` may be one past the last line: append).
    A deletion has empty `content`.
    """

    start_line: int
    end_line: int
    content: tuple[str, ...]

    @property
    def is_insertion(self) -> bool:
        return self.end_line < self.start_line


@dataclass(frozen=True)
class Fix:
    """A set of non-overlapping edits that resolve one finding, applied together or not at all."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True)
class Finding:
    """One problem in a log, on lines `line..end_line`, perhaps with a fix."""

    rule: str
    severity: Severity
    line: int
    end_line: int
    message: str
    fix: Fix | None = None
    column: int = 1
    end_column: int | None = None

    @property
    def fixable(self) -> bool:
        return self.fix is not None


@dataclass(frozen=True)
class Heading:
    """A Markdown heading outside code, as GitHub renders it."""

    line: int
    end_line: int  # the underline of a setext heading, else == line
    level: int
    text: str  # the inline content, stripped, without `#` markers
    setext: bool = False
    nested: bool = False  # inside a list item or block quote


@dataclass(frozen=True)
class Entry:
    """An H2 heading and everything under it up to the next H2 (or the end of the file)."""

    heading: Heading
    date: dt.date | None  # None when the heading does not start with a valid ISO 8601 date
    note: str  # what follows the date in the heading, e.g. "(occurred 2022-10-19)"
    end_line: int  # last line of the entry, trailing blank lines included
    first_line: int | None  # first non-blank line of the body; None for an empty entry
    date_problem: str | None = None  # why `date` is None, in words
    participants: tuple[str, ...] = ()  # the `@handles` the first line starts with

    @property
    def start_line(self) -> int:
        return self.heading.line

    @property
    def body_start(self) -> int:
        return self.heading.end_line + 1


@dataclass(frozen=True)
class Log:
    """A parsed Markdown log. Build it with `chronolog.parse.parse_log`."""

    lines: tuple[str, ...]
    entries: tuple[Entry, ...]
    headings: tuple[Heading, ...]  # every heading outside code, in order
    # Lines inside fenced or indented code blocks, HTML blocks or front matter (1-based).
    code_lines: frozenset[int] = field(default_factory=frozenset)
    # Lines whose first paragraph content starts there (used to tell prose from lists etc.).
    paragraph_starts: frozenset[int] = field(default_factory=frozenset)
    newline: str = "\n"
    final_newline: bool = True
    bom: bool = False
    # The line closing the YAML front matter GitHub shows as metadata; 0 when there is none.
    front_matter_end: int = 0

    @property
    def preamble_end(self) -> int:
        """Last line before the first entry (0 when the log starts with an entry)."""
        return self.entries[0].start_line - 1 if self.entries else len(self.lines)

    def line(self, number: int) -> str:
        """The text of 1-based line `number`."""
        return self.lines[number - 1]

    @cached_property
    def text(self) -> str:
        """The lines joined with `\\n` (no BOM, no final newline), joined once per log: a
        scan of the whole text runs in C where a loop over its lines would not."""
        return "\n".join(self.lines)

    def render(self, lines: tuple[str, ...] | list[str] | None = None) -> str:
        """Turn lines back into text with this log's line ending, final newline and BOM."""
        body = self.newline.join(self.lines if lines is None else lines)
        if self.final_newline and (lines is None or lines):
            body += self.newline
        return ("\ufeff" if self.bom else "") + body
