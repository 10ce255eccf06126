"""A pull request's check, decided: which changed files are logs, whether the base must be
read, what the check run says and what the review posts.

Pure functions over GitHub's JSON (the files list, a review comment's body) and texts the
shell read; the shell (`chronolog.app.checks`) only reads and writes. The order of a check:
`files_to_read(config, files)` names the files worth reading at the head; for each,
`needs_base` says whether the base must be read too, `is_changed_log` whether it is a log,
and `check_changed_log` checks it against the diff. Then `suggestion_candidates` and
`review_plan`
say which suggestions are new, and `check_run_output` renders the run.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chronolog.check import check_log
from chronolog.check_output import CheckRunOutput, MarkedFinding, mark_findings, render_check_run
from chronolog.config import (
    CONFIG_PATH,
    ConfigError,
    RepoConfig,
    config_size_problem,
    validate_config_text,
)
from chronolog.detect import (
    MIN_HEADINGS,
    dated_headings,
    is_markdown_path,
    is_release_notes_name,
    looks_like_log,
)
from chronolog.diff import FileDiff, PatchError, file_diff, parse_patch
from chronolog.fix_buttons import SafeFixes
from chronolog.fixes import on_changed_lines
from chronolog.model import Applicability, Log
from chronolog.parse import LogDecodeError, decode_log
from chronolog.rule import Context
from chronolog.stats import summarize_added
from chronolog.suggestions import (
    ReviewComment,
    fingerprints_in,
    review_request,
    suggestible_fingerprints,
)
from chronolog.suggestions import suggestion_comments as file_suggestions

# A removed heading line in a patch: the base version may have been a log even if the head is not.
_REMOVED_HEADING = re.compile(r"^-#{1,6}\s", re.MULTILINE)
_CONTENTS_REF = re.compile(r"[?&]ref=([0-9a-f]{40})\b")


@dataclass(frozen=True)
class ChangedFile:
    """One entry of a pull request's files list that may hold a log, worth reading.

    `configured` is True when `logs:` names the file (or its old name), None when there is
    no `logs:` (then its headings decide); `patch` is GitHub's patch when it sent one that
    parses; `entry` is the files list's item, as GitHub sent it.
    """

    path: str
    previous_path: str | None
    status: str
    configured: bool | None
    patch: str | None
    entry: Mapping[str, Any] = field(compare=False, repr=False)


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
    """The config and the changed logs of a pull request, with notes for the summary.

    `proposed` holds the problems of the `.github/chronolog.yml` the pull request changes
    (empty when it is valid), None when it does not change that file.
    """

    config: RepoConfig
    config_error: ConfigError | None
    logs: tuple[CheckedLog, ...]
    notes: tuple[str, ...]
    proposed: tuple[ConfigError, ...] | None = None


@dataclass(frozen=True)
class ReviewPlan:
    """What the review posts: `request` (the body of `POST /pulls/{n}/reviews`, None for
    no review) and how many suggestions were already on the pull request."""

    request: dict[str, Any] | None
    already_posted: int

    @property
    def posted(self) -> int:
        """The suggestions on the pull request once `request` is posted."""
        return self.already_posted + len((self.request or {}).get("comments", []))


def files_to_read(
    config: RepoConfig, files: Iterable[Mapping[str, Any]]
) -> tuple[ChangedFile, ...]:
    """The changed files that may be logs, in the list's order: not removed, and named by
    `logs:` (or their old name), or, without `logs:`, Markdown (`.md`, `.markdown`, in
    any case: `chronolog.detect.is_markdown_path`, as the CLI and the backlinks test)."""
    found: list[ChangedFile] = []
    for entry in files:
        path = str(entry["filename"])
        previous = entry.get("previous_filename")
        if entry.get("status") == "removed":
            continue
        configured = config.matches_log_path(path)
        if configured is False and previous:
            configured = config.matches_log_path(str(previous))
        if configured is False or (configured is None and not is_markdown_path(path)):
            continue
        found.append(
            ChangedFile(
                path,
                str(previous) if previous else None,
                str(entry.get("status") or ""),
                configured,
                _readable_patch(entry.get("patch")),
                entry,
            )
        )
    return tuple(found)


def changes_config(files: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the pull request adds, edits or renames a file to `.github/chronolog.yml`
    (then its own check validates the head version; the verdict still uses the default
    branch's config, so that a pull request cannot switch its own check off)."""
    return any(
        entry.get("filename") == CONFIG_PATH and entry.get("status") != "removed" for entry in files
    )


