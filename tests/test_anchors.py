"""GitHub heading anchors and line permalinks, for every entry of the reference log."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from chronolog.anchors import (
    DROPPED_CATEGORIES,
    entry_anchor,
    entry_lines,
    github_anchor,
    heading_anchors,
    heading_link,
    permalink,
    slug,
)
from chronolog.inline import rendered_text
from chronolog.parse import parse_log
from tests.conftest import FIXTURES, LOGS

# github-slugger's 78 cases: headings in document order and the anchor GitHub gave each.
SLUGGER_CASES: list[dict[str, Any]] = json.loads(
    (FIXTURES / "github-slugger" / "fixtures.json").read_text(encoding="utf-8")
)
# The 35 cases after the first 43 sample one Unicode general category (or group) each.
CATEGORY_CASES = SLUGGER_CASES[43:]

# (heading line, anchor, last non-blank line) of every entry of the reference log.
REFERENCE_ENTRIES = [
    (5, "2022-11-25", 28),
    (30, "2022-11-18", 49),
    (51, "2022-11-16", 68),
    (70, "2022-10-24", 82),
    (85, "2022-10-21-occurred-2022-10-19", 114),
    (116, "2022-10-21", 118),
    (120, "2022-10-19", 122),
    (124, "2022-10-18", 126),
    (128, "2022-10-10", 134),
    (136, "2022-10-07", 181),
    (183, "2022-10-05", 185),
    (187, "2022-09-26", 191),
    (193, "2022-09-21", 197),
    (199, "2022-09-05", 205),
    (207, "2022-08-24", 211),
    (213, "2022-07-13", 215),
    (217, "2022-07-06", 235),
    (237, "2022-07-05", 273),
    (275, "2022-07-01", 279),
    (281, "2022-06-30", 285),
    (287, "2022-06-23", 289),
    (291, "2022-06-22", 318),
    (320, "2022-06-20", 385),
    (387, "2022-06-16", 417),
    (419, "2022-06-15", 490),
    (492, "2022-06-13", 500),
    (502, "2022-06-09", 515),
    (517, "2022-06-08", 523),
    (525, "2022-06-07", 527),
    (529, "2022-06-02", 531),
    (533, "2022-06-01", 535),
    (537, "2022-05-30", 547),
    (549, "2022-05-24", 561),
    (563, "2022-05-23", 567),
    (569, "2022-05-18", 573),
    (575, "2022-05-12", 603),
    (605, "2022-05-11", 615),
    (617, "2022-05-04", 627),
    (629, "2022-05-02", 631),
    (633, "2022-04-28", 637),
    (639, "2022-04-26", 641),
    (643, "2022-04-22", 670),
    (672, "2022-04-19", 676),
    (678, "2022-04-13", 682),
    (684, "2022-04-12", 690),
    (692, "2022-04-11", 698),
    (700, "2022-04-06", 710),
    (712, "2022-04-05", 727),
    (729, "2022-04-04", 755),
    (757, "2022-04-01", 774),
    (776, "2022-03-31", 780),
    (782, "2022-03-30", 788),
    (790, "2022-03-29", 794),
    (796, "2022-03-28", 803),
    (805, "2022-03-25", 824),
    (826, "2022-03-22", 832),
    (834, "2022-03-21", 844),
]

SHA = "da94ffd0123456789abcdef0123456789abcdef0"


def reference_log_text() -> str:
    return (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")


def test_anchor_and_lines_of_every_entry_of_the_reference_log() -> None:
    log = parse_log(reference_log_text())
    anchors = heading_anchors(log)

    assert [
        (entry.start_line, anchors[entry.start_line], entry_lines(log, entry)[1])
        for entry in log.entries
    ] == REFERENCE_ENTRIES


def test_permalinks_of_the_two_2022_10_21_entries() -> None:
    log = parse_log(reference_log_text())
    occurred, plain = (e for e in log.entries if e.date and e.date.isoformat() == "2022-10-21")

    assert log.line(occurred.start_line) == "## 2022-10-21 (occurred 2022-10-19)"
    assert entry_anchor(log, occurred) == "2022-10-21-occurred-2022-10-19"
    assert entry_anchor(log, plain) == "2022-10-21"
    assert (
        permalink("github.com", "sourcegraph/devx-scratch", SHA, "2022/support/log.snb.md", 85, 114)
        == "https://github.com/sourcegraph/devx-scratch/blob/"
        "da94ffd0123456789abcdef0123456789abcdef0/2022/support/log.snb.md?plain=1#L85-L114"
    )
    assert (
        heading_link(
            "github.com",
            "sourcegraph/devx-scratch",
            "main",
            "2022/support/log.snb.md",
            "2022-10-21",
        )
        == "https://github.com/sourcegraph/devx-scratch/blob/main/2022/support/log.snb.md#2022-10-21"
    )


def test_a_repeated_heading_gets_a_numbered_anchor() -> None:
    # A derived copy with a second bare `## 2022-10-21` above the first one.
    text = reference_log_text().replace(
        "## 2022-10-19\n", "## 2022-10-21\n\n@someone a second entry that day\n\n## 2022-10-19\n", 1
    )
    log = parse_log(text)
    dated = [(e.start_line, entry_anchor(log, e)) for e in log.entries[4:8]]

    assert dated == [
        (85, "2022-10-21-occurred-2022-10-19"),
        (116, "2022-10-21"),
        (120, "2022-10-21-1"),
        (124, "2022-10-19"),
    ]


def test_sub_headings_share_the_counter() -> None:
    log = parse_log((LOGS / "node-addon-api-changelog.md").read_text(encoding="utf-8"))
    anchors = heading_anchors(log)
    commits = [anchors[h.line] for h in log.headings if h.text == "Commits"]

    assert commits[:3] == ["commits", "commits-1", "commits-2"]
    assert anchors[1] == "node-addon-api-changelog"
    assert anchors[3] == "892-2026-08-10"  # `## [8.9.2](compare-url) (2026-08-10)`


def test_the_logs_own_anchor_links_resolve() -> None:
    log = parse_log((LOGS / "devx-stateless-agents-chrono.md").read_text(encoding="utf-8"))
    anchors = set(heading_anchors(log).values())

    # Line 84 links to #2022-03-23, line 198 to #2022-04-04-secondswaitedforexpecteddispatch.
    assert "2022-03-23" in anchors
    assert "2022-04-04-secondswaitedforexpecteddispatch" in anchors


def slugger_input(case: dict[str, Any]) -> str:
    """The case's heading text, less code points assigned after GitHub rendered it.

    The cases were rendered with Unicode 13.0; a later Unicode (Python 3.12 has 15.0)
    assigns some of the "Unassigned" code points, as letters that an anchor keeps. They
    are no longer unassigned, so they leave that case: dropping a dropped character
    changes no anchor.
    """
    text: str = case["input"]
    if case["name"] != "Unassigned":
        return text
    return "".join(
        char
        for char in text
        if unicodedata.category(char) == "Cn" or char in " ab" or char in case["expected"]
    )


def test_all_github_slugger_cases_in_document_order() -> None:
    seen: dict[str, int] = {}
    anchors = [(case["name"], github_anchor(slugger_input(case), seen)) for case in SLUGGER_CASES]

    assert (len(SLUGGER_CASES), len(CATEGORY_CASES)) == (78, 35)
    assert anchors == [(case["name"], case["expected"]) for case in SLUGGER_CASES]


@pytest.mark.parametrize("case", CATEGORY_CASES, ids=[c["name"] for c in CATEGORY_CASES])
def test_the_class_table_from_unicodedata_agrees_with_github_per_character(
    case: dict[str, Any],
) -> None:
    # Each case is `a`, then sample characters of one class separated by spaces, then `b`:
    # the characters GitHub kept are the ones in the anchor between `a` and `b`.
    samples = slugger_input(case)[1:-1].replace(" ", "")
    expected = case["expected"]
    github_kept = set(expected[1 : expected.rindex("b")]) - {"-"}

    assert set("".join(slug(char) for char in samples)) - {"-"} == github_kept


def test_the_dropped_categories() -> None:
    # Other numbers, punctuation but `_`, symbols, controls, format, private use,
    # unassigned, separators.
    assert " ".join(sorted(DROPPED_CATEGORIES)) == (
        "Cc Cf Cn Co No Pd Pe Pf Pi Po Ps Sc Sk Sm So Zl Zp Zs"
    )
    assert slug("x²① ⓐ 🅰 ½ Ⅻ ‿ é") == "x-ⓐ-🅰--ⅻ-‿-é"


def test_the_counter_never_reuses_an_anchor() -> None:
    seen: dict[str, int] = {}

    assert [github_anchor(text, seen) for text in ["echo", "echo", "echo 1", "echo"]] == [
        "echo",
        "echo-1",
        "echo-1-1",
        "echo-2",
    ]


def test_github_anchor_rules() -> None:
    seen: dict[str, int] = {}

    assert github_anchor("Assumption 1 - it is bash", seen) == "assumption-1---it-is-bash"
    assert github_anchor("What's new? C++ & Go!", seen) == "whats-new-c--go"
    assert github_anchor("snake_case Ünïcödé 日本", seen) == "snake_case-ünïcödé-日本"
    assert github_anchor("Fire 🔥", seen) == "fire-"
    assert github_anchor("Trimmed", seen) == "trimmed"
    assert github_anchor("trimmed", seen) == "trimmed-1"


HEADINGS = """# Headings as GitHub renders them

