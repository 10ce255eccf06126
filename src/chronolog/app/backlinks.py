"""Backlinks, the part that talks to GitHub: the push handler and the comments it syncs.

On a push to the default branch that changes a log, the log is read before and after the
push, and every issue or pull request whose comment would now say something different
gets its comment created, edited or deleted (`chronolog.backlinks` decides what; this
module fetches and writes). The preview a pull request's check run shows is in
`chronolog.app.backlink_preview`; the pacing of the writes in `chronolog.app.github`.

Each target is checked before anything is written: in scope, app installed on its
repository (each target repository is written to with its own installation's token),
repository not archived, issue found in that repository (not transferred) and not
locked. Skipped targets are logged with the reason; nothing here fails a push.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronolog.app.delivery import Delivery
from chronolog.app.github import GitHubApp, GitHubError, Installation, Repo
from chronolog.backlinks import (
    Action,
    BacklinkIndex,
    ExistingComment,
    LogSource,
    PlannedComment,
    Scope,
    Status,
    affected_targets,
    backlink_index,
    backlink_scope,
    plan_comment,
)
from chronolog.config import CONFIG_PATH, ConfigError, RepoConfig, parse_config
from chronolog.detect import is_markdown_path, looks_like_log
from chronolog.model import Log
from chronolog.parse import LogDecodeError, decode_log, parse_log
from chronolog.references import Reference, find_references, web_host

if TYPE_CHECKING:
    from chronolog.app.handlers import AppContext

log = logging.getLogger(__name__)

ZERO_SHA = "0" * 40


# ---- targets ----------------------------------------------------------------------------


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
        if _written_by_us(c, bot_login)
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


def _written_by_us(comment: Mapping[str, Any], bot_login: str | None) -> bool:
    """Only the app's own comments are edited or deleted, whatever marker others copy."""
    user = comment.get("user") or {}
    if bot_login is not None:
        return str(user.get("login", "")).lower() == bot_login.lower()
    return user.get("type") == "Bot"


async def bot_login(app: GitHubApp) -> str | None:
    """The login the app's comments carry (`<slug>[bot]`), or None if GitHub won't say."""
    try:
        info = await app.app_info()
    except GitHubError as error:
        log.warning("could not read the app's slug (%s); matching comments by bot type", error)
        return None
    slug = info.get("slug")
    return f"{slug}[bot]" if slug else None


# ---- the push handler --------------------------------------------------------------------


@dataclass(frozen=True)
class Push:
    """A push to a repository's default branch, from the `push` webhook payload."""

    repo: Repo
    web_url: str  # repository.html_url: links and references use its host
    default_branch: str
    before: str
    after: str
    forced: bool
    installation_id: int
    paths: frozenset[str]  # added, modified or removed by the pushed commits
    commits_complete: bool  # False when the payload may not list every commit

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Push | None:
        """The push, or None when it is not to the default branch or deletes it."""
        repository = payload.get("repository") or {}
        branch = str(repository.get("default_branch") or "")
        after = str(payload.get("after") or ZERO_SHA)
        installation = payload.get("installation") or {}
        if payload.get("ref") != f"refs/heads/{branch}" or after == ZERO_SHA:
            return None
        if "id" not in installation:
            return None
        commits = payload.get("commits") or []
        paths = {
            str(path)
            for commit in commits
            for key in ("added", "modified", "removed")
            for path in commit.get(key) or ()
        }
        before = str(payload.get("before") or ZERO_SHA)
        return cls(
            repo=Repo.from_payload(repository),
            web_url=str(repository.get("html_url") or ""),
            default_branch=branch,
            before=before,
            after=after,
            forced=bool(payload.get("forced")),
            installation_id=int(installation["id"]),
            paths=frozenset(paths),
            # GitHub lists at most 2048 commits (20 in older versions), and a push that
            # only drops commits (a force-push back) lists none.
            commits_complete=0 < len(commits) < 20 or before == ZERO_SHA,
        )


def pushes_default_branch(payload: Mapping[str, Any]) -> bool:
    """Whether a `push` payload moves the repository's default branch forward (or back)."""
    return Push.from_payload(payload) is not None


class BacklinksFailed(Exception):
    """Some backlinks of a push were not written because GitHub failed (a 5xx, a rate
    limit, no answer): the delivery counts as failed, so that its redelivery is processed."""


async def on_push(ctx: AppContext, delivery: Delivery) -> None:
    """The handler of `push` in the app's handler table.

    Raises `BacklinksFailed` after every target was tried when GitHub failed on some: the
    worker then forgets the delivery id, and a redelivery of the push writes them (a later
    push only syncs the targets whose entries it changes).
    """
    failed: list[GitHubError] = []
    await handle_push(ctx.github, delivery.payload, failed=failed)
    if failed:
        raise BacklinksFailed(
            f"{len(failed)} backlink(s) of push {delivery.id} not written: {failed[0]}"
        )


async def handle_push(
    app: GitHubApp, payload: Mapping[str, Any], *, failed: list[GitHubError] | None = None
) -> list[Outcome]:
    """The `push` webhook: update the backlinks of every log the push changed (GitHub's
    failures worth retrying are added to `failed`)."""
    push = Push.from_payload(payload)
    if push is None:
        return []
    async with app.installation(push.installation_id) as gh:
        return await post_backlinks(app, gh, push, failed=failed)


