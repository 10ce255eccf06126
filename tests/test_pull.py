"""A pull request's check, decided in the core: the files list and texts in, the plan out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from chronolog.config import ConfigError, RepoConfig, parse_config
from chronolog.diff import Where
from chronolog.fix_buttons import SafeFixes
from chronolog.parse import parse_log
from chronolog.pull import (
    ChangedFile,
    LogsOfPull,
    ReviewPlan,
    added_entries_line,
    changes_config,
    check_changed_log,
    check_run_output,
    files_to_read,
    is_changed_log,
    moved_on,
    needs_base,
    not_checked_output,
    proposed_config_problems,
    review_plan,
    safe_fixes,
    suggestion_candidates,
)
from chronolog.rule import Context
from chronolog.suggestions import marker
from tests.conftest import LOGS

HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
NEWER_SHA = "a" * 40
BASE = "# Log\n\n## 2022-11-25\n\n@alice looked at the agents\n"
HEAD = "# Log\n\n## 26/11/2022\n\n@bob restarted the agents\n\n" + BASE[len("# Log\n\n") :]
PATCH = (
    "@@ -1,3 +1,7 @@\n # Log\n \n+## 26/11/2022\n+\n+@bob restarted the agents\n+\n ## 2022-11-25\n"
)
CONTEXT = Context(today=dt.date(2022, 11, 28), author="bob")


def entry(path: str, status: str = "modified", **extra: Any) -> dict[str, Any]:
    """One item of `GET /pulls/{n}/files`, as GitHub sends it."""
    return {
        "filename": path,
        "status": status,
        "contents_url": f"https://api.github.com/repos/o/r/contents/{path}?ref={HEAD_SHA}",
        **extra,
    }


def planned(config: RepoConfig, files: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (f.path, f.previous_path, f.status, f.configured, f.patch is not None)
        for f in files_to_read(config, files)
    ]


def changed(path: str = "log.md", status: str = "modified", **extra: Any) -> ChangedFile:
    (found,) = files_to_read(RepoConfig(), [entry(path, status, **extra)])
    return found


def test_without_logs_every_changed_markdown_file_is_read_except_removed_ones() -> None:
    files = [
        entry("log.md", patch=PATCH),
        entry("NOTES.MD", "added", patch="@@ -0,0 +1 @@\n+# Notes"),
        entry("src/main.py", patch="@@ -1 +1 @@\n-a\n+b"),
        entry("old.md", "removed"),
        entry("big.markdown"),  # no patch: a very large diff
        entry("odd.md", patch="not a patch"),
    ]

    assert planned(RepoConfig(), files) == [
        ("log.md", None, "modified", None, True),
        ("NOTES.MD", None, "added", None, True),
        ("big.markdown", None, "modified", None, False),
        ("odd.md", None, "modified", None, False),
    ]


def test_with_logs_only_the_named_files_are_read_also_under_their_old_name() -> None:
    config = parse_config("logs: ['support/*.md']\n")
    files = [
        entry("support/log.md", patch=PATCH),
        entry("README.md", patch=PATCH),
        entry("archive/2022.md", "renamed", previous_filename="support/2022.md"),
        entry("support/data.csv"),
    ]

    assert planned(config, files) == [
        ("support/log.md", None, "modified", True, True),
        ("archive/2022.md", "support/2022.md", "renamed", True, False),
    ]


def test_the_base_is_read_only_when_it_can_decide_or_the_diff_needs_it() -> None:
    log = parse_log(HEAD)
    plain = parse_log("# Readme\n\nSome text.\n")
    too_few = parse_log("## 2022-11-25\n\n## 2022-11-24\n\n## Notes\n\n## Ideas\n\n## More\n")
    removed_heading = "@@ -1,2 +1 @@\n-## 2022-11-24\n # Log"

    assert needs_base(changed(patch=PATCH), log) is False
    assert needs_base(changed(patch=PATCH), plain) is False
    assert needs_base(changed(status="added"), log) is False
    assert needs_base(changed(), log) is True  # no patch: the diff is computed from both
    assert needs_base(changed(patch=removed_heading), plain) is True
    assert needs_base(changed(patch=PATCH), too_few) is True
    configured = files_to_read(parse_config("logs: ['*.md']\n"), [entry("x.md", patch=PATCH)])
    assert needs_base(configured[0], too_few) is False


def test_a_file_is_a_log_when_its_head_or_its_base_looks_like_one() -> None:
    plain = parse_log("# Readme\n\nSome text.\n")

    assert is_changed_log(changed(patch=PATCH), parse_log(HEAD), None) is True
    assert is_changed_log(changed(patch=PATCH), plain, None) is False
    assert is_changed_log(changed(patch=PATCH), plain, HEAD) is True
    assert is_changed_log(changed("CHANGELOG.md", patch=PATCH), parse_log(HEAD), HEAD) is False


def test_a_changed_log_is_checked_on_the_lines_it_added_and_marked_against_the_diff() -> None:
    checked = check_changed_log(
        changed(patch=PATCH), HEAD, parse_log(HEAD), None, config=RepoConfig(), context=CONTEXT
    )

    assert checked.changed_lines == frozenset({3, 4, 5, 6})
    assert [(m.finding.rule, m.finding.line, m.where) for m in checked.marked] == [
        ("date-heading", 3, Where.ADDED),
    ]
    assert safe_fixes([checked]) == SafeFixes(my_lines=1, whole_log=1)


def test_an_added_log_has_every_line_added() -> None:
    checked = check_changed_log(
        changed(status="added", patch="@@ -0,0 +1,5 @@\n" + "".join(f"+{x}\n" for x in "abcde")),
        BASE,
        parse_log(BASE),
        None,
        config=RepoConfig(),
        context=CONTEXT,
    )

    assert checked.changed_lines == frozenset({1, 2, 3, 4, 5})


def test_a_files_list_made_at_a_newer_head_says_the_pull_request_moved_on() -> None:
    newer = [entry("log.md", contents_url=f"https://x/contents/log.md?ref={NEWER_SHA}")]

    assert moved_on([entry("log.md")], HEAD_SHA) is None
    assert moved_on(newer, HEAD_SHA) == NEWER_SHA
    assert moved_on([], HEAD_SHA) is None


def test_the_review_posts_only_the_suggestions_not_already_there() -> None:
    checked = check_changed_log(
        changed(patch=PATCH), HEAD, parse_log(HEAD), None, config=RepoConfig(), context=CONTEXT
    )
    candidates = suggestion_candidates([checked])
    posted = f"an old suggestion\n\n{marker(candidates[0].fingerprints[0])}"

    fixes = SafeFixes(1, 1)
    first = review_plan([checked], [], head_sha=HEAD_SHA, safe_fixes=fixes)
    again = review_plan(
        [checked], [posted, "a person's comment"], head_sha=HEAD_SHA, safe_fixes=fixes
    )

    assert first.request is not None
    assert (first.request["commit_id"], first.request["event"], first.request["body"]) == (
        HEAD_SHA,
        "COMMENT",
        "chronolog suggests 1 fix. On the check run, **Fix my lines** commits 1 safe fix for "
        "the problems on the lines this pull request added or changed.",
    )
    assert [(c["path"], c["line"]) for c in first.request["comments"]] == [("log.md", 3)]
    assert first.posted == 1
    assert again == ReviewPlan(None, already_posted=1)
    assert again.posted == 1


def test_the_run_fails_on_an_introduced_error_and_counts_the_suggestions() -> None:
    checked = check_changed_log(
        changed(patch=PATCH), HEAD, parse_log(HEAD), None, config=RepoConfig(), context=CONTEXT
    )
    found = LogsOfPull(RepoConfig(), None, (checked,), ())

    output = check_run_output(found, suggestions_posted=1, sections=["A note."])

    assert (output.conclusion, output.title) == ("failure", "1 problem introduced")
    assert output.summary.endswith("A note.\n")
    assert [a["start_line"] for a in output.annotations] == [3]
    assert [a["identifier"] for a in output.actions] == ["fix-my-lines"]


def test_an_invalid_config_fails_the_run_without_reading_a_log() -> None:
    found = LogsOfPull(RepoConfig(), ConfigError("`lgos` is not a setting"), (), ())

    output = check_run_output(found, suggestions_posted=0, sections=[])

    assert output.conclusion == "failure"
    assert output.actions == ()


def test_a_check_that_could_not_run_is_neutral_and_says_to_re_run() -> None:
    output = not_checked_output("GitHub's API failed", "GitHub answered: 404.")

    assert (output.conclusion, output.title) == ("neutral", "Not checked: GitHub's API failed")
    assert output.summary == (
        "**GitHub's API failed**, so the logs in this pull request were not checked.\n\n"
        "GitHub answered: 404.\n\n"
        "This is not a problem in your log. Use **Re-run** on this check to try again; "
        "the check is neutral meanwhile so that it does not block the pull request."
    )
    assert not_checked_output("chronolog hit an internal error", "").title == "Not checked"


def test_the_summary_says_what_the_added_entries_add() -> None:
    checked = check_changed_log(
        changed(patch=PATCH), HEAD, parse_log(HEAD), None, config=RepoConfig(), context=CONTEXT
    )
    found = LogsOfPull(RepoConfig(), None, (checked,), ())

    summary = check_run_output(found, suggestions_posted=0, sections=[]).summary

    assert summary.split("\n\n")[1] == "Adds 1 entry: no duration tag, by @bob."


def test_entries_added_to_several_logs_are_said_per_log_in_one_line() -> None:
    timed = HEAD.replace("restarted the agents", "restarted the agents $DURATION=45m")
    other = check_changed_log(
        changed("ops/log.md", patch=PATCH),
        timed,
        parse_log(timed),
        None,
        config=RepoConfig(),
        context=CONTEXT,
    )
    checked = check_changed_log(
        changed(patch=PATCH), HEAD, parse_log(HEAD), None, config=RepoConfig(), context=CONTEXT
    )
    unchanged = dataclasses.replace(checked, path="old.md", changed_lines=frozenset({5}))

    assert added_entries_line([checked, unchanged, other]) == (
        "`log.md`: Adds 1 entry: no duration tag, by @bob. "
        "`ops/log.md`: Adds 1 entry: 45m of support time, by @bob."
    )
    assert added_entries_line([unchanged]) is None


def test_a_changed_config_is_found_in_the_files_list_and_validated() -> None:
    assert changes_config([entry("log.md"), entry(".github/chronolog.yml")]) is True
    assert changes_config([entry(".github/chronolog.yml", "removed")]) is False
    assert changes_config([entry("docs/chronolog.yml")]) is False

    assert proposed_config_problems(b"order: newest-first\n") == ()
    [problem] = proposed_config_problems(b"logs: [a.md]\nannotations: 3\n")
    assert (problem.line, problem.message) == (
        2,
        "unknown annotations `3`; use added, diff_context or file",
    )
    [undecodable] = proposed_config_problems(b"logs: [\xff]\n")
    assert undecodable.line == 1
    assert undecodable.message == (
        "not UTF-8 (byte 0xff at offset 7); save the file as UTF-8 and run again"
    )


def test_the_issue_scenario_one_suggestion_per_line_and_two_buttons() -> None:
    # The reference log with one entry added on top by jhchabran: 3 safe fixes on its
    # lines (2 of them on its first line, in one suggestion), 16 on lines nobody touched.
    base = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    new_entry = (
        "## 26/11/2022\n\nRestarted the stuck CI agents after the disk filled up. DURATION=45m\n\n"
    )
    head = base.replace("## 2022-11-25", new_entry + "## 2022-11-25", 1)
    patch = (
        "@@ -1,6 +1,10 @@\n"
        " # 2022 support log\n"
        " \n"
        f" {base.splitlines()[2]}\n"
        "+\n"
        "+## 26/11/2022\n"
        "+\n"
        "+Restarted the stuck CI agents after the disk filled up. DURATION=45m\n"
        " \n"
        " ## 2022-11-25\n"
        " \n"
    )
    context = Context(today=dt.date(2022, 11, 27), author="jhchabran")
    checked = check_changed_log(
        changed(patch=patch), head, parse_log(head), None, config=RepoConfig(), context=context
    )
    fixes = safe_fixes([checked])
    assert fixes == SafeFixes(my_lines=3, whole_log=19)

    plan = review_plan([checked], [], head_sha=HEAD_SHA, safe_fixes=fixes)

    assert plan.request is not None
    assert plan.request["body"] == (
        "chronolog suggests 3 fixes in 2 suggestions. On the check run, **Fix my lines** "
        "commits 3 safe fixes for the problems on the lines this pull request added or "
        "changed. **Fix whole log** commits all 19 safe fixes in the log, 16 of them on "
        "lines this pull request did not change."
    )
    assert [(c["line"], c["body"].count("\n- `")) for c in plan.request["comments"]] == [
        (5, 0),
        (7, 2),
    ]
    output = check_run_output(
        LogsOfPull(RepoConfig(), None, (checked,), ()), suggestions_posted=2, sections=[]
    )
    assert output.actions == (
        {
            "label": "Fix my lines",
            "description": "Commit 3 safe fixes on the PR's lines",
            "identifier": "fix-my-lines",
        },
        {
            "label": "Fix whole log",
            "description": "Commit all 19 safe fixes in the log",
            "identifier": "fix-whole-log",
        },
    )
    assert output.summary.split("### Fixes\n\n")[1] == (
        "The buttons are at the top of this check run.\n\n"
        "- **Fix my lines** commits 3 safe fixes for the problems on the lines this pull "
        "request added or changed.\n"
        "- **Fix whole log** commits all 19 safe fixes in the log, 16 of them on lines this "
        "pull request did not change.\n"
        "- 2 review suggestions were posted on the changed lines; commit them in one batch "
        "from the **Files changed** tab.\n"
    )
