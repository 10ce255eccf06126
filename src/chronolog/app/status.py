"""What operators look at: `/healthz`, `/readyz`, `/metrics` and the status page at `/`.

- `/healthz` is liveness, cheap: the process serves and its engine loops run (503 when
  they stopped). Its `github` field is the last verdict of the credentials check, never
  a GitHub call of its own.
- `/readyz` says whether the store answers and GitHub accepts the credentials (`GET /app`,
  asked at most once a minute, `GitHubCheck`): 200 `ok`, else 503 `degraded` with reasons.
- `/metrics` is Prometheus' text format (`metrics.Metrics`).
- `/` once set up: the app, installations, the last hour's deliveries by outcome, queue
  depth, last failure and last sweep. Nothing names a repository or a person unless the
  request carries `CHRONOLOG_ADMIN_TOKEN` as a bearer token; `/metrics` asks for it too
  when it is set. No page view calls GitHub beyond the minute's check.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import html
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from dbos import DBOS
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from chronolog import __version__
from chronolog.app.engine import QUEUE, SWEEP_WORKFLOW, WORKFLOW
from chronolog.app.github import GitHubApp, GitHubError
from chronolog.app.metrics import CONTENT_TYPE_LATEST, Metrics
from chronolog.app.runtime import Runtime
from chronolog.app.setup import html_page

CHECK_TTL = 60.0  # seconds a credentials check is kept
FAILED = ("ERROR", "MAX_RECOVERY_ATTEMPTS_EXCEEDED")


class GitHubCheck:
    """Whether GitHub accepts the app's credentials, asked at most once per `ttl` seconds
    (concurrent askers share one call). `last` is the latest verdict, or None."""

    def __init__(self, ttl: float = CHECK_TTL, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._lock = asyncio.Lock()
        self._at = -float("inf")
        self.last: tuple[bool, str, dict[str, Any]] | None = None

    async def verdict(self, github: GitHubApp) -> tuple[bool, str, dict[str, Any]]:
        """(accepted, reason, the app's description) from `GET /app`."""
        async with self._lock:
            if self.last is None or self._clock() - self._at >= self._ttl:
                try:
                    info = await github.app_info(fresh=True)
                    self.last = (True, "GitHub accepts the credentials", info)
                except GitHubError as error:
                    self.last = (False, f"GitHub refuses the credentials: {error}", {})
                self._at = self._clock()
            return self.last


def is_admin(request: Request, token: SecretStr | None) -> bool:
    """Whether `request` carries `token` as `Authorization: Bearer ...` (constant time)."""
    if token is None:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)


async def queue_stats(runtime: Runtime, now: dt.datetime) -> tuple[int, float]:
    """Deliveries waiting (in the inbox without a job, and queued in DBOS but not started)
    and the oldest one's age in seconds."""
    waiting, oldest = await asyncio.to_thread(runtime.store.waiting)
    ages = [(now - oldest).total_seconds()] if oldest is not None else []
    if runtime.running is not None:
        queued = await DBOS.list_queued_workflows_async(
            queue_name=QUEUE, status="ENQUEUED", load_input=False, load_output=False
        )
        waiting += len(queued)
        ages += [now.timestamp() - w.created_at / 1000 for w in queued if w.created_at]
    return waiting, max(0.0, max(ages, default=0.0))


