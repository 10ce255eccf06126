"""Everything chronolog asks GitHub, through githubkit, returning plain JSON values.

`GitHubApp` holds the app's credentials, one token cache (installation tokens are reused
until a minute before they expire) and the retry policy. `app.installation(id)` opens an
`Installation`: one connection pool for the duration of one piece of work, with a method
per REST call chronolog makes. Errors arrive as `GitHubError`, after retries.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import quote

import httpx
from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub, Response
from githubkit.cache import MemCacheStrategy
from githubkit.exception import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
)
from githubkit.typing import RetryOption
from pydantic import SecretStr

log = logging.getLogger(__name__)

RAW = "application/vnd.github.raw+json"
# How long an installation lookup (`GET /repos/{o}/{r}/installation`) is reused.
INSTALLATION_TTL = 600.0  # seconds
MAX_INSTALLATIONS_KEPT = 10_000
PER_PAGE = 100
MAX_PAGES = 30  # GitHub lists at most 3,000 files of a pull request
# Open pull requests searched for a fork's head commit: the newest 300 (GitHub lists the
# newest first) hold any pull request whose checks people are clicking on.
OPEN_PULL_PAGES = 3
USER_AGENT = "chronolog"


class GitHubError(Exception):
    """GitHub answered with an error, or could not be reached, after any retries.

    `status` is the HTTP status (None for a network failure or timeout), `message` GitHub's
    `message` field and `errors` the texts of its `errors` list, for showing to people.
    """

    def __init__(self, status: int | None, message: str, errors: tuple[str, ...] = ()) -> None:
        detail = f" ({'; '.join(errors)})" if errors else ""
        super().__init__(f"{status or 'no answer'}: {message}{detail}")
        self.status = status
        self.message = message
        self.errors = errors

    @property
    def is_server_side(self) -> bool:
        """A 5xx, a rate limit or no answer at all: worth re-running later, not the user's fault."""
        return self.status is None or self.status >= 500 or self.status == 429


@dataclass(frozen=True)
class Repo:
    """A repository as `owner/name`."""

    owner: str
    name: str

    @classmethod
    def from_payload(cls, repository: Mapping[str, Any]) -> Repo:
        return cls(str(repository["owner"]["login"]), str(repository["name"]))

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class RetryPolicy:
    """When githubkit retries a request: 5xx and network failures, and rate limits.

    A 5xx or a failure to connect is retried `attempts` times, waiting `backoff`, 2x, 4x
    seconds. A rate limit is retried once after GitHub's `Retry-After` (or the reset time),
    unless that is more than `max_wait` seconds away: then the work fails now and the check
    run tells people to re-run it, instead of holding the worker for up to an hour.
    """

    def __init__(self, attempts: int = 3, backoff: float = 1.0, max_wait: float = 60.0) -> None:
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if _creates(exc):
            # A POST or PATCH that failed may still have been carried out (a timeout, a 502
            # from a proxy): sending it again could make a second check run or review. The
            # engine tries the whole delivery again instead, and that try looks first.
            return RetryOption(False)
        if isinstance(exc, RateLimitExceeded):
            wait = exc.retry_after.total_seconds()
            if retry_count < 1 and wait <= self.max_wait:
                log.warning("rate limited by GitHub; retrying in %.0f s", wait)
                return RetryOption(True, _delay(wait))
            return RetryOption(False)
        if retry_count < self.attempts and _is_transient(exc):
            return RetryOption(True, _delay(self.backoff * 2**retry_count))
        return RetryOption(False)


def _delay(seconds: float) -> dt.timedelta:
    # githubkit waits 60 s for a zero (falsy) delay: never hand it one.
    return dt.timedelta(seconds=max(seconds, 0.001))


def _creates(exc: GitHubException) -> bool:
    """Whether the failed request was a POST or PATCH other than a token exchange."""
    inner = exc.exc if isinstance(exc, RequestError) and not isinstance(exc, RequestFailed) else exc
    request = getattr(inner, "request", None)
    if not isinstance(request, httpx.Request):
        return False
    return request.method in ("POST", "PATCH") and not request.url.path.endswith("/access_tokens")


