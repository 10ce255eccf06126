"""What bench/bench_app.py drives: a real `chronolog serve`, its store, the fake GitHub, load.

The server is the installed console script in its own process, talking to the shared fake
GitHub (tests/fake_github.py) served over HTTP from the benchmark's process. Webhooks are
sent by a third process (`python bench/app_harness.py`, reading a job on stdin) that writes
pre-built signed HTTP/1.1 requests on raw sockets, timing each from its write to the status
line, so that neither the fake nor the benchmark's polling shares a GIL with the timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP_ID = 4242
SECRET = "bench secret"
LOG_PATH = "support/log.md"
LOGS = ROOT / "tests" / "fixtures" / "logs"
UNPACED = ROOT / "bench" / "unpaced"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CHECK_NAME = "chronolog"


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores (nproc), Python {platform.python_version()}, "
        f"load average {load}"
    )


def new_key() -> tuple[Any, str]:
    from tests.fake_github import new_app_key

    return new_app_key()


# ---- the fake GitHub, timing completed check runs ---------------------------------------------


def timed_fake(public_key: Any) -> Any:
    """The shared fake, also noting when each head commit got a completed check run (the
    moment the fake answered the POST or PATCH that completed it), so nobody polls."""
    from tests.fake_github import FakeGitHub

    class TimedFake(FakeGitHub):
        def __init__(self) -> None:
            super().__init__(app_id=APP_ID, public_key=public_key)
            self.completed_at: dict[str, float] = {}
            self.changed = threading.Condition()

        def handle(self, request: Any) -> Any:
            answer = super().handle(request)
            if "/check-runs" in request.url.path and answer.status_code in (200, 201):
                run = json.loads(answer.content)
                if run.get("status") == "completed":
                    with self.changed:
                        self.completed_at.setdefault(run["head_sha"], time.perf_counter())
                        self.changed.notify_all()
            return answer

        def wait_for(self, heads: set[str], timeout: float, quiet: float = 0.0) -> float | None:
            """Wait until every head in `heads` has a completed run; the moment the last
            one did (perf_counter), or None after `timeout` seconds."""
            deadline = time.perf_counter() + timeout
            with self.changed:
                while not heads <= self.completed_at.keys():
                    left = deadline - time.perf_counter()
                    if left <= 0:
                        return None
                    self.changed.wait(min(left, 0.5))
                return max(self.completed_at[head] for head in heads)

    return TimedFake()


def head_sha(number: int, update: int) -> str:
    return hashlib.sha1(f"pull {number} update {update}".encode()).hexdigest()


def add_log_pull(fake: Any, payload: dict[str, Any]) -> None:
    """As tests/app/conftest.py `add_log_pull`: the payload's pull request changes
    LOG_PATH from the real base to the real head of a log change (one defective entry)."""
    from tests.fake_github import add_pull_from_payload

    base = (LOGS / "devx-support-log-cd.base.md").read_text(encoding="utf-8")
    head = (LOGS / "devx-support-log-cd.head.md").read_text(encoding="utf-8")
    base_files = {LOG_PATH: base, "src/app.py": "print(1)\n"}
    head_files = {**base_files, LOG_PATH: head}
    add_pull_from_payload(
        fake, payload, base_files=base_files, head_files=head_files, default_files=base_files
    )


@dataclass(frozen=True)
class Webhook:
    delivery: str
    event: str
    body: bytes
    head: str


def pull_update(fake: Any, number: int, update: int, action: str = "synchronize") -> Webhook:
    """A real pull_request webhook for pull request `number` moved to a new head commit,
    the fake's pull request moved there too."""
    from tests.fake_github import load_webhook

    payload = load_webhook(f"pull_request.{action}")
    payload["number"] = payload["pull_request"]["number"] = number
    head = head_sha(number, update)
    payload["pull_request"]["head"]["sha"] = head
    add_log_pull(fake, payload)
    return Webhook(str(uuid.uuid4()), "pull_request", json.dumps(payload).encode(), head)


# ---- the store ----------------------------------------------------------------------------


