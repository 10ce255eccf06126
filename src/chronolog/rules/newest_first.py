"""`newest-first`: Entries are in reverse chronological order, newest on top."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    yield from ()


RULE = Rule(
    name="newest-first",
    severity=Severity.ERROR,
    summary="Entries are in reverse chronological order, newest on top.",
    check=check,
)
