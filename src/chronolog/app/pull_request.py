"""The check run of one pull-request head commit: find the logs, check them, report.

The flow, each step one REST call at most: read `.github/chronolog.yml` from the default
branch (or take it from the app's config cache), list the changed files, read each changed
log at the head commit, look up an earlier run of ours on that commit (not on a
`synchronize`), read the suggestions already posted (not on a pull request just opened with
no earlier run), post the new ones as one review, publish one completed check run
(annotations beyond the first 50 follow in PATCHes of 50). Everything between the calls is
the pure core.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chronolog.app.config_cache import ConfigCache, ConfigRead
from chronolog.app.github import GitHubError, Installation, Repo
from chronolog.check import check_log
from chronolog.config import CONFIG_PATH, ConfigError, RepoConfig, parse_config
from chronolog.detect import MIN_HEADINGS, is_release_notes_name, looks_like_log, starts_with_date
from chronolog.diff import FileDiff, PatchError, file_diff, parse_patch
from chronolog.model import Applicability, Log
from chronolog.parse import LogDecodeError, decode_log, parse_log
from chronolog.report import (
    CheckRunOutput,
    MarkedFinding,
    annotation_batches,
    mark_findings,
    render_check_run,
)
from chronolog.rule import Context, latest_current_date
from chronolog.suggestions import fingerprints_in, review_request, suggestion_comments

log = logging.getLogger(__name__)

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


# Extra summary sections (issue 4's backlink preview plugs in here).
SectionBuilder = Callable[[Installation, PullRequest, LogsOfPull], Awaitable[str | None]]


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
        is_log = configured or looks_like_log(text, path=path)
        # Without `logs:`, a file is a log when its base *or* head looks like one. The
        # base is read only when it may decide that: the patch removed headings, or the
        # head has dated headings yet too few to count (undated ones were added), so that
        # ordinary Markdown costs no extra read.
        needs_base = entry.get("status") != "added" and (
            patch is None
            or (
                configured is None
                and (_removed_headings(patch) or (not is_log and _has_dated_headings(text, path)))
            )
        )
        if needs_base:
            base_text = await _read_base(gh, pr, str(previous or path))
        if not is_log and (base_text is None or not looks_like_log(base_text, path=path)):
            continue

        diff = file_diff(entry, base_text=base_text, head_text=text)
        parsed = parse_log(text)
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


def _has_dated_headings(text: str, path: str) -> bool:
    """Whether the text has at least as many dated H2 headings as a log needs (it may
    still have too many undated ones to look like a log)."""
    if is_release_notes_name(path):
        return False
    headings = [h for h in parse_log(text).headings if h.level == 2 and not h.nested]
    return sum(1 for h in headings if starts_with_date(h.text)) >= MIN_HEADINGS


async def _read_base(gh: Installation, pr: PullRequest, path: str) -> str | None:
    raw = await gh.read_file(pr.repo, path, pr.base_sha)
    if raw is None:
        return None
    try:
        return decode_log(raw, path)
    except LogDecodeError:
        return None


@dataclass(frozen=True)
class CheckResult:
    """What was published: the check run's id and output, and how suggestions went."""

    check_run_id: int | None
    output: CheckRunOutput
    suggestions_posted: int
    reused: bool  # an identical run already existed; nothing was written


