"""The check run: which findings a pull request introduced, and exactly what GitHub is sent."""

from __future__ import annotations

import datetime as dt
import difflib

import pytest

from chronolog.annotations import MAX_ANNOTATION_FIELD, annotation_batches
from chronolog.check import check_log
from chronolog.check_output import (
    MAX_OUTPUT_LENGTH,
    MarkedFinding,
    cap_text,
    mark_findings,
    render_check_run,
)
from chronolog.config import ConfigError, parse_config, validate_config_text
from chronolog.diff import FileDiff, FilterMode, Hunk, Where, file_diff
from chronolog.fix_buttons import (
    APPLY_FIXES_ACTION,
    FIX_BUTTONS,
    FIX_MY_LINES,
    FIX_WHOLE_LOG,
    SafeFixes,
)
from chronolog.model import Applicability, Edit, Finding, Fix, Severity
from chronolog.parse import parse_log
from chronolog.rule import Context
from tests.conftest import LOGS

PATH = "docs/log.md"
# Lines 16-44 added at the bottom of a 15-line log, as in the devx-support-log pair.
DIFF = FileDiff(PATH, None, "modified", (Hunk(13, 44, frozenset(range(16, 45))),), exact=True)
DURATION = Finding(
    "duration-tag",
    Severity.WARNING,
    4,
    4,
    "`@DURATION=3h` is not a canonical duration tag; write `$DURATION=3h`",
    Fix("Write `$DURATION=3h`", (Edit(4, 4, ("$DURATION=3h",)),)),
    column=10,
    end_column=22,
)
ORDER = Finding(
    "newest-first",
    Severity.ERROR,
    17,
    24,
    "`## 2022-03-22` is out of order",
    Fix("Move the entry above line 5", (Edit(17, 24, ()), Edit(5, 4, ("## 2022-03-22",)))),
)
HANDLES = Finding("participants", Severity.ERROR, 19, 19, "no @handles")


def github_patch(base: str, head: str) -> str:
    """What GitHub puts in `patch`: the unified diff (3 lines of context) without headers."""
    lines = difflib.unified_diff(base.splitlines(keepends=True), head.splitlines(keepends=True))
    return "".join(list(lines)[2:])


def test_mark_findings_by_their_first_line() -> None:
    marked = mark_findings(PATH, [DURATION, ORDER, HANDLES], DIFF)
    assert marked == (
        MarkedFinding(PATH, DURATION, Where.FILE),
        MarkedFinding(PATH, ORDER, Where.ADDED),
        MarkedFinding(PATH, HANDLES, Where.ADDED),
    )
    assert [m.introduced for m in marked] == [False, True, True]
    assert MarkedFinding(PATH, DURATION, Where.CONTEXT).introduced is False


