"""`mojibake` hands ftfy only the lines that can hold mojibake: the filter loses nothing.

"Nothing" means: every line that ftfy's `fix_encoding` would repair by reading it as
Windows-1252 or Latin-1 text that was UTF-8 (the kind of mojibake the rule looks for).
ftfy itself is the reference here, not a copy of the filter.
"""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
from pathlib import Path

import ftfy
import ftfy.bad_codecs  # registers "sloppy-windows-1252", which ftfy reads text with
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronolog.parse import parse_log
from chronolog.rule import Context
from chronolog.rules import mojibake
from chronolog.rules.mojibake import MAYBE_MOJIBAKE

LOGS = Path(__file__).parents[1] / "fixtures" / "logs"
UPPER_HALF = sorted(
    {
        *bytes(range(0x80, 0x100)).decode("latin-1"),
        *bytes(range(0x80, 0x100)).decode("sloppy-windows-1252"),
    }
)
# What ftfy's repairs can hinge on besides those: a space that was a no-break space, and
# a byte lost to `?` or `�`.
STAND_INS = [" ", "?", "\ufffd"]
IN_SCOPE = {"latin-1", "sloppy-windows-1252"}


def repaired_as_windows_1252_or_latin_1(text: str) -> bool:
    """True when ftfy changes `text`, reading it as Windows-1252 or Latin-1 (or as a C1
    control that is one) and not through another encoding."""
    fixed, steps = ftfy.fix_encoding_and_explain(text)
    encodings = {step.parameter for step in steps if step.action == "encode"}
    return fixed != text and encodings <= IN_SCOPE


def filtered_lines(text: str) -> list[int]:
    """The lines the rule reports on `text`."""
    log = parse_log(text)
    return [finding.line for finding in mojibake.check(log, Context(dt.date(2026, 11, 25)))]


def unfiltered_lines(text: str) -> list[int]:
    """The lines ftfy repairs when it is handed every line."""
    log = parse_log(text)
    return [n for n, line in enumerate(log.lines, 1) if mojibake.repair_line(line) != line]


def test_every_pair_of_characters_ftfy_repairs_is_let_through() -> None:
    alphabet = [*UPPER_HALF, *STAND_INS]
    missed = [
        first + second
        for first, second in itertools.product(alphabet, repeat=2)
        if repaired_as_windows_1252_or_latin_1(first + second)
        and not MAYBE_MOJIBAKE.search(first + second)
    ]
    assert missed == []


def test_every_lead_stand_in_continuation_triple_ftfy_repairs_is_let_through() -> None:
    # A three-byte lead, then a no-break space turned space or a byte lost to `?` or `�`.
    leads = [c for c in UPPER_HALF if "\u00c0" <= c <= "\u00f4"]
    missed = [
        text
        for lead, stand_in, last in itertools.product(leads, STAND_INS, [*UPPER_HALF, "\ufffd"])
        for text in (f"x{lead}{stand_in}{last}y",)
        if repaired_as_windows_1252_or_latin_1(text) and not MAYBE_MOJIBAKE.search(text)
    ]
    assert missed == []


@pytest.mark.parametrize(
    ("text", "repaired"),
    [
        # Á (or Í, Ï, Ð, Ý) after Windows-1252 turned its undefined second byte into `�`.
        ("x\u00c3\ufffdy", "x\ufffdy"),
        # A byte lost to `?` in a two- and a three-byte sequence, on a line whose other
        # `�` make ftfy look.
        ("\u00c3? \ufffd\ufffd", "\ufffd \ufffd\ufffd"),
        ("\u00e2?\u20ac \ufffd\ufffd", "\ufffd \ufffd\ufffd"),
        # U+0000 in Java's modified UTF-8, which ftfy decodes too.
        ("x\u00c0\u20acy", "x\x00y"),
    ],
)
def test_lost_bytes_and_modified_utf8_are_let_through(text: str, repaired: str) -> None:
    # The filter before this one missed all four.
    assert ftfy.fix_encoding(text) == repaired
    assert MAYBE_MOJIBAKE.search(text)


@pytest.mark.parametrize("name", sorted(path.name for path in LOGS.glob("*.md")))
def test_on_the_real_logs_the_filter_loses_nothing(name: str) -> None:
    text = (LOGS / name).read_text(encoding="utf-8")
    assert filtered_lines(text) == unfiltered_lines(text)


# Random text: clean pieces ftfy leaves alone, and mojibake made the way it is made.
CLEAN_WORDS = ["café", "naïve", "Zürich", "déjà vu", "\u201cquoted\u201d", "\u2018it\u2019s"]
CLEAN_WORDS += ["\u2014 and \u2013", "€5", "½ °C", "Straße", "Ørsted", "São Paulo"]
CLEAN = st.one_of(
    st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=8),
    st.text(st.characters(min_codepoint=0x3040, max_codepoint=0x30FF), max_size=4),  # kana
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1F64F), max_size=3),  # emoji
    st.sampled_from(CLEAN_WORDS),
    st.just("\ufffd\ufffd"),  # what a lossy conversion leaves, and makes ftfy look
)
UNDEFINED_IN_WINDOWS_1252 = "\x81\x8d\x8f\x90\x9d"
# Characters whose UTF-8 holds a byte Windows-1252 leaves undefined (Á is C3 81, ❤ is
# E2 9D A4), and U+0000, which Java's modified UTF-8 writes as C0 80.
TRICKY = "ÁÍÏÐÝ❤⏰Ёō\x00\u00a0"


@st.composite
def garbled(draw: st.DrawFn) -> str:
    """Text with non-ASCII characters, encoded as UTF-8, read as Windows-1252 or Latin-1,
    and perhaps mangled further: no-break spaces turned into spaces, undefined bytes lost."""
    anything = st.text(min_size=1, max_size=4).filter(lambda s: not s.isascii())
    original = draw(st.one_of(st.text(st.sampled_from(TRICKY), min_size=1, max_size=2), anything))
    encoded = original.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        encoded = encoded.replace(b"\x00", b"\xc0\x80")
    text = encoded.decode(draw(st.sampled_from(["sloppy-windows-1252", "latin-1"])))
    if draw(st.booleans()):
        text = text.replace("\xa0", " ")
    lost = draw(st.sampled_from(["", "?", "\ufffd"]))
    if lost:
        text = text.translate({ord(c): lost for c in UNDEFINED_IN_WINDOWS_1252})
    return text


LINE = st.lists(st.one_of(CLEAN, garbled()), max_size=6).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=6))
def test_on_random_text_with_mojibake_the_filter_loses_nothing(lines: list[str]) -> None:
    text = "## 2022-10-21\n\n" + "\n".join(line.replace("\r", " ") for line in lines) + "\n"
    assert filtered_lines(text) == unfiltered_lines(text)


@pytest.mark.parametrize(
    ("body", "imported"),
    [
        ("@alice naïve café in Zürich, déjà vu 👉 “quoted”", False),
        ("@alice caf\u00c3\u00a9", True),
    ],
)
def test_ftfy_is_imported_only_when_a_line_can_hold_mojibake(body: str, imported: bool) -> None:
    text = f"## 2022-10-21\n\n{body}\n"
    script = (
        "import sys, datetime\n"
        "from chronolog.check import check_log\n"
        "from chronolog.parse import parse_log\n"
        "from chronolog.rule import Context\n"
        f"check_log(parse_log({text!r}), Context(datetime.date(2026, 11, 25)))\n"
        "print('ftfy' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.split() == [str(imported)]
