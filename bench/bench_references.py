"""Time `find_references` and `heading_anchors` on the big log against an older commit.

Run from the repository root with the venv active, after `python bench/bench_check.py`
has built bench/out/big-log.md:

    python bench/bench_references.py --against cacb935 --runs 5

It loads `src/chronolog/references.py` and `anchors.py` as they were at the given commit
beside the work tree's, times both on the same parsed log, alternating, and prints the
best of each and their ratio. It asserts nothing; pytest never runs it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chronolog import anchors, references
from chronolog.parse import parse_log

ROOT = Path(__file__).resolve().parent.parent
BIG_LOG = ROOT / "bench" / "out" / "big-log.md"


def module_at(commit: str, name: str) -> types.ModuleType:
    """`chronolog.<name>` as it was at `commit`, loaded beside the current one."""
    source = subprocess.run(
        ["git", "show", f"{commit}:src/chronolog/{name}.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"old_{name}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{commit}:{name}.py", "exec"), module.__dict__)
    return module


def best(runs: int, pairs: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Best wall-clock time of each callable, run alternately `runs` times."""
    times: dict[str, list[float]] = {name: [] for name in pairs}
    for _ in range(runs):
        for name, call in pairs.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--against", default="cacb935", help="the older commit")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = BIG_LOG.read_text(encoding="utf-8")
    log = parse_log(text)
    print(f"big log: {BIG_LOG.relative_to(ROOT)} ({len(text.encode()) / 1e6:.1f} MB)")
    where = {"host": "github.com", "repo": "sourcegraph/devx-scratch"}
    old_references = module_at(args.against, "references")
    old_anchors = module_at(args.against, "anchors")
    for label, old, new in (
        (
            "find_references",
            lambda: old_references.find_references(log, **where),
            lambda: references.find_references(log, **where),
        ),
        (
            "heading_anchors",
            lambda: old_anchors.heading_anchors(log),
            lambda: anchors.heading_anchors(log),
        ),
    ):
        figures = best(args.runs, {args.against: old, "work tree": new})
        old_time, new_time = figures[args.against], figures["work tree"]
        print(
            f"{label}: {args.against} {old_time:.3f} s, work tree {new_time:.3f} s "
            f"(best of {args.runs}), work tree / {args.against} = {new_time / old_time:.2f}"
        )


if __name__ == "__main__":
    main()
