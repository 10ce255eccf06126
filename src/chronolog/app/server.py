"""The Starlette app: three routes, and a lifespan that owns the GitHub client and the queue."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypedDict

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from chronolog import __version__
from chronolog.app.backlinks import preview_section
from chronolog.app.github import GitHubApp, GitHubError, RetryPolicy
from chronolog.app.handlers import HANDLERS, AppContext, dispatch, route_for
from chronolog.app.handlers import Route as HandlerRoute
from chronolog.app.queue import Delivery, InProcessQueue, RecentDeliveries
from chronolog.app.settings import CREDENTIALS_HELP, AppSettings
from chronolog.app.webhooks import WebhookEndpoint

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/github/webhooks"


class State(TypedDict):
    context: AppContext | None
    queue: InProcessQueue | None


def create_app(
    settings: AppSettings,
    *,
    retry: RetryPolicy | None = None,
    routes: tuple[HandlerRoute, ...] = HANDLERS,
    workers: int = 2,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Starlette:
    """The web app for `settings`. Without credentials it serves `/` and `/healthz` only,
    and answers webhooks with 503 so GitHub marks them failed (and redeliverable)."""
    deliveries = RecentDeliveries()
    holder: dict[str, InProcessQueue | None] = {"queue": None}
    github: GitHubApp | None = None
    if settings.credentials is not None:
        github = GitHubApp(
            settings.credentials.app_id,
            settings.credentials.private_key,
            settings.api_url,
            retry=retry,
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        if github is None:
            log.warning(
                "chronolog is not configured; missing: %s (see GET /)", ", ".join(settings.missing)
            )
            yield {"context": None, "queue": None}
            return
        # The backlink preview (issue 4) adds a section to every check run's summary.
        context = AppContext(github=github, clock=clock, section_builders=[preview_section(github)])

        async def process(delivery: Delivery) -> None:
            await dispatch(context, delivery, routes)

        queue = InProcessQueue(
            process, workers=workers, on_failure=lambda d: deliveries.forget(d.id)
        )
        await queue.start()
        holder["queue"] = queue
        app.state.queue = queue  # for operators and tests: `await app.state.queue.join()`
        try:
            yield {"context": context, "queue": queue}
        finally:
            holder["queue"] = None
            await queue.stop()

    webhook = WebhookEndpoint(
        settings.webhook_secret,
        accepts=lambda event, payload: route_for(event, payload, routes) is not None,
        queue=lambda: holder["queue"],
        deliveries=deliveries,
        clock=clock,
    )

    async def home(request: Request) -> Response:
        return await _home(request, settings, github)

    return Starlette(
        routes=[
            Route(WEBHOOK_PATH, webhook.endpoint, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/", home, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


async def healthz(request: Request) -> Response:
    """Up and serving; says whether credentials are set (without revealing them)."""
    configured = request.state.context is not None
    return JSONResponse({"status": "ok", "configured": configured, "version": __version__})


async def _home(request: Request, settings: AppSettings, github: GitHubApp | None) -> Response:
    if github is None:
        items = "".join(
            f"<li><code>{name}</code>: {html.escape(CREDENTIALS_HELP[name])}</li>"
            for name in settings.missing
        )
        body = (
            "<h1>chronolog is running, but not configured</h1>"
            f"<p>Set these environment variables and restart:</p><ul>{items}</ul>"
            f"<p>Webhooks go to <code>{WEBHOOK_PATH}</code>. See docs/app.md.</p>"
        )
        return HTMLResponse(_page(body))
    try:
        info: dict[str, Any] = await github.app_info()
    except GitHubError as error:
        body = (
            "<h1>chronolog is running</h1>"
            f"<p>GitHub App {github.app_id}, but <code>GET /app</code> on "
            f"{html.escape(github.api_url)} failed: {html.escape(str(error))}. "
            "Check GITHUB_APP_ID, the private key and GITHUB_API_URL.</p>"
        )
        return HTMLResponse(_page(body))
    name = html.escape(str(info.get("name") or info.get("slug")))
    link = html.escape(str(info.get("html_url") or ""))
    body = (
        f'<h1>chronolog is running as <a href="{link}">{name}</a></h1>'
        f"<p>GitHub App {github.app_id} on {html.escape(github.api_url)}. "
        f"Webhooks go to <code>{WEBHOOK_PATH}</code>.</p>"
    )
    return HTMLResponse(_page(body))


def _page(body: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>chronolog</title></head>'
        f"<body>{body}<p><small>chronolog {__version__}</small></p></body></html>"
    )
