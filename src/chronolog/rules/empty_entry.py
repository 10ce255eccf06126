"""`empty-entry`: An entry has something under its heading."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    yield from ()


RULE = Rule(
    name="empty-entry",
    severity=Severity.ERROR,
    summary="An entry has something under its heading.",
    check=check,
)
