"""Durable work: every stored delivery becomes a DBOS workflow, processed at least once.

The engine is DBOS Transact (README, "Durable work", says why). A delivery's workflow id
is its `X-GitHub-Delivery` id, so enqueueing it again (a redelivery, a restart that finds
it in the inbox) returns the existing workflow instead of making a second one. The queue
is partitioned by `StoredDelivery.partition`, one workflow at a time per partition across
every instance: the deliveries of one pull request (or one repository's pushes) are
processed one after another, each seeing what the previous one posted.

What a workflow does, and why each part is durable:
- It runs the handler as one step. The step's result is recorded, so a run resumed after
  a crash does not repeat a handler that finished; a handler that was cut off runs again
  with `Delivery.attempt` > 0 (the inbox counts tries), and handlers then look for what
  a previous try already posted (runs by external id, comments by fingerprint).
- GitHub unavailable (5xx after the client's retries, a long rate limit) puts the work
  back for later with `DBOS.sleep_async`, a durable sleep that survives restarts, up to
  `Tuning.attempts` tries. Then, and for any other error, `give_up` says so where people
  look (a check run with Re-run) and the workflow ends in DBOS's ERROR state.
- A delivery that kills the process itself is retried at most `MAX_RECOVERIES` times
  (DBOS then marks it MAX_RECOVERY_ATTEMPTS_EXCEEDED): one poison delivery never stops
  the others.

DBOS registers workflows when this module is imported, and a workflow reaches the rest of
chronolog (the store, the handlers) through `_runtime`, which `Engine.start` sets: DBOS
runs one engine per process, so there is one runtime per process too.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from dbos import DBOS, DBOSConfig, Queue, SetEnqueueOptions, SetWorkflowID

from chronolog.app.delivery import Delivery, load_body
from chronolog.app.jobs import Foreground, GaveUp, RetryLater, Tuning
from chronolog.app.logs import bind_delivery
from chronolog.app.store import Store, StoredDelivery, create_engine

log = logging.getLogger(__name__)

QUEUE = "chronolog-deliveries"
WORKFLOW = "chronolog.process_delivery"
# The sweep for missed deliveries: one at a time across every instance.
SWEEP_QUEUE = "chronolog-sweeps"
SWEEP_WORKFLOW = "chronolog.sweep"
# Bump when a change to the workflow below cannot resume a run recorded by the old code.
# DBOS recovers and dequeues only the workflows of its own application version.
APPLICATION_VERSION = "chronolog-1"
MAX_RECOVERIES = 5
# How long a processed delivery is remembered (its id, its workflow): GitHub redelivers for
# 3 days, GitHub Enterprise Server for 7.
KEPT = dt.timedelta(days=7)


Process = Callable[[Delivery], Awaitable[None]]
GiveUp = Callable[[Delivery, str], Awaitable[None]]
Sweep = Callable[[], Awaitable[object]]


@dataclass
class _Runtime:
    store: Store
    process: Process
    give_up: GiveUp
    tuning: Tuning
    sweep: Sweep | None


_runtime: _Runtime | None = None


def _current() -> _Runtime:
    if _runtime is None:
        raise RuntimeError("the engine is not running in this process")
    return _runtime


def to_delivery(stored: StoredDelivery, attempt: int = 0) -> Delivery:
    """The handlers' view of a stored delivery (its body was checked to be a JSON object
    when it arrived)."""
    payload = load_body(stored.body)
    return Delivery(
        id=stored.delivery_id,
        event=stored.event,
        action=stored.action,
        payload=payload,
        received_at=stored.received_at,
        attempt=attempt,
    )


@DBOS.step(name="chronolog.handle")
async def _handle(delivery_id: str, attempt: int) -> float | None:
    """Run the delivery's handler once. Returns None when done, or the seconds to wait
    before the next try when the work must be retried later."""
    runtime = _current()
    stored = await asyncio.to_thread(runtime.store.get, delivery_id)
    if stored is None:
        log.warning("delivery %s is no longer in the inbox; nothing to do", delivery_id)
        return None
    # Not `attempt`: a try cut off by a crash is not recorded, and resumes with the same
    # number, but the inbox counted it.
    tries = await asyncio.to_thread(runtime.store.begin_try, delivery_id)
    try:
        await runtime.process(to_delivery(stored, tries))
    except RetryLater as later:
        delay = runtime.tuning.delay(attempt, later.delay)
        log.warning("delivery %s: %s; trying again in %.0f s", delivery_id, later, delay)
        return delay
    return None


@DBOS.step(name="chronolog.give_up")
async def _give_up(delivery_id: str, reason: str) -> None:
    runtime = _current()
    stored = await asyncio.to_thread(runtime.store.get, delivery_id)
    if stored is None:
        return
    try:
        await runtime.give_up(to_delivery(stored), reason)
    except Exception:
        log.exception("delivery %s: could not report that it failed", delivery_id)


@DBOS.workflow(name=WORKFLOW, max_recovery_attempts=MAX_RECOVERIES)
async def process_delivery(delivery_id: str) -> None:
    """The durable life of one delivery: tries, durable waits between them, and a visible
    end when it cannot be done."""
    bind_delivery(delivery=delivery_id)  # on every line logged about it
    attempts = _current().tuning.attempts
    reason = f"GitHub was unavailable on each of {attempts} tries"
    for attempt in range(attempts):
        try:
            delay = await _handle(delivery_id, attempt)
        except Exception as error:
            log.error("delivery %s failed: %s: %s", delivery_id, type(error).__name__, error)
            reason = f"chronolog hit an internal error ({type(error).__name__})"
            break
        if delay is None:
            return
        if attempt + 1 < attempts:
            await DBOS.sleep_async(delay)
    await _give_up(delivery_id, reason)
    raise GaveUp(f"delivery {delivery_id}: {reason}")


@DBOS.step(name="chronolog.sweep_step")
async def _sweep_step() -> None:
    sweep = _current().sweep
    if sweep is not None:
        await sweep()


@DBOS.step(name="chronolog.forget_step")
async def _forget_step() -> int:
    """Forget deliveries and workflows that ended more than `KEPT` ago; returns how many
    deliveries were dropped."""
    cutoff = _now() - KEPT
    ended = await DBOS.list_workflows_async(
        status=["SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"],
        end_time=cutoff.isoformat(),
        load_input=False,
        load_output=False,
        limit=10_000,
    )
    if ended:
        await DBOS.delete_workflows_async([w.workflow_id for w in ended])
    return await asyncio.to_thread(_current().store.forget_before, cutoff)


@DBOS.workflow(name=SWEEP_WORKFLOW, max_recovery_attempts=MAX_RECOVERIES)
async def sweep_missed() -> None:
    """Ask GitHub for the deliveries chronolog missed (`redeliver.sweep`), then forget
    what is older than anyone will redeliver."""
    try:
        await _sweep_step()
    except Exception as error:
        # The next sweep tries again; a failed one must not end in DBOS's ERROR state
        # with a traceback every 10 minutes while GitHub is down.
        log.warning("the sweep for missed deliveries failed: %s", error)
    try:
        await _forget_step()
    except Exception as error:
        log.warning("forgetting old deliveries failed: %s", error)


@dataclass
class Engine:
    """The job engine of one process: DBOS on the store's database, the pump from the inbox
    to the queue, and the watch over other instances."""

    store: Store
    process: Process
    give_up: GiveUp
    tuning: Tuning = field(default_factory=Tuning)
    sweep: Sweep | None = None
    # This instance's name in the store (`AppSettings.instance_id`): the same across its
    # restarts, so that a restarted instance resumes its own work at once.
    instance: str = field(default_factory=socket.gethostname)
    # Webhook answers first: the pump waits its turn behind webhooks being received.
    foreground: Foreground = field(default_factory=Foreground)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _queue: Queue | None = None
    _sweeps: Queue | None = None
    _system: sa.Engine | None = None
    running: bool = False

    async def start(self) -> None:
        """Create the tables, launch DBOS (which resumes this instance's unfinished work),
        and start the background loops."""
        global _runtime
        await asyncio.to_thread(self.store.create_tables)
        _runtime = _Runtime(self.store, self.process, self.give_up, self.tuning, self.sweep)
        self._system = _own_pool(self.store.engine)
        if self._system is not self.store.engine:
            # DBOS's bookkeeping waits its turn too (`Foreground`), before a transaction
            # starts, so it never holds a lock while it waits.
            sa.event.listen(self._system, "begin", self._before_transaction)
        config: DBOSConfig = {
            "name": "chronolog",
            "system_database_url": self.store.engine.url.render_as_string(hide_password=False),
            "system_database_engine": self._system,
            "executor_id": self.instance,
            "application_version": APPLICATION_VERSION,
            "log_level": "WARNING",
            "enable_otlp": False,
        }
        DBOS(config=config)
        await asyncio.to_thread(DBOS.launch)
        self._queue = await DBOS.register_queue_async(
            QUEUE,
            worker_concurrency=self.tuning.concurrency,
            partition_concurrency=1,
            polling_interval_sec=self.tuning.poll,
        )
        self._sweeps = await DBOS.register_queue_async(
            SWEEP_QUEUE, global_concurrency=1, polling_interval_sec=1.0
        )
        await asyncio.to_thread(self.store.heartbeat, self.instance, _now())
        self.running = True
        if self.sweep is not None and self.tuning.sweep_every > 0:
            await self.start_sweep(f"{SWEEP_WORKFLOW}:start:{self.instance}:{_now().isoformat()}")
        self._tasks = [
            asyncio.create_task(self._pump_forever(), name="chronolog-pump"),
            asyncio.create_task(self._watch_forever(), name="chronolog-watch"),
        ]

    async def stop(self) -> None:
        """Stop taking work, give running workflows `Tuning.stop_grace` seconds to finish, and
        hand the rest back: it stays in the store, resumed by this instance when it
        restarts, or by another instance at its next watch (this one leaves the list of
        live instances)."""
        global _runtime
        self.running = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        grace = int(self.tuning.stop_grace)
        await asyncio.to_thread(DBOS.destroy, workflow_completion_timeout_sec=grace)
        _runtime = None
        if self._system is not None and self._system is not self.store.engine:
            self._system.dispose()
        # Blocking, once: DBOS took the loop's default executor down with it.
        self.store.leave(self.instance)

    def _before_transaction(self, _connection: sa.Connection) -> None:
        self.foreground.wait_turn_blocking()

    def wake(self) -> None:
        """New deliveries are in the inbox: enqueue them now rather than at the next poll."""
        self._wake.set()

    def healthy(self) -> bool:
        """Whether the background loops are alive (a loop that died is a stopped engine)."""
        return self.running and all(not task.done() for task in self._tasks)

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every stored delivery has been processed (its workflow ended), for
        operators and tests. Raises TimeoutError after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            pending = await asyncio.to_thread(self.store.not_enqueued, _far_future(), 1)
            running = await DBOS.list_workflows_async(
                status=["ENQUEUED", "PENDING", "DELAYED"],
                name=WORKFLOW,
                load_input=False,
                load_output=False,
                limit=1,
            )
            if not pending and not running:
                return
            if loop.time() > deadline:
                raise TimeoutError("deliveries still unprocessed")
            self.wake()
            await asyncio.sleep(0.02)

    async def enqueue(self, deliveries: list[StoredDelivery]) -> None:
        """Make one workflow per delivery (an existing one is left as it is), then mark them
        enqueued in the inbox."""
        queue = self._queue
        if queue is None:
            raise RuntimeError("the engine is not started")

        def enqueue_all() -> None:
            # In one thread, not one hop per delivery on the loop that answers webhooks.
            for delivery in deliveries:
                with (
                    SetWorkflowID(delivery.delivery_id),
                    SetEnqueueOptions(queue_partition_key=delivery.partition),
                ):
                    queue.enqueue(process_delivery, delivery.delivery_id)
            self.store.mark_enqueued([d.delivery_id for d in deliveries])

        await asyncio.to_thread(enqueue_all)

    async def start_sweep(self, workflow_id: str) -> None:
        """Enqueue a sweep for missed deliveries under `workflow_id` (enqueueing the same
        id again, from any instance, does nothing)."""
        if self._sweeps is None:
            raise RuntimeError("the engine is not started")
        with SetWorkflowID(workflow_id):
            await self._sweeps.enqueue_async(sweep_missed)

    async def _pump_forever(self) -> None:
        """Enqueue what the inbox holds; woken by new deliveries, and every few seconds for
        rows another instance stored but did not enqueue (it may have died)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tuning.inbox_grace)
            self._wake.clear()
            await self.foreground.wait_turn()
            try:
                pending = await asyncio.to_thread(self.store.not_enqueued, _now())
                if pending:
                    await self.enqueue(pending)
            except Exception:
                log.exception("moving deliveries from the inbox to the queue failed")
                await asyncio.sleep(1.0)

    async def _watch_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tuning.heartbeat)
            try:
                await self.watch_once()
            except Exception:
                log.exception("the watch over other instances failed")

    async def watch_once(self) -> list[str]:
        """Say this instance is alive, and take over the work of instances that are not:
        their running workflows go back to the queue. Returns the instances taken over."""
        now = _now()
        await asyncio.to_thread(self.store.heartbeat, self.instance, now)
        since = now - dt.timedelta(seconds=self.tuning.dead_after)
        live = await asyncio.to_thread(self.store.live_instances, since)
        pending = await DBOS.list_workflows_async(
            status="PENDING", name=WORKFLOW, load_input=False, load_output=False
        )
        dead = sorted(
            {str(w.executor_id) for w in pending if w.executor_id} - live - {self.instance}
        )
        if self.sweep is not None and self.tuning.sweep_every > 0:
            # One id per window: every instance enqueues it, the first one makes it.
            window = int(now.timestamp() // self.tuning.sweep_every)
            await self.start_sweep(f"{SWEEP_WORKFLOW}:every:{window}")
        if dead:
            log.warning("taking over the work of stopped instances: %s", ", ".join(dead))
            # DBOS's own recovery, as its admin endpoint calls it: it re-enqueues only
            # workflows still held by these instances, so two watchers cannot both win.
            await asyncio.to_thread(DBOS._recover_pending_workflows, dead)
        return dead


def _own_pool(engine: sa.Engine) -> sa.Engine:
    """An engine on the same database as `engine`, with its own connections, for DBOS: its
    threads (workflows, queue pollers, background jobs) then never hold every connection
    of the pool while the webhook intake waits for one to commit. An in-memory SQLite
    database exists only on its one connection, so it is shared."""
    if isinstance(engine.pool, sa.pool.StaticPool):
        return engine
    return create_engine(engine.url.render_as_string(hide_password=False))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _far_future() -> dt.datetime:
    return _now() + dt.timedelta(days=3650)
