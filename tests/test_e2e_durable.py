"""End to end: real `chronolog serve` processes killed with SIGKILL, on one store.

What the issue asks: every acknowledged delivery is processed exactly once after a kill
and a restart; with PostgreSQL, work of an instance that died and never comes back is
finished by another; deliveries missed while chronolog was down are asked for again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.conftest import add_log_pull, temporary_postgres_database
from tests.fake_github import (
    FakeGitHub,
    free_port,
    load_webhook,
    new_app_key,
    serve,
    webhook_headers,
)
from tests.test_e2e_serve import chronolog_command, wait_until

APP_ID = 31337
SECRET = "e2e secret"
REPO = "Codertocat/Hello-World"


class Server:
    """One `chronolog serve` process against the fake GitHub at `api_url`."""

    def __init__(self, api_url: str, pem: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {
            **os.environ,
            "GITHUB_APP_ID": str(APP_ID),
            "GITHUB_APP_PRIVATE_KEY": pem,
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_API_URL": api_url,
            "CHRONOLOG_RETRY_BACKOFF": "0.2",
            **env,
        }
        environment.pop("GITHUB_APP_PRIVATE_KEY_PATH", None)
        self.process = subprocess.Popen(
            [*chronolog_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.healthy, "the server to answer /healthz", timeout=60)

    def healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"chronolog serve exited with {self.process.returncode}")
        try:
            return httpx.get(f"{self.base}/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def deliver(self, payload: dict[str, Any], delivery: str) -> int:
        body = json.dumps(payload).encode()
        headers = webhook_headers("pull_request", body, SECRET, delivery)
        url = f"{self.base}/api/github/webhooks"
        return httpx.post(url, content=body, headers=headers, timeout=10).status_code

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, str, str]]:
    """The fake GitHub served over HTTP, its URL, and the app's key."""
    key, pem = new_app_key(pkcs8=True)
    fake = FakeGitHub(app_id=APP_ID, public_key=key.public_key())
    with serve(fake) as api_url:
        yield fake, api_url, pem


def pulls(fake: FakeGitHub, count: int) -> list[dict[str, Any]]:
    """`count` pull requests that each add a defective entry to the log."""
    payloads = []
    for number in range(1, count + 1):
        payload = load_webhook("pull_request.opened")
        payload["number"] = number
        payload["pull_request"].update(number=number)
        payload["pull_request"]["head"]["sha"] = f"{number:040x}"
        add_log_pull(fake, payload)
        payloads.append(payload)
    return payloads


def settled(fake: FakeGitHub, payloads: list[dict[str, Any]]) -> bool:
    """Whether every pull request's head has its completed run."""
    return all(
        any(
            run["status"] == "completed"
            for run in fake.runs_for(REPO, p["pull_request"]["head"]["sha"])
        )
        for p in payloads
    )


def assert_each_head_checked_once(fake: FakeGitHub, payloads: list[dict[str, Any]]) -> None:
    for payload in payloads:
        head = payload["pull_request"]["head"]["sha"]
        runs = fake.runs_for(REPO, head)
        assert [(r["status"], r["conclusion"]) for r in runs] == [("completed", "failure")], head
    reviews = {(r["_repo"], r["_pull"]) for r in fake.reviews}
    assert len(fake.reviews) == len(reviews) == len(payloads)


def test_sigkill_mid_work_then_a_restart_processes_every_acknowledged_delivery_once(
    github: tuple[FakeGitHub, str, str], tmp_path: Path
) -> None:
    fake, api_url, pem = github
    payloads = pulls(fake, 6)
    # Slow check runs: the kill lands while deliveries are being processed.
    fake.slow("POST", f"/repos/{REPO}/check-runs", 1.5)
    env = {"CHRONOLOG_DATA_DIR": str(tmp_path), "CHRONOLOG_INSTANCE_ID": "one"}
    first = Server(api_url, pem, env)
    try:
        for number, payload in enumerate(payloads):
            assert first.deliver(payload, f"kill-{number}") == 202
        wait_until(lambda: fake.calls(f"POST /repos/{REPO}/check-runs"), "a check run POST")
        assert not settled(fake, payloads)  # killed mid-work
    finally:
        first.kill()

    second = Server(api_url, pem, env)
    try:
        wait_until(lambda: settled(fake, payloads), "every head's check run", timeout=60)
        # Redelivering by hand after the restart changes nothing.
        assert second.deliver(payloads[0], "kill-0") == 202
    finally:
        second.stop()
    assert_each_head_checked_once(fake, payloads)


