"""Measure the GitHub App: REST calls per pull request, webhook ack latency, time to a check run.

Prints figures and asserts nothing; pytest never runs it.

    . .venv/bin/activate
    python bench/bench_app.py            # --deliveries 50 --rounds 5 --runs 10 --no-compare

GitHub is the shared test fake (tests/fake_github.py) served on localhost from this process,
with no latency: the times are chronolog's own. `chronolog serve` runs as a real process.
The webhook load comes from a third process (this script with `--load-generator`) that
writes pre-built signed HTTP/1.1 requests on raw asyncio streams, one connection per
delivery, and times each from the write to the status line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chronolog.app.github import GitHubApp  # noqa: E402
from chronolog.app.handlers import AppContext, dispatch  # noqa: E402
from chronolog.app.queue import Delivery  # noqa: E402
from chronolog.app.server import app_context  # noqa: E402
from tests.fake_github import (  # noqa: E402
    FakeGitHub,
    add_pull_from_payload,
    event_name,
    free_port,
    load_webhook,
    serve,
    webhook_headers,
)

APP_ID = 4242
SECRET = "bench secret"
LOGS = ROOT / "tests" / "fixtures" / "logs"
LOG_PATH = "support/log.md"
REPO = "Codertocat/Hello-World"
# The next push of the pull request adds an entry, again without participants.
NEXT_ENTRY = "## 2022-10-21\n\nRestarted the deploy job by hand; it went through.\n\n"
FIRST_ENTRY = "## 2022-10-21 (occurred 2022-10-19)\n"
OTHER_REPO = "Codertocat/other"
REFERENCING_ENTRY = f"## 2022-10-21\n\n@Codertocat retried, see {OTHER_REPO}#1.\n\n"


def new_key() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key, pem


def log_pull(
    fake: FakeGitHub,
    payload: dict[str, Any],
    *,
    touch_log: bool = True,
    head_text: str | None = None,
) -> None:
    base = (LOGS / "devx-support-log-cd.base.md").read_text(encoding="utf-8")
    head = head_text or (LOGS / "devx-support-log-cd.head.md").read_text(encoding="utf-8")
    base_files = {LOG_PATH: base, "src/app.py": "print(1)\n"}
    head_files = {LOG_PATH: head if touch_log else base, "src/app.py": "print(2)\n"}
    add_pull_from_payload(fake, payload, base_files=base_files, head_files=head_files)


def pull_event(fixture: str, **pull: Any) -> Delivery:
    """A delivery of the real webhook `fixture`, its pull request's number or head changed."""
    payload = load_webhook(fixture)
    if "number" in pull:
        payload["number"] = payload["pull_request"]["number"] = pull["number"]
    if "head_sha" in pull:
        payload["pull_request"]["head"]["sha"] = pull["head_sha"]
    return Delivery(
        str(uuid.uuid4()), event_name(fixture), payload["action"], payload, dt.datetime.now(dt.UTC)
    )


# ---- REST calls ---------------------------------------------------------------------------


