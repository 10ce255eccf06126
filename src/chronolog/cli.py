"""The `chronolog` command: `check` (the linter), `serve` (the GitHub App) and `backlinks`.

Only `check` runs here; the server and the backfill live in `chronolog.app` and are
imported when their subcommand runs, so `chronolog check` never loads starlette,
httpx or githubkit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import io
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

from chronolog import __version__
from chronolog.check import UnknownRuleError, check_log, fix_text, select_rules
from chronolog.handles import is_github_login
from chronolog.model import Finding, Severity
from chronolog.output import (
    FORMATS,
    FileFindings,
    format_github,
    format_json,
    format_sarif,
    format_text,
    summary_line,
)
from chronolog.parse import LogDecodeError, decode_log, parse_log, split_lines
from chronolog.rule import Context, Rule, latest_current_date

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# GitHub's login syntax: letters, digits and single inner hyphens, at most 39 characters.
REPO_NAME = re.compile(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+")


class UsageError(Exception):
    """A command line that cannot run; the message is printed after `chronolog: `."""


def _rule_names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _author(value: str) -> str:
    login = value.removeprefix("@")
    if not is_github_login(login):
        raise argparse.ArgumentTypeError(f"{value!r} is not a GitHub login")
    return login


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a TCP port (1-65535)")
    return int(value)


def _repo(value: str) -> str:
    if not REPO_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not OWNER/REPO")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="chronolog", description="Keep a team's dated Markdown log honest."
    )
    parser.add_argument("--version", action="version", version=f"chronolog {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="lint Markdown logs",
        description="Lint dated Markdown logs. Exit 0 when no error remains, 1 when one "
        "does, 2 on a usage error or a file that cannot be read as UTF-8.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="log files to check")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format")
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    check.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="count unsafe fixes as fixable; with --fix, apply them too",
    )
    check.add_argument(
        "--select",
        type=_rule_names,
        action="extend",
        metavar="RULES",
        help="only these rules (comma-separated names)",
    )
    check.add_argument(
        "--ignore",
        type=_rule_names,
        action="extend",
        default=[],
        metavar="RULES",
        help="skip these rules (comma-separated names)",
    )
    check.add_argument(
        "--author",
        type=_author,
        metavar="HANDLE",
        help="GitHub login the participants fix inserts (`name` or `@name`)",
    )

    serve = commands.add_parser("serve", help="run the GitHub App's web server")
    serve.add_argument(
        "--host", default=os.environ.get("HOST", "0.0.0.0"), help="address (env HOST)"
    )
    serve.add_argument("--port", type=_port, help="port (env PORT, default 8080)")

    backlinks = commands.add_parser("backlinks", help="cross-link log entries and issues")
    backlinks_commands = backlinks.add_subparsers(
        dest="backlinks_command", required=True, metavar="COMMAND"
    )
    backfill = backlinks_commands.add_parser(
        "backfill", help="post backlinks for every reference already in a repository's log"
    )
    backfill.add_argument("--repo", required=True, type=_repo, metavar="OWNER/REPO")
    backfill.add_argument("--path", metavar="PATH", help="the log's path in the repository")
    backfill.add_argument(
        "--dry-run", action="store_true", help="print what would be posted, post nothing"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: `sys.argv[1:]`) and return the exit code."""
    for stream in (sys.stdout, sys.stderr):
        # A console that cannot show a character (an emoji in a message) must not crash us.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits by itself for --help, --version and usage errors.
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        if args.command == "check":
            return _run_check_to_console(args)
        if args.command == "serve":
            return run_serve(args)
        return run_backfill_command(args)
    except UsageError as error:
        print(f"chronolog: {error}", file=sys.stderr)
        return EXIT_USAGE


def _run_check_to_console(args: argparse.Namespace) -> int:
    """`run_check` on stdout and stderr, quiet when the reader of stdout goes away."""
    try:
        code = run_check(args, sys.stdout, sys.stderr)
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


def run_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """`chronolog check`: findings to `stdout`, summary and file errors to `stderr`."""
    try:
        rules = select_rules(args.select, args.ignore)
    except UnknownRuleError as error:
        raise UsageError(str(error)) from None
    context = Context(today=latest_current_date(dt.datetime.now(dt.UTC)), author=args.author)

    results: list[FileFindings] = []
    unreadable = 0
    for path in args.paths:
        try:
            results.append(_check_file(path, context, rules, args, stderr))
        except UsageError as error:
            print(f"chronolog: {error}", file=stderr)
            unreadable += 1

    unsafe = bool(args.unsafe_fixes)
    if args.format == "text":
        stdout.write(format_text(results, unsafe=unsafe))
        print(summary_line(results, unsafe=unsafe, unreadable=unreadable), file=stderr)
    elif args.format == "json":
        stdout.write(format_json(results, unsafe=unsafe))
    elif args.format == "github":
        stdout.write(format_github(results))
    else:
        stdout.write(format_sarif(results))

    if unreadable:
        return EXIT_USAGE
    has_error = any(_is_error(f) for result in results for f in result.findings)
    return EXIT_FINDINGS if has_error else EXIT_OK


def _is_error(finding: Finding) -> bool:
    return finding.severity is Severity.ERROR


def _check_file(
    path: str, context: Context, rules: Sequence[Rule], args: argparse.Namespace, stderr: TextIO
) -> FileFindings:
    """Check one file (fixing it first with `--fix`). Raises `UsageError` when it cannot be read."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        text = decode_log(data, path)
    except LogDecodeError as error:
        raise UsageError(str(error)) from None

    if not args.fix:
        log = parse_log(text)
        return FileFindings(path, tuple(check_log(log, context, rules)), log.lines)

    result = fix_text(text, context, rules, unsafe=bool(args.unsafe_fixes))
    if result.text != text:
        try:
            file.write_bytes(result.text.encode("utf-8"))
        except OSError as error:
            raise UsageError(f"{path}: cannot write the fixes: {error.strerror or error}") from None
    if result.fixed:
        noun = "problem" if result.fixed == 1 else "problems"
        print(f"Fixed {result.fixed} {noun} in {path}", file=stderr)
    return FileFindings(path, result.remaining, tuple(split_lines(result.text)[0]))


def run_serve(args: argparse.Namespace) -> int:
    """`chronolog serve`: hand over to the app's server, imported only now."""
    port = args.port
    if port is None:
        env_port = os.environ.get("PORT", "8080")
        try:
            port = _port(env_port)
        except argparse.ArgumentTypeError as error:
            raise UsageError(f"PORT: {error}") from None
    run_server = _load("chronolog.app.main", "run_server", "the server")
    return int(run_server(host=args.host, port=port))


def run_backfill_command(args: argparse.Namespace) -> int:
    """`chronolog backlinks backfill`: hand over to the app's backfill, imported only now."""
    run_backfill = _load("chronolog.app.backfill", "run_backfill", "the backfill")
    return int(run_backfill(repo=args.repo, path=args.path, dry_run=args.dry_run))


def _load(module_name: str, function: str, what: str) -> Callable[..., Any]:
    """Import `function` from `module_name` now, or raise `UsageError` saying why not."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise UsageError(f"{what} is not available: {error}") from None
    loaded = getattr(module, function, None)
    if not callable(loaded):
        raise UsageError(f"{what} is not available: {module_name} has no {function}()")
    return cast(Callable[..., Any], loaded)
