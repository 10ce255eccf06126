"""SARIF of the real logs in tests/fixtures, held to SARIF 2.1.0's constraints and to what
GitHub code scanning requires, result by result.

No SARIF schema ships in a light, maintained Python package (sarif-om has no validation,
sarif-pydantic makes every field optional), and vendoring the OASIS schema would be a copy
to keep in step; these checks spell out the constraints that matter for our output instead.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chronolog.cli import main
from chronolog.rules import ALL_RULES
from tests.conftest import LOGS

LEVELS = {"none", "note", "warning", "error"}  # SARIF's result.level enum


@pytest.fixture
def sarif(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, object]:
    """`chronolog check --format sarif` on every fixture log, from a copy of them."""
    for log in sorted(LOGS.glob("*.md")):
        if log.name != "SOURCE.md":
            shutil.copy(log, tmp_path / log.name)
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "sarif", "--unsafe-fixes", "*.md"])
    loaded = json.loads(capsys.readouterr().out)
    assert isinstance(loaded, dict)
    return loaded


def test_every_rule_has_what_code_scanning_requires(sarif: dict[str, object]) -> None:
    (run,) = sarif["runs"]  # type: ignore[misc]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.name for rule in ALL_RULES]
    for rule in rules:
        assert set(rule) >= {"id", "shortDescription", "fullDescription", "help", "helpUri"}
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["fullDescription"]["text"] != rule["shortDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://github.com/chronolog/chronolog/blob/")
        assert rule["defaultConfiguration"]["level"] in LEVELS


def test_every_result_has_a_full_region_in_code_points(sarif: dict[str, object]) -> None:
    (run,) = sarif["runs"]  # type: ignore[misc]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) > 50  # the fixtures have findings of most rules
    assert {result["ruleId"] for result in results} >= {
        "date-heading",
        "newest-first",
        "participants",
        "duration-tag",
        "mojibake",
    }
    files: dict[str, list[str]] = {}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in LEVELS
        assert result["message"]["text"]
        (location,) = result["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        if uri not in files:
            text = Path(uri).read_text(encoding="utf-8").removeprefix("\ufeff")
            files[uri] = text.splitlines()
        lines = files[uri]
        region = location["physicalLocation"]["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert 1 <= region["startLine"] <= region["endLine"] <= len(lines)
        assert region["startColumn"] >= 1
        # endColumn is exclusive: at most one past the end of its line, in code points.
        assert region["endColumn"] <= len(lines[region["endLine"] - 1]) + 1
        if region["startLine"] == region["endLine"]:
            assert region["startColumn"] <= region["endColumn"]
        line_hash = result["partialFingerprints"]["primaryLocationLineHash"]
        digest, _, count = line_hash.partition(":")
        assert len(digest) == 16
        assert int(count) >= 1


def test_fingerprints_are_unique_per_file(sarif: dict[str, object]) -> None:
    (run,) = sarif["runs"]  # type: ignore[misc]
    seen: set[tuple[str, str, str]] = set()
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        key = (uri, result["ruleId"], result["partialFingerprints"]["chronolog/v1"])
        assert key not in seen
        seen.add(key)
