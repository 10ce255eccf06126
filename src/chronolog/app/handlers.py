"""What chronolog does on which webhook: the one table, `HANDLERS`, and the handlers.

A handler gets the `AppContext` (GitHub access, caches, the clock) and one `Delivery`. To
handle another event, write a handler and add a `Route` to the table; nothing registers
itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chronolog.app.backlinks import on_push as update_backlinks
from chronolog.app.backlinks import pushes_default_branch
from chronolog.app.check_run import CheckResult, with_note
from chronolog.app.config_cache import ConfigCache
from chronolog.app.delivery import Delivery
from chronolog.app.fix_action import apply_fixes
from chronolog.app.github import GitHubApp, Installation, Repo
from chronolog.app.pull_logs import PullRequest
from chronolog.app.pull_request import SectionBuilder, check_pull_request, publish_not_checked
from chronolog.report import APPLY_FIXES_ACTION

log = logging.getLogger(__name__)

NO_PULL_NOTE = (
    "**Apply fixes** did nothing: this check ran on a commit that is no longer the head of "
    "an open pull request. Press the button on the check run of the pull request's latest "
    "commit."
)


@dataclass
class AppContext:
    """What handlers share: the app's GitHub access, the clock, summary extensions, and
    the repositories' configs (read from the default branch, kept between deliveries)."""

    github: GitHubApp
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    section_builders: list[SectionBuilder] = field(default_factory=list)
    config_cache: ConfigCache = field(default_factory=ConfigCache)


