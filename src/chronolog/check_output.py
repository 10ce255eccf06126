"""Findings marked against the diff, rendered as a check run's output (reviewdog's way).

A finding on a line the pull request added is *introduced* by it; any other finding was
already in the log. Only introduced error-level findings fail the check; every finding is
annotated, and the old ones are summarised, never dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chronolog.config import CONFIG_PATH, ConfigError
from chronolog.diff import FileDiff, Where
from chronolog.fix_buttons import NO_SAFE_FIXES, SafeFixes, fix_actions, fixes_section
from chronolog.model import Applicability, Finding, Severity
from chronolog.rules import RULES_BY_NAME

MAX_OUTPUT_LENGTH = 65_535  # GitHub's limit for `output.summary` and `output.text`
MAX_TITLE_LENGTH = 255  # for an annotation's title
MAX_ANNOTATION_FIELD = 64 * 1024  # bytes, for an annotation's `message` and `raw_details`
ANNOTATIONS_PER_REQUEST = 50
LISTED_INTRODUCED = 50  # introduced problems listed in the summary; all are in `text`
LISTED_EXISTING = 10  # existing problems listed in the summary
LISTED_LOGS = 10
EXISTING_PREFIX = "Existing problem: "

ANNOTATION_LEVELS = {
    Severity.ERROR: "failure",
    Severity.WARNING: "warning",
    Severity.NOTICE: "notice",
}


@dataclass(frozen=True)
class MarkedFinding:
    """A finding in the log at `path`, marked with where its first line sits in the diff."""

    path: str
    finding: Finding
    where: Where

    @property
    def introduced(self) -> bool:
        """True when the pull request added the finding's first line."""
        return self.where is Where.ADDED


def mark_findings(
    path: str, findings: Iterable[Finding], diff: FileDiff
) -> tuple[MarkedFinding, ...]:
    """Mark each finding of the head version of `path` by its first line in `diff`."""
    return tuple(MarkedFinding(path, finding, diff.where(finding.line)) for finding in findings)


@dataclass(frozen=True)
class CheckRunOutput:
    """Everything a completed check run shows: conclusion, `output` fields and buttons."""

    conclusion: str  # "success" or "failure" (the shell uses "neutral" when it could not check)
    title: str
    summary: str
    text: str | None
    annotations: tuple[dict[str, Any], ...]  # all of them; send at most 50 per request
    actions: tuple[dict[str, Any], ...]


def render_check_run(
    marked: Sequence[MarkedFinding],
    *,
    logs_checked: Sequence[str],
    config_error: ConfigError | None = None,
    safe_fixes: SafeFixes = NO_SAFE_FIXES,
    suggestions_posted: int = 0,
    extra_sections: Sequence[str] = (),
) -> CheckRunOutput:
    """The check run for one head commit.

    It fails for an invalid config or an introduced error-level finding, and passes
    otherwise, also when no log changed (so the check can be required on every PR).
    `summary` and `text` never exceed GitHub's 65,535 characters.
    """
    introduced = sorted((m for m in marked if m.introduced), key=_position)
    existing = sorted((m for m in marked if not m.introduced), key=_position)
    failing = config_error is not None or any(
        m.finding.severity is Severity.ERROR for m in introduced
    )

    sections: list[str] = []
    if config_error is not None:
        sections.append(_config_error_section(config_error))
    if logs_checked:
        sections.append(_logs_line(logs_checked, has_findings=bool(marked)))
    elif config_error is None and not marked:
        sections.append(
            "No log changed in this pull request, so there was nothing to check.\n\n"
            f"chronolog checks the files named under `logs:` in `{CONFIG_PATH}` (read from "
            "the default branch) or, without that setting, every changed Markdown file whose "
            "H2 headings mostly start with a date."
        )
    if marked:
        sections.append(_rule_table(introduced, existing))
    if introduced:
        sections.append(_introduced_section(introduced))
    if existing:
        sections.append(_existing_section(existing))
    fixes = fixes_section(safe_fixes, suggestions_posted)
    if fixes:
        sections.append(fixes)
    sections.extend(section.strip("\n") for section in extra_sections if section.strip())

    listed_all = len(introduced) <= LISTED_INTRODUCED and len(existing) <= LISTED_EXISTING
    text = None if listed_all else cap_text(_full_list(introduced, existing))
    annotations = [_annotation(m) for m in (*introduced, *existing)]
    if config_error is not None:
        annotations.insert(0, _config_annotation(config_error))
    return CheckRunOutput(
        conclusion="failure" if failing else "success",
        title=_title(introduced, existing, config_error, logs_checked),
        summary=cap_text("\n\n".join(sections) + "\n"),
        text=text,
        annotations=tuple(annotations),
        actions=fix_actions(safe_fixes),
    )


def annotation_batches(
    annotations: Sequence[dict[str, Any]], size: int = ANNOTATIONS_PER_REQUEST
) -> list[list[dict[str, Any]]]:
    """The annotations in request-sized batches (GitHub takes at most 50 per request)."""
    return [list(annotations[start : start + size]) for start in range(0, len(annotations), size)]


def cap_text(text: str, limit: int = MAX_OUTPUT_LENGTH) -> str:
    """`text` cut at a line boundary to fit `limit`, ending with "…and N more not shown".

    The limit is counted in UTF-8 bytes, which is never less than the characters GitHub
    counts, so the result fits whichever GitHub means. N counts the list items cut off
    (or the lines, when no list item was cut).
    """
    if len(text.encode()) <= limit:
        return text
    lines = text.split("\n")
    reserve = 64  # room for the closing line
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line.encode()) + 1
        if size > limit - reserve:
            break
        kept.append(line)
    dropped = lines[len(kept) :]
    items = sum(1 for line in dropped if line.lstrip().startswith("- "))
    more = f"…and {items} more not shown" if items else f"…and {len(dropped)} more lines not shown"
    return "\n".join([*kept, more]) + "\n"


