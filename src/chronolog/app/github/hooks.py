"""Where the retry and pacing policies hook into githubkit, for every request it sends.

githubkit offers three seams, and `Limits` fills all three for one app:

- `auto_retry` (`Limits.retry`): githubkit calls it with each failed request's exception
  (the installation-token exchange's failures included: they arrive wrapped in a
  `RequestError`) and sends the request again when told to. `RetryPolicy` decides; a
  failure that will pass but outlasts the policy is raised as `GitHubUnavailable` from here.
- the throttler (`Limits.async_acquire`): entered before every send. It waits out the retry
  delay the policy chose, a secondary rate limit's pause, and the write budget of
  `WritePacing`, on the injected `sleep` (githubkit's own retry sleep is handed a
  microsecond, so tests never wait and no wait is counted twice).
- a request event hook (`Limits.on_request`): httpx runs it for every request, the token
  exchange too, which githubkit builds without a timeout; it gets the client's timeout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

import httpx
from githubkit.exception import GitHubException
from githubkit.throttling import BaseThrottler
from githubkit.typing import RetryOption

from chronolog.app.github.policy import GiveUp, RetryPolicy, WritePacing

log = logging.getLogger(__name__)

# The delay the retry policy chose for the next attempt of the request in this task.
_retry_delay: ContextVar[float] = ContextVar("chronolog_github_retry_delay", default=0.0)
# githubkit sleeps this long itself between attempts (a zero would make it wait 60 s).
_GITHUBKIT_SLEEP = dt.timedelta(microseconds=1)


class Limits(BaseThrottler):
    """One app's retry policy and write pacing, as githubkit's throttler and retry hook.

    `waited` adds up the seconds spent waiting for GitHub's limits and retries.
    """

    def __init__(
        self,
        retry: RetryPolicy,
        pacing: WritePacing,
        *,
        timeout: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.policy = retry
        self.pacing = pacing
        self.timeout = httpx.Timeout(timeout)
        self._sleep = sleep
        self.waited = 0.0
        self.requests_sent = 0

    def retry(self, exc: GitHubException, retry_count: int) -> RetryOption:
        """githubkit's `auto_retry` hook."""
        decision = self.policy.decide(exc, retry_count)
        if decision is None:
            return RetryOption(False)
        if isinstance(decision, GiveUp):
            log.warning("GitHub unavailable, giving up for now: %s", decision.error)
            if decision.pause:
                self.pacing.pause(decision.pause)
            raise decision.error from exc
        log.warning("GitHub failed (%r); retrying in %.1f s", exc, decision.wait)
        if decision.app_wide:
            self.pacing.pause(decision.wait)
        else:
            _retry_delay.set(decision.wait)
        return RetryOption(True, _GITHUBKIT_SLEEP)

    @asynccontextmanager
    async def async_acquire(self, request: httpx.Request) -> AsyncGenerator[None, Any]:
        """githubkit's throttler: wait until `request` may be sent."""
        delay = _retry_delay.get()
        _retry_delay.set(0.0)
        wait = self.pacing.reserve(request.method, self.policy.max_wait, delay)
        if wait > 0:
            self.waited += wait
            await self._sleep(wait)
        yield

    @contextmanager
    def acquire(self, request: httpx.Request) -> Generator[None, Any, Any]:
        """The synchronous twin, for completeness: chronolog calls GitHub asynchronously."""
        delay = _retry_delay.get()
        _retry_delay.set(0.0)
        wait = self.pacing.reserve(request.method, self.policy.max_wait, delay)
        if wait > 0:
            self.waited += wait
            time.sleep(wait)
        yield

    async def on_request(self, request: httpx.Request) -> None:
        """httpx's request event hook: count the request, and give it a timeout if it has
        none (githubkit builds the token exchange's request bare)."""
        self.requests_sent += 1
        request.extensions.setdefault("timeout", self.timeout.as_dict())
