"""Properties that hold for any text: parsing and checking never raise, fixing is idempotent,
positions stay inside the file, and huge inputs complete (their speed is timed in bench/)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronolog.check import check_log, fix_text
from chronolog.fixes import _overlaps, compatible_fixes
from chronolog.model import Edit, Fix, Log
from chronolog.parse import parse_log
from chronolog.rule import Context

TODAY = dt.date(2026, 11, 25)
CONTEXT = Context(TODAY, author="alice")

MOJIBAKE_EMOJI = "\u00f0\u0178\u2018\u2030"  # 👉 read as Windows-1252
# Pieces a log is made of, so random text often forms headings, fences, handles and tags.
FRAGMENTS = [
    "#",
    "## ",
    "### ",
    "-",
    "---",
    "===",
    "`",
    "```",
    "~~~",
    "    ",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\ufeff",
    ">",
    "* ",
    "1. ",
    "<!--",
    "-->",
    "<pre>",
    "@",
    "@alice",
    ", ",
    " / ",
    " and ",
    "$DURATION=45m",
    "DURATION=10m",
    "@DURATION=3h",
    "DURATTION=20m",
    "2022-11-25",
    "2022-01-03",
    "2022-12-28",
    "2999-01-01",
    "2022-13-01",
    "2022-02-30",
    "25/11/2022",
    "11/05/2022",
    "2022/11/23",
    "2022.11.23",
    "Nov 24, 2022",
    "24 November 2022",
    "2022-11-5",
    "(occurred 2022-10-19)",
    "/",
    "0",
    "9",
    "text",
    MOJIBAKE_EMOJI,
    "Ã©",
    "\u00e2\u20ac\u2122",  # a curly apostrophe as mojibake
    "👉",
    "\x00",
    "\x1b[1m",
]
log_texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=60).map(
    "".join
)
LIGHT = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_positions_inside(log: Log, text: str) -> None:
    findings = check_log(log, CONTEXT)
    last = len(log.lines)
    for finding in findings:
        assert 1 <= finding.line <= finding.end_line <= max(last, 1), finding
        if finding.fix is not None:
            for edit in finding.fix.edits:
                assert 1 <= edit.start_line <= last + 1, finding
                assert edit.start_line - 1 <= edit.end_line <= last, finding


@LIGHT
@given(log_texts)
def test_parsing_and_checking_never_raise_and_stay_inside_the_file(text: str) -> None:
    log = parse_log(text)
    for entry in log.entries:
        assert 1 <= entry.start_line <= entry.end_line <= len(log.lines)
    assert_positions_inside(log, text)


@LIGHT
@given(st.text(max_size=200))
def test_any_unicode_text_parses_and_checks(text: str) -> None:
    assert_positions_inside(parse_log(text), text)


@LIGHT
@given(log_texts.filter(lambda text: "\r" not in text))
def test_rendering_a_parsed_log_gives_back_the_text(text: str) -> None:
    # With one kind of line ending a log round-trips byte for byte (CR is normalised).
    assert parse_log(text).render() == text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log_texts, st.booleans())
def test_fixing_twice_is_fixing_once(text: str, unsafe: bool) -> None:
    once = fix_text(text, CONTEXT, unsafe=unsafe)
    twice = fix_text(once.text, CONTEXT, unsafe=unsafe)
    assert twice.text == once.text
    assert twice.fixed == 0


def test_a_one_megabyte_line_is_checked() -> None:
    for line in (
        "a" * 1_000_000,
        "## " + "2022-11-25 " * 90_000,
        "#" * 1_000_000,
        "`" * 1_000_000,
        "@alice " * 150_000,
        "DURATION=10m " * 80_000,
        (MOJIBAKE_EMOJI + " ") * 250_000,
        "> " * 500_000,
    ):
        text = f"## 2022-11-25\n\n{line}\n"
        log = parse_log(text)
        assert len(log.lines) == 3
        check_log(log, CONTEXT)


def test_a_hundred_thousand_line_log_is_checked_and_fixed() -> None:
    newest = dt.date(2022, 12, 31)
    entries = [
        f"## {newest - dt.timedelta(days=n // 2)}\n\n"
        "@alice, @bob looked into it DURATION=10m\n\n```\n# not a heading\n```\n\n"
        for n in range(12_500)
    ]
    text = "# Log\n\n" + "".join(entries)
    log = parse_log(text)
    assert len(log.lines) == 100_002
    assert len(log.entries) == 12_500
    findings = check_log(log, CONTEXT)
    assert [(f.rule, f.line) for f in findings] == [
        ("duration-tag", 5 + 8 * n) for n in range(12_500)
    ]
    fixed = fix_text(text, CONTEXT)
    assert fixed.text == text.replace("DURATION=10m", "$DURATION=10m")
    assert fixed.remaining == ()


def _pairwise_compatible(fixes: list[Fix]) -> list[Fix]:
    """The definition `compatible_fixes` must match: check every pair of edits."""
    accepted: list[Fix] = []
    taken: list[Edit] = []
    for fix in fixes:
        if any(_overlaps(edit, other) for edit in fix.edits for other in taken):
            continue
        accepted.append(fix)
        taken.extend(fix.edits)
    return accepted


@st.composite
def edits(draw: st.DrawFn) -> Edit:
    start = draw(st.integers(1, 12))
    if draw(st.booleans()):
        return Edit(start, start - 1, ("inserted",))
    return Edit(start, start + draw(st.integers(0, 3)), ("replaced",))


@st.composite
def fix_lists(draw: st.DrawFn) -> list[Fix]:
    fixes = []
    for number in range(draw(st.integers(0, 8))):
        own: list[Edit] = []
        for edit in draw(st.lists(edits(), min_size=1, max_size=3)):
            if not any(_overlaps(edit, other) for other in own):
                own.append(edit)
        fixes.append(Fix(f"fix {number}", tuple(own)))
    return fixes


@settings(max_examples=300, deadline=None)
@given(fix_lists())
def test_compatible_fixes_accepts_exactly_the_non_clashing_ones(fixes: list[Fix]) -> None:
    assert compatible_fixes(fixes) == _pairwise_compatible(fixes)


DESTINATION_PIECES = ["a", "é", " ", "\\", "(", ")", "<", ">", "\n", "\t", "\x01", "\x7f", "%20"]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(DESTINATION_PIECES), max_size=40).map("".join),
    st.integers(0, 40),
    st.integers(0, 40),
)
def test_the_fast_link_destination_reads_what_markdown_it_reads(
    text: str, start: int, length: int
) -> None:
    from markdown_it import helpers

    from chronolog.inline import _link_destination

    pos = min(start, len(text))
    maximum = min(pos + length, len(text))
    theirs = helpers.parseLinkDestination(text, pos, maximum)
    ours = _link_destination(text, pos, maximum)
    assert ours.ok is theirs.ok
    if theirs.ok:
        assert (ours.pos, ours.str) == (theirs.pos, theirs.str)


def test_the_fast_link_destination_gives_up_past_32_nested_parentheses() -> None:
    from markdown_it import helpers

    from chronolog.inline import _link_destination

    for depth in (32, 33):
        text = "(" * depth + "x" + ")" * depth
        theirs = helpers.parseLinkDestination(text, 0, len(text))
        ours = _link_destination(text, 0, len(text))
        expected = (True, len(text)) if depth == 32 else (False, 0)
        assert (ours.ok, ours.pos) == (theirs.ok, theirs.pos) == expected


# `\u0131` (dotless i) and `\u212a` (Kelvin) match `i` and `k` under `(?i)`, not under lower().
REFERENCE_PIECES = [
    "#",
    "1",
    "gh-",
    "GH-",
    "Gh",
    "-",
    "github.com",
    "GITHUB.COM",
    "g\u0131thub",
    "[",
    "x",
    " ",
    "é",
    "\u212a",
]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(REFERENCE_PIECES), max_size=12).map("".join),
    st.sampled_from(["github.com", "ghe.example.com", "g\u0131thub.com"]),
    st.booleans(),
)
def test_the_quick_may_refer_test_agrees_with_its_pattern(
    text: str, host: str, definitions: bool
) -> None:
    import re

    from chronolog.references import _may_refer

    link = r"|\[" if definitions else ""
    pattern = re.compile(rf"(?i)#|gh-|{re.escape(host)}{link}")
    assert _may_refer(host, definitions)(text) is (pattern.search(text) is not None)
