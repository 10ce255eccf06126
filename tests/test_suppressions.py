"""Inline suppression comments, and `unused-suppression` for those that silence nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chronolog.check import check_log, fix_text, select_rules
from chronolog.model import Finding
from chronolog.parse import parse_log
from chronolog.rule import Context

CONTEXT = Context(today=dt.date(2026, 1, 1))
DOCS = Path(__file__).parent.parent / "docs"
RULE_PAGES = Path(__file__).parent.parent / "src" / "chronolog" / "rules" / "docs"


def found(text: str, *rules: str) -> list[tuple[int, str, str]]:
    selected = select_rules(rules or None)
    return [(f.line, f.rule, f.message) for f in check_log(parse_log(text), CONTEXT, selected)]


def findings_of(text: str) -> list[Finding]:
    return check_log(parse_log(text), CONTEXT)


TEMPLATE = """\
# Log

Copy this for a new entry:

<!-- chronolog-disable-next-line date-heading -->
## YYYY-MM-DD

@you what happened

## 2022-11-20

@alice real entry
"""


def test_next_line_silences_the_rule_on_the_next_line() -> None:
    assert found(TEMPLATE) == []
    bare = TEMPLATE.replace("<!-- chronolog-disable-next-line date-heading -->\n", "")
    assert [(line, rule) for line, rule, _ in found(bare)] == [(5, "date-heading")]


KEPT_OUT_OF_ORDER = """\
# Log

## 2022-11-20

@alice newest

<!-- chronolog-disable-next-line newest-first, participants -->
## 2022-11-25

Pinned on purpose: the plan for the week.

## 2022-11-19

@bob older
"""


def test_above_a_heading_it_covers_the_whole_entry() -> None:
    # `participants` reports the entry's first line (9), inside the entry below the comment.
    assert found(KEPT_OUT_OF_ORDER) == []


def test_disable_and_enable_bracket_lines() -> None:
    text = (
        "# Log\n\n<!-- chronolog-disable participants -->\n## 2022-11-20\n\nno handle\n\n"
        "## 2022-11-19\n\nnone either\n<!-- chronolog-enable participants -->\n\n"
        "## 2022-11-18\n\nstill none\n"
    )
    assert [(line, rule) for line, rule, _ in found(text)] == [(15, "participants")]


def test_a_disable_without_enable_runs_to_the_end() -> None:
    text = "<!-- chronolog-disable participants -->\n# Log\n\n## 2022-11-20\n\nno handle\n"
    assert found(text) == []


def test_comments_in_code_blocks_do_not_count() -> None:
    text = (
        "# Log\n\n```markdown\n<!-- chronolog-disable-next-line date-heading -->\n```\n"
        "## 25/11/2022\n\n@alice x\n\n    <!-- chronolog-disable date-heading -->\n\n"
        "## 24/11/2022\n\n@bob y `<!-- chronolog-disable date-heading -->` quoted\n\n"
        "## 23/11/2022\n\n@carol z\n"
    )
    assert [(line, rule) for line, rule, _ in found(text)] == [
        (6, "date-heading"),
        (12, "date-heading"),
        (16, "date-heading"),
    ]


def test_an_unused_suppression_is_reported_with_a_fix_that_removes_it() -> None:
    text = (
        "# Log\n\n<!-- chronolog-disable-next-line participants, mojibak -->\n"
        "## 2022-11-20\n\n@alice fine\n"
    )
    assert found(text) == [
        (
            3,
            "unused-suppression",
            "`<!-- chronolog-disable-next-line participants, mojibak -->` suppresses nothing: "
            "`participants` reports nothing in the entry on lines 4-6; `mojibak` is not a rule",
        )
    ]
    finding = check_log(parse_log(text), CONTEXT)[0]
    assert (finding.severity, finding.column, finding.end_column) == ("warning", 1, 59)
    result = fix_text(text, CONTEXT)
    assert result.text == "# Log\n\n## 2022-11-20\n\n@alice fine\n"
    assert result.applied == (("unused-suppression", "Remove the comment"),)


def test_only_the_unused_names_go_and_a_disable_takes_its_enable_along() -> None:
    text = (
        "# Log\n\n<!-- chronolog-disable newest-first, participants -->\n"
        "## 2022-11-20\n\nno handle\n<!-- chronolog-enable newest-first, participants -->\n"
    )
    assert found(text) == [
        (
            3,
            "unused-suppression",
            "`<!-- chronolog-disable newest-first, participants -->` suppresses nothing: "
            "`newest-first` reports nothing on lines 3-7",
        )
    ]
    assert fix_text(text, CONTEXT).text == (
        "# Log\n\n<!-- chronolog-disable participants -->\n"
        "## 2022-11-20\n\nno handle\n<!-- chronolog-enable participants -->\n"
    )


def test_an_enable_that_closes_nothing_and_a_comment_naming_nothing() -> None:
    text = (
        "# Log <!-- chronolog-enable participants -->\n\n"
        "<!-- chronolog-disable-next-line -->\n## 2022-11-20\n\n@alice x\n"
    )
    assert [(line, message) for line, _, message in found(text)] == [
        (
            1,
            "`<!-- chronolog-enable participants -->` suppresses nothing: "
            "no `chronolog-disable participants` above it is open",
        ),
        (3, "`<!-- chronolog-disable-next-line -->` suppresses nothing: it names no rule"),
    ]
    assert fix_text(text, CONTEXT).text == "# Log\n\n## 2022-11-20\n\n@alice x\n"


def test_suppressions_of_rules_that_did_not_run_are_not_judged() -> None:
    assert found(TEMPLATE, "participants", "unused-suppression") == []
    # With unused-suppression off, nothing reports the comments at all.
    assert found("<!-- chronolog-disable participants -->\n# Log\n", "participants") == []


def test_a_suppressed_finding_is_not_fixed() -> None:
    text = "# Log\n\n<!-- chronolog-disable-next-line date-heading -->\n## 25/11/2022\n\n@a x\n"
    assert fix_text(text, CONTEXT).text == text


@pytest.mark.parametrize("page", sorted(RULE_PAGES.glob("*.md")), ids=lambda p: p.stem)
def test_each_rule_page_shows_a_suppression_that_works(page: Path) -> None:
    rule = page.stem
    if rule == "unused-suppression":
        return
    section = page.read_text(encoding="utf-8").split("## Suppress it", 1)[1]
    example = section.split("```markdown\n", 1)[1].split("```", 1)[0]
    log = f"# Log\n\n## 2022-11-20\n\n@alice above\n\n{example}\n"
    assert [f for f in findings_of(log) if f.rule in (rule, "unused-suppression")] == []
    bare = "".join(line for line in log.splitlines(keepends=True) if "chronolog-" not in line)
    assert [f.rule for f in findings_of(bare) if f.rule == rule] != []
