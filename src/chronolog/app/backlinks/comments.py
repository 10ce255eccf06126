"""Backlink comments, one target at a time: where chronolog may comment (`Targets`, one
client per installation) and `sync_target`, which makes one target's comment match a log.

Each target is checked before anything is written: in scope, app installed on its
repository (each target repository is written to with its own installation's token),
repository not archived, issue found in that repository (not transferred) and not
locked. What the comment says is `chronolog.backlinks`'s to decide; this module fetches
and writes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from chronolog.app.github import GitHubApp, GitHubError, Installation, Repo, written_by_app
from chronolog.backlinks import (
    Action,
    ExistingComment,
    LogSource,
    PlannedComment,
    Scope,
    Status,
    plan_comment,
)
from chronolog.handover import State
from chronolog.references import Reference

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to one target: its status and the comment actions taken (or planned)."""

    target: Reference
    status: Status
    actions: tuple[Action, ...] = ()
    detail: str = ""

    def describe(self) -> str:
        done = ", ".join(action.value for action in self.actions) or "nothing to do"
        text = f"{self.target}: {done}" if self.status is Status.LINK else f"{self.target}: "
        if self.status is not Status.LINK:
            text += self.status.value
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(frozen=True)
class Access:
    status: Status
    gh: Installation | None = None
    detail: str = ""


class Targets:
    """Where chronolog may comment, looked up once per repository, with one client each.

    Clients are opened on `stack` and closed with it. `known` seeds the lookups with the
    log repository's own installation, which needs no lookup; `repositories` seeds
    `GET /repos/{o}/{r}` answers already known (by lowercased full name).
    """

    def __init__(
        self,
        app: GitHubApp,
        scope: Scope,
        stack: AsyncExitStack,
        known: Mapping[str, tuple[int, Installation]] = {},
        repositories: Mapping[str, dict[str, Any]] = {},
    ) -> None:
        self.app = app
        self.scope = scope
        self._stack = stack
        self._installations: dict[str, int | None] = {
            name.lower(): installation_id for name, (installation_id, _) in known.items()
        }
        self._clients: dict[int, Installation] = dict(known.values())
        self._repos: dict[str, dict[str, Any] | None] = {
            name.lower(): dict(repository) for name, repository in repositories.items()
        }
        self._states: dict[tuple[str, str, int], State | None] = {}
        self.lookups = 0

    async def client(self, repo: Repo) -> Installation | None:
        """The client of the installation on `repo`, or None when the app is not there."""
        name = repo.full_name.lower()
        if name not in self._installations:
            self.lookups += 1
            self._installations[name] = await self.app.repository_installation(repo)
        installation_id = self._installations[name]
        if installation_id is None:
            return None
        if installation_id not in self._clients:
            gh = await self._stack.enter_async_context(self.app.installation(installation_id))
            self._clients[installation_id] = gh
        return self._clients[installation_id]

    async def repository(self, gh: Installation, repo: Repo) -> dict[str, Any] | None:
        """`GET /repos/{o}/{r}` (None on 404), once per repository."""
        name = repo.full_name.lower()
        if name not in self._repos:
            self._repos[name] = await _get_or_none(gh.get_repo(repo))
        return self._repos[name]

    async def access(self, target: Reference) -> Access:
        """Whether a comment may be written on `target`, and with which client."""
        if target not in self.scope:
            return Access(Status.OUT_OF_SCOPE, detail=f"scope: {self.scope.describe()}")
        repo = Repo(target.owner, target.repo)
        gh = await self.client(repo)
        if gh is None:
            return Access(Status.NOT_INSTALLED)
        repository = await self.repository(gh, repo)
        if repository is None:
            return Access(Status.NOT_FOUND, detail="repository not found")
        if repository.get("archived"):
            return Access(Status.ARCHIVED)
        issue = await _get_or_none(gh.get_issue(repo, target.number))
        if issue is None:
            return Access(Status.NOT_FOUND)
        if not _same_repository(issue, target):
            moved = str(issue.get("html_url") or issue.get("repository_url") or "elsewhere")
            return Access(Status.TRANSFERRED, detail=f"now {moved}")
        if issue.get("locked"):
            return Access(Status.LOCKED)
        return Access(Status.LINK, gh)

    async def state(self, target: Reference) -> State | None:
        """Whether `target` is `open` or `closed`, or `missing` (404/410, or transferred);
        None when the app is not installed on its repository. Asked once per target,
        through the same installation lookups and clients as the comments (for the
        report's handover)."""
        if target.key not in self._states:
            self._states[target.key] = await self._look_up_state(target)
        return self._states[target.key]

    async def _look_up_state(self, target: Reference) -> State | None:
        repo = Repo(target.owner, target.repo)
        gh = await self.client(repo)
        if gh is None:
            return None
        issue = await _get_or_none(gh.get_issue(repo, target.number))
        if issue is None or not _same_repository(issue, target):
            return "missing"
        return "open" if issue.get("state") == "open" else "closed"


