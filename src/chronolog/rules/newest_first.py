"""`newest-first`: entries are in reverse chronological order, newest on top.

A log kept the other way round (`order: oldest-first` in the config) is checked and fixed
by the same rule, under the same name, with every comparison turned around.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from typing import TypeVar

from chronolog.model import Applicability, Edit, Entry, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule, code, excerpt

TYPO_WINDOW = dt.timedelta(days=31)
Key = TypeVar("Key", dt.date, int)


class Order(StrEnum):
    """Which way a log runs, top to bottom: the config's `order`."""

    NEWEST_FIRST = "newest-first"
    OLDEST_FIRST = "oldest-first"


def keep_in_order(dates: Sequence[Key], changed: Sequence[bool] | None = None) -> set[int]:
    """Indexes of a longest non-increasing subsequence of `dates` (dates, or sort keys).

    Everything outside it is "out of place": the fewest entries whose move restores order.
    Among equally long ones it keeps the most entries that are not `changed` (so a pull
    request's own entry is the one blamed), then the entries nearest the top.

    O(n log n): the list is read bottom-up, where the order is non-decreasing, and a
    Fenwick tree over the dates' ranks gives the best chain ending at or below each date.
    """
    count = len(dates)
    if all(above >= below for above, below in itertools.pairwise(dates)):
        return set(range(count))  # already in order: the one longest run is every entry
    ranks = {date: rank for rank, date in enumerate(sorted(set(dates)))}
    # Scores compare as (length, unchanged entries kept, position): the position, counted
    # bottom-up, makes ties go to the chain that reaches nearest the top.
    tree: list[tuple[int, int, int]] = [(0, 0, -1)] * len(ranks)
    previous = [-1] * count
    scores: list[tuple[int, int, int]] = []
    for position in range(count):
        index = count - 1 - position
        rank = ranks[dates[index]]
        best = (0, 0, -1)
        cursor = rank
        while cursor >= 0:
            best = max(best, tree[cursor])
            cursor = (cursor & (cursor + 1)) - 1
        previous[position] = best[2]
        unchanged = 0 if changed is not None and changed[index] else 1
        score = (best[0] + 1, best[1] + unchanged, position)
        scores.append(score)
        cursor = rank
        while cursor < len(tree):
            tree[cursor] = max(tree[cursor], score)
            cursor |= cursor + 1
    kept: set[int] = set()
    cursor = max(scores)[2] if scores else -1
    while cursor != -1:
        kept.add(count - 1 - cursor)
        cursor = previous[cursor]
    return kept


def _key(date: dt.date, order: Order) -> int:
    """A number that never increases going down a log kept in `order`."""
    return date.toordinal() if order is Order.NEWEST_FIRST else -date.toordinal()


def check(log: Log, context: Context, order: Order = Order.NEWEST_FIRST) -> Iterator[Finding]:
    dated = [entry for entry in log.entries if entry.date is not None]
    dates = [entry.date for entry in dated if entry.date is not None]
    typos = _year_typos(dates, context.today, order)
    changed = (
        None
        if context.changed_lines is None
        else [_is_changed(entry, context.changed_lines) for entry in dated]
    )
    keys = [_key(typos.get(index, date), order) for index, date in enumerate(dates)]
    kept = keep_in_order(keys, changed)
    # Move targets must be in order: an entry with a mistyped year is not one.
    anchors = [dated[index] for index in sorted(kept) if index not in typos]
    for index in range(len(dated)):
        if index in typos:
            yield _mistyped_year(log, index, typos[index], anchors, dated, order)
        elif index not in kept:
            yield _out_of_place(log, index, anchors, dated, order)


def _is_changed(entry: Entry, changed_lines: frozenset[int]) -> bool:
    """True when the change under review added the entry's heading."""
    return any(
        line in changed_lines for line in range(entry.heading.line, entry.heading.end_line + 1)
    )


