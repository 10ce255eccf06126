"""Apply fixes: one model for `--fix`, review suggestions and the fix buttons' commits."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chronolog.model import Applicability, Edit, Finding, Fix, Log


class OverlappingEditsError(ValueError):
    """Two edits touch the same lines; they cannot be applied together."""


def _overlaps(first: Edit, second: Edit) -> bool:
    """True when two edits touch the same lines (two insertions at one point also clash)."""
    if first.is_insertion and second.is_insertion:
        return first.start_line == second.start_line
    if first.is_insertion:
        return second.start_line < first.start_line <= second.end_line
    if second.is_insertion:
        return first.start_line < second.start_line <= first.end_line
    return first.start_line <= second.end_line and second.start_line <= first.end_line


def apply_edits(lines: Sequence[str], edits: Iterable[Edit]) -> list[str]:
    """Return `lines` with the edits applied. Raises `OverlappingEditsError` on a clash."""
    ordered = sorted(edits, key=lambda edit: (edit.start_line, edit.end_line))
    for previous, current in itertools.pairwise(ordered):
        if _overlaps(previous, current):
            raise OverlappingEditsError(f"edits {previous} and {current} overlap")
    result: list[str] = []
    cursor = 1  # next original line to copy
    for edit in ordered:
        result.extend(lines[cursor - 1 : edit.start_line - 1])
        result.extend(edit.content)
        cursor = max(cursor, edit.end_line + 1, edit.start_line)
    result.extend(lines[cursor - 1 :])
    return result


def _span(edit: Edit) -> tuple[int, int]:
    """The closed interval an edit occupies on a doubled axis (line n at 2n, the gap
    before it at 2n - 1): two edits clash exactly when their spans intersect."""
    if edit.is_insertion:
        return 2 * edit.start_line - 1, 2 * edit.start_line - 1
    return 2 * edit.start_line, 2 * edit.end_line


def compatible_fixes(fixes: Iterable[Fix]) -> list[Fix]:
    """The fixes, in order, that do not clash with an earlier one (ruff's strategy).

    The others are dropped for this pass; the caller re-checks and tries them again.
    The accepted edits are kept as sorted disjoint spans, so each check is a bisection
    and ten thousand fixes take milliseconds, not minutes.
    """
    accepted: list[Fix] = []
    starts: list[int] = []  # the taken spans' starts, sorted
    ends: list[int] = []  # their ends, in the same order
    for fix in fixes:
        spans = [_span(edit) for edit in fix.edits]
        if any(_clashes(start, end, starts, ends) for start, end in spans):
            continue
        accepted.append(fix)
        for start, end in spans:
            index = bisect.bisect_left(starts, start)
            starts.insert(index, start)
            ends.insert(index, end)
    return accepted


def _clashes(start: int, end: int, starts: list[int], ends: list[int]) -> bool:
    """Whether `[start, end]` meets one of the disjoint sorted spans.

    Of the spans starting at or before `end`, the last one reaches furthest right; the
    new span clashes with some span exactly when it clashes with that one.
    """
    index = bisect.bisect_right(starts, end) - 1
    return index >= 0 and ends[index] >= start


def fixes_to_apply(findings: Iterable[Finding], *, unsafe: bool = False) -> list[Fix]:
    """The fixes of `findings` that may be applied, safe ones only unless `unsafe`."""
    return [
        finding.fix
        for finding in sorted(findings, key=lambda f: (f.line, f.rule))
        if finding.fix is not None and (unsafe or finding.fix.applicability is Applicability.SAFE)
    ]


def on_changed_lines(finding: Finding, changed_lines: frozenset[int]) -> bool:
    """Whether `finding` is the change's to fix: its first line is one the change added or
    changed, and its fix rewrites or removes no other line (it may insert lines anywhere,
    as moving an added entry to its place does)."""
    if finding.line not in changed_lines or finding.fix is None:
        return False
    return all(
        line in changed_lines
        for edit in finding.fix.edits
        for line in range(edit.start_line, edit.end_line + 1)
    )


@dataclass(frozen=True)
class FixPass:
    """The text after one round of fixes and the fixes that went into it."""

    text: str
    applied: tuple[Fix, ...]


def apply_fix_pass(log: Log, fixes: Iterable[Fix]) -> FixPass:
    """Apply the compatible subset of `fixes` to `log` once."""
    accepted = compatible_fixes(fixes)
    if not accepted:
        return FixPass(log.render(), ())
    lines = apply_edits(log.lines, [edit for fix in accepted for edit in fix.edits])
    return FixPass(log.render(lines), tuple(accepted))


def changed_after_fixes(changed: frozenset[int], fixes: Sequence[Fix]) -> frozenset[int]:
    """The changed lines renumbered for the text after `fixes` (one pass) went in.

    Untouched lines keep their mark. The lines a fix writes are changed when a line it
    replaces or removes was (so an entry the pull request added stays its own when a fix
    moves it), or, for a fix that only inserts, when a line next to the insertion was.
    """
    written: list[tuple[Edit, bool]] = []
    for fix in fixes:
        carried = any(line in changed for line in _lines_touched(fix))
        written.extend((edit, carried) for edit in fix.edits)
    result: set[int] = set()
    old = new = 1  # the next line of the old text, and its number in the new one
    for edit, carried in sorted(written, key=lambda item: (item[0].start_line, item[0].end_line)):
        result.update(line - old + new for line in changed if old <= line < edit.start_line)
        new += max(0, edit.start_line - old)
        if carried:
            result.update(range(new, new + len(edit.content)))
        new += len(edit.content)
        old = max(old, edit.end_line + 1, edit.start_line)
    result.update(line - old + new for line in changed if line >= old)
    return frozenset(result)


def _lines_touched(fix: Fix) -> set[int]:
    """The lines a fix replaces or removes; for a fix that only inserts, the lines around."""
    replaced = {line for edit in fix.edits for line in range(edit.start_line, edit.end_line + 1)}
    if replaced:
        return replaced
    return {line for edit in fix.edits for line in (edit.start_line - 1, edit.start_line)}


@dataclass(frozen=True)
class MergedFixes:
    """Several fixes of the same lines applied together (`merge_fixes`).

    `lines` is the text with the `included` fixes applied; `excluded` are the fixes that
    change some of the same text differently from an included one. Both keep the order
    of the fixes given.
    """

    lines: tuple[str, ...]
    included: tuple[Fix, ...]
    excluded: tuple[Fix, ...]


@dataclass(frozen=True, order=True)
class _Change:
    """Characters `start..end` (end excluded) of the lines joined with `\\n` after each,
    replaced with `text`; an insertion when `start == end`."""

    start: int
    end: int
    text: str


def merge_fixes(lines: Sequence[str], fixes: Sequence[Fix]) -> MergedFixes:
    """Apply `fixes` to `lines` together, down to the characters each edit changes.

    Two edits of one line (one puts a handle first, the other rewrites a tag at its end)
    both go in: each edit is narrowed to the characters it changes, and changes that do not
    meet are applied together. Changes meet when they replace overlapping text, or insert
    at one point, or one inserts inside text the other replaces; identical changes are one.
    A fix that meets an accepted fix's change is left out, all or nothing: safe fixes are
    tried before unsafe ones, then in the order given (so the safer fix wins a conflict).
    """
    text = "".join(f"{line}\n" for line in lines)
    offsets = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
    order = sorted(
        range(len(fixes)), key=lambda i: (fixes[i].applicability is not Applicability.SAFE, i)
    )
    accepted: set[_Change] = set()
    included: set[int] = set()
    for index in order:
        changes = [_narrowed(edit, text, offsets) for edit in fixes[index].edits]
        if any(_meet(change, other) for change in changes for other in accepted):
            continue
        included.add(index)
        accepted.update(changes)
    merged: list[str] = []
    cursor = 0
    for change in sorted(accepted):
        merged.append(text[cursor : change.start] + change.text)
        cursor = change.end
    merged.append(text[cursor:])
    result = "".join(merged)
    return MergedFixes(
        tuple(result[:-1].split("\n")) if result else (),
        tuple(fix for index, fix in enumerate(fixes) if index in included),
        tuple(fix for index, fix in enumerate(fixes) if index not in included),
    )


def _narrowed(edit: Edit, text: str, offsets: Sequence[int]) -> _Change:
    """The edit as a change of characters, without the prefix and suffix it keeps."""
    start = offsets[edit.start_line - 1]
    end = start if edit.is_insertion else offsets[edit.end_line]
    old = text[start:end]
    new = "".join(f"{line}\n" for line in edit.content)
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(old), len(new)) - prefix
        and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]
    ):
        suffix += 1
    return _Change(start + prefix, end - suffix, new[prefix : len(new) - suffix])


def _meet(first: _Change, second: _Change) -> bool:
    """Whether two different changes touch the same text (see `merge_fixes`)."""
    if first == second:
        return False
    if first.start == first.end and second.start == second.end:
        return first.start == second.start
    return first.start < second.end and second.start < first.end
