"""`date-heading`: every H2 heading is an ISO 8601 date, optionally followed by a note."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from chronolog.dates import DateSpelling, read_date
from chronolog.model import Applicability, Edit, Entry, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule, excerpt

# The dates of the nearest dated entries above and below an entry.
Neighbours = tuple[dt.date | None, dt.date | None]


def check(log: Log, context: Context) -> Iterator[Finding]:
    neighbours: list[Neighbours] | None = None  # computed on the first ambiguous date
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
            if neighbours is None:
                neighbours = _neighbour_dates(log.entries)
            yield _ambiguous(log, index, spelling, neighbours[index])


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


def _neighbour_dates(entries: Sequence[Entry]) -> list[Neighbours]:
    """For each entry, the dates of the nearest dated entries above and below it.

    Two sweeps over the entries, one down and one up: a log full of undated entries costs
    no more than one with a few (searching from each entry in turn was quadratic).
    """
    above: list[dt.date | None] = []
    nearest: dt.date | None = None
    for entry in entries:
        above.append(nearest)
        nearest = entry.date or nearest
    below: list[dt.date | None] = []
    nearest = None
    for entry in reversed(entries):
        below.append(nearest)
        nearest = entry.date or nearest
    below.reverse()
    return list(zip(above, below, strict=True))


def _ambiguous(log: Log, index: int, spelling: DateSpelling, neighbours: Neighbours) -> Finding:
    """Pick the only reading that keeps newest-first order, or name every reading."""
    above, below = neighbours
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
