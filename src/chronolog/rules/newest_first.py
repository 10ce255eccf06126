"""`newest-first`: entries are in reverse chronological order, newest on top."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Sequence

from chronolog.model import Applicability, Edit, Entry, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule

TYPO_WINDOW = dt.timedelta(days=31)


def keep_in_order(dates: Sequence[dt.date]) -> set[int]:
    """Indexes of a longest non-increasing subsequence of `dates`, preferring the top ones.

    Everything outside it is "out of place": the fewest entries whose move restores order.
    Runs in O(n log n): a patience sort over the list read bottom-up, where the order is
    non-decreasing; reading bottom-up makes ties resolve towards the entries on top.
    """
    reversed_dates = list(reversed(dates))
    tail_values: list[dt.date] = []
    tail_indexes: list[int] = []
    previous: list[int] = [-1] * len(reversed_dates)
    for index, date in enumerate(reversed_dates):
        length = bisect.bisect_right(tail_values, date)
        previous[index] = tail_indexes[length - 1] if length else -1
        if length == len(tail_values):
            tail_values.append(date)
            tail_indexes.append(index)
        else:
            tail_values[length] = date
            tail_indexes[length] = index
    kept: set[int] = set()
    cursor = tail_indexes[-1] if tail_indexes else -1
    while cursor != -1:
        kept.add(len(dates) - 1 - cursor)
        cursor = previous[cursor]
    return kept


def check(log: Log, context: Context) -> Iterator[Finding]:
    dated = [entry for entry in log.entries if entry.date is not None]
    dates = [entry.date for entry in dated if entry.date is not None]
    kept = keep_in_order(dates)
    if len(kept) == len(dated):
        return
    anchors = [dated[index] for index in sorted(kept)]
    for index, entry in enumerate(dated):
        if index not in kept:
            above = dated[index - 1] if index else None
            below = dated[index + 1] if index + 1 < len(dated) else None
            yield _out_of_order(log, entry, anchors, above, below, context.today)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _describe(entry: Entry) -> str:
    return f"`## {entry.heading.text}` (line {entry.heading.line})"


def _out_of_order(
    log: Log,
    entry: Entry,
    anchors: Sequence[Entry],
    above: Entry | None,
    below: Entry | None,
    today: dt.date,
) -> Finding:
    assert entry.date is not None
    move = _move(log, entry, anchors)
    if above is not None and above.date is not None and above.date < entry.date:
        problem = f"it is newer than {_describe(above)} above it"
    elif below is not None:
        problem = f"it is older than {_describe(below)} below it"
    else:
        problem = "it is not where its date belongs"
    message = f"`## {entry.heading.text}` is out of order: {problem}; entries go newest first"
    year_fix = _year_fix(log, entry, above, below, today)
    if year_fix is not None:
        return RULE.finding(
            entry.heading.line,
            f"{message}. Was the year mistyped? If so, {_lower_first(year_fix.title)}; "
            f"otherwise {_lower_first(move.title)}",
            end_line=entry.heading.end_line,
            fix=year_fix,
        )
    return RULE.finding(
        entry.heading.line,
        f"{message}. {move.title}",
        end_line=entry.heading.end_line,
        fix=move,
    )


def _move(log: Log, entry: Entry, anchors: Sequence[Entry]) -> Fix:
    """Move the entry, byte for byte, above the first in-order entry that is not newer."""
    assert entry.date is not None
    target = next((a for a in anchors if a.date is not None and a.date <= entry.date), None)
    content = list(log.lines[entry.start_line - 1 : entry.end_line])
    if target is None:
        insert_at = len(log.lines) + 1
        if log.lines and log.lines[-1].strip():
            content.insert(0, "")
        where = "to the end of the log"
    else:
        insert_at = target.start_line
        if content and content[-1].strip():
            content.append("")
        where = f"above {_describe(target)}"
    return Fix(
        title=f"Move the entry {where}",
        edits=(
            Edit(entry.start_line, entry.end_line, ()),
            Edit(insert_at, insert_at - 1, tuple(content)),
        ),
    )


def _year_fix(
    log: Log, entry: Entry, above: Entry | None, below: Entry | None, today: dt.date
) -> Fix | None:
    """Change the year by one when that alone puts the entry in order (a January typo).

    The changed date must also land within `TYPO_WINDOW` of a neighbour: a log written in
    ascending order is a misplaced log, not a series of year typos.
    """
    assert entry.date is not None
    neighbours = [e.date for e in (above, below) if e is not None and e.date is not None]
    fitting = []
    for shift in (1, -1):
        try:
            candidate = entry.date.replace(year=entry.date.year + shift)
        except ValueError:
            continue
        if candidate > today or all(abs(candidate - d) > TYPO_WINDOW for d in neighbours):
            continue
        if above is not None and above.date is not None and candidate > above.date:
            continue
        if below is not None and below.date is not None and candidate < below.date:
            continue
        fitting.append(candidate)
    if len(fitting) != 1:
        return None
    line = log.line(entry.heading.line)
    rewritten = line.replace(entry.date.isoformat(), fitting[0].isoformat(), 1)
    return Fix(
        title=f"Change the date to `{fitting[0].isoformat()}`",
        edits=(Edit(entry.heading.line, entry.heading.line, (rewritten,)),),
        applicability=Applicability.UNSAFE,
    )


RULE = Rule(
    name="newest-first",
    severity=Severity.ERROR,
    summary="Entries are in reverse chronological order, newest on top.",
    check=check,
)
