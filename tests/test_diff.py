"""Marking lines against a pull request's diff, from GitHub's `patch` strings."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolog.diff import (
    FileDiff,
    FilterMode,
    Hunk,
    PatchError,
    Where,
    diff_from_texts,
    file_diff,
    parse_patch,
)
from tests.conftest import LOGS

# As GitHub sends it in `GET /pulls/{n}/files`: hunks only, a section after the header,
# a deletion, and a last line without a final newline on both sides.
PATCH = (
    "@@ -1,4 +1,5 @@ # Support log\n"
    " # Support log\n"
    " \n"
    "+## 2022-11-26\n"
    "+\n"
    " ## 2022-11-25\n"
    "@@ -20,2 +21,2 @@ ## 2022-11-18\n"
    " @alice looked at the agents\n"
    "-old last line\n"
    "\\ No newline at end of file\n"
    "+new last line\n"
    "\\ No newline at end of file"
)


def github_patch(base: str, head: str) -> str:
    """What GitHub puts in `patch`: the unified diff (3 lines of context) without headers."""
    lines = difflib.unified_diff(base.splitlines(keepends=True), head.splitlines(keepends=True))
    return "".join(list(lines)[2:])


def test_parse_patch_gives_new_side_ranges_and_added_lines() -> None:
    assert parse_patch(PATCH) == (
        Hunk(new_start=1, new_end=5, added=frozenset({3, 4})),
        Hunk(new_start=21, new_end=22, added=frozenset({22})),
    )


def test_counts_default_to_one_and_pure_deletions_hold_no_line() -> None:
    assert parse_patch("@@ -3 +3 @@\n-a\n+b\n") == (Hunk(3, 3, frozenset({3})),)
    # Deleting lines 5-6: `+4,0` names the line before the gap, so the hunk is empty.
    (hunk,) = parse_patch("@@ -5,2 +4,0 @@\n-x\n-y\n")
    assert hunk == Hunk(new_start=5, new_end=4, added=frozenset())
    assert 4 not in hunk
    assert 5 not in hunk


def test_an_empty_context_line_without_its_space_still_counts() -> None:
    assert parse_patch("@@ -1,3 +1,4 @@\n a\n\n+b\n c\n") == (Hunk(1, 4, frozenset({3})),)


def test_carriage_returns_stay_inside_their_line() -> None:
    assert parse_patch("@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\rd\r\n") == (Hunk(1, 2, frozenset({2})),)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ("diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n", "line 1 of the patch is not a hunk header"),
        ("@@ -1,2 +1,2 @@\n a\n+b\n+c\n", "announces 2 lines but has 3"),
        ("@@ -1 +1 @@\n*a\n", "line 2 of the patch is not a diff line"),
    ],
)
def test_a_malformed_patch_is_an_error(patch: str, message: str) -> None:
    with pytest.raises(PatchError, match=message):
        parse_patch(patch)


def test_where_marks_added_context_and_elsewhere() -> None:
    diff = file_diff({"filename": "log.md", "status": "modified", "patch": PATCH})
    assert [diff.where(line) for line in (1, 3, 4, 5, 6, 21, 22, 23)] == [
        Where.CONTEXT,
        Where.ADDED,
        Where.ADDED,
        Where.CONTEXT,
        Where.FILE,
        Where.CONTEXT,
        Where.ADDED,
        Where.FILE,
    ]


def test_hunk_for_needs_every_line_in_one_hunk() -> None:
    diff = file_diff({"filename": "log.md", "status": "modified", "patch": PATCH})
    assert diff.hunk_for(3, 5) == Hunk(1, 5, frozenset({3, 4}))
    assert diff.hunk_for(22, 22) == Hunk(21, 22, frozenset({22}))
    assert diff.hunk_for(5, 6) is None
    assert diff.hunk_for(4, 21) is None  # the ends lie in two different hunks


def test_file_diff_keeps_github_metadata() -> None:
    entry = {
        "filename": "logs/support.md",
        "previous_filename": "support/log.md",
        "status": "renamed",
        "additions": 2,
        "deletions": 0,
        "changes": 2,
        "patch": "@@ -1,2 +1,4 @@\n a\n+b\n+c\n d",
    }
    assert file_diff(entry) == FileDiff(
        path="logs/support.md",
        previous_path="support/log.md",
        status="renamed",
        hunks=(Hunk(1, 4, frozenset({2, 3})),),
        exact=True,
    )


def test_every_line_of_an_added_file_is_added_even_without_a_patch() -> None:
    diff = file_diff({"filename": "log.md", "status": "added", "changes": 90000})
    assert diff.where(1) is Where.ADDED
    assert diff.where(5000) is Where.ADDED


def test_a_rename_without_changes_has_no_patch_and_adds_nothing() -> None:
    entry = {"filename": "b.md", "previous_filename": "a.md", "status": "renamed", "changes": 0}
    diff = file_diff(entry)
    assert (diff.hunks, diff.exact, diff.previous_path) == ((), True, "a.md")
    assert diff.where(1) is Where.FILE


def test_a_missing_patch_is_computed_locally_and_marked_inexact() -> None:
    entry = {"filename": "log.md", "status": "modified", "changes": 100000}
    assert file_diff(entry) == FileDiff("log.md", None, "modified", (), exact=False)
    base = "# Log\n\n## 2022-01-01\n\n@a text\n"
    head = "# Log\n\n## 2022-01-02\n\n@b more\n\n## 2022-01-01\n\n@a text\n"
    diff = file_diff(entry, base_text=base, head_text=head)
    # difflib sees lines 2-5 as inserted (git would say 3-6): equally true, and inexact.
    assert diff == FileDiff(
        "log.md", None, "modified", (Hunk(1, 8, frozenset({2, 3, 4, 5})),), exact=False
    )


def test_an_unreadable_patch_is_treated_as_missing() -> None:
    entry = {"filename": "log.md", "status": "modified", "patch": "garbage"}
    assert file_diff(entry).exact is False
    assert file_diff(entry, base_text="a\n", head_text="a\nb\n").where(2) is Where.ADDED


def test_diff_from_texts_without_base_adds_every_line() -> None:
    diff = diff_from_texts("log.md", None, "a\r\nb\r\n")
    assert diff == FileDiff("log.md", None, "added", (Hunk(1, 2, frozenset({1, 2})),), False)


@pytest.mark.parametrize(
    "pair", ["devx-support-log", "devx-support-log-cd", "devx-scaletesting-log"]
)
def test_local_hunks_equal_the_parsed_patch_on_real_pairs(pair: str) -> None:
    base = (LOGS / f"{pair}.base.md").read_text(encoding="utf-8")
    head = (LOGS / f"{pair}.head.md").read_text(encoding="utf-8")
    exact = parse_patch(github_patch(base, head))
    assert diff_from_texts("log.md", base, head).hunks == exact


def test_real_pair_support_log_appends_at_the_bottom() -> None:
    base = (LOGS / "devx-support-log.base.md").read_text(encoding="utf-8")
    head = (LOGS / "devx-support-log.head.md").read_text(encoding="utf-8")
    (hunk,) = parse_patch(github_patch(base, head))
    # Base has 15 lines; head appends a blank line and two entries (lines 16-44).
    assert hunk == Hunk(13, 44, frozenset(range(16, 45)))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("@ -+,0123456789\\\n\rx")), max_size=80))
def test_any_patch_gives_a_diff_and_never_an_exception(patch: str) -> None:
    diff = file_diff({"filename": "log.md", "status": "modified", "patch": patch})
    assert diff.where(1) in set(Where)


@pytest.mark.parametrize(
    ("mode", "annotated"),
    [
        (FilterMode.ADDED, {Where.ADDED}),
        (FilterMode.DIFF_CONTEXT, {Where.ADDED, Where.CONTEXT}),
        (FilterMode.FILE, {Where.ADDED, Where.CONTEXT, Where.FILE}),
    ],
)
def test_filter_modes_cover_what_reviewdogs_do(mode: FilterMode, annotated: set[Where]) -> None:
    assert {where for where in Where if mode.covers(where)} == annotated
