"""The GitHub facade: the only code in chronolog that calls githubkit.

`GitHubApp` holds the app's credentials and opens clients; `app.installation(id)` gives an
`Installation` with a method per REST call chronolog makes, each returning GitHub's JSON.
Every request of every client goes through one `RetryPolicy` and one `WritePacing`, hooked
into githubkit in `hooks`. Errors arrive as `GitHubError` after retries, and as its
subclass `GitHubUnavailable` when GitHub is down or rate limiting: run the work again later.

Modules: `app` (the app and its caches), `installation` (the REST calls), `rest` (awaiting
calls and pagination), `policy` (the two policies), `hooks` (where they plug into
githubkit), `errors`.
"""

from chronolog.app.github.app import GitHubApp, written_by_app
from chronolog.app.github.errors import GitHubError, GitHubUnavailable, to_github_error
from chronolog.app.github.installation import Installation, Repo
from chronolog.app.github.policy import RetryPolicy, WritePacing

__all__ = [
    "GitHubApp",
    "GitHubError",
    "GitHubUnavailable",
    "Installation",
    "Repo",
    "RetryPolicy",
    "WritePacing",
    "to_github_error",
    "written_by_app",
]
