"""Fixes as review suggestions: which become comments, their exact bodies, the review payload."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib

import pytest

from chronolog.check import check_log
from chronolog.check_output import MarkedFinding, mark_findings
from chronolog.diff import FileDiff, Hunk, Where, file_diff
from chronolog.fix_buttons import SafeFixes
from chronolog.model import Applicability, Edit, Finding, Fix, Severity
from chronolog.parse import parse_log
from chronolog.rule import Context
from chronolog.suggestions import (
    ReviewComment,
    fingerprint,
    fingerprints_in,
    marker,
    review_request,
    suggestion_comments,
)
from tests.conftest import LOGS

PATH = "docs/log.md"
LOG = parse_log(
    "# Log\n"  # 1
    "\n"  # 2
    "## 26/11/2022\n"  # 3
    "\n"  # 4
    "Restarted the agents.\n"  # 5
    "\n"  # 6
    "## 2022-11-25\n"  # 7
    "\n"  # 8
    "@alice looked at the agents\n"  # 9
)
# Lines 3-6 were added; 1-2 and 7-9 are context of the same hunk.
DIFF = FileDiff(PATH, None, "modified", (Hunk(1, 9, frozenset({3, 4, 5, 6})),), exact=True)
DATE = Finding(
    "date-heading",
    Severity.ERROR,
    3,
    3,
    "`## 26/11/2022` is not an ISO 8601 date; did you mean `## 2022-11-26`?",
    Fix("Rewrite the heading as `## 2022-11-26`", (Edit(3, 3, ("## 2022-11-26",)),)),
)
HANDLE = Finding(
    "participants",
    Severity.ERROR,
    5,
    5,
    "the entry's first line does not list everyone involved",
    Fix("Start the entry with `@octocat`", (Edit(5, 4, ("@octocat", "")),)),
)


def marked(*findings: Finding, where: Where = Where.ADDED) -> list[MarkedFinding]:
    return [MarkedFinding(PATH, finding, where) for finding in findings]


def github_patch(base: str, head: str) -> str:
    """What GitHub puts in `patch`: the unified diff (3 lines of context) without headers."""
    lines = difflib.unified_diff(base.splitlines(keepends=True), head.splitlines(keepends=True))
    return "".join(list(lines)[2:])


def test_fingerprint_is_a_stable_hash_of_rule_path_and_text() -> None:
    fp = fingerprint("date-heading", PATH, ["## 26/11/2022"])
    # The first 16 hex digits of sha256("<rule>\0<path>\0<lines joined by \n>").
    assert fp == "3d09d1a14d4b99e0"
    assert hashlib.sha256(b"date-heading\0docs/log.md\0## 26/11/2022").hexdigest()[:16] == fp
    assert fingerprint("date-heading", PATH, ("## 26/11/2022",)) == fp
    assert fingerprint("heading-level", PATH, ["## 26/11/2022"]) != fp
    assert fingerprint("date-heading", "other.md", ["## 26/11/2022"]) != fp
    assert fingerprint("date-heading", PATH, ["## 27/11/2022"]) != fp


def test_markers_are_found_again_in_comment_bodies() -> None:
    assert marker("3d09d1a14d4b99e0") == "<!-- chronolog:suggestion 3d09d1a14d4b99e0 -->"
    bodies = [
        "text\n\n<!-- chronolog:suggestion 3d09d1a14d4b99e0 -->",
        "a human's comment",
        "<!-- chronolog:suggestion 00000000000000aa --> <!-- chronolog:suggestion ff -->",
    ]
    assert fingerprints_in(bodies) == frozenset({"3d09d1a14d4b99e0", "00000000000000aa", "ff"})


def test_a_one_line_replacement_exactly() -> None:
    (comment,) = suggestion_comments(PATH, LOG, marked(DATE), DIFF, already_posted=frozenset())
    assert comment == ReviewComment(
        path=PATH,
        line=3,
        start_line=None,
        body=(
            "**chronolog** `date-heading`: `## 26/11/2022` is not an ISO 8601 date; did you "
            "mean `## 2022-11-26`? Fix: Rewrite the heading as `## 2022-11-26`.\n"
            "\n"
            "```suggestion\n"
            "## 2022-11-26\n"
            "```\n"
            "\n"
            "<!-- chronolog:suggestion 3d09d1a14d4b99e0 -->"
        ),
        fingerprints=("3d09d1a14d4b99e0",),
    )
    assert comment.as_json() == {"path": PATH, "body": comment.body, "line": 3, "side": "RIGHT"}


def test_an_insertion_is_shown_with_the_line_before_it() -> None:
    (comment,) = suggestion_comments(PATH, LOG, marked(HANDLE), DIFF, already_posted=frozenset())
    assert (comment.start_line, comment.line) == (None, 4)
    assert comment.body.endswith(
        "```suggestion\n\n@octocat\n\n```\n\n"
        f"<!-- chronolog:suggestion {fingerprint('participants', PATH, [''])} -->"
    )


def test_an_insertion_next_to_another_suggestion_joins_it() -> None:
    # Inserting before line 4 is shown with line 3, which the date suggestion replaces:
    # GitHub applies one suggestion per line in a batch, so one suggestion carries both.
    insert = Finding(
        "participants",
        Severity.ERROR,
        4,
        4,
        "no handles",
        Fix("Add `@octocat`", (Edit(4, 3, ("@octocat",)),)),
    )
    (comment,) = suggestion_comments(
        PATH, LOG, marked(DATE, insert), DIFF, already_posted=frozenset()
    )
    # Each fix keeps its own fingerprint (the text of its own span), one marker each.
    date_fp = fingerprint("date-heading", PATH, ["## 26/11/2022"])
    insert_fp = fingerprint("participants", PATH, ["## 26/11/2022"])
    assert comment == ReviewComment(
        path=PATH,
        line=3,
        start_line=None,
        body=(
            "**chronolog** fixes 2 problems on these lines:\n"
            "\n"
            "- `date-heading`: `## 26/11/2022` is not an ISO 8601 date; did you mean "
            "`## 2022-11-26`? Fix: Rewrite the heading as `## 2022-11-26`.\n"
            "- `participants`: no handles. Fix: Add `@octocat`.\n"
            "\n"
            "```suggestion\n"
            "## 2022-11-26\n"
            "@octocat\n"
            "```\n"
            "\n"
            f"<!-- chronolog:suggestion {date_fp} -->\n"
            f"<!-- chronolog:suggestion {insert_fp} -->"
        ),
        fingerprints=(date_fp, insert_fp),
    )


def test_fixes_on_lines_next_to_each_other_become_one_suggestion() -> None:
    # Line 4 (blank) and line 5 are adjacent: one suggestion of lines 3-5.
    blank = Finding(
        "empty-entry", Severity.WARNING, 4, 4, "m", Fix("Say something", (Edit(4, 4, ("x",)),))
    )
    both = suggestion_comments(PATH, LOG, marked(DATE, blank), DIFF, already_posted=frozenset())
    assert [(c.start_line, c.line) for c in both] == [(3, 4)]
    assert "```suggestion\n## 2022-11-26\nx\n```" in both[0].body


def test_conflicting_fixes_suggest_the_safer_and_name_the_other() -> None:
    # Reported on line 2, so first in the fix model's order: still the safe fix wins.
    unsafe = Finding(
        "newest-first",
        Severity.ERROR,
        2,
        3,
        "`## 26/11/2022` is out of order.",
        Fix("Change the year to 2021", (Edit(3, 3, ("## 26/11/2021",)),), Applicability.UNSAFE),
    )
    (comment,) = suggestion_comments(
        PATH, LOG, marked(unsafe, DATE), DIFF, already_posted=frozenset()
    )
    fp = fingerprint("date-heading", PATH, ["## 26/11/2022"])
    assert comment.fingerprints == (fp,)
    assert comment.body == (
        "**chronolog** fixes 1 problem on these lines:\n"
        "\n"
        "- `date-heading`: `## 26/11/2022` is not an ISO 8601 date; did you mean "
        "`## 2022-11-26`? Fix: Rewrite the heading as `## 2022-11-26`.\n"
        "\n"
        "Not included: this fix changes the same text differently; it comes back once "
        "this suggestion is committed.\n"
        "- `newest-first`: `## 26/11/2022` is out of order. Fix: Change the year to 2021 "
        "(unsafe: review before committing).\n"
        "\n"
        "```suggestion\n"
        "## 2022-11-26\n"
        "```\n"
        "\n"
        f"<!-- chronolog:suggestion {fp} -->"
    )


def test_several_edits_become_one_multi_line_suggestion() -> None:
    both = Finding(
        "date-heading",
        Severity.ERROR,
        3,
        5,
        "heading and first line",
        Fix("Fix both", (Edit(3, 3, ("## 2022-11-26",)), Edit(5, 5, ("@octocat Restarted.",)))),
        # Context lines count too: the whole span lies inside the hunk.
    )
    (comment,) = suggestion_comments(PATH, LOG, marked(both), DIFF, already_posted=frozenset())
    assert comment.as_json() == {
        "path": PATH,
        "body": comment.body,
        "line": 5,
        "side": "RIGHT",
        "start_line": 3,
        "start_side": "RIGHT",
    }
    assert "```suggestion\n## 2022-11-26\n\n@octocat Restarted.\n```" in comment.body
    assert comment.fingerprints == (
        fingerprint("date-heading", PATH, ["## 26/11/2022", "", "Restarted the agents."]),
    )


def test_no_suggestion_outside_one_hunk_or_without_an_exact_diff() -> None:
    two_hunks = FileDiff(
        PATH, None, "modified", (Hunk(1, 3, frozenset({3})), Hunk(5, 9, frozenset({5}))), True
    )
    spans_both = Finding(
        "date-heading",
        Severity.ERROR,
        3,
        5,
        "m",
        Fix("f", (Edit(3, 3, ("a",)), Edit(5, 5, ("b",)))),
    )
    assert (
        suggestion_comments(PATH, LOG, marked(spans_both), two_hunks, already_posted=frozenset())
        == []
    )
    outside = FileDiff(PATH, None, "modified", (Hunk(5, 9, frozenset({5})),), True)
    assert suggestion_comments(PATH, LOG, marked(DATE), outside, already_posted=frozenset()) == []
    inexact = FileDiff(PATH, None, "modified", DIFF.hunks, exact=False)
    assert suggestion_comments(PATH, LOG, marked(DATE), inexact, already_posted=frozenset()) == []


def test_at_most_thirty_lines() -> None:
    log = parse_log("".join(f"line {n}\n" for n in range(1, 41)))
    diff = FileDiff(PATH, None, "added", (Hunk(1, 40, frozenset(range(1, 41))),), True)

    def replacing(last: int) -> Finding:
        lines = tuple(f"new {n}" for n in range(1, last + 1))
        return Finding(
            "mojibake", Severity.WARNING, 1, last, "m", Fix("f", (Edit(1, last, lines),))
        )

    assert (
        len(suggestion_comments(PATH, log, marked(replacing(30)), diff, already_posted=frozenset()))
        == 1
    )
    assert (
        suggestion_comments(PATH, log, marked(replacing(31)), diff, already_posted=frozenset())
        == []
    )


def test_already_posted_and_repeated_suggestions_are_skipped() -> None:
    posted = frozenset({fingerprint("date-heading", PATH, ["## 26/11/2022"])})
    assert suggestion_comments(PATH, LOG, marked(DATE), DIFF, already_posted=posted) == []
    again = suggestion_comments(PATH, LOG, marked(DATE, DATE), DIFF, already_posted=frozenset())
    assert len(again) == 1


def test_findings_without_a_fix_or_of_another_file_give_nothing() -> None:
    plain = Finding("empty-entry", Severity.ERROR, 3, 3, "empty")
    other = MarkedFinding("other.md", DATE, Where.ADDED)
    assert (
        suggestion_comments(PATH, LOG, [*marked(plain), other], DIFF, already_posted=frozenset())
        == []
    )


def test_an_unsafe_fix_asks_for_review() -> None:
    year = Finding(
        "newest-first",
        Severity.ERROR,
        7,
        7,
        "`## 2022-11-25` is out of order.",
        Fix("Change the year to 2023", (Edit(7, 7, ("## 2023-11-25",)),), Applicability.UNSAFE),
    )
    (comment,) = suggestion_comments(
        PATH, LOG, marked(year, where=Where.CONTEXT), DIFF, already_posted=frozenset()
    )
    assert comment.body.startswith(
        "**chronolog** `newest-first`: `## 2022-11-25` is out of order. "
        "Fix: Change the year to 2023 (unsafe: review before committing).\n\n```suggestion\n"
    )


def test_a_replacement_with_a_code_fence_gets_a_longer_fence() -> None:
    fenced = Finding(
        "mojibake", Severity.WARNING, 5, 5, "m", Fix("f", (Edit(5, 5, ("```", "👉 x", "```")),))
    )
    (comment,) = suggestion_comments(PATH, LOG, marked(fenced), DIFF, already_posted=frozenset())
    assert "\n\n````suggestion\n```\n👉 x\n```\n````\n\n" in comment.body


def test_a_body_longer_than_github_accepts_is_not_posted() -> None:
    huge = Finding(
        "mojibake", Severity.WARNING, 5, 5, "m", Fix("f", (Edit(5, 5, ("é" * 40_000,)),))
    )
    assert suggestion_comments(PATH, LOG, marked(huge), DIFF, already_posted=frozenset()) == []


def comment(line: int, fixes: int = 1) -> ReviewComment:
    fps = tuple(f"{line:08x}{n:08x}" for n in range(fixes))
    return ReviewComment(PATH, line, None, f"body {line}", fps)


def test_review_request_exactly() -> None:
    request = review_request(
        [comment(3), comment(5, fixes=2)],
        commit_id="abc123",
        safe_fixes=SafeFixes(my_lines=3, whole_log=19),
    )
    assert request == {
        "commit_id": "abc123",
        "event": "COMMENT",
        "body": "chronolog suggests 3 fixes in 2 suggestions. On the check run, **Fix my "
        "lines** commits 3 safe fixes for the problems on the lines this pull request added "
        "or changed. **Fix whole log** commits all 19 safe fixes in the log, 16 of them on "
        "lines this pull request did not change.",
        "comments": [
            {"path": PATH, "body": "body 3", "line": 3, "side": "RIGHT"},
            {"path": PATH, "body": "body 5", "line": 5, "side": "RIGHT"},
        ],
    }


@pytest.mark.parametrize(
    ("safe_fixes", "closing"),
    [
        (SafeFixes(0, 0), ""),
        (
            SafeFixes(1, 1),
            " On the check run, **Fix my lines** commits 1 safe fix for the problems on the "
            "lines this pull request added or changed.",
        ),
        (
            SafeFixes(0, 16),
            " On the check run, **Fix whole log** commits 16 safe fixes in the log, none of "
            "them on the lines this pull request added or changed.",
        ),
    ],
)
def test_the_review_closes_with_the_buttons_the_check_run_shows(
    safe_fixes: SafeFixes, closing: str
) -> None:
    request = review_request([comment(3)], commit_id="abc123", safe_fixes=safe_fixes)
    assert request is not None
    assert request["body"] == "chronolog suggests 1 fix." + closing


def test_review_request_caps_the_comments_and_says_so() -> None:
    request = review_request([comment(n) for n in range(1, 36)], commit_id="abc123")
    assert request is not None
    assert [c["line"] for c in request["comments"]] == list(range(1, 31))
    assert request["body"] == (
        "chronolog suggests 30 fixes. 5 more are not posted, to keep this review short; "
        "the check run lists them."
    )
    one = review_request([comment(1)], commit_id="abc123", cap=30)
    assert one is not None
    assert one["body"] == "chronolog suggests 1 fix."


def test_no_review_without_comments() -> None:
    assert review_request([], commit_id="abc123", safe_fixes=SafeFixes(4, 4)) is None


def test_a_misdated_entry_appended_to_the_reference_log() -> None:
    # The app's "done when": an entry appended at the bottom with a misspelt date and no
    # participants line gets a suggestion for each, with the PR author's handle.
    base = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    head = base + "\n## 26/11/2022\n\nRestarted the CI agents after the outage.\n"
    diff = file_diff({"filename": PATH, "status": "modified", "patch": github_patch(base, head)})
    log = parse_log(head)
    findings = check_log(log, Context(today=dt.date(2022, 11, 27), author="octocat"))
    comments = suggestion_comments(
        PATH, log, mark_findings(PATH, findings, diff), diff, already_posted=frozenset()
    )
    assert [(c.line, c.body.split("```suggestion\n")[1].split("\n```")[0]) for c in comments] == [
        (846, "## 2022-11-26"),
        (848, "@octocat Restarted the CI agents after the outage."),
    ]


def test_moving_an_entry_across_the_log_is_left_to_the_button() -> None:
    # The newest-first fix of the devx-support-log pair inserts at line 5, outside the
    # only hunk (13-44): GitHub would reject the comment, so there is none.
    base = (LOGS / "devx-support-log.base.md").read_text(encoding="utf-8")
    head = (LOGS / "devx-support-log.head.md").read_text(encoding="utf-8")
    diff = file_diff({"filename": PATH, "status": "modified", "patch": github_patch(base, head)})
    log = parse_log(head)
    marked_findings = mark_findings(PATH, check_log(log, Context(today=dt.date(2022, 3, 25))), diff)
    assert [m.finding.rule for m in marked_findings if m.finding.fixable] == ["newest-first"] * 2
    assert suggestion_comments(PATH, log, marked_findings, diff, already_posted=frozenset()) == []


# The scenario: one entry added on top of the reference log, by jhchabran, with
# a heading that is not ISO 8601 and a first line without a handle ending in `DURATION=45m`.
NEW_ENTRY = (
    "## 26/11/2022\n\nRestarted the stuck CI agents after the disk filled up. DURATION=45m\n\n"
)
SCENARIO_CONTEXT = Context(today=dt.date(2022, 11, 27), author="jhchabran")


def scenario_head() -> tuple[str, str]:
    base = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    return base, base.replace("## 2022-11-25", NEW_ENTRY + "## 2022-11-25", 1)


def commit_in_one_batch(text: str, comments: list[ReviewComment]) -> str:
    """What GitHub's "Commit suggestions" does with a batch: each block replaces its lines."""
    lines = text.split("\n")
    for comment in sorted(comments, key=lambda c: c.line, reverse=True):
        block = comment.body.split("```suggestion\n")[1].split("\n```")[0]
        start = comment.start_line or comment.line
        lines[start - 1 : comment.line] = block.split("\n")
    return "\n".join(lines)


