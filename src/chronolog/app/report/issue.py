"""The report issue on a push to the default branch: the config and the changed logs are
read at the branch's head, the app's own issues are listed, and each changed log's issue
is created or edited as `chronolog.report_issue.plan_issue` says.

Retries and redeliveries write nothing new: the issues are listed before every write, and
an issue whose title and body already match is left alone. GitHub's refusals (issues
turned off, no permission), of the listing as of the writes, are logged and end the work;
its failures worth retrying (`GitHubError.is_server_side`) propagate, so the engine runs
the delivery again. So does a failure to read the app's own login (`GET /app`): without
it the app's issues cannot be told from another bot's, so nothing is written until then.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from typing import Any, Literal

from chronolog.app.backlinks.comments import Targets
from chronolog.app.backlinks.push import Push, changed_paths, read_config_at, read_text
from chronolog.app.github import (
    GitHubApp,
    GitHubError,
    GitHubUnavailable,
    Installation,
    Repo,
    written_by_app,
)
from chronolog.backlinks import backlink_scope
from chronolog.config import ConfigError
from chronolog.handover import Handover, handover, with_states
from chronolog.parse import parse_log
from chronolog.references import web_host
from chronolog.report_issue import (
    IssuePlan,
    ReportIssue,
    logs_to_report,
    may_be_log,
    ours_for,
    plan_issue,
    report_issue,
    report_window,
)
from chronolog.stats import entry_figures

log = logging.getLogger(__name__)

# Issues and pull requests whose state one push looks up for the handover; the rest are
# listed as "state unknown".
MAX_STATE_LOOKUPS = 50


@dataclass(frozen=True)
class ReportOutcome:
    """What happened to one log's issue: `create`, `edit`, `none`, or `refused`."""

    path: str
    action: Literal["create", "edit", "none", "refused"]
    number: int = 0
    detail: str = ""


async def handle_push_report(
    app: GitHubApp, payload: Mapping[str, Any], *, today: dt.date
) -> list[ReportOutcome]:
    """The `push` webhook: update the report issue of every log the push changed."""
    push = Push.from_payload(payload)
    if push is None:
        return []
    async with app.installation(push.installation_id) as gh:
        return await update_report_issues(app, gh, push, today=today)


async def update_report_issues(
    app: GitHubApp, gh: Installation, push: Push, *, today: dt.date
) -> list[ReportOutcome]:
    """Create or edit the report issue of each log `push` changed, as of the branch's
    current head (an older push processed late must not overwrite a newer report)."""
    head = await gh.branch_head(push.repo, push.default_branch) or push.after
    try:
        config = await read_config_at(gh, push.repo, head)
    except ConfigError as error:
        log.warning("%s: %s; report issue not updated", push.repo.full_name, error)
        return []
    if config.report is None:
        return []
    texts = {
        path: await read_text(gh, push.repo, path, head)
        for path in sorted(await changed_paths(gh, push))
        if may_be_log(config, path)
    }
    paths = logs_to_report(config, texts)
    if not paths:
        return []
    login = await app.bot_login()
    if login is None:
        # Without it any bot's issue would pass for the app's: write nothing, try later.
        raise GitHubUnavailable(None, "could not read the app's login (GET /app failed)")
    try:
        issues, filtered = await list_own_issues(gh, push.repo, login)
    except GitHubError as error:
        return [refused(push.repo, path, error) for path in paths]
    since, _ = report_window(today)
    outcomes = []
    async with AsyncExitStack() as stack:
        scope = backlink_scope(push.repo.full_name, (), ())
        targets = Targets(app, scope, stack, {push.repo.full_name: (push.installation_id, gh)})
        for path in paths:
            figures = entry_figures(
                parse_log(texts[path] or ""),
                path=path,
                host=web_host(push.web_url),
                repo=push.repo.full_name,
                since=since,
                until=today,
            )
            found = handover(figures, until=today, days=config.report.handover_days)
            wanted = report_issue(
                path,
                figures,
                settings=config.report,
                today=today,
                found=await look_up_states(targets, found),
                branch=push.default_branch,
                head_sha=head,
            )
            plan = plan_issue(wanted, ours_for(issues, path, lambda i: written_by_app(i, login)))
            outcome = None
            if plan.action == "create" and filtered:
                # Before opening one, look once more without the `creator` filter: should
                # GitHub not filter on an app's `[bot]` login, this still finds its issue.
                try:
                    everyone = await gh.list_issues(push.repo, creator=None)
                except GitHubError as error:
                    outcome = refused(push.repo, path, error)
                else:
                    found_again = ours_for(everyone, path, lambda i: written_by_app(i, login))
                    plan = plan_issue(wanted, found_again)
            outcome = outcome or await carry_out(gh, push.repo, wanted, plan)
            log.info("report issue of %s:%s: %s", push.repo.full_name, path, outcome)
            outcomes.append(outcome)
    return outcomes


async def list_own_issues(
    gh: Installation, repo: Repo, login: str
) -> tuple[list[dict[str, Any]], bool]:
    """The repository's issues by `login`, and whether GitHub filtered them on it. Should
    GitHub refuse the `creator` filter (a 4xx: a 422 for a login it does not take), every
    issue is listed instead, once. Raises `GitHubError`."""
    try:
        return await gh.list_issues(repo, creator=login), True
    except GitHubError as error:
        if error.is_server_side:
            raise
        log.info("%s: issues by %s not listed (%s); listing all", repo.full_name, login, error)
    return await gh.list_issues(repo, creator=None), False


def refused(repo: Repo, path: str, error: GitHubError) -> ReportOutcome:
    """The `refused` outcome for `error`, logged; an error worth retrying is raised."""
    if error.is_server_side:
        raise error
    log.warning("%s: report issue of %s refused: %s", repo.full_name, path, error)
    return ReportOutcome(path, "refused", 0, str(error))


async def look_up_states(targets: Targets, found: Handover) -> Handover:
    """`found` with the states of its first `MAX_STATE_LOOKUPS` items; the others, and
    any GitHub did not answer for, stay listed as "state unknown"."""
    states = {}
    problems = []
    unseen = 0
    for item in found.items[:MAX_STATE_LOOKUPS]:
        try:
            state = await targets.state(item.reference)
        except GitHubError as error:
            problems.append(f"GitHub failed for {item.reference}: {error}")
            break
        if state is None:
            unseen += 1
        else:
            states[item.reference] = state
    if unseen:
        problems.append(f"the app is not installed where {unseen} of them are")
    if len(found.items) > MAX_STATE_LOOKUPS:
        problems.append(f"only the first {MAX_STATE_LOOKUPS} were looked up")
    return replace(with_states(found, states), problem="; ".join(problems) or None)


async def carry_out(
    gh: Installation, repo: Repo, wanted: ReportIssue, plan: IssuePlan
) -> ReportOutcome:
    """Write what `plan` says; GitHub's refusals come back as a `refused` outcome."""
    if plan.duplicates:
        log.warning(
            "%s: more report issues for %s (%s); editing #%d only",
            repo.full_name,
            wanted.path,
            ", ".join(f"#{n}" for n in plan.duplicates),
            plan.number,
        )
    try:
        if plan.action == "create":
            created = await gh.create_issue(repo, wanted.title, wanted.body)
            return ReportOutcome(wanted.path, "create", int(created["number"]))
        if plan.action == "edit" and plan.changes:
            await gh.update_issue(repo, plan.number, plan.changes)
    except GitHubError as error:
        return replace(refused(repo, wanted.path, error), number=plan.number)
    return ReportOutcome(wanted.path, plan.action, plan.number)
