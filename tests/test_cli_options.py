"""`chronolog check --diff, --exit-zero, --quiet, --output-file, --statistics`, colour, and
`chronolog rule`: what a user sees, line for line."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from chronolog.cli import main
from chronolog.rules import ALL_RULES
from tests.helpers import CHRONOLOG_COMMAND, run_cli

LOG = "# Log\n\n## 25/11/2022\n\n@alice DURATION=5m\n\n## 2022-11-19\n"
HEADING = (
    "log.md:3:1: error [date-heading] `## 25/11/2022` is not an ISO 8601 date; "
    "did you mean `## 2022-11-25`? (fixable)"
)
TAG = (
    "log.md:5:8: warning [duration-tag] `DURATION=5m` is not a canonical duration tag; "
    "write `$DURATION=5m` (fixable)"
)
EMPTY = (
    "log.md:7:1: error [empty-entry] `## 2022-11-19` has nothing under it; "
    "write the entry or delete the heading"
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.md").write_text(LOG, encoding="utf-8")
    return tmp_path


def test_diff_shows_the_fixes_and_writes_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "--diff", "log.md") == (
        1,
        [
            "--- log.md",
            "+++ log.md",
            "@@ -1,7 +1,7 @@",
            " # Log",
            " ",
            "-## 25/11/2022",
            "+## 2022-11-25",
            " ",
            "-@alice DURATION=5m",
            "+@alice $DURATION=5m",
            " ",
            " ## 2022-11-19",
        ],
        ["Would fix 2 problems in 1 file"],
    )
    assert (workdir / "log.md").read_text(encoding="utf-8") == LOG


def test_diff_without_fixes_exits_zero_even_with_errors_left(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As ruff's --diff: the status says whether a fix would change a file.
    assert run_cli(capsys, "check", "--diff", "--select", "empty-entry", "log.md") == (
        0,
        [],
        ["No fixes to apply"],
    )


def test_diff_marks_a_last_line_without_a_line_break(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "log.md").write_text("## 2022-11-20\n\n@alice DURATION=5m", encoding="utf-8")
    code, out, _ = run_cli(capsys, "check", "--diff", "log.md")
    assert code == 1
    assert out[-4:] == [
        "-@alice DURATION=5m",
        "\\ No newline at end of file",
        "+@alice $DURATION=5m",
        "\\ No newline at end of file",
    ]


def test_diff_and_fix_cannot_go_together(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", "--diff", "--fix", "log.md")
    assert code == 2
    assert err[-1] == "chronolog check: error: argument --fix: not allowed with argument --diff"


def test_exit_zero_passes_errors_but_not_unreadable_files(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "--exit-zero", "log.md") == (
        0,
        [HEADING, TAG, EMPTY],
        ["Found 3 problems (2 fixable with --fix)"],
    )
    assert run_cli(capsys, "check", "--exit-zero", "missing.md")[0] == 2


def test_quiet_prints_only_the_findings(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "check", "-q", "log.md") == (1, [HEADING, TAG, EMPTY], [])
    assert run_cli(capsys, "check", "--quiet", "--fix", "log.md") == (1, [EMPTY], [])
    # Errors about files are not findings' chatter: they still go to stderr.
    assert run_cli(capsys, "check", "--quiet", "missing.md") == (
        2,
        [],
        ["chronolog: missing.md: cannot read: No such file or directory"],
    )


def test_output_file_gets_what_stdout_would(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "--output-file", "out/findings.txt", "log.md") == (
        1,
        [],
        ["Found 3 problems (2 fixable with --fix)"],
    )
    written = (workdir / "out" / "findings.txt").read_text(encoding="utf-8")
    assert written.splitlines() == [HEADING, TAG, EMPTY]
    code = main(["check", "--format", "sarif", "--output-file", "chronolog.sarif", "log.md"])
    assert code == 1
    assert capsys.readouterr().out == ""
    sarif = json.loads((workdir / "chronolog.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == [
        "date-heading",
        "duration-tag",
        "empty-entry",
    ]


def test_output_file_that_cannot_be_written_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "taken").write_text("", encoding="utf-8")
    code, out, err = run_cli(capsys, "check", "--output-file", "taken/out.txt", "log.md")
    assert (code, out) == (2, [])
    assert err[-1].startswith("chronolog: --output-file taken/out.txt: cannot write: ")


def test_statistics_count_findings_per_rule(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "two.md").write_text(LOG.replace("25/11/2022", "2022-11-25"), encoding="utf-8")
    assert run_cli(capsys, "check", "--statistics", "log.md", "two.md") == (
        1,
        [
            "2  duration-tag  [*]  A duration tag is written `$DURATION=<number><m|h>`.",
            "2  empty-entry   [ ]  An entry has something under its heading.",
            "1  date-heading  [*]  Every H2 heading is an ISO 8601 date (`YYYY-MM-DD`), "
            "optionally followed by a note.",
        ],
        ["Found 5 problems (3 fixable with --fix)"],
    )
    code = main(["check", "--statistics", "--format", "json", "log.md"])
    assert code == 1
    assert json.loads(capsys.readouterr().out) == [
        {"rule": "date-heading", "severity": "error", "count": 1, "fixable": 1},
        {"rule": "duration-tag", "severity": "warning", "count": 1, "fixable": 1},
        {"rule": "empty-entry", "severity": "error", "count": 1, "fixable": 0},
    ]
    assert run_cli(capsys, "check", "--statistics", "--format", "sarif", "log.md") == (
        2,
        [],
        ["chronolog: --statistics prints text or json; drop --format sarif"],
    )


def _colour_run(env: dict[str, str], *, tty: bool, cwd: Path) -> bytes:
    """stdout of `chronolog check log.md --select empty-entry` with `env` added."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env, TERM="xterm")
    argv = [*CHRONOLOG_COMMAND, "check", "log.md", "--select", "empty-entry"]
    if not tty:
        return subprocess.run(argv, capture_output=True, env=environ, cwd=cwd).stdout
    leader, follower = pty.openpty()
    try:
        subprocess.run(argv, stdout=follower, stderr=subprocess.DEVNULL, env=environ, cwd=cwd)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # Linux: EIO once the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).replace(b"\r\n", b"\n")
    finally:
        os.close(leader)


