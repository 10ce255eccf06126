"""The figures of `chronolog report`: real logs, counted independently, and the edge cases."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from chronolog.handover import handover, with_states
from chronolog.parse import parse_log
from chronolog.references import Reference
from chronolog.stats import Period, compute_stats, entry_figures, format_minutes, summarize_added
from tests.conftest import LOGS

REFERENCE_LOG = LOGS / "devx-support-log-2022.md"
REAL_LOGS = sorted(path for path in LOGS.glob("*.md") if path.name != "SOURCE.md")

# Independent of chronolog's grammar: the spellings the real logs use (checked with
# `grep -o -i "[$@]\?d[a-z]*ion *[=:] *[0-9.]* *[a-z]*" tests/fixtures/logs/*.md`).
TAG = re.compile(r"[$@]?DURAT?TION=(\d+)([mh])")
HEADING = re.compile(r"## (\d{4})-(\d{2})-(\d{2})(?: |$)")


def counted_by_hand(path: Path) -> tuple[int, dict[str, int], dict[str, int]]:
    """Total minutes, minutes per month and entries per month, from the raw lines."""
    total, minutes, entries = 0, Counter[str](), Counter[str]()
    month, fenced = None, False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = None if fenced else HEADING.match(line)
        if heading:
            month = f"{heading[1]}-{heading[2]}"
            entries[month] += 1
        elif not fenced and line.startswith(("# ", "## ")):
            month = None
        for number, unit in TAG.findall(line):
            if month is not None:
                value = int(number) * (60 if unit == "h" else 1)
                total += value
                minutes[month] += value
    return total, dict(minutes), dict(entries)


def stats_of(path: Path, **options: object) -> object:
    log = parse_log(path.read_text(encoding="utf-8"))
    return compute_stats(entry_figures(log, repo="o/r"), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda path: path.name)
def test_real_logs_add_up_as_counted_by_hand(path: Path) -> None:
    total, minutes, entries = counted_by_hand(path)
    stats = stats_of(path)
    assert stats.total_minutes == total  # type: ignore[attr-defined]
    periods = stats.periods  # type: ignore[attr-defined]
    assert {p.period: p.minutes for p in periods if p.minutes} == minutes
    assert {p.period: p.entries for p in periods if p.entries} == entries


def test_reference_log_by_month_and_person() -> None:
    # By hand: grep -n "DURAT" and the `## ` headings of devx-support-log-2022.md. May has
    # 8 entries (lines 537-632); 05-24: 30+45+20, 05-23: 60, 05-18: 30, 05-11: 90, 05-02:
    # 20 (@jhchabran, 295); 05-04: 15+30+15+30 (@bobheadxi, 90); 05-30 and 05-12 none.
    log = parse_log(REFERENCE_LOG.read_text(encoding="utf-8"))
    stats = compute_stats(entry_figures(log))
    may = next(p for p in stats.periods if p.period == "2022-05")
    assert (may.entries, may.minutes, may.without_duration) == (8, 385, 2)
    assert may.by_person == (("@bobheadxi", 90), ("@jhchabran", 295))
    assert [(p.handle, p.entries, p.minutes) for p in stats.people] == [
        ("@bobheadxi", 14, 870),
        ("@jhchabran", 40, 565),
        ("@burmudar", 5, 0),
        ("@davejrt", 3, 0),
        ("@sanderginn", 3, 0),
        ("@marekweb", 1, 0),
        ("@william", 1, 0),
    ]
    assert (stats.total_minutes, len(stats.entries), stats.without_duration) == (1435, 57, 36)


def test_weeks_are_iso_weeks_and_empty_periods_are_kept() -> None:
    stats = stats_of(REFERENCE_LOG, by=Period.WEEK, since=dt.date(2022, 5, 1))
    labels = [p.period for p in stats.periods]  # type: ignore[attr-defined]
    # 2022-05-01 is a Sunday: ISO week 17 of 2022. The log ends on 2022-11-25, week 47.
    assert labels[:3] == ["2022-W17", "2022-W18", "2022-W19"]
    assert labels[-1] == "2022-W47"
    assert len(labels) == 31
    week18 = stats.periods[1]  # type: ignore[attr-defined]
    assert (week18.entries, week18.minutes) == (2, 110)  # 05-04 (90) and 05-02 (20)


LOG = """\
# Log

