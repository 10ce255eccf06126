"""Pacing of REST calls: content-creating requests kept inside GitHub's secondary rate
limits, and every call retried after a rate-limit answer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from githubkit import Response
from githubkit.exception import GitHubException, RateLimitExceeded

from chronolog.app.github import GitHubError, to_github_error

log = logging.getLogger(__name__)

# How often one request is retried after GitHub answered with a rate limit.
RATE_LIMIT_ATTEMPTS = 5


class Pacer:
    """Keeps content-creating requests inside GitHub's secondary rate limits.

    Writes are spaced evenly, at most `per_minute` in any minute and `per_hour` in any
    hour (GitHub allows 80 and 500). After a rate-limit answer, `pause` holds every
    request back for as long as GitHub asked. `clock` and `sleep` are injectable so tests
    never wait.
    """

    def __init__(
        self,
        per_minute: int = 80,
        per_hour: int = 500,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = ((per_minute, 60.0), (per_hour, 3600.0))
        self._interval = 60.0 / per_minute
        self._clock = clock
        self._sleep = sleep
        self._writes: deque[float] = deque()
        self._not_before = float("-inf")
        self.waited = 0.0  # seconds spent waiting, for the backfill's summary

    async def wait(self, *, write: bool) -> None:
        """Wait until the next request may go; a write also counts against the limits."""
        now = self._clock()
        ready = self._not_before
        if write and self._writes:
            ready = max(ready, self._writes[-1] + self._interval)
            for limit, period in self._limits:
                recent = [moment for moment in self._writes if moment > now - period]
                if len(recent) >= limit:
                    ready = max(ready, recent[-limit] + period)
        if ready > now:
            await self._sleep(ready - now)
            self.waited += ready - now
            now = self._clock()
        if write:
            self._writes.append(now)
            while self._writes and self._writes[0] <= now - 3600.0:
                self._writes.popleft()

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds` from now (GitHub's `Retry-After`)."""
        self._not_before = max(self._not_before, self._clock() + seconds)


async def paced_call(
    call: Callable[[], Awaitable[Response[Any, Any]]], pacer: Pacer, *, write: bool = False
) -> Any:
    """One REST call, paced, retried after rate limits; returns GitHub's JSON (or None)."""
    for attempt in range(RATE_LIMIT_ATTEMPTS):
        await pacer.wait(write=write)
        try:
            response = await call()
        except RateLimitExceeded as exc:
            wait = max(exc.retry_after.total_seconds(), 1.0)
        except GitHubException as exc:
            error = to_github_error(exc)
            if error.status != 403 or "secondary rate limit" not in error.message.lower():
                raise error from None
            # No Retry-After: GitHub asks for at least a minute, then exponential back-off.
            wait = 60.0 * 2**attempt
        else:
            return response.json() if response.content else None
        log.warning("GitHub rate limit; waiting %.0f s before retrying", wait)
        pacer.pause(wait)
    raise GitHubError(429, "GitHub kept answering with a rate limit; run again later")
