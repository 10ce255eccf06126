"""Measure the Markdown parsers chronolog could use: speed on the bench log, and how often
their headings agree with GitHub's cmark-gfm on generated documents.

Run from the repository root with the dev extra installed, plus the candidates:
`pip install comrak-ext pyromark` then `python bench/bench_parsers.py [--documents N]`.
It prints figures and asserts nothing. See docs/parser.md for the decision they fed.
"""

from __future__ import annotations

import argparse
import bisect
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_check import OUT, build_big_log  # noqa: E402

from chronolog.blocks import front_matter_end  # noqa: E402
from chronolog.parse import parse_log, split_lines  # noqa: E402
from tests.gfm import documents, github_headings  # noqa: E402

Headings = list[tuple[int, int, bool]]


def _source(text: str) -> tuple[str, list[str]]:
    """The text every candidate parses: CommonMark's lines, front matter blanked."""
    lines = split_lines(text)[0]
    end = front_matter_end(lines)
    return "\n".join([""] * end + lines[end:]) + "\n", lines


def chronolog_headings(text: str) -> Headings:
    return [(h.line, h.level, h.nested) for h in parse_log(text).headings]


def markdown_it_headings(text: str) -> Headings:
    from markdown_it import MarkdownIt

    source, _ = _source(text)
    tokens = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"]).parse(source)
    depth, found = 0, []
    for token in tokens:
        if token.type in ("list_item_open", "blockquote_open"):
            depth += 1
        elif token.type in ("list_item_close", "blockquote_close"):
            depth -= 1
        elif token.type == "heading_open" and token.map:
            found.append((token.map[0] + 1, int(token.tag[1]), depth > 0))
    return found


def comrak_headings(text: str) -> Headings:
    import comrak

    source, _ = _source(text)
    extensions = comrak.ExtensionOptions(table=True)
    found: Headings = []
    stack = [(comrak.parse_document(source, extensions), 0)]
    while stack:
        node, depth = stack.pop()
        value = node.node_value
        if isinstance(value, comrak.Heading):
            found.append((node.sourcepos.start.line, value.value.level, depth > 0))
            continue
        inner = depth + isinstance(value, comrak.BlockQuote | comrak.Item)
        if isinstance(value, comrak.Document | comrak.BlockQuote | comrak.List | comrak.Item):
            stack.extend((child, inner) for child in reversed(node.children))
    return sorted(found)


def pyromark_headings(text: str) -> Headings:
    import pyromark

    source, _ = _source(text)
    data = source.encode()
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
    depth, found = 0, []
    for event, span in pyromark.events_with_range(source, options=pyromark.Options.ENABLE_TABLES):
        if not isinstance(event, dict):
            continue
        for kind, what in event.items():
            name = next(iter(what)) if isinstance(what, dict) else what
            if name in ("BlockQuote", "Item"):
                depth += 1 if kind == "Start" else -1
            elif kind == "Start" and name == "Heading":
                level = int(what["Heading"]["level"][1])
                found.append((bisect.bisect_right(starts, span["start"]), level, depth > 0))
    return found


CANDIDATES: dict[str, Callable[[str], Headings]] = {
    "chronolog (cmarkgfm)": chronolog_headings,
    "markdown-it-py": markdown_it_headings,
    "comrak-ext": comrak_headings,
    "pyromark": pyromark_headings,
}


def generated(count: int) -> list[str]:
    found: list[str] = []

    @settings(
        max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(documents())
    def collect(text: str) -> None:
        found.append(text)

    collect()
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=4000)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    big = build_big_log()
    texts = generated(args.documents)
    expected = [github_headings(text) for text in texts]
    print(f"bench log {len(big.encode()) / 1e6:.1f} MB; {len(texts)} generated documents")
    for name, headings in CANDIDATES.items():
        try:
            start = time.perf_counter()
            headings(big)
            elapsed = time.perf_counter() - start
        except ImportError:
            print(f"  {name:22} not installed")
            continue
        agree = sum(headings(text) == want for text, want in zip(texts, expected, strict=True))
        print(
            f"  {name:22} bench log {elapsed:.3f} s; headings agree with cmark-gfm on "
            f"{agree}/{len(texts)} ({100 * agree / len(texts):.2f}%)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
