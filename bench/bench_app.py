"""Measure the GitHub App: REST calls per pull request, webhook ack latency, time to a check run.

Prints figures and asserts nothing; pytest never runs it.

    . .venv/bin/activate
    python bench/bench_app.py            # --deliveries 50 --rounds 5 --runs 10

GitHub is the shared test fake (tests/fake_github.py) served on localhost, with no latency:
the times are chronolog's own. `chronolog serve` runs as a real process.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chronolog.app.github import GitHubApp  # noqa: E402
from chronolog.app.pull_request import PullRequest, check_pull_request  # noqa: E402
from tests.fake_github import (  # noqa: E402
    FakeGitHub,
    add_pull_from_payload,
    free_port,
    load_webhook,
    serve,
    webhook_headers,
)

APP_ID = 4242
SECRET = "bench secret"
LOGS = ROOT / "tests" / "fixtures" / "logs"
LOG_PATH = "support/log.md"


def new_key() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key, pem


def log_pull(fake: FakeGitHub, payload: dict[str, Any], *, touch_log: bool) -> None:
    base = (LOGS / "devx-support-log-cd.base.md").read_text(encoding="utf-8")
    head = (LOGS / "devx-support-log-cd.head.md").read_text(encoding="utf-8")
    base_files = {LOG_PATH: base, "src/app.py": "print(1)\n"}
    head_files = {LOG_PATH: head if touch_log else base, "src/app.py": "print(2)\n"}
    add_pull_from_payload(fake, payload, base_files=base_files, head_files=head_files)


async def count_calls(api_url: str, fake: FakeGitHub, pem: str) -> None:
    app = GitHubApp(APP_ID, SecretStr(pem), api_url)
    payload = load_webhook("pull_request.synchronize")
    pr = PullRequest.from_json(payload["pull_request"])
    event_time = dt.datetime.now(dt.UTC)

    async def one(label: str) -> None:
        fake.requests.clear()
        async with app.installation(1) as gh:
            await check_pull_request(
                gh, pr, app_id=APP_ID, event_time=event_time, look_for_existing=False
            )
        tokens = len(fake.calls(r"POST /app/installations/\d+/access_tokens"))
        routes = fake.routes()
        print(f"  {label}: {len(routes)} REST calls (+{tokens} token exchange)")
        for route in routes:
            print(f"      {route}")

    print("REST calls per synchronize (target: <= 5 touching a log, <= 3 not touching)")
    log_pull(fake, payload, touch_log=True)
    await one("touching the log, first push (posts 1 suggestion; token fetched)")
    await one("touching the log, next push (suggestion already posted; token reused)")
    fake.pulls.clear()
    log_pull(fake, payload, touch_log=False)
    await one("not touching a log (token reused)")


def start_server(api_url: str, pem: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "GITHUB_APP_ID": str(APP_ID),
        "GITHUB_APP_PRIVATE_KEY": pem,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": api_url,
        "LOG_LEVEL": "WARNING",
    }
    script = Path(sys.executable).parent / "chronolog"
    command = (
        [str(script), "serve"] if script.exists() else [sys.executable, "-m", "chronolog.app.main"]
    )
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("chronolog serve did not start")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def ack_latency(base: str, deliveries: int, rounds: int) -> None:
    body = json.dumps(load_webhook("pull_request.synchronize")).encode()
    samples: list[float] = []
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=deliveries)) as client:

        async def one() -> float:
            headers = webhook_headers("pull_request", body, SECRET, str(uuid.uuid4()))
            started = time.perf_counter()
            response = await client.post(
                f"{base}/api/github/webhooks", content=body, headers=headers
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 202, response.text
            return elapsed

        await one()  # warm up the connection and the server
        for _ in range(rounds):
            samples += await asyncio.gather(*(one() for _ in range(deliveries)))
            await asyncio.sleep(0.5)  # let the queued work drain between rounds
    print(
        f"Webhook ack latency, {deliveries} concurrent signed deliveries x {rounds} rounds "
        f"(target p99 < 50 ms): p50 {percentile(samples, 50) * 1000:.1f} ms, "
        f"p99 {percentile(samples, 99) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"
    )


def delivery_to_check_run(base: str, fake: FakeGitHub, runs: int) -> None:
    body = json.dumps(load_webhook("pull_request.synchronize")).encode()
    times: list[float] = []
    with httpx.Client() as client:
        for _ in range(runs):
            before = len(fake.runs_for("Codertocat/Hello-World"))
            headers = webhook_headers("pull_request", body, SECRET, str(uuid.uuid4()))
            started = time.perf_counter()
            client.post(f"{base}/api/github/webhooks", content=body, headers=headers)
            while len(fake.runs_for("Codertocat/Hello-World")) <= before:
                time.sleep(0.0005)
            times.append(time.perf_counter() - started)
    print(
        f"Delivery to completed check run (log PR, local fake, {runs} runs): "
        f"median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms, "
        f"worst {max(times) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    key, pem = new_key()
    fake = FakeGitHub(app_id=APP_ID, public_key=key.public_key())
    with serve(fake) as api_url:
        asyncio.run(count_calls(api_url, fake, pem))
        print()
        fake = FakeGitHub(app_id=APP_ID, public_key=key.public_key())
    with serve(fake) as api_url:
        log_pull(fake, load_webhook("pull_request.synchronize"), touch_log=True)
        process, base = start_server(api_url, pem)
        try:
            delivery_to_check_run(base, fake, args.runs)
            asyncio.run(ack_latency(base, args.deliveries, args.rounds))
        finally:
            process.terminate()
            process.wait(timeout=15)


if __name__ == "__main__":
    main()
