"""`heading-level`: A date heading is a top-level H2, not `#`, `###` or nested in a list."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    yield from ()


RULE = Rule(
    name="heading-level",
    severity=Severity.ERROR,
    summary="A date heading is a top-level H2, not `#`, `###` or nested in a list.",
    check=check,
)
