"""What operators see: the status page, `/readyz`, `/metrics` and the log lines."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from chronolog.app.logs import (
    DeliveryFilter,
    JsonFormatter,
    QuietProbes,
    default_format,
    logging_config,
)
from chronolog.app.metrics import github_route
from chronolog.app.server import create_app
from chronolog.app.settings import AppSettings
from tests.app.conftest import FAST, NOW, add_log_pull, deliver, settings
from tests.fake_github import FakeGitHub, load_webhook

TOKEN = "a-token-only-the-operator-has"
PULL = "Codertocat/Hello-World"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


def admin_settings(private_pem: str, database_url: str) -> AppSettings:
    return dataclasses.replace(settings(private_pem, database_url), admin_token=SecretStr(TOKEN))


@pytest.fixture
def admin_client(fake: FakeGitHub, private_pem: str, database_url: str) -> Iterator[TestClient]:
    from chronolog.app.github import RetryPolicy

    app = create_app(
        admin_settings(private_pem, database_url),
        retry=RetryPolicy(attempts=1, backoff=0, max_wait=0),
        tuning=dataclasses.replace(FAST, attempts=1),
        clock=lambda: NOW,
    )
    with TestClient(app) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_status_page_counts_without_naming_a_repository(
    admin_client: TestClient, fake: FakeGitHub
) -> None:
    fake.add_installation(1, "Codertocat")
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)
    deliver(admin_client, "pull_request", payload, delivery="ok-1")
    # A payload the handler cannot read fails for good.
    broken = {"action": "synchronize", "pull_request": {"number": 2}, "installation": {"id": 1}}
    broken["repository"] = {"full_name": PULL}
    deliver(admin_client, "pull_request", broken, delivery="broken-1")

    page = admin_client.get("/").text
    detailed = admin_client.get("/", headers=bearer(TOKEN)).text
    wrong = admin_client.get("/", headers=bearer("not-the-token")).text

    assert '<h1>chronolog is running as <a href="https://github.com/apps/chronolog">' in page
    assert "<li>Installations: 1</li>" in page
    assert "<li>Deliveries in the last hour: 1 processed, 1 failed, 0 waiting</li>" in page
    assert "<li>Waiting: 0 (oldest 0 s)</li>" in page
    assert "<li>Last failed delivery: none</li>" not in page
    assert "<li>Last sweep for missed deliveries: " in page
    for text in (page, wrong):
        assert "Codertocat" not in text
        assert "broken-1" not in text
    assert (
        "<h2>Failed in the last hour</h2><ul><li><code>broken-1</code>: pull_request on "
        "codertocat/hello-world#2</li></ul>"
    ) in detailed


def test_metrics_need_the_admin_token_when_it_is_set(admin_client: TestClient) -> None:
    assert admin_client.get("/metrics").status_code == 401
    assert admin_client.get("/metrics", headers=bearer("wrong")).status_code == 401
    answer = admin_client.get("/metrics", headers=bearer(TOKEN))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")


def test_metrics_count_deliveries_github_calls_and_the_queue(
    client: TestClient, fake: FakeGitHub
) -> None:
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)
    deliver(client, "pull_request", payload, delivery="d-1")
    deliver(client, "pull_request", payload, delivery="d-1")
    deliver(client, "push", {"not": "handled"})

    lines = set(client.get("/metrics").text.splitlines())

    for line in (
        'chronolog_webhooks_received_total{event="pull_request",outcome="stored"} 1.0',
        'chronolog_webhooks_received_total{event="pull_request",outcome="duplicate"} 1.0',
        'chronolog_deliveries_processed_total{event="pull_request",outcome="ok"} 1.0',
        'chronolog_delivery_processing_seconds_count{event="pull_request"} 1.0',
        'chronolog_github_requests_total{route="POST /repos/{owner}/{repo}/check-runs",'
        'status="201"} 1.0',
        "chronolog_queue_depth 0.0",
        "chronolog_queue_oldest_seconds 0.0",
    ):
        assert line in lines
    assert not any("Codertocat" in line or "Hello-World" in line for line in lines)


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("GET", "/repos/o/r/pulls/12/files", "GET /repos/{owner}/{repo}/pulls/{id}/files"),
        ("GET", "/api/v3/repos/o/r/contents/a/b.md", "GET /repos/{owner}/{repo}/contents/{path}"),
        (
            "GET",
            f"/repos/o/r/commits/{HEAD}/check-runs",
            "GET /repos/{owner}/{repo}/commits/{sha}/check-runs",
        ),
        (
            "POST",
            "/app/installations/7/access_tokens",
            "POST /app/installations/{id}/access_tokens",
        ),
        ("POST", "/app-manifests/abc/conversions", "POST /app-manifests/{code}/conversions"),
    ],
)
def test_github_routes_are_labelled_without_names(method: str, path: str, route: str) -> None:
    assert github_route(method, path) == route


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged meanwhile, as the server's JSON handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(DeliveryFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_every_line_about_a_delivery_carries_its_fields(
    client: TestClient, fake: FakeGitHub, json_lines: io.StringIO
) -> None:
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)
    fake.fail("GET", r"/repos/.*/pulls/2/files", 502, times=4)  # one try

    deliver(client, "pull_request", payload, delivery="log-1")

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    about = [line for line in lines if line.get("delivery") == "log-1"]
    fields = {"delivery": "log-1", "event": "pull_request", "action": "synchronize"}
    fields |= {"repo": PULL, "pr": 2, "head_sha": HEAD}
    ends = [line for line in about if "outcome" in line]
    assert [(line["outcome"], line["message"]) for line in ends] == [
        ("retried", "delivery log-1: retried"),
        ("ok", "delivery log-1: ok"),
    ]
    for line in ends:
        assert fields.items() <= line.items()
        assert isinstance(line["duration_ms"], int)
    # The engine's own line about the retry names the delivery too.
    assert any(line["logger"] == "chronolog.app.engine" for line in about)
    assert all(
        line.get("delivery") == "log-1"
        for line in lines
        if line["logger"].startswith("chronolog.app") and "log-1" in line["message"]
    )


def test_one_configuration_for_chronolog_uvicorn_and_dbos() -> None:
    config = logging_config("DEBUG", "json")
    assert config["root"] == {"handlers": ["stderr"], "level": "DEBUG"}
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert config["loggers"][name]["level"] == "DEBUG"
        assert config["loggers"][name]["propagate"] is True
    assert config["loggers"]["uvicorn.access"]["filters"] == ["quiet"]


def test_probe_access_lines_are_dropped() -> None:
    def access(path: str) -> logging.LogRecord:
        args = ("127.0.0.1:5000", "GET", path, "1.1", 200)
        return logging.LogRecord("uvicorn.access", 20, "", 0, '%s - "%s %s HTTP/%s" %d', args, None)

    quiet = QuietProbes()
    assert not quiet.filter(access("/healthz"))
    assert not quiet.filter(access("/metrics?x=1"))
    assert quiet.filter(access("/api/github/webhooks"))


def test_the_default_format_is_text_on_a_terminal_and_json_elsewhere() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert default_format(Terminal()) == "text"
    assert default_format(io.StringIO()) == "json"