def test_a_small_report_exactly() -> None:
    output = render_check_run(
        mark_findings(PATH, [DURATION, ORDER, HANDLES], DIFF),
        logs_checked=[PATH],
        safe_fixes=SafeFixes(my_lines=1, whole_log=2),
        suggestions_posted=1,
    )
    assert output.conclusion == "failure"
    assert output.title == "2 problems introduced"
    assert output.summary == (
        "Checked 1 log, `docs/log.md`: this pull request introduces 2 problems, all of them "
        "errors, so the check fails.\n"
        "\n"
        "| Rule | New | Existing |\n"
        "| --- | ---: | ---: |\n"
        "| `newest-first` | 1 | 0 |\n"
        "| `participants` | 1 | 0 |\n"
        "| `duration-tag` | 0 | 1 |\n"
        "\n"
        "**1 problem was already in the log**, on lines this pull request did not change. It "
        "never fails the check and is not annotated; the table counts it by rule and "
        "[the details below](#already-in-the-log) list it.\n"
        "\n"
        "### Problems introduced\n"
        "\n"
        "- `docs/log.md:17` **newest-first** (error): `## 2022-03-22` is out of order\n"
        "- `docs/log.md:19` **participants** (error): no @handles\n"
        "\n"
        "### Fixes\n"
        "\n"
        "The buttons are at the top of this check run.\n"
        "\n"
        "- **Fix my lines** commits 1 safe fix for the problems on the lines this pull "
        "request added or changed.\n"
        "- **Fix whole log** commits all 2 safe fixes in the log, 1 of them on lines this "
        "pull request did not change.\n"
        "- 1 review suggestion was posted on the changed lines; commit it from the "
        "**Files changed** tab.\n"
    )
    # The details list what the summary does not: here the one existing problem.
    assert output.text == (
        "### Already in the log\n"
        "\n"
        "- `docs/log.md:4` **duration-tag** (warning): `@DURATION=3h` is not a canonical "
        "duration tag; write `$DURATION=3h`\n"
    )
    # Annotated: only the problems on lines the pull request added (`annotations: added`).
    assert output.annotations == (
        {
            "path": "docs/log.md",
            "start_line": 17,
            "end_line": 24,
            "annotation_level": "failure",
            "title": "chronolog newest-first",
            "message": "`## 2022-03-22` is out of order",
            "raw_details": "Safe fix: Move the entry above line 5",
        },
        {
            "path": "docs/log.md",
            "start_line": 19,
            "end_line": 19,
            "annotation_level": "failure",
            "title": "chronolog participants",
            "message": "no @handles",
        },
    )
    assert output.actions == (
        {
            "label": "Fix my lines",
            "description": "Commit 1 safe fix on the PR's lines",
            "identifier": "fix-my-lines",
        },
        {
            "label": "Fix whole log",
            "description": "Commit all 2 safe fixes in the log",
            "identifier": "fix-whole-log",
        },
    )


def test_no_log_changed_passes() -> None:
    output = render_check_run([], logs_checked=[])
    assert (output.conclusion, output.title, output.text) == ("success", "No log changed", None)
    assert output.summary == (
        "No log changed in this pull request, so there was nothing to check.\n"
        "\n"
        "chronolog checks the files named under `logs:` in `.github/chronolog.yml` (read from "
        "the default branch) or, without that setting, every changed Markdown file whose H2 "
        "headings mostly start with a date.\n"
    )
    assert (output.annotations, output.actions) == ((), ())


def test_a_clean_log_passes() -> None:
    output = render_check_run([], logs_checked=["a.md", "b.md"])
    assert (output.conclusion, output.title, output.text) == ("success", "No problems", None)
    assert output.summary == "Checked 2 logs, `a.md` and `b.md`: no problems found.\n"


def test_existing_errors_and_introduced_warnings_do_not_fail() -> None:
    old_error = MarkedFinding(PATH, HANDLES, Where.CONTEXT)
    output = render_check_run([old_error], logs_checked=[PATH])
    assert (output.conclusion, output.title) == ("success", "No new problems (1 existing)")
    assert output.summary.startswith(
        "Checked 1 log, `docs/log.md`: this pull request introduces no problems, so the check "
        "passes; 1 problem was already in the log.\n"
    )
    assert output.annotations == ()

    new_warning = MarkedFinding(PATH, DURATION, Where.ADDED)
    output = render_check_run([new_warning, old_error], logs_checked=[PATH])
    assert (output.conclusion, output.title) == ("success", "1 problem introduced")
    assert output.summary.startswith(
        "Checked 1 log, `docs/log.md`: this pull request introduces 1 problem, a warning, so "
        "the check passes (only errors fail it).\n"
    )


@pytest.mark.parametrize(
    ("mode", "lines", "note"),
    [
        (FilterMode.ADDED, [17], "They never fail the check and are not annotated;"),
        (
            FilterMode.DIFF_CONTEXT,
            [17, 14],
            'They never fail the check and the one inside the diff is annotated as "Existing '
            'problem";',
        ),
        (
            FilterMode.FILE,
            [17, 4, 14],
            'They never fail the check and are annotated as "Existing problem";',
        ),
    ],
)
def test_the_annotations_mode_chooses_which_existing_problems_are_annotated(
    mode: FilterMode, lines: list[int], note: str
) -> None:
    in_context = Finding("participants", Severity.ERROR, 14, 14, "no @handles")
    marked = mark_findings(PATH, [DURATION, ORDER, in_context], DIFF)
    assert [m.where for m in marked] == [Where.FILE, Where.ADDED, Where.CONTEXT]

    output = render_check_run(marked, logs_checked=[PATH], annotate=mode)

    assert [a["start_line"] for a in output.annotations] == lines
    assert [a["message"].startswith("Existing problem: ") for a in output.annotations] == [
        line != 17 for line in lines
    ]
    assert note in output.summary
    assert output.conclusion == "failure"  # the mode never changes the verdict
    assert output.text is not None
    assert output.text.count("\n- ") == 2  # both existing problems, whatever is annotated


