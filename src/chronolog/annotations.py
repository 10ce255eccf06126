"""Check-run annotations: one finding (or a config problem) on its lines, within GitHub's limits.

GitHub takes `title` up to 255 characters, `message` and `raw_details` up to 64 KB, and at
most 50 annotations per request; columns only when the annotation is on one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chronolog.config import CONFIG_PATH, ConfigError
from chronolog.model import Applicability, Finding, Severity

MAX_TITLE_LENGTH = 255  # for an annotation's title
MAX_ANNOTATION_FIELD = 64 * 1024  # bytes, for an annotation's `message` and `raw_details`
ANNOTATIONS_PER_REQUEST = 50
EXISTING_PREFIX = "Existing problem: "

ANNOTATION_LEVELS = {
    Severity.ERROR: "failure",
    Severity.WARNING: "warning",
    Severity.NOTICE: "notice",
}


def finding_annotation(path: str, finding: Finding, *, existing: bool) -> dict[str, Any]:
    """The annotation of `finding` in `path`; an `existing` one's message says so."""
    message = EXISTING_PREFIX + finding.message if existing else finding.message
    annotation: dict[str, Any] = {
        "path": path,
        "start_line": finding.line,
        "end_line": max(finding.line, finding.end_line),
        "annotation_level": ANNOTATION_LEVELS[finding.severity],
        "title": f"chronolog {finding.rule}"[:MAX_TITLE_LENGTH],
        "message": fit(message, MAX_ANNOTATION_FIELD),
    }
    if finding.line == finding.end_line and finding.end_column is not None:
        annotation["start_column"] = finding.column
        annotation["end_column"] = finding.end_column
    if finding.fix is not None:
        if finding.fix.applicability is Applicability.SAFE:
            details = f"Safe fix: {finding.fix.title}"
        else:
            details = f"Unsafe fix (review before committing): {finding.fix.title}"
        annotation["raw_details"] = fit(details, MAX_ANNOTATION_FIELD)
    return annotation


def config_annotation(error: ConfigError, *, path: str = CONFIG_PATH) -> dict[str, Any]:
    """A config problem, a failure on its line of `path`."""
    return {
        "path": path,
        "start_line": error.line,
        "end_line": error.line,
        "annotation_level": "failure",
        "title": "chronolog config",
        "message": fit(error.message, MAX_ANNOTATION_FIELD),
    }


def fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes (one whole character at a time), with "…"."""
    if len(text.encode()) <= limit:
        return text
    return text.encode()[: limit - 3].decode(errors="ignore") + "…"


def annotation_batches(
    annotations: Sequence[dict[str, Any]], size: int = ANNOTATIONS_PER_REQUEST
) -> list[list[dict[str, Any]]]:
    """The annotations in request-sized batches (GitHub takes at most 50 per request)."""
    return [list(annotations[start : start + size]) for start in range(0, len(annotations), size)]
