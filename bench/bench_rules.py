"""Time each rule on the 7 MB bench log, and how `date-heading` grows with ambiguous dates.

Run from the repository root with the venv active: `python bench/bench_rules.py`.
It reads `bench/out/big-log.md`, which `python bench/bench_check.py --skip-markdownlint`
builds. It prints figures and asserts nothing; pytest never runs it. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from chronolog.model import Log
from chronolog.parse import parse_log
from chronolog.rule import Context, Rule
from chronolog.rules import ALL_RULES, RULES_BY_NAME

BIG_LOG = Path(__file__).resolve().parent / "out" / "big-log.md"
TODAY = dt.date(2026, 11, 25)
AMBIGUOUS_COUNTS = (1_000, 2_000, 4_000, 8_000)


def ambiguous_log(count: int) -> str:
    """`count` entries dated `11/05/2022` (May 11 or November 5) between two ISO dates.

    Every ambiguous entry has to look past all the others for a dated neighbour: the
    worst case for a neighbour search that walks the entries.
    """
    body = "## 11/05/2022\n\n@alice did things\n\n" * count
    return f"# Log\n\n## 2022-12-31\n\n@alice\n\n{body}## 2022-01-01\n\n@bob\n"


def run_rule(rule: Rule, log: Log, context: Context) -> int:
    """Run `rule` to the end; the number of findings."""
    return sum(1 for _ in rule.check(log, context))


def best_of(runs: int, rule: Rule, log: Log, context: Context) -> tuple[float, int]:
    """The least CPU time of `runs` runs of `rule` on `log`, and its number of findings.

    CPU time, not wall time: on a machine shared with other work, the wall clock also
    counts the time this process waited for a core.
    """
    times = []
    found = 0
    gc.collect()  # not the garbage of what ran before
    for _ in range(runs):
        start = time.process_time()
        found = run_rule(rule, log, context)
        times.append(time.process_time() - start)
    return min(times), found


def import_time(statement: str, before: str = "") -> float:
    """CPU seconds `statement` (an import) takes in a fresh interpreter that has run
    `before` (untimed), best of three."""
    code = f"{before}\nimport time; s = time.process_time(); {statement}\n"
    code += "print(time.process_time() - s)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(3)
    ]
    return min(runs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per rule timing (best of)")
    args = parser.parse_args(argv)
    if not BIG_LOG.exists():
        sys.exit(f"{BIG_LOG} is missing: run `python bench/bench_check.py --skip-markdownlint`")

    time_rules_on_big_log(args.runs)
    time_date_heading_growth(args.runs)
    return 0


def time_rules_on_big_log(runs: int) -> None:
    context = Context(today=TODAY)
    text = BIG_LOG.read_text(encoding="utf-8")
    log = parse_log(text)
    print(f"rules on {BIG_LOG.name} ({len(text.encode()) / 1e6:.1f} MB, {len(log.lines)} lines,")
    print(f"{len(log.entries)} entries), in process, CPU time, best of {runs}:")
    total = 0.0
    for rule in ALL_RULES:
        seconds, found = best_of(runs, rule, log, context)
        total += seconds
        print(f"  {rule.name:<14} {seconds:.4f} s  {found:>5} findings")
    print(f"  {'all rules':<14} {total:.4f} s")
    # As the rule imports it: without `ftfy.formatting` (wcwidth), chronolog already loaded.
    ftfy = import_time("_ftfy()", before="from chronolog.rules.mojibake import _ftfy")
    print(f"  importing ftfy (fresh interpreter; mojibake pays it once): {ftfy:.3f} s")


def time_date_heading_growth(runs: int) -> None:
    print("date-heading on N entries with an ambiguous date (2x per doubling is linear):")
    context = Context(today=TODAY)
    date_heading = RULES_BY_NAME["date-heading"]
    previous = None
    for count in AMBIGUOUS_COUNTS:
        ambiguous = parse_log(ambiguous_log(count))
        seconds, found = best_of(runs, date_heading, ambiguous, context)
        growth = f"  {seconds / previous:.1f}x" if previous else ""
        print(f"  {count:>5} entries: {seconds:.4f} s  {found:>5} findings{growth}")
        previous = seconds


if __name__ == "__main__":
    sys.exit(main())