async def check_pull_request(
    gh: Installation,
    pr: PullRequest,
    *,
    app_id: int,
    event_time: dt.datetime,
    look_for_existing: bool = True,
    look_for_suggestions: bool = True,
    section_builders: Sequence[SectionBuilder] = (),
    config_cache: ConfigCache | None = None,
) -> CheckResult:
    """Check the logs of `pr` at its head commit and publish one completed check run.

    With `look_for_existing`, a run of the same name this app already made on the head
    commit is looked up first: if its result is the same, nothing is written (a redelivery);
    if not, a new run supersedes it (GitHub shows the newest run of a name; a PATCH would
    append annotations to the old ones). With `look_for_suggestions`, the pull request's
    review comments are read so that no suggestion is posted twice; without it (a pull
    request just opened has none of ours) every suggestion is posted, unless the look-up
    found a run of ours on the head commit (then the comments are read after all). When
    the files list shows the head moved on meanwhile, no suggestions are posted. GitHub failures end
    in a "neutral" run that says to re-run the check; if even that cannot be published,
    the error is logged. The config comes from `config_cache` when given.
    """
    name = RepoConfig().check_name
    try:
        config, config_error = await read_config(gh, pr, config_cache)
        name = config.check_name
        return await _check(
            gh,
            pr,
            config,
            config_error,
            app_id,
            event_time,
            look_for_existing,
            look_for_suggestions,
            section_builders,
        )
    except GitHubError as error:
        log.warning("checking %s#%d failed: %s", pr.repo.full_name, pr.number, error)
        output = _failed_output(
            "GitHub's API failed while chronolog was reading this pull request",
            f"GitHub answered: {error}.",
        )
    except Exception:
        log.exception("checking %s#%d failed", pr.repo.full_name, pr.number)
        output = _failed_output(
            "chronolog hit an internal error", "The error was logged on the chronolog server."
        )
    try:
        run = await gh.create_check_run(pr.repo, _run_body(name, pr.head_sha, output, []))
    except GitHubError as error:
        log.error(
            "could not publish the check run on %s@%s: %s", pr.repo.full_name, pr.head_sha, error
        )
        return CheckResult(None, output, 0, reused=False)
    return CheckResult(int(run["id"]), output, 0, reused=False)


