"""`newest-first`: entries are in reverse chronological order."""

from __future__ import annotations

import datetime as dt

from chronolog.check import check_log, fix_text, select_rules
from chronolog.config import parse_config
from chronolog.parse import parse_log
from chronolog.rule import Context
from chronolog.rules import newest_first
from chronolog.rules.newest_first import keep_in_order
from tests.conftest import LOGS
from tests.helpers import TODAY, findings, fixed

RULE = "newest-first"


def nonblank(text: str) -> list[str]:
    """The non-blank lines, sorted: a move may add a blank line between entries, nothing else."""
    return sorted(line for line in text.splitlines() if line.strip())


def entry(date: str, who: str = "alice") -> str:
    return f"## {date}\n\n@{who} worked on {date}\n\n"


def test_keeps_a_longest_non_increasing_run_preferring_the_top() -> None:
    def kept(*days: int) -> set[int]:
        return keep_in_order([dt.date(2022, 1, day) for day in days])

    assert kept(5, 4, 4, 1) == {0, 1, 2, 3}  # equal dates are in order
    assert kept(1, 2, 3) == {0}  # an ascending log: keep the top, move the rest
    assert kept(9, 8, 20, 7, 6) == {0, 1, 3, 4}  # one stray entry, not everything after it
    assert kept() == set()
    assert kept(7) == {0}
    assert kept(*range(31, 0, -1)) == set(range(31))  # a log in order keeps every entry
    assert kept(*range(31, 1, -1), 2, 3) == set(range(31))  # all but the last, 3 after 2


def test_flags_only_the_entry_out_of_place_and_moves_it_byte_for_byte() -> None:
    text = (
        "# Log\n\n"
        + entry("2022-11-25")
        + entry("2022-11-01")
        + entry("2022-11-20")
        + entry("2022-10-01")
    )
    assert findings(text, RULE) == [
        (
            11,
            "`## 2022-11-20` is out of order: it is newer than `## 2022-11-01` (line 7) above "
            "it; entries go newest first. Move the entry above `## 2022-11-01` (line 7)",
        )
    ]
    assert fixed(text, RULE) == "# Log\n\n" + entry("2022-11-25") + entry("2022-11-20") + entry(
        "2022-11-01"
    ) + entry("2022-10-01")


def test_entries_appended_at_the_bottom_in_a_real_pull_request() -> None:
    # sourcegraph/devx-scratch PR #1 appended 2022-03-22 and 2022-03-25 below 2022-03-21.
    text = (LOGS / "devx-support-log.head.md").read_text()
    assert [line for line, _ in findings(text, RULE)] == [17, 25]
    result = fixed(text, RULE)
    assert [line for line in result.splitlines() if line.startswith("## ")] == [
        "## 2022-03-25",
        "## 2022-03-22",
        "## 2022-03-21",
    ]
    assert nonblank(result) == nonblank(text)  # nothing lost or added
    assert findings(result, RULE) == []


def test_a_whole_ascending_log_is_reversed_by_repeated_moves() -> None:
    text = (LOGS / "devx-stateless-agents-chrono.md").read_text()
    assert [line for line, _ in findings(text, RULE)] == [28, 75, 101, 118, 124, 139, 180, 203, 219]
    result = fixed(text, RULE)
    dates = [line[3:13] for line in result.splitlines() if line.startswith("## ")]
    assert dates == sorted(dates, reverse=True)
    assert nonblank(result) == nonblank(text)


def test_last_years_year_typed_in_january_proposes_the_year_change() -> None:
    text = "# Log\n\n" + entry("2022-01-03") + entry("2022-12-28") + entry("2022-12-20")
    assert findings(text, RULE) == [
        (
            3,
            "`## 2022-01-03` is out of order: it is older than `## 2022-12-28` (line 7) below "
            "it; entries go newest first. Was the year mistyped? If so, change the date to "
            "`2023-01-03`; otherwise move the entry to the end of the log",
        )
    ]
    assert fixed(text, RULE) == text  # changing a date is a guess: unsafe
    assert fixed(text, RULE, unsafe=True).startswith("# Log\n\n## 2023-01-03\n")


def test_year_change_that_lands_in_the_future_is_not_proposed() -> None:
    # Today is 2026-11-25: 2027-01-03 would be in the future, so only the move remains.
    text = "# Log\n\n" + entry("2026-01-03") + entry("2026-11-20") + entry("2026-11-10")
    [(_, message)] = findings(text, RULE)
    assert message.endswith("Move the entry to the end of the log")
    assert fixed(text, RULE) == "# Log\n\n" + entry("2026-11-20") + entry("2026-11-10") + entry(
        "2026-01-03"
    )


