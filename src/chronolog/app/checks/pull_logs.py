"""The reads of a pull request's check: its config from the default branch, and each changed
log at the head commit (and at the base when `chronolog.pull` says it is needed).

`read_changed_logs` reads at most one file per changed log (two when the base decides
whether a file is a log, or a patch is missing); `chronolog.pull` decides between reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chronolog.app.checks.config_cache import ConfigCache, ConfigRead
from chronolog.app.context import PullRequest
from chronolog.app.github import Installation
from chronolog.config import CONFIG_PATH, ConfigError, RepoConfig, parse_config_file
from chronolog.parse import LogDecodeError, decode_log, parse_log
from chronolog.pull import (
    CheckedLog,
    changes_config,
    check_changed_log,
    files_to_read,
    is_changed_log,
    needs_base,
    proposed_config_problems,
    unreadable_note,
)
from chronolog.rule import Context


async def read_pull_config(
    gh: Installation, pr: PullRequest, cache: ConfigCache | None = None
) -> ConfigRead:
    """The config from the default branch only, so a pull request cannot switch its check off.

    No file means the defaults; an invalid file means the defaults plus the error to report.
    With a `cache`, a read of the same repository and default branch is reused.
    """
    if cache is None:
        return await _read_config(gh, pr)
    return await cache.get(pr.repo.full_name, pr.default_branch, lambda: _read_config(gh, pr))


async def _read_config(gh: Installation, pr: PullRequest) -> ConfigRead:
    data = await gh.read_file(pr.repo, CONFIG_PATH, pr.default_branch)
    if data is None:
        return RepoConfig(), None
    try:
        return parse_config_file(data), None
    except ConfigError as error:
        return RepoConfig(), error


async def read_changed_logs(
    gh: Installation,
    pr: PullRequest,
    config: RepoConfig,
    context: Context,
    files: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[tuple[CheckedLog, ...], tuple[str, ...]]:
    """Every log the pull request changes, read at its head commit and checked, and the
    notes for the summary (files that could not be read are skipped with a note).

    Which files are logs, and whether a base must be read, is `chronolog.pull`'s to say.
    `files` is the pull request's files list when the caller already read it.
    """
    checked: list[CheckedLog] = []
    notes: list[str] = []
    if files is None:
        files = await gh.list_pull_files(pr.repo, pr.number)
    for changed in files_to_read(config, files):
        raw = await gh.read_file(pr.repo, changed.path, pr.head_sha)
        if raw is None:
            notes.append(unreadable_note(changed.path, pr.head_sha))
            continue
        try:
            text = decode_log(raw, changed.path)
        except LogDecodeError as error:
            notes.append(f"{error}; it was not checked.")
            continue
        head = parse_log(text)
        base_text: str | None = None
        if needs_base(changed, head):
            base_text = await _read_base(gh, pr, changed.previous_path or changed.path)
        if is_changed_log(changed, head, base_text):
            checked.append(
                check_changed_log(changed, text, head, base_text, config=config, context=context)
            )
    return tuple(checked), tuple(notes)


async def read_proposed_config(
    gh: Installation, pr: PullRequest, files: Sequence[Mapping[str, Any]]
) -> tuple[ConfigError, ...] | None:
    """The problems of the `.github/chronolog.yml` the pull request changes, read at its
    head commit (empty when valid); None when it does not change that file."""
    if not changes_config(files):
        return None
    data = await gh.read_file(pr.repo, CONFIG_PATH, pr.head_sha)
    return None if data is None else proposed_config_problems(data)


async def _read_base(gh: Installation, pr: PullRequest, path: str) -> str | None:
    raw = await gh.read_file(pr.repo, path, pr.base_sha)
    if raw is None:
        return None
    try:
        return decode_log(raw, path)
    except LogDecodeError:
        return None
