"""`empty-entry`: An entry has something under its heading."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule, excerpt


def check(log: Log, context: Context) -> Iterator[Finding]:
    for entry in log.entries:
        if entry.first_line is not None:
            continue
        heading = log.line(entry.heading.line).strip()
        yield RULE.finding(
            entry.heading.line,
            f"{excerpt(heading)} has nothing under it; write the entry or delete the heading",
            end_line=entry.heading.end_line,
        )


RULE = Rule(
    name="empty-entry",
    severity=Severity.ERROR,
    summary="An entry has something under its heading.",
    check=check,
)