def test_with_postgresql_a_dead_instances_work_is_finished_by_the_other(
    github: tuple[FakeGitHub, str, str],
) -> None:
    fake, api_url, pem = github
    payloads = pulls(fake, 6)
    fake.slow("POST", f"/repos/{REPO}/check-runs", 1.5)
    with temporary_postgres_database() as database_url:
        shared = {"DATABASE_URL": database_url, "CHRONOLOG_INSTANCE_TIMEOUT": "4"}
        dying = Server(api_url, pem, {**shared, "CHRONOLOG_INSTANCE_ID": "dying"})
        survivor = Server(api_url, pem, {**shared, "CHRONOLOG_INSTANCE_ID": "survivor"})
        try:
            for number, payload in enumerate(payloads):
                assert dying.deliver(payload, f"two-{number}") == 202
            wait_until(lambda: fake.calls(f"POST /repos/{REPO}/check-runs"), "a check run POST")
            assert not settled(fake, payloads)
            dying.kill()  # and it never comes back
            wait_until(lambda: settled(fake, payloads), "every head's check run", timeout=120)
        finally:
            dying.stop()
            survivor.stop()
    assert_each_head_checked_once(fake, payloads)


def test_deliveries_missed_while_down_are_asked_for_again_on_start(
    github: tuple[FakeGitHub, str, str], tmp_path: Path
) -> None:
    fake, api_url, pem = github
    payloads = pulls(fake, 3)
    guids = {f"missed-{n}": payload for n, payload in enumerate(payloads)}
    for guid in guids:  # GitHub could not connect: chronolog was down
        fake.add_hook_delivery(guid=guid, status_code=0, event="pull_request", action="opened")
    server: list[Server] = []
    up = threading.Event()

    def send_again(guid: str) -> None:
        # GitHub sends the webhook again, on its own schedule (here: once the server is up).
        def send() -> None:
            up.wait(60)
            server[0].deliver(guids[guid], guid)

        threading.Thread(target=send).start()

    fake.on_redeliver = send_again
    server.append(Server(api_url, pem, {"CHRONOLOG_DATA_DIR": str(tmp_path)}))
    up.set()
    try:
        wait_until(lambda: settled(fake, payloads), "every missed pull request's check run")
    finally:
        server[0].stop()
    assert len(fake.redelivered) == 3
    assert_each_head_checked_once(fake, payloads)


def test_sigterm_stops_within_the_platforms_window_and_hands_back_the_rest(
    github: tuple[FakeGitHub, str, str], tmp_path: Path
) -> None:
    fake, api_url, pem = github
    payloads = pulls(fake, 10)
    fake.slow("POST", f"/repos/{REPO}/check-runs", 1.0)
    env = {"CHRONOLOG_DATA_DIR": str(tmp_path), "CHRONOLOG_INSTANCE_ID": "one"}
    first = Server(api_url, pem, env)
    for number, payload in enumerate(payloads):
        assert first.deliver(payload, f"term-{number}") == 202
    first.process.send_signal(signal.SIGTERM)
    # Fly kills the machine 30 s (fly.toml's kill_timeout) after the signal. uvicorn
    # shuts down gracefully, then re-raises the signal: the exit status says SIGTERM.
    assert first.process.wait(timeout=30) == -signal.SIGTERM
    assert not settled(fake, payloads)

    second = Server(api_url, pem, env)
    try:
        wait_until(lambda: settled(fake, payloads), "every head's check run", timeout=60)
    finally:
        second.stop()
    assert_each_head_checked_once(fake, payloads)
