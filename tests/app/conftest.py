"""Fixtures for the app's tests: the shared fake GitHub behind respx, and an app client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from chronolog.app.github import GitHubApp, RetryPolicy
from tests.conftest import LOGS
from tests.fake_github import FakeGitHub, FakePull, add_pull_from_payload, load_webhook

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