def _is_transient(exc: GitHubException) -> bool:
    # Token exchange failures arrive as a RequestError wrapping the RequestFailed.
    inner = exc.exc if isinstance(exc, RequestError) and not isinstance(exc, RequestFailed) else exc
    if isinstance(inner, RequestFailed):
        return inner.response.status_code >= 500
    return isinstance(inner, RequestTimeout | RequestError | httpx.TransportError)


def to_github_error(exc: GitHubException) -> GitHubError:
    """The `GitHubError` people should read for a githubkit exception."""
    inner: object = exc
    if isinstance(exc, RequestError) and not isinstance(exc, RequestFailed):
        inner = exc.exc
    if isinstance(inner, RequestFailed):
        response = inner.response.raw_response
        message, errors = _error_body(response)
        return GitHubError(response.status_code, message, errors)
    if isinstance(inner, httpx.TimeoutException | RequestTimeout):
        return GitHubError(None, "GitHub did not answer in time")
    reason = type(inner).__name__ if not str(inner) else str(inner)
    return GitHubError(None, f"could not reach GitHub: {reason}")


def _error_body(response: httpx.Response) -> tuple[str, tuple[str, ...]]:
    """GitHub's `{"message": ..., "errors": [...]}`; errors are strings or objects."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error", ()
    if not isinstance(body, dict):
        return response.reason_phrase or "error", ()
    errors: list[str] = []
    for item in body.get("errors") or ():
        if isinstance(item, str):
            errors.append(item)
        elif isinstance(item, dict):
            errors.append(str(item.get("message") or item.get("code") or item))
    return str(body.get("message") or response.reason_phrase), tuple(errors)


class GitHubApp:
    """The app's credentials and the state shared by every installation client."""

    def __init__(
        self,
        app_id: int,
        private_key: SecretStr,
        api_url: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        installation_ttl: float = INSTALLATION_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app_id = app_id
        self.api_url = api_url
        self._private_key = private_key
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        # Our own cache, not githubkit's process-wide default, so that two apps (or tests)
        # never share tokens.
        self._tokens = MemCacheStrategy()
        self._app_info: dict[str, Any] | None = None
        # Repository (lowercased) -> (installation id or None, expiry on `clock`).
        self._installation_ttl = installation_ttl
        self._clock = clock
        self._installations: dict[str, tuple[int | None, float]] = {}
        self._installations_lock = threading.Lock()
        self.requests_sent = 0

    def _client(self, auth: AppAuthStrategy | AppInstallationAuthStrategy) -> GitHub[Any]:
        return GitHub(
            auth,
            base_url=self.api_url,
            user_agent=USER_AGENT,
            timeout=self._timeout,
            cache_strategy=self._tokens,
            http_cache=False,
            auto_retry=self._retry,
            async_event_hooks={"request": [self._count]},
        )

    async def _count(self, request: httpx.Request) -> None:
        self.requests_sent += 1

    def installation(self, installation_id: int) -> Installation:
        """A client acting as the installation; use it as `async with`."""
        secret = self._private_key.get_secret_value()
        return Installation(
            self._client(AppInstallationAuthStrategy(self.app_id, secret, installation_id)),
            installation_id,
        )

    async def app_info(self) -> dict[str, Any]:
        """`GET /app` with the app's JWT, fetched once and kept. Raises `GitHubError`."""
        if self._app_info is None:
            client = self._client(
                AppAuthStrategy(self.app_id, self._private_key.get_secret_value())
            )
            async with client:
                response = await _call(client.rest.apps.async_get_authenticated())
            self._app_info = dict(response.json())
        return self._app_info

    async def repository_installation(self, repo: Repo) -> int | None:
        """The id of the app's installation on `repo` (app JWT), or None when not installed.

        Both answers are kept for `installation_ttl` seconds (10 minutes by default), so
        a repository referenced again and again is looked up once in that time; an app
        installed or removed meanwhile is noticed when the entry expires. Errors are not
        kept.
        """
        key = repo.full_name.lower()
        with self._installations_lock:
            cached = self._installations.get(key)
            if cached is not None and self._clock() < cached[1]:
                return cached[0]
        client = self._client(AppAuthStrategy(self.app_id, self._private_key.get_secret_value()))
        try:
            async with client:
                response = await _call(
                    client.rest.apps.async_get_repo_installation(repo.owner, repo.name)
                )
            installation_id: int | None = int(response.json()["id"])
        except GitHubError as error:
            if error.status != 404:
                raise
            installation_id = None
        with self._installations_lock:
            now = self._clock()
            self._installations.pop(key, None)
            self._installations[key] = (installation_id, now + self._installation_ttl)
            # Oldest first (insertion order): drop what expired, and beyond the bound.
            while len(self._installations) > MAX_INSTALLATIONS_KEPT or (
                self._installations and next(iter(self._installations.values()))[1] <= now
            ):
                del self._installations[next(iter(self._installations))]
        return installation_id


async def _call(request: Awaitable[Response[Any, Any]]) -> Response[Any, Any]:
    """Await a githubkit call, turning its exceptions into `GitHubError`."""
    try:
        return await request
    except GitHubException as exc:
        raise to_github_error(exc) from None


class Installation:
    """The REST calls chronolog makes as one installation; each returns GitHub's JSON.

    `installation_id` is the installation's id, when the client was opened by id.
    """

    def __init__(self, github: GitHub[Any], installation_id: int | None = None) -> None:
        self.github = github
        self.installation_id = installation_id

    async def __aenter__(self) -> Self:
        await self.github.__aenter__()  # type: ignore[no-untyped-call]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.github.__aexit__(exc_type, exc, traceback)

    # Contents

    async def read_file(self, repo: Repo, path: str, ref: str) -> bytes | None:
        """The raw bytes of `path` at `ref`, or None when there is no such file (404)."""
        try:
            response = await _call(
                self.github.rest.repos.async_get_content(
                    repo.owner, repo.name, quote(path), ref=ref, headers={"Accept": RAW}
                )
            )
        except GitHubError as error:
            if error.status == 404:
                return None
            raise
        return response.content

    async def get_file(self, repo: Repo, path: str, ref: str) -> dict[str, Any] | None:
        """The contents API's JSON for a file (with its blob `sha`), or None on 404."""
        try:
            response = await _call(
                self.github.rest.repos.async_get_content(
                    repo.owner, repo.name, quote(path), ref=ref
                )
            )
        except GitHubError as error:
            if error.status == 404:
                return None
            raise
        return dict(response.json())

    async def put_file(self, repo: Repo, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """`PUT /repos/{o}/{r}/contents/{path}`: commit a new version of one file."""
        response = await _call(
            self.github.rest.repos.async_create_or_update_file_contents(
                repo.owner,
                repo.name,
                quote(path),
                data=cast(Any, body),
            )
        )
        return dict(response.json())

    async def branch_head(self, repo: Repo, branch: str) -> str | None:
        """`GET /repos/{o}/{r}/branches/{branch}`: the commit the branch points at now, or
        None when there is no such branch (404)."""
        try:
            response = await _call(
                self.github.rest.repos.async_get_branch(
                    repo.owner, repo.name, quote(branch, safe="")
                )
            )
        except GitHubError as error:
            if error.status == 404:
                return None
            raise
        return str(response.json()["commit"]["sha"])

    # Pull requests

    async def get_pull(self, repo: Repo, number: int) -> dict[str, Any]:
        response = await _call(self.github.rest.pulls.async_get(repo.owner, repo.name, number))
        return dict(response.json())

    async def list_pull_files(self, repo: Repo, number: int) -> list[dict[str, Any]]:
        """Every changed file of a pull request (all pages)."""
        return await self._all_pages(
            lambda page: self.github.rest.pulls.async_list_files(
                repo.owner, repo.name, number, per_page=PER_PAGE, page=page
            )
        )

    async def list_review_comments(self, repo: Repo, number: int) -> list[dict[str, Any]]:
        """Every review comment on a pull request (all pages)."""
        return await self._all_pages(
            lambda page: self.github.rest.pulls.async_list_review_comments(
                repo.owner, repo.name, number, per_page=PER_PAGE, page=page
            )
        )

    async def create_review(self, repo: Repo, number: int, body: dict[str, Any]) -> dict[str, Any]:
        response = await _call(
            self.github.rest.pulls.async_create_review(
                repo.owner,
                repo.name,
                number,
                data=cast(Any, body),
            )
        )
        return dict(response.json())

    async def pulls_for_commit(self, repo: Repo, sha: str) -> list[dict[str, Any]]:
        """`GET /repos/{o}/{r}/commits/{sha}/pulls`: the pull requests that contain a commit."""
        response = await _call(
            self.github.rest.repos.async_list_pull_requests_associated_with_commit(
                repo.owner, repo.name, sha, per_page=PER_PAGE
            )
        )
        return list(response.json())

    async def list_open_pulls(self, repo: Repo) -> list[dict[str, Any]]:
        """`GET /repos/{o}/{r}/pulls?state=open`: the newest open pull requests (up to
        `OPEN_PULL_PAGES` pages of 100)."""
        return await self._all_pages(
            lambda page: self.github.rest.pulls.async_list(
                repo.owner, repo.name, state="open", per_page=PER_PAGE, page=page
            ),
            max_pages=OPEN_PULL_PAGES,
        )

    # Check runs

    async def find_check_run(
        self, repo: Repo, sha: str, name: str, app_id: int
    ) -> dict[str, Any] | None:
        """The newest check run `name` this app made on commit `sha`, if any."""
        response = await _call(
            self.github.rest.checks.async_list_for_ref(
                repo.owner, repo.name, sha, check_name=name, app_id=app_id, filter_="latest"
            )
        )
        runs = response.json().get("check_runs") or []
        return dict(runs[0]) if runs else None

    async def create_check_run(self, repo: Repo, body: dict[str, Any]) -> dict[str, Any]:
        response = await _call(
            self.github.rest.checks.async_create(
                repo.owner,
                repo.name,
                data=cast(Any, body),
            )
        )
        return dict(response.json())

    async def update_check_run(
        self, repo: Repo, check_run_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        response = await _call(
            self.github.rest.checks.async_update(
                repo.owner,
                repo.name,
                check_run_id,
                data=cast(Any, body),
            )
        )
        return dict(response.json())

    # Issues (pull requests are issues here)

    async def list_issue_comments(self, repo: Repo, number: int) -> list[dict[str, Any]]:
        return await self._all_pages(
            lambda page: self.github.rest.issues.async_list_comments(
                repo.owner, repo.name, number, per_page=PER_PAGE, page=page
            )
        )

    async def create_issue_comment(self, repo: Repo, number: int, body: str) -> dict[str, Any]:
        response = await _call(
            self.github.rest.issues.async_create_comment(
                repo.owner, repo.name, number, data={"body": body}
            )
        )
        return dict(response.json())

    async def update_issue_comment(self, repo: Repo, comment_id: int, body: str) -> dict[str, Any]:
        response = await _call(
            self.github.rest.issues.async_update_comment(
                repo.owner, repo.name, comment_id, data={"body": body}
            )
        )
        return dict(response.json())

    async def delete_issue_comment(self, repo: Repo, comment_id: int) -> None:
        await _call(self.github.rest.issues.async_delete_comment(repo.owner, repo.name, comment_id))

    async def _all_pages(
        self,
        fetch: Callable[[int], Awaitable[Response[Any, Any]]],
        max_pages: int = MAX_PAGES,
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(1, max_pages + 1):
            response = await _call(fetch(page))
            batch = response.json()
            items.extend(batch)
            if len(batch) < PER_PAGE or 'rel="next"' not in response.headers.get("link", ""):
                break
        return items
