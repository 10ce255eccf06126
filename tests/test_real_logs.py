"""Truth on real logs: every finding chronolog reports on the fixtures, and why it is right.

A well-kept log (the reference log) must have no error-level finding: any error there would
be a false alarm. The other logs are real versions with real defects (see
tests/fixtures/logs/SOURCE.md); each pinned line below says what is wrong there.
"""

from __future__ import annotations

import datetime as dt

import pytest
from markdown_it import MarkdownIt

from chronolog.check import check_log, fix_text
from chronolog.config import parse_config
from chronolog.model import Severity
from chronolog.parse import parse_log
from chronolog.rule import Context
from tests.conftest import LOGS

CONTEXT = Context(today=dt.date(2026, 11, 25))


def findings_by_rule(name: str) -> dict[str, list[int]]:
    log = parse_log((LOGS / name).read_text(encoding="utf-8"))
    result: dict[str, list[int]] = {}
    for finding in check_log(log, CONTEXT):
        result.setdefault(finding.rule, []).append(finding.line)
    return result


def test_reference_log_has_no_error_only_its_real_warnings() -> None:
    log = parse_log((LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8"))
    found = check_log(log, CONTEXT)
    assert [f for f in found if f.severity is Severity.ERROR] == []
    assert findings_by_rule("devx-support-log-2022.md") == {
        # Pasted terminal output whose 👉 and 🔥 arrived as mojibake.
        "mojibake": [98, 99, 100, 101, 102, 312],
        # `@DURATION=3h` (385, 417, 490), `DURATION=10m` without `$` (531, 535, 553, 557,
        # 567, 573) and the misspelt `DURATTION=20m` (561).
        "duration-tag": [385, 417, 490, 531, 535, 553, 557, 561, 567, 573],
    }
    assert len(log.entries) == 57


def test_reference_log_fixed_is_clean_and_only_those_lines_change() -> None:
    text = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    result = fix_text(text, CONTEXT)
    assert result.remaining == ()
    assert result.fixed == 16
    changed = [
        number
        for number, (old, new) in enumerate(
            zip(text.splitlines(), result.text.splitlines(), strict=True), start=1
        )
        if old != new
    ]
    assert changed == [98, 99, 100, 101, 102, 312, 385, 417, 490, 531, 535, 553, 557, 561, 567, 573]
    assert result.text.splitlines()[97] == '2022-10-19T17:08:10.0074999Z 👉 Using target "latest"'


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Later, well-kept versions of the DevX logs: clean, or only the tag variants.
        ("devx-devops.md", {}),
        ("devx-scaletesting-log.base.md", {}),
        # PR #6 adds two entries on top starting `@milan`: a handle, in order.
        ("devx-scaletesting-log.head.md", {}),
        ("devx-support-log.base.md", {}),
        # The canonical log: `DURATION=3h` on its own line (22) and the same variants as
        # in the reference log, shifted by the entries added since.
        (
            "devx-support-log.md",
            {"duration-tag": [22, 414, 446, 519, 560, 564, 582, 586, 590, 596, 602]},
        ),
        (
            "devx-support-log-cd.base.md",
            {"duration-tag": [274, 306, 379, 420, 424, 442, 446, 450, 456, 462]},
        ),
        # The direct push "Add log entry for failed CD" forgot the handle (fixed two
        # commits later in "Forgot name AGAIN"): its first line (7) is prose.
        (
            "devx-support-log-cd.head.md",
            {
                "participants": [7],
                "duration-tag": [302, 334, 407, 448, 452, 470, 474, 478, 484, 490],
            },
        ),
        # PR #1 appended 2022-03-22 and 2022-03-25 below 2022-03-21.
        ("devx-support-log.head.md", {"newest-first": [17, 25]}),
        # Before "fix dates to ISO 8601 format": `## 22-06-29 ...` headings, and entries
        # starting `Kalan:` / prose instead of handles.
        ("devx-devops-pre-iso.md", {"date-heading": [8, 21], "participants": [9, 22]}),
        # Before "o11y: fix out-of-order entry": 2022-06-30 sits above 2022-07-04 (the
        # move of line 14 is the one fix), and the 2022-06-30 entry starts with prose.
        ("devx-observability-outoforder.md", {"participants": [10], "newest-first": [14]}),
        # `- ## 2022-11-21 ...` is a heading inside a bullet, not an entry.
        ("devx-observability.md", {"heading-level": [8]}),
        # Before "reverse the log": ascending, so everything below the top entry is out
        # of place; the 2022-04-08 entry starts with prose (182).
        (
            "devx-stateless-agents-chrono.md",
            {
                "newest-first": [28, 75, 101, 118, 124, 139, 180, 203, 219],
                "participants": [182],
            },
        ),
    ],
)
def test_devx_logs(name: str, expected: dict[str, list[int]]) -> None:
    assert findings_by_rule(name) == expected


