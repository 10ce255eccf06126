"""What the engine's work is made of, without the engine: how it paces itself, and how a
handler says "not now"."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GaveUp", "RetryLater", "Tuning"]


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
