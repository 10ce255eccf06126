"""`date-heading`: every H2 heading is an ISO 8601 date, optionally followed by a note."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from chronolog.dates import DateSpelling, read_date
from chronolog.model import Applicability, Edit, Entry, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule, excerpt


def check(log: Log, context: Context) -> Iterator[Finding]:
    for index, entry in enumerate(log.entries):
        if entry.date is not None:
            continue
        heading = entry.heading
        spelling = read_date(heading.text)
        if spelling is None:
            yield RULE.finding(
                heading.line,
                f"{excerpt('## ' + heading.text)} does not start with a date; start every H2 "
                "heading with an ISO 8601 date, as in `## 2022-11-25` or `## 2022-11-25 Topic`",
            )
        elif spelling.invalid is not None:
            yield RULE.finding(
                heading.line,
                f"{excerpt(spelling.written)} is not a real calendar date ({spelling.invalid}); "
                "correct the date",
            )
        elif (date := spelling.unambiguous) is not None:
            yield _rewrite(log, entry, spelling, date, unsafe=spelling.two_digit_year)
        else:
            yield _ambiguous(log, index, spelling)


def _rewrite(
    log: Log, entry: Entry, spelling: DateSpelling, date: dt.date, *, unsafe: bool, why: str = ""
) -> Finding:
    heading = entry.heading
    text = date.isoformat() + (f" {spelling.rest}" if spelling.rest else "")
    # The heading line is rebuilt: an ATX H2 (the only kind an entry starts with) or the
    # text line of a setext heading, whose underline stays.
    rewritten = text if heading.setext else f"## {text}"
    fix = Fix(
        title=f"Rewrite the heading as {excerpt('## ' + text)}",
        edits=(Edit(heading.line, heading.line, (rewritten,)),),
        applicability=Applicability.UNSAFE if unsafe else Applicability.SAFE,
    )
    if spelling.written == date.isoformat():
        problem = "needs a space between the date and the note"
    else:
        problem = "is not an ISO 8601 date"
    return RULE.finding(
        heading.line,
        f"{excerpt('## ' + heading.text)} {problem}; did you mean {excerpt('## ' + text)}?{why}",
        fix=fix,
    )


def _neighbour_dates(log: Log, index: int) -> tuple[dt.date | None, dt.date | None]:
    """The dates of the nearest dated entries above and below entry `index`."""
    above = next((e.date for e in reversed(log.entries[:index]) if e.date), None)
    below = next((e.date for e in log.entries[index + 1 :] if e.date), None)
    return above, below


def _ambiguous(log: Log, index: int, spelling: DateSpelling) -> Finding:
    """Pick the only reading that keeps newest-first order, or name every reading."""
    above, below = _neighbour_dates(log, index)
    fitting = [
        reading
        for reading in spelling.readings
        if (above is None or reading.date <= above) and (below is None or reading.date >= below)
    ]
    if len(fitting) == 1 and (above or below):
        reading = fitting[0]
        why = f" (read {reading.order}: the only reading that keeps the entries in order)"
        return _rewrite(log, log.entries[index], spelling, reading.date, unsafe=True, why=why)
    readings = " or ".join(f"`{r.date.isoformat()}` ({r.order})" for r in spelling.readings)
    return RULE.finding(
        log.entries[index].heading.line,
        f"{excerpt(spelling.written)} is ambiguous: {readings}; "
        "write the date you mean as `YYYY-MM-DD`",
    )


RULE = Rule(
    name="date-heading",
    severity=Severity.ERROR,
    summary="Every H2 heading is an ISO 8601 date (`YYYY-MM-DD`), optionally followed by a note.",
    check=check,
)
