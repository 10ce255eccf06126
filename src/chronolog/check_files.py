"""`chronolog check` on files: the project's config, the logs it names, `--fix` written
back, and `--diff-base` marking what is new as the app's check run does.

The checking itself is the core's (`check_log`, `fix_text`); this module reads and writes
files and asks git, and nothing else.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from chronolog.check import UnknownRuleError, check_log, fix_text
from chronolog.model import Finding, Severity
from chronolog.output import FileFindings, format_github, format_json, format_text, summary_line
from chronolog.parse import LogDecodeError, decode_log, parse_log, split_lines
from chronolog.project import Project, ProjectError, configured_logs, load_project
from chronolog.rule import Context, Rule, latest_current_date

if TYPE_CHECKING:
    from chronolog.config import RepoConfig
    from chronolog.diff import FileDiff
    from chronolog.git import Base

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A command line that cannot run; the message is printed after `chronolog: `."""


@dataclasses.dataclass(frozen=True)
class Checked:
    """One file's findings to print, and whether one of them fails the run."""

    result: FileFindings
    failing: bool
    new: int  # findings on lines changed since `--diff-base` (all of them without it)


@dataclasses.dataclass(frozen=True)
class _Run:
    """What every file of one `chronolog check` shares."""

    config: RepoConfig
    root: Path  # where the config's `logs:` globs start
    rules: tuple[Rule, ...]
    context: Context
    args: argparse.Namespace
    base: Base | None


def run_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """`chronolog check`: findings to `stdout`, summary and file errors to `stderr`."""
    cwd = Path.cwd()
    try:
        project = load_project(cwd, config=args.config, isolated=args.isolated)
        rules = project.config.rules(args.select, args.ignore)
    except (ProjectError, UnknownRuleError) as error:
        raise UsageError(str(error)) from None
    paths = list(args.paths) or _configured_paths(project, cwd)
    base = None
    if args.diff_base is not None:
        from chronolog.git import GitError, resolve_base  # only `--diff-base` runs git

        try:
            base = resolve_base(args.diff_base, cwd)
        except GitError as error:
            raise UsageError(str(error)) from None
    today = latest_current_date(dt.datetime.now(dt.UTC))
    context = Context(today=today, author=args.author)
    run = _Run(project.config, project.root, rules, context, args, base)

    checked: list[Checked] = []
    unreadable = 0
    for path in paths:
        try:
            result = _check_file(path, run, stderr)
        except UsageError as error:
            print(f"chronolog: {error}", file=stderr)
            unreadable += 1
            continue
        if result is not None:
            checked.append(result)

    results = [item.result for item in checked]
    unsafe = bool(args.unsafe_fixes)
    _write_findings(args.format, results, stdout, unsafe=unsafe)
    if args.format == "text":
        summary = summary_line(results, unsafe=unsafe, unreadable=unreadable)
        if base is not None and any(item.result.findings for item in checked):
            new = sum(item.new for item in checked)
            total = sum(len(item.result.findings) for item in checked)
            summary += f"; {new} new since {base.name}, {total - new} existing"
        print(summary, file=stderr)
    if unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if any(item.failing for item in checked) else EXIT_OK


def _configured_paths(project: Project, cwd: Path) -> list[str]:
    """The logs `chronolog check` without a path checks: those the config's `logs:` names."""
    config = project.config_path
    if config is None or not project.config.logs:
        where = "no `logs:` in " + str(config) if config else "no .github/chronolog.yml found"
        raise UsageError(
            f"no PATH given and {where}: name the log files, or list them under `logs:`"
        )
    paths = configured_logs(project, cwd)
    if not paths:
        raise UsageError(f"the `logs:` of {config} name no file under {project.root}")
    return paths


def _write_findings(
    format_: str, results: Sequence[FileFindings], stdout: TextIO, *, unsafe: bool
) -> None:
    """Render `results` in `format_`; SARIF's module is imported only when it is used."""
    if format_ == "text":
        stdout.write(format_text(results, unsafe=unsafe))
    elif format_ == "json":
        stdout.write(format_json(results, unsafe=unsafe))
    elif format_ == "github":
        stdout.write(format_github(results))
    else:
        from chronolog.sarif import format_sarif

        stdout.write(format_sarif(results))


def _check_file(path: str, run: _Run, stderr: TextIO) -> Checked | None:
    """Check one file (fixing it first with `--fix`); None when `--force-exclude` skips it.

    Raises `UsageError` when it cannot be read.
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        text = decode_log(data, path)
    except LogDecodeError as error:
        raise UsageError(str(error)) from None
    if run.args.force_exclude and not _is_log(file, text, run):
        return None

    diff = _diff(path, run.base)
    context = run.context
    if diff is not None:
        # As in the app: the change's own entries are the ones blamed (newest-first).
        context = dataclasses.replace(
            context, changed_lines=diff.added_lines(len(split_lines(text)[0]))
        )
    severities = run.config.severities
    if not run.args.fix:
        log = parse_log(text)
        findings = tuple(check_log(log, context, run.rules, severities))
        return _marked(path, findings, log.lines, diff)

    result = fix_text(
        text, context, run.rules, unsafe=bool(run.args.unsafe_fixes), severities=severities
    )
    if result.text != text:
        try:
            file.write_bytes(result.text.encode("utf-8"))
        except OSError as error:
            raise UsageError(f"{path}: cannot write the fixes: {error.strerror or error}") from None
        diff = _diff(path, run.base)  # the fixes moved lines: ask again about the file written
    if result.fixed:
        noun = "problem" if result.fixed == 1 else "problems"
        print(f"Fixed {result.fixed} {noun} in {path}", file=stderr)
    return _marked(path, result.remaining, tuple(split_lines(result.text)[0]), diff)


def _is_log(file: Path, text: str, run: _Run) -> bool:
    """Whether the app would check this file: `logs:` names it or, without `logs:`, it is
    Markdown that looks like a log (`chronolog.detect`, the app's own test)."""
    from chronolog.detect import is_log_file  # only `--force-exclude` asks

    try:
        relative = file.resolve().relative_to(run.root.resolve()).as_posix()
    except ValueError:  # outside the project: no glob can name it
        relative = file.name
    return is_log_file(run.config, relative, text)


def _diff(path: str, base: Base | None) -> FileDiff | None:
    """The file's diff since `--diff-base`; None without that option."""
    if base is None:
        return None
    from chronolog.git import GitError, diff_since

    try:
        return diff_since(base, path)
    except GitError as error:
        raise UsageError(str(error)) from None


def _marked(
    path: str, findings: tuple[Finding, ...], lines: tuple[str, ...], diff: FileDiff | None
) -> Checked:
    """The findings as printed: with a diff, those on lines it did not add are "existing"
    (prefixed as the check run prefixes them) and only new errors fail, as in the app."""
    if diff is None:
        failing = any(finding.severity is Severity.ERROR for finding in findings)
        return Checked(FileFindings(path, findings, lines), failing, len(findings))
    from chronolog.check_output import EXISTING_PREFIX, mark_findings  # only `--diff-base`

    marked = mark_findings(path, findings, diff)
    shown = tuple(
        m.finding
        if m.introduced
        else dataclasses.replace(m.finding, message=EXISTING_PREFIX + m.finding.message)
        for m in marked
    )
    failing = any(m.introduced and m.finding.severity is Severity.ERROR for m in marked)
    new = sum(m.introduced for m in marked)
    return Checked(FileFindings(path, shown, lines), failing, new)