def test_an_introduced_notice_is_annotated_as_a_notice() -> None:
    notice = Finding("future-date", Severity.NOTICE, 3, 3, "in the future")
    output = render_check_run([MarkedFinding(PATH, notice, Where.ADDED)], logs_checked=[PATH])
    assert output.conclusion == "success"
    assert output.annotations[0]["annotation_level"] == "notice"


def test_columns_only_on_single_line_findings_with_an_end_column() -> None:
    multi = Finding("mojibake", Severity.WARNING, 5, 6, "m", column=3, end_column=9)
    no_end = Finding("mojibake", Severity.WARNING, 5, 5, "m", column=3)
    output = render_check_run(
        [MarkedFinding(PATH, multi, Where.ADDED), MarkedFinding(PATH, no_end, Where.ADDED)],
        logs_checked=[PATH],
    )
    for annotation in output.annotations:
        assert "start_column" not in annotation
        assert "end_column" not in annotation


def test_an_unsafe_fix_says_so_in_the_details() -> None:
    year = Fix("Change the year to 2023", (Edit(3, 3, ("## 2023-01-03",)),), Applicability.UNSAFE)
    finding = Finding("newest-first", Severity.ERROR, 3, 3, "out of order", year)
    (annotation,) = render_check_run(
        [MarkedFinding(PATH, finding, Where.ADDED)], logs_checked=[PATH]
    ).annotations
    assert annotation["raw_details"] == (
        "Unsafe fix (review before committing): Change the year to 2023"
    )


def test_an_invalid_config_fails_with_an_annotation_on_its_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("logs: [a.md]\nlgos: [b.md]\n")
    output = render_check_run([], logs_checked=[], config_error=caught.value)
    assert (output.conclusion, output.title) == ("failure", "Invalid .github/chronolog.yml")
    assert output.summary == (
        "**`.github/chronolog.yml` is invalid**, line 2: unknown key `lgos`; did you mean "
        "`logs`?\n"
        "\n"
        "Fix it on the default branch: chronolog reads its config only from there, so that a "
        "pull request cannot switch its own check off.\n"
    )
    assert output.annotations == (
        {
            "path": ".github/chronolog.yml",
            "start_line": 2,
            "end_line": 2,
            "annotation_level": "failure",
            "title": "chronolog config",
            "message": "unknown key `lgos`; did you mean `logs`?",
        },
    )


def test_extra_sections_close_the_summary() -> None:
    output = render_check_run(
        [], logs_checked=[PATH], extra_sections=["### Backlinks\n\n- #12\n", "  "]
    )
    assert output.summary == (
        "Checked 1 log, `docs/log.md`: no problems found.\n\n### Backlinks\n\n- #12\n"
    )


@pytest.mark.parametrize(
    ("safe_fixes", "buttons"),
    [
        (SafeFixes(0, 0), []),
        # Both would commit the same fixes: only the default button.
        (SafeFixes(3, 3), [("Fix my lines", "Commit 3 safe fixes on the PR's lines")]),
        (SafeFixes(0, 1), [("Fix whole log", "Commit 1 safe fix in the log")]),
        (
            SafeFixes(1, 19),
            [
                ("Fix my lines", "Commit 1 safe fix on the PR's lines"),
                ("Fix whole log", "Commit all 19 safe fixes in the log"),
            ],
        ),
        (
            SafeFixes(9_999, 10**6),
            [
                ("Fix my lines", "Commit 9999 safe fixes on the PR's lines"),
                ("Fix whole log", "Commit all 1000000 safe fixes in the log"),
            ],
        ),
        (
            SafeFixes(10**4, 10**7),
            [
                ("Fix my lines", "Commit the safe fixes on the PR's lines"),
                ("Fix whole log", "Commit all safe fixes in the log"),
            ],
        ),
    ],
)
def test_the_fix_buttons_show_what_they_commit_within_githubs_limits(
    safe_fixes: SafeFixes, buttons: list[tuple[str, str]]
) -> None:
    actions = render_check_run([], logs_checked=[PATH], safe_fixes=safe_fixes).actions
    assert [(a["label"], a["description"]) for a in actions] == buttons
    for action in actions:
        assert FIX_BUTTONS[action["identifier"]].label == action["label"]
        assert len(action["label"]) <= 20
        assert len(action["description"]) <= 40
        assert len(action["identifier"]) <= 20


