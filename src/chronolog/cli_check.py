"""`chronolog check`: the project's config, the files the command line names, each file
checked (`chronolog.check_files`), and what is printed where, with which exit status.

Findings (or the diff, or the statistics) go to stdout or `--output-file`; the summary,
`Fixed ...` lines and file errors go to stderr. With `--fix` on stdin, stdout is the fixed
text and the findings go to stderr (as ruff does), so `chronolog check --fix -` is a filter.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from chronolog.check import UnknownRuleError
from chronolog.check_files import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    STDIN,
    Checked,
    CheckRun,
    UsageError,
    check_source,
    read_source,
)
from chronolog.check_paths import expand_paths
from chronolog.colour import wants_colour
from chronolog.diff import FilterMode
from chronolog.output import (
    FileFindings,
    format_github,
    format_json,
    format_statistics,
    format_text,
    rule_counts,
    statistics_json,
    summary_line,
)
from chronolog.project import Project, ProjectError, configured_logs, load_project
from chronolog.rule import Context, latest_current_date

EXIT_INTERRUPTED = 130


def run_check_on_console(args: argparse.Namespace) -> int:
    """`run_check` on the process's streams, quiet when the reader of stdout goes away."""
    colour = args.format == "text" and not args.output_file
    colour = colour and wants_colour(sys.stdout, os.environ)
    try:
        # No stdin at all (a service started with it closed) is a problem only for `-`.
        stdin = getattr(sys.stdin, "buffer", None)
        code = run_check(args, sys.stdout, sys.stderr, stdin, colour=colour)
        sys.stdout.flush()
    except BrokenPipeError:
        # `chronolog check big.md | head`: stop without a traceback, and keep Python's
        # final flush from failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return code


def run_check(
    args: argparse.Namespace,
    stdout: TextIO,
    stderr: TextIO,
    stdin: BinaryIO | None,
    *,
    colour: bool = False,
) -> int:
    """`chronolog check` with `args`; returns the exit status (see docs/cli.md)."""
    _check_combinations(args)
    cwd = Path.cwd()
    try:
        project = load_project(cwd, config=args.config, isolated=args.isolated)
        rules = project.config.rules(args.select, args.ignore)
    except (ProjectError, UnknownRuleError) as error:
        raise UsageError(str(error)) from None
    unreadable = 0
    if args.paths:
        expanded = expand_paths(args.paths, project, cwd)
        for problem in expanded.problems:
            print(f"chronolog: {problem}", file=stderr)
        unreadable += len(expanded.problems)
        paths: Sequence[str] = expanded.paths
    else:
        paths = _configured_paths(project, cwd)
    base = None
    if args.diff_base is not None:
        from chronolog.git import GitError, resolve_base  # only `--diff-base` runs git

        try:
            base = resolve_base(args.diff_base, cwd)
        except GitError as error:
            raise UsageError(str(error)) from None
    today = latest_current_date(dt.datetime.now(dt.UTC))
    context = Context(today=today, author=args.author)
    run = CheckRun(project.config, project.root, rules, context, args, base)

    checked: list[Checked] = []
    for path in paths:
        try:
            result = check_source(read_source(path, args, stdin), run)
        except UsageError as error:
            print(f"chronolog: {error}", file=stderr)
            unreadable += 1
            continue
        if result is None:
            continue
        checked.append(result)
        if result.fixed and args.fix and not args.quiet:
            noun = "problem" if result.fixed == 1 else "problems"
            print(f"Fixed {result.fixed} {noun} in {result.result.path}", file=stderr)

    _report(args, checked, stdout, stderr, colour=colour)
    if not args.quiet:
        _summarise(
            args,
            checked,
            unreadable,
            base_name=base.name if base else None,
            annotations=project.config.annotations,
            err=stderr,
        )
    if unreadable:
        return EXIT_USAGE
    if args.exit_zero:
        return EXIT_OK
    if args.diff:
        return EXIT_FINDINGS if any(item.diff for item in checked) else EXIT_OK
    return EXIT_FINDINGS if any(item.failing for item in checked) else EXIT_OK