def test_the_new_entry_gets_one_suggestion_per_line_carrying_every_fix() -> None:
    base, head = scenario_head()
    diff = file_diff({"filename": PATH, "status": "modified", "patch": github_patch(base, head)})
    log = parse_log(head)
    findings = mark_findings(PATH, check_log(log, SCENARIO_CONTEXT), diff)
    assert [(m.finding.line, m.finding.rule) for m in findings if m.introduced] == [
        (5, "date-heading"),
        (7, "duration-tag"),
        (7, "participants"),
    ]

    comments = suggestion_comments(PATH, log, findings, diff, already_posted=frozenset())

    date_fp = fingerprint("date-heading", PATH, ["## 26/11/2022"])
    first_line = "Restarted the stuck CI agents after the disk filled up. DURATION=45m"
    duration_fp = fingerprint("duration-tag", PATH, [first_line])
    participants_fp = fingerprint("participants", PATH, [first_line])
    assert comments == [
        ReviewComment(
            PATH,
            5,
            None,
            "**chronolog** `date-heading`: `## 26/11/2022` is not an ISO 8601 date; did you "
            "mean `## 2022-11-26`? Fix: Rewrite the heading as `## 2022-11-26`.\n\n"
            "```suggestion\n## 2022-11-26\n```\n\n"
            f"<!-- chronolog:suggestion {date_fp} -->",
            (date_fp,),
        ),
        ReviewComment(
            PATH,
            7,
            None,
            "**chronolog** fixes 2 problems on these lines:\n\n"
            "- `duration-tag`: `DURATION=45m` is not a canonical duration tag; write "
            "`$DURATION=45m`. Fix: Write `$DURATION=45m`.\n"
            "- `participants`: the entry's first line `Restarted the stuck CI agents after "
            "the…` does not list everyone involved; start it with their GitHub handles, like "
            "`@jhchabran`. Fix: Start the entry with `@jhchabran`.\n\n"
            "```suggestion\n"
            "@jhchabran Restarted the stuck CI agents after the disk filled up. $DURATION=45m\n"
            "```\n\n"
            f"<!-- chronolog:suggestion {duration_fp} -->\n"
            f"<!-- chronolog:suggestion {participants_fp} -->",
            (duration_fp, participants_fp),
        ),
    ]
    assert date_fp == "3d09d1a14d4b99e0"

    # Committing both in one batch leaves the entry clean: no fixable finding is left on
    # the lines the pull request added.
    committed = commit_in_one_batch(head, comments)
    assert committed == base.replace(
        "## 2022-11-25",
        "## 2022-11-26\n\n@jhchabran Restarted the stuck CI agents after the disk filled up. "
        "$DURATION=45m\n\n## 2022-11-25",
        1,
    )
    after = file_diff(
        {"filename": PATH, "status": "modified", "patch": github_patch(base, committed)}
    )
    left = mark_findings(PATH, check_log(parse_log(committed), SCENARIO_CONTEXT), after)
    assert [m.finding for m in left if m.introduced] == []
    # A redelivery finds the same fingerprints and posts nothing again.
    posted = fingerprints_in(comment.body for comment in comments)
    assert suggestion_comments(PATH, log, findings, diff, already_posted=posted) == []