async def _get_or_none(call: Awaitable[dict[str, Any]]) -> dict[str, Any] | None:
    try:
        data = await call
    except GitHubError as error:
        # 404: missing or invisible to this installation; 410: the issue was deleted.
        if error.status in (404, 410):
            return None
        raise
    return dict(data) if isinstance(data, dict) else None


def _same_repository(issue: Mapping[str, Any], target: Reference) -> bool:
    """False when GitHub redirected to an issue that now lives in another repository."""
    location = str(issue.get("repository_url") or "")
    if location:
        return location.lower().endswith(f"/repos/{target.full_name.lower()}")
    html_url = str(issue.get("html_url") or "").lower()
    return f"/{target.full_name.lower()}/" in html_url or not html_url


_WRITE_REFUSALS = {
    "locked": Status.LOCKED,
    "archived": Status.ARCHIVED,
}


async def sync_target(
    source: LogSource,
    target: Reference,
    links: Sequence[Any],
    targets: Targets,
    *,
    bot_login: str | None,
    dry_run: bool = False,
) -> Outcome:
    """Make the backlink comment of `source` on `target` match `links` (or remove it).

    With `dry_run`, reads what is there and returns the actions it would take.
    """
    access = await targets.access(target)
    if access.gh is None:
        return Outcome(target, access.status, detail=access.detail)
    gh = access.gh
    comments = await gh.list_issue_comments(Repo(target.owner, target.repo), target.number)
    existing = [
        ExistingComment(int(c["id"]), str(c.get("body") or ""))
        for c in comments
        if written_by_app(c, bot_login)
    ]
    steps = plan_comment(source, target, links, existing)
    actions = tuple(step.action for step in steps)
    if dry_run:
        return Outcome(target, Status.LINK, actions, detail="dry run")
    for step in steps:
        request = _comment_request(gh, target, step)
        if request is None:
            continue
        try:
            await request
        except GitHubError as error:
            refused = next(
                (s for word, s in _WRITE_REFUSALS.items() if word in error.message.lower()), None
            )
            if error.status == 403 and refused is not None:
                return Outcome(target, refused, detail=str(error))
            if error.status in (404, 410):
                return Outcome(target, Status.NOT_FOUND, detail=str(error))
            raise
    return Outcome(target, Status.LINK, actions)


def _comment_request(
    gh: Installation, target: Reference, step: PlannedComment
) -> Awaitable[object] | None:
    """The REST call that carries out one step of a plan (None for "unchanged")."""
    repo = Repo(target.owner, target.repo)
    if step.action is Action.CREATE:
        return gh.create_issue_comment(repo, target.number, step.body or "")
    if step.comment_id is None:
        return None
    if step.action is Action.UPDATE:
        return gh.update_issue_comment(repo, step.comment_id, step.body or "")
    if step.action is Action.DELETE:
        return gh.delete_issue_comment(repo, step.comment_id)
    return None
