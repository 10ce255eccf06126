"""Fixes rendered as review comments with ```suggestion blocks, posted once each.

GitHub replaces the lines `start_line..line` of the new file with a suggestion's text, and
accepts a review comment only on lines of one hunk of its own diff. So a fix becomes a
suggestion only when its edits fit one contiguous span of at most 30 lines inside one
hunk of an exact diff; every other fix is left to the check run's summary and buttons.
GitHub applies one suggestion per line in a batch, so fixes whose spans overlap or touch
share one suggestion that carries all of them. Each fix has its own fingerprint (its rule,
the path and the original text of its own span), and a comment carries one hidden marker
per fix it holds: a fix already suggested is never suggested again, even when a later push
brings a neighbour that would have shared its suggestion, or when a person fixed one of the
others by hand.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chronolog.check_output import MarkedFinding
from chronolog.diff import FileDiff
from chronolog.fix_buttons import NO_SAFE_FIXES, SafeFixes
from chronolog.fixes import merge_fixes
from chronolog.model import Applicability, Edit, Finding, Fix, Log

MAX_SUGGESTION_LINES = 30
MAX_REVIEW_COMMENTS = 30
# GitHub refuses a longer body, and one bad comment fails the whole review.
MAX_BODY_LENGTH = 65_536
_MARKER = re.compile(r"<!-- chronolog:suggestion ([0-9a-f]+) -->")


@dataclass(frozen=True)
class ReviewComment:
    """One comment of a review: `body` on new-side lines `start_line..line` of `path`."""

    path: str
    line: int
    start_line: int | None  # None for a comment on a single line
    body: str
    fingerprints: tuple[str, ...]  # one per fix the suggestion carries, in the model's order

    @property
    def fixes(self) -> int:
        """How many fixes its suggestion carries."""
        return len(self.fingerprints)

    def as_json(self) -> dict[str, Any]:
        """The comment as an item of `comments[]` in `POST /pulls/{n}/reviews`."""
        comment: dict[str, Any] = {
            "path": self.path,
            "body": self.body,
            "line": self.line,
            "side": "RIGHT",
        }
        if self.start_line is not None:
            comment["start_line"] = self.start_line
            comment["start_side"] = "RIGHT"
        return comment


def fingerprint(rule: str, path: str, lines: Sequence[str]) -> str:
    """A stable hash of the rule, the path and the original text of a fix's lines."""
    digest = hashlib.sha256("\0".join([rule, path, "\n".join(lines)]).encode())
    return digest.hexdigest()[:16]


def marker(fp: str) -> str:
    """The hidden HTML comment that identifies a posted suggestion."""
    return f"<!-- chronolog:suggestion {fp} -->"


def fingerprints_in(bodies: Iterable[str]) -> frozenset[str]:
    """The fingerprints of the markers in existing review comment bodies."""
    return frozenset(match for body in bodies for match in _MARKER.findall(body or ""))


def suggestion_span(fix: Fix, log: Log, diff: FileDiff) -> tuple[int, int] | None:
    """The lines `(first, last)` a suggestion for `fix` alone replaces, or None if it
    cannot be one.

    The span runs from the first edit to the last; an insertion before line L alone is
    shown with line L-1 (or, if that does not fit, line L) around it. It must hold at most
    30 lines, all inside one hunk of an exact diff.
    """
    spans = _candidate_spans(fix, log, diff)
    return spans[0] if spans else None


def _candidate_spans(fix: Fix, log: Log, diff: FileDiff) -> list[tuple[int, int]]:
    """The spans a suggestion for `fix` may replace, the preferred one first."""
    if not diff.exact or not fix.edits:
        return []
    first = min(edit.start_line for edit in fix.edits)
    last = max(edit.start_line - 1 if edit.is_insertion else edit.end_line for edit in fix.edits)
    candidates = [(first, last)] if first <= last else [(first - 1, first - 1), (first, first)]
    return [span for span in candidates if _fits(span, log, diff)]


def _fits(span: tuple[int, int], log: Log, diff: FileDiff) -> bool:
    """Whether a suggestion may replace lines `span`: at most 30, inside one hunk."""
    start, end = span
    return (
        start >= 1
        and end <= len(log.lines)
        and end - start < MAX_SUGGESTION_LINES
        and diff.hunk_for(start, end) is not None
    )


