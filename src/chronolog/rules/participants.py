"""`participants`: An entry's first line lists everyone involved as `@handles`."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    yield from ()


RULE = Rule(
    name="participants",
    severity=Severity.ERROR,
    summary="An entry's first line lists everyone involved as `@handles`.",
    check=check,
)
