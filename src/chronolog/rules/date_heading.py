"""`date-heading`: Every H2 heading is an ISO 8601 date (`YYYY-MM-DD`), optionally followed by a note."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    yield from ()


RULE = Rule(
    name="date-heading",
    severity=Severity.ERROR,
    summary="Every H2 heading is an ISO 8601 date (`YYYY-MM-DD`), optionally followed by a note.",
    check=check,
)