@dataclass
class _Group:
    """The findings whose fixes one suggestion carries, and the lines it replaces."""

    start: int
    end: int
    members: list[tuple[Finding, Fix]]  # each finding with its fix


def _groups(findings: Sequence[Finding], log: Log, diff: FileDiff) -> list[_Group]:
    """The fixable `findings` (in the fix model's order) gathered into suggestions.

    A fix whose span overlaps or touches a suggestion's lines joins it (and merges
    suggestions it bridges), as long as the whole stays within 30 lines of one hunk. A fix
    that overlaps a suggestion it cannot join is left out (GitHub applies one suggestion
    per line in a batch); the next push brings it back. The groups are kept sorted and
    disjoint, so the ones a span touches are found by bisection.
    """
    groups: list[_Group] = []
    starts: list[int] = []  # the groups' first lines, in order
    ends: list[int] = []  # their last lines, in the same order (sorted too: disjoint)
    for finding in findings:
        if finding.fix is None:
            continue
        fix = finding.fix
        for start, end in _candidate_spans(fix, log, diff):
            low = bisect.bisect_left(ends, start - 1)
            high = bisect.bisect_right(starts, end + 1)
            touching = groups[low:high]
            merged = (
                min([start, *(g.start for g in touching)]),
                max([end, *(g.end for g in touching)]),
            )
            if _fits(merged, log, diff):
                members = [member for g in touching for member in g.members]
                groups[low:high] = [_Group(*merged, [*members, (finding, fix)])]
                starts[low:high] = [merged[0]]
                ends[low:high] = [merged[1]]
                break
            if not any(start <= g.end and g.start <= end for g in touching):
                # Only next to them, not over their lines: a suggestion of its own.
                index = bisect.bisect_left(starts, start)
                groups.insert(index, _Group(start, end, [(finding, fix)]))
                starts.insert(index, start)
                ends.insert(index, end)
                break
    for group in groups:
        group.members.sort(key=lambda member: _model_order(member[0]))
    return groups


def _model_order(finding: Finding) -> tuple[int, str]:
    """The order in which the fix model applies fixes (`chronolog.fixes.fixes_to_apply`)."""
    return finding.line, finding.rule


def suggestion_comments(
    path: str,
    log: Log,
    marked: Sequence[MarkedFinding],
    diff: FileDiff,
    *,
    already_posted: frozenset[str],
) -> list[ReviewComment]:
    """One review comment per span of lines that fixable findings of `path` touch.

    Fixes whose lines overlap or touch are merged into one suggestion, their edits applied
    together (`chronolog.fixes.merge_fixes`); a fix that changes the same text as a safer
    or earlier one differently is named in the comment but not applied. Skipped:
    suggestions already posted (by fingerprint), bodies longer than GitHub accepts.
    """
    fixable = sorted(
        {m.finding for m in marked if m.path == path and m.finding.fix is not None},
        key=lambda finding: (*_model_order(finding), finding.end_line, finding.message),
    )
    # What was suggested before stays out of the grouping: its comment is still there.
    own = {
        finding: fp
        for finding in fixable
        if (fp := fix_fingerprint(finding, path, log, diff)) is not None
    }
    fresh = [
        finding for finding in fixable if finding in own and own[finding] not in already_posted
    ]
    comments: list[ReviewComment] = []
    seen = set(already_posted)
    for group in _groups(fresh, log, diff):
        start, end = group.start, group.end
        original = log.lines[start - 1 : end]
        shifted = [(finding, _shifted(fix, start)) for finding, fix in group.members]
        merged = merge_fixes(original, [fix for _, fix in shifted])
        included = [finding for finding, fix in shifted if fix in merged.included]
        left_out = [finding for finding, fix in shifted if fix not in merged.included]
        fps = tuple(own[finding] for finding in included)
        if list(merged.lines) == list(original) or seen.issuperset(fps):
            continue
        body = suggestion_body(included, merged.lines, fps, left_out=left_out)
        if len(body.encode()) > MAX_BODY_LENGTH:
            continue  # counted in UTF-8 bytes, never fewer than GitHub's characters
        seen.update(fps)
        comments.append(
            ReviewComment(
                path=path,
                line=end,
                start_line=start if start < end else None,
                body=body,
                fingerprints=fps,
            )
        )
    return comments