def test_the_old_apply_fixes_identifier_still_means_the_whole_log() -> None:
    assert FIX_BUTTONS[APPLY_FIXES_ACTION] is FIX_WHOLE_LOG
    assert (FIX_MY_LINES.identifier, FIX_WHOLE_LOG.identifier) == ("fix-my-lines", "fix-whole-log")


def test_ten_thousand_findings_never_exceed_githubs_limits() -> None:
    message = "the entry's first line does not list everyone involved; start it with @handles"
    marked = [
        MarkedFinding(
            f"logs/{index % 7}.md",
            Finding("participants", Severity.ERROR, index, index, message),
            Where.ADDED if index % 2 else Where.FILE,
        )
        for index in range(1, 10_001)
    ]
    output = render_check_run(marked, logs_checked=[f"logs/{n}.md" for n in range(7)])
    assert output.title == "5000 problems introduced"
    assert "| `participants` | 5000 | 5000 |" in output.summary
    assert "- …and 4990 more, [in the details below](#more-problems-introduced)\n" in (
        output.summary
    )
    assert output.summary.count("\n- `logs/") == 10
    assert output.text is not None
    for text in (output.summary, output.text):
        assert len(text.encode()) <= MAX_OUTPUT_LENGTH
    listed = output.text.count("\n- `logs/")
    assert output.text.endswith(f"\n…and {9_990 - listed} more not shown\n")
    assert 500 < listed < 9_990
    assert len(output.annotations) == 5_000  # the introduced ones
    batches = annotation_batches(output.annotations)
    assert [len(batch) for batch in batches] == [50] * 100
    assert [a for batch in batches for a in batch] == list(output.annotations)


def test_a_huge_extra_section_is_cut_at_a_line() -> None:
    section = "\n".join(f"- backlink {n}" for n in range(20_000))
    summary = render_check_run([], logs_checked=[PATH], extra_sections=[section]).summary
    assert len(summary.encode()) <= MAX_OUTPUT_LENGTH
    last_shown = summary.splitlines()[-2]
    assert summary.endswith(
        f"\n{last_shown}\n…and {19_999 - int(last_shown.split()[-1])} more not shown\n"
    )


def test_cap_text_counts_utf8_bytes_and_cut_lines() -> None:
    # Each item is 45 bytes but 25 characters; 64 bytes stay free for the closing line.
    assert cap_text("short\n", limit=100) == "short\n"
    text = "intro\n" + "".join(f"- {'é' * 20} {n}\n" for n in range(10)) + "end"
    assert cap_text(text, limit=200) == (
        "intro\n" + "".join(f"- {'é' * 20} {n}\n" for n in range(2)) + "…and 8 more not shown\n"
    )
    assert cap_text("a" * 300 + "\nb" * 3, limit=100) == "…and 4 more lines not shown\n"


