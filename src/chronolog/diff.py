"""Which lines of a changed file a pull request added, as reviewdog marks them.

The input is what GitHub sends for one item of `GET /repos/{o}/{r}/pulls/{n}/files`: a
`status` and a unified-diff `patch` made only of hunks (no `---`/`+++` header lines).
Line numbers are on the new side and 1-based, as review comments and annotations use them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chronolog.parse import split_lines

# `@@ -a,b +c,d @@ optional section`; a missing count means 1.
_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
CONTEXT_LINES = 3  # what GitHub and `git diff` show around each change


class Where(StrEnum):
    """Where a line sits relative to the diff (reviewdog's marks)."""

    ADDED = "added"  # added by the pull request: a finding here is introduced by it
    CONTEXT = "context"  # inside a hunk but unchanged
    FILE = "file"  # elsewhere in a changed file


class FilterMode(StrEnum):
    """Which marked findings get an annotation (reviewdog's `-filter-mode`, same names)."""

    ADDED = "added"  # only on lines the pull request added or changed (the default)
    DIFF_CONTEXT = "diff_context"  # on any line inside the diff's hunks, context included
    FILE = "file"  # on every line of a changed file

    def covers(self, where: Where) -> bool:
        """Whether a finding marked `where` is annotated in this mode."""
        if self is FilterMode.FILE or where is Where.ADDED:
            return True
        return self is FilterMode.DIFF_CONTEXT and where is Where.CONTEXT


@dataclass(frozen=True)
class Hunk:
    """The new-side lines `new_start..new_end` of one hunk and which of them were added.

    A hunk that only deletes lines has `new_end == new_start - 1` and contains no line.
    """

    new_start: int
    new_end: int
    added: frozenset[int]

    def __contains__(self, line: object) -> bool:
        return isinstance(line, int) and self.new_start <= line <= self.new_end


class PatchError(ValueError):
    """A `patch` that is not a sequence of unified-diff hunks."""


@dataclass(frozen=True)
class FileDiff:
    """One changed file of a pull request, on the new side.

    `exact` is False when GitHub omitted the `patch` (a very large diff) and the hunks were
    computed locally: good enough to tell introduced findings from old ones, but not to
    place review comments, which GitHub only accepts on lines of its own hunks.
    """

    path: str
    previous_path: str | None
    status: str  # GitHub's: added, modified, removed, renamed, copied, changed, unchanged
    hunks: tuple[Hunk, ...]
    exact: bool

    def where(self, line: int) -> Where:
        """Whether `line` (new side) was added, is context in a hunk, or lies elsewhere."""
        if self.status == "added":
            return Where.ADDED
        for hunk in self.hunks:
            if line in hunk:
                return Where.ADDED if line in hunk.added else Where.CONTEXT
        return Where.FILE

    def added_lines(self, line_count: int) -> frozenset[int]:
        """The new-side lines the change added: all `line_count` lines of an added file,
        else the added lines of the hunks."""
        if self.status == "added":
            return frozenset(range(1, line_count + 1))
        return frozenset(line for hunk in self.hunks for line in hunk.added)

    def hunk_for(self, start_line: int, end_line: int) -> Hunk | None:
        """The hunk that contains every line `start_line..end_line`, if one does."""
        for hunk in self.hunks:
            if start_line in hunk and end_line in hunk:
                return hunk
        return None


@dataclass(frozen=True)
class _RawHunk:
    start: int  # the new-side line the header names
    count: int  # the new-side lines it announces
    first_index: int  # 0-based index in the patch of its first body line
    body: list[str]


def _raw_hunks(patch: str) -> list[_RawHunk]:
    """The hunks of a patch with their header numbers and body lines, unchecked.

    Raises `PatchError` for text that is not under a hunk header.
    """
    # Split on "\n" only: a "\r" or form feed inside a line is part of that line.
    lines = patch.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    hunks: list[_RawHunk] = []
    for index, line in enumerate(lines):
        if line.startswith("@@"):
            header = _HUNK_HEADER.match(line)
            if header is not None:
                count = 1 if header.group(2) is None else int(header.group(2))
                hunks.append(_RawHunk(int(header.group(1)), count, index + 1, []))
                continue
        if not hunks:
            raise PatchError(f"line {index + 1} of the patch is not a hunk header: {line!r}")
        hunks[-1].body.append(line)
    return hunks


def _first_line(hunk: _RawHunk) -> int:
    """The hunk's first new-side line: a pure deletion (`+c,0`) names the line before it."""
    return hunk.start if hunk.count else hunk.start + 1


def parse_patch(patch: str) -> tuple[Hunk, ...]:
    """The hunks of a unified-diff `patch` as GitHub sends it.

    `\\ No newline at end of file` lines are skipped. Raises `PatchError` for text
    before the first hunk header or a hunk whose line counts do not add up.
    """
    hunks: list[Hunk] = []
    for raw in _raw_hunks(patch):
        line = raw.start
        added: set[int] = set()
        for offset, text in enumerate(raw.body):
            marker = text[:1]
            if marker == "+":
                added.add(line)
                line += 1
            elif marker in (" ", ""):  # some tools strip the space of an empty context line
                line += 1
            elif marker not in ("-", "\\"):
                number = raw.first_index + offset + 1
                raise PatchError(f"line {number} of the patch is not a diff line")
        if line - raw.start != raw.count:
            raise PatchError(
                f"hunk at new line {raw.start} announces {raw.count} lines "
                f"but has {line - raw.start}"
            )
        first = _first_line(raw)
        hunks.append(Hunk(new_start=first, new_end=first + raw.count - 1, added=frozenset(added)))
    return tuple(hunks)


def file_diff(
    entry: Mapping[str, Any],
    *,
    base_text: str | None = None,
    head_text: str | None = None,
) -> FileDiff:
    """The `FileDiff` of one item of `GET /pulls/{n}/files`.

    When GitHub omitted the `patch` of a changed file (very large diffs), the hunks are
    computed from `head_text` (and `base_text`; None for an added file) with
    `diff_from_texts` if they are given, and are empty otherwise; either way `exact` is
    False. A `patch` that cannot be parsed is treated as missing. A removed file or a
    rename without changes has no hunks, exactly.
    """
    path = str(entry["filename"])
    previous = entry.get("previous_filename")
    previous_path = str(previous) if previous else None
    status = str(entry.get("status", "modified"))
    patch = entry.get("patch")
    if isinstance(patch, str):
        try:
            return FileDiff(path, previous_path, status, parse_patch(patch), exact=True)
        except PatchError:
            pass  # unreadable: treat it like a missing patch rather than fail the check
    if status == "removed" or entry.get("changes") == 0:
        return FileDiff(path, previous_path, status, (), exact=True)
    if head_text is not None:
        return diff_from_texts(path, base_text, head_text, previous_path, status)
    return FileDiff(path, previous_path, status, (), exact=False)


def diff_from_texts(
    path: str,
    base_text: str | None,
    head_text: str,
    previous_path: str | None = None,
    status: str = "modified",
) -> FileDiff:
    """Hunks computed locally with difflib (3 lines of context); `exact` is False.

    `base_text` None means the file is new: every line is added. Lines are split as
    `chronolog.parse.parse_log` splits them, so the numbers match the log's.
    """
    head_lines = split_lines(head_text)[0]
    if base_text is None:
        added = frozenset(range(1, len(head_lines) + 1))
        hunks = (Hunk(1, len(head_lines), added),) if head_lines else ()
        return FileDiff(path, previous_path, "added", hunks, exact=False)
    base_lines = split_lines(base_text)[0]
    matcher = difflib.SequenceMatcher(None, base_lines, head_lines, autojunk=False)
    found: list[Hunk] = []
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        first, last = group[0][3], group[-1][4]  # new-side range [first, last) 0-based
        added_lines = {
            number + 1
            for tag, _, _, new_from, new_to in group
            if tag in ("insert", "replace")
            for number in range(new_from, new_to)
        }
        found.append(Hunk(first + 1, last, frozenset(added_lines)))
    return FileDiff(path, previous_path, status, tuple(found), exact=False)


def base_from_patch(head_text: str, patch: str) -> str | None:
    """The base version of a file, from its head version and GitHub's `patch` of it.

    None when the two do not fit together (a context or added line of the patch is not
    the head's line at that place, or the patch is not made of hunks).
    """
    head = head_text.split("\n")
    base: list[str] = []
    cursor = 1  # the next head line to copy
    try:
        hunks = _raw_hunks(patch)
    except PatchError:
        return None
    for raw in hunks:
        first = _first_line(raw)
        if first < cursor:
            return None
        base.extend(head[cursor - 1 : first - 1])
        cursor = first
        for line in raw.body:
            marker, text = line[:1], line[1:]
            if marker in (" ", "", "+"):
                if cursor > len(head) or head[cursor - 1] != text:
                    return None
                if marker != "+":
                    base.append(text)
                cursor += 1
            elif marker == "-":
                base.append(text)
            elif marker != "\\":
                return None
    base.extend(head[cursor - 1 :])
    return "\n".join(base)
