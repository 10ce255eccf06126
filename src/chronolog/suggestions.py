"""Fixes rendered as review comments with ```suggestion blocks, posted once each.

GitHub replaces the lines `start_line..line` of the new file with a suggestion's text, and
accepts a review comment only on lines of one hunk of its own diff. So a fix becomes a
suggestion only when its edits fit one contiguous span of at most 30 lines inside one
hunk of an exact diff; every other fix is left to the check run's summary and button.
A hidden marker carries a fingerprint so that the same suggestion is never posted twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chronolog.check_output import APPLY_FIXES_LABEL, MarkedFinding
from chronolog.diff import FileDiff
from chronolog.fixes import apply_edits
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
    fingerprint: str

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
    """A stable hash of the rule, the path and the original text of the suggestion's lines."""
    digest = hashlib.sha256("\0".join([rule, path, "\n".join(lines)]).encode())
    return digest.hexdigest()[:16]


def marker(fp: str) -> str:
    """The hidden HTML comment that identifies a posted suggestion."""
    return f"<!-- chronolog:suggestion {fp} -->"


def fingerprints_in(bodies: Iterable[str]) -> frozenset[str]:
    """The fingerprints of the markers in existing review comment bodies."""
    return frozenset(match for body in bodies for match in _MARKER.findall(body or ""))


def suggestion_span(
    fix: Fix, log: Log, diff: FileDiff, *, avoid: Sequence[tuple[int, int]] = ()
) -> tuple[int, int] | None:
    """The lines `(first, last)` a suggestion for `fix` replaces, or None if it cannot be one.

    The span runs from the first edit to the last; an insertion before line L alone is
    shown with line L-1 (or, if that does not fit, line L) around it. It must hold at most
    30 lines, all inside one hunk of an exact diff, and overlap no span in `avoid`.
    """
    if not diff.exact or not fix.edits:
        return None
    first = min(edit.start_line for edit in fix.edits)
    last = max(edit.start_line - 1 if edit.is_insertion else edit.end_line for edit in fix.edits)
    candidates = [(first, last)] if first <= last else [(first - 1, first - 1), (first, first)]
    for start, end in candidates:
        if (
            start >= 1
            and end <= len(log.lines)
            and end - start < MAX_SUGGESTION_LINES
            and diff.hunk_for(start, end) is not None
            and not any(
                start <= taken_end and taken_start <= end for taken_start, taken_end in avoid
            )
        ):
            return start, end
    return None


def suggestion_comments(
    path: str,
    log: Log,
    marked: Sequence[MarkedFinding],
    diff: FileDiff,
    *,
    already_posted: frozenset[str],
) -> list[ReviewComment]:
    """One review comment per fixable finding of `path` that can be a suggestion.

    Skipped: findings whose suggestion was already posted (by fingerprint), bodies longer
    than GitHub accepts, and fixes whose lines overlap an earlier suggestion's (GitHub
    applies one suggestion per line in a batch; the other comes back on the next push).
    """
    comments: list[ReviewComment] = []
    taken: list[tuple[int, int]] = []
    seen = set(already_posted)
    for item in sorted(marked, key=lambda m: (m.finding.line, m.finding.rule)):
        finding = item.finding
        if item.path != path or finding.fix is None:
            continue
        span = suggestion_span(finding.fix, log, diff, avoid=taken)
        if span is None:
            continue
        start, end = span
        original = log.lines[start - 1 : end]
        shifted = [
            Edit(edit.start_line - start + 1, edit.end_line - start + 1, edit.content)
            for edit in finding.fix.edits
        ]
        replacement = apply_edits(original, shifted)
        fp = fingerprint(finding.rule, path, original)
        if replacement == list(original) or fp in seen:
            continue
        body = suggestion_body(finding, replacement, fp)
        if len(body.encode()) > MAX_BODY_LENGTH:
            continue  # counted in UTF-8 bytes, never fewer than GitHub's characters
        seen.add(fp)
        taken.append(span)
        comments.append(
            ReviewComment(
                path=path,
                line=end,
                start_line=start if start < end else None,
                body=body,
                fingerprint=fp,
            )
        )
    return comments


def suggestion_body(finding: Finding, replacement: Sequence[str], fp: str) -> str:
    """The comment: one line of explanation, the suggestion block, the hidden marker."""
    explanation = f"**chronolog** `{finding.rule}`: {_sentence(finding.message)}"
    if finding.fix is not None:
        unsafe = finding.fix.applicability is Applicability.UNSAFE
        note = " (unsafe: review before committing)" if unsafe else ""
        explanation += f" Fix: {_sentence(finding.fix.title + note)}"
    # A fence must be longer than any run of backticks inside the block.
    longest = max((len(run) for line in replacement for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    block = "\n".join([f"{fence}suggestion", *replacement, fence])
    return f"{explanation}\n\n{block}\n\n{marker(fp)}"


def _sentence(text: str) -> str:
    """`text` on one line, ending with a full stop unless it ends with . ? or !"""
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!")) else f"{text}."


def review_request(
    comments: Sequence[ReviewComment],
    *,
    commit_id: str,
    cap: int = MAX_REVIEW_COMMENTS,
    not_posted: int = 0,
) -> dict[str, Any] | None:
    """The body of `POST /pulls/{n}/reviews` carrying at most `cap` suggestions.

    `not_posted` is how many safe fixes the "Apply fixes" button would commit beyond
    these suggestions; the review body says so. None when there is nothing to post.
    """
    if not comments:
        return None
    posted = comments[:cap]
    fixes = "fix" if len(posted) == 1 else "fixes"
    sentences = [f"chronolog suggests {len(posted)} {fixes}."]
    if len(comments) > len(posted):
        sentences.append(
            f"{len(comments) - len(posted)} more are not posted, to keep this review short; "
            "the check run lists them."
        )
    if not_posted > 0:
        sentences.append(
            f"{not_posted} more can be applied with the **{APPLY_FIXES_LABEL}** button "
            "on the check run."
        )
    return {
        "commit_id": commit_id,
        "event": "COMMENT",
        "body": " ".join(sentences),
        "comments": [comment.as_json() for comment in posted],
    }
