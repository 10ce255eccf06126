"""The fix buttons' route: `check_run.requested_action` with the identifier of **Fix my
lines** or **Fix whole log** (or `apply-fixes`, the one button of older runs: whole log)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chronolog.app.checks.check_run import with_note
from chronolog.app.context import DeliveryContext, Route
from chronolog.app.fixes.fix_action import apply_fixes
from chronolog.fix_buttons import FIX_BUTTONS, FIX_WHOLE_LOG, FixButton


def no_pull_note(button: FixButton) -> str:
    """The note when the clicked run's commit is no longer an open pull request's head."""
    return (
        f"**{button.label}** did nothing: this check ran on a commit that is no longer the "
        "head of an open pull request. Press the button on the check run of the pull "
        "request's latest commit."
    )


def clicked_button(payload: Mapping[str, Any]) -> FixButton | None:
    """The button a `requested_action` payload names, None for another identifier."""
    identifier = (payload.get("requested_action") or {}).get("identifier")
    return FIX_BUTTONS.get(identifier) if isinstance(identifier, str) else None


async def on_fix_button(ctx: DeliveryContext) -> None:
    """**Fix my lines** or **Fix whole log** on one of our check runs."""
    check_run = ctx.payload["check_run"]
    button = clicked_button(ctx.payload) or FIX_WHOLE_LOG
    async with ctx.installation() as gh:
        pulls = await ctx.pulls_at_head(gh)
        if not pulls:
            # Clicked on an older run (its commit is no longer a pull request's head), or
            # the pull request was closed: say so on the run instead of doing nothing.
            await gh.update_check_run(
                ctx.repo,
                int(check_run["id"]),
                {"output": with_note(check_run.get("output") or {}, no_pull_note(button))},
            )
            return
        await apply_fixes(ctx, gh, pulls[0], button)


def _fix_button_clicked(payload: Mapping[str, Any]) -> bool:
    return clicked_button(payload) is not None


ROUTES: tuple[Route, ...] = (
    Route("check_run", "requested_action", on_fix_button, accepts=_fix_button_clicked),
)
