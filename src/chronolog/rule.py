"""What a rule is: a name, a default severity, and a check that yields findings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chronolog.model import Finding, Fix, Log, Severity

# The earliest time zone on Earth is UTC+14: a date is "in the future" only once it has
# not begun anywhere yet.
EARLIEST_UTC_OFFSET = dt.timedelta(hours=14)


def latest_current_date(now: dt.datetime) -> dt.date:
    """The latest calendar date that has begun somewhere on Earth at instant `now`."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return (now.astimezone(dt.UTC) + EARLIEST_UTC_OFFSET).date()


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the log: no state is kept between files."""

    today: dt.date  # the latest date that is not in the future; see `latest_current_date`
    author: str | None = None  # GitHub login the participants fix inserts, without "@"
    # Lines the change under review added (a pull request's added lines), or None when the
    # whole file is under review (the CLI). Rules use it only to decide which of equally
    # good explanations blames the change, and to credit the author for their own entries.
    changed_lines: frozenset[int] | None = None


@dataclass(frozen=True)
class Rule:
    """A named check. Its name is the public contract: config, output and docs use it."""

    name: str
    severity: Severity
    summary: str
    check: Callable[[Log, Context], Iterator[Finding]]

    def finding(
        self,
        line: int,
        message: str,
        *,
        end_line: int | None = None,
        fix: Fix | None = None,
        column: int = 1,
        end_column: int | None = None,
    ) -> Finding:
        """A finding of this rule at its default severity."""
        return Finding(
            rule=self.name,
            severity=self.severity,
            line=line,
            end_line=line if end_line is None else end_line,
            message=message,
            fix=fix,
            column=column,
            end_column=end_column,
        )


def code(text: str) -> str:
    """`text` as a Markdown code span, whatever backticks it holds (CommonMark's rule:
    the fence is one backtick longer than the longest run inside, padded with spaces)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if longest or text.startswith(" ") or text.endswith(" ") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


EXCERPT_LENGTH = 80


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """`text` as a code span, cut to `limit` characters with "…": log text quoted in a
    message stays readable, and a 70 KB heading does not make a 70 KB annotation."""
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return code(text)
