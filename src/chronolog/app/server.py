"""The Starlette app: its routes, and a lifespan that owns the store, the engine and GitHub.

One process serves webhooks and does the work: the webhook route only stores a delivery
(`webhooks.Intake`) and the engine (`engine.Engine`, DBOS) runs its handler from the store,
on this process or on any other instance sharing the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator, Callable
from typing import TypedDict

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from chronolog.app import redeliver
from chronolog.app.backlinks.preview import preview_section
from chronolog.app.delivery import Delivery
from chronolog.app.engine import Engine
from chronolog.app.github import GitHubApp, GitHubError, GitHubUnavailable, RetryPolicy
from chronolog.app.jobs import Foreground, RetryLater, Tuning
from chronolog.app.metrics import Metrics
from chronolog.app.registration import CALLBACK_PATH
from chronolog.app.router import (
    HANDLERS,
    AppContext,
    dispatch,
    handled_events,
    report_failure,
    route_for,
)
from chronolog.app.router import Route as HandlerRoute
from chronolog.app.runtime import Running, Runtime
from chronolog.app.settings import AppSettings, Credentials
from chronolog.app.setup import Setup
from chronolog.app.status import Status
from chronolog.app.store import Store, create_engine
from chronolog.app.webhooks import WEBHOOK_PATH, Intake, WebhookEndpoint

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class State(TypedDict):
    runtime: Runtime


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
    metrics: Metrics | None = None,
    foreground: Foreground | None = None,
) -> Engine:
    """The engine that runs `routes` on the deliveries in `store`. A GitHub failure that
    retrying may cure (5xx, no answer, a rate limit) sends the work back to the store.
    With `foreground`, each delivery waits its turn behind webhooks being received."""

    observed = (metrics or Metrics()).processing

    async def process(delivery: Delivery) -> None:
        if foreground is not None:
            await foreground.wait_turn()
        with observed(delivery):
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

    return Engine(
        store, process, give_up, tuning or Tuning(), sweep, instance, foreground or Foreground()
    )


def _settle_heap() -> None:
    """Keep the garbage collector off what the start built, for as long as it runs.

    Once started, the process holds several hundred thousand objects that live as long as
    it does (modules, DBOS, SQLAlchemy, githubkit's models), and every full collection
    walked them all: 64 ms with the GIL held, which every webhook arriving meanwhile waited
    for (`bench_app.py ack --trace`). `gc.freeze` moves them out of the collector's
    generations, so a full collection walks only what was made since.
    """
    gc.collect()
    gc.freeze()


def create_app(
    settings: AppSettings,
    *,
    retry: RetryPolicy | None = None,
    routes: tuple[HandlerRoute, ...] = HANDLERS,
    tuning: Tuning | None = None,
    clock: Clock = _now,
) -> Starlette:
    """The web app for `settings`. Without credentials `/` is the setup page (`setup`),
    and webhooks are answered 503 so GitHub marks them failed (and redeliverable) until
    the app is set up, which starts the engine without a restart."""

    metrics = Metrics()
    # The checks run in this process: webhook answers go first (`jobs.Foreground`).
    foreground = Foreground()

    async def start(store: Store, credentials: Credentials) -> Running:
        github = GitHubApp(
            credentials.app_id,
            credentials.private_key,
            settings.api_url,
            retry=retry,
            on_response=metrics.github_response,
            before_request=foreground.wait_turn,
        )
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
            metrics,
            foreground,
        )
        await engine.start()
        app.state.engine = engine  # for operators and tests
        _settle_heap()
        return Running(credentials, github, engine, Intake(store, engine.wake))

    runtime = Runtime(Store(create_engine(settings.database_url)), start, settings.credentials)
    setup = Setup(settings, runtime, clock)
    status = Status(runtime, metrics, settings.admin_token)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        await runtime.open()
        if not runtime.configured:
            log.warning(
                "chronolog is not configured: GET / sets it up (missing: %s)",
                ", ".join(settings.missing),
            )
        try:
            yield {"runtime": runtime}
        finally:
            try:
                await runtime.close()
            finally:
                gc.unfreeze()  # what the engine held can be collected again

    webhook = WebhookEndpoint(
        lambda: runtime.webhook_secret,
        accepts=lambda event, payload: route_for(event, payload, routes) is not None,
        intake=lambda: runtime.intake,
        clock=clock,
        refresh=runtime.refresh,
        observe=metrics.received,
        foreground=foreground,
    )

    async def home(request: Request) -> Response:
        await runtime.refresh()
        if runtime.running is None:
            return await setup.page(request)
        return await status.page(request, runtime.running.github)

    app = Starlette(
        routes=[
            Route(WEBHOOK_PATH, webhook.endpoint, methods=["POST"]),
            Route("/healthz", status.healthz, methods=["GET"]),
            Route("/readyz", status.readyz, methods=["GET"]),
            Route("/metrics", status.metrics, methods=["GET"]),
            Route(CALLBACK_PATH, setup.callback, methods=["GET"]),
            Route("/", home, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    return app