async def count_calls(key: rsa.RSAPrivateKey, pem: str, *, preview: bool) -> None:
    """Each case's REST calls, through the handlers, with one context as the worker has."""
    fake = FakeGitHub(app_id=APP_ID, public_key=key.public_key())
    with serve(fake) as api_url:
        app = GitHubApp(APP_ID, SecretStr(pem), api_url)
        context = app_context(app) if preview else AppContext(app)

        async def one(label: str, delivery: Delivery) -> None:
            fake.requests.clear()
            await dispatch(context, delivery)
            tokens = len(fake.calls(r"POST /app/installations/\d+/access_tokens"))
            routes = fake.routes()
            print(f"  {label}: {len(routes)} REST calls (+{tokens} token exchange)")
            for route in routes:
                print(f"      {route}")

        first = pull_event("pull_request.synchronize")
        log_pull(fake, first.payload)
        await one("synchronize, first after start (cold config cache; posts 1 suggestion)", first)

        head = (LOGS / "devx-support-log-cd.head.md").read_text(encoding="utf-8")
        following = pull_event("pull_request.synchronize", head_sha="f" * 40)
        next_head = head.replace(FIRST_ENTRY, NEXT_ENTRY + FIRST_ENTRY, 1)
        log_pull(fake, following.payload, head_text=next_head)
        await one("synchronize, next push (warm cache; posts 1 new suggestion)", following)

        opened = pull_event("pull_request.opened", number=3, head_sha="a" * 40)
        log_pull(fake, opened.payload)
        await one("opened, another pull request (warm cache; posts 1 suggestion)", opened)

        other = pull_event("pull_request.synchronize", number=4, head_sha="e" * 40)
        log_pull(fake, other.payload, touch_log=False)
        await one("synchronize touching no log (warm cache)", other)

        if not preview:
            return
        # The preview's own cost: an entry referencing an issue of another repository.
        fake.add_repo(OTHER_REPO, installation_id=first.payload["installation"]["id"])
        fake.add_issue(OTHER_REPO, 1)
        referencing = pull_event("pull_request.synchronize", head_sha="c" * 40)
        with_reference = head.replace(FIRST_ENTRY, REFERENCING_ENTRY + FIRST_ENTRY, 1)
        log_pull(fake, referencing.payload, head_text=with_reference)
        await one(f"synchronize, new entry references {OTHER_REPO}#1 (warm cache)", referencing)
        again = pull_event("pull_request.synchronize", head_sha="d" * 40)
        log_pull(fake, again.payload, head_text=NEXT_ENTRY + with_reference)
        await one("synchronize, the same reference again (installation lookup cached)", again)


# ---- the server and its load ----------------------------------------------------------------


