"""The errors the GitHub facade raises: `GitHubError`, and `GitHubUnavailable` for the
failures that are GitHub's and will pass (an outage, a rate limit) once retries are spent."""

from __future__ import annotations

import httpx
from githubkit.exception import GitHubException, RequestError, RequestFailed, RequestTimeout


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


class GitHubUnavailable(GitHubError):
    """GitHub is down, unreachable or rate limiting us, and the retries are spent.

    The work is not wrong, only early: run it again after `retry_after` seconds (GitHub's
    `Retry-After` or rate-limit reset; None when GitHub gave no hint, as in an outage).
    """

    def __init__(
        self,
        status: int | None,
        message: str,
        errors: tuple[str, ...] = (),
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, message, errors)
        self.retry_after = retry_after

    @property
    def is_server_side(self) -> bool:
        return True


def unwrap(exc: GitHubException) -> BaseException:
    """The failure itself: githubkit wraps what goes wrong in the token exchange (inside
    httpx's auth flow) in a `RequestError`."""
    if isinstance(exc, RequestError) and not isinstance(exc, RequestFailed):
        inner: BaseException = exc.exc
        return inner
    return exc


def to_github_error(exc: GitHubException) -> GitHubError:
    """The `GitHubError` people should read for a githubkit exception."""
    inner = unwrap(exc)
    if isinstance(inner, RequestFailed):
        response = inner.response.raw_response
        message, errors = error_body(response)
        return GitHubError(response.status_code, message, errors)
    if isinstance(inner, httpx.TimeoutException | RequestTimeout):
        return GitHubError(None, "GitHub did not answer in time")
    reason = type(inner).__name__ if not str(inner) else str(inner)
    return GitHubError(None, f"could not reach GitHub: {reason}")


def unavailable(exc: GitHubException, retry_after: float | None) -> GitHubUnavailable:
    """`GitHubUnavailable` carrying what `to_github_error` would say about `exc`."""
    error = to_github_error(exc)
    return GitHubUnavailable(error.status, error.message, error.errors, retry_after=retry_after)


def error_body(response: httpx.Response) -> tuple[str, tuple[str, ...]]:
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