class Status:
    """The operator routes of one app."""

    def __init__(
        self,
        runtime: Runtime,
        metrics: Metrics,
        admin_token: SecretStr | None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._runtime = runtime
        self._metrics = metrics
        self._token = admin_token
        self._now = now
        self.check = GitHubCheck()

    async def healthz(self, request: Request) -> Response:
        running = self._runtime.running
        working = running is None or running.engine.healthy()
        verdict = self.check.last
        return JSONResponse(
            {
                "status": "ok" if working else "failing",
                "configured": running is not None,
                "processing": working if running is not None else None,
                "github": None if verdict is None else verdict[1],
                "version": __version__,
            },
            status_code=200 if working else 503,
        )

    async def readyz(self, request: Request) -> Response:
        problems: list[str] = []
        try:
            await asyncio.to_thread(_ping, self._runtime.store.engine)
        except Exception as error:
            problems.append(f"the store does not answer: {type(error).__name__}")
        running = self._runtime.running
        if running is None:
            problems.append("not set up: GET / sets it up")
        else:
            accepted, reason, _ = await self.check.verdict(running.github)
            if not accepted:
                problems.append(reason)
            if not running.engine.healthy():
                problems.append("the engine stopped processing")
        body = {"status": "degraded" if problems else "ok", "problems": problems}
        return JSONResponse(body, status_code=503 if problems else 200)

    async def metrics(self, request: Request) -> Response:
        if self._token is not None and not is_admin(request, self._token):
            return JSONResponse({"message": "send CHRONOLOG_ADMIN_TOKEN as a bearer token"}, 401)
        depth, oldest = await queue_stats(self._runtime, self._now())
        text = self._metrics.exposition(depth, oldest)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    async def page(self, request: Request, github: GitHubApp) -> Response:
        """The status page (`GET /` once set up)."""
        accepted, reason, info = await self.check.verdict(github)
        now = self._now()
        depth, oldest = await queue_stats(self._runtime, now)
        recent = await DBOS.list_workflows_async(
            name=WORKFLOW,
            start_time=(now - dt.timedelta(hours=1)).isoformat(),
            load_input=False,
            load_output=False,
        )
        outcomes = Counter(_OUTCOMES.get(str(w.status), "waiting") for w in recent)
        failure = await DBOS.list_workflows_async(
            name=WORKFLOW, status=list(FAILED), sort_desc=True, limit=1, load_input=False
        )
        sweep = await DBOS.list_workflows_async(
            name=SWEEP_WORKFLOW, status="SUCCESS", sort_desc=True, limit=1, load_input=False
        )
        if accepted:
            name = html.escape(str(info.get("name") or info.get("slug")))
            link = html.escape(str(info.get("html_url") or ""))
            head = f'<h1>chronolog is running as <a href="{link}">{name}</a></h1>'
            installs = f"<li>Installations: {int(info.get('installations_count') or 0)}</li>"
        else:
            head = f"<h1>chronolog is running, but {html.escape(reason)}</h1>"
            installs = ""
        counts = ", ".join(f"{outcomes[k]} {k}" for k in ("processed", "failed", "waiting"))
        body = (
            head
            + "<ul>"
            + installs
            + f"<li>Deliveries in the last hour: {counts}</li>"
            + f"<li>Waiting: {depth} (oldest {oldest:.0f} s)</li>"
            + f"<li>Last failed delivery: {_when(failure)}</li>"
            + f"<li>Last sweep for missed deliveries: {_when(sweep)}</li>"
            + "</ul>"
        )
        if is_admin(request, self._token):
            body += await self._failures(recent)
        return html_page(body)

    async def _failures(self, recent: list[Any]) -> str:
        """The last hour's failed deliveries, with their repositories (admins only)."""
        rows = []
        for workflow in [w for w in recent if str(w.status) in FAILED][:20]:
            stored = await asyncio.to_thread(self._runtime.store.get, workflow.workflow_id)
            what = "?" if stored is None else f"{stored.event} on {stored.partition}"
            rows.append(
                f"<li><code>{html.escape(workflow.workflow_id)}</code>: {html.escape(what)}</li>"
            )
        return "<h2>Failed in the last hour</h2><ul>" + "".join(rows) + "</ul>"


_OUTCOMES = {
    "SUCCESS": "processed",
    "ERROR": "failed",
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED": "failed",
    "CANCELLED": "failed",
}


def _when(workflows: list[Any]) -> str:
    if not workflows or not workflows[0].updated_at:
        return "none"
    moment = dt.datetime.fromtimestamp(workflows[0].updated_at / 1000, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _ping(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
