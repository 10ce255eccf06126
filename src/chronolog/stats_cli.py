"""`chronolog report`: the figures of logs on disk, in the format asked for.

The figures are the core's (`chronolog.stats`, `chronolog.handover`); this module reads
the files, asks GitHub about the handover's issues when given a token, and prints. It
imports them only when the command runs, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import TextIO

FORMATS = ("text", "json", "csv", "markdown", "html")
REPORT_EXTRA = "pip install 'chronolog[report]'"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _count(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 1 or more")
    return int(value)


def add_report_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `report` and its options to the `chronolog` parser's subcommands."""
    report = commands.add_parser(
        "report",
        help="support time, load and references of logs, as tables and charts",
        description="Report what logs say: entries, support time ($DURATION tags) and time "
        "per person per month or week, and the most referenced repositories and issues. "
        "Exit 0, or 2 on a usage error or a file that cannot be read as UTF-8.",
    )
    report.add_argument("paths", nargs="+", metavar="PATH", help="log files")
    report.add_argument("--by", choices=("month", "week"), default="month", help="period")
    report.add_argument("--since", type=_date, metavar="DATE", help="first day counted")
    report.add_argument("--until", type=_date, metavar="DATE", help="last day counted")
    report.add_argument("--format", choices=FORMATS, default="text", help="output format")
    report.add_argument(
        "--repo",
        metavar="OWNER/REPO",
        default=os.environ.get("GITHUB_REPOSITORY", ""),
        help="the log's repository, which `#123` refers to (default: $GITHUB_REPOSITORY; "
        "without it such references are not counted)",
    )
    report.add_argument("--top", type=_count, default=10, metavar="N", help="references listed")
    report.add_argument(
        "--handover",
        action="store_true",
        help="list the issues and PRs recent entries reference that are still open "
        "(their state is looked up only with GITHUB_TOKEN set)",
    )
    report.add_argument(
        "--handover-days",
        type=_count,
        default=14,
        metavar="N",
        help="the handover covers the N days up to --until or today (default 14)",
    )


def run_report(args: argparse.Namespace, stdout: TextIO) -> int:
    """`chronolog report`: the report on `stdout`; raises `UsageError` for what cannot run."""
    from chronolog.check_files import EXIT_OK, UsageError
    from chronolog.handover import handover, with_states
    from chronolog.parse import LogDecodeError, decode_log, parse_log
    from chronolog.rule import latest_current_date
    from chronolog.stats import EntryFigures, Period, compute_stats, entry_figures
    from chronolog.stats_render import render_csv, render_json, render_markdown, render_text

    if args.since and args.until and args.since > args.until:
        raise UsageError(f"--since {args.since} is after --until {args.until}")
    if args.handover and args.format == "csv":
        raise UsageError("--handover has no CSV form; use --format text, json, markdown or html")
    if args.repo and (args.repo.count("/") != 1 or not all(args.repo.split("/"))):
        raise UsageError(f"--repo {args.repo!r} is not OWNER/REPO")
    host = os.environ.get("GITHUB_SERVER_URL", "https://github.com").split("://")[-1].rstrip("/")
    since, until = args.since, args.until
    handover_until = args.until or latest_current_date(dt.datetime.now(dt.UTC))
    if args.handover:
        # Read the references of the handover's days too, when they lie outside the report's.
        handover_since = handover_until - dt.timedelta(days=args.handover_days - 1)
        since = min(since, handover_since) if since else None
        until = max(until, handover_until) if until else None
    figures: list[EntryFigures] = []
    undated = 0
    for path in args.paths:
        try:
            log = parse_log(decode_log(Path(path).read_bytes(), path))
        except OSError as error:
            raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
        except LogDecodeError as error:
            raise UsageError(str(error)) from None
        figures += entry_figures(
            log, path=path, host=host.lower(), repo=args.repo, since=since, until=until
        )
        undated += sum(1 for entry in log.entries if entry.date is None)

    stats = compute_stats(
        figures,
        by=Period(args.by),
        since=args.since,
        until=args.until,
        undated=undated,
        top=args.top,
    )
    found = None
    if args.handover:
        found = handover(figures, until=handover_until, days=args.handover_days)
        token = os.environ.get("GITHUB_TOKEN", "")
        if token and found.items:
            from chronolog.issue_state import DEFAULT_API_URL, look_up_states

            api = os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
            lookup = look_up_states((i.reference for i in found.items), token=token, api_url=api)
            found = with_states(found, lookup.states)
            if lookup.problem:
                from dataclasses import replace

                found = replace(found, problem=lookup.problem)

    logs = len(args.paths)
    if args.format == "json":
        stdout.write(render_json(stats, logs=list(args.paths), handover=found))
    elif args.format == "csv":
        stdout.write(render_csv(stats))
    elif args.format == "markdown":
        stdout.write(render_markdown(stats, logs=logs, handover=found))
    elif args.format == "html":
        try:
            from chronolog.stats_html import render_html
        except ImportError as error:
            raise UsageError(
                f"the HTML report draws its charts with pygal, which is not installed "
                f"({error}); install it: {REPORT_EXTRA}"
            ) from None
        stdout.write(render_html(stats, logs=logs, handover=found))
    else:
        stdout.write(render_text(stats, logs=logs, handover=found))
    return EXIT_OK
