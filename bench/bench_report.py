"""Time `chronolog report` on the 7 MB log: the whole command, and its steps in process.

Run from the repository root with the venv active: `python bench/bench_report.py`.
It builds the big log as bench_check.py does (the reference log's entries 100 times),
prints figures and asserts nothing; pytest never runs it. See bench/README.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench_check import OUT, build_big_log

from chronolog.parse import parse_log
from chronolog.stats import compute_stats, entry_figures
from chronolog.stats_render import render_json, render_markdown, render_text


def best(runs: int, function: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    path = OUT / "big-log.md"
    if not path.exists():
        path.write_text(build_big_log(), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    print(f"log: {path} ({len(text.encode()) / 1e6:.1f} MB, {text.count(chr(10))} lines)")
    log = parse_log(text)
    figures = entry_figures(log, repo="sourcegraph/devx-scratch")
    stats = compute_stats(figures)
    steps: dict[str, Callable[[], object]] = {
        "parse_log": lambda: parse_log(text),
        "entry_figures (tags, handles, references)": lambda: entry_figures(
            log, repo="sourcegraph/devx-scratch"
        ),
        "compute_stats": lambda: compute_stats(figures),
        "render text + json + markdown": lambda: (
            render_text(stats),
            render_json(stats, logs=[str(path)]),
            render_markdown(stats),
        ),
    }
    for name, step in steps.items():
        print(f"{name}: {best(args.runs, step):.3f} s (best of {args.runs})")
    chronolog = str(Path(sys.executable).parent / "chronolog")
    # The newest copy of the reference log is 2022; the report issue covers 12 months.
    last_year = ["--since", "2021-12-01", "--until", "2022-11-30"]
    for fmt, window in (("text", []), ("html", []), ("markdown", last_year)):
        command = [chronolog, "report", str(path), "--format", fmt, *window]
        elapsed = best(
            args.runs,
            lambda command=command: subprocess.run(command, check=True, capture_output=True),
        )
        shown = " ".join(command[1:]).replace(str(path), path.name)
        print(f"chronolog {shown} (whole process): {elapsed:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
