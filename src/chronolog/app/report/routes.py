"""The report issue's route: a push to the default branch."""

from __future__ import annotations

from chronolog.app.backlinks.push import pushes_default_branch
from chronolog.app.context import DeliveryContext, Route
from chronolog.app.report.issue import handle_push_report


async def on_push_report(ctx: DeliveryContext) -> None:
    """A push to the default branch: with `report:` configured, bring the report issue of
    each log it changed up to date (as of the app's clock, in UTC)."""
    await handle_push_report(ctx.app.github, ctx.payload, today=ctx.app.clock().date())


# A push to the default branch: the report issue (issue 12).
ROUTES: tuple[Route, ...] = (Route("push", None, on_push_report, accepts=pushes_default_branch),)
