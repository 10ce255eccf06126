"""`chronolog check` on one file: read it (or stdin), check it, fix it (`--fix` writes it
back, `--diff` only shows the change) and mark with `--diff-base` what is new, as the app's
check run does.

The checking itself is the core's (`check_log`, `fix_text`); this module reads and writes
files and asks git, and nothing else. The run over many files is `chronolog.cli_check`'s.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from chronolog.check import check_log, fix_text
from chronolog.model import Finding, Severity
from chronolog.output import FileFindings
from chronolog.parse import LogDecodeError, decode_log, parse_log, split_lines
from chronolog.rule import Context, Rule

if TYPE_CHECKING:
    from chronolog.config import RepoConfig
    from chronolog.diff import FileDiff
    from chronolog.git import Base

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
STDIN = "-"


class UsageError(Exception):
    """A command line that cannot run; the message is printed after `chronolog: `."""


@dataclasses.dataclass(frozen=True)
class Source:
    """A log to check: its name in messages, its text, and its file (None for stdin)."""

    name: str
    text: str
    file: Path | None


@dataclasses.dataclass(frozen=True)
class Checked:
    """One file's findings to print, whether one of them fails the run, and its fixes."""

    result: FileFindings
    failing: bool
    new: int  # findings on lines changed since `--diff-base` (all of them without it)
    fixed: int = 0  # fixes written (`--fix`), or that `--diff` shows
    diff: str = ""  # `--diff`: the fixes as a unified diff
    fixed_text: str | None = None  # stdin with `--fix`: the text to print
    not_annotated: int = 0  # `--format github`: existing findings left out by `annotations:`


@dataclasses.dataclass(frozen=True)
class CheckRun:
    """What every file of one `chronolog check` shares."""

    config: RepoConfig
    root: Path  # where the config's `logs:` globs start
    rules: tuple[Rule, ...]
    context: Context
    args: argparse.Namespace
    base: Base | None


def read_source(path: str, args: argparse.Namespace, stdin: BinaryIO | None) -> Source:
    """The text at `path` (`-`: stdin, named `--stdin-filename`); raises `UsageError`."""
    if path == STDIN:
        name = args.stdin_filename or STDIN
        if stdin is None:
            raise UsageError(f"{name}: there is no standard input to read")
        try:
            data = stdin.read()
        except OSError as error:
            raise UsageError(f"{name}: cannot read stdin: {error.strerror or error}") from None
        file = None
    else:
        name, file = path, Path(path)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        return Source(name, decode_log(data, name), file)
    except LogDecodeError as error:
        raise UsageError(str(error)) from None


def check_source(source: Source, run: CheckRun) -> Checked | None:
    """Check one log (fixing it first with `--fix`, or showing the fixes with `--diff`);
    None when `--force-exclude` skips it (stdin with `--fix` then comes back unchanged).
    Raises `UsageError` when a fix cannot be written.
    """
    path, text = source.name, source.text
    if run.args.force_exclude and not _is_log(Path(path), text, run):
        if source.file is None and run.args.fix:
            # A filter must give its text back, even when it is not a log to fix.
            return Checked(FileFindings(path, ()), failing=False, new=0, fixed_text=text)
        return None

    diff = _diff(source, run.base)
    context = run.context
    if diff is not None:
        # As in the app: the change's own entries are the ones blamed (newest-first).
        context = dataclasses.replace(
            context, changed_lines=diff.added_lines(len(split_lines(text)[0]))
        )
    severities = run.config.severities
    if not (run.args.fix or run.args.diff):
        log = parse_log(text)
        findings = tuple(check_log(log, context, run.rules, severities))
        return _marked(path, findings, log.lines, diff, run)

    result = fix_text(
        text, context, run.rules, unsafe=bool(run.args.unsafe_fixes), severities=severities
    )
    lines = tuple(split_lines(result.text)[0])
    if run.args.diff:
        checked = _marked(path, result.remaining, lines, diff, run)
        shown = unified_diff(path, text, result.text)
        return dataclasses.replace(checked, fixed=result.fixed, diff=shown)
    if source.file is None:
        checked = _marked(path, result.remaining, lines, diff, run)
        return dataclasses.replace(checked, fixed=result.fixed, fixed_text=result.text)
    if result.text != text:
        try:
            source.file.write_bytes(result.text.encode("utf-8"))
        except OSError as error:
            raise UsageError(f"{path}: cannot write the fixes: {error.strerror or error}") from None
        diff = _diff(source, run.base)  # the fixes moved lines: ask again about the file written
    return dataclasses.replace(
        _marked(path, result.remaining, lines, diff, run), fixed=result.fixed
    )


def unified_diff(path: str, before: str, after: str) -> str:
    """The change from `before` to `after` as a unified diff with 3 lines of context,
    `--- path` / `+++ path` (ruff's header); empty when they are equal."""
    if before == after:
        return ""
    import difflib  # only `--diff` shows fixes

    shown = []
    for line in difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), path, path
    ):
        if line.endswith(("\n", "\r")):
            shown.append(line)
        else:  # the file's last line has no line break
            shown.append(f"{line}\n\\ No newline at end of file\n")
    return "".join(shown)


def _is_log(file: Path, text: str, run: CheckRun) -> bool:
    """Whether the app would check this file: `logs:` names it or, without `logs:`, it is
    Markdown that looks like a log (`chronolog.detect`, the app's own test)."""
    from chronolog.detect import is_log_file  # only `--force-exclude` asks

    try:
        relative = file.resolve().relative_to(run.root.resolve()).as_posix()
    except ValueError:  # outside the project: no glob can name it
        relative = file.name
    return is_log_file(run.config, relative, text)


def _diff(source: Source, base: Base | None) -> FileDiff | None:
    """The file's diff since `--diff-base`; None without that option (or for stdin, which
    `chronolog.cli_check` refuses with it)."""
    if base is None or source.file is None:
        return None
    from chronolog.git import GitError, diff_since

    try:
        return diff_since(base, source.name)
    except GitError as error:
        raise UsageError(str(error)) from None


def _marked(
    path: str,
    findings: tuple[Finding, ...],
    lines: tuple[str, ...],
    diff: FileDiff | None,
    run: CheckRun,
) -> Checked:
    """The findings as printed: with a diff, those on lines it did not add are "existing"
    (prefixed as the check run prefixes them) and only new errors fail, as in the app. In
    the `github` format (annotations in a workflow run) the config's `annotations:` mode
    also picks which are shown, as it picks the check run's annotations."""
    if diff is None:
        failing = any(finding.severity is Severity.ERROR for finding in findings)
        return Checked(FileFindings(path, findings, lines), failing, len(findings))
    from chronolog.annotations import EXISTING_PREFIX  # only `--diff-base` marks findings
    from chronolog.check_output import mark_findings

    marked = mark_findings(path, findings, diff)
    failing = any(m.introduced and m.finding.severity is Severity.ERROR for m in marked)
    new = sum(m.introduced for m in marked)
    if run.args.format == "github":
        kept = tuple(m for m in marked if run.config.annotations.covers(m.where))
    else:
        kept = marked
    shown = tuple(
        m.finding
        if m.introduced
        else dataclasses.replace(m.finding, message=EXISTING_PREFIX + m.finding.message)
        for m in kept
    )
    return Checked(
        FileFindings(path, shown, lines), failing, new, not_annotated=len(marked) - len(kept)
    )
