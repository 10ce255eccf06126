"""`/metrics` in Prometheus' text format (prometheus-client), and what feeds it.

Each app has its own registry (`Metrics`), so two apps in one process (the tests) never
mix their counts. One chronolog process serves one instance, so the counters are that
instance's: Prometheus sums the instances (each scraped on its own). Queue depth and the
oldest queued age are read from the store and DBOS at each scrape, so every instance
reports the shared queue.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterator

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from chronolog.app.delivery import Delivery
from chronolog.app.jobs import RetryLater
from chronolog.app.logs import bind_delivery

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "github_route"]

log = logging.getLogger(__name__)

# Seconds: most deliveries take a few GitHub calls; a big pull request takes longer.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

_ROUTE_RULES = (
    (re.compile(r"^/repos/[^/]+/[^/]+"), "/repos/{owner}/{repo}"),
    (re.compile(r"/contents/.*$"), "/contents/{path}"),
    (re.compile(r"/compare/.*$"), "/compare/{basehead}"),
    (re.compile(r"/branches/[^/]+"), "/branches/{branch}"),
    (re.compile(r"/app-manifests/[^/]+"), "/app-manifests/{code}"),
    (re.compile(r"/[0-9a-f]{40}(?=/|$)"), "/{sha}"),
    (re.compile(r"/\d+(?=/|$)"), "/{id}"),
)


def github_route(method: str, path: str) -> str:
    """`POST /repos/{owner}/{repo}/check-runs` for `POST /repos/o/r/check-runs`: a label
    that names no repository and stays few in number. A GHES `/api/v3` prefix is dropped."""
    path = path.removeprefix("/api/v3")
    for pattern, replacement in _ROUTE_RULES:
        path = pattern.sub(replacement, path)
    return f"{method} {path}"


class Metrics:
    """chronolog's metrics, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.webhooks = Counter(
            "chronolog_webhooks_received",
            "Webhook deliveries received, by event and what became of them.",
            ["event", "outcome"],
            registry=r,
        )
        self.processed = Counter(
            "chronolog_deliveries_processed",
            "Tries at processing a stored delivery, by event and outcome (ok, retried, failed).",
            ["event", "outcome"],
            registry=r,
        )
        self.duration = Histogram(
            "chronolog_delivery_processing_seconds",
            "Time one try at a delivery took.",
            ["event"],
            buckets=BUCKETS,
            registry=r,
        )
        self.github = Counter(
            "chronolog_github_requests",
            "Requests to GitHub's API, by route and HTTP status.",
            ["route", "status"],
            registry=r,
        )
        self.rate_limit = Gauge(
            "chronolog_github_rate_limit_remaining",
            "X-RateLimit-Remaining of GitHub's last answer.",
            registry=r,
        )
        self.queue_depth = Gauge(
            "chronolog_queue_depth",
            "Deliveries waiting: stored and not yet queued, plus queued and not yet started.",
            registry=r,
        )
        self.oldest = Gauge(
            "chronolog_queue_oldest_seconds",
            "Age of the oldest waiting delivery (0 when none waits).",
            registry=r,
        )

    def received(self, event: str, outcome: str) -> None:
        self.webhooks.labels(event or "-", outcome).inc()

    async def github_response(self, response: httpx.Response) -> None:
        """An httpx response hook: counts GitHub's answer and keeps its rate-limit budget."""
        route = github_route(response.request.method, response.request.url.path)
        self.github.labels(route, str(response.status_code)).inc()
        remaining = response.headers.get("x-ratelimit-remaining", "")
        if remaining.isascii() and remaining.isdigit():
            self.rate_limit.set(int(remaining))

    @contextlib.contextmanager
    def processing(self, delivery: Delivery) -> Iterator[None]:
        """Around one try at `delivery`: binds its fields to the log lines written meanwhile,
        counts the outcome and times it."""
        payload = delivery.payload
        repository = payload.get("repository")
        pull = payload.get("pull_request")
        subject = pull or payload.get("check_run") or payload.get("check_suite") or {}
        bind_delivery(
            delivery=delivery.id,
            event=delivery.event,
            action=delivery.action,
            repo=repository.get("full_name") if isinstance(repository, dict) else None,
            pr=pull.get("number") if isinstance(pull, dict) else None,
            head_sha=_head_sha(subject, payload),
        )
        started = time.perf_counter()
        outcome = "failed"
        try:
            yield
            outcome = "ok"
        except RetryLater:
            outcome = "retried"
            raise
        finally:
            seconds = time.perf_counter() - started
            self.duration.labels(delivery.event).observe(seconds)
            self.processed.labels(delivery.event, outcome).inc()
            took = {"duration_ms": round(seconds * 1000), "outcome": outcome}
            log.info("delivery %s: %s", delivery.id, outcome, extra={"fields": took})

    def exposition(self, depth: int, oldest_seconds: float) -> bytes:
        self.queue_depth.set(depth)
        self.oldest.set(oldest_seconds)
        return generate_latest(self.registry)


def _head_sha(subject: object, payload: dict[str, object]) -> str | None:
    if isinstance(subject, dict):
        head = subject.get("head")
        if isinstance(head, dict) and isinstance(head.get("sha"), str):
            return str(head["sha"])
        if isinstance(subject.get("head_sha"), str):
            return str(subject["head_sha"])
    after = payload.get("after")  # a push
    return after if isinstance(after, str) else None
