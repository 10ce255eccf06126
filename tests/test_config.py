"""`.github/chronolog.yml`: what it sets, and the exact error (with its line) for each mistake."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolog.config import BacklinksConfig, ConfigError, RepoConfig, ReportConfig, parse_config
from chronolog.diff import FilterMode
from chronolog.model import Severity
from chronolog.rules import ALL_RULES

DOCS = Path(__file__).parent.parent / "docs"
EXAMPLE = """\
logs: [docs/support/log.md, "ops/**/*.md"]
rules: {duration-tag: off, mojibake: error}
check_name: chronolog
backlinks: {enabled: true, owners: [sourcegraph], repos: [other-org/infra]}
report: {issue_title: Support log report, handover_days: 14}
"""
RULE_NAMES = (
    "date-heading, heading-level, newest-first, participants, empty-entry, future-date, "
    "duration-tag, mojibake, unused-suppression"
)


def test_the_example_sets_every_key() -> None:
    assert parse_config(EXAMPLE) == RepoConfig(
        logs=("docs/support/log.md", "ops/**/*.md"),
        select=None,
        ignore=("duration-tag",),
        severities={"mojibake": Severity.ERROR},
        check_name="chronolog",
        backlinks=BacklinksConfig(
            enabled=True, owners=("sourcegraph",), repos=("other-org/infra",)
        ),
        report=ReportConfig("Support log report", handover_days=14),
    )


def test_the_example_in_the_docs_parses() -> None:
    text = (DOCS / "config.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert parse_config(block) == parse_config(EXAMPLE)


@pytest.mark.parametrize(
    "text", ["", "\n", "# nothing configured yet\n", "---\n", "rules:\n#  mojibake: off\n"]
)
def test_empty_or_commented_files_mean_the_defaults(text: str) -> None:
    assert parse_config(text) == RepoConfig()


def test_off_is_the_word_not_yaml_false() -> None:
    # YAML 1.1 reads a bare `off` (and `Off`, `OFF`) as False; chronolog reads the word.
    config = parse_config("rules:\n  mojibake: OFF\n  future-date: notice\n")
    assert config.ignore == ("mojibake",)
    assert config.severities == {"future-date": Severity.NOTICE}
    assert [rule.name for rule in config.rules()] == [
        rule.name for rule in ALL_RULES if rule.name != "mojibake"
    ]


def test_the_defaults_run_every_rule() -> None:
    assert RepoConfig().rules() == ALL_RULES


@pytest.mark.parametrize("mode", list(FilterMode))
def test_annotations_takes_reviewdogs_filter_modes(mode: FilterMode) -> None:
    assert parse_config(f"annotations: {mode.value}\n").annotations is mode
    assert RepoConfig().annotations is FilterMode.ADDED


def test_a_single_log_path_may_be_a_string() -> None:
    assert parse_config("logs: log.md\n").logs == ("log.md",)


def test_backlinks_false_switches_them_off() -> None:
    assert parse_config("backlinks: false\n").backlinks == BacklinksConfig(enabled=False)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("lgos: [a.md]\n", 1, "unknown key `lgos`; did you mean `logs`?"),
        (
            "# config\nlogs: [a.md]\nrules:\n  mojibak: off\n",
            4,
            f"unknown rule `mojibak`; did you mean `mojibake`? The rules are: {RULE_NAMES}",
        ),
        ("rules: {zzz: off}\n", 1, f"unknown rule `zzz`; the rules are: {RULE_NAMES}"),
        (
            "colour: blue\n",
            1,
            "unknown key `colour`; the keys are: logs, order, rules, check_name, backlinks, "
            "annotations, report",
        ),
        (
            "rules:\n  mojibake: loud\n",
            2,
            "unknown severity `loud` for rule `mojibake`; use one of error, warning, notice, off",
        ),
        (
            "rules:\n  mojibake: [error]\n",
            2,
            "unknown severity `a list` for rule `mojibake`; use one of error, warning, notice, off",
        ),
        (
            "rules: [mojibake]\n",
            1,
            "`rules` maps rule names to a severity (error|warning|notice|off), not a list",
        ),
        ("logs:\n  - a.md\nlogs: b.md\n", 3, "`logs` is set twice"),
        ("logs: {a: 1}\n", 1, "`logs` must be a list, not a mapping"),
        ("logs:\n  - a.md\n  - [b.md]\n", 3, "`logs` must be text, not a list"),
        ("check_name: ''\n", 1, "`check_name` must be a non-empty name on one line"),
        (
            "logs: [a.md]\nannotations: all\n",
            2,
            "unknown annotations `all`; use added, diff_context or file",
        ),
        ("annotations: [file]\n", 1, "`annotations` must be text, not a list"),
        ("order: sideways\n", 1, "unknown order `sideways`; use newest-first or oldest-first"),
        (
            "backlinks:\n  enabled: true\n  owner: [x]\n",
            3,
            "unknown key `owner` under `backlinks`; did you mean `owners`?",
        ),
        (
            "backlinks:\n  enabled: maybe\n",
            2,
            "`backlinks.enabled` must be true or false, not `maybe`",
        ),
        (
            "backlinks:\n  repos:\n    - infra\n",
            3,
            "`infra` in `backlinks.repos` is not a GitHub repository like `other-org/infra`",
        ),
        (
            "backlinks:\n  owners: [other-org/infra]\n",
            2,
            "`other-org/infra` in `backlinks.owners` is not a GitHub owner like `sourcegraph`",
        ),
        (
            "- logs\n",
            1,
            "expected a mapping of settings (logs, order, rules, check_name, backlinks, "
            "annotations, report), "
            "not a list",
        ),
        (
            "just text\n",
            1,
            "expected a mapping of settings (logs, order, rules, check_name, backlinks, "
            "annotations, report), "
            "not `just text`",
        ),
        (
            "logs: [a.md\nrules: {}\n",
            2,
            "not valid YAML: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence that starts on line 1)",
        ),
        (
            "logs:\n\t- a.md\n",
            2,
            "not valid YAML: found character '\\t' that cannot start any token "
            "(while scanning for the next token)",
        ),
        (
            "logs: [a.md]\n---\nlogs: [b.md]\n",
            2,
            "not valid YAML: but found another document (expected a single document in the stream)",
        ),
        (
            "logs:\n  - ok.md\n  - 'support/[z-a].md'\n",
            3,
            "`logs`: `support/[z-a].md` is not a valid glob "
            "(bad character range z-a at position 9)",
        ),
        ("logs: " + "[" * 3000 + "]" * 3000 + "\n", 1, "not valid YAML: nested too deeply"),
    ],
)
def test_each_mistake_names_its_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert (caught.value.line, caught.value.message) == (line, message)
    assert str(caught.value) == f".github/chronolog.yml, line {line}: {message}"


@pytest.mark.parametrize(
    ("path", "matched"),
    [
        ("docs/support/log.md", True),
        ("docs/support/log.mdx", False),
        ("docs/log.md", False),
        ("ops/log.md", True),  # `**/` also matches no folder at all
        ("ops/2022/q4/log.md", True),
        ("ops/notes.txt", False),
        ("other/ops/log.md", False),  # globs are anchored at the repository root
        ("2022/support/log.snb.md", True),
        ("log.snb.md", True),
        ("teams/a.md", True),
        ("teams/c.md", False),
        ("teams/x/a.md", False),  # `[ab]` and `*` stay inside one segment
        ("weekly/notes-2022.md", True),
        ("weekly/notes-2022/x.md", False),
    ],
)
def test_log_globs(path: str, matched: bool) -> None:
    config = parse_config(
        "logs:\n"
        "  - ./docs/support/log.md\n"
        '  - "ops/**/*.md"\n'
        '  - "**/log.snb.md"\n'
        "  - teams/[ab].md\n"
        "  - /weekly/notes-????.md\n"
    )
    assert config.matches_log_path(path) is matched


def test_without_logs_there_is_nothing_to_match() -> None:
    assert RepoConfig().matches_log_path("docs/log.md") is None


YAML_PIECES = st.sampled_from(
    [
        *"abc:-[]{}!&*?|>'\"#%@`,\n \t0123",
        *("logs", "rules", "backlinks", "enabled", "off", "mojibake", "\n  ", "- "),
        *("!!binary ", "&a ", "*a", "<<: ", "---\n", "...\n", "? "),
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(YAML_PIECES, max_size=40).map("".join))
def test_any_text_is_a_config_or_a_config_error(text: str) -> None:
    # Bad input never crashes: the only exception is a ConfigError that names a line.
    lines = text.count("\n") + 1
    try:
        parse_config(text)
    except ConfigError as error:
        line = error.line
    else:
        line = 1
    assert 1 <= line <= lines


def test_report_needs_only_a_title() -> None:
    assert parse_config("report:\n  issue_title: '  Support log report '\n").report == (
        ReportConfig("Support log report", handover_days=14)
    )
    assert RepoConfig().report is None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("report: yes\n", 1, "`report` is a mapping (issue_title, handover_days), not `yes`"),
        (
            "report:\n  handover_days: 7\n",
            2,
            "`report` needs an `issue_title`, e.g. `Support log report`",
        ),
        (
            "report:\n  issue_title: ' '\n",
            2,
            "`report.issue_title` must be a title on one line of 1 to 256 characters, not ` `",
        ),
        (
            "report:\n  issue_title: Log\n  handover_days: 0x10\n",
            3,
            "`report.handover_days` must be a whole number of days from 1 to 366, not `0x10`",
        ),
        (
            "report:\n  issue_title: Log\n  handover_days: 400\n",
            3,
            "`report.handover_days` must be a whole number of days from 1 to 366, not `400`",
        ),
        (
            "report:\n  issue_titel: Log\n",
            2,
            "unknown key `issue_titel` under `report`; did you mean `issue_title`?",
        ),
    ],
)
def test_report_mistakes_name_their_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert (caught.value.line, caught.value.message) == (line, message)
