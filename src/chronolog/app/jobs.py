"""What the engine's work is made of, without the engine: how it paces itself, and how a
handler says "not now"."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Foreground", "GaveUp", "RetryLater", "Tuning"]


class RetryLater(Exception):
    """The work cannot be done now (GitHub is failing or rate-limits us): try again in
    `delay` seconds (None: the engine's back-off decides)."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class GaveUp(Exception):
    """A delivery's workflow ended without doing its work; the message says why."""


@dataclass(frozen=True)
class Tuning:
    """How the engine paces itself; tests shorten the waits."""

    concurrency: int = 4  # workflows at once in this instance
    attempts: int = 8  # tries of a delivery while GitHub is unavailable
    backoff: float = 30.0  # seconds before the second try, doubling after each
    max_delay: float = 3600.0
    poll: float = 0.1  # how often the queue is polled for new work, in seconds
    heartbeat: float = 15.0  # how often this instance says it is alive
    dead_after: float = 60.0  # an instance silent this long has died: its work is taken over
    inbox_grace: float = 5.0  # an inbox row not enqueued after this long is enqueued again
    # Seconds between sweeps for missed deliveries (one also runs at start); 0: none, for
    # tests whose fake GitHub must see only the requests they cause.
    sweep_every: float = 600.0
    # On a graceful stop, how long running deliveries may take to finish before they are
    # handed back (fly.toml's kill_timeout leaves room for it).
    stop_grace: float = 5.0

    def delay(self, attempt: int, asked: float | None) -> float:
        """Seconds to wait after failed try number `attempt` (0-based)."""
        if asked is not None:
            return min(max(asked, 0.0), self.max_delay)
        return float(min(self.backoff * 2**attempt, self.max_delay))


class Foreground:
    """Webhook answers go first: background work waits while webhooks are being received.

    The engine runs the checks in threads of the process that answers webhooks, and every
    thread of a process shares one GIL: a check computing holds it for up to
    `sys.getswitchinterval()` (1 ms under `chronolog serve`, Python's default 5 ms) each
    time the event loop that answers webhooks wants it back, and a webhook's answer needs
    it a dozen times. So the webhook endpoint marks itself `receiving()`, and background
    work calls `wait_turn()` at its seams (before a delivery's handler, before every
    GitHub request, before moving the inbox to the queue), and `wait_turn_blocking()`
    before each transaction the job engine starts on its own connections (its queue
    polls, workflow and step records): while webhooks arrive, and for `quiet` seconds
    after the last answer, it sleeps, releasing the GIL, for at most `longest` seconds at
    a time, so a steady stream of webhooks slows the work down but never stops it.
    """

    def __init__(
        self,
        quiet: float = 0.02,
        longest: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet = quiet
        self.longest = longest
        self._clock = clock
        self._receiving = 0  # changed on the webhooks' event loop only
        self._last = -math.inf
        self._receiver: int | None = None  # the thread of that event loop

    @contextmanager
    def receiving(self) -> Iterator[None]:
        self._receiver = threading.get_ident()
        self._receiving += 1
        try:
            yield
        finally:
            self._receiving -= 1
            self._last = self._clock()

    def _pauses(self) -> Iterator[float]:
        """The sleeps of one wait: until no webhook has been received for `quiet` seconds,
        `longest` seconds at most in all (each is recomputed after the previous one)."""
        now = self._clock()
        deadline = now + self.longest
        while now < deadline:
            due = now + self.quiet if self._receiving > 0 else self._last + self.quiet
            if due <= now:
                return
            yield min(due, deadline) - now
            now = self._clock()

    async def wait_turn(self) -> None:
        """Return once no webhook has been received for `quiet` seconds, or after `longest`
        seconds. It sleeps until then, rather than polling: a waiter that wakes up takes
        the GIL too."""
        for pause in self._pauses():
            await asyncio.sleep(pause)

    def wait_turn_blocking(self) -> None:
        """`wait_turn` for code running in a thread (the job engine's own database work).
        On the thread that receives webhooks it returns at once: it must never wait for
        itself."""
        if threading.get_ident() != self._receiver:
            for pause in self._pauses():
                time.sleep(pause)
