"""The backlinks' route: a push to the default branch."""

from __future__ import annotations

from chronolog.app.backlinks.push import BacklinksFailed, handle_push, pushes_default_branch
from chronolog.app.context import DeliveryContext, Route
from chronolog.app.github import GitHubError


async def on_push(ctx: DeliveryContext) -> None:
    """A push to the default branch: first forget the config if the push touched it, so
    the next check reads the new one; then update the backlinks of the logs it changed.

    Raises `BacklinksFailed` after every target was tried when GitHub failed on some: the
    delivery then counts as failed, and its retry (or a redelivery of the push) writes
    them (a later push only syncs the targets whose entries it changes).
    """
    ctx.app.config_cache.forget_if_changed(ctx.payload)
    failed: list[GitHubError] = []
    await handle_push(ctx.app.github, ctx.payload, failed=failed)
    if failed:
        raise BacklinksFailed(
            f"{len(failed)} backlink(s) of push {ctx.delivery.id} not written: {failed[0]}"
        )


# A push to the default branch: forget a changed config, then backlinks (issue 4).
ROUTES: tuple[Route, ...] = (Route("push", None, on_push, accepts=pushes_default_branch),)
