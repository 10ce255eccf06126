"""The report issue's decisions, pure: which changed files are reported, what the issue
says, and whether it is created, edited or left alone.

The app (`chronolog.app.report`) reads the log, the config and the existing issues, and
writes what `plan_issue` says; nothing here does I/O. One issue per log, found by two
hidden markers: `REPORT_MARKER` and the log's own (`log_marker`), in an issue the app
itself opened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from chronolog.config import RepoConfig, ReportConfig
from chronolog.detect import is_log_file, is_markdown_path
from chronolog.handover import Handover
from chronolog.rule import code
from chronolog.stats import EntryFigures, compute_stats
from chronolog.stats_render import REPORT_MARKER, render_markdown

MAX_BODY = 65_536  # GitHub: "Body is too long (maximum is 65536 characters)"
MONTHS = 12
_CUT_NOTE = (
    "\n\n*The report is cut here: GitHub takes at most 65,536 characters in an issue. "
    "`chronolog report` on the log gives all of it.*\n"
)


def log_marker(path: str) -> str:
    """The hidden line that says which log an issue reports (`-->` cannot occur in it)."""
    return f"<!-- chronolog-report-log: {quote(path, safe='/')} -->"


def report_window(today: dt.date, months: int = MONTHS) -> tuple[dt.date, dt.date]:
    """The last `months` calendar months, this one included: from the first day of the
    month `months - 1` before `today`'s, to `today`."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1), today


def may_be_log(config: RepoConfig, path: str) -> bool:
    """Whether a changed file is worth reading to see if it is a log: named by `logs:`,
    or, without `logs:`, Markdown."""
    configured = config.matches_log_path(path)
    return is_markdown_path(path) if configured is None else configured


def logs_to_report(config: RepoConfig, changed: Mapping[str, str | None]) -> tuple[str, ...]:
    """The paths, sorted, whose report a push calls for: the files it changed (`path ->
    text now`, None when deleted) that are logs now. A deleted log has nothing more to
    report: its issue keeps what it last said."""
    if config.report is None:
        return ()
    return tuple(
        path
        for path, text in sorted(changed.items())
        if text is not None and is_log_file(config, path, text)
    )


@dataclass(frozen=True)
class ReportIssue:
    """What the issue of one log should be."""

    path: str
    title: str
    body: str


def report_issue(
    path: str,
    figures: Iterable[EntryFigures],
    *,
    settings: ReportConfig,
    today: dt.date,
    found: Handover,
    branch: str,
    head_sha: str,
) -> ReportIssue:
    """The issue of the log at `path`: the Markdown report of its entries in
    `report_window(today)` (`figures` may hold more), the handover list `found` (with its
    states), and a footer saying where it comes from. Handles and references are code:
    it pings nobody."""
    since, until = report_window(today)
    stats = compute_stats(figures, since=since, until=until)
    title = f"{code(path)}, {since:%B %Y} to {until:%B %Y}"
    body = render_markdown(
        stats, handover=found, title=title, marker=f"{REPORT_MARKER}\n{log_marker(path)}"
    )
    body += (
        f"\n<sub>Written by chronolog from {code(path)} at {code(head_sha[:7])} on "
        f"{code(branch)}, {today}, and rewritten on every push that changes the log: edits "
        "to this issue's text are overwritten. Handles and references are written as code, "
        "so it notifies nobody.</sub>\n"
    )
    return ReportIssue(path, settings.issue_title, fit_body(body))


def fit_body(body: str, limit: int = MAX_BODY) -> str:
    """`body`, or as many of its whole lines as fit in `limit` characters with a note
    saying it was cut (an open code fence is closed first)."""
    if len(body) <= limit:
        return body
    room = limit - len(_CUT_NOTE) - len("\n```")
    kept = body[:room].rsplit("\n", 1)[0]
    if sum(1 for line in kept.splitlines() if line.startswith("```")) % 2:
        kept += "\n```"
    return kept + _CUT_NOTE


Action = Literal["create", "edit", "none"]


@dataclass(frozen=True)
class IssuePlan:
    """What to do: `create` (number 0), `edit` an issue with `changes`, or `none`."""

    action: Action
    number: int = 0
    changes: Mapping[str, str] | None = None
    duplicates: tuple[int, ...] = ()  # more issues of ours for the same log, left alone


def ours_for(
    issues: Iterable[Mapping[str, Any]], path: str, is_ours: Callable[[Mapping[str, Any]], bool]
) -> list[Mapping[str, Any]]:
    """The issues (not pull requests) the app opened for the log at `path`, oldest first.
    `is_ours(issue)` says whether the app wrote it: a person's issue that copied the
    markers is never taken."""
    marker = log_marker(path)
    found = [
        issue
        for issue in issues
        if "pull_request" not in issue
        and is_ours(issue)
        and REPORT_MARKER in str(issue.get("body") or "")
        and marker in str(issue.get("body") or "")
    ]
    return sorted(found, key=lambda issue: int(issue["number"]))


def plan_issue(wanted: ReportIssue, existing: Sequence[Mapping[str, Any]]) -> IssuePlan:
    """Create the issue when there is none; otherwise edit the oldest one where its title
    or body differ, and nothing when they match (a redelivery writes nothing). A closed
    issue is edited and stays closed: whoever closed it decided so."""
    if not existing:
        return IssuePlan("create")
    issue, *others = existing
    changes = {
        key: value
        for key, value in (("title", wanted.title), ("body", wanted.body))
        if str(issue.get(key) or "") != value
    }
    duplicates = tuple(int(other["number"]) for other in others)
    number = int(issue["number"])
    return IssuePlan("edit" if changes else "none", number, changes or None, duplicates)
