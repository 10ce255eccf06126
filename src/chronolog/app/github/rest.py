"""Awaiting githubkit's REST calls: one call, or every item of a paginated list, with its
exceptions turned into `GitHubError` (retries have happened by then, in the hooks)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from githubkit import GitHub, Response
from githubkit.exception import GitHubException

from chronolog.app.github.errors import to_github_error

PER_PAGE = 100


async def call(request: Awaitable[Response[Any, Any]]) -> Response[Any, Any]:
    """Await a githubkit call, turning its exceptions into `GitHubError`."""
    try:
        return await request
    except GitHubException as exc:
        raise to_github_error(exc) from None


def _json_items(response: Response[Any, Any]) -> list[dict[str, Any]]:
    # GitHub's JSON as it came, not githubkit's models: callers read plain dicts.
    return list(response.json())


async def all_items(
    github: GitHub[Any],
    request: Callable[..., Awaitable[Response[Any, Any]]],
    *args: Any,
    limit: int,
    stop: Callable[[dict[str, Any]], bool] | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """The items of a paginated list, following GitHub's `Link: rel="next"` with githubkit's
    paginator, `PER_PAGE` a page: at most `limit`, and none from the first item for which
    `stop` is true on."""
    items: list[dict[str, Any]] = []
    paginator = github.rest.paginate(request, _json_items, *args, per_page=PER_PAGE, **kwargs)
    try:
        async for item in paginator:
            if stop is not None and stop(item):
                break
            items.append(item)
            if len(items) >= limit:
                break
    except GitHubException as exc:
        raise to_github_error(exc) from None
    return items
