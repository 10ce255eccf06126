"""`duration-tag`: time spent is tagged `$DURATION=<number><m|h>`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolog.check import check_log
from chronolog.parse import parse_log
from chronolog.rule import Context
from chronolog.rules import duration_tag
from chronolog.rules.duration_tag import RULE as DURATION_TAG
from tests.helpers import findings, fixed

RULE = "duration-tag"
LOGS = Path(__file__).parents[1] / "fixtures" / "logs"


def entry(body: str) -> str:
    """A one-entry log whose body starts on line 3."""
    return f"## 2022-06-02\n\n{body}\n"


def message(written: str, canonical: str) -> str:
    return f"`{written}` is not a canonical duration tag; write `{canonical}`"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("@DURATION=3h", "$DURATION=3h"),
        ("DURATION=10m", "$DURATION=10m"),
        ("DURATTION=20m", "$DURATION=20m"),
        ("DURATON=20m", "$DURATION=20m"),
        ("$duration=15m", "$DURATION=15m"),
        ("$DURATION = 90 min", "$DURATION=90m"),
        ("$DURATION=90mins", "$DURATION=90m"),
        ("DURATION=45 minutes", "$DURATION=45m"),
        ("DURATION: 30m", "$DURATION=30m"),
        ("$Duration: 2 hours", "$DURATION=2h"),
        ("DURATION=1hr", "$DURATION=1h"),
        ("DURATION=2HRS", "$DURATION=2h"),
        ("DURATION=1.5h", "$DURATION=1.5h"),
    ],
)
def test_variants_are_rewritten_to_the_canonical_tag(written: str, canonical: str) -> None:
    text = entry(f"@alice fixed the build. {written}")
    assert findings(text, RULE) == [(3, message(written, canonical))]
    assert fixed(text, RULE) == entry(f"@alice fixed the build. {canonical}")


@pytest.mark.parametrize(
    "body",
    [
        "@alice fixed the build. $DURATION=45m",
        "@alice $DURATION=1.5h",
        # Prose, not tags.
        'we only alert on "expected dispatch duration", which requires the dispatcher',
        "Duration: 2 hours of waiting",  # a bare `:` form must be in capitals to be a tag
        "the build duration=slow",
        # Not a duration tag: other names, no unit, other units.
        "TASK_DURATION=5m and XDURATION=5m",
        "DURATION=30 and DURATION=5ms and DURATION=3days",
        # Code is quoted as it was typed.
        "`DURATION=10m` is how it was written, and ``a ` DURATION=5m`` too",
        "```\nDURATION=10m\n```",
        "    DURATION=10m",
    ],
)
def test_canonical_tags_prose_and_code_are_left_alone(body: str) -> None:
    assert findings(entry(body), RULE) == []


def test_surrounding_text_is_kept() -> None:
    text = entry("asap.  DURATION=30m .\n\nissue. DURATION=60m.\n\n(DURATION=5m)")
    assert fixed(text, RULE) == entry(
        "asap.  $DURATION=30m .\n\nissue. $DURATION=60m.\n\n($DURATION=5m)"
    )


def test_a_tag_after_an_unclosed_backtick_is_outside_code() -> None:
    text = entry("a stray ` backtick, DURATION=5m")
    assert findings(text, RULE) == [(3, message("DURATION=5m", "$DURATION=5m"))]


def test_an_escaped_backtick_does_not_open_code() -> None:
    text = entry(r"an escaped \` then DURATION=5m and a `span`")
    assert findings(text, RULE) == [(3, message("DURATION=5m", "$DURATION=5m"))]


def test_two_tags_on_a_line_make_one_finding_whose_fix_rewrites_both() -> None:
    text = entry("@alice DURATION=10m then @DURATION=1h, and $DURATION=5m")
    assert findings(text, RULE) == [
        (3, message("DURATION=10m", "$DURATION=10m") + " (and `@DURATION=1h` as `$DURATION=1h`)")
    ]
    assert fixed(text, RULE) == entry("@alice $DURATION=10m then $DURATION=1h, and $DURATION=5m")


def test_the_finding_points_at_the_tag() -> None:
    [finding] = check_log(
        parse_log(entry("@alice fixed it DURATION=10m.")),
        Context(dt.date(2026, 11, 25)),
        [DURATION_TAG],
    )
    assert (finding.line, finding.column, finding.end_column) == (3, 17, 29)
    assert finding.severity == "warning"
    assert finding.fix is not None
    assert finding.fix.applicability == "safe"


# The reference log: every variant it has, by line.
REFERENCE_VARIANTS = [
    (385, "@DURATION=3h", "$DURATION=3h"),
    (417, "@DURATION=45m", "$DURATION=45m"),
    (490, "@DURATION=3h", "$DURATION=3h"),
    (531, "DURATION=10m", "$DURATION=10m"),
    (535, "DURATION=15m", "$DURATION=15m"),
    (553, "DURATION=30m", "$DURATION=30m"),
    (557, "DURATION=45m", "$DURATION=45m"),
    (561, "DURATTION=20m", "$DURATION=20m"),
    (567, "DURATION=60m", "$DURATION=60m"),
    (573, "DURATION=30m", "$DURATION=30m"),
]


def reference() -> str:
    return (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")


def test_the_reference_log_has_ten_variants() -> None:
    # Its 18 other tags are canonical `$DURATION=…`; "expected dispatch duration" (L328) is prose.
    assert findings(reference(), RULE) == [
        (line, message(written, canonical)) for line, written, canonical in REFERENCE_VARIANTS
    ]


def test_fixing_the_reference_log_changes_only_the_tags() -> None:
    original = reference().split("\n")
    repaired = fixed(reference(), RULE).split("\n")
    assert len(repaired) == len(original)
    changed = [n for n, (a, b) in enumerate(zip(original, repaired, strict=True), 1) if a != b]
    assert changed == [line for line, _, _ in REFERENCE_VARIANTS]
    for line, written, canonical in REFERENCE_VARIANTS:
        assert repaired[line - 1] == original[line - 1].replace(written, canonical, 1)
    assert repaired[552].endswith("we need to fix this asap.  $DURATION=30m .")
    assert repaired[566].endswith("hints at some buffering issue. $DURATION=60m.")


def test_fixing_twice_equals_fixing_once_and_the_result_checks_clean() -> None:
    once = fixed(reference(), RULE)
    assert fixed(once, RULE) == once
    assert findings(once, RULE) == []


# Where a tag can hide from the scan that picks the lines the full pattern runs on.


def test_a_tag_on_the_first_line_of_the_file_is_found() -> None:
    text = "DURATION=5m\n\n" + entry("@alice")
    assert findings(text, RULE) == [(1, message("DURATION=5m", "$DURATION=5m"))]


def test_spaces_and_tabs_around_either_separator_are_seen() -> None:
    text = entry("DURATION \t= 10m\n\nDURATION\t:\t5h\n\nDURATION  =  7 m")
    assert findings(text, RULE) == [
        (3, message("DURATION \t= 10m", "$DURATION=10m")),
        (5, message("DURATION\t:\t5h", "$DURATION=5h")),
        (7, message("DURATION  =  7 m", "$DURATION=7m")),
    ]


def test_a_separator_after_only_spaces_at_the_start_of_the_file_is_not_a_tag() -> None:
    # Looking back from `=` for the word must stop at the start, not wrap round to the
    # end of the file (which ends in "an" and spaces here).
    text = "  = 5 and : 6\n\n" + entry("DURATION=5m, then\n\nx = 1, y: 2 and a plan  ")
    assert findings(text, RULE) == [(5, message("DURATION=5m", "$DURATION=5m"))]


def test_a_canonical_tag_does_not_hide_a_variant_on_its_line() -> None:
    text = entry("$DURATION=45m, then DURATION=10m\n\n$DURATION=5m $DURATION=1h")
    assert findings(text, RULE) == [(3, message("DURATION=10m", "$DURATION=10m"))]


def test_colon_and_equals_tags_on_alternate_lines_are_reported_in_line_order() -> None:
    text = entry("DURATION: 1h\nDURATION=2h\nDURATION: 3h\nDURATION=4h")
    assert [line for line, _ in findings(text, RULE)] == [3, 4, 5, 6]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Canonical at the very start of the file: nothing before it to look at.
        ("$DURATION=5m\n\n" + entry("@alice"), []),
        # Canonical up to its unit only: still a variant.
        (
            entry("@alice $DURATION=1.5hours"),
            [(3, message("$DURATION=1.5hours", "$DURATION=1.5h"))],
        ),
        (entry("@alice $DURATION=20mins"), [(3, message("$DURATION=20mins", "$DURATION=20m"))]),
    ],
)
def test_only_a_whole_canonical_tag_is_passed_over(
    text: str, expected: list[tuple[int, str]]
) -> None:
    assert findings(text, RULE) == expected


_PIECES = ["DURATION", "duration", "DURRAATTIOON", "Duraton", "$", "@", "=", ":", " ", "\t"]
_PIECES += ["5", "1.5", "m", "h", "hours", "mins", "x", "n", "_", "`", "=5m", " : "]


@given(st.lists(st.sampled_from(_PIECES), max_size=16).map("".join))
@settings(max_examples=2000, deadline=None)
def test_searching_from_the_first_separator_finds_every_tag_a_whole_line_search_finds(
    line: str,
) -> None:
    # The rule searches a line from just before its first `=` or `:` tag separator.
    pattern = duration_tag.DURATION_TAG
    everywhere = [match.span() for match in pattern.finditer(line)]
    start = duration_tag._first_tag_start(line)
    assert [match.span() for match in pattern.finditer(line, start)] == everywhere
