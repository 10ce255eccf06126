"""Measure the GitHub App with durable work: a real `chronolog serve` on SQLite or PostgreSQL.

Prints figures and asserts nothing; pytest never runs it.

    . .venv/bin/activate
    python bench/bench_app.py all --repeat 2          # or: ack burst rss sigterm throughput
    python bench/bench_app.py ack --stores sqlite     # --stores sqlite,postgresql (default)
    python bench/bench_app.py ack --variant 'before@4f3aef4:CHRONOLOG_BENCH_BLOCK=uvloop' \
        --variant now                                 # before and after, alternating

A variant is NAME[@REVISION][:VAR=VALUE;VAR=VALUE]: the server runs that revision's
sources (`git archive`; default: this work tree's) with those variables added.

GitHub is the shared fake (tests/fake_github.py) served over HTTP from this process with
no latency of its own; `chronolog serve` is the installed console script in its own process
(see bench/app_harness.py), on a fresh SQLite file or a fresh PostgreSQL database
(postgresql://postgres@127.0.0.1:5432, created and dropped here). Every pull request changes
a real log (tests/fixtures/logs, the cd pair): each check reads it, posts one suggestion
as a review and publishes a completed run with a failure.

Unless a figure says "paced", the server runs with its write pacing lifted
(bench/unpaced/sitecustomize.py): chronolog keeps writes within GitHub's content limits
(80 a minute, 500 an hour), so a burst of 1,000 check runs would take hours by design.
CHRONOLOG_RETRY_BACKOFF is 0.2 s (the first wait before a delivery GitHub failed on is
tried again; production: 30 s), CHRONOLOG_WORKERS 4 (the default).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from app_harness import (
    SECRET,
    Server,
    Webhook,
    machine,
    new_key,
    percentile,
    pull_update,
    send,
    store,
    timed_fake,
)
from app_trace import trace_report

from chronolog.suggestions import fingerprints_in
from tests.fake_github import serve, webhook_headers


class Bench:
    """One fake GitHub served over HTTP, and the numbers of pull requests handed out."""

    def __init__(self, key: Any, pem: str) -> None:
        self.key, self.pem = key, pem
        self.fake = timed_fake(key.public_key())
        self._numbers = iter(range(1, 10**6))

    def new_pulls(self, count: int) -> list[Webhook]:
        return [pull_update(self.fake, next(self._numbers), 1) for _ in range(count)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def spread(values: list[float], unit: str = "", digits: int = 1) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}{unit}"
    low, high = min(values), max(values)
    middle = statistics.median(values)
    return f"median {middle:.{digits}f}{unit} (min {low:.{digits}f}, max {high:.{digits}f})"


# ---- 1. acknowledgement latency ---------------------------------------------------------------


def ack(bench: Bench, server: Server, rounds: int, profile: str | None) -> dict[str, float]:
    """p50/p99 of 50 concurrent deliveries into an idle server, then while checks run.
    With `profile`, py-spy samples the server during the busy rounds (collapsed stacks)."""
    fake = bench.fake
    warm = bench.new_pulls(1)
    send(server.port, warm, "burst")
    fake.wait_for({warm[0].head}, 60)

    idle: list[float] = []
    for _ in range(rounds):
        batch = bench.new_pulls(50)
        idle += send(server.port, batch, "together")["samples"]
        fake.wait_for({w.head for w in batch}, 300)

    background = bench.new_pulls(150)
    send(server.port, background, "burst")
    spy = None
    if profile:
        assert server.process is not None
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(server.process.pid),
                "--format",
                "raw",
                "--threads",
                "--rate",
                "250",
                "--output",
                profile,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
    busy: list[float] = []
    window_start = time.perf_counter()
    pending_at_start = []
    everything = {w.head for w in background}
    for _ in range(rounds):
        pending_at_start.append(len(everything - fake.completed_at.keys()))
        batch = bench.new_pulls(50)
        everything |= {w.head for w in batch}
        busy += send(server.port, batch, "together")["samples"]
        time.sleep(0.5)
    server.window = (window_start, time.perf_counter())
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait()
    fake.wait_for(everything, 600)
    print(
        f"    idle: p50 {ms(percentile(idle, 50))}, p99 {ms(percentile(idle, 99))}"
        f" ({len(idle)} deliveries, {rounds} rounds of 50 into an idle server)"
    )
    print(
        f"    busy: p50 {ms(percentile(busy, 50))}, p99 {ms(percentile(busy, 99))},"
        f" max {ms(max(busy))} ({len(busy)} deliveries; checks still queued"
        f" at each round's start: {pending_at_start})"
    )
    return {
        "idle p99 ms": percentile(idle, 99) * 1000,
        "busy p50 ms": percentile(busy, 50) * 1000,
        "busy p99 ms": percentile(busy, 99) * 1000,
    }


# ---- 2. a burst with GitHub failing ---------------------------------------------------------


def burst(bench: Bench, server: Server, lost_answers: bool) -> dict[str, float]:
    """1,000 deliveries over 50 pull requests, 10% duplicate ids, GitHub failing 25%."""
    fake = bench.fake
    rng = random.Random(7)
    numbers = [next(bench._numbers) for _ in range(50)]
    originals = [pull_update(fake, n, u) for u in range(1, 19) for n in numbers]  # 900
    keyed = [(float(i), w) for i, w in enumerate(originals)]
    for i in rng.sample(range(len(originals)), 100):
        keyed.append((rng.uniform(i + 0.5, len(originals)), originals[i]))
    webhooks = [w for _, w in sorted(keyed, key=lambda pair: pair[0])]
    heads = {w.head for w in originals}

    fake.requests.clear()
    fake.fail_at_random(0.20, 502, carried_out=lost_answers, seed=11)
    fake.fail_at_random(
        0.05,
        403,
        message="You have exceeded a secondary rate limit. Please wait a few minutes.",
        headers={"retry-after": "1"},
    )
    sent = send(server.port, webhooks, "burst", concurrency=50)
    last = fake.wait_for(heads, 1800)
    drained = (last if last is not None else time.perf_counter()) - sent["started"]
    time.sleep(5)  # anything late (a duplicate) lands now
    fake.random_failures.clear()

    runs = [r for r in fake.check_runs if r["name"] == "chronolog" and r["head_sha"] in heads]
    completed = Counter(r["head_sha"] for r in runs if r["status"] == "completed")
    per_head = Counter(completed.get(head, 0) for head in heads)
    conclusions = Counter(r["conclusion"] for r in runs)
    reviews = Counter((r["_pull"], r["commit_id"]) for r in fake.reviews)
    fingerprints = Counter(
        (c["_pull"], fp) for c in fake.review_comments for fp in fingerprints_in([c["body"]])
    )
    log = server.output()
    print(
        f"    sent {len(webhooks)} ({len(heads)} distinct heads, {len(webhooks) - len(heads)}"
        f" repeated delivery ids): answers {sent['statuses']}"
    )
    print(
        f"    GitHub calls {len(fake.requests)}, answered 502: {fake.injected[502]},"
        f" 403 secondary limit: {fake.injected[403]}"
        + (" (the 502 writes were carried out)" if lost_answers else "")
    )
    print(
        f"    drained in {drained:.1f} s"
        + ("" if last is not None else " (TIMED OUT, heads missing)")
        + f"; completed check runs per head: {dict(sorted(per_head.items()))}"
        f" (target: all {len(heads)} at 1); conclusions {dict(conclusions)}"
    )
    print(
        f"    reviews {len(fake.reviews)} on {len(reviews)} (pull, commit) pairs, duplicates"
        f" {sum(n - 1 for n in reviews.values())}; review comments {len(fake.review_comments)},"
        f" duplicate fingerprints {sum(n - 1 for n in fingerprints.values())}"
    )
    print(
        f"    server log: {len(re.findall(r'trying again', log))} delivery retries,"
        f" {len(re.findall(r' ERROR ', log))} ERROR lines"
    )
    after = sum(row[1] for row in server.rss_mb())
    print(f"    RSS after the burst: {after:.1f} MB")
    return {
        "drain s": drained,
        "RSS MB": after,
        "heads at 1": per_head.get(1, 0),
        "dup runs": sum(n - 1 for n in completed.values() if n > 1),
        "dup reviews": sum(n - 1 for n in reviews.values()),
        "dup comments": sum(n - 1 for n in fingerprints.values()),
    }


# ---- 3. idle memory -----------------------------------------------------------------------


def rss(bench: Bench, server: Server) -> dict[str, float]:
    started = sum(row[1] for row in server.rss_mb())
    work = bench.new_pulls(20)
    send(server.port, work, "burst")
    bench.fake.wait_for({w.head for w in work}, 300)
    time.sleep(5)
    rows = server.rss_mb()
    idle = sum(row[1] for row in rows)
    print(f"    just started: {started:.1f} MB; idle after 20 checks: {idle:.1f} MB")
    for pid, mb, cmd in rows:
        print(f"      pid {pid}: {mb:.1f} MB  {cmd}")
    return {"started MB": started, "idle MB": idle}


# ---- 4. SIGTERM with work queued ------------------------------------------------------------


def sigterm(bench: Bench, server: Server) -> dict[str, float]:
    fake = bench.fake
    work = bench.new_pulls(200)
    heads = {w.head for w in work}
    sent = send(server.port, work, "burst")
    stop_took = server.stop(signal.SIGTERM)
    done_before = len(heads & fake.completed_at.keys())
    restarted = Server(server.api_url, server.pem, server.store_env).start()
    try:
        last = fake.wait_for(heads, 300)
        time.sleep(3)
    finally:
        restarted.stop()
    completed = Counter(
        r["head_sha"]
        for r in fake.check_runs
        if r["head_sha"] in heads and r["status"] == "completed"
    )
    lost = len(heads - completed.keys())
    dups = sum(n - 1 for n in completed.values() if n > 1)
    print(
        f"    answers {sent['statuses']}; SIGTERM right after the last 202: exited in"
        f" {stop_took:.2f} s with {done_before} of 200 checked"
    )
    print(
        f"    after the restart: {len(completed)} of 200 heads have a completed run"
        f" (lost {lost}{', TIMED OUT' if last is None else ''}), duplicate runs {dups}"
    )
    return {"lost": lost, "duplicates": dups, "stop s": stop_took, "done before": done_before}


# ---- 5. delivery to check run, and throughput ------------------------------------------------


def throughput(bench: Bench, server: Server, runs: int) -> dict[str, float]:
    fake = bench.fake
    times = []
    with httpx.Client() as client:
        for webhook in bench.new_pulls(runs + 1):  # the first fetches a token, warms caches
            fake.requests.clear()
            headers = webhook_headers(webhook.event, webhook.body, SECRET, webhook.delivery)
            started = time.perf_counter()
            client.post(f"{server.base}/api/github/webhooks", content=webhook.body, headers=headers)
            done = fake.wait_for({webhook.head}, 60)
            times.append((done or float("inf")) - started)
    routes = [r.route for r in fake.requests if not r.path.endswith("/access_tokens")]
    times = times[1:]
    work = bench.new_pulls(200)
    cpu_server, cpu_here = server.cpu_seconds(), time.process_time()
    sent = send(server.port, work, "burst")
    last = fake.wait_for({w.head for w in work}, 600) or float("inf")
    elapsed = last - sent["started"]
    cpu_server, cpu_here = server.cpu_seconds() - cpu_server, time.process_time() - cpu_here
    print(
        f"    delivery to completed check run, one at a time: median"
        f" {ms(statistics.median(times))} (best {ms(min(times))}, worst {ms(max(times))},"
        f" {runs} runs); {len(routes)} REST calls each: {', '.join(routes)}"
    )
    print(
        f"    200 pull requests at once: {elapsed:.2f} s, {200 / elapsed:.1f} checks/s;"
        f" CPU: chronolog {cpu_server:.1f} s, the benchmark with the fake {cpu_here:.1f} s"
    )
    after = sum(row[1] for row in server.rss_mb())
    print(f"    RSS after these {runs + 201} checks: {after:.1f} MB")
    return {
        "median ms": statistics.median(times) * 1000,
        "checks/s": 200 / elapsed,
        "RSS MB": after,
    }


# ---- running them ------

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Variant:
    name: str
    src: Path
    env: dict[str, str]


def variant(spec: str, folder: Path) -> Variant:
    """`NAME[@REVISION][:VAR=VALUE;...]`; a revision's `src` is extracted into `folder`."""
    head, _, assignments = spec.partition(":")
    name, _, revision = head.partition("@")
    src = ROOT / "src"
    if revision:
        into = folder / name
        into.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "src"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
        src = into / "src"
    env = dict(pair.split("=", 1) for pair in assignments.split(";") if pair)
    return Variant(name, src, env)


