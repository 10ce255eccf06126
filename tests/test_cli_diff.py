"""`chronolog check --diff-base REF`: new problems only, as the app's check run judges them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from chronolog.check import check_log
from chronolog.check_output import mark_findings, render_check_run
from chronolog.config import parse_config
from chronolog.diff import FilterMode, diff_from_texts
from chronolog.parse import parse_log
from chronolog.rule import Context, latest_current_date
from tests.conftest import LOGS
from tests.helpers import run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

BASE = "# Log\n\n## 2022-11-20\n\nno handle here\n\n## 2022-11-19\n\n@bob ok\n"
HEAD = "# Log\n\n## 2022-11-18\n\n@alice new\n\n" + BASE.removeprefix("# Log\n\n")
PARTICIPANTS = (
    "the entry's first line `no handle here` does not list everyone involved; start it "
    "with their GitHub handles, like `@alice, @bob` (`--author HANDLE` lets chronolog add yours)"
)
NEW_ENTRY = (
    "`## 2022-11-18` is out of order: it is older than `## 2022-11-20` (line 7) below it; "
    "entries go newest first. Move the entry to the end of the log"
)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose one commit holds `log.md` = BASE; the work tree has HEAD."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "user.name", "Test")
    (tmp_path / "log.md").write_text(BASE, encoding="utf-8")
    git(tmp_path, "add", "log.md")
    git(tmp_path, "commit", "-q", "-m", "base")
    (tmp_path / "log.md").write_text(HEAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_only_new_problems_fail_the_rest_are_existing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "log.md", "--diff-base", "main") == (
        1,
        [
            f"log.md:3:1: error [newest-first] {NEW_ENTRY} (fixable)",
            f"log.md:9:1: error [participants] Existing problem: {PARTICIPANTS}",
        ],
        ["Found 2 problems (1 fixable with --fix); 1 new since main, 1 existing"],
    )


def test_old_problems_alone_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "log.md").write_text(BASE.replace("@bob ok", "@bob ok, edited"), encoding="utf-8")
    assert run_cli(capsys, "check", "log.md", "--diff-base", "HEAD") == (
        0,
        [f"log.md:5:1: error [participants] Existing problem: {PARTICIPANTS}"],
        ["Found 1 problem; 0 new since HEAD, 1 existing"],
    )
    # Without --diff-base the same log fails, as before.
    assert run_cli(capsys, "check", "log.md")[0] == 1


def test_a_file_the_base_does_not_have_is_all_new(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "other.md").write_text(BASE, encoding="utf-8")  # untracked
    code, out, _ = run_cli(
        capsys, "check", "other.md", "--diff-base", "HEAD", "--select", "participants"
    )
    assert (code, out) == (1, [f"other.md:5:1: error [participants] {PARTICIPANTS}"])
    git(repo, "add", "other.md")  # staged, not committed
    code, out, _ = run_cli(
        capsys, "check", "other.md", "--diff-base", "HEAD", "--select", "participants"
    )
    assert (code, out) == (1, [f"other.md:5:1: error [participants] {PARTICIPANTS}"])


def test_head_before_the_first_commit_is_the_empty_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "log.md").write_text(BASE, encoding="utf-8")
    git(tmp_path, "add", "log.md")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "check", "log.md", "--diff-base", "HEAD")
    assert (code, out) == (1, [f"log.md:5:1: error [participants] {PARTICIPANTS}"])


def test_an_unknown_revision_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "log.md", "--diff-base", "origin/nope") == (
        2,
        [],
        [
            "chronolog: --diff-base origin/nope: not a commit in this repository (fetch it "
            "first, e.g. `git fetch origin main`, or name a branch, tag or sha)"
        ],
    )


def test_fix_then_marks_what_is_left_against_the_file_written(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "log.md", "--diff-base", "main", "--fix") == (
        0,
        [f"log.md:5:1: error [participants] Existing problem: {PARTICIPANTS}"],
        [
            "Fixed 1 problem in log.md",
            "Found 1 problem; 0 new since main, 1 existing",
        ],
    )
    assert (repo / "log.md").read_text(encoding="utf-8") == (
        "# Log\n\n## 2022-11-20\n\nno handle here\n\n## 2022-11-19\n\n@bob ok\n\n"
        "## 2022-11-18\n\n@alice new\n\n"
    )


def test_the_github_format_annotates_only_added_lines_as_the_check_run_does(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `no handle here` (line 9) was there before: not annotated, and said so once.
    code, out, err = run_cli(capsys, "check", "log.md", "--diff-base", "main", "--format", "github")

    assert (code, out) == (
        1,
        [f"::error file=log.md,line=3,endLine=3,col=1,title=chronolog newest-first::{NEW_ENTRY}"],
    )
    assert err == [
        "chronolog: 1 existing problem is not annotated (`annotations: added` in the config; "
        "`file` shows every one)"
    ]


def test_the_github_format_follows_the_configs_annotations_mode(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".github").mkdir()
    (repo / ".github" / "chronolog.yml").write_text("annotations: file\n", encoding="utf-8")

    code, out, err = run_cli(
        capsys,
        "check",
        "log.md",
        "--diff-base",
        "main",
        "--format",
        "github",
        "--select",
        "participants",
    )

    assert (code, out, err) == (
        0,
        [
            "::error file=log.md,line=9,endLine=9,col=1,title=chronolog participants::"
            f"Existing problem: {PARTICIPANTS}"
        ],
        [],
    )


@pytest.mark.parametrize(
    "name", ["devx-support-log", "devx-support-log-cd", "devx-scaletesting-log"]
)
@pytest.mark.parametrize(
    "config",
    ["", "rules:\n  duration-tag: error\n  participants: notice\n", "order: oldest-first\n"],
)
def test_the_cli_and_the_check_run_agree_on_real_pull_requests(
    name: str,
    config: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = (LOGS / f"{name}.base.md").read_text(encoding="utf-8")
    head = (LOGS / f"{name}.head.md").read_text(encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "user.name", "Test")
    (tmp_path / "log.md").write_text(base, encoding="utf-8", newline="")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "chronolog.yml").write_text(config, encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    (tmp_path / "log.md").write_text(head, encoding="utf-8", newline="")
    monkeypatch.chdir(tmp_path)

    code, out, _ = run_cli(capsys, "check", "log.md", "--diff-base", "main", "--format", "json")
    cli = [(f["line"], f["rule"], f["severity"], f["message"]) for f in json.loads("\n".join(out))]

    # The app's way: its diff filter over the pull request's diff, then its check run.
    diff = diff_from_texts("log.md", base, head)
    log = parse_log(head)
    context = Context(
        today=latest_current_date(dt.datetime.now(dt.UTC)),
        changed_lines=diff.added_lines(len(log.lines)),
    )
    repo_config = parse_config(config)
    findings = check_log(log, context, repo_config.rules(), repo_config.severities)
    # The CLI prints every finding, so compare with the run that annotates every one.
    check_run = render_check_run(
        mark_findings("log.md", findings, diff), logs_checked=["log.md"], annotate=FilterMode.FILE
    )
    app = [
        (
            a["start_line"],
            a["title"].removeprefix("chronolog "),
            a["annotation_level"],
            a["message"],
        )
        for a in sorted(check_run.annotations, key=lambda a: (a["start_line"], a["title"]))
    ]
    levels = {"failure": "error", "warning": "warning", "notice": "notice"}
    assert cli == [(line, rule, levels[level], message) for line, rule, level, message in app]
    assert code == (1 if check_run.conclusion == "failure" else 0)