def suggestible_fingerprints(
    path: str, log: Log, marked: Sequence[MarkedFinding], diff: FileDiff
) -> frozenset[str]:
    """The fingerprints of every fix of `path`'s findings that could be a suggestion."""
    return frozenset(
        fp
        for m in marked
        if m.path == path and (fp := fix_fingerprint(m.finding, path, log, diff)) is not None
    )


def fix_fingerprint(finding: Finding, path: str, log: Log, diff: FileDiff) -> str | None:
    """The fingerprint of `finding`'s fix: its rule, `path` and the original text of the
    span it would replace alone; None when it cannot be a suggestion."""
    if finding.fix is None:
        return None
    spans = _candidate_spans(finding.fix, log, diff)
    if not spans:
        return None
    start, end = spans[0]
    return fingerprint(finding.rule, path, log.lines[start - 1 : end])


def _shifted(fix: Fix, start: int) -> Fix:
    """`fix` with its lines counted from `start` (line 1 of the suggestion's span)."""
    edits = tuple(
        Edit(edit.start_line - start + 1, edit.end_line - start + 1, edit.content)
        for edit in fix.edits
    )
    return dataclasses.replace(fix, edits=edits)


def suggestion_body(
    findings: Sequence[Finding],
    replacement: Sequence[str],
    fps: Sequence[str],
    *,
    left_out: Sequence[Finding] = (),
) -> str:
    """The comment: what it fixes, the suggestion block, a hidden marker per fix (`fps`).

    One fix is explained in one line; several are listed, one rule and message each, and
    `left_out` fixes (which change the same text differently) are named as not included.
    """
    if len(findings) == 1 and not left_out:
        explanation = f"**chronolog** {_explained(findings[0])}"
    else:
        problems = _plural(len(findings), "problem", "problems")
        paragraphs = [
            f"**chronolog** fixes {problems} on these lines:",
            "\n".join(f"- {_explained(finding)}" for finding in findings),
        ]
        if left_out:
            why = (
                "this fix changes the same text differently; it comes"
                if len(left_out) == 1
                else "these fixes change the same text differently; they come"
            )
            paragraphs.append(
                f"Not included: {why} back once this suggestion is committed.\n"
                + "\n".join(f"- {_explained(finding)}" for finding in left_out)
            )
        explanation = "\n\n".join(paragraphs)
    # A fence must be longer than any run of backticks inside the block.
    longest = max((len(run) for line in replacement for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    block = "\n".join([f"{fence}suggestion", *replacement, fence])
    markers = "\n".join(marker(fp) for fp in fps)
    return f"{explanation}\n\n{block}\n\n{markers}"


def _explained(finding: Finding) -> str:
    """`` `rule`: message. Fix: title.`` on one line."""
    explanation = f"`{finding.rule}`: {_sentence(finding.message)}"
    if finding.fix is not None:
        unsafe = finding.fix.applicability is Applicability.UNSAFE
        note = " (unsafe: review before committing)" if unsafe else ""
        explanation += f" Fix: {_sentence(finding.fix.title + note)}"
    return explanation


def _plural(count: int, word: str, words: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words}"


def _sentence(text: str) -> str:
    """`text` on one line, ending with a full stop unless it ends with . ? or !"""
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!")) else f"{text}."


def review_request(
    comments: Sequence[ReviewComment],
    *,
    commit_id: str,
    cap: int = MAX_REVIEW_COMMENTS,
    safe_fixes: SafeFixes = NO_SAFE_FIXES,
) -> dict[str, Any] | None:
    """The body of `POST /pulls/{n}/reviews` carrying at most `cap` suggestions.

    The review body counts the fixes the suggestions carry and closes by saying what each
    button of the check run commits (`safe_fixes`). None when there is nothing to post.
    """
    if not comments:
        return None
    posted = comments[:cap]
    fixes = sum(comment.fixes for comment in posted)
    sentence = f"chronolog suggests {_plural(fixes, 'fix', 'fixes')}"
    if fixes != len(posted):
        sentence += f" in {_plural(len(posted), 'suggestion', 'suggestions')}"
    sentences = [f"{sentence}."]
    if len(comments) > len(posted):
        sentences.append(
            f"{len(comments) - len(posted)} more are not posted, to keep this review short; "
            "the check run lists them."
        )
    buttons = safe_fixes.what_they_do()
    if buttons:
        sentences.append("On the check run, " + " ".join(buttons))
    return {
        "commit_id": commit_id,
        "event": "COMMENT",
        "body": " ".join(sentences),
        "comments": [comment.as_json() for comment in posted],
    }
