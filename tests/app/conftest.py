"""Fixtures for the app's tests: the shared fake GitHub behind respx, and an app client."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.testclient import TestClient

from chronolog.app.github import GitHubApp, RetryPolicy
from chronolog.app.jobs import Tuning
from chronolog.app.server import create_app
from chronolog.app.settings import AppSettings, Credentials
from chronolog.app.store import database_url as database_url_for
from tests.conftest import LOGS
from tests.fake_github import (
    FakeGitHub,
    FakePull,
    add_pull_from_payload,
    load_webhook,
    webhook_headers,
)

APP_ID = 4242
SECRET = "It's a Secret to Everybody"
LOG_PATH = "support/log.md"
# The moment the webhooks of these tests arrive.
NOW = dt.datetime(2022, 10, 21, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def private_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def fake(rsa_key: rsa.RSAPrivateKey) -> Iterator[FakeGitHub]:
    """The fake GitHub, answering every request to api.github.com."""
    github = FakeGitHub(app_id=APP_ID, public_key=rsa_key.public_key())
    with respx.mock(assert_all_called=False) as router:
        router.route(host="api.github.com").mock(side_effect=github.handle)
        yield github


class FakeClock:
    """A monotonic clock that only moves when something sleeps, and its wall-clock twin."""

    EPOCH = 1_700_000_000.0  # the wall clock when `time` is 0

    def __init__(self) -> None:
        self.time = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.time

    def epoch(self) -> float:
        return self.EPOCH + self.time

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.time += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def waiting_app(fake: FakeGitHub, private_pem: str, clock: FakeClock) -> GitHubApp:
    """The app's GitHub access with the production retry policy and write pacing, waiting
    on `clock` (so a test never waits: `clock.slept` lists the waits)."""
    return GitHubApp(
        APP_ID,
        SecretStr(private_pem),
        "https://api.github.com",
        retry=RetryPolicy(epoch=clock.epoch),
        clock=clock.now,
        sleep=clock.sleep,
    )


@pytest.fixture
def github_app(fake: FakeGitHub, private_pem: str) -> GitHubApp:
    """The app's GitHub access, retrying without waiting."""
    return GitHubApp(
        APP_ID,
        SecretStr(private_pem),
        "https://api.github.com",
        retry=RetryPolicy(attempts=3, backoff=0, max_wait=0),
    )


def log_texts() -> tuple[str, str]:
    """The real base and head of a log change that adds a defective entry at the top."""
    base = (LOGS / "devx-support-log-cd.base.md").read_text(encoding="utf-8")
    head = (LOGS / "devx-support-log-cd.head.md").read_text(encoding="utf-8")
    return base, head


def add_log_pull(
    fake: FakeGitHub,
    payload: dict[str, Any],
    *,
    base: str | None = None,
    head: str | None = None,
    extra_head: dict[str, str] | None = None,
    config: str | None = None,
) -> FakePull:
    """Make the payload's pull request change LOG_PATH from `base` to `head` (the cd pair)."""
    real_base, real_head = log_texts()
    base_files = {LOG_PATH: real_base if base is None else base, "src/app.py": "print(1)\n"}
    head_files = {**base_files, LOG_PATH: real_head if head is None else head, **(extra_head or {})}
    default_files = dict(base_files)
    if config is not None:
        default_files[".github/chronolog.yml"] = config
    return add_pull_from_payload(
        fake, payload, base_files=base_files, head_files=head_files, default_files=default_files
    )


@pytest.fixture
def synchronize() -> dict[str, Any]:
    return load_webhook("pull_request.synchronize")


STORES = ["sqlite", "postgresql"]


@pytest.fixture(params=STORES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty store: a SQLite file, or a PostgreSQL database created for this test
    on the server `CHRONOLOG_TEST_DATABASE_URL` names (skipped when it is unset)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chronolog.sqlite3'}"
        return
    with temporary_postgres_database() as url:
        yield url


@contextlib.contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """A PostgreSQL database made for one test and dropped after it."""
    server = os.environ.get("CHRONOLOG_TEST_DATABASE_URL")
    if not server:
        pytest.skip("CHRONOLOG_TEST_DATABASE_URL is not set")
    name = f"chronolog_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url_for(server, Path(".")), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            sa.make_url(database_url_for(server, Path(".")))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- the server, with its engine on a fresh store ----------------------------------------

URL = "/api/github/webhooks"


def settings(private_pem: str | None, database_url: str = "sqlite://") -> AppSettings:
    if private_pem is None:
        return AppSettings(
            "https://api.github.com",
            "127.0.0.1",
            8080,
            None,
            ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET"),
            database_url=database_url,
        )
    credentials = Credentials(APP_ID, SecretStr(private_pem), SecretStr(SECRET))
    return AppSettings(
        "https://api.github.com", "127.0.0.1", 8080, credentials, (), database_url=database_url
    )


# The engine as the server runs it, with the waits between tries shortened.
FAST = Tuning(backoff=0.01, poll=0.02, heartbeat=0.2, dead_after=1.0, stop_grace=0, sweep_every=0)


@pytest.fixture
def app(fake: FakeGitHub, private_pem: str, database_url: str) -> Starlette:
    # The fake GitHub answers through respx, inside this process.
    return create_app(
        settings(private_pem, database_url),
        retry=RetryPolicy(backoff=0, max_wait=0),
        tuning=FAST,
        clock=lambda: NOW,
    )


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def post(
    client: TestClient, event: str, payload: Any, *, delivery: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Send a signed delivery; returns the answer."""
    body = json.dumps(payload).encode()
    response = client.post(
        URL, content=body, headers=webhook_headers(event, body, SECRET, delivery)
    )
    return response.status_code, response.json()


def wait_idle(client: TestClient) -> None:
    """Wait until the engine has processed every stored delivery."""
    client.portal.call(client.app.state.engine.wait_idle)  # type: ignore[attr-defined]


def deliver(
    client: TestClient, event: str, payload: Any, *, delivery: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Send a signed delivery and wait until the server has processed what it stored."""
    answer = post(client, event, payload, delivery=delivery)
    wait_idle(client)
    return answer
