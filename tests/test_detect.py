"""Telling a dated log from other Markdown, for repositories without `logs:` in their config."""

from __future__ import annotations

import pytest

from chronolog.detect import (
    is_markdown_path,
    is_release_notes_name,
    looks_like_log,
    starts_with_date,
)
from tests.conftest import LOGS

DETECTED = [
    "devx-devops-pre-iso.md",  # `## 22-06-29 ...`: two-digit years still start with a date
    "devx-devops.md",
    "devx-observability-outoforder.md",
    "devx-observability.md",  # its `- ## 2022-11-21` is nested in a list and not counted
    "devx-scaletesting-log.base.md",
    "devx-scaletesting-log.head.md",
    "devx-stateless-agents-chrono.md",
    "devx-support-log-2022.md",
    "devx-support-log-cd.base.md",
    "devx-support-log-cd.head.md",
    "devx-support-log.head.md",
    "devx-support-log.md",
    "sourcegraph-search-iteration-log.md",  # 14 of 15: only the `YYYY-MM-DD to ...` template is not
]


@pytest.mark.parametrize("name", DETECTED)
def test_every_real_log_is_detected(name: str) -> None:
    assert looks_like_log((LOGS / name).read_text(encoding="utf-8"), path=f"docs/{name}")


def test_a_log_with_one_entry_is_not_detected_by_that_version_alone() -> None:
    # devx-support-log.base.md has one H2 (`## 2022-03-21`): fewer than two headings say
    # nothing about a convention. Its head version has three dated H2s and is detected,
    # and the app classifies a changed file by its base *or* head version.
    assert not looks_like_log((LOGS / "devx-support-log.base.md").read_text(encoding="utf-8"))


def test_the_node_addon_api_changelog_falls_short_of_two_thirds() -> None:
    # 41 H2 headings: 14 release-please ones (`## [8.9.2](url) (2026-08-10)`, a version
    # first) and 27 that start with a date (`## 2024-03-01 Version 8.0.0, @legendecas`).
    # 27/41 = 0.66 < 2/3, so by the rule it is not a log, even before its real name
    # (CHANGELOG.md) rules it out.
    text = (LOGS / "node-addon-api-changelog.md").read_text(encoding="utf-8")
    assert not looks_like_log(text)


def test_source_notes_are_not_a_log() -> None:
    assert not looks_like_log((LOGS / "SOURCE.md").read_text(encoding="utf-8"))


def test_keep_a_changelog_is_not_a_log() -> None:
    text = (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n- x\n\n"
        "## [1.2.0] - 2024-01-02\n\n- y\n\n## [1.1.0] - 2023-12-01\n\n- z\n"
    )
    assert not looks_like_log(text)


@pytest.mark.parametrize(
    "path", ["CHANGELOG.md", "docs/CHANGES.md", "HISTORY.md", "changelog.md", "NEWS.md"]
)
def test_release_notes_by_name_are_never_logs(path: str) -> None:
    text = "## 2024-01-02\n\n@a x\n\n## 2024-01-01\n\n@a y\n"
    assert looks_like_log(text)
    assert is_release_notes_name(path)
    assert not looks_like_log(text, path=path)


def test_two_thirds_exactly_is_enough_and_one_half_is_not() -> None:
    two_of_three = "## 2024-01-03\n\n## Notes\n\n## 2024-01-01\n"
    assert looks_like_log(two_of_three)
    assert not looks_like_log("## 2024-01-03\n\n## Notes\n")


def test_only_top_level_h2_headings_count() -> None:
    text = (
        "# 2024-01-05\n\n### 2024-01-04\n\n- ## 2024-01-03\n\n> ## 2024-01-02\n\n"
        "```\n## 2024-01-01\n## 2023-12-31\n```\n\n## Notes\n\nSetext 2023-12-30\n---\n"
    )
    # Only `## Notes` is a top-level H2 (the setext heading's text is not dated either).
    assert not looks_like_log(text)
    assert looks_like_log("2024-01-02\n---\n\n## 2024-01-01\n")


@pytest.mark.parametrize(
    "heading",
    [
        "2022-11-25",
        "2022-11-25 (occurred 2022-11-24)",
        "2022/11/25 deploy",
        "2022.11.25",
        "2022-11-5",
        "25/11/2022",
        "11/25/2022",
        "25.11.2022",
        "22-06-29 GCP Cost Reduction",
        "Nov 24, 2022",
        "November 24th, 2022",
        "Sept. 3 2022",
        "24 November 2022",
        "3rd of March, 2022",
        "Monday, 2022-01-03",
        "[2022-11-25](https://example.com)",
        "**2022-11-25**",
        "2022-11-25T10:00Z",
    ],
)
def test_headings_that_start_with_a_date(heading: str) -> None:
    assert starts_with_date(heading)


@pytest.mark.parametrize(
    "heading",
    [
        "[1.2.0] - 2024-01-02",
        "[Unreleased]",
        "[8.9.2](https://github.com/nodejs/node-addon-api/compare/v8.9.1...v8.9.2) (2026-08-10)",
        "1.10.12",  # a version: two-digit years only with - or /
        "Version 2022-11-25",
        "YYYY-MM-DD to YYYY-MM-DD",
        "2022-13-01",
        "2022-11-32",
        "20221125",
        "2022-11-250",
        "May the force",
    ],
)
def test_headings_that_do_not_start_with_a_date(heading: str) -> None:
    assert not starts_with_date(heading)


@pytest.mark.parametrize(
    ("path", "markdown"),
    [
        ("docs/log.md", True),
        ("LOG.MD", True),
        ("a.markdown", True),
        ("a.txt", False),
        ("md", False),
    ],
)
def test_markdown_paths(path: str, markdown: bool) -> None:
    assert is_markdown_path(path) is markdown
