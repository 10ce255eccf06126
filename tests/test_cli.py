"""`chronolog check` and friends, as a user runs them: exact output, exit codes, files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from chronolog import __version__
from chronolog.cli import main
from chronolog.rules import ALL_RULES
from tests.conftest import LOGS
from tests.helpers import run_cli

LOG = """\
# Team log

## 25/11/2022

@alice fixed the build. DURATION=10m

## 2022-11-20

no handle here

## 2022-11-19
"""
HEADING = (
    "log.md:3:1: error [date-heading] `## 25/11/2022` is not an ISO 8601 date; "
    "did you mean `## 2022-11-25`? (fixable)"
)
TAG = (
    "log.md:5:25: warning [duration-tag] `DURATION=10m` is not a canonical duration tag; "
    "write `$DURATION=10m` (fixable)"
)
PARTICIPANTS = (
    "log.md:9:1: error [participants] the entry's first line `no handle here` does not list "
    "everyone involved; start it with their GitHub handles, like `@alice, @bob` "
    "(`--author HANDLE` lets chronolog add yours)"
)
EMPTY = (
    "log.md:11:1: error [empty-entry] `## 2022-11-19` has nothing under it; "
    "write the entry or delete the heading"
)
# A year typed wrong in early January: the fix that changes the year is unsafe.
NEW_YEAR_LOG = "# Log\n\n## 2022-01-03\n\n@alice new year\n\n## 2022-12-28\n\n@bob before\n"
NEW_YEAR = (
    "year.md:3:1: error [newest-first] `## 2022-01-03` is out of order: it is older than "
    "`## 2022-12-28` (line 7) below it; entries go newest first. Was the year mistyped? "
    "If so, change the date to `2023-01-03`; otherwise move the entry to the end of the log"
)
ERROR_RULES = "date-heading,heading-level,newest-first,participants,empty-entry"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory holding `log.md` (LOG) and `year.md` (NEW_YEAR_LOG)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.md").write_text(LOG, encoding="utf-8")
    (tmp_path / "year.md").write_text(NEW_YEAR_LOG, encoding="utf-8")
    return tmp_path


def test_text_lists_each_finding_and_fails_on_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "log.md") == (
        1,
        [HEADING, TAG, PARTICIPANTS, EMPTY],
        ["Found 4 problems (2 fixable with --fix)"],
    )


def test_the_reference_log_has_no_error_and_exits_zero(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "reference.md").write_bytes((LOGS / "devx-support-log-2022.md").read_bytes())
    assert run_cli(capsys, "check", "reference.md", "--select", ERROR_RULES) == (
        0,
        [],
        ["All checks passed!"],
    )
    code, out, _ = run_cli(capsys, "check", "reference.md")
    assert code == 0  # its warnings are real, and warnings do not fail the check
    assert out
    assert all(": warning [" in line for line in out)


def test_warnings_alone_exit_zero(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "check", "log.md", "--select", "duration-tag") == (
        0,
        [TAG],
        ["Found 1 problem (1 fixable with --fix)"],
    )


def test_select_and_ignore_take_comma_separated_names(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "check", "log.md", "--select", "date-heading, empty-entry")
    assert (code, out) == (1, [HEADING, EMPTY])
    code, out, _ = run_cli(
        capsys,
        "check",
        "log.md",
        "--ignore",
        "date-heading,participants",
        "--ignore",
        "empty-entry",
    )
    assert (code, out) == (0, [TAG])


def test_an_unknown_rule_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    known = ", ".join(rule.name for rule in ALL_RULES)
    assert run_cli(capsys, "check", "log.md", "--select", "date-heading,dates") == (
        2,
        [],
        [f"chronolog: unknown rule dates; the rules are: {known}"],
    )
    assert run_cli(capsys, "check", "log.md", "--ignore", "nope")[0] == 2


def test_fix_rewrites_the_file_and_reports_what_is_left(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "--fix", "log.md") == (
        1,
        [PARTICIPANTS, EMPTY],
        ["Fixed 2 problems in log.md", "Found 2 problems"],
    )
    assert (workdir / "log.md").read_text(encoding="utf-8") == LOG.replace(
        "## 25/11/2022", "## 2022-11-25"
    ).replace("DURATION=10m", "$DURATION=10m")


def test_author_lets_fix_add_the_missing_participant(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "--fix", "--author", "@carol", "log.md") == (
        1,
        [EMPTY],
        ["Fixed 3 problems in log.md", "Found 1 problem"],
    )
    assert "\n@carol no handle here\n" in (workdir / "log.md").read_text(encoding="utf-8")


def test_author_must_be_a_github_login(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "check", "--author", "not a login", "log.md")
    assert (code, out) == (2, [])
    assert err[-1] == (
        "chronolog check: error: argument --author: 'not a login' is not a GitHub login"
    )


def test_unsafe_fixes_are_shown_then_applied_only_with_both_flags(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "year.md") == (
        1,
        [f"{NEW_YEAR} (fixable with --unsafe-fixes)"],
        ["Found 1 problem (1 more with --fix --unsafe-fixes)"],
    )
    assert run_cli(capsys, "check", "--unsafe-fixes", "year.md") == (
        1,
        [f"{NEW_YEAR} (fixable)"],
        ["Found 1 problem (1 fixable with --fix)"],
    )
    assert (workdir / "year.md").read_text(encoding="utf-8") == NEW_YEAR_LOG
    assert run_cli(capsys, "check", "--fix", "year.md")[0] == 1
    assert (workdir / "year.md").read_text(encoding="utf-8") == NEW_YEAR_LOG
    assert run_cli(capsys, "check", "--fix", "--unsafe-fixes", "year.md") == (
        0,
        [],
        ["Fixed 1 problem in year.md", "All checks passed!"],
    )
    assert (workdir / "year.md").read_text(encoding="utf-8") == NEW_YEAR_LOG.replace(
        "2022-01-03", "2023-01-03"
    )


def test_fix_keeps_crlf_and_the_bom(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = b"\xef\xbb\xbf" + LOG.replace("\n", "\r\n").encode()
    (workdir / "log.md").write_bytes(original)
    assert run_cli(capsys, "check", "--fix", "log.md")[0] == 1
    assert (workdir / "log.md").read_bytes() == original.replace(
        b"## 25/11/2022", b"## 2022-11-25"
    ).replace(b"DURATION=10m", b"$DURATION=10m")


def test_fix_leaves_a_clean_file_untouched(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = workdir / "clean.md"
    clean.write_bytes((LOGS / "devx-support-log-2022.md").read_bytes())
    os.utime(clean, ns=(1_000_000_000, 1_000_000_000))
    code, _, err = run_cli(capsys, "check", "--fix", "--select", ERROR_RULES, "clean.md")
    assert (code, err) == (0, ["All checks passed!"])
    assert clean.stat().st_mtime_ns == 1_000_000_000


def test_a_missing_file_is_reported_and_the_others_still_checked(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "missing.md", "log.md", "--select", "empty-entry") == (
        2,
        [EMPTY],
        [
            "chronolog: missing.md: cannot read: No such file or directory",
            "Found 1 problem; 1 file could not be checked",
        ],
    )


def test_a_directory_without_markdown_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "logs").mkdir()
    (workdir / "logs" / "notes.txt").write_text("## 25/11/2022\n", encoding="utf-8")
    assert run_cli(capsys, "check", "logs") == (
        2,
        [],
        [
            "chronolog: logs: no Markdown file in this directory",
            "No problems found; 1 file could not be checked",
        ],
    )


def test_a_file_that_is_not_utf8_names_the_byte(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "latin1.md").write_bytes("## 2022-11-25\n\n@alice café\n".encode("latin-1"))
    assert run_cli(capsys, "check", "latin1.md", "--fix") == (
        2,
        [],
        [
            "chronolog: latin1.md: not UTF-8 (byte 0xe9 at offset 25); "
            "save the file as UTF-8 and run again",
            "No problems found; 1 file could not be checked",
        ],
    )
    assert (workdir / "latin1.md").read_bytes() == "## 2022-11-25\n\n@alice café\n".encode(
        "latin-1"
    )


def test_json_is_an_array_of_findings(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--format", "json", "log.md", "--select", "date-heading,empty-entry"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err == ""
    assert json.loads(captured.out) == [
        {
            "path": "log.md",
            "line": 3,
            "end_line": 3,
            "column": 1,
            "end_column": None,
            "rule": "date-heading",
            "severity": "error",
            "message": "`## 25/11/2022` is not an ISO 8601 date; did you mean `## 2022-11-25`?",
            "fixable": True,
            "fix": {
                "title": "Rewrite the heading as `## 2022-11-25`",
                "applicability": "safe",
                "edits": [{"start_line": 3, "end_line": 3, "content": ["## 2022-11-25"]}],
            },
        },
        {
            "path": "log.md",
            "line": 11,
            "end_line": 11,
            "column": 1,
            "end_column": None,
            "rule": "empty-entry",
            "severity": "error",
            "message": (
                "`## 2022-11-19` has nothing under it; write the entry or delete the heading"
            ),
            "fixable": False,
            "fix": None,
        },
    ]


def test_github_format_prints_workflow_commands(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "--format", "github", "log.md", "--select", "duration-tag") == (
        0,
        [
            "::warning file=log.md,line=5,endLine=5,col=25,endColumn=37,"
            "title=chronolog duration-tag::`DURATION=10m` is not a canonical duration tag; "
            "write `$DURATION=10m`"
        ],
        [],
    )


def test_sarif_points_at_the_file_relative_to_the_working_directory(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "logs").mkdir()
    (workdir / "logs" / "support.md").write_text(LOG, encoding="utf-8")
    code = main(["check", "--format", "sarif", str(workdir / "logs" / "support.md")])
    sarif = json.loads(capsys.readouterr().out)
    assert code == 1
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("date-heading", "error"),
        ("duration-tag", "warning"),
        ("participants", "error"),
        ("empty-entry", "error"),
    ]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        "logs/support.md"
    }
    # Without a column range of its own, the region ends after the line's text
    # (`## 2022-11-19`: 13 code points; SARIF's endColumn is exclusive).
    assert results[3]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 11,
        "startColumn": 1,
        "endLine": 11,
        "endColumn": 14,
    }


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--version") == (0, [f"chronolog {__version__}"], [])


def test_check_needs_a_path_or_a_config_naming_logs(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check") == (
        2,
        [],
        [
            "chronolog: no PATH given and no .github/chronolog.yml found: "
            "name the log files, or list them under `logs:`"
        ],
    )


def test_serve_hands_host_and_port_to_the_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, object]] = []

    def run_server(**kwargs: object) -> int:
        calls.append(kwargs)
        return 0

    fake = types.ModuleType("chronolog.app.main")
    fake.run_server = run_server  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "chronolog.app.main", fake)
    assert main(["serve"]) == 0
    assert main(["serve", "--host", "::1", "--port", "8001"]) == 0
    # Without options the server's settings decide (HOST, PORT: tests/app/test_settings.py).
    assert calls == [{"host": None, "port": None}, {"host": "::1", "port": 8001}]
    assert run_cli(capsys, "serve", "--port", "http") == (
        2,
        [],
        [
            "usage: chronolog serve [-h] [--host HOST] [--port PORT]",
            "chronolog serve: error: argument --port: 'http' is not a TCP port (1-65535)",
        ],
    )


def test_serve_without_the_app_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # None in sys.modules makes the import fail, as when the module does not exist.
    monkeypatch.setitem(sys.modules, "chronolog.app.main", None)
    code, out, err = run_cli(capsys, "serve")
    assert (code, out) == (2, [])
    assert err == [
        "chronolog: the server is not available (import of chronolog.app.main halted; "
        "None in sys.modules); install it: pip install 'chronolog[app]'"
    ]


def test_backfill_hands_its_options_to_the_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, object]] = []

    def run_backfill(**kwargs: object) -> int:
        calls.append(kwargs)
        return 3

    fake = types.ModuleType("chronolog.app.backlinks.backfill")
    fake.run_backfill = run_backfill  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "chronolog.app.backlinks.backfill", fake)
    assert main(["backlinks", "backfill", "--repo", "octo/logs"]) == 3
    assert (
        main(["backlinks", "backfill", "--repo", "octo/logs", "--path", "log.md", "--dry-run"]) == 3
    )
    assert calls == [
        {"repo": "octo/logs", "path": None, "dry_run": False},
        {"repo": "octo/logs", "path": "log.md", "dry_run": True},
    ]
    code, _, err = run_cli(capsys, "backlinks", "backfill", "--repo", "octo")
    assert code == 2
    assert err[-1] == (
        "chronolog backlinks backfill: error: argument --repo: 'octo' is not OWNER/REPO"
    )
    monkeypatch.setitem(sys.modules, "chronolog.app.backlinks.backfill", None)
    code, _, err = run_cli(capsys, "backlinks", "backfill", "--repo", "octo/logs")
    assert code == 2
    assert err[0].startswith("chronolog: the backfill is not available (")
    assert err[0].endswith("install it: pip install 'chronolog[app]'")


def test_check_imports_no_server_code_and_only_the_output_it_writes(tmp_path: Path) -> None:
    # Nor markdown-it (references, anchors), PyYAML (no config here) or cffi's C parser.
    log = tmp_path / "log.md"
    log.write_text(LOG, encoding="utf-8")
    script = (
        "import sys\n"
        "from chronolog.cli import main\n"
        f"code = main(['check', {str(log)!r}])\n"
        "heavy = ('starlette', 'httpx', 'githubkit', 'uvicorn', 'pydantic', 'chronolog.app',\n"
        "         'chronolog.sarif', 'chronolog.git', 'chronolog.config_schema',\n"
        "         'chronolog.rule_docs',\n"
        "         'markdown_it', 'yaml', 'cffi', 'pycparser')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))\n"
        "print(code)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert completed.stdout.splitlines()[-2:] == ["[]", "1"]


def test_the_console_script_exits_with_the_check_result(workdir: Path) -> None:
    script = Path(sys.executable).parent / "chronolog"
    if not script.exists():
        pytest.skip("the chronolog console script is not installed next to this Python")
    completed = subprocess.run(
        [str(script), "check", "log.md", "--select", "empty-entry"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stdout, completed.stderr) == (
        1,
        EMPTY + "\n",
        "Found 1 problem\n",
    )
    assert subprocess.run([str(script), "check", "nope.md"], capture_output=True).returncode == 2


def test_a_reader_that_goes_away_gets_no_traceback(workdir: Path) -> None:
    # `chronolog check log.md | head -0`: stdout is closed before anything is written.
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from chronolog.cli import main; sys.exit(main())",
            "check",
            "log.md",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, err = process.communicate()
    assert (process.returncode, err) == (1, b"")
