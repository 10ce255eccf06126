"""`future-date`: An entry is not dated in the future."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    yield from ()


RULE = Rule(
    name="future-date",
    severity=Severity.WARNING,
    summary="An entry is not dated in the future.",
    check=check,
)
