"""The report's speed-ups read what the slower code they replace reads (property tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chronolog.inline import _CONTAINER, _CONTAINER_START
from chronolog.inline_texts import TextKind, simple_texts, token_texts
from chronolog.references import (
    _ANY_URL,
    Reference,
    _add_url_reference,
    _issue_url_pattern,
    _references_in,
)

# Pieces of URLs, references and what sits around them; `\u212a` (Kelvin) and `\u017f`
# (long s) match `k` and `s` under `(?i)`, `\u0663` is a digit to `\d`.
URL_PIECES = [
    "https://",
    "HTTP://",
    "git+ssh://",
    "www.",
    "WWW.",
    "github.com/",
    "o/r/issues/",
    "o/r/pull/",
    "12",
    "#",
    "#5",
    "gh-",
    "GH-7",
    "o/r#3",
    "?next=",
    "_",
    ".",
    "-",
    "/",
    " ",
    "\n",
    "\t",
    "x",
    "\u212a",
    "\u017f",
    "\u0663",
    "é",
]


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(URL_PIECES), max_size=16).map("".join),
    st.sampled_from([TextKind.PROSE, TextKind.LINK_TEXT]),
)
def test_one_pass_over_the_urls_finds_what_finditer_then_sub_found(
    text: str, where: TextKind
) -> None:
    # What `_references_in` did before: the URL references, then the `#N` and `GH-N` of
    # the text with every URL blanked out by `re.sub`.
    url = _issue_url_pattern("github.com")
    expected: list[Reference] = []
    for any_url in _ANY_URL.finditer(text):
        if (match := url.match(any_url[0])) is not None:
            _add_url_reference(expected, match)
    blanked = _ANY_URL.sub(lambda m: " " * len(m[0]), text)
    expected += _references_in(blanked, url, "own", "repo", where)
    found = list(_references_in(text, url, "own", "repo", where))
    assert [(str(ref), ref.kind) for ref in found] == [(str(ref), ref.kind) for ref in expected]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), min_size=1, max_size=12))
def test_a_line_not_starting_with_a_container_character_has_no_container_prefix(
    line: str,
) -> None:
    # `inline_view` skips `_CONTAINER` for such lines: it would match nothing.
    match = _CONTAINER.match(line)
    assert match is not None
    if line[0] not in _CONTAINER_START:
        assert (match.end(), match["quotes"], match["item"]) == (0, "", None)


def test_the_container_pattern_reads_any_unicode_digit_as_a_list_number() -> None:
    # Why `inline_view` leaves lines starting with a non-ASCII character to the pattern.
    match = _CONTAINER.match("\u0663. item")
    assert match is not None
    assert match["item"] == "\u0663."


def test_a_line_starting_with_a_unicode_digit_and_a_dot_starts_a_list_item_run() -> None:
    from chronolog.inline import inline_view
    from chronolog.parse import parse_log

    log = parse_log("# Log\n\n## 2022-01-01\n\n@a did it\n\u0663. then #5\nand more\n")
    assert [(prose.line, prose.text) for prose in inline_view(log).prose] == [
        (1, "Log"),
        (3, "2022-01-01"),
        (5, "@a did it"),
        (6, "then #5\nand more"),
    ]


INLINE_PIECES = ["[", "]", "(", ")", "!", "x", " ", "`", "<", ">", "*", "\\", ":", "\n", "#5"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(INLINE_PIECES), max_size=20).map("".join))
def test_no_definitions_and_empty_definitions_give_the_same_inline_tokens(text: str) -> None:
    from markdown_it.token import Token

    from chronolog.inline import _parser, inline_tokens

    md = _parser()
    tokens: list[Token] = []
    md.inline.parse(text, md, {"references": {}}, tokens)
    assert [token.as_dict() for token in inline_tokens(text, {})] == [
        token.as_dict() for token in tokens
    ]


# What the one-pass reading of code spans and simple links meets in logs, and what must
# send it back to the tokenizer.
LINK_PIECES = [
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "](https://github.com/o/r/pull/5)",
    "](javascript:x)",
    "](a b)",
    "`",
    "``",
    "x",
    " ",
    "\n",
    "#5",
    "_",
    "*",
    "<",
    ">",
    "&amp;",
    "\\",
    '"',
    "é",
    "\t",
    " \n",
]
# Whole links and code spans, so that most texts take the one-pass reading.
LOG_PIECES = [
    "[",
    "]",
    "(",
    ")",
    "!",
    "](",
    "[fix](https://github.com/o/r/pull/5)",
    "[#5](https://github.com/o/r/issues/5?a_b=c*d)",
    "[x](javascript:y)",
    "[two\nlines](u)",
    "[a `b](c)` d](e)",
    "[`x` y](https://github.com/o/r/pull/8&amp;z)",
    "[a_b](u)",
    "a_b",
    "_c",
    "&x",
    "&amp;",
    "&#35;",
    "[X]",
    "[X][]",
    "(https://github.com/o/r/issues/6)",
    "`",
    "``",
    "`code_ [a](b)`",
    "x",
    " ",
    "\n",
    "\t",
    "#5",
]
DEFINITIONS = {"X": {"href": "https://github.com/o/r/issues/9", "title": ""}}


@settings(max_examples=6000, deadline=None)
@given(
    st.one_of(
        # Any markup, mostly sending the text to the tokenizer ...
        st.lists(st.sampled_from(LINK_PIECES), max_size=24).map("".join),
        # ... and texts made of whole links and code spans, mostly read in one pass.
        st.lists(st.sampled_from(LOG_PIECES), max_size=16).map("".join),
    ),
    st.sampled_from([{}, DEFINITIONS]),
)
def test_code_spans_and_simple_links_are_read_as_the_tokenizer_reads_them(
    text: str, definitions: dict[str, dict[str, str]]
) -> None:
    simple = simple_texts(text)
    if simple is not None:
        assert simple == token_texts(text, definitions)


def test_the_one_pass_reading_takes_the_links_and_code_spans_of_a_log_line() -> None:
    text = "Merged [the fix](https://github.com/o/r/pull/5) (`#6` is `` a ` b ``) for #7"
    assert simple_texts(text) == [
        ("Merged ", TextKind.PROSE),
        ("https://github.com/o/r/pull/5", TextKind.HREF),
        ("the fix", TextKind.LINK_TEXT),
        (" (", TextKind.PROSE),
        (" is ", TextKind.PROSE),
        (") for #7", TextKind.PROSE),
    ]
    assert simple_texts("see [the `conf` package](https://x/y?a=1&b=2) & snake_case") == [
        ("see ", TextKind.PROSE),
        ("https://x/y?a=1&b=2", TextKind.HREF),
        ("the ", TextKind.LINK_TEXT),
        (" package", TextKind.LINK_TEXT),
        (" & snake_case", TextKind.PROSE),
    ]
    assert simple_texts("an ![image](https://x/y.png)") is None
    assert simple_texts("a `lone backtick and [a](b c)") is None
    assert simple_texts("_emphasis_ or &#35;5") is None
    # A setext heading's lines keep their spaces; the tokenizer drops those at a break.
    assert simple_texts("[v1](https://x/y) ships  \n#5 and `x`") is None
