"""Read the trace a benchmarked server wrote (bench/unpaced/sitecustomize.py, `--trace`)."""

from __future__ import annotations

import json
from pathlib import Path

from app_harness import percentile


def trace_report(path: str, window: tuple[float, float]) -> None:
    """Where a webhook's time went in the server, from its trace, within `window`."""
    records = [json.loads(line) for line in Path(path).read_text().splitlines()]
    inside = [r for r in records if window[0] <= r["start"] <= window[1]]

    def line(kind: str, label: str) -> None:
        took = [r["end"] - r["start"] for r in inside if r["kind"] == kind]
        if took:
            print(
                f"      {label}: {len(took)}, p50 {percentile(took, 50) * 1000:.1f} ms,"
                f" p99 {percentile(took, 99) * 1000:.1f} ms, max {max(took) * 1000:.1f} ms"
            )

    print("    in the server, during the busy rounds:")
    line("webhook", "webhook endpoint (read, verify, parse, store, answer)")
    line("intake", "  of which waiting for the inbox commit (Intake.add)")
    line("commit", "inbox commits (Store.add in a thread)")
    rows = [r["rows"] for r in inside if r["kind"] == "commit"]
    if rows:
        print(f"      deliveries per commit: mean {sum(rows) / len(rows):.1f}, max {max(rows)}")
    for generation in range(3):
        line(f"gc{generation}", f"garbage collections of generation {generation}")
    lags = [r["end"] - r["start"] - 0.005 for r in inside if r["kind"] == "lag"]
    if lags:
        print(
            "      event loop lag (a 5 ms sleep overshooting):"
            f" p50 {percentile(lags, 50) * 1000:.1f} ms,"
            f" p99 {percentile(lags, 99) * 1000:.1f} ms, max {max(lags) * 1000:.1f} ms"
        )
