"""chronolog sees the headings and entries GitHub renders: a differential test against cmark-gfm."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from chronolog.parse import parse_log
from tests.conftest import LOGS
from tests.gfm import (
    chronolog_entries,
    chronolog_headings,
    documents,
    github_entries,
    github_headings,
)

# The patterns of issue 8 where a CommonMark 0.31.2 parser and GitHub disagree.
PATTERNS = {
    "table then rule": "## 2022-11-25\n\n@alice\n\n| a | b |\n|---|---|\n| c | d |\n---\n",
    "definition, tag line, heading": (
        '## 2022-11-25\n\n@alice see [x]\n\n[x]: https://example.com\n<img src="a.png">\n'
        "## 2022-11-24\n\n@bob\n"
    ),
    "lazy tag line after a list": (
        '## 2022-11-25\n\n@alice\n\n- rolled back\n<img src="graph.png">\n## 2022-11-24\n\n@bob\n'
    ),
    "doctype in lower case": "## 2022-11-25\n\n<!doctype html>\n## 2022-11-24\n",
    "search tag": "## 2022-11-25\n\n@alice\n<search>\n## 2022-11-24\n",
    "source tag": "## 2022-11-25\n\n@alice\n<source>\n## 2022-11-24\n",
    "front matter": "---\ntitle: Support log\nowner: devx\n---\n\n## 2022-11-25\n\n@alice\n",
    "front matter with a heading inside": "---\n## 2022-11-26\n...\n## 2022-11-25\n\n@alice\n",
    "unclosed front matter": "---\ntitle: x\n\n## 2022-11-25\n\n@alice\n",
}


def _agree(text: str) -> None:
    log = parse_log(text)
    assert chronolog_headings(log) == github_headings(text)
    assert chronolog_entries(log) == github_entries(text, len(log.lines))


@pytest.mark.parametrize("path", sorted(LOGS.glob("*.md")), ids=lambda path: path.name)
def test_every_real_log_has_githubs_entries(path: object) -> None:
    _agree(LOGS.joinpath(str(path)).read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", PATTERNS.values(), ids=PATTERNS.keys())
def test_the_patterns_where_commonmark_and_github_differ(text: str) -> None:
    _agree(text)


def test_what_github_shows_for_the_patterns() -> None:
    entries = {
        name: [e.heading.line for e in parse_log(text).entries] for name, text in PATTERNS.items()
    }
    assert entries == {
        "table then rule": [1],  # a table and a rule, not a setext heading
        "definition, tag line, heading": [1, 7],  # the definition's paragraph goes on
        "lazy tag line after a list": [1],  # `<img>` opens an HTML block that runs on
        "doctype in lower case": [1, 4],  # only `<!` and a capital letter open a block
        "search tag": [1, 5],  # not a block tag in cmark-gfm: an inline tag in a paragraph
        "source tag": [1],  # a block tag in cmark-gfm: it interrupts the paragraph and runs on
        "front matter": [6],
        "front matter with a heading inside": [4],
        "unclosed front matter": [4],
    }


def test_front_matter_is_metadata() -> None:
    log = parse_log(PATTERNS["front matter"])
    assert log.front_matter_end == 4
    assert log.headings[0].line == 6
    assert {1, 2, 3, 4} <= log.code_lines


@settings(
    max_examples=10_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents())
def _agree_on_generated(text: str) -> None:
    _agree(text)


@pytest.mark.differential
def test_generated_documents_have_githubs_entries() -> None:
    """10,000 documents; every one must agree (the issue asks for 99.9%)."""
    _agree_on_generated()
