"""The `chronolog` command line's grammar: every subcommand and option, and nothing else.

Building the parser imports only the standard library (and `chronolog.output`'s format
names), so `chronolog check` starts fast; each command's module is imported when it runs.
"""

from __future__ import annotations

import argparse
import re

from chronolog import __version__
from chronolog.handles import is_github_login
from chronolog.output import FORMATS

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

    _add_check_command(commands)

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

    rule = commands.add_parser(
        "rule",
        help="explain a rule",
        description="Print a rule's documentation (what it checks, why, an example, its fix), "
        "or list every rule with --all.",
    )
    which = rule.add_mutually_exclusive_group(required=True)
    which.add_argument("name", nargs="?", metavar="NAME", help="the rule, like date-heading")
    which.add_argument("--all", action="store_true", help="list every rule")

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


Subcommands = argparse._SubParsersAction  # argparse's own type for `add_subparsers()`


def _add_check_command(commands: Subcommands[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        help="lint Markdown logs",
        description="Lint dated Markdown logs. Exit 0 when no error remains, 1 when one "
        "does (with --diff: when a fix would change a file), 2 on a usage error or a file "
        "that cannot be read as UTF-8.",
    )
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="log files, directories (searched for the config's logs, else *.md), quoted "
        "glob patterns (** for any depth), or - for stdin (default: the config's `logs:`)",
    )
    check.add_argument("--format", choices=FORMATS, default="text", help="output format")
    changes = check.add_mutually_exclusive_group()
    changes.add_argument(
        "--fix", action="store_true", help="apply safe fixes in place (stdin: print the fixed text)"
    )
    changes.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff and write nothing; exit 1 when there are any",
    )
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
    check.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="the name of the text read from `-`, for messages and for matching `logs:`",
    )
    check.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when errors are found (2 still means a usage or file error)",
    )
    check.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print the findings and nothing else: no summary, no `Fixed ...` lines",
    )
    check.add_argument(
        "--output-file",
        metavar="PATH",
        help="write the findings (or the diff) to PATH instead of stdout",
    )
    check.add_argument(
        "--statistics",
        action="store_true",
        help="print how many findings each rule has instead of the findings",
    )
    _add_config_options(check)


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
