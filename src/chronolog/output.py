"""Render findings for people and machines: text, JSON and GitHub workflow commands
(SARIF, which needs more, is in `chronolog.sarif`).

Every formatter takes the same `FileFindings` and returns a string; none of them does I/O,
so the CLI decides where each goes (findings to stdout, the summary to stderr).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chronolog.colour import BOLD, CYAN, DIM, RED, YELLOW, paint
from chronolog.model import Applicability, Finding, Fix, Severity

FORMATS = ("text", "json", "github", "sarif")
PROJECT_URL = "https://github.com/chronolog/chronolog"
_SEVERITY_COLOURS = {Severity.ERROR: RED, Severity.WARNING: YELLOW, Severity.NOTICE: CYAN}


@dataclass(frozen=True)
class FileFindings:
    """The findings left in one file, and that file's lines (SARIF fingerprints hash them)."""

    path: str
    findings: tuple[Finding, ...]
    lines: tuple[str, ...] = field(default=(), repr=False)


def is_fixable(finding: Finding, *, unsafe: bool) -> bool:
    """Whether `--fix` would apply this finding's fix (unsafe fixes only with `--unsafe-fixes`)."""
    return finding.fix is not None and (unsafe or finding.fix.applicability is Applicability.SAFE)


def format_text(
    results: Iterable[FileFindings], *, unsafe: bool = False, colour: bool = False
) -> str:
    """One line per finding, like ruff: `path:line:col: severity [rule] message`.

    A fix that `--fix` would apply is marked `(fixable)`; an unsafe one, when unsafe
    fixes are off, `(fixable with --unsafe-fixes)`. With `colour`, the path is bold, the
    severity red, yellow or cyan, and the rule dim (ANSI codes; see `chronolog.colour`).
    """
    lines = []
    for result in results:
        for finding in result.findings:
            where = f"{result.path}:{finding.line}:{finding.column}:"
            severity, rule = str(finding.severity), f"[{finding.rule}]"
            if colour:
                where = paint(result.path, BOLD) + where.removeprefix(result.path)
                severity = paint(severity, BOLD, _SEVERITY_COLOURS[finding.severity])
                rule = paint(rule, DIM)
            line = f"{where} {severity} {rule} {finding.message}"
            if is_fixable(finding, unsafe=unsafe):
                line += " (fixable)"
            elif finding.fix is not None:
                line += " (fixable with --unsafe-fixes)"
            lines.append(line)
    return "".join(f"{line}\n" for line in lines)


@dataclass(frozen=True)
class RuleCount:
    """`--statistics`: how many findings one rule has, and how many `--fix` would fix."""

    rule: str
    severity: str  # the severity of its findings (the config's, else the rule's default)
    count: int
    fixable: int


def rule_counts(results: Iterable[FileFindings], *, unsafe: bool = False) -> list[RuleCount]:
    """The findings counted per rule, most first (ties by name), as ruff's `--statistics`."""
    counts: dict[str, list[Finding]] = {}
    for result in results:
        for finding in result.findings:
            counts.setdefault(finding.rule, []).append(finding)
    rows = [
        RuleCount(
            rule,
            str(found[0].severity),
            len(found),
            sum(is_fixable(finding, unsafe=unsafe) for finding in found),
        )
        for rule, found in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row.count, row.rule))


def format_statistics(counts: Sequence[RuleCount], summaries: Mapping[str, str]) -> str:
    """One aligned line per rule: count, name, `[*]` when `--fix` would fix some, summary."""
    if not counts:
        return ""
    width = max(len(str(row.count)) for row in counts)
    name_width = max(len(row.rule) for row in counts)
    return "".join(
        f"{row.count:>{width}}  {row.rule:<{name_width}}  {'[*]' if row.fixable else '[ ]'}  "
        f"{summaries.get(row.rule, '')}".rstrip()
        + "\n"
        for row in counts
    )


def statistics_json(counts: Sequence[RuleCount]) -> str:
    """`--statistics --format json`: an array of `{rule, severity, count, fixable}`."""
    import json  # only `--statistics --format json` pays for it

    return json.dumps([dataclasses.asdict(row) for row in counts], indent=2) + "\n"


def summary_line(
    results: Iterable[FileFindings], *, unsafe: bool = False, unreadable: int = 0
) -> str:
    """What the text format prints last: how many problems, how many `--fix` can fix,
    and how many files could not be checked at all."""
    findings = [finding for result in results for finding in result.findings]
    fixable = sum(is_fixable(finding, unsafe=unsafe) for finding in findings)
    hidden = sum(finding.fixable for finding in findings) - fixable
    notes = []
    if fixable:
        notes.append(f"{fixable} fixable with --fix")
    if hidden:
        notes.append(f"{hidden} more with --fix --unsafe-fixes")
    if findings:
        noun = "problem" if len(findings) == 1 else "problems"
        line = f"Found {len(findings)} {noun}" + (f" ({'; '.join(notes)})" if notes else "")
    else:
        line = "No problems found" if unreadable else "All checks passed!"
    if unreadable:
        line += f"; {unreadable} {'file' if unreadable == 1 else 'files'} could not be checked"
    return line


def _fix_json(fix: Fix) -> dict[str, Any]:
    return {
        "title": fix.title,
        "applicability": str(fix.applicability),
        "edits": [
            {
                "start_line": edit.start_line,
                "end_line": edit.end_line,
                "content": list(edit.content),
            }
            for edit in fix.edits
        ],
    }


def finding_json(path: str, finding: Finding, *, unsafe: bool = False) -> dict[str, Any]:
    """One finding as the JSON format's object; `fixable` means `--fix` would apply it."""
    return {
        "path": path,
        "line": finding.line,
        "end_line": finding.end_line,
        "column": finding.column,
        "end_column": finding.end_column,
        "rule": finding.rule,
        "severity": str(finding.severity),
        "message": finding.message,
        "fixable": is_fixable(finding, unsafe=unsafe),
        "fix": None if finding.fix is None else _fix_json(finding.fix),
    }


def format_json(results: Iterable[FileFindings], *, unsafe: bool = False) -> str:
    """A JSON array of every finding, in file order then line order."""
    import json  # only `--format json` pays for it

    objects = [
        finding_json(result.path, finding, unsafe=unsafe)
        for result in results
        for finding in result.findings
    ]
    return json.dumps(objects, indent=2) + "\n"


def _escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """GitHub's escaping of a workflow command's property value."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(results: Iterable[FileFindings]) -> str:
    """GitHub Actions workflow commands (`::error file=...,line=...::message`), one a line."""
    lines = []
    for result in results:
        for finding in result.findings:
            properties = {
                "file": result.path,
                "line": str(finding.line),
                "endLine": str(finding.end_line),
                "col": str(finding.column),
            }
            # GitHub takes an end column only for an annotation on a single line.
            if finding.end_column is not None and finding.end_line == finding.line:
                properties["endColumn"] = str(finding.end_column)
            properties["title"] = f"chronolog {finding.rule}"
            rendered = ",".join(
                f"{key}={_escape_property(value)}" for key, value in properties.items()
            )
            lines.append(f"::{finding.severity} {rendered}::{_escape_data(finding.message)}")
    return "".join(f"{line}\n" for line in lines)
