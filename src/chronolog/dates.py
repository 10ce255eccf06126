"""Read the date a heading starts with, in the spellings people actually type.

`read_date` knows ISO 8601 (`2022-11-25`), its sloppy cousins (`2022/11/23`, `2022.11.23`,
`2022-11-5`, `20221125`), day-first and month-first numeric dates (`25/11/2022`,
`11/05/2022`), two-digit years (`22-06-29`) and month names (`Nov 24, 2022`,
`24 November 2022`). It returns every valid reading so callers can tell unambiguous
spellings from ambiguous ones.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
# A date ends at the end, a space, punctuation before a note (`2022-11-26: deploy`), or
# the `T` of an ISO 8601 time (`2022-11-24T10:00`).
_END = r"(?=$|\s|[:,;.\u2013\u2014-]|T[0-9])"
_NOTE_SEPARATORS = " \t:,;.\u2013\u2014-"
_ORDINAL = r"(?:st|nd|rd|th)?"

_YEAR_FIRST = re.compile(rf"(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_END}", re.ASCII)
_COMPACT = re.compile(rf"(\d{{4}})(\d{{2}})(\d{{2}}){_END}", re.ASCII)
_YEAR_LAST = re.compile(rf"(\d{{1,2}})([-/.])(\d{{1,2}})\2(\d{{4}}){_END}", re.ASCII)
_SHORT_YEAR = re.compile(rf"(\d{{2}})-(\d{{2}})-(\d{{2}}){_END}", re.ASCII)
_WORDS = re.IGNORECASE | re.ASCII
_MONTH_FIRST = re.compile(
    rf"{_WEEKDAY}({_MONTH})\.?\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}}){_END}", _WORDS
)
_DAY_FIRST = re.compile(
    rf"{_WEEKDAY}(\d{{1,2}}){_ORDINAL}\s+({_MONTH})\.?,?\s+(\d{{4}}){_END}", _WORDS
)


@dataclass(frozen=True)
class Reading:
    """One way to understand a written date, and how it was understood."""

    date: dt.date
    order: str  # "year first", "day first", "month first"


@dataclass(frozen=True)
class DateSpelling:
    """The date at the start of a heading as written, its valid readings and the rest."""

    written: str
    readings: tuple[Reading, ...]
    rest: str
    two_digit_year: bool = False
    invalid: str | None = None  # why no reading is a real calendar date

    @property
    def unambiguous(self) -> dt.date | None:
        dates = {reading.date for reading in self.readings}
        return dates.pop() if len(dates) == 1 else None


def _reading(year: int, month: int, day: int, order: str) -> Reading | str:
    """A valid reading, or the reason the date does not exist."""
    if not 1 <= month <= 12:
        return f"month {month} does not exist"
    try:
        return Reading(dt.date(year, month, day), order)
    except ValueError:
        days = calendar.monthrange(year, month)[1] if year >= 1 else 31
        return f"{calendar.month_name[month]} {year} has {days} days"


def _spelling(
    text: str, match: re.Match[str], candidates: list[tuple[int, int, int, str]], **extra: bool
) -> DateSpelling:
    readings: list[Reading] = []
    reasons: list[str] = []
    for year, month, day, order in candidates:
        result = _reading(year, month, day, order)
        if isinstance(result, Reading):
            if result.date not in {r.date for r in readings}:
                readings.append(result)
        else:
            reasons.append(result)
    return DateSpelling(
        written=match.group(0),
        readings=tuple(readings),
        rest=_note(text[match.end() :]),
        invalid=None if readings else reasons[0],
        **extra,
    )


def _note(after: str) -> str:
    """What follows a date, without the punctuation that separated it (a time keeps its
    digits: `T10:00` becomes `10:00`)."""
    if after[:1] == "T":
        after = after[1:]
    return after.lstrip(_NOTE_SEPARATORS).strip()


def read_date(text: str) -> DateSpelling | None:
    """The date `text` starts with, in any spelling chronolog knows, or None."""
    text = text.strip()
    if match := _YEAR_FIRST.match(text) or _COMPACT.match(text):
        groups = match.groups()
        year, month, day = int(groups[0]), int(groups[-2]), int(groups[-1])
        return _spelling(text, match, [(year, month, day, "year first")])
    if match := _YEAR_LAST.match(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        return _spelling(
            text, match, [(year, first, second, "month first"), (year, second, first, "day first")]
        )
    if match := _SHORT_YEAR.match(text):
        year, month, day = (int(group) for group in match.groups())
        return _spelling(
            text, match, [(2000 + year, month, day, "year first")], two_digit_year=True
        )
    if match := _MONTH_FIRST.match(text):
        month, day, year = _MONTHS[match[1].lower()], int(match[2]), int(match[3])
        return _spelling(text, match, [(year, month, day, "month first")])
    if match := _DAY_FIRST.match(text):
        day, month, year = int(match[1]), _MONTHS[match[2].lower()], int(match[3])
        return _spelling(text, match, [(year, month, day, "day first")])
    return None
