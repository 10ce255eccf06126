"""Time `chronolog check` against markdownlint-cli2 on a 7 MB log, and parse growth.

Run from the repository root with the venv active: `python bench/bench_check.py`.
It prints figures and asserts nothing; pytest never runs it. See bench/README.md.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from chronolog.check import check_log
from chronolog.model import Log
from chronolog.parse import parse_log
from chronolog.rule import Context, Rule, latest_current_date
from chronolog.rules import ALL_RULES

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
REFERENCE = ROOT / "tests" / "fixtures" / "logs" / "devx-support-log-2022.md"
OUT = BENCH / "out"
MARKDOWNLINT = BENCH / "node_modules" / ".bin" / "markdownlint-cli2"
MARKDOWNLINT_VERSION = "0.24.1"
COPIES = 100
# Lines that make a rule find something at every step: a rule that is quadratic in the
# length of a line shows it here.
LONG_LINES = {
    "plain text": "word ",
    "handles": "@alice ",
    "duration tags": "DURATION=10m ",
    "mojibake": "\u00f0\u0178\u2018\u2030 ",
    "backticks": "`a` ",
    "hashes": "#",
}
HEADING_YEAR = re.compile(r"\b(\d{4})(?=-\d{2}-\d{2}\b)")


def build_big_log(copies: int = COPIES) -> str:
    """The reference log's preamble once, then its entries `copies` times.

    Copy k (0 at the top) has every year in its H2 headings lowered by k, so the whole
    file stays newest-first and no date lands in the future.
    """
    text = REFERENCE.read_text(encoding="utf-8")
    log = parse_log(text)
    lines = text.splitlines(keepends=True)
    preamble = "".join(lines[: log.preamble_end])
    entries = lines[log.preamble_end :]
    heading_lines = {entry.heading.line - log.preamble_end - 1 for entry in log.entries}
    parts = [preamble]
    for k in range(copies):
        for index, line in enumerate(entries):
            if index in heading_lines:
                line = HEADING_YEAR.sub(partial(_lower_year, by=k), line)
            parts.append(line)
    return "".join(parts)


def _lower_year(match: re.Match[str], by: int) -> str:
    return str(int(match.group(1)) - by)


def best_of(runs: int, command: Sequence[str], cwd: Path) -> float:
    """The fastest wall-clock time of `runs` runs of `command` as a whole process."""
    return best_of_with_cpu(runs, command, cwd)[0]


def best_of_with_cpu(runs: int, command: Sequence[str], cwd: Path) -> tuple[float, float]:
    """The fastest wall-clock time and the least CPU time (user + system) of `runs` runs.

    CPU time is what the process itself spent: on a shared machine it moves less with the
    load than wall time does, which includes waiting for the core.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        completed = subprocess.run(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if completed.returncode not in (0, 1):
            sys.exit(f"{command[0]} failed ({completed.returncode}): {completed.stderr.decode()}")
    return min(walls), min(cpus)


def load() -> str:
    """The load averages over 1, 5 and 15 minutes, as `uptime` prints them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def best_in_process(runs: int, function: Callable[[], object]) -> float:
    """The fastest of `runs` in-process calls of `function`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def pinned(command: list[str]) -> list[str]:
    """`command` pinned to the first core with `taskset -c 0`, where taskset exists."""
    taskset = shutil.which("taskset")
    return [taskset, "-c", "0", *command] if taskset else command


def peak_rss_mb(command: Sequence[str], cwd: Path) -> float:
    """The peak resident memory of one run of `command`, in MB, measured in a fresh child."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe, *command], cwd=cwd, capture_output=True, text=True, check=True
    )
    return int(output.stdout.split()[-1]) / 1024


def chronolog_command() -> list[str]:
    """The installed `chronolog` console script next to this Python, as users run it."""
    script = Path(sys.executable).parent / "chronolog"
    if script.exists():
        return [str(script)]
    found = shutil.which("chronolog")
    if found is None:
        sys.exit("chronolog is not installed: run `pip install -e '.[dev]'` first")
    return [found]


def ensure_markdownlint() -> bool:
    """Install markdownlint-cli2 into bench/node_modules if needed; False when npm is missing."""
    if MARKDOWNLINT.exists():
        return True
    npm = shutil.which("npm")
    if npm is None:
        print("npm not found: skipping markdownlint-cli2")
        return False
    print(f"installing markdownlint-cli2@{MARKDOWNLINT_VERSION} into bench/node_modules ...")
    subprocess.run(
        [npm, "install", "--prefix", str(BENCH), f"markdownlint-cli2@{MARKDOWNLINT_VERSION}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return MARKDOWNLINT.exists()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per chronolog timing")
    parser.add_argument("--markdownlint-runs", type=int, default=3)
    parser.add_argument("--skip-markdownlint", action="store_true")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="only count the instructions of `chronolog check` at 1x to 8x with valgrind "
        "(slow, about 5 minutes, but independent of the machine's load)",
    )
    args = parser.parse_args(argv)
    if args.instructions:
        return count_instructions()

    OUT.mkdir(exist_ok=True)
    big_text = build_big_log()
    big = OUT / "big-log.md"
    big.write_text(big_text, encoding="utf-8", newline="")
    reference = OUT / "reference-log.md"
    reference.write_bytes(REFERENCE.read_bytes())
    size_mb = len(big_text.encode()) / 1e6
    print(f"big log: {big.relative_to(ROOT)} ({size_mb:.1f} MB, {big_text.count(chr(10))} lines)")

    # An installed chronolog has its bytecode; an editable one run with
    # PYTHONDONTWRITEBYTECODE=1 (as on the project's machine) would compile every module on
    # every run, which is not what a user's `chronolog check` pays.
    compileall.compile_dir(ROOT / "src" / "chronolog", quiet=1)
    chronolog = pinned(chronolog_command())
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load()} at the start"
    )
    print(f"every whole-process time is pinned to one core: {' '.join(chronolog[:3])}")
    print("whole-process times: best wall time, and in brackets the least CPU time")
    python = pinned([sys.executable])
    for label, flags in (("python -S -c pass", ["-S"]), ("python -c pass", [])):
        wall, cpu = best_of_with_cpu(args.runs * 2, [*python, *flags, "-c", "pass"], OUT)
        print(f"floor, {label + ':':<32} {wall:.3f} s ({cpu:.3f} s)")
    # What a check of the reference log imports before it does any work: the CLI, and ftfy
    # the way the mojibake rule imports it (without `ftfy.formatting`).
    imports = {
        "import chronolog.cli": "import chronolog.cli",
        "... and ftfy as mojibake does": "import chronolog.cli\n"
        "from chronolog.rules.mojibake import _ftfy\n_ftfy()",
    }
    for label, code in imports.items():
        wall, cpu = best_of_with_cpu(args.runs * 2, [*python, "-c", code], OUT)
        print(f"floor, {label + ':':<32} {wall:.3f} s ({cpu:.3f} s)")
    reference_time, reference_cpu = best_of_with_cpu(
        args.runs * 2, [*chronolog, "check", reference.name], OUT
    )
    print(
        f"chronolog check, reference log (72 kB): {reference_time:.3f} s "
        f"({reference_cpu:.3f} s) (target < 0.15 s)"
    )
    big_time, big_cpu = best_of_with_cpu(args.runs, [*chronolog, "check", big.name], OUT)
    print(f"chronolog check, big log:               {big_time:.3f} s ({big_cpu:.3f} s)")
    rss = peak_rss_mb([*chronolog, "check", big.name], OUT)
    print(f"chronolog check, big log, peak RSS:     {rss:.0f} MB (target < 150 MB)")

    if not args.skip_markdownlint and ensure_markdownlint():
        lint = pinned([str(MARKDOWNLINT), big.name])
        lint_time, lint_cpu = best_of_with_cpu(args.markdownlint_runs, lint, OUT)
        print(
            f"markdownlint-cli2 {MARKDOWNLINT_VERSION}, big log:      {lint_time:.3f} s "
            f"({lint_cpu:.3f} s)"
        )
        # chronolog again after the long markdownlint run: the best of both, side by side.
        again, again_cpu = best_of_with_cpu(args.runs, [*chronolog, "check", big.name], OUT)
        big_time, big_cpu = min(big_time, again), min(big_cpu, again_cpu)
        print(f"chronolog check, big log, best of both: {big_time:.3f} s ({big_cpu:.3f} s)")
        print(
            f"ratio: chronolog is {lint_time / big_time:.1f}x faster (target >= 40x); "
            f"in CPU time {lint_cpu / big_cpu:.1f}x"
        )

    print("growth (best of 3; 4x is the big log): in-process parse and rules, and")
    print("`chronolog check` as a whole process on one core (wall, CPU); the last column")
    print("is the whole process's CPU time over the previous row's (2.0 per doubling is linear)")
    context = Context(today=latest_current_date(dt.datetime.now(dt.UTC)))
    previous = None
    for factor in (1, 2, 4, 8):
        text = build_big_log(COPIES * factor // 4)
        sized = OUT / f"log-{factor}x.md"
        sized.write_text(text, encoding="utf-8", newline="")
        megabytes = len(text.encode()) / 1e6
        parse_time = best_in_process(3, lambda text=text: parse_log(text))
        log = parse_log(text)
        check_time = best_in_process(3, lambda log=log: check_log(log, context))
        del log
        process_time, process_cpu = best_of_with_cpu(3, [*chronolog, "check", sized.name], OUT)
        growth = f"{process_cpu / previous:.2f}x" if previous else "-"
        previous = process_cpu
        print(
            f"  {factor}x {megabytes:5.2f} MB: parse {parse_time:.3f} s "
            f"({megabytes / parse_time:.1f} MB/s), rules {check_time:.3f} s "
            f"({megabytes / check_time:.1f} MB/s), whole process {process_time:.3f} s "
            f"({process_cpu:.3f} s) {growth}"
        )
    print("one long line, per rule (growth from 0.5 MB to 1 MB; 2x is linear, 4x quadratic):")
    for label, unit in LONG_LINES.items():
        growth = []
        for size in (500_000, 1_000_000):
            line = unit * (size // len(unit))
            log = parse_log(f"## 2022-11-25\n\n{line}\n")
            growth.append(
                {
                    rule.name: best_in_process(1, partial(_run_rule, rule, log, context))
                    for rule in ALL_RULES
                }
            )
        slowest = max(growth[1], key=lambda name: growth[1][name])
        ratio = growth[1][slowest] / max(growth[0][slowest], 1e-9)
        print(
            f"  {label:<14} slowest rule {slowest}: "
            f"{growth[1][slowest]:.3f} s at 1 MB ({ratio:.1f}x)"
        )
    print(f"load average {load()} at the end")
    return 0


def count_instructions() -> int:
    """Linearity without the noise of a shared machine: the instructions `chronolog check`
    executes as a whole process (valgrind's callgrind) on the reference log and at 1x-8x."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("--instructions needs valgrind")
    OUT.mkdir(exist_ok=True)
    compileall.compile_dir(ROOT / "src" / "chronolog", quiet=1)
    (OUT / "ir-reference-log.md").write_bytes(REFERENCE.read_bytes())
    sizes = {"ir-reference-log.md": REFERENCE.stat().st_size / 1e6}
    for factor in (1, 2, 4, 8):
        text = build_big_log(COPIES * factor // 4)
        # Names of their own: a timing run may be rewriting `log-{factor}x.md` meanwhile.
        (OUT / f"ir-log-{factor}x.md").write_text(text, encoding="utf-8", newline="")
        sizes[f"ir-log-{factor}x.md"] = len(text.encode()) / 1e6
    print("instructions of `chronolog check FILE` as a whole process (valgrind --tool=callgrind);")
    print("per MB: the instructions beyond the reference log's, over the MB beyond its size")
    base: tuple[float, float] | None = None
    previous = None
    for name, megabytes in sizes.items():
        out = OUT / "ir-callgrind.out"
        subprocess.run(
            [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
             *chronolog_command(), "check", name],
            cwd=OUT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        summary = next(line for line in out.read_text().splitlines() if line.startswith("summary:"))
        out.unlink()
        millions = int(summary.split()[1]) / 1e6
        growth = f"  {millions / previous:.2f}x the previous" if previous else ""
        per_mb = ""
        if base is None:
            base = (millions, megabytes)
        else:
            per_mb = f"  {(millions - base[0]) / (megabytes - base[1]):.0f} M/MB"
        print(f"  {name:<20} {megabytes:6.2f} MB {millions:8.0f} M{per_mb}{growth}")
        previous = millions if name != "ir-reference-log.md" else None
    return 0


def _run_rule(rule: Rule, log: Log, context: Context) -> None:
    for _ in rule.check(log, context):
        pass


if __name__ == "__main__":
    sys.exit(main())
