"""Work accepted from webhooks and done after the response.

`WorkQueue` is the small interface the server needs. The server uses `WorkerProcess`
(worker.py: the work runs in a child process); `InProcessQueue` is an asyncio queue with a
few worker threads in this process, for tests. A durable queue (Redis, SQS...) can replace
either without touching the handlers: a `Delivery` is plain data. `RecentDeliveries`
remembers the last delivery ids so that a redelivered webhook is processed once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One verified webhook delivery, parsed, waiting to be processed."""

    id: str  # X-GitHub-Delivery
    event: str  # X-GitHub-Event
    action: str | None
    payload: dict[str, Any]
    received_at: dt.datetime


Process = Callable[[Delivery], Coroutine[Any, Any, None]]


class WorkQueue(Protocol):
    """What the webhook endpoint needs from a queue."""

    def submit(self, delivery: Delivery) -> bool:
        """Queue `delivery` without waiting; False when the queue is full."""
        ...


class RecentDeliveries:
    """The ids of the last `size` deliveries (an LRU), to process each delivery once."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, delivery_id: str) -> bool:
        """True the first time an id is seen (and remember it); False for a repeat."""
        if delivery_id in self._ids:
            self._ids.move_to_end(delivery_id)
            return False
        self._ids[delivery_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True

    def forget(self, delivery_id: str) -> None:
        """Let a redelivery of `delivery_id` through again (its processing failed)."""
        self._ids.pop(delivery_id, None)


class InProcessQueue:
    """An asyncio queue drained by `workers` tasks; work is lost if the process dies.

    Each delivery is processed in a worker thread with an event loop of its own, so
    `process` must not share loop-bound objects (clients, locks) with the server's loop.

    GitHub keeps failed deliveries for 3 days and they can be redelivered, which is the
    recovery path for work lost in a restart.
    """

    def __init__(
        self,
        process: Process,
        *,
        workers: int = 4,
        maxsize: int = 1000,
        on_failure: Callable[[Delivery], None] | None = None,
    ) -> None:
        self._process = process
        self._workers = workers
        self._on_failure = on_failure
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize)
        self._tasks: list[asyncio.Task[None]] = []

    def submit(self, delivery: Delivery) -> bool:
        try:
            self._queue.put_nowait(delivery)
        except asyncio.QueueFull:
            return False
        return True

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(), name=f"chronolog-worker-{n}")
            for n in range(self._workers)
        ]

    async def join(self) -> None:
        """Wait until everything queued so far has been processed."""
        await self._queue.join()

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish queued work for up to `timeout` seconds, then cancel the workers."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            log.warning("stopping with %d deliveries unprocessed", self._queue.qsize())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def _run_in_own_loop(self, delivery: Delivery) -> None:
        asyncio.run(self._process(delivery))

    async def _work(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                # Checking a log is CPU work: run each delivery on its own event loop in a
                # thread, so that this loop keeps answering webhooks within milliseconds.
                await asyncio.to_thread(self._run_in_own_loop, delivery)
            except Exception:
                # A bug must not kill the worker; the delivery can be redelivered.
                log.exception("processing delivery %s (%s) failed", delivery.id, delivery.event)
                if self._on_failure is not None:
                    self._on_failure(delivery)
            finally:
                self._queue.task_done()