@contextmanager
def running_server(api_url: str, pem: str, *, in_process: bool) -> Iterator[str]:
    """`chronolog serve` (deliveries processed in its worker process), or with `in_process`
    the app as it was before the worker process: 2 worker threads in the server process."""
    port = free_port()
    env = {
        **os.environ,
        "GITHUB_APP_ID": str(APP_ID),
        "GITHUB_APP_PRIVATE_KEY": pem,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": api_url,
        "LOG_LEVEL": "WARNING",
    }
    address = ["--host", "127.0.0.1", "--port", str(port)]
    if in_process:
        code = (
            "import sys, uvicorn\n"
            "from chronolog.app.server import create_app\n"
            "from chronolog.app.settings import load_settings\n"
            "app = create_app(load_settings(), in_process=True, concurrency=2)\n"
            "uvicorn.run(app, host=sys.argv[2], port=int(sys.argv[4]), log_level='warning')\n"
        )
        command = [sys.executable, "-c", code, *address]
    else:
        command = [sys.executable, "-m", "chronolog.app.main", *address]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit("chronolog serve did not start") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ack_latency(base: str, body: bytes, deliveries: int, rounds: int) -> str:
    """Run the load generator in its own process; its figures, as one line."""
    port = int(base.rsplit(":", 1)[1])
    job = {
        "port": port,
        "body": body.decode(),
        "secret": SECRET,
        "deliveries": deliveries,
        "rounds": rounds,
    }
    result = subprocess.run(
        [sys.executable, __file__, "--load-generator", json.dumps(job)],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(result.stdout)
    samples: list[float] = measured["samples"]
    statuses = ", ".join(str(status) for status in measured["statuses"])
    p50, p99 = percentile(samples, 50) * 1000, percentile(samples, 99) * 1000
    return (
        f"p50 {p50:5.1f} ms, p99 {p99:5.1f} ms, max {max(samples) * 1000:5.1f} ms "
        f"(answers: {statuses})"
    )


def delivery_to_check_run(base: str, fake: FakeGitHub, runs: int) -> str:
    body = json.dumps(load_webhook("pull_request.synchronize")).encode()
    times: list[float] = []
    with httpx.Client() as client:
        # One more run than measured: the first starts the worker's client and fetches a token.
        for _ in range(runs + 1):
            before = len(fake.runs_for(REPO))
            headers = webhook_headers("pull_request", body, SECRET, str(uuid.uuid4()))
            started = time.perf_counter()
            client.post(f"{base}/api/github/webhooks", content=body, headers=headers)
            while len(fake.runs_for(REPO)) <= before:
                time.sleep(0.0005)
            times.append(time.perf_counter() - started)
    times = times[1:]
    return (
        f"median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms, "
        f"worst {max(times) * 1000:.0f} ms"
    )


def measure_server(
    key: rsa.RSAPrivateKey, pem: str, args: argparse.Namespace, *, in_process: bool
) -> None:
    label = "2 threads in the server process" if in_process else "worker process (served)"
    payload = load_webhook("pull_request.synchronize")
    checked = json.dumps(payload).encode()
    # The same body with an action chronolog does not handle: read, verified, parsed, 202.
    ignored = json.dumps({**payload, "action": "labeled"}).encode()
    fake = FakeGitHub(app_id=APP_ID, public_key=key.public_key())
    with serve(fake) as api_url:
        log_pull(fake, payload)
        with running_server(api_url, pem, in_process=in_process) as base:
            to_run = delivery_to_check_run(base, fake, args.runs)
            idle = ack_latency(base, ignored, args.deliveries, args.rounds)
            busy = ack_latency(base, checked, args.deliveries, args.rounds)
            done = len(fake.runs_for(REPO)) - args.runs - 1
    print(f"  {label}:")
    print(f"    delivery to completed check run ({args.runs} runs, one at a time): {to_run}")
    print(f"    ack, deliveries that do no work (pull_request.labeled): {idle}")
    print(f"    ack, deliveries that each start a check:                {busy}")
    print(f"    (checks completed while the load ran: {done} of {args.deliveries * args.rounds})")


# ---- the load generator (a separate process) -------------------------------------------------


def signed_request(port: int, body: bytes, secret: str) -> bytes:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    head = (
        "POST /api/github/webhooks HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "User-Agent: GitHub-Hookshot/abc1234\r\n"
        "Content-Type: application/json\r\n"
        "X-GitHub-Event: pull_request\r\n"
        f"X-GitHub-Delivery: {uuid.uuid4()}\r\n"
        f"X-Hub-Signature-256: sha256={signature}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


async def generate_load(job: dict[str, Any]) -> dict[str, Any]:
    """Rounds of `deliveries` concurrent deliveries; each connection is opened first, then
    all requests are written at once, and each is timed from its write to its status line."""
    port, body = int(job["port"]), str(job["body"]).encode()
    samples: list[float] = []
    statuses: set[int] = set()

    async def deliver(
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
    ) -> tuple[float, int]:
        reader, writer = connection
        started = time.perf_counter()
        writer.write(request)
        status_line = await reader.readline()
        elapsed = time.perf_counter() - started
        writer.close()
        return elapsed, int(status_line.split()[1])

    for _ in range(int(job["rounds"])):
        requests = [
            signed_request(port, body, job["secret"]) for _ in range(int(job["deliveries"]))
        ]
        connections = await asyncio.gather(
            *(asyncio.open_connection("127.0.0.1", port) for _ in requests)
        )
        await asyncio.sleep(0.1)  # let the server accept them all
        results = await asyncio.gather(*map(deliver, connections, requests))
        samples += [elapsed for elapsed, _ in results]
        statuses |= {status for _, status in results}
        await asyncio.sleep(1.0)
    return {"samples": samples, "statuses": sorted(statuses)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--no-compare", action="store_true", help="skip the server with 2 threads (before)"
    )
    parser.add_argument("--load-generator", metavar="JOB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_generator:
        print(json.dumps(asyncio.run(generate_load(json.loads(args.load_generator)))))
        return

    key, pem = new_key()
    print("REST calls per pull-request event (target: synchronize <= 5 touching a log, <= 3 not)")
    print(" the check alone:")
    asyncio.run(count_calls(key, pem, preview=False))
    print(" as served, with the backlink preview (issue 4) in the summary:")
    asyncio.run(count_calls(key, pem, preview=True))
    print()
    print(
        f"Webhook ack latency, {args.deliveries} concurrent signed deliveries x {args.rounds} "
        f"rounds, {os.cpu_count()} cores (target p99 < 50 ms):"
    )
    measure_server(key, pem, args, in_process=False)
    if not args.no_compare:
        measure_server(key, pem, args, in_process=True)


if __name__ == "__main__":
    main()
