"""Render findings for people and machines: text, JSON, GitHub workflow commands, SARIF.

Every formatter takes the same `FileFindings` and returns a string; none of them does I/O,
so the CLI decides where each goes (findings to stdout, the summary to stderr).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from chronolog import __version__
from chronolog.model import Applicability, Finding, Fix, Severity
from chronolog.rule import Rule
from chronolog.rules import ALL_RULES

FORMATS = ("text", "json", "github", "sarif")
PROJECT_URL = "https://github.com/chronolog/chronolog"
RULE_DOCS_URL = f"{PROJECT_URL}/blob/main/docs/rules/"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "chronolog/v1"

_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}


@dataclass(frozen=True)
class FileFindings:
    """The findings left in one file, and that file's lines (SARIF fingerprints hash them)."""

    path: str
    findings: tuple[Finding, ...]
    lines: tuple[str, ...] = field(default=(), repr=False)


def is_fixable(finding: Finding, *, unsafe: bool) -> bool:
    """Whether `--fix` would apply this finding's fix (unsafe fixes only with `--unsafe-fixes`)."""
    return finding.fix is not None and (unsafe or finding.fix.applicability is Applicability.SAFE)


def format_text(results: Iterable[FileFindings], *, unsafe: bool = False) -> str:
    """One line per finding, like ruff: `path:line:col: severity [rule] message`.

    A fix that `--fix` would apply is marked `(fixable)`; an unsafe one, when unsafe
    fixes are off, `(fixable with --unsafe-fixes)`.
    """
    lines = []
    for result in results:
        for finding in result.findings:
            line = (
                f"{result.path}:{finding.line}:{finding.column}: "
                f"{finding.severity} [{finding.rule}] {finding.message}"
            )
            if is_fixable(finding, unsafe=unsafe):
                line += " (fixable)"
            elif finding.fix is not None:
                line += " (fixable with --unsafe-fixes)"
            lines.append(line)
    return "".join(f"{line}\n" for line in lines)


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


def artifact_uri(path: str, root: Path | None = None) -> str:
    """A SARIF artifact URI: relative with forward slashes when `path` is under `root`
    (the working directory by default), else an absolute `file://` URI."""
    root = Path.cwd() if root is None else root
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(os.path.abspath(root))
    except ValueError:
        return absolute.as_uri()
    return quote(PurePath(relative).as_posix())


def _fingerprints(result: FileFindings) -> list[str]:
    """Stable per-finding fingerprints: the rule and the text of the flagged lines, plus
    an occurrence count, so a finding keeps its identity when lines above it move."""
    seen: Counter[str] = Counter()
    fingerprints = []
    for finding in result.findings:
        text = "\n".join(line.strip() for line in result.lines[finding.line - 1 : finding.end_line])
        digest = hashlib.sha256(f"{finding.rule}\0{text}".encode()).hexdigest()[:32]
        seen[digest] += 1
        fingerprints.append(f"{digest}:{seen[digest]}")
    return fingerprints


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.name,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "helpUri": f"{RULE_DOCS_URL}{rule.name}.md",
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
    }


def sarif_log(
    results: Sequence[FileFindings], *, rules: Sequence[Rule] = ALL_RULES, root: Path | None = None
) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run, shaped for GitHub code scanning's upload."""
    rule_index = {rule.name: index for index, rule in enumerate(rules)}
    sarif_results = []
    for result in results:
        uri = artifact_uri(result.path, root)
        for finding, fingerprint in zip(result.findings, _fingerprints(result), strict=True):
            region: dict[str, int] = {
                "startLine": finding.line,
                "endLine": finding.end_line,
                "startColumn": finding.column,
            }
            if finding.end_column is not None:
                region["endColumn"] = finding.end_column
            sarif_result: dict[str, Any] = {
                "ruleId": finding.rule,
                "level": _SARIF_LEVELS[finding.severity],
                "message": {"text": finding.message},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}
                ],
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
            }
            if finding.rule in rule_index:
                sarif_result["ruleIndex"] = rule_index[finding.rule]
            sarif_results.append(sarif_result)
    return {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "chronolog",
                        "version": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                "results": sarif_results,
            }
        ],
    }


def format_sarif(
    results: Sequence[FileFindings], *, rules: Sequence[Rule] = ALL_RULES, root: Path | None = None
) -> str:
    """`sarif_log` as indented JSON text."""
    return json.dumps(sarif_log(results, rules=rules, root=root), indent=2) + "\n"
