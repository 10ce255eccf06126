"""The Starlette app: three routes, and a lifespan that owns the queue of deliveries.

The server process answers webhooks and nothing else; the deliveries it accepts are
processed in a worker process (`WorkerProcess`), which builds its own `AppContext` with
`processor`. `in_process=True` processes them on threads of this process instead (tests
fake GitHub inside this process, and need to).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypedDict

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from chronolog import __version__
from chronolog.app.backlink_preview import preview_section
from chronolog.app.github import GitHubApp, GitHubError, RetryPolicy
from chronolog.app.handlers import HANDLERS, AppContext, dispatch, route_for
from chronolog.app.handlers import Route as HandlerRoute
from chronolog.app.queue import Delivery, InProcessQueue, Process, RecentDeliveries
from chronolog.app.settings import CREDENTIALS_HELP, AppSettings
from chronolog.app.webhooks import WebhookEndpoint
from chronolog.app.worker import WorkerProcess

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/github/webhooks"

Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class State(TypedDict):
    configured: bool
    queue: InProcessQueue | WorkerProcess | None


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


def processor(
    settings: AppSettings,
    retry: RetryPolicy | None = None,
    routes: tuple[HandlerRoute, ...] = HANDLERS,
    clock: Clock = _now,
) -> Process:
    """The function that processes deliveries, with one `AppContext` for all of them.

    Module-level and built from picklable settings, so that the worker process can call it
    (`functools.partial(processor, settings, retry)`).
    """
    github = github_app(settings, retry)
    if github is None:
        raise ValueError("deliveries cannot be processed without the app's credentials")
    context = app_context(github, clock)

    async def process(delivery: Delivery) -> None:
        await dispatch(context, delivery, routes)

    return process


def create_app(
    settings: AppSettings,
    *,
    retry: RetryPolicy | None = None,
    routes: tuple[HandlerRoute, ...] = HANDLERS,
    in_process: bool = False,
    concurrency: int = 4,
    clock: Clock = _now,
) -> Starlette:
    """The web app for `settings`. Without credentials it serves `/` and `/healthz` only,
    and answers webhooks with 503 so GitHub marks them failed (and redeliverable).

    Deliveries are processed `concurrency` at a time in a worker process, or with
    `in_process` on as many threads of this process (`clock` then also reaches the
    handlers; in the worker process they use the real time).
    """
    deliveries = RecentDeliveries()
    holder: dict[str, InProcessQueue | WorkerProcess | None] = {"queue": None}
    github = github_app(settings, retry)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        if github is None:
            log.warning(
                "chronolog is not configured; missing: %s (see GET /)", ", ".join(settings.missing)
            )
            yield {"configured": False, "queue": None}
            return

        def forget(delivery: Delivery) -> None:
            deliveries.forget(delivery.id)

        queue: InProcessQueue | WorkerProcess
        if in_process:
            process = processor(settings, retry, routes, clock)
            queue = InProcessQueue(process, workers=concurrency, on_failure=forget)
        else:
            setup = functools.partial(processor, settings, retry, routes)
            queue = WorkerProcess(setup, concurrency=concurrency, on_failure=forget)
        await queue.start()
        holder["queue"] = queue
        app.state.queue = queue  # for operators and tests: `await app.state.queue.join()`
        try:
            yield {"configured": True, "queue": queue}
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
    configured = bool(request.state.configured)
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
