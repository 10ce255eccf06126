"""The logs a pull request changes: the pull request, its config, and each changed log
read at the head commit, checked and matched against the diff.

`find_logs` reads at most one file per changed log (two when the base decides whether a
file is a log); everything between the reads is the pure core.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chronolog.app.config_cache import ConfigCache, ConfigRead
from chronolog.app.github import Installation, Repo
from chronolog.check import check_log
from chronolog.config import CONFIG_PATH, ConfigError, RepoConfig, parse_config
from chronolog.detect import MIN_HEADINGS, dated_headings, is_release_notes_name, looks_like_log
from chronolog.diff import FileDiff, PatchError, file_diff, parse_patch
from chronolog.model import Log
from chronolog.parse import LogDecodeError, decode_log, parse_log
from chronolog.report import MarkedFinding, mark_findings
from chronolog.rule import Context

MARKDOWN_SUFFIXES = (".md", ".markdown")
# A removed heading line in a patch: the base version may have been a log even if the head is not.
_REMOVED_HEADING = re.compile(r"^-#{1,6}\s", re.MULTILINE)
_CONTENTS_REF = re.compile(r"[?&]ref=([0-9a-f]{40})\b")


@dataclass(frozen=True)
class PullRequest:
    """What chronolog needs of a pull request, from a webhook or `GET /pulls/{n}`."""

    repo: Repo  # the base repository, where the check run goes
    number: int
    head_sha: str
    head_ref: str
    head_repo: str | None  # full name; None when the fork was deleted
    base_sha: str
    author: str
    default_branch: str
    maintainer_can_modify: bool
    web_url: str = ""  # the base repository's html_url: references and links use its host
    base_ref: str = ""  # the branch it merges into

    @classmethod
    def from_json(cls, pull: Mapping[str, Any]) -> PullRequest:
        base_repo = pull["base"]["repo"]
        head_repo = pull["head"].get("repo")
        return cls(
            repo=Repo.from_payload(base_repo),
            number=int(pull["number"]),
            head_sha=str(pull["head"]["sha"]),
            head_ref=str(pull["head"]["ref"]),
            head_repo=str(head_repo["full_name"]) if head_repo else None,
            base_sha=str(pull["base"]["sha"]),
            author=str(pull["user"]["login"]),
            default_branch=str(base_repo.get("default_branch") or pull["base"]["ref"]),
            maintainer_can_modify=bool(pull.get("maintainer_can_modify")),
            web_url=str(base_repo.get("html_url") or ""),
            base_ref=str(pull["base"]["ref"]),
        )

    @property
    def from_fork(self) -> bool:
        return self.head_repo != self.repo.full_name


@dataclass(frozen=True)
class CheckedLog:
    """One changed log at the head commit, checked and matched against the diff.

    `changed_lines` are the lines the pull request added (the rules' `Context` had them);
    `base_text` is the base version when the check read it (None otherwise, and for an
    added file); `patch` is GitHub's patch of the file, when it sent one.
    """

    path: str
    text: str
    log: Log
    diff: FileDiff
    marked: tuple[MarkedFinding, ...]
    changed_lines: frozenset[int] = frozenset()
    base_text: str | None = None
    patch: str | None = None


@dataclass(frozen=True)
class LogsOfPull:
    """The config and the changed logs of a pull request, with notes for the summary."""

    config: RepoConfig
    config_error: ConfigError | None
    logs: tuple[CheckedLog, ...]
    notes: tuple[str, ...]


async def read_config(
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
        return parse_config(decode_log(data, CONFIG_PATH)), None
    except ConfigError as error:
        return RepoConfig(), error
    except LogDecodeError as error:
        return RepoConfig(), ConfigError(str(error))


async def find_logs(
    gh: Installation,
    pr: PullRequest,
    config: RepoConfig,
    context: Context,
    files: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[tuple[CheckedLog, ...], tuple[str, ...]]:
    """Every log the pull request changes, read at its head commit and checked.

    A changed file is a log when `logs:` names it (or its old name); without `logs:`, when
    it is Markdown and looks like a log at the head (or at the base, read when the patch
    removed headings or is missing or unreadable, or when the head has dated headings but too few).
    Unreadable files are skipped with a note. Each log is checked with `context` narrowed
    to the lines the pull request added (`Context.changed_lines`). `files` is the pull
    request's files list when the caller already read it.
    """
    checked: list[CheckedLog] = []
    notes: list[str] = []
    if files is None:
        files = await gh.list_pull_files(pr.repo, pr.number)
    for entry in files:
        path = str(entry["filename"])
        previous = entry.get("previous_filename")
        if entry.get("status") == "removed":
            continue
        configured = config.matches_log_path(path)
        if configured is False and previous:
            configured = config.matches_log_path(str(previous))
        if configured is False or (configured is None and not path.endswith(MARKDOWN_SUFFIXES)):
            continue

        raw = await gh.read_file(pr.repo, path, pr.head_sha)
        if raw is None:
            notes.append(
                f"`{path}` could not be read at {pr.head_sha[:7]} (404), so it was skipped."
            )
            continue
        try:
            text = decode_log(raw, path)
        except LogDecodeError as error:
            notes.append(f"{error}; it was not checked.")
            continue

        base_text: str | None = None
        patch = _readable_patch(entry.get("patch"))
        parsed = parse_log(text)
        is_log = configured or looks_like_log(parsed, path=path)
        # Without `logs:`, a file is a log when its base *or* head looks like one. The
        # base is read only when it may decide that: the patch removed headings, or the
        # head has dated headings yet too few to count (undated ones were added), so that
        # ordinary Markdown costs no extra read.
        needs_base = entry.get("status") != "added" and (
            patch is None
            or (
                configured is None
                and (_removed_headings(patch) or (not is_log and _has_dated_headings(parsed, path)))
            )
        )
        if needs_base:
            base_text = await _read_base(gh, pr, str(previous or path))
        if not is_log and (base_text is None or not looks_like_log(base_text, path=path)):
            continue

        diff = file_diff(entry, base_text=base_text, head_text=text)
        changed = added_lines(diff, len(parsed.lines))
        in_review = dataclasses.replace(context, changed_lines=changed)
        findings = check_log(parsed, in_review, config.rules(), config.severities)
        marked = mark_findings(path, findings, diff)
        checked.append(
            CheckedLog(
                path,
                text,
                parsed,
                diff,
                tuple(marked),
                changed_lines=changed,
                base_text=base_text,
                patch=patch,
            )
        )
    return tuple(checked), tuple(notes)


def listed_head(files: Sequence[Mapping[str, Any]]) -> str | None:
    """The head commit a pull request's files list was made at (its `contents_url`s end in
    `?ref=<sha>`), or None for an empty list or an unexpected URL."""
    for entry in files:
        match = _CONTENTS_REF.search(str(entry.get("contents_url") or ""))
        if match:
            return match.group(1)
    return None


def added_lines(diff: FileDiff, line_count: int) -> frozenset[int]:
    """The new-side lines the pull request added: every line of an added file, else the
    added lines of the hunks (GitHub's, or those computed locally for an inexact diff)."""
    if diff.status == "added":
        return frozenset(range(1, line_count + 1))
    return frozenset(line for hunk in diff.hunks for line in hunk.added)


def _readable_patch(patch: object) -> str | None:
    """GitHub's patch if it sent one that parses; without one the diff is computed from
    the base and head texts, so the base must be read."""
    if not isinstance(patch, str):
        return None
    try:
        parse_patch(patch)
    except PatchError:
        return None
    return patch


def _removed_headings(patch: str) -> bool:
    return _REMOVED_HEADING.search(patch) is not None


def _has_dated_headings(log: Log, path: str) -> bool:
    """Whether the log has at least as many dated H2 headings as a log needs (it may
    still have too many undated ones to look like a log)."""
    return not is_release_notes_name(path) and dated_headings(log)[0] >= MIN_HEADINGS


async def _read_base(gh: Installation, pr: PullRequest, path: str) -> str | None:
    raw = await gh.read_file(pr.repo, path, pr.base_sha)
    if raw is None:
        return None
    try:
        return decode_log(raw, path)
    except LogDecodeError:
        return None
