"""The worker process: deliveries are processed in a child process, not beside the server.

Checking a log is CPU work (parsing, the rules, githubkit's pydantic models). In threads of
the server's process it competes with the event loop that answers webhooks for the GIL,
and acknowledgements wait behind it. `WorkerProcess` is a `WorkQueue` whose work runs in
one spawned child, at a lower CPU priority, so the server process only receives, verifies
and queues.

The child builds what it needs from `setup` (a picklable callable returning the `Process`
function, e.g. a `functools.partial` of a module-level function), so its GitHub client,
token cache and config cache live there, shared by all its deliveries. It runs up to
`concurrency` deliveries at a time on its own event loop. Messages are pickled plain data
over two one-way pipes: `(number, Delivery)` to the child, `(number, ok)` back.

The server owns the child's life: the child ignores SIGINT and SIGTERM (a Ctrl-C reaches
the whole process group), stops when told or when the server's end of the pipe closes, and
finishes what it started first. A child that dies is started again; the deliveries it had
are reported through `on_failure` (their ids are forgotten, so a redelivery is processed).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from chronolog.app.queue import Delivery, Process

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# How much less CPU priority the child has (os.nice): when both want the CPU, the server's
# answers win; when the server idles, the child gets all of it.
NICENESS = 10

Message = tuple[int, Delivery] | None  # None: finish and exit


@dataclass
class _Child:
    """One worker process and the server's ends of its pipes."""

    process: BaseProcess
    inbox: Connection  # the server writes here
    results: Connection  # and reads here
    outgoing: queue.SimpleQueue[Message] = field(default_factory=queue.SimpleQueue)


class WorkerProcess:
    """A `WorkQueue` processed by one child process, `concurrency` deliveries at a time.

    At most `maxsize` deliveries wait or run; `submit` refuses more.
    """

    def __init__(
        self,
        setup: Callable[[], Process],
        *,
        concurrency: int = 4,
        maxsize: int = 1000,
        on_failure: Callable[[Delivery], None] | None = None,
        niceness: int = NICENESS,
    ) -> None:
        self._setup = setup
        self._concurrency = concurrency
        self._maxsize = maxsize
        self._on_failure = on_failure
        self._niceness = niceness
        self._numbers = itertools.count()
        self._pending: dict[int, Delivery] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._child: _Child | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    def submit(self, delivery: Delivery) -> bool:
        child = self._child
        if child is None or self._stopping or len(self._pending) >= self._maxsize:
            return False
        number = next(self._numbers)
        self._pending[number] = delivery
        self._idle.clear()
        # The sender thread pickles and writes: a full pipe must never block this loop.
        child.outgoing.put((number, delivery))
        return True

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._child = self._spawn()

    async def join(self) -> None:
        """Wait until everything submitted so far has been processed."""
        await self._idle.wait()

    async def stop(self, timeout: float = 10.0) -> None:
        """Refuse new work, finish what was submitted for up to `timeout` seconds, then end
        the child (killing it if it does not exit within a few more seconds)."""
        self._stopping = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("stopping with %d deliveries unprocessed", len(self._pending))
        child, self._child = self._child, None
        if child is None:
            return
        child.outgoing.put(None)
        await asyncio.to_thread(child.process.join, 5.0)
        if child.process.is_alive():
            child.process.kill()
            await asyncio.to_thread(child.process.join, 5.0)
        child.inbox.close()

    def _spawn(self) -> _Child:
        # spawn, not fork: the server process runs threads, and forking those is unsafe.
        context = multiprocessing.get_context("spawn")
        inbox_child, inbox = context.Pipe(duplex=False)
        results, results_child = context.Pipe(duplex=False)
        process = context.Process(
            target=_child_main,
            args=(
                self._setup,
                inbox_child,
                results_child,
                self._concurrency,
                self._niceness,
                logging.getLogger().getEffectiveLevel(),
            ),
            name="chronolog-worker",
            daemon=True,
        )
        process.start()
        # Close our copies of the child's ends, so that each side sees EOF when the other
        # goes away.
        inbox_child.close()
        results_child.close()
        child = _Child(process, inbox, results)
        threading.Thread(target=self._send, args=(child,), daemon=True).start()
        threading.Thread(target=self._receive, args=(child,), daemon=True).start()
        log.info("worker process %d started", process.pid)
        return child

    def _send(self, child: _Child) -> None:
        """Thread: write what `submit` queued to the child's pipe, in order."""
        while True:
            message = child.outgoing.get()
            try:
                child.inbox.send(message)
            except (OSError, ValueError):
                return  # the child is gone; `_exited` reports what it had
            if message is None:
                return

    def _receive(self, child: _Child) -> None:
        """Thread: hand each result to the event loop, then report the child's exit."""
        while True:
            ready = wait([child.results, child.process.sentinel])
            if child.results not in ready:
                break
            try:
                number, ok = child.results.recv()
            except (EOFError, OSError):
                break
            self._call_soon(self._finished, number, ok)
        child.process.join()
        child.results.close()
        self._call_soon(self._exited, child)

    def _call_soon(self, callback: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is None:
            return
        # A closed loop means the server is shutting down: nobody waits for the news.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(callback, *args)

    def _finished(self, number: int, ok: bool) -> None:
        delivery = self._pending.pop(number, None)
        if delivery is not None and not ok and self._on_failure is not None:
            self._on_failure(delivery)
        if not self._pending:
            self._idle.set()

    def _exited(self, child: _Child) -> None:
        """The child exited: if unexpectedly, report what it had and start another."""
        if child is not self._child:
            return  # told to stop
        lost = list(self._pending.values())
        log.error(
            "worker process %s exited with code %s; %d deliveries not processed: %s",
            child.process.pid,
            child.process.exitcode,
            len(lost),
            ", ".join(delivery.id for delivery in lost) or "none",
        )
        child.outgoing.put(None)
        child.inbox.close()
        self._pending.clear()
        self._idle.set()
        if self._on_failure is not None:
            for delivery in lost:
                self._on_failure(delivery)
        self._child = None if self._stopping else self._spawn()


# ---- in the child ---------------------------------------------------------------------


def _child_main(
    setup: Callable[[], Process],
    inbox: Connection,
    results: Connection,
    concurrency: int,
    niceness: int,
    log_level: int,
) -> None:
    """The child process's entry point."""
    # The server decides when the child stops: it sends None or closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if niceness:
        os.nice(niceness)
    logging.basicConfig(level=log_level, format=LOG_FORMAT)
    asyncio.run(_process_all(setup(), inbox, results, concurrency))


async def _process_all(
    process: Process, inbox: Connection, results: Connection, concurrency: int
) -> None:
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(concurrency)
    running: set[asyncio.Task[None]] = set()

    async def run(number: int, delivery: Delivery) -> None:
        ok = True
        try:
            await process(delivery)
        except Exception:
            log.exception("processing delivery %s (%s) failed", delivery.id, delivery.event)
            ok = False
        finally:
            slots.release()
        with contextlib.suppress(OSError):  # the server is gone; nobody waits for the answer
            results.send((number, ok))

    while True:
        await slots.acquire()
        try:
            message: Message = await loop.run_in_executor(None, inbox.recv)
        except (EOFError, OSError):
            message = None  # the server closed the pipe or died
        if message is None:
            break
        task = asyncio.create_task(run(*message))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
