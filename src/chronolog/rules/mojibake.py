"""`mojibake`: Text is not mojibake (UTF-8 read in the wrong encoding, like `cafÃ©` for café).

Pasted terminal output is where it shows up: the reference log has six lines of emoji
turned into Windows-1252 gibberish, inside fenced blocks. ftfy knows how each kind of
mojibake comes about and undoes it, so every line is checked, code blocks included.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from chronolog.model import Applicability, Edit, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule

# What UTF-8 read as Windows-1252 or Latin-1 always contains: a lead byte (Â to ô)
# followed by a continuation byte (U+0080 to U+00BF or their Windows-1252 letters), a
# two-byte lead followed by a space that was a no-break space, or a lone C1 control.
# Mojibake through other encodings (MacRoman, cp437, Windows-1251) is not looked for.
_CONTINUATION = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122"
)
MAYBE_MOJIBAKE = re.compile(
    f"[\u00c2-\u00f4][{_CONTINUATION}]|[\u00c2-\u00df] |[\u00e0-\u00ef] [{_CONTINUATION}]"
    "|[\u0080-\u009f]"
)
_EXCERPT_LENGTH = 24
_MAX_ALIGNED = 2000


def repair_line(line: str) -> str:
    """The line with its mojibake undone by ftfy, and nothing else changed.

    `ftfy.fix_encoding` only reverses wrong decodings; `fix_text` would also straighten
    quotes and normalise widths, which are not mistakes in a log.
    """
    # ftfy is imported here so that checking a log without non-ASCII text never pays for it.
    import ftfy

    return ftfy.fix_encoding(line)


def check(log: Log, context: Context) -> Iterator[Finding]:
    for number, line in enumerate(log.lines, start=1):
        # `isascii` is far cheaper than any regex, and ftfy's own test for "looks bad"
        # costs about 20 µs a line: a 7 MB log in French would take seconds without this.
        if line.isascii() or not MAYBE_MOJIBAKE.search(line):
            continue
        repaired = repair_line(line)
        if repaired == line:
            continue
        repairs = _repairs(line, repaired)
        (bad_start, bad_end), (good_start, good_end) = repairs[0]
        bad, good = line[bad_start:bad_end], repaired[good_start:good_end]
        more = f" (and {len(repairs) - 1} more on this line)" if len(repairs) > 1 else ""
        yield RULE.finding(
            number,
            f"`{_shorten(bad)}` is mojibake for `{_shorten(good)}`{more}: UTF-8 text read in "
            "the wrong encoding; put the original characters back",
            fix=Fix(
                title="Repair the mojibake",
                edits=(Edit(number, number, (repaired,)),),
                applicability=Applicability.SAFE,
            ),
            column=bad_start + 1,
            end_column=bad_end + 1,
        )


Span = tuple[int, int]


def _repairs(line: str, repaired: str) -> list[tuple[Span, Span]]:
    """The `[start, end)` spans that differ, in `line` and in `repaired`, in order.

    The text between mojibake is unchanged, so aligning the two strings finds each
    repair. A very long differing stretch is reported as one span rather than aligned
    (alignment is quadratic).
    """
    prefix = 0
    limit = min(len(line), len(repaired))
    while prefix < limit and line[prefix] == repaired[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and line[len(line) - 1 - suffix] == repaired[len(repaired) - 1 - suffix]
    ):
        suffix += 1
    bad, good = line[prefix : len(line) - suffix], repaired[prefix : len(repaired) - suffix]
    whole = ((prefix, prefix + len(bad)), (prefix, prefix + len(good)))
    if len(bad) > _MAX_ALIGNED:
        return [whole]
    matcher = difflib.SequenceMatcher(None, bad, good, autojunk=False)
    repairs = [
        ((prefix + i1, prefix + i2), (prefix + j1, prefix + j2))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
    return repairs or [whole]


def _shorten(text: str) -> str:
    text = text.replace("`", "'")
    if len(text) > _EXCERPT_LENGTH:
        return text[:_EXCERPT_LENGTH] + "…"
    return text


RULE = Rule(
    name="mojibake",
    severity=Severity.WARNING,
    summary="Text is not mojibake (UTF-8 read in the wrong encoding, like `cafÃ©` for café).",
    check=check,
)
