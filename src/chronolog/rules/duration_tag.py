"""`duration-tag`: A duration tag is written `$DURATION=<number><m|h>`.

The reference log tags time spent as `$DURATION=45m`, and also as `@DURATION=3h`,
`DURATION=10m` and `DURATTION=20m`. Only the canonical spelling can be searched and
summed reliably, so every variant is rewritten to it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from chronolog.model import Applicability, Edit, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule

# Tolerant on purpose: a `$` or `@` prefix or none, doubled or dropped letters
# (DURATTION, DURATON), `=` or `:` with spaces, and spelled-out units. The lookarounds
# keep it off longer words (`TASK_DURATION=`, `5minutes2`).
DURATION_TAG = re.compile(
    r"(?<![\w$@])(?P<prefix>[$@]?)(?P<word>DU?RR?AA?TT?I?OO?N)"
    r"(?P<separator>[ \t]*[=:][ \t]*)"
    r"(?P<number>\d+(?:\.\d+)?)[ \t]*"
    r"(?P<unit>minutes|minute|mins|min|m|hours|hour|hrs|hr|h)(?![\w])",
    re.IGNORECASE,
)
# What every tag holds: a separator, then a digit, and before it an `n` (perhaps past
# spaces). Each pattern starts with its literal separator, which the regex engine finds
# as fast as `str.find`; starting with `[nN]` made it try every `n` in the file (5x slower).
# Most tags are already canonical: the `=` pattern passes over them.
_CANDIDATES = (
    re.compile(r"=(?<=[nN]=|[ \t]=)(?!(?<=\$DURATION=)\d+(?:\.\d+)?[mh](?!\w))[ \t]*\d"),
    re.compile(r":(?<=[nN]:|[ \t]:)[ \t]*\d"),
)
# The same, canonical tags included: for reading every tag (`find_duration_tags`).
_ANY_CANDIDATES = (re.compile(r"=(?<=[nN]=|[ \t]=)[ \t]*\d"), _CANDIDATES[1])
# The longest prefix and word a tag can start with: `$DURRAATTIOON`.
_LONGEST_WORD = 13
_BACKTICKS = re.compile(r"`+")
_MAX_NAMED = 3  # tags named in one message; a line full of them gets a count
_UNITS = {"h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h"}


def find_duration_tags(
    log: Log, *, canonical: bool = True
) -> Iterator[tuple[int, list[re.Match[str]]]]:
    """Every duration tag outside code, by line: `(line number, the tags on it)`, in order.

    The tags are those `duration-tag` reads, canonical (`$DURATION=45m`) or a variant it
    rewrites; with `canonical=False` only lines holding at least one variant are yielded
    (still with all their tags). `tag_minutes` converts a tag to minutes.
    """
    for line_number in _candidate_lines(log, _ANY_CANDIDATES if canonical else _CANDIDATES):
        if line_number in log.code_lines:
            continue
        line = log.line(line_number)
        start = _first_tag_start(line)
        tags = [match for match in DURATION_TAG.finditer(line, start) if _is_tag(match)]
        if tags and not canonical and all(m.group(0) == canonical_tag(m) for m in tags):
            continue
        if tags:
            spans = _code_spans(line)
            tags = [match for match in tags if not _inside(match.start(), spans)]
        if tags:
            yield line_number, tags


def _first_tag_start(line: str) -> int:
    """A position on `line` before which no tag starts, for `DURATION_TAG` to search from.

    That pattern has no literal to skip ahead to, so it tries every character; a tag sits
    at the end of a long line as often as not. Every tag holds a separator that
    `_ANY_CANDIDATES` finds (each starts with a literal `=` or `:`), preceded by blanks and
    at most `_LONGEST_WORD` characters. The lookbehinds still see the text before it.
    """
    found = [match.start() for pattern in _ANY_CANDIDATES if (match := pattern.search(line))]
    if not found:
        return len(line)
    separator = min(found)
    return max(0, len(line[:separator].rstrip(" \t")) - _LONGEST_WORD)


def tag_minutes(match: re.Match[str]) -> int:
    """The minutes a matched duration tag stands for, rounded half up (`1.5h` is 90)."""
    from decimal import ROUND_HALF_UP, Decimal  # the report needs it; `check` does not

    minutes = Decimal(match["number"]) * (60 if match["unit"].lower() in _UNITS else 1)
    return int(minutes.to_integral_value(ROUND_HALF_UP))


def canonical_tag(match: re.Match[str]) -> str:
    """The canonical spelling of a matched duration tag, e.g. `$DURATION=60m`."""
    unit = _UNITS.get(match["unit"].lower(), "m")
    return f"$DURATION={match['number']}{unit}"


def _is_tag(match: re.Match[str]) -> bool:
    """False for prose like "Duration: 2 hours": a bare `:` form must be written in capitals."""
    if match["prefix"] or "=" in match["separator"]:
        return True
    return match["word"].isupper()


def check(log: Log, context: Context) -> Iterator[Finding]:
    for line_number, tags in find_duration_tags(log, canonical=False):
        variants = [match for match in tags if match.group(0) != canonical_tag(match)]
        if variants:
            yield _finding(line_number, log.line(line_number), variants)


def _candidate_lines(log: Log, candidates: tuple[re.Pattern[str], ...]) -> list[int]:
    """The lines where a tag `candidates` look for may be: an `n` before `=` or `:` and a digit.

    Two scans of the whole text find them, one per separator; the full pattern, many
    times slower per character, then runs on these few lines only.
    """
    text = log.text
    starts: list[int] = []
    for candidate in candidates:
        searched = 0
        for match in candidate.finditer(text):
            word_end = match.start()
            if text[word_end - 1] in " \t":
                # Strip back no further than the previous match: it ends in a digit, so
                # the spaces cannot reach into it, and no stretch is stripped twice.
                word_end = searched + len(text[searched:word_end].rstrip(" \t"))
            searched = match.end()
            if word_end and text[word_end - 1] in "nN":
                starts.append(word_end - 1)
    lines: list[int] = []
    line_number, position = 1, 0
    for start in sorted(starts):
        line_number += text.count("\n", position, start)
        position = start
        if not lines or lines[-1] != line_number:
            lines.append(line_number)
    return lines


def _finding(line_number: int, line: str, tags: list[re.Match[str]]) -> Finding:
    """One finding per line whose fix rewrites every tag on it (two fixes could not both apply)."""
    pieces: list[str] = []
    position = 0
    for match in tags:
        pieces += [line[position : match.start()], canonical_tag(match)]
        position = match.end()
    fixed = "".join(pieces) + line[position:]
    first = tags[0]
    message = f"`{first.group(0)}` is not a canonical duration tag; write `{canonical_tag(first)}`"
    if len(tags) > 1:
        shown = tags[1 : 1 + _MAX_NAMED]
        others = ", ".join(f"`{m.group(0)}` as `{canonical_tag(m)}`" for m in shown)
        hidden = len(tags) - 1 - len(shown)
        message += f" (and {others}" + (f" and {hidden} more)" if hidden else ")")
    return RULE.finding(
        line_number,
        message,
        fix=Fix(
            title=f"Write `{canonical_tag(first)}`"
            if len(tags) == 1
            else "Write the canonical duration tags",
            edits=(Edit(line_number, line_number, (fixed,)),),
            applicability=Applicability.SAFE,
        ),
        column=first.start() + 1,
        end_column=tags[-1].end() + 1,
    )


def _code_spans(line: str) -> list[tuple[int, int]]:
    """The `[start, end)` ranges of inline code spans on one line, as CommonMark pairs backticks.

    A span opens with a run of N backticks and closes at the next run of exactly N; an
    opener without a closer on this line is literal text, and so is a backtick escaped
    with a backslash outside a span.
    """
    if "`" not in line:
        return []
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, end = runs[index]
        if _escaped(line, start):
            start += 1
        candidates = by_length.get(end - start, [])
        position = bisect.bisect_right(candidates, index)
        if start == end or position == len(candidates):
            index += 1
            continue
        closer = candidates[position]
        spans.append((start, runs[closer][1]))
        index = closer + 1
    return spans


def _escaped(line: str, position: int) -> bool:
    """True when an odd number of backslashes precede `position`."""
    before = position - 1
    while before >= 0 and line[before] == "\\":
        before -= 1
    return (position - 1 - before) % 2 == 1


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    """True when `position` falls in one of the sorted, non-overlapping `spans`."""
    index = bisect.bisect_right(spans, position, key=lambda span: span[0]) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


RULE = Rule(
    name="duration-tag",
    severity=Severity.WARNING,
    summary="A duration tag is written `$DURATION=<number><m|h>`.",
    check=check,
)
