"""Tell a dated log from any other Markdown file, for repositories without a `logs:` config."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from chronolog.model import Log
from chronolog.parse import parse_log

if TYPE_CHECKING:
    from chronolog.config import RepoConfig

MIN_HEADINGS = 2

# Release notes look like logs (dated H2 headings, newest first) but are not ours to lint;
# they are checked only when `logs:` names them.
RELEASE_NOTE_NAMES = frozenset({"changelog", "changes", "history", "news", "releases"})

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DATE_SPELLINGS = (
    rf"\d{{4}}([-/.]){_MONTH_NUMBER}\1{_DAY}",  # 2022-11-25, 2022/11/25, 2022.11.25
    rf"{_DAY}([-/.]){_MONTH_NUMBER}\2\d{{4}}",  # 25/11/2022, 25.11.2022, 25-11-2022
    rf"{_MONTH_NUMBER}([-/]){_DAY}\3\d{{4}}",  # 11/25/2022
    # Two-digit years only with - or /, so that a version like `1.10.12` is no date.
    rf"\d{{2}}([-/]){_MONTH_NUMBER}\4{_DAY}",  # 22-11-25
    rf"{_DAY}([-/]){_MONTH_NUMBER}\5\d{{2}}",  # 25/11/22
    rf"{_MONTH}\s+{_DAY},?\s+\d{{4}}",  # Nov 25, 2022; November 25th 2022
    rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}",  # 25 November 2022
)
# A date may sit inside light markup (`[2022-11-25](link)`, `**2022-11-25**`) and be
# followed by a time (`2022-11-25T10:00`), but not by more digits or letters.
_STARTS_WITH_DATE = re.compile(
    rf"^[\[*_`]*{_WEEKDAY}(?:{'|'.join(_DATE_SPELLINGS)})(?=$|\W|_|T\d)",
    re.IGNORECASE,
)


def starts_with_date(heading: str) -> bool:
    """True when the heading text starts with a calendar date in a common spelling."""
    return _STARTS_WITH_DATE.match(heading.strip()) is not None


MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})


def is_markdown_path(path: str) -> bool:
    """True for a Markdown file name (`.md` or `.markdown`, in any case)."""
    return PurePosixPath(path).suffix.lower() in MARKDOWN_SUFFIXES


def is_release_notes_name(path: str) -> bool:
    """True for `CHANGELOG.md`, `CHANGES.md`, `HISTORY.md` and the like, in any case."""
    return PurePosixPath(path).stem.lower() in RELEASE_NOTE_NAMES


def dated_headings(log: Log) -> tuple[int, int]:
    """How many top-level H2 headings start with a date, and how many there are."""
    headings = [h.text for h in log.headings if h.level == 2 and not h.nested]
    return sum(1 for heading in headings if starts_with_date(heading)), len(headings)


def looks_like_log(text: str | Log, *, path: str | None = None) -> bool:
    """True when the log has >= 2 top-level H2 headings and >= 2/3 of them start with a date.

    `text` may be parsed already. A keep-a-changelog heading (`## [1.2.0] - 2024-01-02`)
    starts with a version, not a date. With `path`, release notes by name
    (`CHANGELOG.md`, ...) are never logs.
    """
    if path is not None and is_release_notes_name(path):
        return False
    dated, total = dated_headings(parse_log(text) if isinstance(text, str) else text)
    # Integers, so that exactly two thirds counts: dated / total >= 2 / 3.
    return total >= MIN_HEADINGS and 3 * dated >= 2 * total


def is_log_file(config: RepoConfig, path: str, *texts: str | Log | None) -> bool:
    """Whether the file at `path` is a log: named by `logs:` in the config or, without
    `logs:`, Markdown that looks like a log in one of its `texts` (versions of the file;
    None for a version that does not exist). The CLI, the check and the backlinks use this."""
    configured = config.matches_log_path(path)
    if configured is not None:
        return configured
    return is_markdown_path(path) and any(
        text is not None and looks_like_log(text, path=path) for text in texts
    )
