"""cmark-gfm's node tree, reached through the C library the `cmarkgfm` package ships.

`cmarkgfm`'s Python API renders HTML only, but its extension module is cmark-gfm itself
and exports the library's C functions. Loading that same file with `ctypes` lets us parse
once and walk only the blocks chronolog needs, instead of rendering 9 MB of HTML and
reading it back (docs/parser.md has the figures). `ctypes` is used rather than `cffi`
because declaring functions with `cffi` parses C at start-up (about 0.12 s).

`load_tree_api()` returns None where the symbols are not exported (a build that hides
them); the caller then reads the HTML as before.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

# cmark-gfm 0.29's `cmark_node_type` values for core blocks (cmark-gfm.h). Extension
# blocks (the table) get a number at run time and are none of these.
DOCUMENT = 0x8001
BLOCK_QUOTE = 0x8002
LIST = 0x8003
ITEM = 0x8004
CODE_BLOCK = 0x8005
HTML_BLOCK = 0x8006
PARAGRAPH = 0x8008
HEADING = 0x8009
CMARK_OPT_SOURCEPOS = 1 << 1

_Pointer = ctypes.c_void_p
_Int = ctypes.c_int


@dataclass(frozen=True)
class TreeApi:
    """The C functions of cmark-gfm that parse a document and walk its blocks."""

    parse: Callable[[bytes], Any]  # the document node; free it with `free`
    free: Callable[[Any], None]
    first_child: Callable[[Any], Any]  # None when there is none
    next: Callable[[Any], Any]
    type: Callable[[Any], int]
    start_line: Callable[[Any], int]
    start_column: Callable[[Any], int]
    end_line: Callable[[Any], int]
    heading_level: Callable[[Any], int]
    list_tight: Callable[[Any], int]


@cache
def load_tree_api() -> TreeApi | None:
    """cmark-gfm's tree functions from `cmarkgfm`'s extension module, or None if hidden."""
    from cmarkgfm import _cmark

    try:
        # The parser runs without the GIL (a 7 MB log takes 0.05 s); the node getters are
        # field reads, called about 150,000 times for such a log, and keeping the GIL
        # (`PyDLL`) spares each call releasing and taking it again: 13% fewer instructions.
        lib, getters = ctypes.CDLL(_cmark.__file__), ctypes.PyDLL(_cmark.__file__)
        functions = {
            name: _declare(getters if name in _GETTERS else lib, name, *rest)
            for name, *rest in _SIGNATURES
        }
    except (OSError, AttributeError):
        return None
    functions["cmark_gfm_core_extensions_ensure_registered"]()
    table = functions["cmark_find_syntax_extension"](b"table")
    if not table:
        return None

    def parse(source: bytes) -> Any:
        parser = functions["cmark_parser_new"](CMARK_OPT_SOURCEPOS)
        try:
            functions["cmark_parser_attach_syntax_extension"](parser, table)
            functions["cmark_parser_feed"](parser, source, len(source))
            return functions["cmark_parser_finish"](parser)
        finally:
            functions["cmark_parser_free"](parser)

    return TreeApi(
        parse=parse,
        free=functions["cmark_node_free"],
        first_child=functions["cmark_node_first_child"],
        next=functions["cmark_node_next"],
        type=functions["cmark_node_get_type"],
        start_line=functions["cmark_node_get_start_line"],
        start_column=functions["cmark_node_get_start_column"],
        end_line=functions["cmark_node_get_end_line"],
        heading_level=functions["cmark_node_get_heading_level"],
        list_tight=functions["cmark_node_get_list_tight"],
    )


_SIGNATURES: tuple[tuple[Any, ...], ...] = (
    ("cmark_gfm_core_extensions_ensure_registered", None),
    ("cmark_find_syntax_extension", _Pointer, ctypes.c_char_p),
    ("cmark_parser_new", _Pointer, _Int),
    ("cmark_parser_attach_syntax_extension", _Int, _Pointer, _Pointer),
    ("cmark_parser_feed", None, _Pointer, ctypes.c_char_p, ctypes.c_size_t),
    ("cmark_parser_finish", _Pointer, _Pointer),
    ("cmark_parser_free", None, _Pointer),
    ("cmark_node_free", None, _Pointer),
    ("cmark_node_first_child", _Pointer, _Pointer),
    ("cmark_node_next", _Pointer, _Pointer),
    ("cmark_node_get_type", _Int, _Pointer),
    ("cmark_node_get_start_line", _Int, _Pointer),
    ("cmark_node_get_start_column", _Int, _Pointer),
    ("cmark_node_get_end_line", _Int, _Pointer),
    ("cmark_node_get_heading_level", _Int, _Pointer),
    ("cmark_node_get_list_tight", _Int, _Pointer),
)


_GETTERS = frozenset(name for name, *_ in _SIGNATURES if name.startswith("cmark_node_")) - {
    "cmark_node_free"
}


def _declare(lib: ctypes.CDLL, name: str, result: Any, *arguments: Any) -> Any:
    function = getattr(lib, name)
    function.restype = result
    function.argtypes = list(arguments)
    return function
