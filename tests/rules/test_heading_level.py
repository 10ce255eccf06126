"""`heading-level`: a date heading is a top-level H2."""

from __future__ import annotations

from tests.conftest import LOGS
from tests.helpers import findings, fixed

RULE = "heading-level"


def test_date_headings_at_other_levels_are_fixed_to_h2() -> None:
    text = (
        "# Log\n\n## 2022-11-25\n\n@alice\n\n### 2022-11-24 Deploy\n\n@bob\n\n"
        "# 2022-11-23\n\n@carol\n\n### Thing 1: a sub-heading\n"
    )
    assert findings(text, RULE) == [
        (
            7,
            "the date heading `2022-11-24 Deploy` is an H3; entries start with a top-level "
            "H2: `## 2022-11-24 Deploy`",
        ),
        (
            11,
            "the date heading `2022-11-23` is an H1; entries start with a top-level "
            "H2: `## 2022-11-23`",
        ),
    ]
    assert fixed(text, RULE) == (
        "# Log\n\n## 2022-11-25\n\n@alice\n\n## 2022-11-24 Deploy\n\n@bob\n\n"
        "## 2022-11-23\n\n@carol\n\n### Thing 1: a sub-heading\n"
    )


def test_setext_h1_date_becomes_setext_h2() -> None:
    text = "# Log\n\n2022-11-24\n==========\n\n@alice\n"
    assert fixed(text, RULE) == "# Log\n\n2022-11-24\n----------\n\n@alice\n"


def test_heading_written_as_a_list_item_in_a_real_log() -> None:
    # devx-observability.md line 8 is `- ## 2022-11-21 ...`: it renders as a bullet.
    text = (LOGS / "devx-observability.md").read_text()
    assert findings(text, RULE) == [
        (
            8,
            "the date heading `2022-11-21 Multiple pipelines and FilterProcessor` is inside a "
            "list item or block quote; entries start with a top-level H2: "
            "`## 2022-11-21 Multiple pipelines and FilterProcessor`",
        )
    ]
    assert (
        fixed(text, RULE).splitlines()[7] == "## 2022-11-21 Multiple pipelines and FilterProcessor"
    )