def test_real_pair_cd_introduces_the_new_entry_without_a_handle() -> None:
    # eb0eaee added `## 2022-10-21 (occurred 2022-10-19)` on top, its first line prose.
    # The ten duration-tag variants further down were there before: summarised, not failed.
    base = (LOGS / "devx-support-log-cd.base.md").read_text(encoding="utf-8")
    head = (LOGS / "devx-support-log-cd.head.md").read_text(encoding="utf-8")
    diff = file_diff({"filename": PATH, "status": "modified", "patch": github_patch(base, head)})
    findings = check_log(parse_log(head), Context(today=dt.date(2022, 10, 21), author="octocat"))
    marked = mark_findings(PATH, findings, diff)
    assert [(m.finding.rule, m.finding.line) for m in marked if m.introduced] == [
        ("participants", 7)
    ]
    assert {m.finding.rule for m in marked if not m.introduced} == {"duration-tag"}
    output = render_check_run(marked, logs_checked=[PATH], safe_fixes=SafeFixes(1, 11))
    assert (output.conclusion, output.title) == ("failure", "1 problem introduced")
    assert "| `participants` | 1 | 0 |\n| `duration-tag` | 0 | 10 |" in output.summary


def test_real_pair_support_log_appends_two_entries_out_of_order() -> None:
    # PR #1 appended `## 2022-03-22` and `## 2022-03-25` below `## 2022-03-21`: under
    # today's newest-first rule both are introduced errors.
    base = (LOGS / "devx-support-log.base.md").read_text(encoding="utf-8")
    head = (LOGS / "devx-support-log.head.md").read_text(encoding="utf-8")
    diff = file_diff({"filename": PATH, "status": "modified", "patch": github_patch(base, head)})
    findings = check_log(parse_log(head), Context(today=dt.date(2022, 3, 25)))
    marked = mark_findings(PATH, findings, diff)
    assert [(m.finding.rule, m.finding.line, m.introduced) for m in marked] == [
        ("newest-first", 17, True),
        ("newest-first", 25, True),
    ]
    output = render_check_run(marked, logs_checked=[PATH])
    assert (output.conclusion, output.title) == ("failure", "2 problems introduced")


def test_annotation_text_fits_githubs_64_kb_whatever_the_message() -> None:
    # A finding on a 70 KB line would otherwise make GitHub refuse the whole check run.
    long = "\u00e9" * 70_000
    finding = Finding("mojibake", Severity.WARNING, 3, 3, long, fix=Fix(long, edits=()))
    output = render_check_run([MarkedFinding(PATH, finding, Where.ADDED)], logs_checked=[PATH])
    [annotation] = output.annotations
    assert len(annotation["message"].encode()) <= MAX_ANNOTATION_FIELD
    assert len(annotation["raw_details"].encode()) <= MAX_ANNOTATION_FIELD
    assert annotation["message"].endswith("\u00e9\u2026")


def test_a_proposed_config_with_problems_fails_the_run_on_its_lines() -> None:
    problems = validate_config_text("logs: [a.md]\nlgos: [b.md]\norder: up\n")
    warning = MarkedFinding(PATH, DURATION, Where.ADDED)

    output = render_check_run([warning], logs_checked=[PATH], proposed_config=problems)

    assert (output.conclusion, output.title) == (
        "failure",
        "Invalid .github/chronolog.yml in this pull request",
    )
    assert output.summary.startswith(
        "Checked 1 log, `docs/log.md`: this pull request introduces 1 problem, a warning, but "
        "the check fails on the config below.\n"
        "\n"
        "**The `.github/chronolog.yml` in this pull request is invalid** (2 problems, "
        "annotated on its lines): merged, it would fail the check of every pull request until "
        "fixed. The logs were checked with the default branch's config.\n"
        "\n"
        "- line 2: unknown key `lgos`; did you mean `logs`?\n"
        "- line 3: unknown order `up`; use newest-first or oldest-first\n"
    )
    assert [(a["path"], a["start_line"], a["annotation_level"]) for a in output.annotations] == [
        (".github/chronolog.yml", 2, "failure"),
        (".github/chronolog.yml", 3, "failure"),
        (PATH, 4, "warning"),
    ]


def test_a_valid_proposed_config_changes_nothing_but_a_note() -> None:
    output = render_check_run([], logs_checked=[PATH], proposed_config=())
    assert (output.conclusion, output.title, output.annotations) == ("success", "No problems", ())
    assert output.summary == (
        "Checked 1 log, `docs/log.md`: no problems found.\n"
        "\n"
        "The `.github/chronolog.yml` in this pull request is valid; it applies once merged "
        "(this check used the default branch's, so that a pull request cannot change its own "
        "check).\n"
    )
