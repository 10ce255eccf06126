"""`participants`: An entry's first line lists everyone involved as `@handles`.

The reference log's preamble says "The first line should be a list of everyone involved
in the entry", and its entries write that list in several ways: `@a, @b`, `@a / @b`,
`@a and @b`, `@a @b:`, often followed by prose on the same line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from chronolog.handles import is_github_login
from chronolog.model import Applicability, Edit, Entry, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule, excerpt

# Lines that start a list item or block quote: their paragraph starts on the marker line,
# but prefixing them with a handle would change their structure.
_CONTAINER_MARKER = re.compile(r"[ \t]{0,3}(?:[-+*]|\d{1,9}[.)]|>)(?:[ \t]|$)")
# A GitHub table: a row starting with `|`, or any row followed by a delimiter row.
_TABLE_DELIMITER = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")

_EXCERPT_LENGTH = 40


def check(log: Log, context: Context) -> Iterator[Finding]:
    author = context.author.removeprefix("@") if context.author else None
    if author is not None and not is_github_login(author):
        author = None
    for entry in log.entries:
        line_number = entry.first_line
        if line_number is None:
            continue  # nothing to list participants for: that is `empty-entry`'s finding
        if entry.participants:
            continue
        line = log.line(line_number)
        quoted = excerpt(line.strip(), _EXCERPT_LENGTH)
        if author is None or not _written_by_author(entry, line_number, context):
            yield RULE.finding(
                line_number,
                f"the entry's first line {quoted} does not list everyone involved; start it "
                "with their GitHub handles, like `@alice, @bob` (`--author HANDLE` lets "
                "chronolog add yours)",
            )
            continue
        yield RULE.finding(
            line_number,
            f"the entry's first line {quoted} does not list everyone involved; start it "
            f"with their GitHub handles, like `@{author}`",
            fix=Fix(
                title=f"Start the entry with `@{author}`",
                edits=(_author_edit(log, entry, line_number, author),),
                applicability=Applicability.SAFE,
            ),
        )


def _written_by_author(entry: Entry, line_number: int, context: Context) -> bool:
    """Whether the author may be credited: in a review, only on lines the change added
    (the heading or the first line), never on someone else's old entry."""
    if context.changed_lines is None:
        return True
    return line_number in context.changed_lines or entry.heading.line in context.changed_lines


def _author_edit(log: Log, entry: Entry, line_number: int, author: str) -> Edit:
    """Put `@author` in front of the first line, or on a paragraph of its own above it.

    Prose gets the handle on the same line, as the log's own entries do
    ("@jhchabran Noticed that..."); anything else (a list, a sub-heading, code, a quote,
    a table) keeps its structure only if the handle stands alone above it.
    """
    line = log.line(line_number)
    if _is_prose(log, entry, line_number):
        return Edit(line_number, line_number, (f"@{author} {line.lstrip()}",))
    return Edit(line_number, line_number, (f"@{author}", "", line))


def _is_prose(log: Log, entry: Entry, line_number: int) -> bool:
    """True when the line starts a plain paragraph (not a list item, quote or table)."""
    if line_number not in log.paragraph_starts or line_number in log.code_lines:
        return False
    line = log.line(line_number)
    if _CONTAINER_MARKER.match(line) or line.lstrip(" \t").startswith("|"):
        return False
    following = line_number + 1
    return not (
        following <= entry.end_line
        and "|" in log.line(following)
        and _TABLE_DELIMITER.fullmatch(log.line(following)) is not None
    )


RULE = Rule(
    name="participants",
    severity=Severity.ERROR,
    summary="An entry's first line lists everyone involved as `@handles`.",
    check=check,
)
