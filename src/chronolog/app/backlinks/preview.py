"""The backlink preview of a pull request: what its merge will link, as a check-run section.

It reuses what the check read (`chronolog.pull.CheckedLog`) and looks each target up the
way a push would (`chronolog.app.backlinks.comments.Targets`), at most
`MAX_PREVIEW_LOOKUPS` of them.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from chronolog.app.backlinks.comments import Targets
from chronolog.app.context import PullRequest, SectionBuilder
from chronolog.app.github import GitHubApp, GitHubError, Installation, Repo
from chronolog.backlinks import (
    BacklinkIndex,
    EntryLink,
    PreviewItem,
    Status,
    affected_targets,
    backlink_scope,
    index_log,
    render_preview,
)
from chronolog.config import RepoConfig
from chronolog.diff import base_from_patch
from chronolog.model import Log
from chronolog.pull import CheckedLog, LogsOfPull
from chronolog.references import Reference, web_host

log = logging.getLogger(__name__)

# The preview looks up at most this many targets (each costs a REST call or three).
MAX_PREVIEW_LOOKUPS = 10


@dataclass(frozen=True)
class ChangedLog:
    """One log a pull request changes, as its check read it: the preview reads nothing.

    `base_text` is the base version (None for a new file). When it is not known
    (`base_known` False), the entries with a line in `changed_lines` (the lines the pull
    request added) are the ones whose backlinks the merge would rewrite.
    """

    path: str
    head_text: str
    base_text: str | None = None
    base_known: bool = True
    changed_lines: frozenset[int] = frozenset()
    head_log: Log | None = None  # `head_text` parsed, when the check parsed it already

    @classmethod
    def from_checked(cls, checked: CheckedLog) -> ChangedLog:
        """The log as the check left it; the base is rebuilt from GitHub's patch when the
        check did not need to read it."""
        if checked.base_text is not None or checked.diff.status == "added":
            return cls(checked.path, checked.text, checked.base_text, head_log=checked.log)
        if checked.patch is not None and checked.diff.exact:
            base = base_from_patch(checked.text, checked.patch)
            if base is not None:
                return cls(checked.path, checked.text, base, head_log=checked.log)
        return cls(
            checked.path, checked.text, None, False, checked.changed_lines, head_log=checked.log
        )


def preview_section(app: GitHubApp) -> SectionBuilder:
    """The check run's backlink preview, as a section builder for `check_pull_request`.

    It reuses what the check read (the logs at the head, and at the base when the check
    read them) and takes the web host from the pull request: a preview of entries that
    reference nothing new costs no REST call.
    """

    async def build(gh: Installation, pr: PullRequest, found: LogsOfPull) -> str | None:
        if found.config_error is not None or not found.logs:
            return None
        if pr.base_ref and pr.base_ref != pr.default_branch:
            if not found.config.backlinks.enabled:
                return None
            # Merging into another branch writes no backlink: nothing "will be linked".
            return (
                "### Backlinks\n\nBacklinks are written when entries reach the default "
                f"branch `{pr.default_branch}`; this pull request merges into "
                f"`{pr.base_ref}`, so its merge links nothing yet."
            )
        changed = [ChangedLog.from_checked(checked) for checked in found.logs]
        return await backlink_preview(
            app, gh, pr.repo, changed, found.config, web_url=pr.web_url or None
        )

    return build


async def backlink_preview(
    app: GitHubApp,
    gh: Installation,
    repo: Repo,
    changed_logs: Iterable[ChangedLog],
    config: RepoConfig,
    *,
    web_url: str | None = None,
) -> str | None:
    """The check-run section "On merge, chronolog will link back from: ..." or None.

    Each target whose comment the merge would change is listed with what will happen; at
    most `MAX_PREVIEW_LOOKUPS` targets are looked up (the rest say "not checked yet").
    `web_url` is the repository's web address (`GET /repos/{o}/{r}` when not given).
    """
    if not config.backlinks.enabled:
        return None
    scope = backlink_scope(repo.full_name, config.backlinks.owners, config.backlinks.repos)
    sections: list[str] = []
    async with AsyncExitStack() as stack:
        known: dict[str, tuple[int, Installation]] = {}
        if gh.installation_id is not None:
            known[repo.full_name] = (gh.installation_id, gh)
        repositories: dict[str, dict[str, Any]] = {}
        if web_url is not None:
            # A pull request's own repository is not archived: an archived one takes no
            # pushes. Its issues are still looked up one by one.
            repositories[repo.full_name] = {"html_url": web_url, "archived": False}
        targets = Targets(app, scope, stack, known, repositories)
        if web_url is None:
            repository = await targets.repository(gh, repo)
            web_url = str((repository or {}).get("html_url") or "https://github.com")
        host = web_host(web_url)
        looked_up = 0
        for changed in changed_logs:
            new = index_log(changed.head_log or changed.head_text, host, repo.full_name, None)
            if changed.base_known:
                old = index_log(changed.base_text, host, repo.full_name, None)
            else:
                old = _without_entries_at(new, changed.changed_lines)
            items: list[PreviewItem] = []
            for target in affected_targets(old, new):
                if target not in scope:
                    if target in new:
                        items.append(PreviewItem(target, Status.OUT_OF_SCOPE))
                    continue
                if target not in new:
                    items.append(PreviewItem(target, Status.UNLINK))
                    continue
                if looked_up >= MAX_PREVIEW_LOOKUPS:
                    items.append(PreviewItem(target, Status.NOT_CHECKED))
                    continue
                looked_up += 1
                try:
                    access = await targets.access(target)
                    status = access.status
                except GitHubError as error:
                    log.warning("preview lookup of %s failed: %s", target, error)
                    status = Status.NOT_CHECKED
                items.append(PreviewItem(_with_kind(target, new), status))
            section = render_preview(host, changed.path, items, scope)
            if section:
                sections.append(section)
    return "\n\n".join(sections) or None


def _without_entries_at(index: BacklinkIndex, lines: frozenset[int]) -> BacklinkIndex:
    """`index` without the entries that have one of `lines`: what the base said, as far as
    the diff can tell without reading it."""
    ordered = sorted(lines)

    def touched(link: EntryLink) -> bool:
        first = bisect.bisect_left(ordered, link.start_line)
        return first < len(ordered) and ordered[first] <= link.end_line

    return {
        target: tuple(link for link in links if not touched(link))
        for target, links in index.items()
    }


def _with_kind(target: Reference, index: BacklinkIndex) -> Reference:
    """The target as the index has it (the index's key keeps the URL's kind)."""
    return next((key for key in index if key == target), target)
