"""`GitHubApp`: the app's credentials, its clients, and what it asks GitHub as the app.

Every client it opens shares one `Limits` (the retry policy and the write pacing, see
`chronolog.app.github.hooks`), one token cache, and the caches of what it looked up with
the app's JWT: the installation on a repository and the app's own description.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from cachetools import TTLCache
from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from pydantic import SecretStr

from chronolog.app.github.errors import GitHubError
from chronolog.app.github.hooks import Limits
from chronolog.app.github.installation import Installation, Repo
from chronolog.app.github.policy import RetryPolicy, WritePacing
from chronolog.app.github.rest import all_items, call

log = logging.getLogger(__name__)

USER_AGENT = "chronolog"
# How long an installation lookup (`GET /repos/{o}/{r}/installation`) is reused.
INSTALLATION_TTL = 600.0  # seconds
MAX_INSTALLATIONS_KEPT = 10_000
APP_INFO_TTL = 3600.0
# GitHub keeps webhook deliveries for 3 days; a busy app has many, so the listing is capped.
DELIVERIES_KEPT = dt.timedelta(days=3)
MAX_DELIVERIES = 10_000


class GitHubApp:
    """The app's credentials and the state shared by every installation client.

    `retry` and `pacing` are the app's one retry policy and one write budget, applied to
    every request of every client it opens. `clock` (monotonic seconds) times the caches
    and the pacing; `sleep` is what every wait for GitHub's limits awaits.
    """

    def __init__(
        self,
        app_id: int,
        private_key: SecretStr,
        api_url: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        pacing: WritePacing | None = None,
        installation_ttl: float = INSTALLATION_TTL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_response: Callable[[httpx.Response], Awaitable[None]] | None = None,
        before_request: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.app_id = app_id
        # Awaited before every request is sent (the server's `jobs.Foreground.wait_turn`).
        self._before_request = before_request
        # Hears every answer GitHub gives (the metrics), retries and token exchanges too.
        self._response_hooks = [] if on_response is None else [on_response]
        self.api_url = api_url
        self._private_key = private_key
        self._timeout = timeout
        self.limits = Limits(
            retry or RetryPolicy(),
            pacing or WritePacing(clock=clock),
            timeout=timeout,
            sleep=sleep,
        )
        # Our own token cache, not githubkit's process-wide default, so that two apps (or
        # tests) never share tokens.
        # One TLS context for every client: building one per delivery (httpx does, loading
        # the CA bundle each time) was a third of a check's CPU in bench/bench_app.py.
        self._tls = httpx.create_ssl_context()
        self._tokens = MemCacheStrategy()
        self._lock = threading.Lock()
        self._app_info: TTLCache[str, dict[str, Any]] = TTLCache(1, APP_INFO_TTL, timer=clock)
        # Repository (lowercased) -> installation id, or None when not installed.
        self._installations: TTLCache[str, int | None] = TTLCache(
            MAX_INSTALLATIONS_KEPT, installation_ttl, timer=clock
        )

    @property
    def waited(self) -> float:
        """Seconds spent so far waiting for GitHub's rate limits, retries and write pacing."""
        return self.limits.waited

    @property
    def requests_sent(self) -> int:
        """Requests sent so far, token exchanges and retries included."""
        return self.limits.requests_sent

    def _client(self, auth: AppAuthStrategy | AppInstallationAuthStrategy) -> GitHub[Any]:
        return GitHub(
            auth,
            base_url=self.api_url,
            user_agent=USER_AGENT,
            timeout=self._timeout,
            cache_strategy=self._tokens,
            http_cache=False,
            throttler=self.limits,
            auto_retry=self.limits.retry,
            ssl_verify=self._tls,
            async_event_hooks={
                "request": [self.limits.on_request, *self._request_hooks()],
                "response": list(self._response_hooks),
            },
        )

    def _request_hooks(self) -> list[Callable[[httpx.Request], Awaitable[None]]]:
        before = self._before_request
        if before is None:
            return []

        async def wait(_request: httpx.Request) -> None:
            await before()

        return [wait]

    def _app_client(self) -> GitHub[Any]:
        return self._client(AppAuthStrategy(self.app_id, self._private_key.get_secret_value()))

    def installation(self, installation_id: int) -> Installation:
        """A client acting as the installation; use it as `async with`."""
        secret = self._private_key.get_secret_value()
        return Installation(
            self._client(AppInstallationAuthStrategy(self.app_id, secret, installation_id)),
            installation_id,
        )

    async def app_info(self, fresh: bool = False) -> dict[str, Any]:
        """`GET /app` with the app's JWT, kept for an hour (`fresh`: asked again, to learn
        whether GitHub still accepts the credentials). Raises `GitHubError`."""
        with self._lock:
            cached = self._app_info.get("app")
        if cached is not None and not fresh:
            return cached
        async with self._app_client() as client:
            response = await call(client.rest.apps.async_get_authenticated())
        info = dict(response.json())
        with self._lock:
            self._app_info["app"] = info
        return info

    async def bot_login(self) -> str | None:
        """The login the app's comments carry (`<slug>[bot]`), or None if GitHub won't say.
        Work that edits or deletes the app's comments or issues then writes nothing and
        waits for a retry; reading markers falls back to "a bot wrote it"
        (`written_by_app`)."""
        try:
            info = await self.app_info()
        except GitHubError as error:
            log.warning("could not read the app's slug (%s); matching comments by bot type", error)
            return None
        slug = info.get("slug")
        return f"{slug}[bot]" if slug else None

    async def repository_installation(self, repo: Repo) -> int | None:
        """The id of the app's installation on `repo` (app JWT), or None when not installed.

        Both answers are kept for `installation_ttl` seconds (10 minutes by default), so
        a repository referenced again and again is looked up once in that time; an app
        installed or removed meanwhile is noticed when the entry expires. Errors are not
        kept.
        """
        key = repo.full_name.lower()
        with self._lock:
            if key in self._installations:
                return self._installations[key]
        try:
            async with self._app_client() as client:
                response = await call(
                    client.rest.apps.async_get_repo_installation(repo.owner, repo.name)
                )
            installation_id: int | None = int(response.json()["id"])
        except GitHubError as error:
            if error.status != 404:
                raise
            installation_id = None
        with self._lock:
            self._installations[key] = installation_id
        return installation_id

    async def list_hook_deliveries(
        self, since: dt.datetime | None = None, *, now: dt.datetime | None = None
    ) -> list[dict[str, Any]]:
        """`GET /app/hook/deliveries` (app JWT): the app's webhook deliveries, newest first,
        back to `since` (included) or, without it, the 3 days GitHub keeps them.

        Each is GitHub's JSON: `id`, `guid` (the `X-GitHub-Delivery`, kept by redeliveries),
        `delivered_at`, `redelivery`, `status` ("OK" for a 2xx), `status_code`, `event`,
        `action`, `installation_id`, `repository_id`. At most `MAX_DELIVERIES`.
        """
        cutoff = since or (now or dt.datetime.now(dt.UTC)) - DELIVERIES_KEPT
        if cutoff.tzinfo is None:
            cutoff = cutoff.replace(tzinfo=dt.UTC)

        def older(delivery: dict[str, Any]) -> bool:
            delivered = dt.datetime.fromisoformat(str(delivery["delivered_at"]))
            return delivered < cutoff

        async with self._app_client() as client:
            return await all_items(
                client,
                client.rest.apps.async_list_webhook_deliveries,
                limit=MAX_DELIVERIES,
                stop=older,
            )

    async def redeliver(self, delivery_id: int) -> None:
        """`POST /app/hook/deliveries/{id}/attempts` (app JWT): GitHub sends the delivery
        again (same `guid`, a new `id`). Raises `GitHubError`."""
        async with self._app_client() as client:
            await call(client.rest.apps.async_redeliver_webhook_delivery(delivery_id))


def written_by_app(comment: Mapping[str, Any], bot_login: str | None) -> bool:
    """Whether `comment` (an issue or review comment) is the app's own: only those are
    read for markers, edited or deleted, whatever marker someone copied into theirs."""
    user = comment.get("user") or {}
    if bot_login is not None:
        return str(user.get("login", "")).lower() == bot_login.lower()
    return user.get("type") == "Bot"