def _check_combinations(args: argparse.Namespace) -> None:
    """Refuse the options that cannot go together (argparse checks `--fix` with `--diff`)."""
    if STDIN in args.paths:
        if (args.fix or args.diff) and len(args.paths) > 1:
            raise UsageError("with --fix or --diff, `-` (stdin) must be the only PATH")
        if args.diff_base is not None:
            raise UsageError("--diff-base compares files on disk with git; it cannot judge stdin")
    elif args.stdin_filename is not None:
        raise UsageError("--stdin-filename names the text read from `-`; give `-` as a PATH")
    if args.statistics and args.format not in ("text", "json"):
        raise UsageError("--statistics prints text or json; drop --format " + args.format)
    if args.statistics and args.diff:
        raise UsageError("--statistics counts findings; --diff prints fixes: choose one")


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


def _report(
    args: argparse.Namespace,
    checked: Sequence[Checked],
    stdout: TextIO,
    stderr: TextIO,
    *,
    colour: bool,
) -> None:
    """Write what the run found where the options say (see the module)."""
    results = [item.result for item in checked]
    for item in checked:
        if item.fixed_text is not None:
            stdout.write(item.fixed_text)
    if args.diff:
        text = "".join(item.diff for item in checked)
    elif args.statistics:
        text = _statistics(args, results)
    else:
        text = _findings(args.format, results, unsafe=bool(args.unsafe_fixes), colour=colour)
    if args.output_file:
        _write_file(args.output_file, text)
    elif any(item.fixed_text is not None for item in checked):
        stderr.write(text)  # stdout holds the fixed text
    else:
        stdout.write(text)


def _findings(format_: str, results: Sequence[FileFindings], *, unsafe: bool, colour: bool) -> str:
    """Render `results` in `format_`; SARIF's module is imported only when it is used."""
    if format_ == "text":
        return format_text(results, unsafe=unsafe, colour=colour)
    if format_ == "json":
        return format_json(results, unsafe=unsafe)
    if format_ == "github":
        return format_github(results)
    from chronolog.sarif import format_sarif

    return format_sarif(results)


def _statistics(args: argparse.Namespace, results: Sequence[FileFindings]) -> str:
    counts = rule_counts(results, unsafe=bool(args.unsafe_fixes))
    if args.format == "json":
        return statistics_json(counts)
    from chronolog.rules import RULES_BY_NAME

    return format_statistics(counts, {name: rule.summary for name, rule in RULES_BY_NAME.items()})


def _write_file(path: str, text: str) -> None:
    """Write `--output-file`, creating its folder; raises `UsageError` when it cannot."""
    file = Path(path)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        raise UsageError(f"--output-file {path}: cannot write: {error.strerror or error}") from None


def _summarise(
    args: argparse.Namespace,
    checked: Sequence[Checked],
    unreadable: int,
    *,
    base_name: str | None,
    annotations: FilterMode,
    err: TextIO,
) -> None:
    """The last line on stderr, for the text format: what was found, or what `--diff` would
    fix. The machine formats (json, sarif) print none, so stderr stays empty; `github`
    says only how many existing problems `annotations:` left out (the workflow's log shows
    it, as the check run's summary counts them)."""
    if args.format == "github":
        hidden = sum(item.not_annotated for item in checked)
        if hidden:
            are = "problem is" if hidden == 1 else "problems are"
            print(
                f"chronolog: {hidden} existing {are} not annotated "
                f"(`annotations: {annotations}` in the config; `file` shows every one)",
                file=err,
            )
        return
    if args.format != "text":
        return
    if args.diff:
        fixes = sum(item.fixed for item in checked)
        files = sum(bool(item.diff) for item in checked)
        line = (
            f"Would fix {fixes} {'problem' if fixes == 1 else 'problems'} "
            f"in {files} {'file' if files == 1 else 'files'}"
            if fixes
            else "No fixes to apply"
        )
        if unreadable:
            line += f"; {unreadable} {'file' if unreadable == 1 else 'files'} could not be checked"
        print(line, file=err)
        return
    results = [item.result for item in checked]
    summary = summary_line(results, unsafe=bool(args.unsafe_fixes), unreadable=unreadable)
    if base_name is not None and any(item.result.findings for item in checked):
        new = sum(item.new for item in checked)
        total = sum(len(item.result.findings) for item in checked)
        summary += f"; {new} new since {base_name}, {total - new} existing"
    print(summary, file=err)
