"""`mojibake`: Text is not mojibake (UTF-8 read in the wrong encoding, like `cafÃ©` for café).

Pasted terminal output is where it shows up: the reference log has six lines of emoji
turned into Windows-1252 gibberish, inside fenced blocks. ftfy knows how each kind of
mojibake comes about and undoes it, so every line is checked, code blocks included.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

from chronolog.model import Applicability, Edit, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule


def _decoded(encoding: str, first: int, last: int) -> str:
    """What `encoding` makes of the bytes `first` to `last`, leaving out undefined ones."""
    return bytes(range(first, last + 1)).decode(encoding, errors="ignore")


# UTF-8 read as Windows-1252 or Latin-1 is a lead byte (0xC2 to 0xF4: `Â` to `ô` in both)
# followed by continuation bytes (0x80 to 0xBF, as either encoding reads them; the five
# that Windows-1252 leaves undefined come out as C1 controls, which Latin-1 covers).
_LEAD = _decoded("latin-1", 0xC2, 0xF4)
_CONTINUATION = "".join(
    sorted({*_decoded("latin-1", 0x80, 0xBF), *_decoded("windows-1252", 0x80, 0xBF)})
)
# The only lines ftfy's `fix_encoding` can repair through those two encodings, read from
# its code: the bytes the line encodes to must decode as UTF-8 into something else, so they
# hold a lead byte followed by a continuation byte, after ftfy has put back a no-break
# space that became a space (`restore_byte_a0`) or turned a sequence with a lost byte (`?`
# or `�`) into `�` (`replace_lossy_sequences`); or a C1 control, which only Windows-1252
# read as Latin-1 leaves. tests/rules/test_mojibake.py checks every pair of characters
# and random text against ftfy itself. Mojibake through other encodings (MacRoman,
# cp437, Windows-1251) is not looked for.
MAYBE_MOJIBAKE = re.compile(
    "|".join(
        (
            f"[{_LEAD}][{_CONTINUATION}\ufffd]",
            f"[\u00c2-\u00df] |[\u00e0-\u00f4] [{_CONTINUATION}]",
            f"[\u00c2\u00c3]\\?|[\u00e0-\u00f4]\\?[{_CONTINUATION}\ufffd]",
            "\u00c0\u20ac",  # `À€`: U+0000 in Java's modified UTF-8, which ftfy decodes too
            "[\u0080-\u009f]",
        )
    )
)
_EXCERPT_LENGTH = 24
_MAX_ALIGNED = 2000


def repair_line(line: str) -> str:
    """The line with its mojibake undone by ftfy, and nothing else changed.

    `ftfy.fix_encoding` only reverses wrong decodings; `fix_text` would also straighten
    quotes and normalise widths, which are not mistakes in a log.
    """
    repaired: str = _ftfy().fix_encoding(line)
    return repaired


class _DeferredFormatting(types.ModuleType):
    """Stands in for `ftfy.formatting` while ftfy's package imports.

    `ftfy/__init__.py` takes `display_ljust` from `ftfy.formatting` for `explain_unicode`
    only, and that module imports wcwidth: a third of ftfy's import time, which every
    `chronolog check` of a log with mojibake paid (bench/README.md). What it takes is a
    function that imports the real module when it is called. While ftfy imports, another
    thread importing `ftfy.formatting` would get the stand-in too; nothing here does.
    """

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name != "display_ljust":  # a newer ftfy wanting more: import it normally
            raise AttributeError(name)

        def deferred(*args: Any, **kwargs: Any) -> Any:
            return getattr(importlib.import_module(self.__name__), name)(*args, **kwargs)

        return deferred


@functools.cache
def _ftfy() -> types.ModuleType:
    """ftfy, imported on first use (a log without non-ASCII text never pays for it) and
    without `ftfy.formatting`, which is imported for real the first time it is used."""
    if "ftfy" in sys.modules:
        import ftfy  # not `sys.modules`: this waits while another thread still imports it

        return ftfy
    stand_in = _DeferredFormatting("ftfy.formatting")
    sys.modules.setdefault(stand_in.__name__, stand_in)
    try:
        import ftfy
    except ImportError:
        # What ftfy took from the stand-in was not `display_ljust`: the normal import.
        sys.modules.pop("ftfy", None)
        if sys.modules.get(stand_in.__name__) is stand_in:
            del sys.modules[stand_in.__name__]
        import ftfy
    finally:
        if sys.modules.get(stand_in.__name__) is stand_in:
            del sys.modules[stand_in.__name__]
    return ftfy


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
    import difflib  # only a line with mojibake pays for it

    prefix = _common_prefix(line, repaired)
    limit = min(len(line), len(repaired))
    suffix = min(_common_prefix(line[::-1], repaired[::-1]), limit - prefix)
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


def _common_prefix(first: str, second: str) -> int:
    """The length of the longest common prefix of two strings.

    Bisection over slices compares in C; a loop over characters in Python cost more than
    ftfy's repair on a long line.
    """
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


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