## [link][ref]

## [undefined][nowhere]

## `code` *em* __strong__ <b>tag</b> [text](https://x.y/z) ![img](a.png)

##   Trimmed by the parser   ##

# &#x20;a&#x20;

### echo

### echo

echo 1
------

[ref]: https://example.com/defined-below-its-use
"""


def test_anchors_come_from_the_rendered_heading() -> None:
    log = parse_log(HEADINGS)

    assert list(heading_anchors(log).values()) == [
        "headings-as-github-renders-them",
        "link",
        "undefinednowhere",
        "code-em-strong-tag-text-",
        "trimmed-by-the-parser",
        "-a-",
        "echo",
        "echo-1",
        "echo-1-1",
    ]


def test_rendered_text_drops_markup() -> None:
    assert rendered_text("2022-04-04 `secondsWaitedForExpectedDispatch`") == (
        "2022-04-04 secondsWaitedForExpectedDispatch"
    )
    assert rendered_text("[8.9.2](https://x.y/z) *big* <b>bold</b> ![img](a.png) &amp;") == (
        "8.9.2 big bold  &"
    )


def test_single_line_permalink_and_encoded_path() -> None:
    assert (
        permalink("ghe.example.com", "team/log", SHA, "logs/on call.md", 7, 7)
        == f"https://ghe.example.com/team/log/blob/{SHA}/logs/on%20call.md?plain=1#L7"
    )