def _year_typos(dates: Sequence[dt.date], today: dt.date, order: Order) -> dict[int, dt.date]:
    """Entries whose year is likelier mistyped than misplaced, with the date they meant.

    Going down, an entry out of order with a neighbour is a typo when changing its year
    by one alone puts it in order, not in the future, and within `TYPO_WINDOW` of a
    neighbour (typing last year's year in early January). Corrected dates count for the
    entries below, and +1 is tried first: that January habit is the common mistake.
    """
    if order is Order.OLDEST_FIRST:
        # Read bottom-up, an oldest-first log is a newest-first one: the same habit shows.
        last = len(dates) - 1
        reversed_typos = _year_typos(dates[::-1], today, Order.NEWEST_FIRST)
        return {last - index: date for index, date in reversed_typos.items()}
    effective = list(dates)
    typos: dict[int, dt.date] = {}
    for index, date in enumerate(effective):
        above = effective[index - 1] if index else None
        below = effective[index + 1] if index + 1 < len(effective) else None
        if (above is None or date <= above) and (below is None or date >= below):
            continue
        for shift in (1, -1):
            try:
                meant = date.replace(year=date.year + shift)
            except ValueError:  # February 29th
                continue
            neighbours = [d for d in (above, below) if d is not None]
            if (
                meant <= today
                and (above is None or meant <= above)
                and (below is None or meant >= below)
                and any(abs(meant - d) <= TYPO_WINDOW for d in neighbours)
            ):
                typos[index] = effective[index] = meant
                break
    return typos


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _describe(entry: Entry) -> str:
    return f"{excerpt('## ' + entry.heading.text)} (line {entry.heading.line})"


def _problem(index: int, dated: Sequence[Entry], order: Order) -> str:
    """What is wrong with where entry `index` sits, in terms of its neighbours."""
    entry = dated[index]
    assert entry.date is not None
    above = dated[index - 1] if index else None
    below = dated[index + 1] if index + 1 < len(dated) else None
    key = _key(entry.date, order)
    newer, older = ("newer", "older") if order is Order.NEWEST_FIRST else ("older", "newer")
    if above is not None and above.date is not None and _key(above.date, order) < key:
        problem = f"it is {newer} than {_describe(above)} above it"
    elif below is not None and below.date is not None and _key(below.date, order) > key:
        problem = f"it is {older} than {_describe(below)} below it"
    else:
        problem = "it is not where its date belongs"
    first = order.value.replace("-", " ")
    return f"{excerpt('## ' + entry.heading.text)} is out of order: {problem}; entries go {first}"


def _out_of_place(
    log: Log, index: int, anchors: Sequence[Entry], dated: Sequence[Entry], order: Order
) -> Finding:
    entry = dated[index]
    move = _move(log, entry, anchors, order)
    return RULE.finding(
        entry.heading.line,
        f"{_problem(index, dated, order)}. {move.title}",
        end_line=entry.heading.end_line,
        fix=move,
    )


def _mistyped_year(
    log: Log,
    index: int,
    meant: dt.date,
    anchors: Sequence[Entry],
    dated: Sequence[Entry],
    order: Order,
) -> Finding:
    entry = dated[index]
    assert entry.date is not None
    move = _move(log, entry, anchors, order)
    line = log.line(entry.heading.line)
    fix = Fix(
        title=f"Change the date to {code(meant.isoformat())}",
        edits=(
            Edit(
                entry.heading.line,
                entry.heading.line,
                (line.replace(entry.date.isoformat(), meant.isoformat(), 1),),
            ),
        ),
        applicability=Applicability.UNSAFE,
    )
    return RULE.finding(
        entry.heading.line,
        f"{_problem(index, dated, order)}. Was the year mistyped? "
        f"If so, {_lower_first(fix.title)}; otherwise {_lower_first(move.title)}",
        end_line=entry.heading.end_line,
        fix=fix,
    )


def _move(log: Log, entry: Entry, anchors: Sequence[Entry], order: Order) -> Fix:
    """Move the entry, byte for byte, above the first in-order anchor it may precede."""
    assert entry.date is not None

    def descent(anchor: Entry) -> int:  # grows going down the anchors
        assert anchor.date is not None
        return -_key(anchor.date, order)

    position = bisect.bisect_left(anchors, -_key(entry.date, order), key=descent)
    target = anchors[position] if position < len(anchors) else None
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


@functools.cache
def rule_for(order: Order) -> Rule:
    """The rule for a log kept in `order`; `RULE` is the one for newest-first logs."""
    checker: Callable[[Log, Context], Iterator[Finding]] = functools.partial(check, order=order)
    return Rule(
        name="newest-first",
        severity=Severity.ERROR,
        summary=(
            "Entries are in reverse chronological order, newest on top."
            if order is Order.NEWEST_FIRST
            else "Entries are in chronological order, oldest on top (`order: oldest-first`)."
        ),
        check=checker,
    )


RULE = rule_for(Order.NEWEST_FIRST)
