"""`future-date`: an entry is not dated after today in the earliest time zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from chronolog.check import check_log, fix_text
from chronolog.parse import parse_log
from chronolog.rule import Context, latest_current_date
from chronolog.rules.future_date import RULE as FUTURE_DATE
from tests.helpers import findings, fixed

RULE = "future-date"
LOGS = Path(__file__).parents[1] / "fixtures" / "logs"


def log(*headings: str) -> str:
    return "".join(f"{h}\n\n@alice did things\n\n" for h in headings)


def test_today_and_earlier_dates_pass() -> None:
    # The helpers' today is 2026-11-25.
    assert findings(log("## 2026-11-25", "## 2026-11-24", "## 1999-12-31"), RULE) == []


def test_a_date_after_today_is_a_warning() -> None:
    text = log("## 2026-11-26 Deploy", "## 2026-11-25")
    assert findings(text, RULE) == [
        (
            1,
            "the entry is dated 2026-11-26, after today (2026-11-25 in the earliest time zone); "
            "correct the date",
        )
    ]
    [finding] = check_log(parse_log(text), Context(dt.date(2026, 11, 25)), [FUTURE_DATE])
    assert finding.severity == "warning"
    assert (finding.column, finding.end_column) == (4, 14)  # the date in `## 2026-11-26 Deploy`


def test_a_date_in_the_note_does_not_count() -> None:
    assert findings(log("## 2026-11-20 (follow-up planned 2027-01-10)"), RULE) == []


def test_headings_that_are_not_iso_dates_are_left_to_date_heading() -> None:
    assert findings(log("## 2027/01/10", "## 2027-02-30", "## Later"), RULE) == []


def test_today_is_the_date_in_the_earliest_time_zone() -> None:
    # At 10:00 UTC on the 24th it is already the 25th in Kiribati (UTC+14), not yet the 26th.
    today = latest_current_date(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    text = log("## 2026-11-26", "## 2026-11-25")
    found = check_log(parse_log(text), Context(today), [FUTURE_DATE])
    assert [(f.line, f.message) for f in found] == [
        (
            1,
            "the entry is dated 2026-11-26, after today (2026-11-25 in the earliest time zone); "
            "correct the date",
        )
    ]


def test_there_is_no_fix() -> None:
    # Only the author knows the right date.
    text = log("## 2026-12-24")
    assert fixed(text, RULE) == text


def test_the_reference_log_was_not_ahead_of_its_time() -> None:
    text = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    assert findings(text, RULE) == []
    # Checked as of 2022-11-23 everywhere, its top entry (2022-11-25) would be in the future.
    early = check_log(parse_log(text), Context(dt.date(2022, 11, 23)), [FUTURE_DATE])
    assert [(f.line, f.message) for f in early] == [
        (
            5,
            "the entry is dated 2022-11-25, after today (2022-11-23 in the earliest time zone); "
            "correct the date",
        )
    ]
    assert fix_text(text, Context(dt.date(2022, 11, 23)), [FUTURE_DATE]).text == text