COLOURED = (
    b"\x1b[1mlog.md\x1b[0m:7:1: \x1b[1;31merror\x1b[0m \x1b[2m[empty-entry]\x1b[0m "
    b"`## 2022-11-19` has nothing under it; write the entry or delete the heading\n"
)
PLAIN = (EMPTY + "\n").encode()


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is a POSIX thing")
def test_colour_on_a_terminal_none_with_no_color_or_in_a_pipe(workdir: Path) -> None:
    assert _colour_run({}, tty=True, cwd=workdir) == COLOURED
    assert _colour_run({"NO_COLOR": "1"}, tty=True, cwd=workdir) == PLAIN
    assert _colour_run({}, tty=False, cwd=workdir) == PLAIN
    assert _colour_run({"FORCE_COLOR": "1"}, tty=False, cwd=workdir) == COLOURED
    # NO_COLOR wins over FORCE_COLOR, and an empty value is as good as unset.
    assert _colour_run({"FORCE_COLOR": "1", "NO_COLOR": "yes"}, tty=False, cwd=workdir) == PLAIN
    assert _colour_run({"NO_COLOR": ""}, tty=True, cwd=workdir) == COLOURED


def test_colour_never_goes_to_an_output_file_or_a_machine_format(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {**os.environ, "FORCE_COLOR": "1"}
    environ.pop("NO_COLOR", None)
    argv = [*CHRONOLOG_COMMAND, "check", "log.md", "--select", "empty-entry"]
    subprocess.run([*argv, "--output-file", "out.txt"], env=environ, cwd=workdir, check=False)
    assert (workdir / "out.txt").read_bytes() == PLAIN
    github = subprocess.run([*argv, "--format", "github"], env=environ, capture_output=True)
    assert b"\x1b" not in github.stdout


def test_rule_prints_the_rules_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "rule", "empty-entry")
    assert (code, err) == (0, [])
    assert out[0] == "# `empty-entry` (error)"
    assert "## What it checks" in out
    page = Path(__file__).parent.parent / "src/chronolog/rules/docs/empty-entry.md"
    assert out == page.read_text(encoding="utf-8").splitlines()


def test_rule_all_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "rule", "--all")
    assert code == 0
    assert out[:2] == [
        "date-heading        error    Every H2 heading is an ISO 8601 date (`YYYY-MM-DD`), "
        "optionally followed by a note.",
        "heading-level       error    A date heading is a top-level H2, not `#`, `###` or "
        "nested in a list.",
    ]
    assert [line.split()[0] for line in out] == [rule.name for rule in ALL_RULES]


def test_an_unknown_rule_names_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    known = ", ".join(rule.name for rule in ALL_RULES)
    assert run_cli(capsys, "rule", "dates") == (
        2,
        [],
        [f"chronolog: unknown rule dates; the rules are: {known}"],
    )
    code, _, err = run_cli(capsys, "rule")
    assert code == 2
    assert err[-1] == "chronolog rule: error: one of the arguments NAME --all is required"


def test_every_rule_has_a_page(capsys: pytest.CaptureFixture[str]) -> None:
    for rule in ALL_RULES:
        code, out, _ = run_cli(capsys, "rule", rule.name)
        assert code == 0
        assert out[0] == f"# `{rule.name}` ({rule.severity})"
