"""The report issue's pure decisions: the window, the markers, the body's limit, the plan."""

from __future__ import annotations

import datetime as dt

import pytest

from chronolog.config import RepoConfig, parse_config
from chronolog.report_issue import (
    MAX_BODY,
    IssuePlan,
    ReportIssue,
    fit_body,
    log_marker,
    logs_to_report,
    may_be_log,
    ours_for,
    plan_issue,
    report_window,
)
from tests.conftest import LOGS

REPORT = parse_config("report: {issue_title: Support log report}\n")
WANTED = ReportIssue("log.md", "Support log report", "<!-- chronolog-report -->\nbody")


@pytest.mark.parametrize(
    ("today", "since"),
    [
        (dt.date(2022, 11, 30), dt.date(2021, 12, 1)),
        (dt.date(2022, 12, 1), dt.date(2022, 1, 1)),
        (dt.date(2023, 1, 15), dt.date(2022, 2, 1)),
        (dt.date(2024, 2, 29), dt.date(2023, 3, 1)),
    ],
)
def test_the_window_is_this_month_and_the_eleven_before(today: dt.date, since: dt.date) -> None:
    assert report_window(today) == (since, today)


def test_the_log_marker_cannot_end_the_comment_early() -> None:
    assert log_marker("2022/support/log.snb.md") == (
        "<!-- chronolog-report-log: 2022/support/log.snb.md -->"
    )
    assert log_marker("a-->b c.md") == "<!-- chronolog-report-log: a--%3Eb%20c.md -->"


def test_only_changed_files_that_are_logs_now_are_reported() -> None:
    log = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    changed = {"README.md": "# Readme\n", "log.md": log, "gone.md": None}
    assert logs_to_report(REPORT, changed) == ("log.md",)
    assert logs_to_report(RepoConfig(), changed) == ()  # no `report:`, no report
    assert may_be_log(REPORT, "notes.txt") is False
    configured = parse_config("logs: [ops/log.txt]\nreport: {issue_title: R}\n")
    assert (may_be_log(configured, "ops/log.txt"), may_be_log(configured, "log.md")) == (
        True,
        False,
    )


def test_a_body_over_the_limit_is_cut_at_a_line_with_a_note() -> None:
    long = "<!-- chronolog-report -->\n```mermaid\n" + "x\n" * 40_000
    cut = fit_body(long)
    assert len(cut) <= MAX_BODY
    assert cut.startswith("<!-- chronolog-report -->\n```mermaid\nx\n")
    assert cut.endswith(
        "x\n```\n\n*The report is cut here: GitHub takes at most 65,536 characters in an "
        "issue. `chronolog report` on the log gives all of it.*\n"
    )
    assert fit_body("short") == "short"
    exact = "x" * MAX_BODY
    assert fit_body(exact) == exact


def ours(
    number: int, body: str = WANTED.body + "\n" + log_marker("log.md"), **more: object
) -> dict[str, object]:
    return {"number": number, "title": "Support log report", "body": body, **more}


def test_the_plan_creates_edits_or_leaves_alone() -> None:
    wanted = ReportIssue("log.md", WANTED.title, WANTED.body + "\n" + log_marker("log.md"))
    assert plan_issue(wanted, []) == IssuePlan("create")
    assert plan_issue(wanted, [ours(3)]) == IssuePlan("none", 3)
    assert plan_issue(wanted, [ours(3, body="old")]) == IssuePlan("edit", 3, {"body": wanted.body})
    renamed = ours(3, title="Old title")
    assert plan_issue(wanted, [renamed]) == IssuePlan("edit", 3, {"title": WANTED.title})
    assert plan_issue(wanted, [ours(3), ours(7)]) == IssuePlan("none", 3, duplicates=(7,))


def test_only_the_apps_issues_for_this_log_are_taken() -> None:
    issues = [
        ours(9, user={"login": "chronolog[bot]"}),
        ours(4, user={"login": "chronolog[bot]"}),
        ours(5, user={"login": "octocat"}),  # a person copied the markers
        ours(6, user={"login": "chronolog[bot]"}, pull_request={}),
        ours(8, body=WANTED.body + log_marker("other.md"), user={"login": "chronolog[bot]"}),
    ]
    found = ours_for(issues, "log.md", lambda i: i["user"]["login"] == "chronolog[bot]")
    assert [issue["number"] for issue in found] == [4, 9]
