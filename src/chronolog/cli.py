"""The `chronolog` command: `check` (the linter), `serve` (the GitHub App) and `backlinks`.

Only `check` runs here; the server and the backfill live in `chronolog.app` and are
imported when their subcommand runs, so `chronolog check` never loads starlette,
httpx or githubkit.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

from chronolog import __version__
from chronolog.check_files import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, run_check
from chronolog.handles import is_github_login
from chronolog.output import FORMATS

EXIT_INTERRUPTED = 130
APP_EXTRA = "pip install 'chronolog[app]'"

# GitHub's login syntax: letters, digits and single inner hyphens, at most 39 characters.
REPO_NAME = re.compile(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+")


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
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="log files to check (default: those the config's `logs:` names)",
    )
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
    check.add_argument(
        "--diff-base",
        metavar="REF",
        help="fail only on problems on lines changed since the git revision REF "
        "(e.g. origin/main; HEAD in a pre-commit hook); the others are marked existing",
    )
    check.add_argument(
        "--force-exclude",
        action="store_true",
        help="skip named files the app would not check: not named by the config's `logs:` "
        "or, without `logs:`, not looking like a log (for pre-commit)",
    )
    _add_config_options(check)

    config = commands.add_parser("config", help="check or describe .github/chronolog.yml")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    config_check = config_commands.add_parser(
        "check",
        help="validate a config file",
        description="Validate a config file: exit 0 when it is valid, 1 when it is not "
        "(one line per problem, naming its line), 2 when there is none or it cannot be read.",
    )
    config_check.add_argument(
        "path", nargs="?", metavar="PATH", help="default: the config `check` would use"
    )
    config_commands.add_parser("schema", help="print the config's JSON Schema")

    serve = commands.add_parser("serve", help="run the GitHub App's web server")
    serve.add_argument("--host", help="address (default: env HOST, else 0.0.0.0)")
    serve.add_argument("--port", type=_port, help="port (default: env PORT, else 8080)")

    from chronolog.stats_cli import add_report_command  # stdlib only: cheap

    add_report_command(commands)

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
    redeliver = commands.add_parser(
        "redeliver", help="ask GitHub again for the webhooks chronolog missed (3 days at most)"
    )
    redeliver.add_argument(
        "--since",
        metavar="DURATION",
        help="look back this far, like 6h or 2d (default: back to the last delivery a sweep saw)",
    )
    redeliver.add_argument(
        "--dry-run", action="store_true", help="list the missed deliveries, ask for none"
    )
    return parser


def _add_config_options(command: argparse.ArgumentParser) -> None:
    where = command.add_mutually_exclusive_group()
    where.add_argument(
        "--config",
        metavar="PATH",
        help="the config file to use (default: .github/chronolog.yml here or above, "
        "up to the repository root)",
    )
    where.add_argument(
        "--isolated", action="store_true", help="ignore every config file: the defaults apply"
    )


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
        if args.command == "config":
            return run_config_command(args, sys.stdout)
        if args.command == "report":
            from chronolog.stats_cli import run_report

            return run_report(args, sys.stdout)
        if args.command == "serve":
            return run_serve(args)
        if args.command == "redeliver":
            run_redeliver = _load("chronolog.app.redeliver", "run_redeliver", "redeliver")
            return int(run_redeliver(since=args.since, dry_run=args.dry_run))
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


def run_config_command(args: argparse.Namespace, stdout: TextIO) -> int:
    """`chronolog config check [PATH]` and `chronolog config schema`."""
    from chronolog.config import validate_config_text
    from chronolog.parse import LogDecodeError, decode_log
    from chronolog.project import display_path, find_config

    if args.config_command == "schema":
        from chronolog.config_schema import schema_text

        stdout.write(schema_text())
        return EXIT_OK
    cwd = Path.cwd()
    path = cwd / args.path if args.path else find_config(cwd)
    if path is None:
        raise UsageError(
            "no .github/chronolog.yml here or above (up to the repository root); name the file"
        )
    shown = display_path(path, cwd)
    try:
        text = decode_log(path.read_bytes(), shown)
    except OSError as error:
        raise UsageError(f"{shown}: cannot read: {error.strerror or error}") from None
    except LogDecodeError as error:
        raise UsageError(str(error)) from None
    problems = validate_config_text(text)
    for problem in problems:
        stdout.write(f"{shown}:{problem.line}: {problem.message}\n")
    if problems:
        return EXIT_FINDINGS
    stdout.write(f"{shown}: valid\n")
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    """`chronolog serve`: hand over to the app's server, imported only now (it reads HOST
    and PORT with the rest of its settings)."""
    run_server = _load("chronolog.app.main", "run_server", "the server")
    return int(run_server(host=args.host, port=args.port))


def run_backfill_command(args: argparse.Namespace) -> int:
    """`chronolog backlinks backfill`: hand over to the app's backfill, imported only now."""
    run_backfill = _load("chronolog.app.backlinks.backfill", "run_backfill", "the backfill")
    return int(run_backfill(repo=args.repo, path=args.path, dry_run=args.dry_run))


def _load(module_name: str, function: str, what: str) -> Callable[..., Any]:
    """Import `function` from `module_name` now, or raise `UsageError` saying why not."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        # Most likely the server's dependencies, which are an extra.
        raise UsageError(f"{what} is not available ({error}); install it: {APP_EXTRA}") from None
    loaded = getattr(module, function, None)
    if not callable(loaded):
        raise UsageError(f"{what} is not available: {module_name} has no {function}()")
    return cast(Callable[..., Any], loaded)
