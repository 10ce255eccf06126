"""GitHub's limits as two policies, pure decisions with no I/O of their own.

`RetryPolicy` decides, for one failed request, whether to try again and after how long:
5xx answers, timeouts and network failures back off exponentially; rate limits wait as
long as GitHub says (`Retry-After`, else the `x-ratelimit-reset` time when no requests
remain, else at least a minute and then exponentially longer, as GitHub documents for a
secondary limit without headers). A wait longer than `max_wait`, or failures that outlast
the attempts, end in `GitHubUnavailable` so the caller can put the work back for later.

`WritePacing` keeps content-creating requests inside GitHub's secondary limits: at most
80 in any minute and 500 in any hour. Reads are not paced.

`chronolog.app.github.hooks` applies both to every request, through githubkit's seams.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from githubkit.exception import GitHubException, RequestFailed, RequestTimeout

from chronolog.app.github.errors import GitHubUnavailable, error_body, unavailable, unwrap

log = logging.getLogger(__name__)

# At least a minute before retrying a secondary rate limit that says nothing more.
SECONDARY_LIMIT_WAIT = 60.0
# Requests that change nothing; every other method counts as a write.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Retry:
    """Send the request again after `wait` seconds; `app_wide` holds back every request of
    the app meanwhile (a secondary rate limit applies to all of them)."""

    wait: float
    app_wide: bool = False


@dataclass(frozen=True)
class GiveUp:
    """Raise `error` now; `pause` > 0 holds back every request of the app that long (a
    secondary rate limit outlasting the retries still applies to all of them)."""

    error: GitHubUnavailable
    pause: float = 0.0


class RetryPolicy:
    """When a failed request is sent again, and when it turns into `GitHubUnavailable`.

    A 5xx, a timeout or a network failure is retried `attempts` times, after `backoff`,
    2x, 4x seconds. A rate limit is retried up to `rate_limit_attempts` times, each after
    the wait GitHub asks for, as long as that wait is at most `max_wait` seconds. A POST
    that timed out is not sent again (GitHub may have carried it out: the caller looks
    for what it made before making it again), except the installation-token exchange.
    `epoch` is the wall clock that `x-ratelimit-reset` is compared with.
    """

    def __init__(
        self,
        attempts: int = 3,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        *,
        rate_limit_attempts: int = 3,
        epoch: Callable[[], float] = time.time,
    ) -> None:
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.rate_limit_attempts = rate_limit_attempts
        self._epoch = epoch

    def decide(self, exc: GitHubException, retry_count: int) -> Retry | GiveUp | None:
        """`Retry`, `GiveUp` (raise its `GitHubUnavailable` now), or None: not GitHub's
        fault (a 4xx), to be raised as the `GitHubError` it is."""
        inner = unwrap(exc)
        if isinstance(inner, RequestFailed):
            limited = self.rate_limit_wait(inner.response.raw_response, retry_count)
            if limited is not None:
                wait, app_wide = limited
                if retry_count < self.rate_limit_attempts and wait <= self.max_wait:
                    return Retry(wait, app_wide)
                return GiveUp(unavailable(exc, wait), wait if app_wide else 0.0)
            if inner.response.status_code < 500:
                return None
            if _creates(inner.response.raw_request):
                # A 502 or 504 from a proxy may come after GitHub did the work.
                return GiveUp(unavailable(exc, None))
        elif not _is_network_failure(inner):
            return None
        elif _may_have_been_done(inner):
            return GiveUp(unavailable(exc, None))
        if retry_count < self.attempts:
            return Retry(self.backoff * 2**retry_count)
        return GiveUp(unavailable(exc, None))

    def rate_limit_wait(
        self, response: httpx.Response, retry_count: int
    ) -> tuple[float, bool] | None:
        """(seconds to wait, whether it is a secondary limit) for a rate-limit answer;
        None when `response` is not one."""
        if response.status_code not in (403, 429):
            return None
        headers = response.headers
        secondary = "secondary rate limit" in error_body(response)[0].lower()
        if "retry-after" in headers:
            return _seconds(headers["retry-after"]), True
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            reset = _seconds(headers["x-ratelimit-reset"])
            return max(reset - self._epoch(), 1.0), secondary
        if secondary or response.status_code == 429:
            return SECONDARY_LIMIT_WAIT * 2**retry_count, True
        return None


def _seconds(value: str) -> float:
    try:
        return max(float(value), 0.0)
    except ValueError:
        return SECONDARY_LIMIT_WAIT


def _is_network_failure(exc: BaseException) -> bool:
    return isinstance(exc, RequestTimeout | httpx.TransportError)


def _may_have_been_done(exc: BaseException) -> bool:
    """A write that timed out after it was sent: GitHub may have carried it out. A new
    installation token is harmless to ask for twice."""
    if not isinstance(exc, httpx.TimeoutException) or isinstance(exc, httpx.ConnectTimeout):
        return False
    try:
        request = exc.request
    except RuntimeError:  # no request attached
        return False
    return _creates(request)


def _creates(request: httpx.Request) -> bool:
    """A POST or PATCH (a PATCH of a check run appends its annotations again), other than
    a token exchange: sent twice, it may do its work twice. The engine tries the whole
    delivery again instead, and that try looks for what the first one did."""
    return request.method in ("POST", "PATCH") and not request.url.path.endswith("/access_tokens")


class WritePacing:
    """The write budget of one app, shared by all its installations and event loops.

    `reserve` books the next slot a write may use (at most `per_minute` in any 60 s and
    `per_hour` in any hour) and says how long to wait for it; `pause` holds back every
    request, reads too, after a secondary rate limit. `clock` is monotonic seconds.
    """

    def __init__(
        self,
        per_minute: int = 80,
        per_hour: int = 500,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = ((per_minute, 60.0), (per_hour, 3600.0))
        self._clock = clock
        self._writes: list[float] = []  # booked moments, oldest first, the last hour's
        self._not_before = float("-inf")
        self._lock = threading.Lock()

    def reserve(self, method: str, max_wait: float, delay: float = 0.0) -> float:
        """Seconds to wait before sending a `method` request, at least `delay`; a write's
        slot is booked.

        Raises `GitHubUnavailable` (booking nothing) when that is more than `max_wait`.
        """
        write = method.upper() not in READ_METHODS
        with self._lock:
            now = self._clock()
            earliest = now + delay
            ready = max(earliest, self._not_before)
            if ready - earliest > max_wait:
                raise GitHubUnavailable(
                    429,
                    f"GitHub asked chronolog to pause for {ready - now:.0f} s more "
                    "(a secondary rate limit)",
                    retry_after=ready - now,
                )
            if write:
                for limit, period in self.limits:
                    recent = self._writes[bisect.bisect_right(self._writes, ready - period) :]
                    if len(recent) >= limit:
                        ready = max(ready, recent[-limit] + period)
            if ready - earliest > max_wait:
                wait = ready - now
                raise GitHubUnavailable(
                    429,
                    f"chronolog's write budget for GitHub is spent for the next {wait:.0f} s",
                    retry_after=wait,
                )
            if write:
                bisect.insort(self._writes, ready)
                del self._writes[: bisect.bisect_right(self._writes, now - 3600.0)]
            return ready - now

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds` from now (a secondary rate limit's wait)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)
