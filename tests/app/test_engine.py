"""The engine under the server: retries from the store, exactly-once effects, give-up.

Each test runs on SQLite and, when CHRONOLOG_TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from dbos import DBOS
from starlette.testclient import TestClient

from tests.app.conftest import SECRET, URL, add_log_pull, deliver, post, wait_idle
from tests.fake_github import FakeGitHub, load_webhook, webhook_headers

REPO = "Codertocat/Hello-World"
FILES = "/repos/Codertocat/Hello-World/pulls/2/files"
RUNS = "/repos/Codertocat/Hello-World/check-runs"
REVIEWS = "/repos/Codertocat/Hello-World/pulls/2/reviews"
NOT_CHECKED_SUMMARY = (
    "**chronolog could not check this commit: GitHub was unavailable on each of 8 tries**, "
    "so the logs in this pull request were not checked.\n\n"
    "This is not a problem in your log. Use **Re-run** on this check to try again; "
    "the check is neutral meanwhile so that it does not block the pull request."
)


def status(delivery_id: str) -> str:
    workflow = DBOS.get_workflow_status(delivery_id)
    assert workflow is not None
    return str(workflow.status)


def test_an_outage_longer_than_the_clients_retries_is_retried_from_the_store(
    client: TestClient, fake: FakeGitHub
) -> None:
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)
    # The client tries 4 times (3 retries); the engine's first try fails, its second works.
    fake.fail("GET", FILES, 502, times=4)

    deliver(client, "pull_request", payload, delivery="outage-1")

    assert len(fake.calls(f"GET {FILES}")) == 5
    [run] = fake.runs_for(REPO)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert status("outage-1") == "SUCCESS"


def test_a_check_run_post_that_github_carried_out_but_failed_is_not_made_twice(
    client: TestClient, fake: FakeGitHub
) -> None:
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)
    # Every try's POST reaches GitHub, but the answers are lost: the client retries on its
    # own, then the engine tries again, and that try finds the run before writing.
    fake.fail("POST", RUNS, 502, times=1, carried_out=True)

    deliver(client, "pull_request", payload, delivery="lost-answers")

    [run] = fake.runs_for(REPO)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    # The client does not send a POST again; the engine's second try finds the run.
    assert len(fake.calls(f"POST {RUNS}")) == 1
    assert status("lost-answers") == "SUCCESS"


def test_a_review_post_that_github_carried_out_but_failed_is_not_repeated(
    client: TestClient, fake: FakeGitHub
) -> None:
    payload = load_webhook("pull_request.opened")
    add_log_pull(fake, payload)
    fake.fail("POST", REVIEWS, 502, times=1, carried_out=True)

    deliver(client, "pull_request", payload, delivery="lost-review")

    assert len(fake.calls(f"POST {REVIEWS}")) == 1
    assert len(fake.reviews) == len(fake.review_comments) == 1
    assert len(fake.runs_for(REPO)) == 1


def test_github_failing_on_every_try_ends_in_a_neutral_run_and_a_failed_job(
    client: TestClient, fake: FakeGitHub
) -> None:
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)
    fake.fail("GET", FILES, 503, times=1000)

    deliver(client, "pull_request", payload, delivery="down")

    assert len(fake.calls(f"GET {FILES}")) == 8 * 4
    [run] = fake.runs_for(REPO)
    assert (run["conclusion"], run["output"]["title"]) == (
        "neutral",
        "Not checked: GitHub's API failed",
    )
    assert run["output"]["summary"] == NOT_CHECKED_SUMMARY
    assert status("down") == "ERROR"
    assert client.get("/healthz").json()["status"] == "ok"


def test_a_payload_the_handler_cannot_read_fails_alone(
    client: TestClient, fake: FakeGitHub
) -> None:
    good = load_webhook("pull_request.synchronize")
    add_log_pull(fake, good)
    broken = {"action": "synchronize", "pull_request": {"number": 2}, "installation": {"id": 1}}
    deep: Any = {"action": "synchronize", "pull_request": None}
    for _ in range(600):
        deep = {"x": deep}
    deep.update(action="synchronize", installation={"id": 1})

    for delivery, payload in (("broken", broken), ("deep", deep), ("good", good)):
        assert post(client, "pull_request", payload, delivery=delivery)[0] == 202
    wait_idle(client)

    assert status("broken") == "ERROR"
    assert status("good") == "SUCCESS"
    assert len(fake.runs_for(REPO)) == 1
    assert client.get("/healthz").json() == {
        "status": "ok",
        "configured": True,
        "processing": True,
        "github": None,
        "version": client.get("/healthz").json()["version"],
    }


def test_a_redelivery_after_processing_is_not_processed_again(
    client: TestClient, fake: FakeGitHub
) -> None:
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)
    deliver(client, "pull_request", payload, delivery="once")
    calls = len(fake.requests)

    answer = deliver(client, "pull_request", payload, delivery="once")

    assert answer == (202, {"message": "delivery once was already received"})
    assert len(fake.requests) == calls


def test_a_burst_of_deliveries_is_acknowledged_and_each_processed_once(
    client: TestClient, fake: FakeGitHub
) -> None:
    payload = load_webhook("pull_request.synchronize")
    add_log_pull(fake, payload)
    body = json.dumps(payload).encode()
    answers = [
        client.post(
            URL, content=body, headers=webhook_headers("pull_request", body, SECRET, f"b-{n % 5}")
        ).status_code
        for n in range(20)
    ]
    wait_idle(client)

    assert answers == [202] * 20
    assert len(fake.calls(f"GET {FILES}")) == 5  # five distinct deliveries
    assert len(fake.runs_for(REPO)) == 1  # the same head: later ones reuse the run


def test_the_engines_own_transactions_wait_while_a_webhook_is_received(
    client: TestClient,
) -> None:
    # DBOS's bookkeeping runs in threads of the process that answers webhooks; while one
    # is received (here on this thread), a transaction of DBOS's waits to start.
    foreground = client.app.state.engine.foreground  # type: ignore[attr-defined]
    listed = threading.Event()
    reader = threading.Thread(target=lambda: (DBOS.list_workflows(limit=1), listed.set()))
    with foreground.receiving():
        reader.start()
        assert not listed.wait(0.15)  # it waits up to `longest` (0.25 s) at a time
    assert listed.wait(5)
    reader.join()