def test_the_ascending_log_kept_oldest_first_is_in_order() -> None:
    # The stateless-agents log before "reverse the log" ran oldest first, on purpose: with
    # `order: oldest-first` all ten entries are in order and only its real defect is left,
    # the 2022-04-08 entry that starts with prose (182).
    config = parse_config("order: oldest-first\n")
    log = parse_log((LOGS / "devx-stateless-agents-chrono.md").read_text(encoding="utf-8"))
    found = check_log(log, CONTEXT, config.rules(), config.severities)
    assert [(f.rule, f.line) for f in found] == [("participants", 182)]
    assert len(log.entries) == 10
    # And the newest-first logs are all out of order read that way.
    newest = parse_log((LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8"))
    flagged = [f for f in check_log(newest, CONTEXT, config.rules()) if f.rule == "newest-first"]
    assert len(flagged) == len(newest.entries) - 2  # all but the top entry and its twin date


def test_search_iteration_log_follows_another_convention() -> None:
    # Checked as a log anyway: a template heading `## YYYY-MM-DD to YYYY-MM-DD` (5), a
    # one-digit day `2020-10-5` (688), and entries that name owners in `**Owner(s):**`
    # under an H3 instead of a first line of handles: every entry fails `participants`,
    # which is right for the rule and why a team like this one would ignore that rule.
    assert findings_by_rule("sourcegraph-search-iteration-log.md") == {
        "date-heading": [5, 688],
        "participants": [7, 17, 38, 100, 182, 269, 314, 364, 413, 433, 483, 543, 620, 690, 740],
    }


def test_release_changelog_is_not_a_log() -> None:
    # Checked explicitly, a release-please changelog fails the log rules: its first 14
    # headings are `## [8.9.2](url) (2026-08-10)` and entries start with `### Features`.
    # That is why auto-detection in the app leaves files like it alone.
    found = findings_by_rule("node-addon-api-changelog.md")
    assert found["date-heading"] == [3, 10, 17, 24, 32, 47, 55, 62, 69, 77, 84, 92, 100, 113]
    assert len(found["participants"]) == 41
    assert set(found) == {"date-heading", "participants"}


def test_no_message_would_ping_anyone() -> None:
    # Messages become review comments, where a bare `@login` notifies that person. Every
    # handle a message quotes must sit inside a code span.
    inline = MarkdownIt("commonmark")
    context = Context(today=dt.date(2026, 11, 25), author="octocat")
    for path in sorted(LOGS.glob("*.md")):
        if path.name == "SOURCE.md":
            continue
        for finding in check_log(parse_log(path.read_text(encoding="utf-8")), context):
            texts = [finding.message] + ([finding.fix.title] if finding.fix else [])
            for text in texts:
                outside_code = " ".join(
                    child.content
                    for token in inline.parseInline(text)
                    for child in token.children or []
                    if child.type == "text"
                )
                assert "@" not in outside_code, (path.name, finding.line, text)
