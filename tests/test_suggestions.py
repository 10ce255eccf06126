"""Fixes as review suggestions: which become comments, their exact bodies, the review payload."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib

from chronolog.check import check_log
from chronolog.check_output import MarkedFinding, mark_findings
from chronolog.diff import FileDiff, Hunk, Where, file_diff
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
        fingerprint="3d09d1a14d4b99e0",
    )
    assert comment.as_json() == {"path": PATH, "body": comment.body, "line": 3, "side": "RIGHT"}


def test_an_insertion_is_shown_with_the_line_before_it() -> None:
    (comment,) = suggestion_comments(PATH, LOG, marked(HANDLE), DIFF, already_posted=frozenset())
    assert (comment.start_line, comment.line) == (None, 4)
    assert comment.body.endswith(
        "```suggestion\n\n@octocat\n\n```\n\n"
        f"<!-- chronolog:suggestion {fingerprint('participants', PATH, [''])} -->"
    )


def test_an_insertion_next_to_another_suggestion_takes_the_line_after() -> None:
    # Inserting before line 4 would show line 3, which the date suggestion already
    # replaces: GitHub applies only one suggestion per line, so line 4 carries it.
    insert = Finding(
        "participants",
        Severity.ERROR,
        4,
        4,
        "no handles",
        Fix("Add `@octocat`", (Edit(4, 3, ("@octocat",)),)),
    )
    comments = suggestion_comments(
        PATH, LOG, marked(DATE, insert), DIFF, already_posted=frozenset()
    )
    assert [(c.start_line, c.line) for c in comments] == [(None, 3), (None, 4)]
    assert "```suggestion\n@octocat\n\n```" in comments[1].body


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
    assert comment.fingerprint == fingerprint(
        "date-heading", PATH, ["## 26/11/2022", "", "Restarted the agents."]
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


def comment(line: int) -> ReviewComment:
    return ReviewComment(PATH, line, None, f"body {line}", f"{line:016x}")


def test_review_request_exactly() -> None:
    assert review_request([comment(3), comment(5)], commit_id="abc123", not_posted=2) == {
        "commit_id": "abc123",
        "event": "COMMENT",
        "body": "chronolog suggests 2 fixes. 2 more can be applied with the **Apply fixes** "
        "button on the check run.",
        "comments": [
            {"path": PATH, "body": "body 3", "line": 3, "side": "RIGHT"},
            {"path": PATH, "body": "body 5", "line": 5, "side": "RIGHT"},
        ],
    }


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
    assert review_request([], commit_id="abc123", not_posted=4) is None


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
