"""`chronolog check` reads the app's `.github/chronolog.yml`; `chronolog config check|schema`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from chronolog.cli import build_parser
from chronolog.config import validate_config_text
from chronolog.config_schema import config_schema, schema_text
from tests.helpers import run_cli

ROOT = Path(__file__).parent.parent
LOG = "# Log\n\n## 2022-11-20\n\nno handle here\n\n## 2022-11-19\n\n@bob DURATION=5m\n"
PARTICIPANTS = (
    "the entry's first line `no handle here` does not list everyone involved; start it "
    "with their GitHub handles, like `@alice, @bob` (`--author HANDLE` lets chronolog add yours)"
)
TAG = (
    "warning [duration-tag] `DURATION=5m` is not a canonical duration tag; "
    "write `$DURATION=5m` (fixable)"
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository (`.git` marks its root) with `docs/log.md` and a config, run from `docs/`."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".github").mkdir()
    (tmp_path / "docs" / "old").mkdir(parents=True)
    (tmp_path / "docs" / "log.md").write_text(LOG, encoding="utf-8")
    (tmp_path / "docs" / "old" / "log.md").write_text(LOG, encoding="utf-8")
    (tmp_path / "docs" / "notes.txt").write_text("not a log", encoding="utf-8")
    (tmp_path / ".github" / "chronolog.yml").write_text(
        "logs: ['docs/**/log.md']\nrules:\n  participants: warning\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path / "docs")
    return tmp_path


def test_the_config_found_above_sets_severities_as_in_the_app(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "check", "log.md") == (
        0,
        [f"log.md:5:1: warning [participants] {PARTICIPANTS}", f"log.md:9:6: {TAG}"],
        ["Found 2 problems (1 fixable with --fix)"],
    )


def test_without_a_path_check_runs_on_the_logs_the_config_names(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "check", "--select", "duration-tag")
    assert (code, err) == (0, ["Found 2 problems (2 fixable with --fix)"])
    assert out == [f"log.md:9:6: {TAG}", f"old/log.md:9:6: {TAG}"]


def test_isolated_ignores_the_config(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", "--isolated", "log.md", "--select", "participants")
    assert (code, out) == (1, [f"log.md:5:1: error [participants] {PARTICIPANTS}"])
    assert run_cli(capsys, "check", "--isolated") == (
        2,
        [],
        [
            "chronolog: no PATH given and no .github/chronolog.yml found: "
            "name the log files, or list them under `logs:`"
        ],
    )


def test_config_names_another_file_whose_globs_start_at_the_repository_root(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "strict.yml").write_text("logs: docs/log.md\nrules: {duration-tag: error}\n")
    assert run_cli(capsys, "check", "--config", "../strict.yml", "--select", "duration-tag") == (
        1,
        [f"log.md:9:6: {TAG.replace('warning', 'error', 1)}"],
        ["Found 1 problem (1 fixable with --fix)"],
    )


def test_the_search_stops_at_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "chronolog.yml").write_text("rules: {participants: off}\n")
    (tmp_path / "inner" / ".git").mkdir(parents=True)
    (tmp_path / "inner" / "log.md").write_text(LOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "inner")
    code, out, _ = run_cli(capsys, "check", "log.md", "--select", "participants")
    assert (code, out) == (1, [f"log.md:5:1: error [participants] {PARTICIPANTS}"])


def test_an_invalid_config_stops_check_naming_the_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".github" / "chronolog.yml").write_text("rules:\n  participant: off\n")
    assert run_cli(capsys, "check", "log.md") == (
        2,
        [],
        [
            "chronolog: ../.github/chronolog.yml:2: unknown rule `participant`; did you mean "
            "`participants`? The rules are: date-heading, heading-level, newest-first, "
            "participants, empty-entry, future-date, duration-tag, mojibake, unused-suppression"
        ],
    )


def test_globs_that_name_no_file_are_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".github" / "chronolog.yml").write_text("logs: ops/*.md\n")
    assert run_cli(capsys, "check") == (
        2,
        [],
        [f"chronolog: the `logs:` of {repo}/.github/chronolog.yml name no file under {repo}"],
    )


def test_config_check_is_valid(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "config", "check") == (0, ["../.github/chronolog.yml: valid"], [])


def test_config_check_names_every_mistake_and_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "bad.yml").write_text("lgos: x\nrules:\n  mojibak: off\norder: sideways\n")
    assert run_cli(capsys, "config", "check", "../bad.yml") == (
        1,
        [
            "../bad.yml:1: unknown key `lgos`; did you mean `logs`?",
            "../bad.yml:3: unknown rule `mojibak`; did you mean `mojibake`? The rules are: "
            "date-heading, heading-level, newest-first, participants, empty-entry, "
            "future-date, duration-tag, mojibake, unused-suppression",
            "../bad.yml:4: unknown order `sideways`; use newest-first or oldest-first",
        ],
        [],
    )


def test_config_check_without_a_config_or_with_an_unreadable_one_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "config", "check") == (
        2,
        [],
        [
            "chronolog: no .github/chronolog.yml here or above (up to the repository root); "
            "name the file"
        ],
    )
    code, _, err = run_cli(capsys, "config", "check", "missing.yml")
    assert code == 2
    assert err[0].startswith("chronolog: missing.yml: cannot read: ")


def test_config_and_isolated_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", "--config", "x.yml", "--isolated", "log.md")
    assert code == 2
    assert err[-1] == (
        "chronolog check: error: argument --isolated: not allowed with argument --config"
    )


def test_validate_config_text_gives_each_problem_with_its_line() -> None:
    problems = validate_config_text("logs: [a.md]\nrules: [x]\ncheck_name: ''\n")
    assert [(p.line, p.message) for p in problems] == [
        (
            2,
            "`rules` maps rule names to a severity (error|warning|notice|off), not a list",
        ),
        (3, "`check_name` must be a non-empty name on one line"),
    ]
    assert validate_config_text("order: oldest-first\n") == ()
    assert [p.line for p in validate_config_text("logs: [a\n")] == [2]


def test_the_published_schema_is_the_generated_one(capsys: pytest.CaptureFixture[str]) -> None:
    committed = (ROOT / "schema" / "chronolog.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "regenerate: chronolog config schema > schema/..."
    assert run_cli(capsys, "config", "schema") == (0, committed.splitlines(), [])


def test_the_schema_lists_every_rule_severity_and_order() -> None:
    schema = config_schema()
    properties = schema["properties"]
    assert list(properties) == [
        "logs",
        "order",
        "rules",
        "check_name",
        "backlinks",
        "annotations",
        "report",
    ]
    assert properties["report"]["required"] == ["issue_title"]
    assert properties["order"]["enum"] == ["newest-first", "oldest-first"]
    assert properties["annotations"]["enum"] == ["added", "diff_context", "file"]
    assert properties["annotations"]["default"] == "added"
    assert properties["rules"]["properties"]["mojibake"]["enum"] == [
        "error",
        "warning",
        "notice",
        "off",
    ]
    assert schema["additionalProperties"] is False
    json.dumps(schema)  # plain JSON all the way down


def test_docs_config_points_editors_at_the_schema() -> None:
    docs = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=" + config_schema()["$id"] in docs


def test_force_exclude_skips_what_the_app_would_not_check(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "docs" / "README.md").write_text(LOG, encoding="utf-8")  # not under `logs:`
    code, out, _ = run_cli(
        capsys, "check", "--force-exclude", "log.md", "README.md", "--select", "duration-tag"
    )
    assert (code, out) == (0, [f"log.md:9:6: {TAG}"])


def test_force_exclude_without_logs_checks_what_looks_like_a_log(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".github" / "chronolog.yml").write_text("rules: {participants: warning}\n")
    (repo / "docs" / "README.md").write_text("# Read me\n\n## Usage\n\nDURATION=5m\n")
    (repo / "docs" / "CHANGELOG.md").write_text(LOG, encoding="utf-8")
    code, out, _ = run_cli(
        capsys,
        "check",
        "--force-exclude",
        "log.md",
        "README.md",
        "CHANGELOG.md",
        "--select",
        "duration-tag",
    )
    assert (code, out) == (0, [f"log.md:9:6: {TAG}"])


def test_every_option_of_every_command_is_in_docs_cli() -> None:
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in commands.choices.items():
        assert f"chronolog {name}" in docs
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in docs or f"[{option}" in docs, option
