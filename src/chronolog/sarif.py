"""SARIF 2.1.0 for GitHub code scanning: one run, every rule, one result per finding.

Kept apart from `chronolog.output` so that `chronolog check` loads it (and hashing and URL
quoting) only with `--format sarif`.
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
from chronolog.model import Severity
from chronolog.output import PROJECT_URL, FileFindings
from chronolog.rule import Rule
from chronolog.rules import ALL_RULES

RULE_DOCS_URL = f"{PROJECT_URL}/blob/main/docs/rules/"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "chronolog/v1"

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