async def post_backlinks(
    app: GitHubApp,
    gh: Installation,
    push: Push,
    *,
    failed: list[GitHubError] | None = None,
) -> list[Outcome]:
    """Create, edit or delete the backlink comments a push to the default branch calls for.

    The comments are rendered from the branch's current head, not from `push.after`: when
    deliveries are processed out of order (two at once, or a late redelivery), an older
    push must not overwrite what a newer one wrote. Whatever order they come in, every
    delivery converges on the newest state.
    """
    head = await gh.branch_head(push.repo, push.default_branch) or push.after
    try:
        config = await read_config(gh, push.repo, head)
    except ConfigError as error:
        # The pull requests' checks report the error; no backlink until it is fixed.
        log.warning("%s: %s; no backlinks written", push.repo.full_name, error)
        return []
    if not config.backlinks.enabled:
        return []
    scope = backlink_scope(push.repo.full_name, config.backlinks.owners, config.backlinks.repos)
    host = web_host(push.web_url)
    login = await bot_login(app)
    outcomes: list[Outcome] = []
    async with AsyncExitStack() as stack:
        known = {push.repo.full_name: (push.installation_id, gh)}
        targets = Targets(app, scope, stack, known)
        for path in sorted(await changed_paths(gh, push)):
            old_text = await read_text(gh, push.repo, path, push.before)
            new_text = await read_text(gh, push.repo, path, head)
            if not is_log(config, path, old_text, new_text):
                continue
            old = index_text(old_text, host, push.repo.full_name, scope)
            new = index_text(new_text, host, push.repo.full_name, scope)
            source = LogSource(host, push.repo.full_name, path, push.default_branch, head)
            for target in affected_targets(old, new):
                outcome = await _sync_logged(source, target, new, targets, login, failed)
                outcomes.append(outcome)
    return outcomes


async def _sync_logged(
    source: LogSource,
    target: Reference,
    new: BacklinkIndex,
    targets: Targets,
    login: str | None,
    failed: list[GitHubError] | None,
) -> Outcome:
    try:
        outcome = await sync_target(source, target, new.get(target, ()), targets, bot_login=login)
    except GitHubError as error:
        outcome = Outcome(target, Status.FAILED, detail=str(error))
        log.warning("backlink from %s on %s failed: %s", source.path, target, error)
        if failed is not None and error.is_server_side:
            failed.append(error)
        return outcome
    log.info("backlink from %s:%s on %s", source.repo, source.path, outcome.describe())
    return outcome


async def read_config(gh: Installation, repo: Repo, ref: str) -> RepoConfig:
    """`.github/chronolog.yml` at `ref`; the defaults when there is none.

    An invalid file raises `ConfigError`: its defaults could turn on backlinks the file
    turns off, so nothing is written until it is fixed.
    """
    data = await gh.read_file(repo, CONFIG_PATH, ref)
    if data is None:
        return RepoConfig()
    try:
        return parse_config(decode_log(data, CONFIG_PATH))
    except LogDecodeError as error:
        raise ConfigError(str(error)) from None


async def changed_paths(gh: Installation, push: Push) -> set[str]:
    """The files the push changed: from its commits, and from GitHub's compare when the
    commit list may be incomplete or history was rewritten (both directions, so that files
    changed only by dropped commits count too)."""
    paths = set(push.paths)
    if push.commits_complete and not push.forced:
        return paths
    for base, head in ((push.before, push.after), (push.after, push.before)):
        if ZERO_SHA in (base, head):
            continue
        try:
            comparison = await gh.compare_commits(push.repo, base, head)
        except GitHubError as error:
            log.warning("compare %s...%s failed: %s", base[:7], head[:7], error)
            continue
        for item in (comparison or {}).get("files") or ():
            paths.add(str(item["filename"]))
            if item.get("previous_filename"):
                paths.add(str(item["previous_filename"]))
    return paths


async def read_text(gh: Installation, repo: Repo, path: str, ref: str) -> str | None:
    """The file's text at `ref`; None when absent, not UTF-8 or `ref` is the zero commit."""
    if ref == ZERO_SHA:
        return None
    data = await gh.read_file(repo, path, ref)
    if data is None:
        return None
    try:
        return decode_log(data, path)
    except LogDecodeError as error:
        log.warning("%s", error)
        return None


def is_log(config: RepoConfig, path: str, *texts: str | None) -> bool:
    """Whether `path` is a log: named by `logs:` in the config, or detected by its headings."""
    configured = config.matches_log_path(path)
    if configured is not None:
        return configured
    return is_markdown_path(path) and any(
        text is not None and looks_like_log(text, path=path) for text in texts
    )


def index_text(text: str | Log | None, host: str, repo: str, scope: Scope | None) -> BacklinkIndex:
    """The backlink index of a log, as text or parsed already (empty for no text)."""
    if text is None:
        return {}
    parsed = parse_log(text) if isinstance(text, str) else text
    return backlink_index(parsed, find_references(parsed, host=host, repo=repo), scope)
