"""The Starlette app: its routes, and a lifespan that owns the store, the engine and GitHub.

One process serves webhooks and does the work: the webhook route only stores a delivery
(`webhooks.Intake`) and the engine (`engine.Engine`, DBOS) runs its handler from the store,
on this process or on any other instance sharing the database.
"""

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
from chronolog.app import redeliver
from chronolog.app.backlinks.preview import preview_section
from chronolog.app.delivery import Delivery
from chronolog.app.engine import Engine
from chronolog.app.github import GitHubApp, GitHubError, GitHubUnavailable, RetryPolicy
from chronolog.app.jobs import RetryLater, Tuning
from chronolog.app.router import (
    HANDLERS,
    AppContext,
    dispatch,
    handled_events,
    report_failure,
    route_for,
)
from chronolog.app.router import Route as HandlerRoute
from chronolog.app.settings import CREDENTIALS_HELP, AppSettings
from chronolog.app.store import Store, create_engine
from chronolog.app.webhooks import Intake, WebhookEndpoint

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/github/webhooks"

Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class State(TypedDict):
    configured: bool
    engine: Engine | None


def github_app(settings: AppSettings, retry: RetryPolicy | None = None) -> GitHubApp | None:
    """The app's GitHub access from `settings`, or None without credentials."""
    if settings.credentials is None:
        return None
    return GitHubApp(
        settings.credentials.app_id,
        settings.credentials.private_key,
        settings.api_url,
        retry=retry,
    )


def app_context(github: GitHubApp, clock: Clock = _now) -> AppContext:
    """What the handlers share, composed here: GitHub access, the config cache, and the
    backlink preview (issue 4), a section in every check run's summary."""
    return AppContext(github=github, clock=clock, section_builders=[preview_section(github)])


def build_engine(
    store: Store,
    context: AppContext,
    routes: tuple[HandlerRoute, ...] = HANDLERS,
    tuning: Tuning | None = None,
    instance: str = "local",
) -> Engine:
    """The engine that runs `routes` on the deliveries in `store`. A GitHub failure that
    retrying may cure (5xx, no answer, a rate limit) sends the work back to the store."""

    async def process(delivery: Delivery) -> None:
        try:
            await dispatch(context, delivery, routes)
        except GitHubError as error:
            if not error.is_server_side:
                raise
            delay = error.retry_after if isinstance(error, GitHubUnavailable) else None
            raise RetryLater(f"GitHub failed: {error}", delay) from None

    async def give_up(delivery: Delivery, reason: str) -> None:
        await report_failure(context, delivery, reason)

    async def sweep() -> None:
        await redeliver.sweep(context.github, store, handled_events(routes))

    return Engine(store, process, give_up, tuning or Tuning(), sweep, instance)


def create_app(
    settings: AppSettings,
    *,
    retry: RetryPolicy | None = None,
    routes: tuple[HandlerRoute, ...] = HANDLERS,
    tuning: Tuning | None = None,
    clock: Clock = _now,
) -> Starlette:
    """The web app for `settings`. Without credentials it serves `/` and `/healthz` only,
    and answers webhooks with 503 so GitHub marks them failed (and redeliverable)."""
    github = github_app(settings, retry)
    holder: dict[str, Intake | None] = {"intake": None}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        if github is None:
            log.warning(
                "chronolog is not configured; missing: %s (see GET /)", ", ".join(settings.missing)
            )
            yield {"configured": False, "engine": None}
            return
        store = Store(create_engine(settings.database_url))
        engine = build_engine(
            store,
            app_context(github, clock),
            routes,
            tuning
            or Tuning(
                concurrency=settings.workers,
                backoff=settings.retry_backoff,
                heartbeat=settings.instance_timeout / 4,
                dead_after=settings.instance_timeout,
            ),
            settings.instance_id,
        )
        await engine.start()
        holder["intake"] = Intake(store, engine.wake)
        app.state.engine = engine  # for operators and tests
        try:
            yield {"configured": True, "engine": engine}
        finally:
            holder["intake"] = None
            await engine.stop()
            store.engine.dispose()

    webhook = WebhookEndpoint(
        settings.webhook_secret,
        accepts=lambda event, payload: route_for(event, payload, routes) is not None,
        intake=lambda: holder["intake"],
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
    """Up and serving; says whether credentials are set (without revealing them) and
    whether the engine still processes work: 503 when its loops have stopped."""
    configured = bool(request.state.configured)
    engine: Engine | None = request.state.engine
    working = engine is None or engine.healthy()
    return JSONResponse(
        {
            "status": "ok" if working else "failing",
            "configured": configured,
            "processing": working if engine is not None else None,
            "version": __version__,
        },
        status_code=200 if working else 503,
    )


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
