"""The searchable texts of inline Markdown, for the reference finder (`references.py`).

A paragraph's inline Markdown becomes runs of prose, link texts and link targets, as
markdown-it reads it: code spans, raw HTML and images end a run, and their content is not
searched. Most log paragraphs are read in one pass (`simple_texts`); the rest by
markdown-it's inline tokenizer (`token_texts`), which gives the same result wherever the
one pass answers (tests/test_shortcuts.py).
"""

from __future__ import annotations

import re
from enum import Enum

from markdown_it.common.normalize_url import validateLink
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token

from chronolog.inline import INLINE_MARKUP, Definitions, inline_tokens


class TextKind(Enum):
    PROSE = "prose"
    LINK_TEXT = "link text"
    HREF = "href"


def searchable_texts(markdown: str, definitions: Definitions) -> list[tuple[str, TextKind]]:
    """The searchable texts of inline Markdown: runs of prose, link texts and link targets.

    Code spans, raw HTML and images end a run, so nothing spans across them.
    """
    if INLINE_MARKUP.search(markdown) is None:
        return [(markdown, TextKind.PROSE)]  # renders as itself
    simple = simple_texts(markdown)
    return token_texts(markdown, definitions) if simple is None else simple


def token_texts(markdown: str, definitions: Definitions) -> list[tuple[str, TextKind]]:
    """`searchable_texts` from markdown-it's inline tokens."""
    texts: list[tuple[str, TextKind]] = []
    run: list[str] = []
    link_depth = 0
    child: Token
    for child in inline_tokens(markdown, definitions):
        kind = child.type
        if kind in _TEXT_TOKENS:
            run.append(child.content)
        elif kind in _BREAK_TOKENS:
            run.append("\n")
        elif kind in _RUN_ENDS:
            if run:
                texts.append(("".join(run), TextKind.LINK_TEXT if link_depth else TextKind.PROSE))
                run.clear()
            if kind == "link_open":
                link_depth += 1
                texts.append((str(child.attrs.get("href", "")), TextKind.HREF))
            elif kind == "link_close":
                link_depth -= 1
    if run:
        texts.append(("".join(run), TextKind.LINK_TEXT if link_depth else TextKind.PROSE))
    return texts


# What the one-pass reading (`simple_texts`) looks for.
_BACKTICKS = re.compile(r"`+")
_LABEL_STOP = re.compile(r"[\[\]`<\\&*_]")
# A link target without spaces, parentheses, angle brackets, quotes or escapes.
_DESTINATION = re.compile(r"\(([^\x00-\x20\x7f()<>`\\\"']+)\)")
_SPACE_AT_BREAK = re.compile(r"[ \t]\n|\n[ \t]")
# What markdown-it's entity rule takes (known names or not: the tokenizer decides).
_ENTITY = re.compile(r"&(?:#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,7})|[A-Za-z][A-Za-z0-9]{1,31});")


def simple_texts(markdown: str) -> list[tuple[str, TextKind]] | None:
    """What `token_texts` finds, for the inline Markdown most log paragraphs are made of,
    read in one pass; None when the tokenizer must decide.

    markdown-it's tokenizer, which reads a link's text twice, took half the time of
    `chronolog report`. This reads as it does, left to right: a run of backticks opens a
    code span if a run of the same length follows, else it is text; a `[` opens a link
    whose text holds only text and code spans and whose target is a plain URL (`(url)`);
    an `&` that starts no entity and a `_` inside a word are text. Anything else
    (emphasis, HTML, escapes, entities, images, titles, reference links) is left to the
    tokenizer. tests/test_shortcuts.py checks it against the tokenizer.
    """
    if _SPACE_AT_BREAK.search(markdown):
        return None  # the tokenizer drops spaces around a line break (setext headings)
    texts: list[tuple[str, TextKind]] = []
    run_start = scan = 0
    while (markup := INLINE_MARKUP.search(markdown, scan)) is not None:
        start = markup.start()
        if markdown[start] == "`":
            scan, code = _code_span(markdown, start)
            if code:
                _add_text(texts, markdown[run_start:start], TextKind.PROSE)
                run_start = scan
        elif markdown[start] == "[":
            link = _simple_link(markdown, start)
            if link is None:
                return None
            href, label, scan = link
            _add_text(texts, markdown[run_start:start], TextKind.PROSE)
            texts.append((href, TextKind.HREF))
            for piece in label:
                _add_text(texts, piece, TextKind.LINK_TEXT)
            run_start = scan
        else:
            literal_end = _literal(markdown, start)
            if literal_end is None:
                return None
            scan = literal_end
    _add_text(texts, markdown[run_start:], TextKind.PROSE)
    return texts


def _add_text(texts: list[tuple[str, TextKind]], text: str, where: TextKind) -> None:
    if text:
        texts.append((text, where))


def _code_span(markdown: str, start: int) -> tuple[int, bool]:
    """TextKind the backticks at `start` end, and whether they open a code span (a run of
    the same length follows: then its end)."""
    opener = _BACKTICKS.match(markdown, start)
    assert opener is not None
    for closer in _BACKTICKS.finditer(markdown, opener.end()):
        if len(closer[0]) == len(opener[0]):
            return closer.end(), True
    return opener.end(), False


def _literal(markdown: str, start: int) -> int | None:
    """The end of the markup character at `start` when it is plain text: an `&` that
    starts no entity, or a run of `_` between letters or digits (which can neither open
    nor close emphasis); None otherwise."""
    char = markdown[start]
    if char == "&":
        return None if _ENTITY.match(markdown, start) else start + 1
    if char == "_":
        end = start
        while end < len(markdown) and markdown[end] == "_":
            end += 1
        if start and markdown[start - 1].isalnum() and markdown[end : end + 1].isalnum():
            return end
    return None


def _simple_link(markdown: str, start: int) -> tuple[str, list[str], int] | None:
    """The link opening at `start`, when its text has only text and code spans and its
    target is a plain URL: its href, its text split at the code spans, and its end."""
    if markdown[start - 1 : start] == "!":
        return None  # an image
    label: list[str] = []
    piece_start = scan = start + 1
    while True:
        stop = _LABEL_STOP.search(markdown, scan)
        if stop is None:
            return None
        at = stop.start()
        if markdown[at] == "]":
            break
        if markdown[at] == "`":
            scan, code = _code_span(markdown, at)
            if code:
                label.append(markdown[piece_start:at])
                piece_start = scan
        else:
            literal_end = _literal(markdown, at)
            if literal_end is None:
                return None
            scan = literal_end
    label.append(markdown[piece_start:at])
    destination = _DESTINATION.match(markdown, at + 1)
    if destination is None:
        return None
    href = unescapeAll(destination[1])
    if not validateLink(href):
        return None
    return href, label, destination.end()


_TEXT_TOKENS = frozenset({"text", "text_special"})
_BREAK_TOKENS = frozenset({"softbreak", "hardbreak"})
_RUN_ENDS = frozenset({"link_open", "link_close", "code_inline", "html_inline", "image"})
