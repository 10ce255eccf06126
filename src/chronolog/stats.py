"""What a log says in figures: entries, support time, who carried it, what was referenced.

Everything is read from the parsed log (`chronolog.parse.parse_log`): durations are the
tags the `duration-tag` rule reads (canonical or a variant it rewrites, outside code),
participants are the `@handles` on an entry's first line, references are those the
backlinks find. An entry's duration counts in full for each of its participants, so the
time per person adds up to more than the total when entries name several people.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from chronolog.model import Entry, Log
from chronolog.references import Reference, find_references
from chronolog.rules.duration_tag import find_duration_tags, tag_minutes

PER_PERSON_NOTE = (
    "An entry's duration counts in full for each of its participants, so the time per "
    "person adds up to more than the total when entries name several people."
)


class Period(StrEnum):
    """How entries are grouped: by calendar month (`2022-05`) or ISO week (`2022-W18`)."""

    MONTH = "month"
    WEEK = "week"

    def of(self, date: dt.date) -> str:
        """The label of the period `date` falls in."""
        if self is Period.MONTH:
            return f"{date.year:04d}-{date.month:02d}"
        year, week, _ = date.isocalendar()
        return f"{year:04d}-W{week:02d}"

    def start(self, date: dt.date) -> dt.date:
        """The first day of the period `date` falls in."""
        if self is Period.MONTH:
            return date.replace(day=1)
        return date - dt.timedelta(days=date.weekday())

    def next_start(self, start: dt.date) -> dt.date:
        """The first day of the period after the one starting on `start`."""
        if self is Period.MONTH:
            return (start + dt.timedelta(days=32)).replace(day=1)
        return start + dt.timedelta(days=7)


@dataclass(frozen=True)
class EntryFigures:
    """One dated entry of one log, with what the figures take from it."""

    path: str
    entry: Entry
    date: dt.date
    minutes: int | None  # the sum of its duration tags; None when it has none
    people: tuple[str, ...]  # its participants, `@handle`, each once
    references: tuple[Reference, ...]
    summary: str  # what the entry says first, see `_summary`


@dataclass(frozen=True)
class PeriodFigures:
    period: str
    entries: int
    minutes: int
    without_duration: int
    by_person: tuple[tuple[str, int], ...]  # (handle, minutes), as in `Stats.people`


@dataclass(frozen=True)
class PersonFigures:
    handle: str
    entries: int
    minutes: int  # every entry's whole duration, see PER_PERSON_NOTE


@dataclass(frozen=True)
class Stats:
    """The figures of the dated entries between `since` and `until` (both included)."""

    by: Period
    since: dt.date | None
    until: dt.date | None
    entries: tuple[EntryFigures, ...]  # newest first
    periods: tuple[PeriodFigures, ...]  # oldest first, empty periods between included
    people: tuple[PersonFigures, ...]  # most minutes first, then most entries, then name
    unattributed_minutes: int  # duration of entries that name nobody
    repositories: tuple[tuple[str, int], ...]  # (owner/repo, entries), most first
    references: tuple[tuple[Reference, int], ...]  # (issue or PR, entries), most first
    undated: int  # entries whose heading has no valid date: in no period

    @property
    def total_minutes(self) -> int:
        return sum(figures.minutes or 0 for figures in self.entries)

    @property
    def without_duration(self) -> int:
        return sum(1 for figures in self.entries if figures.minutes is None)

    @property
    def first_date(self) -> dt.date | None:
        return min((figures.date for figures in self.entries), default=None)

    @property
    def last_date(self) -> dt.date | None:
        return max((figures.date for figures in self.entries), default=None)


def entry_figures(
    log: Log,
    *,
    path: str = "",
    host: str = "github.com",
    repo: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[EntryFigures]:
    """The figures of each dated entry of `log` between `since` and `until` (both
    included, when given), in log order.

    `host` and `repo` (`owner/name`) are the log repository's, which `#N` refers to; with
    `repo=""` such shorthand references are not counted. Only the references of the
    entries kept are looked for: on a big log that is most of the time.
    """
    minutes = _entry_minutes(log)
    kept = [
        (index, entry)
        for index, entry in enumerate(log.entries)
        if entry.date is not None
        and (since is None or entry.date >= since)
        and (until is None or entry.date <= until)
    ]
    window = replace(log, entries=tuple(entry for _, entry in kept))
    references = {
        found.entry.start_line: found.references
        for found in find_references(window, host=host, repo=repo)
    }
    return [
        EntryFigures(
            path=path,
            entry=entry,
            date=entry.date,
            minutes=minutes.get(index),
            people=_distinct(entry.participants),
            references=references.get(entry.start_line, ()),
            summary=_summary(log, entry),
        )
        for index, entry in kept
        if entry.date is not None  # for mypy: `kept` has dated entries only
    ]


def _summary(log: Log, entry: Entry) -> str:
    """The entry's first line without its participants' handles, or the next line of text
    when the handles are all it holds ("" for an empty entry)."""
    for number in range(entry.first_line or entry.end_line + 1, entry.end_line + 1):
        text = log.line(number).strip()
        if number == entry.first_line:
            for handle in entry.participants:
                text = text.lstrip(" \t,/&").removeprefix("and ").lstrip()
                text = text.removeprefix(handle)
            text = text.lstrip(" \t,/&")
        if text and number not in log.code_lines:
            return text
    return ""


def _entry_minutes(log: Log) -> dict[int, int]:
    """The summed duration tags of each entry that has one, by its index in `log.entries`."""
    starts = [entry.start_line for entry in log.entries]
    minutes: dict[int, int] = {}
    for line_number, tags in find_duration_tags(log):
        index = bisect.bisect_right(starts, line_number) - 1
        if index >= 0 and line_number <= log.entries[index].end_line:
            minutes[index] = minutes.get(index, 0) + sum(tag_minutes(tag) for tag in tags)
    return minutes


def compute_stats(
    entries: Iterable[EntryFigures],
    *,
    by: Period = Period.MONTH,
    since: dt.date | None = None,
    until: dt.date | None = None,
    undated: int = 0,
    top: int = 10,
) -> Stats:
    """The figures of the entries dated between `since` and `until` (both included).

    Periods run from the earliest to the latest entry (from `since` to `until` when
    given), with empty periods in between, so a chart shows the gaps.
    """
    kept = sorted(
        (
            figures
            for figures in entries
            if (since is None or figures.date >= since) and (until is None or figures.date <= until)
        ),
        key=lambda figures: figures.date,
        reverse=True,
    )
    people = _people(kept)
    order = [person.handle for person in people]
    repositories: Counter[str] = Counter()
    references: Counter[Reference] = Counter()
    for figures in kept:
        references.update(figures.references)
        repositories.update(
            {ref.full_name.lower(): ref.full_name for ref in figures.references}.values()
        )
    return Stats(
        by=by,
        since=since,
        until=until,
        entries=tuple(kept),
        periods=tuple(_periods(kept, by, since, until, order)),
        people=people,
        unattributed_minutes=sum(f.minutes or 0 for f in kept if not f.people),
        repositories=tuple(sorted(repositories.items(), key=lambda i: (-i[1], i[0].lower())))[:top],
        references=tuple(sorted(references.items(), key=lambda i: (-i[1], i[0])))[:top],
        undated=undated,
    )


def _distinct(handles: Sequence[str]) -> tuple[str, ...]:
    """Each handle once; GitHub logins ignore case, so `@Bob` and `@bob` are one person."""
    seen: dict[str, str] = {}
    for handle in handles:
        seen.setdefault(handle.lower(), handle)
    return tuple(seen.values())


def _people(entries: Sequence[EntryFigures]) -> tuple[PersonFigures, ...]:
    spelling: dict[str, str] = {}  # the spelling of the newest entry naming them
    counts: Counter[str] = Counter()
    minutes: Counter[str] = Counter()
    for figures in entries:
        for handle in figures.people:
            key = handle.lower()
            spelling.setdefault(key, handle)
            counts[key] += 1
            minutes[key] += figures.minutes or 0
    people = [PersonFigures(spelling[key], counts[key], minutes[key]) for key in spelling]
    return tuple(sorted(people, key=lambda p: (-p.minutes, -p.entries, p.handle.lower())))


def _periods(
    entries: Sequence[EntryFigures],
    by: Period,
    since: dt.date | None,
    until: dt.date | None,
    order: Sequence[str],
) -> list[PeriodFigures]:
    dates = [figures.date for figures in entries]
    first = since or min(dates, default=None)
    last = until or max(dates, default=None)
    if first is None or last is None or first > last:
        return []
    grouped: dict[str, list[EntryFigures]] = {}
    start = by.start(first)
    while start <= last:
        grouped[by.of(start)] = []
        start = by.next_start(start)
    for figures in entries:
        grouped[by.of(figures.date)].append(figures)
    periods = []
    for label, members in grouped.items():
        minutes: Counter[str] = Counter()
        for figures in members:
            for handle in figures.people:
                minutes[handle.lower()] += figures.minutes or 0
        periods.append(
            PeriodFigures(
                period=label,
                entries=len(members),
                minutes=sum(figures.minutes or 0 for figures in members),
                without_duration=sum(1 for figures in members if figures.minutes is None),
                by_person=tuple(
                    (handle, minutes[handle.lower()]) for handle in order if minutes[handle.lower()]
                ),
            )
        )
    return periods


def format_minutes(minutes: int) -> str:
    """`385` as `6h 25m`; under an hour as `45m`."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest}m"


def summarize_added(log: Log, changed_lines: frozenset[int]) -> str | None:
    """One line saying what the entries a change adds add, or None when it adds none.

    An entry is added when its heading line is among `changed_lines` (the lines a pull
    request added). For the check run's summary, e.g. "Adds 2 entries: 1h 15m of support
    time (1 without a duration), by @alice and @bob."
    """
    added = [index for index, e in enumerate(log.entries) if e.start_line in changed_lines]
    if not added:
        return None
    durations = _entry_minutes(log)
    minutes = sum(durations.get(index, 0) for index in added)
    untimed = sum(1 for index in added if index not in durations)
    people = _distinct([h for index in added for h in log.entries[index].participants])
    count = len(added)
    text = f"Adds {count} {'entry' if count == 1 else 'entries'}: "
    if untimed == count:
        text += "no duration tag"
    else:
        text += f"{format_minutes(minutes)} of support time"
        if untimed:
            text += f" ({untimed} without a duration)"
    if people:
        *others, last = people
        named = f"{', '.join(others)} and {last}" if others else last
        text += f", by {named}"
    return text + "."
