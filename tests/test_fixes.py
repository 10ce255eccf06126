"""The fix model: non-overlapping line edits, applied in passes until none applies."""

from __future__ import annotations

import pytest

from chronolog.fixes import OverlappingEditsError, apply_edits, compatible_fixes
from chronolog.model import Edit, Fix

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
