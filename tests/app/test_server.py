"""The web server: webhook verification and answers, dedupe, `/` and `/healthz`."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from chronolog.app.jobs import Foreground
from chronolog.app.server import create_app
from chronolog.app.webhooks import MAX_BODY, WebhookEndpoint, read_body, signature_is_valid
from tests.app.conftest import SECRET, URL, add_log_pull, deliver, settings
from tests.fake_github import FakeGitHub, load_webhook, sign, webhook_headers


def test_the_signature_check_matches_githubs_test_vector() -> None:
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_is_valid(b"It's a Secret to Everybody", b"Hello, World!", header)
    assert not signature_is_valid(b"It's a Secret to Everybody", b"Hello, World", header)
    assert not signature_is_valid(b"It's a Secret to Everybody", b"Hello, World!", header[7:])
    assert not signature_is_valid(b"It's a Secret to Everybody", b"Hello, World!", None)
    assert not signature_is_valid(b"It's a Secret to Everybody", b"Hello, World!", header + "é")


def test_a_signature_with_non_ascii_characters_is_401(client: TestClient, fake: FakeGitHub) -> None:
    body = json.dumps(load_webhook("pull_request.synchronize")).encode()
    headers: dict[str, Any] = webhook_headers("pull_request", body, SECRET)
    headers["X-Hub-Signature-256"] = ("sha256=" + "é" * 64).encode("utf-8")

    response = client.post(URL, content=body, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"message": "missing or wrong X-Hub-Signature-256"}
    assert fake.requests == []


@pytest.mark.anyio
async def test_a_content_length_of_other_digits_is_not_an_error() -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    # Header bytes are Latin-1: 0xB2 arrives as `²`, which `str.isdigit` accepts.
    headers = [(b"content-length", "²".encode("latin-1"))]
    scope = {"type": "http", "method": "POST", "headers": headers}

    assert await read_body(Request(scope, receive)) == b"{}"


def test_a_missing_or_wrong_signature_is_401_and_nothing_happens(
    client: TestClient, fake: FakeGitHub
) -> None:
    body = json.dumps(load_webhook("pull_request.synchronize")).encode()
    headers = webhook_headers("pull_request", body, SECRET)

    missing = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    wrong = {**headers, "X-Hub-Signature-256": sign("not the secret", body)}

    assert client.post(URL, content=body, headers=missing).status_code == 401
    assert client.post(URL, content=body, headers=wrong).status_code == 401
    assert fake.requests == []


@pytest.mark.anyio
async def test_a_refused_webhook_does_not_make_background_work_wait() -> None:
    foreground = Foreground(quiet=1.0, longest=5.0)
    endpoint = WebhookEndpoint(
        SECRET.encode(), lambda event, payload: True, lambda: None, foreground=foreground
    )
    app = Starlette(routes=[Route(URL, endpoint.endpoint, methods=["POST"])])
    body = json.dumps(load_webhook("pull_request.synchronize")).encode()
    headers = webhook_headers("pull_request", body, SECRET)
    unsigned = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    with TestClient(app) as client:
        assert client.post(URL, content=body, headers=unsigned).status_code == 401

    started = time.monotonic()
    await foreground.wait_turn()
    assert time.monotonic() - started < 0.5  # not the 1 s of quiet after a webhook


def test_a_signed_body_that_is_not_json_is_400(client: TestClient) -> None:
    body = b"payload=%7B%7D"  # a webhook configured as form-encoded
    response = client.post(URL, content=body, headers=webhook_headers("push", body, SECRET))
    assert response.status_code == 400
    assert response.json() == {"message": "body is not JSON"}


def test_a_body_over_25_mb_is_413_before_it_is_read(client: TestClient) -> None:
    headers = {**webhook_headers("push", b"", SECRET), "Content-Length": str(MAX_BODY + 1)}
    response = client.post(URL, content=b"{}", headers=headers)
    assert response.status_code == 413


def test_a_streamed_body_over_25_mb_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(26):
            yield b" " * (1024 * 1024)

    response = client.post(URL, content=chunks(), headers=webhook_headers("push", b"", SECRET))
    assert response.status_code == 413


def test_ping_is_200(client: TestClient) -> None:
    assert deliver(client, "ping", load_webhook("ping")) == (200, {"message": "pong"})


@pytest.mark.parametrize(
    ("fixture", "answer"),
    [
        ("pull_request.closed", "ignored: chronolog does not handle pull_request.closed"),
        ("pull_request.edited", "ignored: chronolog does not handle pull_request.edited"),
        ("issues.opened", "ignored: chronolog does not handle issues.opened"),
        ("check_suite.requested", "ignored: chronolog does not handle check_suite.requested"),
        (
            "check_run.requested_action",
            "ignored: chronolog does not handle check_run.requested_action",
        ),
        ("installation.created", "ignored: chronolog does not handle installation.created"),
    ],
)
def test_events_chronolog_does_not_handle_are_202_and_do_nothing(
    client: TestClient, fake: FakeGitHub, fixture: str, answer: str
) -> None:
    status, body = deliver(client, fixture.split(".")[0], load_webhook(fixture))
    assert (status, body) == (202, {"message": answer})
    assert fake.requests == []


def test_a_pull_request_is_accepted_and_checked_after_the_answer(
    client: TestClient, fake: FakeGitHub
) -> None:
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)

    status, body = deliver(client, "pull_request", payload)

    assert (status, body) == (202, {"message": "accepted pull_request.synchronize"})
    [run] = fake.runs_for("Codertocat/Hello-World")
    assert (run["name"], run["conclusion"]) == ("chronolog", "failure")


def test_the_same_delivery_twice_is_processed_once(client: TestClient, fake: FakeGitHub) -> None:
    payload = load_webhook("pull_request.opened")
    add_log_pull(fake, payload)

    first = deliver(
        client, "pull_request", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958"
    )
    second = deliver(
        client, "pull_request", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958"
    )

    assert first[0] == second[0] == 202
    assert second[1] == {
        "message": "delivery 72d3162e-cc78-11e3-81ab-4c9367dc0958 was already received"
    }
    assert len(fake.runs_for("Codertocat/Hello-World")) == 1


def test_two_deliveries_for_one_pull_request_are_processed_one_after_the_other(
    client: TestClient, fake: FakeGitHub
) -> None:
    # Two different deliveries (an `opened` and a person's redelivery of it under a new
    # id cannot be told apart by id) arrive together: the second sees the first's review.
    payload = load_webhook("pull_request.opened")
    add_log_pull(fake, payload)
    body = json.dumps(payload).encode()
    for delivery in ("d-1", "d-2"):
        response = client.post(
            URL, content=body, headers=webhook_headers("pull_request", body, SECRET, delivery)
        )
        assert response.status_code == 202
    client.portal.call(client.app.state.engine.wait_idle)  # type: ignore[attr-defined]

    assert len(fake.reviews) == len(fake.review_comments) == 1
    assert len(fake.runs_for("Codertocat/Hello-World")) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "synchronize"},
        {"action": "synchronize", "pull_request": None, "installation": {"id": "x"}},
        [],
        "text",
        None,
    ],
)
def test_malformed_payloads_never_cause_a_500(
    client: TestClient, fake: FakeGitHub, payload: Any
) -> None:
    status, _ = deliver(client, "pull_request", payload)
    assert status in (202, 400)
    assert client.get("/healthz").status_code == 200


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["configured"] is True


def test_the_heap_built_at_start_is_kept_from_the_collector_until_the_server_stops(
    app: Starlette,
) -> None:
    # A full collection walking everything the start built held the GIL for 64 ms, and
    # every webhook answer waited for it.
    with TestClient(app) as client:
        assert client.get("/healthz").json()["configured"] is True
        assert gc.get_freeze_count() > 50_000
    assert gc.get_freeze_count() == 0


def test_home_names_the_app(client: TestClient, fake: FakeGitHub) -> None:
    page = client.get("/").text
    assert (
        'chronolog is running as <a href="https://github.com/apps/chronolog">chronolog</a>' in page
    )
    client.get("/")
    assert len(fake.calls("GET /app")) == 1  # asked once, then kept for a minute


def test_home_says_when_github_refuses_the_credentials(
    client: TestClient, fake: FakeGitHub
) -> None:
    fake.fail("GET", "/app", 401, message="A JSON web token could not be decoded")
    page = client.get("/").text
    ready = client.get("/readyz")
    health = client.get("/healthz").json()

    assert (
        "<h1>chronolog is running, but GitHub refuses the credentials: 401: A JSON web token "
        "could not be decoded</h1>"
    ) in page
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "degraded",
        "problems": ["GitHub refuses the credentials: 401: A JSON web token could not be decoded"],
    }
    assert health["github"] == (
        "GitHub refuses the credentials: 401: A JSON web token could not be decoded"
    )
    assert len(fake.calls("GET /app")) == 1  # the verdict is kept for a minute


def test_without_credentials_the_server_starts_and_says_what_to_set() -> None:
    with TestClient(create_app(settings(None))) as unconfigured:
        page = unconfigured.get("/").text
        health = unconfigured.get("/healthz").json()
        body = b"{}"
        webhook = unconfigured.post(URL, content=body, headers=webhook_headers("ping", body, "x"))

    assert "<h1>Set up chronolog</h1>" in page
    for name in ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET"):
        assert f"<code>{name}</code>" in page
    assert health["configured"] is False
    assert webhook.status_code == 503
