"""Why the webhook route writes to chronolog's inbox, not straight into DBOS's queue.

Prints, for DBOS Transact's `enqueue_async` and for chronolog's inbox (`Store.add` behind
the group commit of `webhooks.Intake`), the latency of 50 concurrent enqueues and of 100
sequential ones, on SQLite (DBOS's default journal, and WAL) and on PostgreSQL when
`--postgres URL` is given (a database this script may fill; use a scratch one).

    python bench/bench_enqueue.py [--postgres postgresql://postgres@127.0.0.1:5432/scratch]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import sqlalchemy as sa
from dbos import DBOS, SetEnqueueOptions, SetWorkflowID

from chronolog.app.store import Store, StoredDelivery, create_engine, database_url
from chronolog.app.webhooks import Intake

BODY = b'{"x": "' + b"y" * 20_000 + b'"}'  # about a pull_request payload's size


@DBOS.workflow(name="bench.noop")
async def noop(n: int) -> None:
    return None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure(one: Callable[[int], Awaitable[None]]) -> tuple[list[float], list[float]]:
    async def timed(n: int, into: list[float]) -> None:
        start = time.perf_counter()
        await one(n)
        into.append((time.perf_counter() - start) * 1000)

    burst: list[float] = []
    await asyncio.gather(*(timed(n, burst) for n in range(50)))
    sequential: list[float] = []
    for n in range(50, 150):
        await timed(n, sequential)
    return burst, sequential


def show(name: str, burst: list[float], sequential: list[float]) -> None:
    print(
        f"{name:38} 50 at once: p50 {percentile(burst, 0.5):7.1f} ms  p99 "
        f"{percentile(burst, 0.99):7.1f} ms | one by one: median "
        f"{statistics.median(sequential):6.1f} ms"
    )


async def dbos_enqueue(url: str, engine: sa.Engine | None) -> tuple[list[float], list[float]]:
    config = {"name": "bench", "system_database_url": url, "log_level": "ERROR"}
    if engine is not None:
        config["system_database_engine"] = engine
    DBOS(config=config)  # type: ignore[arg-type]
    await asyncio.to_thread(DBOS.launch)
    queue = await DBOS.register_queue_async("bench", partition_concurrency=1)
    run = uuid.uuid4().hex

    async def one(n: int) -> None:
        with SetWorkflowID(f"{run}-{n}"), SetEnqueueOptions(queue_partition_key=f"pr{n % 50}"):
            await queue.enqueue_async(noop, n)

    try:
        return await measure(one)
    finally:
        await asyncio.to_thread(DBOS.destroy)


async def inbox_add(url: str) -> tuple[list[float], list[float]]:
    store = Store(create_engine(url))
    await asyncio.to_thread(store.create_tables)
    intake = Intake(store, lambda: None)
    run = uuid.uuid4().hex

    async def one(n: int) -> None:
        now = dt.datetime.now(dt.UTC)
        await intake.add(StoredDelivery(f"{run}-{n}", "pull_request", "opened", BODY, "k", now))

    try:
        return await measure(one)
    finally:
        store.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a scratch PostgreSQL database URL")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    # One event loop each: DBOS takes the loop's default executor down when it stops.
    with tempfile.TemporaryDirectory() as folder:
        plain = f"sqlite:///{folder}/dbos-default.sqlite3"
        show("DBOS enqueue, SQLite as DBOS sets it", *asyncio.run(dbos_enqueue(plain, None)))
        wal = f"sqlite:///{folder}/dbos-wal.sqlite3"
        show("DBOS enqueue, SQLite in WAL", *asyncio.run(dbos_enqueue(wal, create_engine(wal))))
        inbox = f"sqlite:///{folder}/inbox.sqlite3"
        show("chronolog inbox, SQLite in WAL", *asyncio.run(inbox_add(inbox)))
    if args.postgres:
        pg = database_url(args.postgres, Path("."))
        show("DBOS enqueue, PostgreSQL", *asyncio.run(dbos_enqueue(pg, create_engine(pg))))
        show("chronolog inbox, PostgreSQL", *asyncio.run(inbox_add(pg)))


if __name__ == "__main__":
    main()
