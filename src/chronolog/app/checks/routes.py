"""The pull-request check's routes: `pull_request.*` checks the head commit, Re-run
(`check_suite`/`check_run` `rerequested`) checks it again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chronolog.app.checks.pull_request import check_pull_request
from chronolog.app.context import DeliveryContext, Route


async def on_pull_request(ctx: DeliveryContext) -> None:
    """Check the pull request's head commit."""
    # The run is always looked for: a head commit gets one run per check name, whatever
    # delivered it (a person may redeliver a `synchronize` under a new id). The review
    # comments need no look-up on a first try of `opened` (there are none of ours yet),
    # unless that look-up found a run of ours; a later try may follow a write that GitHub
    # carried out although we saw it fail, so it reads them.
    check = ctx.pull_check(
        ctx.pull_request,
        look_for_existing=True,
        look_for_suggestions=ctx.is_retry or ctx.delivery.action != "opened",
    )
    async with ctx.installation() as gh:
        await check_pull_request(gh, check)


async def on_rerequested(ctx: DeliveryContext) -> None:
    """Re-run: check every open pull request whose head is the re-requested commit.

    GitHub expects a new run, so no existing run is looked up or reused.
    """
    async with ctx.installation() as gh:
        for pr in await ctx.pulls_at_head(gh):
            # A retry looks for the run an earlier try may have made.
            await check_pull_request(gh, ctx.pull_check(pr, look_for_existing=ctx.is_retry))


def _base_changed(payload: Mapping[str, Any]) -> bool:
    return "base" in (payload.get("changes") or {})


ROUTES: tuple[Route, ...] = (
    Route("pull_request", "opened", on_pull_request),
    Route("pull_request", "synchronize", on_pull_request),
    Route("pull_request", "reopened", on_pull_request),
    Route("pull_request", "ready_for_review", on_pull_request),
    Route("pull_request", "edited", on_pull_request, accepts=_base_changed),
    Route("check_suite", "rerequested", on_rerequested),
    Route("check_run", "rerequested", on_rerequested),
)
