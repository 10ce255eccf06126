"""Backlinks on a push to the default branch: the log is read before and after the push,
and every issue or pull request whose comment would now say something different gets its
comment created, edited or deleted (`comments.sync_target`). Skipped targets are logged
with the reason; GitHub's failures worth retrying fail the delivery (`BacklinksFailed`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from chronolog.app.backlinks.comments import Outcome, Targets, sync_target
from chronolog.app.github import GitHubApp, GitHubError, GitHubUnavailable, Installation, Repo
from chronolog.backlinks import (
    BacklinkIndex,
    LogSource,
    Status,
    affected_targets,
    backlink_scope,
    index_log,
)
from chronolog.config import CONFIG_PATH, ConfigError, RepoConfig, parse_config_file
from chronolog.detect import is_log_file
from chronolog.parse import LogDecodeError, decode_log
from chronolog.references import Reference, web_host

log = logging.getLogger(__name__)

ZERO_SHA = "0" * 40


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
        config = await read_config_at(gh, push.repo, head)
    except ConfigError as error:
        # The pull requests' checks report the error; no backlink until it is fixed.
        log.warning("%s: %s; no backlinks written", push.repo.full_name, error)
        return []
    if not config.backlinks.enabled:
        return []
    scope = backlink_scope(push.repo.full_name, config.backlinks.owners, config.backlinks.repos)
    host = web_host(push.web_url)
    login = await app.bot_login()
    if login is None:
        # Without it any bot's comment would pass for the app's, and could be edited or
        # deleted: write nothing, try later.
        raise GitHubUnavailable(None, "could not read the app's login (GET /app failed)")
    outcomes: list[Outcome] = []
    async with AsyncExitStack() as stack:
        known = {push.repo.full_name: (push.installation_id, gh)}
        targets = Targets(app, scope, stack, known)
        for path in sorted(await changed_paths(gh, push)):
            old_text = await read_text(gh, push.repo, path, push.before)
            new_text = await read_text(gh, push.repo, path, head)
            if not is_log_file(config, path, old_text, new_text):
                continue
            old = index_log(old_text, host, push.repo.full_name, scope)
            new = index_log(new_text, host, push.repo.full_name, scope)
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


async def read_config_at(gh: Installation, repo: Repo, ref: str) -> RepoConfig:
    """`.github/chronolog.yml` at `ref`; the defaults when there is none.

    An invalid file raises `ConfigError`: its defaults could turn on backlinks the file
    turns off, so nothing is written until it is fixed.
    """
    data = await gh.read_file(repo, CONFIG_PATH, ref)
    return RepoConfig() if data is None else parse_config_file(data)


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