# ---- the scenarios -----------------------------------------------------------------------------

Scenario = Callable[[Bench, Server, argparse.Namespace], dict[str, float]]
SCENARIOS: dict[str, tuple[str, Scenario, bool]] = {
    "ack": (
        "1. webhook acknowledgement, 50 concurrent signed deliveries (target p99 < 50 ms)",
        lambda b, s, a: ack(b, s, a.rounds, a.profile and f"{a.profile}.{s.store_kind}"),
        False,
    ),
    "burst": (
        "2. 1,000 deliveries over 50 pull requests, 10% repeated ids, GitHub 20% 502 and"
        " 5% secondary limit (403, retry-after: 1)",
        lambda b, s, a: burst(b, s, a.lost_answers),
        False,
    ),
    "rss": (
        "3. idle RSS of all chronolog processes (target < 150 MB; paced)",
        lambda b, s, a: rss(b, s),
        True,
    ),
    "sigterm": (
        "4. SIGTERM with 200 deliveries queued (target: 0 lost)",
        lambda b, s, a: sigterm(b, s),
        False,
    ),
    "throughput": (
        "5. delivery to completed check run, and throughput",
        lambda b, s, a: throughput(b, s, a.runs),
        False,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=["all"], choices=["all", *SCENARIOS])
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="ack: rounds of 50 per phase")
    parser.add_argument(
        "--profile", metavar="FILE", help="ack: py-spy's stacks of the busy rounds to FILE.STORE"
    )
    parser.add_argument(
        "--trace", metavar="FILE", help="time webhooks inside the server (FILE.STORE.RUN)"
    )
    parser.add_argument("--runs", type=int, default=20, help="throughput: one-at-a-time runs")
    parser.add_argument(
        "--lost-answers", action="store_true", help="burst: the 502 writes were carried out"
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME[@REVISION][:VAR=VALUE;...], repeatable: run each, alternating",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="chronolog-bench-src-"))
    variants = [variant(spec, folder) for spec in args.variant or ["now"]]
    names = list(SCENARIOS) if "all" in args.scenarios else args.scenarios
    stores = args.stores.split(",")
    print(machine())
    print("command: python bench/bench_app.py " + " ".join(sys.argv[1:]))
    key, pem = new_key()
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for name in names:
        title, scenario, paced = SCENARIOS[name]
        print(f"\n{title}")
        for repeat in range(args.repeat):
            for kind in stores:  # side by side: the stores and the variants alternate
                for chosen in variants:
                    label = kind if len(variants) == 1 else f"{kind} {chosen.name}"
                    bench = Bench(key, pem)
                    with serve(bench.fake) as api_url, store(kind) as env:
                        trace = (
                            f"{args.trace}.{kind}.{chosen.name}.{repeat}" if args.trace else None
                        )
                        server = Server(
                            api_url,
                            pem,
                            env,
                            paced=paced,
                            store_kind=f"{kind}.{chosen.name}",
                            trace=trace,
                            src=chosen.src,
                            extra_env=chosen.env,
                        )
                        server.start()
                        try:
                            print(
                                f"  {label}, run {repeat + 1} ({server.command()}, uptime:"
                                f" {os.getloadavg()[0]:.2f}):"
                            )
                            results.setdefault((name, label), []).append(
                                scenario(bench, server, args)
                            )
                        finally:
                            server.stop()
                        if trace:
                            trace_report(trace, server.window)
    print(machine())
    print("\nsummary (each figure over the runs: median, min and max)")
    for (name, kind), runs in results.items():
        keys = runs[0].keys()
        figures = ", ".join(f"{k} {spread([r[k] for r in runs])}" for k in keys)
        print(f"  {name:10} {kind:20} {figures}")
    print(json.dumps({f"{n}/{k}": v for (n, k), v in results.items()}))


if __name__ == "__main__":
    main()
