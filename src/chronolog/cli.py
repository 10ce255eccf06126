"""The `chronolog` command: `check` (the linter), `config`, `rule`, `report`, `serve` (the
GitHub App), `redeliver` and `backlinks`, each handed to its module.

The grammar is `chronolog.cli_args`; `check` runs in `chronolog.cli_check`. The server and
the backfill live in `chronolog.app` and are imported when their subcommand runs, so
`chronolog check` never loads starlette, httpx or githubkit.
"""

from __future__ import annotations

import argparse
import importlib
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

from chronolog.check_files import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from chronolog.cli_args import build_parser

__all__ = ["build_parser", "main"]

APP_EXTRA = "pip install 'chronolog[app]'"


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
            from chronolog.cli_check import run_check_on_console

            return run_check_on_console(args)
        if args.command == "config":
            return run_config_command(args, sys.stdout)
        if args.command == "rule":
            return run_rule_command(args, sys.stdout)
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


def run_rule_command(args: argparse.Namespace, stdout: TextIO) -> int:
    """`chronolog rule NAME` prints the rule's page; `chronolog rule --all` lists the rules."""
    from chronolog.rule_docs import rule_doc
    from chronolog.rules import ALL_RULES, RULES_BY_NAME

    if args.all:
        width = max(len(rule.name) for rule in ALL_RULES)
        for rule in ALL_RULES:
            stdout.write(f"{rule.name:<{width}}  {rule.severity!s:<7}  {rule.summary}\n")
        return EXIT_OK
    if args.name not in RULES_BY_NAME:
        known = ", ".join(RULES_BY_NAME)
        raise UsageError(f"unknown rule {args.name}; the rules are: {known}")
    stdout.write(rule_doc(args.name))
    return EXIT_OK


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
