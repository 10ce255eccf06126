"""What a benchmarked `chronolog serve` loads first (bench/bench_app.py).

Python imports `sitecustomize` at start-up from the first folder on its path that holds
one; the benchmark puts this folder first in the server's PYTHONPATH. With
CHRONOLOG_BENCH_UNPACED=1 it lifts chronolog's write pacing: the pacing keeps writes under
GitHub's content-creation limits (80 a minute, 500 an hour), so a burst of 1,000
deliveries would take hours by design, and the figures would measure the budget rather
than chronolog. With CHRONOLOG_BENCH_BLOCK=mod1,mod2 those modules cannot be imported (an
older revision measured without the optional speed-ups installed since, e.g. uvicorn's
httptools and uvloop); CHRONOLOG_BENCH_SWITCH=SECONDS sets `sys.setswitchinterval` (an
experiment). Nothing else changes.
"""

import os
import sys

for _name in filter(None, os.environ.get("CHRONOLOG_BENCH_BLOCK", "").split(",")):
    sys.modules[_name] = None  # type: ignore[assignment]

if os.environ.get("CHRONOLOG_BENCH_SWITCH"):
    sys.setswitchinterval(float(os.environ["CHRONOLOG_BENCH_SWITCH"]))


def _unpace() -> None:
    from chronolog.app.github import policy

    original_init = policy.WritePacing.__init__

    def unpaced_init(self: policy.WritePacing, *args: object, **kwargs: object) -> None:
        kwargs["per_minute"] = 10**9
        kwargs["per_hour"] = 10**9
        original_init(self, *args[2:], **kwargs)  # type: ignore[arg-type]

    policy.WritePacing.__init__ = unpaced_init  # type: ignore[method-assign]


if os.environ.get("CHRONOLOG_BENCH_UNPACED") == "1":
    _unpace()


def _trace(path: str) -> None:
    """With CHRONOLOG_BENCH_TRACE=FILE (`bench_app.py ack --trace`): time each webhook in
    the server, the intake's wait and its commits, and the event loop's lag, and write
    them to FILE as JSON lines when the server exits."""
    import asyncio
    import atexit
    import json
    import threading
    import time

    from chronolog.app import engine, store, webhooks

    records: list[dict[str, object]] = []

    def timed(kind: str, function: object) -> object:
        async def wrapper(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)  # type: ignore[operator]
            finally:
                records.append({"kind": kind, "start": started, "end": time.perf_counter()})

        return wrapper

    webhooks.WebhookEndpoint.endpoint = timed("webhook", webhooks.WebhookEndpoint.endpoint)  # type: ignore[method-assign]
    webhooks.Intake.add = timed("intake", webhooks.Intake.add)  # type: ignore[method-assign]
    add = store.Store.add

    def timed_add(self: store.Store, deliveries: object) -> object:
        started = time.perf_counter()
        try:
            return add(self, deliveries)  # type: ignore[arg-type]
        finally:
            records.append(
                {
                    "kind": "commit",
                    "start": started,
                    "end": time.perf_counter(),
                    "rows": len(deliveries),  # type: ignore[arg-type]
                    "thread": threading.current_thread().name,
                }
            )

    store.Store.add = timed_add  # type: ignore[method-assign]

    collecting: dict[str, float] = {}

    def collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting["start"] = time.perf_counter()
        elif "start" in collecting:
            started = collecting.pop("start")
            kind = f"gc{info['generation']}"
            records.append({"kind": kind, "start": started, "end": time.perf_counter()})

    import gc

    gc.callbacks.append(collection)
    start = engine.Engine.start

    async def start_and_watch(self: engine.Engine) -> None:
        await start(self)

        async def lag() -> None:
            written = time.perf_counter()
            while True:
                started = time.perf_counter()
                await asyncio.sleep(0.005)
                records.append({"kind": "lag", "start": started, "end": time.perf_counter()})
                if started - written > 1.0:  # the process may not get to exit handlers
                    write()
                    written = started

        self._tasks.append(asyncio.create_task(lag()))

    engine.Engine.start = start_and_watch  # type: ignore[method-assign]

    def write() -> None:
        with open(path, "a") as out:
            for record in records:
                out.write(json.dumps(record) + "\n")
        records.clear()

    atexit.register(write)


if os.environ.get("CHRONOLOG_BENCH_TRACE"):
    _trace(os.environ["CHRONOLOG_BENCH_TRACE"])


def _census(path: str) -> None:
    """With CHRONOLOG_BENCH_CENSUS=FILE: every 10 s, append the 25 most common object types
    the garbage collector tracks in the server (a JSON line), to see what grows."""
    import asyncio
    import collections
    import gc
    import json
    import time

    from chronolog.app import engine

    start = engine.Engine.start

    async def start_and_count(self: engine.Engine) -> None:
        await start(self)

        async def count() -> None:
            while True:
                await asyncio.sleep(10)
                types = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
                with open(path, "a") as out:
                    out.write(json.dumps([time.time(), types.most_common(25)]) + "\n")

        self._tasks.append(asyncio.create_task(count()))

    engine.Engine.start = start_and_count  # type: ignore[method-assign]


if os.environ.get("CHRONOLOG_BENCH_CENSUS"):
    _census(os.environ["CHRONOLOG_BENCH_CENSUS"])