def test_moving_the_last_entry_keeps_a_blank_line_between_entries() -> None:
    text = "# Log\n\n## 2022-11-01\n\n@alice\n\n## 2022-11-02\n\n@bob"
    assert fixed(text, RULE) == "# Log\n\n## 2022-11-02\n\n@bob\n\n## 2022-11-01\n\n@alice\n"


def test_with_two_entries_the_january_entry_on_top_is_the_typo() -> None:
    # Either entry could be "the" misplaced one; last year's year typed in January is the
    # likelier story, so the finding is on the top entry, not on the older one below it.
    text = "# Log\n\n" + entry("2022-01-03") + entry("2022-12-28")
    assert findings(text, RULE) == [
        (
            3,
            "`## 2022-01-03` is out of order: it is older than `## 2022-12-28` (line 7) below "
            "it; entries go newest first. Was the year mistyped? If so, change the date to "
            "`2023-01-03`; otherwise move the entry to the end of the log",
        )
    ]
    assert fixed(text, RULE, unsafe=True) == "# Log\n\n" + entry("2023-01-03").replace(
        "worked on 2023-01-03", "worked on 2022-01-03"
    ) + entry("2022-12-28")


def test_an_ascending_log_is_not_a_series_of_year_typos() -> None:
    # 2023-03-22 would be "in order" above 2022-03-23, but a year away from it: a move.
    text = "# Log\n\n" + entry("2022-03-22") + entry("2022-03-23")
    [(_, message)] = findings(text, RULE)
    assert "mistyped" not in message


def test_in_a_review_the_entry_the_change_added_is_the_one_blamed() -> None:
    # A new entry dated 2022-11-10 on top of 2022-11-20: either could be "out of place".
    # Without a diff the top one is kept; in a review the added one is blamed.
    text = "# Log\n\n" + entry("2022-11-10") + entry("2022-11-20")
    assert [line for line, _ in findings(text, RULE)] == [7]
    review = Context(today=TODAY, changed_lines=frozenset(range(3, 7)))
    found = check_log(parse_log(text), review, select_rules([RULE]))
    assert [f.line for f in found] == [3]


def test_a_move_never_targets_an_entry_with_a_mistyped_year() -> None:
    # 2022-01-03 is a typo for 2023-01-03; 2022-12-30 goes above 2022-12-28, not above it.
    text = "# Log\n\n" + entry("2022-01-03") + entry("2022-12-28") + entry("2022-12-30")
    messages = [message for _, message in findings(text, RULE)]
    assert messages[1].endswith("Move the entry above `## 2022-12-28` (line 7)")


OLDEST_FIRST = parse_config("order: oldest-first\n").rules(["newest-first"])


def oldest_first(text: str) -> list[tuple[int, str]]:
    log = parse_log(text)
    return [(f.line, f.message) for f in check_log(log, Context(today=TODAY), OLDEST_FIRST)]


def test_oldest_first_flags_an_entry_newer_than_the_one_below() -> None:
    text = "# Log\n\n" + entry("2022-11-19") + entry("2022-11-25") + entry("2022-11-20")
    assert oldest_first(text) == [
        (
            11,
            "`## 2022-11-20` is out of order: it is older than `## 2022-11-25` (line 7) above "
            "it; entries go oldest first. Move the entry above `## 2022-11-25` (line 7)",
        )
    ]
    log = parse_log(text)
    result = fix_text(text, Context(today=TODAY), OLDEST_FIRST)
    assert result.text == "# Log\n\n" + entry("2022-11-19") + entry("2022-11-20") + entry(
        "2022-11-25"
    )
    assert check_log(parse_log(result.text), Context(today=TODAY), OLDEST_FIRST) == []
    assert len(log.entries) == 3


def test_oldest_first_a_newest_first_log_is_the_one_out_of_order() -> None:
    text = "# Log\n\n" + entry("2022-11-25") + entry("2022-11-20")
    assert oldest_first(text) == [
        (
            7,
            "`## 2022-11-20` is out of order: it is older than `## 2022-11-25` (line 3) above "
            "it; entries go oldest first. Move the entry above `## 2022-11-25` (line 3)",
        )
    ]


def test_oldest_first_the_january_entry_at_the_bottom_is_the_typo() -> None:
    text = "# Log\n\n" + entry("2022-12-28") + entry("2022-01-03")
    assert oldest_first(text) == [
        (
            7,
            "`## 2022-01-03` is out of order: it is older than `## 2022-12-28` (line 3) above "
            "it; entries go oldest first. Was the year mistyped? If so, change the date to "
            "`2023-01-03`; otherwise move the entry above `## 2022-12-28` (line 3)",
        )
    ]


def test_the_rule_keeps_its_name_whatever_the_order() -> None:
    assert [rule.name for rule in OLDEST_FIRST] == ["newest-first"]
    assert parse_config("").rules(["newest-first"]) == (newest_first.RULE,)
