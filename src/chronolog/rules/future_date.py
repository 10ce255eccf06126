"""`future-date`: An entry is not dated in the future."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.model import Finding, Log, Severity
from chronolog.rule import Context, Rule


def check(log: Log, context: Context) -> Iterator[Finding]:
    # `context.today` is already the latest date begun anywhere on Earth (UTC+14), so a
    # log written late on the 25th in Kiribati is not flagged by a server still on the 24th.
    for entry in log.entries:
        if entry.date is None or entry.date <= context.today:
            continue
        date = entry.date.isoformat()
        line = log.line(entry.heading.line)
        column = line.find(date) + 1
        yield RULE.finding(
            entry.heading.line,
            f"the entry is dated {date}, after today ({context.today.isoformat()} in the "
            "earliest time zone); correct the date",
            column=column if column > 0 else 1,
            end_column=column + len(date) if column > 0 else None,
        )


RULE = Rule(
    name="future-date",
    severity=Severity.WARNING,
    summary="An entry is not dated in the future.",
    check=check,
)