def _failed_output(title: str, detail: str) -> CheckRunOutput:
    summary = (
        f"**{title}**, so the logs in this pull request were not checked.\n\n{detail}\n\n"
        "This is not a problem in your log. Use **Re-run** on this check to try again; "
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


async def _check(
    gh: Installation,
    pr: PullRequest,
    config: RepoConfig,
    config_error: ConfigError | None,
    app_id: int,
    event_time: dt.datetime,
    look_for_existing: bool,
    look_for_suggestions: bool,
    section_builders: Sequence[SectionBuilder],
) -> CheckResult:
    context = Context(today=latest_current_date(event_time), author=pr.author)
    logs: tuple[CheckedLog, ...] = ()
    notes: tuple[str, ...] = ()
    moved_to: str | None = None
    if config_error is None:
        files = await gh.list_pull_files(pr.repo, pr.number)
        head = listed_head(files)
        if head is not None and head != pr.head_sha:
            moved_to = head
        logs, notes = await find_logs(gh, pr, config, context, files)
    found = LogsOfPull(config, config_error, logs, notes)

    existing: Mapping[str, Any] | None = None
    if look_for_existing:
        existing = await gh.find_check_run(pr.repo, pr.head_sha, config.check_name, app_id)
    sections = list(notes)
    posted = 0
    if moved_to is not None:
        # Another delivery checks the newer head and posts its suggestions; suggestions
        # for this commit would land on lines that may have changed since.
        sections.append(
            f"The pull request's head moved on to {moved_to[:7]} while {pr.head_sha[:7]} "
            "was being checked, so no suggestions were posted for this commit."
        )
    else:
        # A run of ours already on this commit means the pull request was seen before
        # (a redelivery, even of `opened`): read the comments so nothing is posted twice.
        posted, review_note = await _post_suggestions(
            gh, pr, logs, look_for_suggestions or existing is not None
        )
        if review_note:
            sections.append(review_note)
    for build in section_builders:
        section = await build(gh, pr, found)
        if section:
            sections.append(section)

    marked = [finding for checked in logs for finding in checked.marked]
    safe_fixes = sum(
        1
        for finding in marked
        if finding.finding.fix is not None
        and finding.finding.fix.applicability is Applicability.SAFE
    )
    output = render_check_run(
        marked,
        logs_checked=[checked.path for checked in logs],
        config_error=config_error,
        safe_fixes=safe_fixes,
        suggestions_posted=posted,
        extra_sections=sections,
    )
    if existing is not None and _same_result(existing, output):
        return CheckResult(int(existing["id"]), output, posted, reused=True)
    return await publish(gh, pr, config.check_name, output, False, app_id, posted)


async def _post_suggestions(
    gh: Installation, pr: PullRequest, logs: Sequence[CheckedLog], look_for_posted: bool
) -> tuple[int, str | None]:
    """Post the new suggestions as one review (new: not among the pull request's review
    comments, which are read only when `look_for_posted`).

    Returns how many suggestions are on the pull request for these findings (posted now
    or before, so that a redelivery renders the same summary) and a note if posting failed.
    """
    candidates = [
        comment
        for checked in logs
        for comment in suggestion_comments(
            checked.path, checked.log, checked.marked, checked.diff, already_posted=frozenset()
        )
    ]
    if not candidates:
        return 0, None
    existing = await gh.list_review_comments(pr.repo, pr.number) if look_for_posted else []
    posted_before = fingerprints_in(str(comment.get("body") or "") for comment in existing)
    new = [comment for comment in candidates if comment.fingerprint not in posted_before]
    there = len(candidates) - len(new)
    fixable = sum(
        1
        for checked in logs
        for finding in checked.marked
        if finding.finding.fix is not None
        and finding.finding.fix.applicability is Applicability.SAFE
    )
    review = review_request(new, commit_id=pr.head_sha, not_posted=max(0, fixable - len(new)))
    if review is None:
        return there, None
    try:
        await gh.create_review(pr.repo, pr.number, review)
    except GitHubError as error:
        if error.is_server_side:
            raise
        log.warning("review on %s#%d refused: %s", pr.repo.full_name, pr.number, error)
        return there, (
            f"The suggested fixes could not be posted as review comments: GitHub answered "
            f"{error}. The **Apply fixes** button still applies the safe ones."
        )
    return there + len(review.get("comments", [])), None


def _run_body(
    name: str, head_sha: str, output: CheckRunOutput, annotations: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "head_sha": head_sha,
        "status": "completed",
        "conclusion": output.conclusion,
        "output": _output_json(output, annotations),
    }
    if output.actions:
        body["actions"] = [dict(action) for action in output.actions]
    return body


def _output_json(output: CheckRunOutput, annotations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {"title": output.title, "summary": output.summary}
    if output.text:
        result["text"] = output.text
    if annotations:
        result["annotations"] = [dict(annotation) for annotation in annotations]
    return result


async def publish(
    gh: Installation,
    pr: PullRequest,
    name: str,
    output: CheckRunOutput,
    look_for_existing: bool,
    app_id: int,
    suggestions_posted: int = 0,
) -> CheckResult:
    """Create the completed check run, first 50 annotations included, then PATCH the rest."""
    batches = annotation_batches(list(output.annotations))
    if look_for_existing:
        existing = await gh.find_check_run(pr.repo, pr.head_sha, name, app_id)
        if existing is not None and _same_result(existing, output):
            return CheckResult(int(existing["id"]), output, suggestions_posted, reused=True)
    run = await gh.create_check_run(
        pr.repo, _run_body(name, pr.head_sha, output, batches[0] if batches else [])
    )
    for batch in batches[1:]:
        await gh.update_check_run(pr.repo, int(run["id"]), {"output": _output_json(output, batch)})
    return CheckResult(int(run["id"]), output, suggestions_posted, reused=False)


def _same_result(run: Mapping[str, Any], output: CheckRunOutput) -> bool:
    published = run.get("output") or {}
    return (
        run.get("status") == "completed"
        and run.get("conclusion") == output.conclusion
        and published.get("title") == output.title
        and published.get("summary") == output.summary
        and published.get("annotations_count") == len(output.annotations)
    )


def with_note(output: Mapping[str, Any], note: str) -> dict[str, Any]:
    """A check run `output` (as GitHub sent it) with `note` put first in its summary."""
    summary = f"{note}\n\n{output.get('summary') or ''}".strip()
    return {"title": output.get("title") or "chronolog", "summary": summary[:65_535]}


__all__ = [
    "CheckResult",
    "CheckedLog",
    "LogsOfPull",
    "PullRequest",
    "SectionBuilder",
    "added_lines",
    "check_pull_request",
    "find_logs",
    "listed_head",
    "publish",
    "read_config",
    "with_note",
]
