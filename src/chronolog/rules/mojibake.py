"""`mojibake`: Text is not mojibake (UTF-8 decoded as Windows-1252, like `ðŸ‘‰` for 👉)."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    yield from ()


RULE = Rule(
    name="mojibake",
    severity=Severity.WARNING,
    summary="Text is not mojibake (UTF-8 decoded as Windows-1252, like `ðŸ‘‰` for 👉).",
    check=check,
)
