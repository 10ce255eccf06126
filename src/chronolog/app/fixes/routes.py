"""The "Apply fixes" button's route: `check_run.requested_action` with its identifier."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chronolog.app.checks.check_run import with_note
from chronolog.app.context import DeliveryContext, Route
from chronolog.app.fixes.fix_action import apply_fixes
from chronolog.check_output import APPLY_FIXES_ACTION

NO_PULL_NOTE = (
    "**Apply fixes** did nothing: this check ran on a commit that is no longer the head of "
    "an open pull request. Press the button on the check run of the pull request's latest "
    "commit."
)


async def on_apply_fixes(ctx: DeliveryContext) -> None:
    """The "Apply fixes" button on one of our check runs."""
    check_run = ctx.payload["check_run"]
    async with ctx.installation() as gh:
        pulls = await ctx.pulls_at_head(gh)
        if not pulls:
            # Clicked on an older run (its commit is no longer a pull request's head), or
            # the pull request was closed: say so on the run instead of doing nothing.
            await gh.update_check_run(
                ctx.repo,
                int(check_run["id"]),
                {"output": with_note(check_run.get("output") or {}, NO_PULL_NOTE)},
            )
            return
        await apply_fixes(ctx, gh, pulls[0])


def _apply_fixes_clicked(payload: Mapping[str, Any]) -> bool:
    return (payload.get("requested_action") or {}).get("identifier") == APPLY_FIXES_ACTION


ROUTES: tuple[Route, ...] = (
    Route("check_run", "requested_action", on_apply_fixes, accepts=_apply_fixes_clicked),
)