def proposed_config_problems(data: bytes) -> tuple[ConfigError, ...]:
    """Every problem of the pull request's version of the config (`config.validate_config_text`),
    or the one that it is not UTF-8 or too big to read; empty when it is valid."""
    if (too_big := config_size_problem(data)) is not None:
        return (too_big,)
    try:
        text = decode_log(data, CONFIG_PATH)
    except LogDecodeError as error:
        return (ConfigError(str(error).removeprefix(f"{CONFIG_PATH}: ")),)
    return validate_config_text(text)


def needs_base(changed: ChangedFile, head: Log) -> bool:
    """Whether the base version must be read: to compute the diff (no usable patch), or,
    without `logs:`, when it may decide that the file is a log (the patch removed headings,
    or the head has dated headings yet too few to count), so that ordinary Markdown costs
    no extra read. Never for an added file."""
    if changed.status == "added":
        return False
    if changed.patch is None:
        return True
    if changed.configured is not None:
        return False
    return _REMOVED_HEADING.search(changed.patch) is not None or (
        not looks_like_log(head, path=changed.path) and _has_dated_headings(head, changed.path)
    )


def is_changed_log(changed: ChangedFile, head: Log, base_text: str | None) -> bool:
    """Whether the file is a log: `logs:` names it, or its head or base looks like one."""
    if changed.configured or looks_like_log(head, path=changed.path):
        return True
    return base_text is not None and looks_like_log(base_text, path=changed.path)


def check_changed_log(
    changed: ChangedFile,
    text: str,
    head: Log,
    base_text: str | None,
    *,
    config: RepoConfig,
    context: Context,
) -> CheckedLog:
    """Check the log at the head with `context` narrowed to the lines the pull request
    added, and mark its findings against the diff."""
    diff = file_diff(changed.entry, base_text=base_text, head_text=text)
    added = diff.added_lines(len(head.lines))
    in_review = dataclasses.replace(context, changed_lines=added)
    findings = check_log(head, in_review, config.rules(), config.severities)
    return CheckedLog(
        changed.path,
        text,
        head,
        diff,
        mark_findings(changed.path, findings, diff),
        changed_lines=added,
        base_text=base_text,
        patch=changed.patch,
    )


def unreadable_note(path: str, head_sha: str) -> str:
    """The summary's note for a changed file GitHub would not serve (404)."""
    return f"`{path}` could not be read at {head_sha[:7]} (404), so it was skipped."


def listed_head(files: Sequence[Mapping[str, Any]]) -> str | None:
    """The head commit a pull request's files list was made at (its `contents_url`s end in
    `?ref=<sha>`), or None for an empty list or an unexpected URL."""
    for entry in files:
        match = _CONTENTS_REF.search(str(entry.get("contents_url") or ""))
        if match:
            return match.group(1)
    return None


def moved_on(files: Sequence[Mapping[str, Any]], head_sha: str) -> str | None:
    """The newer head the files list was made at, when the pull request moved on from
    `head_sha` while it was being checked; None otherwise."""
    head = listed_head(files)
    return head if head is not None and head != head_sha else None


def moved_on_note(moved_to: str, head_sha: str) -> str:
    """Why no suggestions were posted: another delivery checks the newer head and posts
    its own; these would land on lines that may have changed since."""
    return (
        f"The pull request's head moved on to {moved_to[:7]} while {head_sha[:7]} "
        "was being checked, so no suggestions were posted for this commit."
    )


def safe_fixes(logs: Iterable[CheckedLog]) -> SafeFixes:
    """How many findings carry a safe fix: on the lines the pull request added or changed
    (what **Fix my lines** commits), and in all (what **Fix whole log** commits)."""
    my_lines = whole_log = 0
    for checked in logs:
        for marked in checked.marked:
            fix = marked.finding.fix
            if fix is None or fix.applicability is not Applicability.SAFE:
                continue
            whole_log += 1
            my_lines += on_changed_lines(marked.finding, checked.changed_lines)
    return SafeFixes(my_lines=my_lines, whole_log=whole_log)


