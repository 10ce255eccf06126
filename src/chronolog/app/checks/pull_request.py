"""The check run of one pull-request head commit: read, let the core decide, write.

The flow, each step one REST call at most: read `.github/chronolog.yml` from the default
branch (or take it from the app's config cache), list the changed files, read each changed
log at the head commit, look up an earlier run of ours on that commit (not on a Re-run),
read the suggestions already posted (not on a pull request just opened with no earlier
run), post the new ones as one review, publish one completed check run (annotations
beyond the first 50 follow in PATCHes of 50). What the run and the review say is decided
by `chronolog.pull`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chronolog.app.checks.check_run import CheckResult, publish, run_body, same_result
from chronolog.app.checks.pull_logs import (
    read_changed_logs,
    read_proposed_config,
    read_pull_config,
)
from chronolog.app.context import PullCheck
from chronolog.app.github import GitHubError, Installation, Repo, written_by_app
from chronolog.config import ConfigError, RepoConfig
from chronolog.pull import (
    CheckedLog,
    LogsOfPull,
    check_run_output,
    moved_on,
    moved_on_note,
    not_checked_output,
    review_plan,
    review_refused_note,
    safe_fixes,
    suggestion_candidates,
)
from chronolog.rule import Context, latest_current_date

log = logging.getLogger(__name__)


async def check_pull_request(gh: Installation, check: PullCheck) -> CheckResult:
    """Check the logs of `check.pr` at its head commit and publish one completed check run.

    When the pull request changes `.github/chronolog.yml`, its version is validated too
    (annotated on its lines, failing the run when invalid); the logs are still judged by
    the default branch's config.

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
    pr = check.pr
    name = RepoConfig().check_name
    try:
        config, config_error = await read_pull_config(gh, pr, check.config_cache)
        name = config.check_name
        return await _check(gh, check, config, config_error)
    except GitHubError as error:
        if error.is_server_side:
            raise  # the engine tries again later, and reports if it never succeeds
        log.warning("checking %s#%d failed: %s", pr.repo.full_name, pr.number, error)
        output = not_checked_output(
            "GitHub's API refused a request while chronolog was reading this pull request",
            f"GitHub answered: {error}.",
        )
    except Exception:
        log.exception("checking %s#%d failed", pr.repo.full_name, pr.number)
        output = not_checked_output(
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
    output = not_checked_output(f"chronolog could not check this commit: {reason}", "")
    await gh.create_check_run(repo, run_body(name, head_sha, output, []))


async def _check(
    gh: Installation, check: PullCheck, config: RepoConfig, config_error: ConfigError | None
) -> CheckResult:
    pr = check.pr
    context = Context(today=latest_current_date(check.event_time), author=pr.author)
    logs: tuple[CheckedLog, ...] = ()
    notes: tuple[str, ...] = ()
    moved_to: str | None = None
    # Listed even when the default branch's config is invalid: a pull request that
    # changes the config is told whether its version is valid (and so fixes it).
    files = await gh.list_pull_files(pr.repo, pr.number)
    if config_error is None:
        moved_to = moved_on(files, pr.head_sha)
        logs, notes = await read_changed_logs(gh, pr, config, context, files)
    proposed = await read_proposed_config(gh, pr, files)
    found = LogsOfPull(config, config_error, logs, notes, proposed)

    existing: Mapping[str, Any] | None = None
    if check.look_for_existing:
        existing = await gh.find_check_run(pr.repo, pr.head_sha, config.check_name, check.app_id)
    sections = list(notes)
    posted = 0
    if moved_to is not None:
        sections.append(moved_on_note(moved_to, pr.head_sha))
    else:
        # A run of ours already on this commit means the pull request was seen before
        # (a redelivery, even of `opened`): read the comments so nothing is posted twice.
        posted, review_note = await _post_suggestions(
            gh, check, logs, check.look_for_suggestions or existing is not None
        )
        if review_note:
            sections.append(review_note)
    for build in check.section_builders:
        section = await build(gh, pr, found)
        if section:
            sections.append(section)

    output = check_run_output(found, suggestions_posted=posted, sections=sections)
    if existing is not None and same_result(existing, output):
        return CheckResult(int(existing["id"]), output, posted, reused=True)
    return await publish(gh, pr, config.check_name, output, posted)


async def _post_suggestions(
    gh: Installation, check: PullCheck, logs: tuple[CheckedLog, ...], look_for_posted: bool
) -> tuple[int, str | None]:
    """Post the new suggestions as one review (new: not among the pull request's review
    comments, which are read only when `look_for_posted`).

    Returns how many suggestions are on the pull request for these findings (posted now
    or before, so that a redelivery renders the same summary) and a note if posting failed.
    """
    pr = check.pr
    candidates = suggestion_candidates(logs)
    if not candidates:
        return 0, None
    existing = await gh.list_review_comments(pr.repo, pr.number) if look_for_posted else []
    login = await check.bot_login() if existing and check.bot_login is not None else None
    plan = review_plan(
        logs,
        (str(comment.get("body") or "") for comment in existing if written_by_app(comment, login)),
        head_sha=pr.head_sha,
        safe_fixes=safe_fixes(logs),
    )
    if plan.request is None:
        return plan.already_posted, None
    try:
        await gh.create_review(pr.repo, pr.number, plan.request)
    except GitHubError as error:
        if error.is_server_side:
            raise
        log.warning("review on %s#%d refused: %s", pr.repo.full_name, pr.number, error)
        return plan.already_posted, review_refused_note(str(error))
    return plan.posted, None
