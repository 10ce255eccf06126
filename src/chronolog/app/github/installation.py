"""The REST calls chronolog makes as one installation of the app, each returning GitHub's
JSON as plain values. Every call goes through the app's retry and pacing hooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import quote

from githubkit import GitHub

from chronolog.app.github.errors import GitHubError
from chronolog.app.github.rest import PER_PAGE, all_items, call

RAW = "application/vnd.github.raw+json"
MAX_FILES = 3_000  # GitHub lists at most 3,000 files of a pull request
MAX_COMMENTS = 3_000
MAX_ISSUES = 1_000  # the app's own issues in a repository: one per log
# Open pull requests searched for a fork's head commit: the newest 300 (GitHub lists the
# newest first) hold any pull request whose checks people are clicking on.
MAX_OPEN_PULLS = 300


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


class Installation:
    """The REST calls chronolog makes as one installation; each returns GitHub's JSON.

    `installation_id` is the installation's id, when the client was opened by id.
    """

    def __init__(self, github: GitHub[Any], installation_id: int | None = None) -> None:
        self._github = github
        self.installation_id = installation_id

    async def __aenter__(self) -> Self:
        await self._github.__aenter__()  # type: ignore[no-untyped-call]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._github.__aexit__(exc_type, exc, traceback)

    # Contents

    async def read_file(self, repo: Repo, path: str, ref: str) -> bytes | None:
        """The raw bytes of `path` at `ref`, or None when there is no such file (404)."""
        try:
            response = await call(
                self._github.rest.repos.async_get_content(
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
            response = await call(
                self._github.rest.repos.async_get_content(
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
        response = await call(
            self._github.rest.repos.async_create_or_update_file_contents(
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
            response = await call(
                self._github.rest.repos.async_get_branch(
                    repo.owner, repo.name, quote(branch, safe="")
                )
            )
        except GitHubError as error:
            if error.status == 404:
                return None
            raise
        return str(response.json()["commit"]["sha"])

    async def get_repo(self, repo: Repo) -> dict[str, Any]:
        """`GET /repos/{o}/{r}`."""
        response = await call(self._github.rest.repos.async_get(repo.owner, repo.name))
        return dict(response.json())

    async def get_tree(self, repo: Repo, sha: str) -> dict[str, Any]:
        """`GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`: every path at a commit (GitHub
        sets `truncated` when there are too many to list)."""
        response = await call(
            self._github.rest.git.async_get_tree(repo.owner, repo.name, sha, recursive="1")
        )
        return dict(response.json())

    async def compare_commits(self, repo: Repo, base: str, head: str) -> dict[str, Any]:
        """`GET /repos/{o}/{r}/compare/{base}...{head}`: with the `files` that differ."""
        response = await call(
            self._github.rest.repos.async_compare_commits(repo.owner, repo.name, f"{base}...{head}")
        )
        return dict(response.json())

    # Pull requests

    async def get_pull(self, repo: Repo, number: int) -> dict[str, Any]:
        response = await call(self._github.rest.pulls.async_get(repo.owner, repo.name, number))
        return dict(response.json())

    async def list_pull_files(self, repo: Repo, number: int) -> list[dict[str, Any]]:
        """Every changed file of a pull request (GitHub lists at most 3,000)."""
        return await all_items(
            self._github,
            self._github.rest.pulls.async_list_files,
            repo.owner,
            repo.name,
            number,
            limit=MAX_FILES,
        )

    async def list_review_comments(self, repo: Repo, number: int) -> list[dict[str, Any]]:
        """The review comments on a pull request (the first `MAX_COMMENTS`)."""
        return await all_items(
            self._github,
            self._github.rest.pulls.async_list_review_comments,
            repo.owner,
            repo.name,
            number,
            limit=MAX_COMMENTS,
        )

    async def create_review(self, repo: Repo, number: int, body: dict[str, Any]) -> dict[str, Any]:
        response = await call(
            self._github.rest.pulls.async_create_review(
                repo.owner,
                repo.name,
                number,
                data=cast(Any, body),
            )
        )
        return dict(response.json())

    async def pulls_for_commit(self, repo: Repo, sha: str) -> list[dict[str, Any]]:
        """`GET /repos/{o}/{r}/commits/{sha}/pulls`: the pull requests that contain a commit."""
        response = await call(
            self._github.rest.repos.async_list_pull_requests_associated_with_commit(
                repo.owner, repo.name, sha, per_page=PER_PAGE
            )
        )
        return list(response.json())

    async def list_open_pulls(self, repo: Repo) -> list[dict[str, Any]]:
        """`GET /repos/{o}/{r}/pulls?state=open`: the newest `MAX_OPEN_PULLS` open pull
        requests."""
        return await all_items(
            self._github,
            self._github.rest.pulls.async_list,
            repo.owner,
            repo.name,
            state="open",
            limit=MAX_OPEN_PULLS,
        )

    # Check runs

    async def find_check_run(
        self, repo: Repo, sha: str, name: str, app_id: int
    ) -> dict[str, Any] | None:
        """The newest check run `name` this app made on commit `sha`, if any."""
        response = await call(
            self._github.rest.checks.async_list_for_ref(
                repo.owner, repo.name, sha, check_name=name, app_id=app_id, filter_="latest"
            )
        )
        runs = response.json().get("check_runs") or []
        return dict(runs[0]) if runs else None

    async def create_check_run(self, repo: Repo, body: dict[str, Any]) -> dict[str, Any]:
        response = await call(
            self._github.rest.checks.async_create(
                repo.owner,
                repo.name,
                data=cast(Any, body),
            )
        )
        return dict(response.json())

    async def update_check_run(
        self, repo: Repo, check_run_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        response = await call(
            self._github.rest.checks.async_update(
                repo.owner,
                repo.name,
                check_run_id,
                data=cast(Any, body),
            )
        )
        return dict(response.json())

    # Issues (pull requests are issues here)

    async def get_issue(self, repo: Repo, number: int) -> dict[str, Any]:
        """`GET /repos/{o}/{r}/issues/{n}`; a transferred issue answers from its new home."""
        response = await call(self._github.rest.issues.async_get(repo.owner, repo.name, number))
        return dict(response.json())

    async def list_issues(
        self, repo: Repo, *, creator: str | None, state: str = "all"
    ) -> list[dict[str, Any]]:
        """`GET /repos/{o}/{r}/issues?state=...&creator=...`: issues and pull requests,
        newest first (the first `MAX_ISSUES`). Unlike search, the list is up to date the
        moment an issue is created, so a retry right after a create finds it."""
        filters: dict[str, Any] = {"creator": creator} if creator else {}
        return await all_items(
            self._github,
            self._github.rest.issues.async_list_for_repo,
            repo.owner,
            repo.name,
            state=state,
            limit=MAX_ISSUES,
            **filters,
        )

    async def create_issue(self, repo: Repo, title: str, body: str) -> dict[str, Any]:
        """`POST /repos/{o}/{r}/issues`."""
        response = await call(
            self._github.rest.issues.async_create(
                repo.owner, repo.name, data={"title": title, "body": body}
            )
        )
        return dict(response.json())

    async def update_issue(
        self, repo: Repo, number: int, changes: Mapping[str, str]
    ) -> dict[str, Any]:
        """`PATCH /repos/{o}/{r}/issues/{n}` with the fields to change (`title`, `body`)."""
        response = await call(
            self._github.rest.issues.async_update(
                repo.owner, repo.name, number, data=cast(Any, dict(changes))
            )
        )
        return dict(response.json())

    async def list_issue_comments(self, repo: Repo, number: int) -> list[dict[str, Any]]:
        """The comments on an issue or pull request, oldest first (the first
        `MAX_COMMENTS`)."""
        return await all_items(
            self._github,
            self._github.rest.issues.async_list_comments,
            repo.owner,
            repo.name,
            number,
            limit=MAX_COMMENTS,
        )

    async def create_issue_comment(self, repo: Repo, number: int, body: str) -> dict[str, Any]:
        response = await call(
            self._github.rest.issues.async_create_comment(
                repo.owner, repo.name, number, data={"body": body}
            )
        )
        return dict(response.json())

    async def update_issue_comment(self, repo: Repo, comment_id: int, body: str) -> dict[str, Any]:
        response = await call(
            self._github.rest.issues.async_update_comment(
                repo.owner, repo.name, comment_id, data={"body": body}
            )
        )
        return dict(response.json())

    async def delete_issue_comment(self, repo: Repo, comment_id: int) -> None:
        await call(self._github.rest.issues.async_delete_comment(repo.owner, repo.name, comment_id))