@contextlib.contextmanager
def store(kind: str) -> Iterator[dict[str, str]]:
    """The environment of a fresh store: a SQLite file in a new folder, or a new PostgreSQL
    database on this machine's server (dropped afterwards)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="chronolog-bench-") as folder:
            yield {"CHRONOLOG_DATA_DIR": folder}
        return
    import sqlalchemy as sa

    name = f"chronolog_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(
        ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield {"DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"}
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- the server ---------------------------------------------------------------------------


def chronolog_command() -> list[str]:
    script = shutil.which("chronolog", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("the chronolog console script is not installed in this venv")
    return [script]


@dataclass
class Server:
    """One `chronolog serve` process; its log goes to a temporary file."""

    api_url: str
    pem: str
    store_env: dict[str, str]
    paced: bool = False
    workers: int = 4
    backoff: float = 0.2
    store_kind: str = ""
    trace: str | None = None  # CHRONOLOG_BENCH_TRACE (bench/unpaced/sitecustomize.py)
    # The chronolog sources the server runs (this work tree's, or an older revision's for a
    # before/after comparison: `bench_app.py --variant`), and more environment for it.
    src: Path = ROOT / "src"
    extra_env: dict[str, str] = field(default_factory=dict)
    window: tuple[float, float] = (0.0, 0.0)  # what the trace report covers
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Any = field(default=None)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> str:
        return f"chronolog serve --host 127.0.0.1 --port {self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        import httpx

        from tests.fake_github import free_port

        self.port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "CHRONOLOG_DATA_DIR", "PYTHONPATH")
        }
        env.update(
            {
                "GITHUB_APP_ID": str(APP_ID),
                "GITHUB_APP_PRIVATE_KEY": self.pem,
                "GITHUB_WEBHOOK_SECRET": SECRET,
                "GITHUB_API_URL": self.api_url,
                "CHRONOLOG_WORKERS": str(self.workers),
                "CHRONOLOG_RETRY_BACKOFF": str(self.backoff),
                "CHRONOLOG_INSTANCE_ID": "bench",
                "LOG_LEVEL": "WARNING",
                **self.store_env,
            }
        )
        # The sources first: the venv's editable install may point at another checkout.
        # bench/unpaced/sitecustomize.py is always loaded; it lifts the pacing on request.
        env["PYTHONPATH"] = os.pathsep.join([str(UNPACED), str(self.src)])
        if not self.paced:
            env["CHRONOLOG_BENCH_UNPACED"] = "1"
        env.update(self.extra_env)
        if self.trace:
            env["CHRONOLOG_BENCH_TRACE"] = self.trace
        # Kept open for the server's life, deleted when the benchmark lets go of it.
        self.log = tempfile.NamedTemporaryFile(prefix="chronolog-serve-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*chronolog_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"chronolog serve exited:\n{self.output()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base}/healthz").status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"chronolog serve did not start:\n{self.output()}")
            time.sleep(0.05)
        if "Error in sitecustomize" in self.output():
            raise SystemExit(f"bench/unpaced/sitecustomize.py failed:\n{self.output()}")
        return self

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def pids(self) -> list[int]:
        """The server's process and all its descendants."""
        assert self.process is not None
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found = [self.process.pid]
        for pid in found:
            found += [child for child, parent in parents.items() if parent == pid]
        return found

    def rss_mb(self) -> list[tuple[int, float, str]]:
        """(pid, RSS in MB, command line) of each process of the server."""
        rows = []
        for pid in self.pids():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                rss = next(
                    int(line.split()[1])
                    for line in status.splitlines()
                    if line.startswith("VmRSS:")
                )
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                rows.append((pid, rss / 1024, cmd.strip()[:80]))
        return rows

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's processes."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> float:
        """Send `sig` and wait for the exit; returns the seconds it took."""
        assert self.process is not None
        started = time.perf_counter()
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return time.perf_counter() - started


# ---- sending webhooks (in a separate process) ---------------------------------------------------


def send(port: int, webhooks: list[Webhook], mode: str, concurrency: int = 50) -> dict[str, Any]:
    """Send `webhooks` from a separate process. `mode` "together": open one connection
    each, then write every request at once; "burst": at most `concurrency` in flight.
    Returns {"samples": [seconds, ...], "statuses": {code: count}, "started": t, "ended": t}
    (perf_counter times of the sender, which shares the clock with this process on Linux)."""
    job = {
        "port": port,
        "mode": mode,
        "concurrency": concurrency,
        "webhooks": [[w.delivery, w.event, w.body.decode()] for w in webhooks],
    }
    result = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def signed_request(port: int, delivery: str, event: str, body: bytes) -> bytes:
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    head = (
        "POST /api/github/webhooks HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "User-Agent: GitHub-Hookshot/abc1234\r\n"
        "Content-Type: application/json\r\n"
        f"X-GitHub-Event: {event}\r\n"
        f"X-GitHub-Delivery: {delivery}\r\n"
        f"X-Hub-Signature-256: sha256={signature}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


async def _send(job: dict[str, Any]) -> dict[str, Any]:
    port = int(job["port"])
    requests = [signed_request(port, d, e, b.encode()) for d, e, b in job["webhooks"]]
    samples: list[float] = []
    statuses: dict[str, int] = {}

    async def deliver(
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
    ) -> None:
        reader, writer = connection
        started = time.perf_counter()
        writer.write(request)
        status_line = await reader.readline()
        samples.append(time.perf_counter() - started)
        status = status_line.split()[1].decode() if status_line else "none"
        statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    if job["mode"] == "together":
        connections = await asyncio.gather(
            *(asyncio.open_connection("127.0.0.1", port) for _ in requests)
        )
        await asyncio.sleep(0.1)  # let the server accept them all
        started = time.perf_counter()
        await asyncio.gather(*map(deliver, connections, requests))
    else:
        gate = asyncio.Semaphore(int(job["concurrency"]))

        async def one(request: bytes) -> None:
            async with gate:
                await deliver(await asyncio.open_connection("127.0.0.1", port), request)

        await asyncio.gather(*map(one, requests))
    return {
        "samples": samples,
        "statuses": statuses,
        "started": started,
        "ended": time.perf_counter(),
    }


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_send(json.loads(sys.stdin.read())))))
