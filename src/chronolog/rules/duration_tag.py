"""`duration-tag`: A duration tag is written `$DURATION=<number><m|h>`."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    yield from ()


RULE = Rule(
    name="duration-tag",
    severity=Severity.WARNING,
    summary="A duration tag is written `$DURATION=<number><m|h>`.",
    check=check,
)
