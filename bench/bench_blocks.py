"""How to read cmark-gfm's blocks back: its HTML, its XML or its node tree, side by side.

Run from the repository root with the venv active, after `python bench/bench_check.py
--skip-markdownlint` has built bench/out/big-log.md: `python bench/bench_blocks.py`.
It prints CPU times (best of N, alternating) and asserts nothing. See docs/parser.md.
"""

from __future__ import annotations

import argparse
import ctypes
import re
import time
from collections.abc import Callable
from pathlib import Path

from cmarkgfm import _cmark, cmark

from chronolog import blocks, cmark_tree
from chronolog.parse import split_lines

BIG = Path(__file__).resolve().parent / "out" / "big-log.md"
BLOCK_TAG = re.compile(r"<(heading|paragraph|code_block|html_block|list|item|block_quote)\b")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    lines = split_lines(BIG.read_text(encoding="utf-8"))[0]
    text = "\n".join(lines)
    source = text.encode("utf-8")
    tree = cmark_tree.load_tree_api()
    assert tree is not None, "cmark-gfm's tree functions are not exported by this build"
    html = cmark.markdown_to_html_with_extensions(
        text, options=cmark_tree.CMARK_OPT_SOURCEPOS, extensions=["table"]
    )
    lib = ctypes.CDLL(_cmark.__file__)
    lib.cmark_render_xml.restype = ctypes.c_void_p
    lib.cmark_render_xml.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.free.argtypes = [ctypes.c_void_p]

    def render_xml() -> str:
        root = tree.parse(source)
        pointer = lib.cmark_render_xml(root, cmark_tree.CMARK_OPT_SOURCEPOS)
        xml = ctypes.string_at(pointer).decode("utf-8")
        lib.free(pointer)
        tree.free(root)
        return xml

    xml = render_xml()

    def read_html() -> None:
        blocks._read_html(html, lines, blocks.Blocks())

    def walk_tree() -> None:
        root = tree.parse(source)
        try:
            blocks._read_tree(tree, root, lines, blocks.Blocks())
        finally:
            tree.free(root)

    def parse_and_free() -> None:
        tree.free(tree.parse(source))

    def render_html() -> None:
        cmark.markdown_to_html_with_extensions(
            text, options=cmark_tree.CMARK_OPT_SOURCEPOS, extensions=["table"]
        )

    timed: dict[str, Callable[[], object]] = {
        "cmark: parse, render HTML, decode it": render_html,
        "  read the HTML's block tags (regex + Python per tag)": read_html,
        "cmark: parse, render XML, decode it": render_xml,
        "  regex over the XML's block elements only (no reading)": lambda: sum(
            1 for _ in BLOCK_TAG.finditer(xml)
        ),
        "cmark: parse only (tree freed)": parse_and_free,
        "cmark: parse + walk the tree's blocks with ctypes": walk_tree,
    }
    best = {name: float("inf") for name in timed}
    for _ in range(args.runs):
        for name, function in timed.items():
            start = time.process_time()
            function()
            best[name] = min(best[name], time.process_time() - start)
    print(
        f"{BIG.name}: {len(source) / 1e6:.1f} MB; HTML {len(html) / 1e6:.1f} MB, "
        f"XML {len(xml) / 1e6:.1f} MB; CPU seconds, best of {args.runs}"
    )
    for name, seconds in best.items():
        print(f"  {name:<58} {seconds:.3f} s")


if __name__ == "__main__":
    main()