def suggestion_candidates(
    logs: Iterable[CheckedLog], posted_before: frozenset[str] = frozenset()
) -> list[ReviewComment]:
    """The suggestions the logs' findings make, in order of logs, leaving out every fix
    whose fingerprint is in `posted_before` (suggested already)."""
    return [
        comment
        for checked in logs
        for comment in file_suggestions(
            checked.path, checked.log, checked.marked, checked.diff, already_posted=posted_before
        )
    ]


def review_plan(
    logs: Sequence[CheckedLog],
    posted_bodies: Iterable[str],
    *,
    head_sha: str,
    safe_fixes: SafeFixes,
) -> ReviewPlan:
    """The review of the suggestions the logs make that are not yet among `posted_bodies`
    (the pull request's review comments, as far as they were read), regrouped without the
    fixes suggested before; its body ends by saying what each button commits (`safe_fixes`).
    """
    bodies = list(posted_bodies)
    posted_before = fingerprints_in(bodies)
    new = suggestion_candidates(logs, posted_before)
    request = review_request(new, commit_id=head_sha, safe_fixes=safe_fixes)
    # The suggestions already there: the comments that carry a fix the logs still have.
    current = frozenset().union(
        *(suggestible_fingerprints(c.path, c.log, c.marked, c.diff) for c in logs)
    )
    already = sum(not current.isdisjoint(fingerprints_in([body])) for body in bodies)
    return ReviewPlan(request, already)


def review_refused_note(answer: str) -> str:
    """The summary's note when GitHub refused the review (`answer` is what it said)."""
    return (
        f"The suggested fixes could not be posted as review comments: GitHub answered "
        f"{answer}. The buttons of this check run still commit the safe ones."
    )


def check_run_output(
    found: LogsOfPull, *, suggestions_posted: int, sections: Sequence[str]
) -> CheckRunOutput:
    """The completed check run of the pull request's head commit, annotated as the
    config's `annotations:` says, its summary saying what the added entries add."""
    return render_check_run(
        [finding for checked in found.logs for finding in checked.marked],
        logs_checked=[checked.path for checked in found.logs],
        config_error=found.config_error,
        safe_fixes=safe_fixes(found.logs),
        suggestions_posted=suggestions_posted,
        extra_sections=sections,
        annotate=found.config.annotations,
        adds=added_entries_line(found.logs),
        proposed_config=found.proposed,
    )


def added_entries_line(logs: Sequence[CheckedLog]) -> str | None:
    """One line on what the entries the pull request added add (entries, support time,
    people: `stats.summarize_added`), prefixed with each log's path when several logs got
    entries; None when it added no entry."""
    lines = [
        (checked.path, line)
        for checked in logs
        if (line := summarize_added(checked.log, checked.changed_lines)) is not None
    ]
    if len(lines) == 1:
        return lines[0][1]
    return " ".join(f"`{path}`: {line}" for path, line in lines) or None


def not_checked_output(title: str, detail: str) -> CheckRunOutput:
    """A neutral run saying the logs were not checked, why, and to use Re-run."""
    summary = (
        f"**{title}**, so the logs in this pull request were not checked.\n\n"
        + (f"{detail}\n\n" if detail else "")
        + "This is not a problem in your log. Use **Re-run** on this check to try again; "
        "the check is neutral meanwhile so that it does not block the pull request."
    )
    return CheckRunOutput(
        conclusion="neutral",
        title="Not checked: GitHub's API failed" if "GitHub" in title else "Not checked",
        summary=summary,
        text=None,
        annotations=(),
        actions=(),
    )


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


def _has_dated_headings(log: Log, path: str) -> bool:
    """Whether the log has at least as many dated H2 headings as a log needs (it may
    still have too many undated ones to look like a log)."""
    return not is_release_notes_name(path) and dated_headings(log)[0] >= MIN_HEADINGS