## 2024-03-04

@alice, @Bob and @carol paired on the outage $DURATION=1.5h and @DURATION=10m.
`$DURATION=9h` in code is no tag.

```
$DURATION=8h in a code block either
```

## 2024-03-02

@bob sorted #12 and o/r2#3. DURATTION=20m

## 2024-02-28

Nobody named here. DURATION=5m

## 2024-02-27

@alice no time written down; see #12.

## 20/02/2024

@alice an undated entry $DURATION=1h
"""


def test_each_participant_is_credited_with_the_whole_duration() -> None:
    log = parse_log(LOG)
    stats = compute_stats(entry_figures(log, repo="o/r"), undated=1)
    assert stats.total_minutes == 100 + 20 + 5
    assert [(p.handle, p.entries, p.minutes) for p in stats.people] == [
        ("@Bob", 2, 120),  # spelled as the newest entry writes it
        ("@alice", 2, 100),
        ("@carol", 1, 100),
    ]
    assert stats.unattributed_minutes == 5
    assert stats.without_duration == 1
    assert [(p.period, p.entries, p.minutes) for p in stats.periods] == [
        ("2024-02", 2, 5),
        ("2024-03", 2, 120),
    ]
    assert stats.references == ((Reference("o", "r", 12), 2), (Reference("o", "r2", 3), 1))
    assert stats.repositories == (("o/r", 2), ("o/r2", 1))


def test_since_and_until_include_both_days() -> None:
    log = parse_log(LOG)
    stats = compute_stats(entry_figures(log), since=dt.date(2024, 2, 28), until=dt.date(2024, 3, 2))
    assert [figures.date.isoformat() for figures in stats.entries] == ["2024-03-02", "2024-02-28"]


def test_format_minutes() -> None:
    assert [format_minutes(m) for m in (0, 45, 60, 385, 1500)] == [
        "0m",
        "45m",
        "1h 00m",
        "6h 25m",
        "25h 00m",
    ]


def test_summarize_added_says_what_new_entries_add() -> None:
    log = parse_log(LOG)
    assert summarize_added(log, frozenset({3, 4, 12, 13})) == (
        "Adds 2 entries: 2h 00m of support time, by @alice, @Bob and @carol."
    )
    assert summarize_added(log, frozenset({20, 21})) == "Adds 1 entry: no duration tag, by @alice."
    assert summarize_added(log, frozenset({16, 20})) == (
        "Adds 2 entries: 5m of support time (1 without a duration), by @alice."
    )
    assert summarize_added(log, frozenset({5, 14})) is None  # no heading added


def test_handover_lists_references_of_the_last_days_newest_first() -> None:
    log = parse_log(LOG)
    figures = entry_figures(log, path="log.md", repo="o/r")
    found = handover(figures, until=dt.date(2024, 3, 4), days=6)
    assert (found.since, found.until) == (dt.date(2024, 2, 28), dt.date(2024, 3, 4))
    assert [(str(i.reference), [m.line for m in i.mentions]) for i in found.items] == [
        ("o/r#12", [12]),
        ("o/r2#3", [12]),
    ]
    assert found.items[0].mentions[0].summary == "sorted #12 and o/r2#3. DURATTION=20m"
    longer = handover(figures, until=dt.date(2024, 3, 4), days=7)
    assert [m.date.day for m in longer.items[0].mentions] == [2, 27]
    checked = with_states(found, {Reference("o", "r", 12): "closed"})
    assert [(str(i.reference), i.state) for i in checked.open_items()] == [("o/r2#3", None)]


def test_a_window_finds_the_same_references_as_the_whole_log() -> None:
    log = parse_log(REFERENCE_LOG.read_text(encoding="utf-8"))
    since, until = dt.date(2022, 4, 26), dt.date(2022, 6, 15)
    whole = [f for f in entry_figures(log, repo="o/r") if since <= f.date <= until]
    window = entry_figures(log, repo="o/r", since=since, until=until)
    assert window == whole
    assert sum(len(f.references) for f in window) == 22
