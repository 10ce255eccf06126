"""`heading-level`: a date heading is a top-level H2, not `#`, `###` or nested in a list."""

from __future__ import annotations

from collections.abc import Iterator

from chronolog.dates import read_date
from chronolog.model import Edit, Finding, Fix, Heading, Log, Severity
from chronolog.rule import Context, Rule, excerpt


def check(log: Log, context: Context) -> Iterator[Finding]:
    for heading in log.headings:
        if heading.level == 2 and not heading.nested:
            continue
        if read_date(heading.text) is None:
            continue
        where = "inside a list item or block quote" if heading.nested else f"an H{heading.level}"
        yield RULE.finding(
            heading.line,
            f"the date heading {excerpt(heading.text)} is {where}; entries start with a top-level "
            f"H2: {excerpt('## ' + heading.text)}",
            end_line=heading.end_line,
            fix=Fix(
                title=f"Make it {excerpt('## ' + heading.text)}", edits=(_as_h2(log, heading),)
            ),
        )


def _as_h2(log: Log, heading: Heading) -> Edit:
    if heading.setext and not heading.nested:
        underline = log.line(heading.end_line).strip()
        return Edit(heading.end_line, heading.end_line, ("-" * len(underline),))
    return Edit(heading.line, heading.end_line, (f"## {heading.text}",))


RULE = Rule(
    name="heading-level",
    severity=Severity.ERROR,
    summary="A date heading is a top-level H2, not `#`, `###` or nested in a list.",
    check=check,
)