Handler = Callable[[AppContext, Delivery], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    """Run `handler` on `event`.`action` when `accepts(payload)` (default: always)."""

    event: str
    action: str | None
    handler: Handler
    accepts: Callable[[Mapping[str, Any]], bool] | None = None
    # Skip deliveries a bot caused, for handlers whose own writes would trigger them again.
    skip_bots: bool = False


def sent_by_bot(payload: Mapping[str, Any]) -> bool:
    sender = payload.get("sender") or {}
    return sender.get("type") == "Bot" or str(sender.get("login", "")).endswith("[bot]")


def _base_changed(payload: Mapping[str, Any]) -> bool:
    return "base" in (payload.get("changes") or {})


def _apply_fixes_clicked(payload: Mapping[str, Any]) -> bool:
    return (payload.get("requested_action") or {}).get("identifier") == APPLY_FIXES_ACTION


def _installation(ctx: AppContext, payload: Mapping[str, Any]) -> Installation:
    return ctx.github.installation(int(payload["installation"]["id"]))


async def on_pull_request(ctx: AppContext, delivery: Delivery) -> None:
    """Check the pull request's head commit."""
    pr = PullRequest.from_json(delivery.payload["pull_request"])
    # The run is always looked for: a head commit gets one run per check name, whatever
    # delivered it (a person may redeliver a `synchronize` under a new id). The review
    # comments need no look-up on a first try of `opened` (there are none of ours yet),
    # unless that look-up found a run of ours; a later try may follow a write that GitHub
    # carried out although we saw it fail, so it reads them.
    async with _installation(ctx, delivery.payload) as gh:
        await _check(
            ctx,
            gh,
            pr,
            delivery,
            look_for_existing=True,
            look_for_suggestions=delivery.attempt > 0 or delivery.action != "opened",
        )


async def _check(
    ctx: AppContext,
    gh: Installation,
    pr: PullRequest,
    delivery: Delivery,
    *,
    look_for_existing: bool = True,
    look_for_suggestions: bool = True,
) -> CheckResult:
    """The one way a handler checks a pull request: with the summary sections and the
    config cache of `ctx`."""
    return await check_pull_request(
        gh,
        pr,
        app_id=ctx.github.app_id,
        event_time=delivery.received_at,
        look_for_existing=look_for_existing,
        look_for_suggestions=look_for_suggestions,
        section_builders=ctx.section_builders,
        config_cache=ctx.config_cache,
    )


async def on_rerequested(ctx: AppContext, delivery: Delivery) -> None:
    """Re-run: check every open pull request whose head is the re-requested commit.

    GitHub expects a new run, so no existing run is looked up or reused.
    """
    payload = delivery.payload
    subject = payload.get("check_run") or payload["check_suite"]
    head_sha = str(subject["head_sha"])
    repo = Repo.from_payload(payload["repository"])
    async with _installation(ctx, payload) as gh:
        for pr in await _pulls_at(gh, repo, head_sha, subject.get("pull_requests") or []):
            # A retry looks for the run an earlier try may have made.
            await _check(ctx, gh, pr, delivery, look_for_existing=delivery.attempt > 0)


async def on_apply_fixes(ctx: AppContext, delivery: Delivery) -> None:
    """The "Apply fixes" button on one of our check runs."""
    payload = delivery.payload
    check_run = payload["check_run"]
    repo = Repo.from_payload(payload["repository"])
    async with _installation(ctx, payload) as gh:
        pulls = await _pulls_at(gh, repo, str(check_run["head_sha"]), check_run["pull_requests"])
        if not pulls:
            # Clicked on an older run (its commit is no longer a pull request's head), or
            # the pull request was closed: say so on the run instead of doing nothing.
            await gh.update_check_run(
                repo,
                int(check_run["id"]),
                {"output": with_note(check_run.get("output") or {}, NO_PULL_NOTE)},
            )
            return
        for pr in pulls[:1]:
            await apply_fixes(
                gh,
                pr,
                check_run,
                app_id=ctx.github.app_id,
                event_time=delivery.received_at,
                # After a conflict, the check runs again as any other check would.
                recheck=lambda latest: _check(ctx, gh, latest, delivery),
                config_cache=ctx.config_cache,
            )


async def on_push(ctx: AppContext, delivery: Delivery) -> None:
    """A push to the default branch: first forget the config if the push touched it, so
    the next check reads the new one; then update the backlinks of the logs it changed."""
    ctx.config_cache.forget_if_changed(delivery.payload)
    await update_backlinks(ctx, delivery)


async def _pulls_at(
    gh: Installation, repo: Repo, head_sha: str, listed: list[Mapping[str, Any]]
) -> list[PullRequest]:
    """The open pull requests with head `head_sha`, fetched fresh (author, fork, edits).

    The payload lists them for branches of the repository itself; for a fork it is empty.
    Then GitHub is asked which pull requests contain the commit, which answers nothing
    for a commit that exists only in a fork: the base repository's open pull requests
    are then listed and matched on their head commit.
    """
    numbers = [
        int(p["number"]) for p in listed if p.get("head", {}).get("sha", head_sha) == head_sha
    ]
    if numbers:
        return [PullRequest.from_json(await gh.get_pull(repo, n)) for n in numbers]
    found = _open_at(await gh.pulls_for_commit(repo, head_sha), head_sha)
    if not found:
        found = _open_at(await gh.list_open_pulls(repo), head_sha)
    return found


def _open_at(pulls: list[dict[str, Any]], head_sha: str) -> list[PullRequest]:
    return [
        PullRequest.from_json(pull)
        for pull in pulls
        if pull.get("state") == "open" and pull["head"]["sha"] == head_sha
    ]


# The one table of what chronolog handles. Anything else is answered 202 and ignored.
# None of these skips bots: chronolog's own fix commit arrives as a `synchronize` sent by
# its bot, and that new head commit needs its check run like any other.
HANDLERS: tuple[Route, ...] = (
    Route("pull_request", "opened", on_pull_request),
    Route("pull_request", "synchronize", on_pull_request),
    Route("pull_request", "reopened", on_pull_request),
    Route("pull_request", "ready_for_review", on_pull_request),
    Route("pull_request", "edited", on_pull_request, accepts=_base_changed),
    Route("check_suite", "rerequested", on_rerequested),
    Route("check_run", "rerequested", on_rerequested),
    Route("check_run", "requested_action", on_apply_fixes, accepts=_apply_fixes_clicked),
    # A push to the default branch: forget a changed config, then backlinks (issue 4).
    Route("push", None, on_push, accepts=pushes_default_branch),
)


def route_for(
    event: str, payload: Mapping[str, Any], routes: tuple[Route, ...] = HANDLERS
) -> Route | None:
    """The route that handles this delivery, or None."""
    action = payload.get("action")
    for route in routes:
        if route.event != event or route.action != action:
            continue
        if route.accepts is not None and not route.accepts(payload):
            continue
        if route.skip_bots and sent_by_bot(payload):
            continue
        return route
    return None


async def dispatch(
    ctx: AppContext, delivery: Delivery, routes: tuple[Route, ...] = HANDLERS
) -> None:
    """Run the handler for `delivery` (the queue's worker calls this)."""
    route = route_for(delivery.event, delivery.payload, routes)
    if route is None:
        return
    log.info("delivery %s: %s.%s", delivery.id, delivery.event, delivery.action)
    await route.handler(ctx, delivery)


async def report_failure(ctx: AppContext, delivery: Delivery, reason: str) -> None:
    """Say where people look that a delivery could not be processed: for a pull request
    (or a re-run of its check), a neutral check run on its head commit that says what
    happened and to use Re-run. Other deliveries (pushes) are only logged."""
    log.error(
        "delivery %s (%s.%s) gave up: %s", delivery.id, delivery.event, delivery.action, reason
    )
    payload = delivery.payload
    subject = payload.get("pull_request") or payload.get("check_run") or payload.get("check_suite")
    if not isinstance(subject, Mapping) or "installation" not in payload:
        return
    head_sha = subject.get("head_sha") or (subject.get("head") or {}).get("sha")
    if not isinstance(head_sha, str):
        return
    repo = Repo.from_payload(payload["repository"])
    async with _installation(ctx, payload) as gh:
        await publish_not_checked(gh, repo, head_sha, reason)
