"""CPU time of `chronolog report` on the 7 MB log: two source trees side by side.

Run from the repository root, after `python bench/bench_check.py` (or bench_report.py)
has built bench/out/big-log.md:

    git archive main | tar -x -C /tmp/before
    python bench/bench_report_cpu.py --against /tmp/before --runs 10

Each run is its own process (`python -c "... chronolog.cli.main()"` with the tree's `src`
first on the path, bytecode caching on), the two trees alternating, so both see the same
load. It prints the load average and each tree's best and median CPU time (user + system,
from `wait4`) and wall time. It asserts nothing; pytest never runs it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIG_LOG = ROOT / "bench" / "out" / "big-log.md"


def run_once(tree: Path, arguments: list[str]) -> tuple[float, float]:
    """CPU and wall seconds of one `chronolog report` process run from `tree`'s sources."""
    code = (
        "import sys; from chronolog.cli import main; "
        f"sys.exit(main({['report', str(BIG_LOG), *arguments]!r}))"
    )
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have .pyc files: time with them
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.execve(sys.executable, [sys.executable, "-c", code], env)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if status:
        raise SystemExit(f"{tree}: chronolog report failed ({status})")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--against", type=Path, required=True, help="the other source tree")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--format", default="text")
    args = parser.parse_args()
    trees = [args.against.resolve(), ROOT]
    times: dict[Path, list[tuple[float, float]]] = {tree: [] for tree in trees}
    print("load average before:", " ".join(os.getloadavg().__str__().strip("()").split(", ")))
    for number in range(args.runs):
        for tree in trees if number % 2 == 0 else trees[::-1]:
            times[tree].append(run_once(tree, ["--format", args.format]))
    print("load average after: ", " ".join(os.getloadavg().__str__().strip("()").split(", ")))
    for tree, values in times.items():
        cpu = [value[0] for value in values]
        wall = [value[1] for value in values]
        print(
            f"{tree}: CPU best {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s; "
            f"wall best {min(wall):.3f} s, median {statistics.median(wall):.3f} s "
            f"({len(values)} runs)"
        )


if __name__ == "__main__":
    main()
