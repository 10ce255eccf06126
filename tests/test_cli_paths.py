"""What `chronolog check PATH...` checks: files, directories, glob patterns and `-` (stdin)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from chronolog.cli import main
from tests.helpers import CHRONOLOG_COMMAND, run_cli

# One error (an empty entry) and one warning (a duration tag) with a safe fix.
LOG = "# Log\n\n## 2022-11-20\n\n@alice DURATION=5m\n\n## 2022-11-19\n"
EMPTY = (
    "error [empty-entry] `## 2022-11-19` has nothing under it; "
    "write the entry or delete the heading"
)
TAG = (
    "warning [duration-tag] `DURATION=5m` is not a canonical duration tag; "
    "write `$DURATION=5m` (fixable)"
)


def findings(path: str) -> list[str]:
    return [f"{path}:5:8: {TAG}", f"{path}:7:1: {EMPTY}"]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository without a config: Markdown at several depths, a hidden folder, a text file."""
    (tmp_path / ".git").mkdir()
    for name in ("docs/b.md", "docs/a.markdown", "docs/2022/old.md", "docs/.cache/x.md", "top.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(LOG, encoding="utf-8")
    (tmp_path / "docs" / "notes.txt").write_text(LOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_directory_is_searched_for_markdown_without_hidden_folders(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "check", "docs")
    assert code == 1
    assert out == [
        *findings("docs/2022/old.md"),
        *findings("docs/a.markdown"),
        *findings("docs/b.md"),
    ]
    assert err == ["Found 6 problems (3 fixable with --fix)"]


def test_a_directory_is_searched_for_the_logs_the_config_names(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / ".github").mkdir()
    (tree / ".github" / "chronolog.yml").write_text("logs: ['docs/*.md']\n", encoding="utf-8")
    assert run_cli(capsys, "check", ".", "--select", "empty-entry") == (
        1,
        ["docs/b.md:7:1: " + EMPTY],
        ["Found 1 problem"],
    )
    assert run_cli(capsys, "check", "docs/2022") == (
        2,
        [],
        [
            "chronolog: docs/2022: no file the config's `logs:` names in this directory",
            "No problems found; 1 file could not be checked",
        ],
    )


def test_a_quoted_glob_is_expanded_by_chronolog_with_double_star(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "check", "docs/**/*.md", "--select", "empty-entry")
    assert code == 1
    assert out == ["docs/2022/old.md:7:1: " + EMPTY, "docs/b.md:7:1: " + EMPTY]
    code, out, _ = run_cli(capsys, "check", "*.md", "--select", "empty-entry")
    assert (code, out) == (1, ["top.md:7:1: " + EMPTY])


def test_a_glob_that_matches_nothing_is_reported_and_the_rest_checked(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "logs/*.md", "top.md", "--select", "empty-entry") == (
        2,
        ["top.md:7:1: " + EMPTY],
        [
            "chronolog: logs/*.md: the pattern matches no file",
            "Found 1 problem; 1 file could not be checked",
        ],
    )


def test_a_file_named_like_a_pattern_is_that_file_and_each_file_is_checked_once(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "log[1].md").write_text(LOG, encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "check", "log[1].md", "top.md", "*.md", "./top.md", "--select", "empty-entry"
    )
    assert code == 1
    # `*.md` brings them again and `./top.md` is `top.md`: each is checked once.
    assert out == ["log[1].md:7:1: " + EMPTY, "top.md:7:1: " + EMPTY]


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


def test_dash_reads_stdin_and_stdin_filename_names_it(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, LOG)
    assert run_cli(capsys, "check", "-") == (
        1,
        findings("-"),
        ["Found 2 problems (1 fixable with --fix)"],
    )
    stdin(monkeypatch, LOG)
    code, out, _ = run_cli(capsys, "check", "-", "--stdin-filename", "docs/support.md")
    assert (code, out) == (1, findings("docs/support.md"))


def test_stdin_filename_is_matched_against_the_config(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / ".github").mkdir()
    (tree / ".github" / "chronolog.yml").write_text(
        "logs: ['docs/*.md']\nrules:\n  empty-entry: warning\n", encoding="utf-8"
    )
    stdin(monkeypatch, LOG)
    args = ("check", "--force-exclude", "--select", "empty-entry", "-", "--stdin-filename")
    assert run_cli(capsys, *args, "docs/support.md") == (
        0,
        ["docs/support.md:7:1: " + EMPTY.replace("error", "warning", 1)],
        ["Found 1 problem"],
    )
    stdin(monkeypatch, LOG)
    # Not named by `logs:`: skipped, as the app would skip it.
    assert run_cli(capsys, *args, "README.md") == (0, [], ["All checks passed!"])


def test_fix_on_stdin_prints_the_fixed_text_and_the_findings_on_stderr(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, LOG)
    code = main(["check", "--fix", "-", "--stdin-filename", "log.md"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == LOG.replace("DURATION=5m", "$DURATION=5m")
    assert captured.err.splitlines() == [
        "Fixed 1 problem in log.md",
        "log.md:7:1: " + EMPTY,
        "Found 1 problem",
    ]


def test_stdin_as_a_filter_in_a_real_process(tree: Path) -> None:
    completed = subprocess.run(
        [*CHRONOLOG_COMMAND, "check", "--fix", "--quiet", "-"],
        input=LOG.replace("\n", "\r\n").encode(),
        capture_output=True,
        check=False,
    )
    assert completed.returncode == 1
    # The line endings are kept; --quiet leaves only the findings on stderr.
    assert (
        completed.stdout
        == LOG.replace("DURATION=5m", "$DURATION=5m").replace("\n", "\r\n").encode()
    )
    assert completed.stderr.decode().splitlines() == ["-:7:1: " + EMPTY]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("check", "--stdin-filename", "log.md", "top.md"),
            "--stdin-filename names the text read from `-`; give `-` as a PATH",
        ),
        (
            ("check", "--fix", "-", "top.md"),
            "with --fix or --diff, `-` (stdin) must be the only PATH",
        ),
        (
            ("check", "--diff-base", "HEAD", "-"),
            "--diff-base compares files on disk with git; it cannot judge stdin",
        ),
    ],
)
def test_stdin_options_that_cannot_work_are_usage_errors(
    tree: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    assert run_cli(capsys, *argv) == (2, [], [f"chronolog: {message}"])


def test_fix_on_stdin_that_is_not_a_log_gives_the_text_back(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / ".github").mkdir()
    (tree / ".github" / "chronolog.yml").write_text("logs: ['docs/*.md']\n", encoding="utf-8")
    stdin(monkeypatch, LOG)
    argv = ["check", "--fix", "--force-exclude", "-", "--stdin-filename", "README.md"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (LOG, "All checks passed!\n")


def test_without_a_standard_input_only_dash_fails(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    assert run_cli(capsys, "check", "top.md", "--select", "empty-entry")[0] == 1
    assert run_cli(capsys, "check", "-") == (
        2,
        [],
        [
            "chronolog: -: there is no standard input to read",
            "No problems found; 1 file could not be checked",
        ],
    )
