"""`empty-entry`: a heading with nothing under it."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronolog.check import check_log
from chronolog.parse import parse_log
from chronolog.rule import Context
from chronolog.rules.empty_entry import RULE as EMPTY_ENTRY
from tests.helpers import TODAY, findings, fixed

RULE = "empty-entry"
LOGS = Path(__file__).parents[1] / "fixtures" / "logs"


def test_an_entry_with_text_is_not_empty() -> None:
    assert findings("## 2022-11-25\n@alice did things\n", RULE) == []


def test_a_heading_followed_by_the_next_heading_is_empty() -> None:
    text = "# Log\n\n## 2022-11-26\n\n\n## 2022-11-25\n\n@alice did things\n"
    assert findings(text, RULE) == [
        (3, "`## 2022-11-26` has nothing under it; write the entry or delete the heading")
    ]


def test_a_last_heading_at_the_end_of_the_file_is_empty() -> None:
    text = "## 2022-11-25\n\n@alice did things\n\n## 2022-11-24 Deploy\n   \n\t\n"
    assert findings(text, RULE) == [
        (5, "`## 2022-11-24 Deploy` has nothing under it; write the entry or delete the heading")
    ]


def test_an_entry_before_an_h1_is_empty() -> None:
    # An H1 ends the entry just as an H2 does.
    assert findings("## 2022-11-25\n\n# Archive\n", RULE) == [
        (1, "`## 2022-11-25` has nothing under it; write the entry or delete the heading")
    ]


@pytest.mark.parametrize("body", ["### Sub-heading", "```\n```", "- [ ]", "<!-- todo -->"])
def test_anything_that_is_not_blank_counts(body: str) -> None:
    assert findings(f"## 2022-11-25\n\n{body}\n", RULE) == []


def test_every_empty_heading_is_flagged_whatever_its_text() -> None:
    text = "## 25/11/2022\n\n## Notes\n"
    assert findings(text, RULE) == [
        (1, "`## 25/11/2022` has nothing under it; write the entry or delete the heading"),
        (3, "`## Notes` has nothing under it; write the entry or delete the heading"),
    ]


def test_a_setext_heading_spans_its_underline() -> None:
    [finding] = check_log(parse_log("2022-11-25\n----------\n\n"), Context(TODAY), [EMPTY_ENTRY])
    assert (finding.line, finding.end_line) == (1, 2)
    assert finding.message == (
        "`2022-11-25` has nothing under it; write the entry or delete the heading"
    )


def test_there_is_no_fix() -> None:
    # Deleting the heading or writing the entry is the author's call.
    text = "## 2022-11-26\n\n## 2022-11-25\n\n@alice did things\n"
    assert fixed(text, RULE) == text


@pytest.mark.parametrize("path", sorted(LOGS.glob("*.md")), ids=lambda path: path.name)
def test_no_real_log_has_an_empty_entry(path: Path) -> None:
    assert findings(path.read_text(encoding="utf-8"), RULE) == []
