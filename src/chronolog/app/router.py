"""What chronolog does on which webhook: the one table, `HANDLERS`, composed of each
concern's routes, and `dispatch`, which runs a delivery's handler with its context.

A handler takes one `DeliveryContext`. To handle another event, write a handler and add a
`Route` to its concern's `ROUTES`; nothing registers itself. When several concerns handle
the same event (a push: backlinks, then the report issue), each runs whatever the others
did: they share no state, so their order does not matter.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chronolog.app.backlinks import routes as backlinks
from chronolog.app.checks import routes as checks
from chronolog.app.checks.pull_request import publish_not_checked
from chronolog.app.context import AppContext, DeliveryContext, Route
from chronolog.app.delivery import Delivery
from chronolog.app.fixes import routes as fixes
from chronolog.app.github import GitHubError, GitHubUnavailable
from chronolog.app.report import routes as report

__all__ = [
    "HANDLERS",
    "AppContext",
    "Route",
    "dispatch",
    "handled_events",
    "report_failure",
    "route_for",
    "routes_for",
]

log = logging.getLogger(__name__)

# The one table of what chronolog handles. Anything else is answered 202 and ignored.
# None of these skips bots: chronolog's own fix commit arrives as a `synchronize` sent by
# its bot, and that new head commit needs its check run like any other.
HANDLERS: tuple[Route, ...] = (*checks.ROUTES, *fixes.ROUTES, *backlinks.ROUTES, *report.ROUTES)


def handled_events(routes: tuple[Route, ...] = HANDLERS) -> frozenset[str]:
    """The events some route handles: only their missed deliveries are asked for again."""
    return frozenset(route.event for route in routes)


def sent_by_bot(payload: Mapping[str, Any]) -> bool:
    sender = payload.get("sender") or {}
    return sender.get("type") == "Bot" or str(sender.get("login", "")).endswith("[bot]")


def routes_for(
    event: str, payload: Mapping[str, Any], routes: tuple[Route, ...] = HANDLERS
) -> list[Route]:
    """The routes that handle this delivery, in table order."""
    action = payload.get("action")
    return [
        route
        for route in routes
        if route.event == event
        and route.action == action
        and (route.accepts is None or route.accepts(payload))
        and not (route.skip_bots and sent_by_bot(payload))
    ]


def route_for(
    event: str, payload: Mapping[str, Any], routes: tuple[Route, ...] = HANDLERS
) -> Route | None:
    """The first route that handles this delivery, or None when none does."""
    return next(iter(routes_for(event, payload, routes)), None)


async def dispatch(
    app: AppContext, delivery: Delivery, routes: tuple[Route, ...] = HANDLERS
) -> None:
    """Run every handler of `delivery` (the engine calls this), each whatever the others
    raised; then raise the first error, preferring one that a retry may cure (the engine
    runs the delivery again, and every handler looks before it writes), and among those
    one that says when (a rate limit's `retry_after`), so the retry waits that long."""
    errors: list[Exception] = []
    for route in routes_for(delivery.event, delivery.payload, routes):
        log.info("delivery %s: %s.%s", delivery.id, delivery.event, delivery.action)
        try:
            await route.handler(DeliveryContext(app, delivery))
        except Exception as error:  # the other concerns still run; raised below
            errors.append(error)
    retryable = [e for e in errors if isinstance(e, GitHubError) and e.is_server_side]
    timed = [e for e in retryable if isinstance(e, GitHubUnavailable) and e.retry_after is not None]
    if errors:
        raise (timed or retryable or errors)[0]


async def report_failure(app: AppContext, delivery: Delivery, reason: str) -> None:
    """Say where people look that a delivery could not be processed: for a pull request
    (or a re-run of its check), a neutral check run on its head commit that says what
    happened and to use Re-run. Other deliveries (pushes) are only logged."""
    log.error(
        "delivery %s (%s.%s) gave up: %s", delivery.id, delivery.event, delivery.action, reason
    )
    ctx = DeliveryContext(app, delivery)
    payload = ctx.payload
    subject = payload.get("pull_request") or payload.get("check_run") or payload.get("check_suite")
    if not isinstance(subject, Mapping) or "installation" not in payload:
        return
    head_sha = subject.get("head_sha") or (subject.get("head") or {}).get("sha")
    if not isinstance(head_sha, str):
        return
    async with ctx.installation() as gh:
        await publish_not_checked(gh, ctx.repo, head_sha, reason)
