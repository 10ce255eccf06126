"""The fix model: non-overlapping line edits, applied in passes until none applies."""

from __future__ import annotations

import pytest

from chronolog.fixes import (
    MergedFixes,
    OverlappingEditsError,
    apply_edits,
    compatible_fixes,
    merge_fixes,
    on_changed_lines,
)
from chronolog.model import Applicability, Edit, Finding, Fix, Severity

LINES = ["a", "b", "c", "d"]


def test_replace_insert_delete() -> None:
    edits = [
        Edit(1, 1, ("A",)),  # replace
        Edit(3, 2, ("x", "y")),  # insert before line 3
        Edit(4, 4, ()),  # delete
        Edit(5, 4, ("end",)),  # append
    ]
    assert apply_edits(LINES, edits) == ["A", "b", "x", "y", "c", "end"]


def test_insertion_next_to_a_deletion_is_not_a_clash() -> None:
    # Moving an entry: delete lines 3-4, insert them before line 1.
    assert apply_edits(LINES, [Edit(3, 4, ()), Edit(1, 0, ("c", "d"))]) == ["c", "d", "a", "b"]
    assert apply_edits(LINES, [Edit(2, 1, ("x",)), Edit(2, 3, ())]) == ["a", "x", "d"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Edit(1, 2, ("x",)), Edit(2, 3, ("y",))),
        (Edit(2, 1, ("x",)), Edit(2, 1, ("y",))),  # two insertions at one point: order unknown
        (Edit(1, 3, ()), Edit(2, 1, ("x",))),  # insertion inside a replaced range
    ],
)
def test_overlapping_edits_are_refused(first: Edit, second: Edit) -> None:
    with pytest.raises(OverlappingEditsError):
        apply_edits(LINES, [first, second])
    one, two = Fix("one", (first,)), Fix("two", (second,))
    assert compatible_fixes([one, two]) == [one]


LINE = "Restarted the agents. DURATION=45m"
CREDIT = Fix("Start the entry with `@jhchabran`", (Edit(2, 2, (f"@jhchabran {LINE}",)),))
TAG = Fix("Write `$DURATION=45m`", (Edit(2, 2, ("Restarted the agents. $DURATION=45m",)),))


def test_two_rewrites_of_one_line_are_merged_down_to_the_characters() -> None:
    merged = merge_fixes(["## 2022-11-26", LINE, ""], [TAG, CREDIT])
    assert merged == MergedFixes(
        ("## 2022-11-26", "@jhchabran Restarted the agents. $DURATION=45m", ""), (TAG, CREDIT), ()
    )


def test_merged_fixes_keep_insertions_deletions_and_identical_changes() -> None:
    lines = ["a", "b", "c"]
    insert = Fix("i", (Edit(1, 0, ("top",)),))
    delete = Fix("d", (Edit(3, 3, ()),))
    rename = Fix("r", (Edit(2, 2, ("B",)),))
    merged = merge_fixes(lines, [insert, rename, delete, rename])
    assert merged.lines == ("top", "a", "B")
    assert merged.excluded == ()
    assert merge_fixes(lines, [Fix("x", (Edit(3, 3, ()), Edit(4, 3, ("end",))))]).lines == (
        "a",
        "b",
        "end",
    )


def test_a_different_rewrite_of_the_same_text_is_left_out_and_safe_wins() -> None:
    lines = ["## 26/11/2022"]
    unsafe = Fix("u", (Edit(1, 1, ("## 26/11/2021",)),), Applicability.UNSAFE)
    safe = Fix("s", (Edit(1, 1, ("## 2022-11-26",)),))
    assert merge_fixes(lines, [unsafe, safe]) == MergedFixes(("## 2022-11-26",), (safe,), (unsafe,))
    other = Fix("o", (Edit(1, 1, ("## 2022-26-11",)),))
    assert merge_fixes(lines, [safe, other]) == MergedFixes(("## 2022-11-26",), (safe,), (other,))
    # Two insertions at one point clash too: their order would be a guess.
    first, second = Fix("1", (Edit(1, 0, ("x",)),)), Fix("2", (Edit(1, 0, ("y",)),))
    assert merge_fixes(lines, [first, second]).excluded == (second,)


def test_a_fix_is_on_the_changed_lines_when_it_rewrites_no_other_line() -> None:
    changed = frozenset({5, 6, 7})

    def finding(line: int, *edits: Edit) -> Finding:
        return Finding("r", Severity.ERROR, line, line, "m", Fix("f", edits))

    assert on_changed_lines(finding(5, Edit(5, 7, ("x",))), changed)
    # Moving the new entry (5-7) to line 1 inserts there: no old line changes.
    assert on_changed_lines(finding(5, Edit(5, 7, ()), Edit(1, 0, ("x",))), changed)
    assert not on_changed_lines(finding(5, Edit(4, 5, ("x",))), changed)  # rewrites line 4
    assert not on_changed_lines(finding(8, Edit(8, 8, ("x",))), changed)  # an old problem
    assert not on_changed_lines(Finding("r", Severity.ERROR, 5, 5, "no fix"), changed)
