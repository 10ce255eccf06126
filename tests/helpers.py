"""Small helpers that make rule and CLI tests read like specifications."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from chronolog.check import check_log, fix_text, select_rules
from chronolog.cli import main
from chronolog.parse import parse_log
from chronolog.rule import Context

TODAY = dt.date(2026, 11, 25)


def findings(text: str, rule: str, *, author: str | None = None) -> list[tuple[int, str]]:
    """(line, message) of every finding of `rule` on `text`."""
    log = parse_log(text)
    return [
        (f.line, f.message) for f in check_log(log, Context(TODAY, author), select_rules([rule]))
    ]


def fixed(text: str, rule: str, *, unsafe: bool = False, author: str | None = None) -> str:
    """`text` after applying every fix of `rule` (safe ones only unless `unsafe`)."""
    return fix_text(text, Context(TODAY, author), select_rules([rule]), unsafe=unsafe).text


# `chronolog` as a separate process, through this interpreter (no console script needed).
CHRONOLOG_COMMAND = (
    sys.executable,
    "-c",
    "import sys; from chronolog.cli import main; sys.exit(main())",
)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    """Exit code, stdout lines and stderr lines of `chronolog ARGV`, run in this process."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()
