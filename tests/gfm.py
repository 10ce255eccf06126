"""GitHub's rendering as the reference, and generated documents to compare with it.

`github_headings` reads the headings straight out of cmark-gfm's HTML (GitHub's parser,
with GitHub's five extensions and source positions), independently of chronolog's own
reading of it. `documents()` generates Markdown that mixes the constructs where
Markdown parsers disagree: tables, fences, indented code, HTML blocks of every start
condition, link reference definitions, lists, quotes, setext underlines, tabs, CRLF and
front matter.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from cmarkgfm import cmark
from hypothesis import strategies as st

from chronolog.model import Log

GFM_EXTENSIONS = ["table", "autolink", "tagfilter", "strikethrough", "tasklist"]
_TAG = re.compile(r'<(/?)(h[1-6]|blockquote|li)\b(?:[^>]*? data-sourcepos="(\d+):)?')
# Jekyll's front matter, as GitHub's file view takes it.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:.*?\r?\n)??(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def github_headings(text: str) -> list[tuple[int, int, bool]]:
    """(line, level, nested) of every heading GitHub renders in `text`."""
    text = text.removeprefix("\ufeff")
    front = _FRONT_MATTER.match(text)
    if front:  # metadata, not Markdown: keep its lines, blank
        text = "\n" * front.group(0).count("\n") + text[front.end() :]
    html = cmark.markdown_to_html_with_extensions(
        text, options=cmark.Options.CMARK_OPT_SOURCEPOS, extensions=GFM_EXTENSIONS
    )
    depth = 0
    headings = []
    for closing, name, line in _TAG.findall(html):
        if name in ("blockquote", "li"):
            depth += -1 if closing else 1
        elif not closing:
            headings.append((int(line), int(name[1]), depth > 0))
    return headings


def github_entries(text: str, line_count: int) -> list[tuple[int, int]]:
    """(first, last) line of every entry: top-level H2 up to the next top-level H1 or H2."""
    bounds = [
        (line, level) for line, level, nested in github_headings(text) if level <= 2 and not nested
    ]
    return [
        (line, bounds[i + 1][0] - 1 if i + 1 < len(bounds) else line_count)
        for i, (line, level) in enumerate(bounds)
        if level == 2
    ]


def chronolog_headings(log: Log) -> list[tuple[int, int, bool]]:
    return [(h.line, h.level, h.nested) for h in log.headings]


def chronolog_entries(log: Log) -> list[tuple[int, int]]:
    return [(e.start_line, e.end_line) for e in log.entries]


_WORDS = ["text", "@alice fixed it", "- rolled back", "2022-11-24", "a | b", "x"]
_HEADINGS = [
    "## 2022-11-25",
    "## 2022-11-24 (occurred 2022-11-20)",
    "# Log",
    "### Notes",
    "##no space",
    " ## 2022-11-23",
    "   ## 2022-11-22",
    "## 2022-11-21 ##",
    "##",
]
_HTML_STARTS = [
    *("<script>", "<pre>", "<style>", "<textarea>", "</script>"),  # 1
    *("<!-- comment", "<!-- c -->", "-->"),  # 2
    *("<?php", "?>"),  # 3
    *("<!DOCTYPE html>", "<!doctype html>"),  # 4
    *("<![CDATA[", "]]>"),  # 5
    *("<div>", "</div>", "<search>", "<source>", "<details>", "<table>", "<DIV class=x>"),  # 6
    *('<img src="graph.png">', "<span>", "</span>", '<a href="x">'),  # 7
]
_LINES = _WORDS + _HEADINGS
_ANY = _LINES + _HTML_STARTS


def _fence(rng: random.Random) -> list[str]:
    char, other = rng.choice([("`", "~"), ("~", "`")])
    length = rng.randint(3, 5)
    opening = rng.choice(["", " ", "   ", "\t"]) + char * length + rng.choice(["", "sh", "a`b"])
    closing = rng.choice(
        [
            [char * length],
            [char * (length + 1)],
            [char * (length - 1)],
            [other * length],
            [],
            ["    " + char * length],
        ]
    )
    return [opening, *_some(rng, _LINES, 0), *closing]


def _table(rng: random.Random) -> list[str]:
    head = rng.choice(["| a | b |", "a | b", "|a|"])
    delimiter = rng.choice(["|---|---|", "--- | ---", "|:-:|", "| - |"])
    rows = _some(rng, ["| c | d |", "c | d", "|x|", "| e |"], 0)
    return [
        head,
        delimiter,
        *rows,
        *rng.choice([[], ["---"], ["text"], ["## 2022-11-24"], ["==="]]),
    ]


def _prefixed(rng: random.Random, markers: list[str], lines: list[str]) -> list[str]:
    return [rng.choice(markers) + line for line in _some(rng, lines, 1)]


def _some(rng: random.Random, choices: list[str], least: int) -> list[str]:
    return [rng.choice(choices) for _ in range(rng.randint(least, 3))]


_BUILDERS: list[Callable[[random.Random], list[str]]] = [
    lambda rng: [rng.choice(_HEADINGS)],
    _table,
    _fence,
    lambda rng: _prefixed(rng, ["    ", "\t", "  \t", "     "], _LINES),  # indented code
    lambda rng: [
        rng.choice(["", " ", "   ", "    "]) + rng.choice(_HTML_STARTS),
        *_some(rng, _ANY, 0),
    ],
    lambda rng: _some(rng, ["[a]: /url", '[b]: <u> "t"', "[c]:", "  /u", "[d]: /u 'x"], 1),
    lambda rng: _prefixed(
        rng, ["- ", "* ", "+ ", "1. ", "2) ", "-\t", "  - ", "    - ", "-"], _ANY
    ),
    lambda rng: _prefixed(rng, ["> ", ">", "> > ", ">\t", "> - ", ""], _ANY),
    lambda rng: [rng.choice(["===", "---", "--", " - - -", "***", "___", "= =", "-"])],
    lambda rng: [rng.choice(_WORDS)],
    lambda rng: [rng.choice(_WORDS), rng.choice(["===", "---", "  ---", "----  "])],  # setext
]


def _variants(count: int) -> list[tuple[str, ...]]:
    """A fixed sample of blocks (so Hypothesis draws one value per block: fast, and shrinkable)."""
    rng = random.Random(8)
    variants = []
    for _ in range(count):
        block = rng.choice(_BUILDERS)(rng)
        variants.append(tuple([*block, ""] if rng.random() < 0.5 else block))
    return sorted(set(variants), key=lambda block: (len(block), block))


_BLOCKS = st.sampled_from(_variants(3000))
_FRONT = st.sampled_from(
    [
        (),
        ("---", "title: Log", "---"),
        ("---", "## 2022-11-25", "..."),
        ("---", "a: 1", "--- "),
        ("---", "a: 1", "----"),
        ("---", "---"),
    ]
)


def _document(
    front: tuple[str, ...], blocks: list[tuple[str, ...]], newline: str, end: bool
) -> str:
    lines = [*front, *(line for block in blocks for line in block)]
    return newline.join(lines) + (newline if end else "")


def documents() -> st.SearchStrategy[str]:
    """A Markdown document built from the blocks logs contain and parsers disagree on."""
    return st.builds(
        _document,
        _FRONT,
        st.lists(_BLOCKS, min_size=1, max_size=12),
        st.sampled_from(["\n", "\n", "\n", "\r\n"]),
        st.booleans(),
    )
