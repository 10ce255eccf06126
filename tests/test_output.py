"""The output formats, on findings built by hand so each field is pinned exactly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from chronolog.model import Applicability, Edit, Finding, Fix, Severity
from chronolog.output import FileFindings, format_github, format_json, format_text, summary_line
from chronolog.rule_docs import absolute_links, release_url, rule_doc, rule_doc_url
from chronolog.rules import ALL_RULES
from chronolog.sarif import artifact_uri, format_sarif, sarif_log

SAFE_FIX = Fix("Rewrite the heading as `## 2022-11-25`", (Edit(3, 3, ("## 2022-11-25",)),))
UNSAFE_FIX = Fix("Change the year to 2023", (Edit(7, 7, ("## 2023-01-03",)),), Applicability.UNSAFE)
HEADING = Finding(
    "date-heading", Severity.ERROR, 3, 3, "`## 25/11/2022` is not an ISO 8601 date", SAFE_FIX
)
ORDER = Finding("newest-first", Severity.ERROR, 7, 9, "out of order", UNSAFE_FIX)
TAG = Finding(
    "duration-tag", Severity.WARNING, 5, 5, "write `$DURATION=10m`", column=10, end_column=22
)
LINES = tuple(f"line {n}" for n in range(1, 11))


def results(*findings: Finding, path: str = "log.md") -> list[FileFindings]:
    return [FileFindings(path, findings, LINES)]


def test_text_is_one_ruff_like_line_per_finding_with_fixability() -> None:
    assert format_text(results(HEADING, TAG, ORDER)).splitlines() == [
        "log.md:3:1: error [date-heading] `## 25/11/2022` is not an ISO 8601 date (fixable)",
        "log.md:5:10: warning [duration-tag] write `$DURATION=10m`",
        "log.md:7:1: error [newest-first] out of order (fixable with --unsafe-fixes)",
    ]
    assert format_text(results(ORDER), unsafe=True) == (
        "log.md:7:1: error [newest-first] out of order (fixable)\n"
    )
    assert format_text(results()) == ""


def test_summary_counts_problems_and_what_fix_would_do() -> None:
    assert summary_line(results()) == "All checks passed!"
    assert summary_line(results(TAG)) == "Found 1 problem"
    assert summary_line(results(HEADING, TAG)) == "Found 2 problems (1 fixable with --fix)"
    assert summary_line(results(HEADING, ORDER)) == (
        "Found 2 problems (1 fixable with --fix; 1 more with --fix --unsafe-fixes)"
    )
    assert summary_line(results(HEADING, ORDER), unsafe=True) == (
        "Found 2 problems (2 fixable with --fix)"
    )
    assert summary_line(results(), unreadable=1) == (
        "No problems found; 1 file could not be checked"
    )
    assert summary_line(results(TAG), unreadable=2) == (
        "Found 1 problem; 2 files could not be checked"
    )


def test_json_objects_carry_every_field_and_the_fix() -> None:
    payload = json.loads(format_json(results(HEADING, TAG, ORDER)))
    assert payload == [
        {
            "path": "log.md",
            "line": 3,
            "end_line": 3,
            "column": 1,
            "end_column": None,
            "rule": "date-heading",
            "severity": "error",
            "message": "`## 25/11/2022` is not an ISO 8601 date",
            "fixable": True,
            "fix": {
                "title": "Rewrite the heading as `## 2022-11-25`",
                "applicability": "safe",
                "edits": [{"start_line": 3, "end_line": 3, "content": ["## 2022-11-25"]}],
            },
        },
        {
            "path": "log.md",
            "line": 5,
            "end_line": 5,
            "column": 10,
            "end_column": 22,
            "rule": "duration-tag",
            "severity": "warning",
            "message": "write `$DURATION=10m`",
            "fixable": False,
            "fix": None,
        },
        {
            "path": "log.md",
            "line": 7,
            "end_line": 9,
            "column": 1,
            "end_column": None,
            "rule": "newest-first",
            "severity": "error",
            "message": "out of order",
            "fixable": False,
            "fix": {
                "title": "Change the year to 2023",
                "applicability": "unsafe",
                "edits": [{"start_line": 7, "end_line": 7, "content": ["## 2023-01-03"]}],
            },
        },
    ]
    assert json.loads(format_json(results(ORDER), unsafe=True))[0]["fixable"] is True
    assert format_json([]) == "[]\n"


def test_json_is_ascii_safe_and_keeps_non_ascii_text() -> None:
    message = "`\u00f0\u0178\u2018\u2030` is mojibake for `\U0001f449`"
    text = format_json(results(Finding("mojibake", Severity.WARNING, 2, 2, message)))
    assert text.isascii()
    assert json.loads(text)[0]["message"] == message


def test_github_commands_escape_data_and_properties() -> None:
    notice = Finding("participants", Severity.NOTICE, 4, 4, "100% sure\r\nsecond line")
    assert format_github(
        results(HEADING, TAG, ORDER, notice, path="logs/a,b:c.md")
    ).splitlines() == [
        "::error file=logs/a%2Cb%3Ac.md,line=3,endLine=3,col=1,title=chronolog date-heading"
        "::`## 25/11/2022` is not an ISO 8601 date",
        "::warning file=logs/a%2Cb%3Ac.md,line=5,endLine=5,col=10,endColumn=22,"
        "title=chronolog duration-tag::write `$DURATION=10m`",
        "::error file=logs/a%2Cb%3Ac.md,line=7,endLine=9,col=1,title=chronolog newest-first"
        "::out of order",
        "::notice file=logs/a%2Cb%3Ac.md,line=4,endLine=4,col=1,title=chronolog participants"
        "::100%25 sure%0D%0Asecond line",
    ]


def test_artifact_uri_is_relative_with_forward_slashes_under_the_root(tmp_path: Path) -> None:
    assert artifact_uri(str(tmp_path / "logs" / "2022" / "log.md"), tmp_path) == (
        "logs/2022/log.md"
    )
    assert artifact_uri(str(tmp_path / "my log.md"), tmp_path) == "my%20log.md"
    outside = tmp_path.parent / "elsewhere.md"
    assert artifact_uri(str(outside), tmp_path) == outside.as_uri()


def test_sarif_has_the_shape_code_scanning_reads(tmp_path: Path) -> None:
    path = str(tmp_path / "logs" / "log.md")
    sarif = sarif_log(results(HEADING, TAG, path=path), root=tmp_path)
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "chronolog"
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == [rule.name for rule in ALL_RULES]
    date_heading = driver["rules"][0]
    assert date_heading["shortDescription"]["text"] == ALL_RULES[0].summary
    # GitHub's "SARIF support for code scanning" asks every rule for these.
    assert date_heading["fullDescription"] == {
        "text": "Every H2 heading is an ISO 8601 date, `YYYY-MM-DD`, that exists in the "
        "calendar, optionally followed by a space and a note:"
    }
    page = rule_doc("date-heading")
    assert date_heading["help"]["text"] == date_heading["help"]["markdown"]
    assert date_heading["help"]["text"] == absolute_links(page)
    assert date_heading["help"]["markdown"].startswith("# `date-heading` (error)\n")
    # The page's relative links point at the docs of this release on GitHub.
    docs = release_url()
    assert f"]({docs}/docs/config.md#inline-suppression)" in date_heading["help"]["markdown"]
    assert "](../" not in date_heading["help"]["markdown"]
    assert date_heading["helpUri"] == f"{docs}/src/chronolog/rules/docs/date-heading.md"
    assert date_heading["defaultConfiguration"] == {"level": "error"}
    for rule in driver["rules"]:
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"].startswith(f"# `{rule['id']}` (")
        assert rule["helpUri"].endswith(f"/{rule['id']}.md")
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in driver["rules"]}
    assert levels["mojibake"] == "warning"
    assert run["columnKind"] == "unicodeCodePoints"

    first, second = run["results"]
    assert first["ruleId"] == "date-heading"
    assert first["ruleIndex"] == 0
    assert first["level"] == "error"
    assert first["message"] == {"text": "`## 25/11/2022` is not an ISO 8601 date"}
    # No end column of its own: the region ends after the line's text (`line 3`).
    assert first["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "logs/log.md"},
                "region": {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 7},
            }
        }
    ]
    assert first["partialFingerprints"]["primaryLocationLineHash"] == (
        hashlib.sha256(b"line 3").hexdigest()[:16] + ":1"
    )
    assert second["level"] == "warning"
    assert second["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5,
        "startColumn": 10,
        "endLine": 5,
        "endColumn": 22,
    }
    assert json.loads(format_sarif(results(HEADING, path=path), root=tmp_path)) == sarif_log(
        results(HEADING, path=path), root=tmp_path
    )


def test_notice_is_a_sarif_note() -> None:
    notice = Finding("participants", Severity.NOTICE, 4, 4, "hm")
    assert sarif_log(results(notice))["runs"][0]["results"][0]["level"] == "note"


def test_sarif_fingerprints_follow_the_text_not_the_line_number() -> None:
    def fingerprint(lines: tuple[str, ...], line: int) -> str:
        finding = Finding("date-heading", Severity.ERROR, line, line, "bad")
        result = FileFindings("log.md", (finding,), lines)
        return str(sarif_log([result])["runs"][0]["results"][0]["partialFingerprints"])

    before = fingerprint(("# Log", "## 25/11/2022"), 2)
    assert fingerprint(("# Log", "", "new line", "## 25/11/2022"), 4) == before
    assert fingerprint(("# Log", "## 26/11/2022"), 2) != before


def test_repeated_identical_findings_get_distinct_fingerprints() -> None:
    same = Finding("empty-entry", Severity.ERROR, 1, 1, "empty")
    again = Finding("empty-entry", Severity.ERROR, 2, 2, "empty")
    result = FileFindings("log.md", (same, again), ("## 2022-01-02", "## 2022-01-02"))
    prints = [
        r["partialFingerprints"]["chronolog/v1"] for r in sarif_log([result])["runs"][0]["results"]
    ]
    assert prints[0].endswith(":1")
    assert prints[1].endswith(":2")
    assert prints[0].split(":")[0] == prints[1].split(":")[0]


def test_sarif_line_hashes_count_repeats_and_ignore_indentation() -> None:
    def hashes(lines: tuple[str, ...], *at: int) -> list[str]:
        found = tuple(Finding("mojibake", Severity.WARNING, n, n, "m") for n in at)
        log = sarif_log([FileFindings("log.md", found, lines)])
        return [
            r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"]
        ]

    digest = hashlib.sha256("cafÃ©".encode()).hexdigest()[:16]
    assert hashes(("cafÃ©", "  cafÃ©", "other"), 1, 2) == [f"{digest}:1", f"{digest}:2"]
    assert hashes(("# Log", "", "cafÃ©"), 3) == [f"{digest}:1"]


def test_sarif_columns_are_code_points_and_the_end_is_exclusive() -> None:
    # A line holding an emoji (two UTF-16 code units, one code point) before the span.
    finding = Finding("mojibake", Severity.WARNING, 1, 1, "m", column=3, end_column=7)
    lines = ("🔥 ðŸ”¥ after",)
    (result,) = sarif_log([FileFindings("log.md", (finding,), lines)])["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert lines[0][region["startColumn"] - 1 : region["endColumn"] - 1] == "ðŸ”¥"


def test_help_links_point_at_the_release_or_at_main_between_releases() -> None:
    base = "https://github.com/chronolog/chronolog/blob"
    assert release_url("0.1.0") == f"{base}/v0.1.0"
    assert release_url("1.2.3") == f"{base}/v1.2.3"
    assert release_url("0.2.0.dev0") == f"{base}/main"
    assert rule_doc_url("mojibake", "1.2.3") == (
        f"{base}/v1.2.3/src/chronolog/rules/docs/mojibake.md"
    )
    page = "See [the config](../../../../docs/config.md#x), [a rule](mojibake.md), [web](https://e.org/a)."
    assert absolute_links(page, "1.2.3") == (
        f"See [the config]({base}/v1.2.3/docs/config.md#x), "
        f"[a rule]({base}/v1.2.3/src/chronolog/rules/docs/mojibake.md), [web](https://e.org/a)."
    )
