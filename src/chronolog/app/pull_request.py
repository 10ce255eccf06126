"""The check run of one pull-request head commit: find the logs, check them, report.

The flow, each step one REST call at most: read `.github/chronolog.yml` from the default
branch (or take it from the app's config cache), list the changed files, read each changed
log at the head commit, look up an earlier run of ours on that commit (not on a
`synchronize`), read the suggestions already posted (not on a pull request just opened with
no earlier run), post the new ones as one review, publish one completed check run
(annotations beyond the first 50 follow in PATCHes of 50). Everything between the calls is
the pure core.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from chronolog.app.check_run import CheckResult, publish, run_body, same_result
from chronolog.app.config_cache import ConfigCache
from chronolog.app.github import GitHubError, Installation, Repo
from chronolog.app.pull_logs import (
    CheckedLog,
    LogsOfPull,
    PullRequest,
    find_logs,
    listed_head,
    read_config,
)
from chronolog.config import ConfigError, RepoConfig
from chronolog.model import Applicability
from chronolog.report import CheckRunOutput, render_check_run
from chronolog.rule import Context, latest_current_date
from chronolog.suggestions import fingerprints_in, review_request, suggestion_comments

log = logging.getLogger(__name__)


# Extra summary sections (issue 4's backlink preview plugs in here).
SectionBuilder = Callable[[Installation, PullRequest, LogsOfPull], Awaitable[str | None]]


async def check_pull_request(
    gh: Installation,
    pr: PullRequest,
    *,
    app_id: int,
    event_time: dt.datetime,
    look_for_existing: bool = True,
    look_for_suggestions: bool = True,
    section_builders: Sequence[SectionBuilder] = (),
    config_cache: ConfigCache | None = None,
) -> CheckResult:
    """Check the logs of `pr` at its head commit and publish one completed check run.

    With `look_for_existing`, a run of the same name this app already made on the head
    commit is looked up first: if its result is the same, nothing is written (a redelivery);
    if not, a new run supersedes it (GitHub shows the newest run of a name; a PATCH would
    append annotations to the old ones). With `look_for_suggestions`, the pull request's
    review comments are read so that no suggestion is posted twice; without it (a pull
    request just opened has none of ours) every suggestion is posted, unless the look-up
    found a run of ours on the head commit (then the comments are read after all). When
    the files list shows the head moved on meanwhile, no suggestions are posted. GitHub failures end
    in a "neutral" run that says to re-run the check; if even that cannot be published,
    the error is logged. The config comes from `config_cache` when given.
    """
    name = RepoConfig().check_name
    try:
        config, config_error = await read_config(gh, pr, config_cache)
        name = config.check_name
        return await _check(
            gh,
            pr,
            config,
            config_error,
            app_id,
            event_time,
            look_for_existing,
            look_for_suggestions,
            section_builders,
        )
    except GitHubError as error:
        if error.is_server_side:
            raise  # the engine tries again later, and reports if it never succeeds
        log.warning("checking %s#%d failed: %s", pr.repo.full_name, pr.number, error)
        output = _failed_output(
            "GitHub's API refused a request while chronolog was reading this pull request",
            f"GitHub answered: {error}.",
        )
    except Exception:
        log.exception("checking %s#%d failed", pr.repo.full_name, pr.number)
        output = _failed_output(
            "chronolog hit an internal error", "The error was logged on the chronolog server."
        )
    try:
        run = await gh.create_check_run(pr.repo, run_body(name, pr.head_sha, output, []))
    except GitHubError as error:
        log.error(
            "could not publish the check run on %s@%s: %s", pr.repo.full_name, pr.head_sha, error
        )
        return CheckResult(None, output, 0, reused=False)
    return CheckResult(int(run["id"]), output, 0, reused=False)


async def publish_not_checked(gh: Installation, repo: Repo, head_sha: str, reason: str) -> None:
    """A neutral run on `head_sha` saying the logs were not checked and why (the engine
    gave up on the delivery)."""
    name = RepoConfig().check_name
    output = _failed_output(f"chronolog could not check this commit: {reason}", "")
    await gh.create_check_run(repo, run_body(name, head_sha, output, []))


def _failed_output(title: str, detail: str) -> CheckRunOutput:
    summary = (
        f"**{title}**, so the logs in this pull request were not checked.\n\n"
        + (f"{detail}\n\n" if detail else "")
        + "This is not a problem in your log. Use **Re-run** on this check to try again; "
        "the check is neutral meanwhile so that it does not block the pull request."
    )
    return CheckRunOutput(
        conclusion="neutral",
        title="Not checked: GitHub's API failed" if "GitHub" in title else "Not checked",
        summary=summary,
        text=None,
        annotations=(),
        actions=(),
    )


async def _check(
    gh: Installation,
    pr: PullRequest,
    config: RepoConfig,
    config_error: ConfigError | None,
    app_id: int,
    event_time: dt.datetime,
    look_for_existing: bool,
    look_for_suggestions: bool,
    section_builders: Sequence[SectionBuilder],
) -> CheckResult:
    context = Context(today=latest_current_date(event_time), author=pr.author)
    logs: tuple[CheckedLog, ...] = ()
    notes: tuple[str, ...] = ()
    moved_to: str | None = None
    if config_error is None:
        files = await gh.list_pull_files(pr.repo, pr.number)
        head = listed_head(files)
        if head is not None and head != pr.head_sha:
            moved_to = head
        logs, notes = await find_logs(gh, pr, config, context, files)
    found = LogsOfPull(config, config_error, logs, notes)

    existing: Mapping[str, Any] | None = None
    if look_for_existing:
        existing = await gh.find_check_run(pr.repo, pr.head_sha, config.check_name, app_id)
    sections = list(notes)
    posted = 0
    if moved_to is not None:
        # Another delivery checks the newer head and posts its suggestions; suggestions
        # for this commit would land on lines that may have changed since.
        sections.append(
            f"The pull request's head moved on to {moved_to[:7]} while {pr.head_sha[:7]} "
            "was being checked, so no suggestions were posted for this commit."
        )
    else:
        # A run of ours already on this commit means the pull request was seen before
        # (a redelivery, even of `opened`): read the comments so nothing is posted twice.
        posted, review_note = await _post_suggestions(
            gh, pr, logs, look_for_suggestions or existing is not None
        )
        if review_note:
            sections.append(review_note)
    for build in section_builders:
        section = await build(gh, pr, found)
        if section:
            sections.append(section)

    marked = [finding for checked in logs for finding in checked.marked]
    safe_fixes = sum(
        1
        for finding in marked
        if finding.finding.fix is not None
        and finding.finding.fix.applicability is Applicability.SAFE
    )
    output = render_check_run(
        marked,
        logs_checked=[checked.path for checked in logs],
        config_error=config_error,
        safe_fixes=safe_fixes,
        suggestions_posted=posted,
        extra_sections=sections,
    )
    if existing is not None and same_result(existing, output):
        return CheckResult(int(existing["id"]), output, posted, reused=True)
    return await publish(gh, pr, config.check_name, output, False, app_id, posted)


async def _post_suggestions(
    gh: Installation, pr: PullRequest, logs: Sequence[CheckedLog], look_for_posted: bool
) -> tuple[int, str | None]:
    """Post the new suggestions as one review (new: not among the pull request's review
    comments, which are read only when `look_for_posted`).

    Returns how many suggestions are on the pull request for these findings (posted now
    or before, so that a redelivery renders the same summary) and a note if posting failed.
    """
    candidates = [
        comment
        for checked in logs
        for comment in suggestion_comments(
            checked.path, checked.log, checked.marked, checked.diff, already_posted=frozenset()
        )
    ]
    if not candidates:
        return 0, None
    existing = await gh.list_review_comments(pr.repo, pr.number) if look_for_posted else []
    posted_before = fingerprints_in(str(comment.get("body") or "") for comment in existing)
    new = [comment for comment in candidates if comment.fingerprint not in posted_before]
    there = len(candidates) - len(new)
    fixable = sum(
        1
        for checked in logs
        for finding in checked.marked
        if finding.finding.fix is not None
        and finding.finding.fix.applicability is Applicability.SAFE
    )
    review = review_request(new, commit_id=pr.head_sha, not_posted=max(0, fixable - len(new)))
    if review is None:
        return there, None
    try:
        await gh.create_review(pr.repo, pr.number, review)
    except GitHubError as error:
        if error.is_server_side:
            raise
        log.warning("review on %s#%d refused: %s", pr.repo.full_name, pr.number, error)
        return there, (
            f"The suggested fixes could not be posted as review comments: GitHub answered "
            f"{error}. The **Apply fixes** button still applies the safe ones."
        )
    return there + len(review.get("comments", [])), None
