"""`mojibake`: UTF-8 text that was read in the wrong encoding, repaired by ftfy."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chronolog.check import check_log
from chronolog.parse import parse_log
from chronolog.rule import Context
from chronolog.rules.mojibake import RULE as MOJIBAKE
from tests.helpers import findings, fixed

RULE = "mojibake"
LOGS = Path(__file__).parents[1] / "fixtures" / "logs"
POINTING = "\u00f0\u0178\u2018\u2030"  # 👉 (U+1F449) as UTF-8 bytes read as Windows-1252
FIRE = "\u00f0\u0178\u201d\u00a5"  # 🔥
CAFE = "caf\u00c3\u00a9"  # café
QUOTES = "\u00e2\u20ac\u0153quoted\u00e2\u20ac\u009d"  # “quoted”


def entry(body: str) -> str:
    """A one-entry log whose body starts on line 3."""
    return f"## 2022-10-21\n\n{body}\n"


def message(bad: str, good: str, more: str = "") -> str:
    return (
        f"`{bad}` is mojibake for `{good}`{more}: UTF-8 text read in the wrong encoding; "
        "put the original characters back"
    )


def test_an_emoji_turned_to_mojibake_is_repaired() -> None:
    text = entry(f"@alice {POINTING} Using target")
    assert findings(text, RULE) == [(3, message(POINTING, "👉"))]
    assert fixed(text, RULE) == entry("@alice 👉 Using target")


def test_every_repair_on_a_line_is_counted() -> None:
    text = entry(f"@alice {CAFE} and {QUOTES} {FIRE}")
    assert findings(text, RULE) == [(3, message("\u00c3\u00a9", "é", " (and 3 more on this line)"))]
    assert fixed(text, RULE) == entry("@alice café and “quoted” 🔥")


def test_code_blocks_are_checked_too() -> None:
    # Pasted terminal output is where mojibake shows up.
    text = entry(f"```\n{FIRE} Cache hit\n```")
    assert findings(text, RULE) == [(4, message(FIRE, "🔥"))]
    assert fixed(text, RULE) == entry("```\n🔥 Cache hit\n```")


@pytest.mark.parametrize(
    "body",
    [
        "@alice plain ASCII",
        "@alice naïve café, Zürich, 東京, 👉",
        # fix_text would straighten these quotes and narrow the full-width letters;
        # they are not mistakes, so they stay.
        "@alice “curly” \u2018quotes\u2019 — and \uff26\uff35\uff2c\uff2c width…",
        "@alice Þórr, and the letter ð",
        "@alice à la carte, déjà vu",
    ],
)
def test_text_that_is_not_mojibake_is_left_alone(body: str) -> None:
    assert findings(entry(body), RULE) == []


def test_only_utf8_read_as_windows_1252_or_latin_1_is_looked_for() -> None:
    # ftfy would also undo MacRoman mojibake (here of a curly apostrophe), but looking for
    # every encoding's costs seconds on a large non-English log, and it is rare in logs.
    assert findings(entry("@alice it\u201a\u00c4\u00f4s done"), RULE) == []


def test_the_finding_points_at_the_mojibake() -> None:
    [finding] = check_log(
        parse_log(entry(f"@alice {POINTING} ok")), Context(dt.date(2026, 11, 25)), [MOJIBAKE]
    )
    assert (finding.line, finding.column, finding.end_column) == (3, 8, 12)
    assert finding.severity == "warning"
    assert finding.fix is not None
    assert finding.fix.applicability == "safe"


def test_crlf_line_endings_are_kept() -> None:
    assert fixed(f"## 2022-10-21\r\n\r\n{CAFE}\r\n", RULE) == "## 2022-10-21\r\n\r\ncafé\r\n"


# The reference log: emoji in two pasted terminal outputs arrived as mojibake.


def reference() -> str:
    return (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")


def test_the_reference_log_has_six_mojibake_lines() -> None:
    assert findings(reference(), RULE) == [
        (98, message(POINTING, "👉")),
        (99, message(POINTING, "👉")),
        (100, message(POINTING, "👉")),
        (101, message(POINTING, "👉")),
        (102, message(POINTING, "👉")),
        (312, message(FIRE, "🔥")),
    ]


def test_fixing_the_reference_log_repairs_only_those_lines() -> None:
    original = reference().split("\n")
    repaired = fixed(reference(), RULE).split("\n")
    assert repaired[97] == '2022-10-19T17:08:10.0074999Z 👉 Using target "latest"'
    assert repaired[311].startswith(">[node_modules] - 🔥 Cache hit: s3://")
    changed = [n for n, (a, b) in enumerate(zip(original, repaired, strict=True), 1) if a != b]
    assert changed == [98, 99, 100, 101, 102, 312]


def test_fixing_twice_equals_fixing_once_and_the_result_checks_clean() -> None:
    once = fixed(reference(), RULE)
    assert fixed(once, RULE) == once
    assert findings(once, RULE) == []


@pytest.mark.parametrize(
    "name",
    [path.name for path in sorted(LOGS.glob("*.md")) if path.name != "devx-support-log-2022.md"],
)
def test_no_other_log_has_mojibake(name: str) -> None:
    # They hold real emoji and accents (👉, 🔥, Zürich), correctly encoded.
    text = (LOGS / name).read_text(encoding="utf-8")
    expected = (
        [] if name != "SOURCE.md" else [(96, message(POINTING, "👉", " (and 1 more on this line)"))]
    )
    assert findings(text, RULE) == expected


@pytest.mark.parametrize(
    ("body", "columns", "bad", "good"),
    [
        ("Ã©", (1, 3), "Ã©", "é"),
        ("Ã© at the start", (1, 3), "Ã©", "é"),
        ("ends with Ã©", (11, 13), "Ã©", "é"),
        # The repair's own characters on both sides of the mojibake do not shift it.
        ("ééÃ©é", (3, 5), "Ã©", "é"),
        # Adjacent mojibake is one stretch.
        (f"{POINTING}{POINTING} x", (1, 9), POINTING * 2, "👉👉"),
    ],
)
def test_the_columns_span_exactly_the_mojibake(
    body: str, columns: tuple[int, int], bad: str, good: str
) -> None:
    [finding] = check_log(parse_log(entry(body)), Context(dt.date(2026, 11, 25)), [MOJIBAKE])
    assert (finding.column, finding.end_column) == columns
    assert finding.message == message(bad, good)


# In a fresh interpreter: this one may have imported ftfy or wcwidth already.
_IMPORTS_IN_A_FRESH_PROCESS = """
import sys
from chronolog.rules.mojibake import repair_line
print(repair_line(sys.argv[1]))
print("wcwidth" in sys.modules, "ftfy.formatting" in sys.modules)
import ftfy
from ftfy.formatting import monospaced_width
print(repr(ftfy.display_ljust("\u8eca", 4, ".")), monospaced_width("\u8eca"))
"""


def test_repairing_leaves_ftfys_terminal_helpers_unimported_until_used() -> None:
    # wcwidth, which only `ftfy.formatting` needs, was a third of ftfy's import time.
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORTS_IN_A_FRESH_PROCESS, CAFE],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert completed.stdout.splitlines() == ["café", "False False", "'車..' 2"]


_THREADS_IN_A_FRESH_PROCESS = """
import sys
from concurrent.futures import ThreadPoolExecutor
from chronolog.rules.mojibake import repair_line
with ThreadPoolExecutor(8) as pool:
    print(set(pool.map(repair_line, [sys.argv[1]] * 64)))
"""


def test_threads_repairing_at_once_all_get_ftfy_whole() -> None:
    # The first repair imports ftfy; the others must wait for it, not see it half-imported.
    completed = subprocess.run(
        [sys.executable, "-c", _THREADS_IN_A_FRESH_PROCESS, CAFE],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert completed.stdout.splitlines() == ["{'café'}"]
