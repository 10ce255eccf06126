"""The fix buttons: commit the safe fixes to the pull request's head branch, those on the
lines it added or changed (**Fix my lines**) or every one (**Fix whole log**).

Each changed log is read at the commit the check ran on, with its blob sha, and its lines
the pull request changed come from the files list read now, as the check reads them
(`chronolog.app.checks.pull_logs.read_changed_logs`); the fixed text
is written with that sha, so GitHub refuses (409) if someone pushed a change to the file
meanwhile. On such a conflict the check is re-run on the new head instead. Fixes go only
where chronolog may push: the base repository, or a fork whose author lets maintainers edit.
When GitHub refuses the commit itself (a protected branch, an installation without
*contents: write*), the clicked check run says why and what to do.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chronolog.app.checks.check_run import with_note
from chronolog.app.checks.pull_logs import read_changed_logs, read_pull_config
from chronolog.app.checks.pull_request import check_pull_request
from chronolog.app.context import DeliveryContext, PullRequest
from chronolog.app.github import GitHubError, Installation, Repo
from chronolog.check import fix_text
from chronolog.fix_buttons import FIX_WHOLE_LOG, FixButton
from chronolog.rule import Context, latest_current_date

log = logging.getLogger(__name__)


def commit_message(path: str, applied: tuple[tuple[str, str], ...], button: FixButton) -> str:
    """`chronolog: apply N fixes to PATH (BUTTON)`, what the button commits, one line per fix."""
    count = f"{len(applied)} fix" if len(applied) == 1 else f"{len(applied)} fixes"
    lines = "\n".join(f"- {rule}: {title}" for rule, title in applied)
    scope = (
        "the safe fixes on the lines this pull request added or changed"
        if button.changed_lines_only
        else "every safe fix in the log"
    )
    return (
        f"chronolog: apply {count} to {path} ({button.label})\n\n"
        f"{button.label}, a button of the chronolog check run, commits {scope}.\n\n{lines}"
    )


@dataclass(frozen=True)
class FixOutcome:
    """What the button did: commits made, or why not."""

    commits: tuple[str, ...]  # commit shas
    refused: str | None = None  # the note shown on the check run
    rerun: bool = False  # a conflict sent us to re-run the check instead


async def apply_fixes(
    ctx: DeliveryContext, gh: Installation, pr: PullRequest, button: FixButton = FIX_WHOLE_LOG
) -> FixOutcome:
    """Commit the safe fixes `button` stands for in every changed log of `pr`, at the
    clicked check run's head commit.

    `pr` is fresh from `GET /pulls/{n}`. When nothing can be committed the clicked check
    run gets a note saying why; on a conflict the check is re-run on the current head as
    any other check would be (`ctx.pull_check`, summary sections and config cache included).
    """
    check_run = ctx.payload["check_run"]
    if pr.head_repo is None or (pr.from_fork and not pr.maintainer_can_modify):
        note = (
            f"**{button.label}** could not run: this pull request comes from a fork that does not "
            "allow edits by maintainers. Turn on *Allow edits by maintainers* in the pull "
            "request's sidebar and press the button again, or apply the suggestions by hand."
        )
        return await _refuse(gh, pr, check_run, note)

    sha = str(check_run["head_sha"])
    at_run = dataclasses.replace(pr, head_sha=sha)
    config, config_error = await read_pull_config(gh, at_run, ctx.app.config_cache)
    if config_error is not None:
        return await _refuse(gh, pr, check_run, f"**{button.label}** could not run: {config_error}")
    context = Context(today=latest_current_date(ctx.delivery.received_at), author=pr.author)
    logs, _ = await read_changed_logs(gh, at_run, config, context)
    head_repo = Repo(*str(pr.head_repo).split("/", 1))

    commits: list[str] = []
    for checked in logs:
        # Only the pull request's own lines: its author is credited on its entries only.
        in_review = dataclasses.replace(context, changed_lines=checked.changed_lines)
        fixed = fix_text(
            checked.text,
            in_review,
            config.rules(),
            severities=config.severities,
            changed_lines_only=button.changed_lines_only,
        )
        if not fixed.applied:
            continue
        current = await gh.get_file(pr.repo, checked.path, sha)
        if current is None:
            continue
        body = {
            "message": commit_message(checked.path, fixed.applied, button),
            "content": base64.b64encode(fixed.text.encode("utf-8")).decode("ascii"),
            "branch": pr.head_ref,
            "sha": current["sha"],
        }
        try:
            result = await gh.put_file(head_repo, checked.path, body)
        except GitHubError as error:
            if is_conflict(error):
                log.info("fix commit to %s conflicted (%s); re-running", pr.head_ref, error)
                return await _rerun(ctx, gh, pr)
            log.warning("fix commit to %s refused: %s", pr.head_ref, error)
            note = refused_commit_note(error, head_repo, pr.head_ref, len(commits), button)
            return await _refuse(gh, pr, check_run, note)
        commits.append(str(result["commit"]["sha"]))
    if not commits:
        where = " on this pull request's lines" if button.changed_lines_only else ""
        return await _refuse(
            gh,
            pr,
            check_run,
            f"**{button.label}**: there was nothing left{where} that chronolog can fix safely.",
        )
    return FixOutcome(tuple(commits))


def is_conflict(error: GitHubError) -> bool:
    """Whether GitHub refused a contents PUT because the file changed since it was read
    (its blob sha "does not match"), as opposed to refusing the write itself."""
    text = _error_text(error)
    if error.status == 409:
        return not any(word in text for word in _REFUSAL_WORDS)
    return error.status == 422 and "does not match" in text


# Words of GitHub's answers that mean the branch refuses the push whatever its content.
_REFUSAL_WORDS = ("protected branch", "rule violation", "repository rule")


def _error_text(error: GitHubError) -> str:
    return " ".join((error.message, *error.errors)).lower()


def refused_commit_note(
    error: GitHubError, repo: Repo, branch: str, committed: int, button: FixButton = FIX_WHOLE_LOG
) -> str:
    """The check run note when GitHub refused the fix commit: why, and what to do."""
    text = _error_text(error)
    where = f"`{branch}` of {repo.full_name}"
    if error.is_server_side:
        advice = "GitHub's API failed; press the button again in a moment."
    elif any(word in text for word in _REFUSAL_WORDS):
        advice = (
            f"{where} is protected against this push. Apply the suggestions by hand, or let "
            "the chronolog app push to the branch in its protection rules and press the "
            "button again."
        )
    elif error.status in (401, 403, 404):
        advice = (
            f"chronolog may not write to {where}: the app needs the *contents: write* "
            "permission on that repository (it may have been installed with *contents: "
            "read*, or the fork may not let it push). Grant the permission and press the "
            "button again, or apply the suggestions by hand."
        )
    else:
        advice = "Apply the suggestions by hand, or press the button again."
    done = (
        f" {committed} file{'' if committed == 1 else 's'} had been fixed before that."
        if committed
        else ""
    )
    return (
        f"**{button.label}** could not commit the fixes: GitHub answered "
        f"{str(error).rstrip('.')}.{done} {advice}"
    )


async def _refuse(
    gh: Installation, pr: PullRequest, check_run: Mapping[str, Any], note: str
) -> FixOutcome:
    await gh.update_check_run(
        pr.repo, int(check_run["id"]), {"output": with_note(check_run.get("output") or {}, note)}
    )
    return FixOutcome((), refused=note)


async def _rerun(ctx: DeliveryContext, gh: Installation, pr: PullRequest) -> FixOutcome:
    latest = PullRequest.from_json(await gh.get_pull(pr.repo, pr.number))
    await check_pull_request(gh, ctx.pull_check(latest))
    return FixOutcome((), rerun=True)