def test_fixes_on_consecutive_lines_are_merged_up_to_thirty_lines() -> None:
    log = parse_log("".join(f"line {n}\n" for n in range(1, 41)))
    diff = FileDiff(PATH, None, "added", (Hunk(1, 40, frozenset(range(1, 41))),), True)
    each_line = [
        Finding("mojibake", Severity.WARNING, n, n, "m", Fix("f", (Edit(n, n, (f"new {n}",)),)))
        for n in range(1, 41)
    ]
    # A fix over lines 29-32 (after line 29's own in the fix model's order) overlaps a
    # suggestion it cannot join without passing 30 lines: left out for the next push.
    across = Finding(
        "participants", Severity.WARNING, 29, 32, "m", Fix("g", (Edit(29, 32, ("x",)),))
    )

    comments = suggestion_comments(
        PATH, log, marked(*each_line, across), diff, already_posted=frozenset()
    )

    assert [(c.start_line, c.line, c.fixes) for c in comments] == [(1, 30, 30), (31, 40, 10)]
    assert "participants" not in comments[0].body + comments[1].body


def test_a_fix_suggested_before_is_not_suggested_again_when_a_neighbour_arrives() -> None:
    # Push 1: only the date is wrong, and its suggestion is posted.
    (first,) = suggestion_comments(PATH, LOG, marked(DATE), DIFF, already_posted=frozenset())
    posted = fingerprints_in([first.body])

    # Push 2 adds a fix that would have shared the date's suggestion: only it is suggested,
    # on its own lines, so the date's fix is never on the pull request twice.
    (second,) = suggestion_comments(PATH, LOG, marked(DATE, HANDLE), DIFF, already_posted=posted)

    assert (second.start_line, second.line) == (None, 4)
    assert "`participants`" in second.body
    assert "`date-heading`" not in second.body
    assert second.fingerprints == (fingerprint("participants", PATH, [""]),)


def test_what_is_left_of_a_merged_suggestion_is_not_suggested_again() -> None:
    (merged,) = suggestion_comments(
        PATH, LOG, marked(DATE, HANDLE), DIFF, already_posted=frozenset()
    )
    posted = fingerprints_in([merged.body])

    # Someone fixed the heading by hand: the handle's fix, still pending, was suggested.
    assert suggestion_comments(PATH, LOG, marked(HANDLE), DIFF, already_posted=posted) == []