def _position(marked: MarkedFinding) -> tuple[str, int, int, str]:
    finding = marked.finding
    return (marked.path, finding.line, finding.end_line, finding.rule)


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def _title(
    introduced: Sequence[MarkedFinding],
    existing: Sequence[MarkedFinding],
    config_error: ConfigError | None,
    logs_checked: Sequence[str],
) -> str:
    if config_error is not None:
        return f"Invalid {CONFIG_PATH}"
    if introduced:
        return f"{_plural(len(introduced), 'problem')} introduced"
    if existing:
        return f"No new problems ({len(existing)} existing)"
    if not logs_checked:
        return "No log changed"
    return "No problems"


def _config_error_section(error: ConfigError) -> str:
    return (
        f"**`{CONFIG_PATH}` is invalid**, line {error.line}: {error.message}\n\n"
        "Fix it on the default branch: chronolog reads its config only from there, so that "
        "a pull request cannot switch its own check off."
    )


def _logs_line(logs_checked: Sequence[str], *, has_findings: bool) -> str:
    names = ", ".join(f"`{path}`" for path in logs_checked[:LISTED_LOGS])
    if len(logs_checked) > LISTED_LOGS:
        names += f" and {len(logs_checked) - LISTED_LOGS} more"
    line = f"Checked {_plural(len(logs_checked), 'log')}: {names}."
    return line if has_findings else f"{line} No problems found."


def _rule_order(rule: str) -> tuple[int, str]:
    names = list(RULES_BY_NAME)
    return (names.index(rule), rule) if rule in RULES_BY_NAME else (len(names), rule)


def _rule_table(introduced: Sequence[MarkedFinding], existing: Sequence[MarkedFinding]) -> str:
    new = Counter(m.finding.rule for m in introduced)
    old = Counter(m.finding.rule for m in existing)
    rows = ["| Rule | New | Existing |", "| --- | ---: | ---: |"]
    for rule in sorted(new.keys() | old.keys(), key=_rule_order):
        rows.append(f"| `{rule}` | {new[rule]} | {old[rule]} |")
    return "\n".join(rows)


def _item(marked: MarkedFinding) -> str:
    finding = marked.finding
    return (
        f"- `{marked.path}:{finding.line}` **{finding.rule}** ({finding.severity}): "
        f"{_one_line(finding.message)}"
    )


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _introduced_section(introduced: Sequence[MarkedFinding]) -> str:
    lines = ["### Introduced by this pull request", ""]
    lines.extend(_item(m) for m in introduced[:LISTED_INTRODUCED])
    if len(introduced) > LISTED_INTRODUCED:
        lines.append(
            f"- …and {len(introduced) - LISTED_INTRODUCED} more, listed in the details below"
        )
    return "\n".join(lines)


def _existing_section(existing: Sequence[MarkedFinding]) -> str:
    lines = [
        "### Already in the log",
        "",
        "These were there before this pull request. They are annotated as "
        f'"{EXISTING_PREFIX.strip(": ")}" and never fail the check.',
        "",
    ]
    per_file = Counter(m.path for m in existing)
    if len(per_file) > 1:
        files = [f"`{path}` ({count})" for path, count in per_file.most_common(LISTED_LOGS)]
        if len(per_file) > LISTED_LOGS:
            files.append(f"{len(per_file) - LISTED_LOGS} more files")
        lines += [f"By file: {', '.join(files)}.", ""]
    lines.extend(_item(m) for m in existing[:LISTED_EXISTING])
    if len(existing) > LISTED_EXISTING:
        lines.append(f"- …and {len(existing) - LISTED_EXISTING} more, listed in the details below")
    return "\n".join(lines)


def _full_list(introduced: Sequence[MarkedFinding], existing: Sequence[MarkedFinding]) -> str:
    lines = [f"### Introduced by this pull request ({len(introduced)})", ""]
    lines.extend(_item(m) for m in introduced)
    lines += ["", f"### Already in the log ({len(existing)})", ""]
    lines.extend(_item(m) for m in existing)
    return "\n".join(lines) + "\n"


def _annotation(marked: MarkedFinding) -> dict[str, Any]:
    finding = marked.finding
    message = finding.message if marked.introduced else EXISTING_PREFIX + finding.message
    annotation: dict[str, Any] = {
        "path": marked.path,
        "start_line": finding.line,
        "end_line": max(finding.line, finding.end_line),
        "annotation_level": ANNOTATION_LEVELS[finding.severity],
        "title": f"chronolog {finding.rule}"[:MAX_TITLE_LENGTH],
        "message": _fit(message, MAX_ANNOTATION_FIELD),
    }
    if finding.line == finding.end_line and finding.end_column is not None:
        annotation["start_column"] = finding.column
        annotation["end_column"] = finding.end_column
    if finding.fix is not None:
        if finding.fix.applicability is Applicability.SAFE:
            details = f"Safe fix: {finding.fix.title}"
        else:
            details = f"Unsafe fix (review before committing): {finding.fix.title}"
        annotation["raw_details"] = _fit(details, MAX_ANNOTATION_FIELD)
    return annotation


def _fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes (one whole character at a time), with "…"."""
    if len(text.encode()) <= limit:
        return text
    return text.encode()[: limit - 3].decode(errors="ignore") + "…"


def _config_annotation(error: ConfigError) -> dict[str, Any]:
    return {
        "path": CONFIG_PATH,
        "start_line": error.line,
        "end_line": error.line,
        "annotation_level": "failure",
        "title": "chronolog config",
        "message": error.message,
    }
