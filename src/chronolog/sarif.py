"""SARIF 2.1.0 for GitHub code scanning: one run, every rule, one result per finding.

What GitHub's "SARIF support for code scanning" asks of each rule (`id`, `shortDescription`,
`fullDescription`, `help`, `helpUri`) and of each result (`ruleId`, `message`, a location
with a full region, `partialFingerprints.primaryLocationLineHash`) is filled in, so the
upload action has nothing to compute and an alert keeps its identity across runs.

Columns count Unicode code points (Python's string indices), and the run says so with
`columnKind: unicodeCodePoints`; the region's `endColumn` is exclusive, as SARIF defines it.

Kept apart from `chronolog.output` so that `chronolog check` loads it (and hashing, URL
quoting and the rule pages) only with `--format sarif`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from chronolog import __version__
from chronolog.model import Finding, Severity
from chronolog.output import PROJECT_URL, FileFindings
from chronolog.rule import Rule
from chronolog.rule_docs import absolute_links, first_paragraph, rule_doc, rule_doc_url
from chronolog.rules import ALL_RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "chronolog/v1"
LINE_HASH_KEY = "primaryLocationLineHash"
COLUMN_KIND = "unicodeCodePoints"

_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}


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


def _line_hashes(result: FileFindings) -> list[str]:
    """`primaryLocationLineHash` of each finding: a hash of its first line's text (spaces
    at the ends ignored) and that text's occurrence among the file's findings, so that
    code scanning matches an alert to its line when lines above it move."""
    seen: Counter[str] = Counter()
    hashes = []
    for finding in result.findings:
        text = result.lines[finding.line - 1].strip() if finding.line <= len(result.lines) else ""
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        seen[digest] += 1
        hashes.append(f"{digest}:{seen[digest]}")
    return hashes


def _region(finding: Finding, lines: Sequence[str]) -> dict[str, int]:
    """The finding's region; without an end column it ends after its last line's text."""
    region = {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": finding.end_line,
    }
    if finding.end_column is not None:
        region["endColumn"] = finding.end_column
    elif finding.end_line <= len(lines):
        end = len(lines[finding.end_line - 1]) + 1
        region["endColumn"] = max(end, finding.column) if finding.end_line == finding.line else end
    return region


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    page = rule_doc(rule.name)
    # Read outside the repository, the page's relative links would lead nowhere.
    helped = absolute_links(page)
    return {
        "id": rule.name,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": first_paragraph(page) or rule.summary},
        "help": {"text": helped, "markdown": helped},
        "helpUri": rule_doc_url(rule.name),
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
        prints = zip(result.findings, _fingerprints(result), _line_hashes(result), strict=True)
        for finding, fingerprint, line_hash in prints:
            region = _region(finding, result.lines)
            sarif_result: dict[str, Any] = {
                "ruleId": finding.rule,
                "level": _SARIF_LEVELS[finding.severity],
                "message": {"text": finding.message},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}
                ],
                "partialFingerprints": {LINE_HASH_KEY: line_hash, FINGERPRINT_KEY: fingerprint},
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
                "columnKind": COLUMN_KIND,
                "results": sarif_results,
            }
        ],
    }


def format_sarif(
    results: Sequence[FileFindings], *, rules: Sequence[Rule] = ALL_RULES, root: Path | None = None
) -> str:
    """`sarif_log` as indented JSON text."""
    return json.dumps(sarif_log(results, rules=rules, root=root), indent=2) + "\n"
