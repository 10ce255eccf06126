"""GitHub's view of a Markdown file's blocks, from GitHub's own parser.

GitHub renders repository Markdown with cmark-gfm. We run the same C library (the
`cmarkgfm` binding, which bundles cmark-gfm 0.29.0.gfm.13) with source positions and walk
the blocks of its node tree (`chronolog.cmark_tree`). Where a build does not export the
tree functions, the same blocks are read back from the HTML it writes:
`data-sourcepos="L:C-L:C"` is on every heading, paragraph, code block, thematic break,
table, list, list item and block quote. Raw HTML is never passed through (no
`CMARK_OPT_UNSAFE`), so every `<` in that output is one cmark wrote; an HTML block shows as
`<!-- raw HTML omitted -->` between its siblings and, having no position there, is placed
on the non-blank lines of that gap. The tree walk places it the same way, so that both
readings give the same blocks (the differential test checks it).

YAML front matter at the top of a file (a `---` line, YAML, a `---` or `...` line) is
metadata on GitHub, shown as a table: it is blanked out before cmark sees it.

Why this and not a Markdown library in Python or Rust: see docs/parser.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chronolog import cmark_tree
from chronolog.model import Heading

# Only `table` changes the block structure; autolink, strikethrough, tasklist and
# tagfilter (GitHub's other four) act on inlines or on the rendering, and cost time.
_EXTENSIONS = ("table",)
_OPTIONS = cmark_tree.CMARK_OPT_SOURCEPOS
_TAG = re.compile(
    r'<(h[1-6]|p|pre|hr|table|blockquote|li|ul|ol)\b[^>]*? data-sourcepos="(\d+):(\d+)-(\d+):\d+"'
    r"|</(p|h[1-6]|table|blockquote|li|ul|ol)>"
    r"|<!-- raw HTML omitted -->"
)
_LEAVES_WITH_INLINES = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table"})
_CONTAINERS = frozenset({"blockquote", "li", "ul", "ol"})
_FRONT_MATTER_END = frozenset({"---", "..."})
_ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_ATX_OPENING = re.compile(r"#{1,6}(?=[ \t]|$)")
_SETEXT_UNDERLINE = {
    "=": re.compile(r"[ \t>]*=+[ \t]*$"),
    "-": re.compile(r"[ \t>]*-+[ \t]*$"),
}


@dataclass
class _Container:
    """An open document, block quote, list or list item while its output is read."""

    kind: str
    end: int  # its last line
    last_end: int  # the last line of its latest child with a position
    html_pending: bool = False  # an HTML block came after that child
    tight: bool = False  # a tight list: its items' paragraphs have no `<p>`


@dataclass
class Blocks:
    """What a `Log` needs of the block structure; lines are 1-based."""

    headings: list[Heading] = field(default_factory=list)
    code_lines: set[int] = field(default_factory=set)  # code blocks, HTML blocks, front matter
    paragraph_starts: list[int] = field(default_factory=list)
    front_matter_end: int = 0  # the last line of the front matter; 0 when there is none


def front_matter_end(lines: list[str]) -> int:
    """The line that closes YAML front matter opening the file, or 0 when there is none."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in _FRONT_MATTER_END:
            return number
    return 0


def scan_blocks(lines: list[str], *, via_html: bool = False) -> Blocks:
    """The headings, code and HTML lines and paragraph starts of a file, as GitHub sees them.

    They are read from cmark's node tree, or from its HTML where the library's tree
    functions are not exported (or with `via_html`, which the differential test uses to
    check that both readings agree).
    """
    blocks = Blocks(front_matter_end=front_matter_end(lines))
    source = lines
    if blocks.front_matter_end:
        source = [""] * blocks.front_matter_end + lines[blocks.front_matter_end :]
        blocks.code_lines.update(range(1, blocks.front_matter_end + 1))
    text = "\n".join(source)
    tree = None if via_html else cmark_tree.load_tree_api()
    if tree is None:
        from cmarkgfm import cmark

        html = cmark.markdown_to_html_with_extensions(
            text, options=_OPTIONS, extensions=list(_EXTENSIONS)
        )
        _read_html(html, lines, blocks)
        return blocks
    root = tree.parse(text.encode("utf-8"))
    try:
        _read_tree(tree, root, lines, blocks)
    finally:
        tree.free(root)
    return blocks


_CONTAINER_KINDS = {
    cmark_tree.BLOCK_QUOTE: "blockquote",
    cmark_tree.LIST: "list",
    cmark_tree.ITEM: "li",
}


def _read_tree(tree: cmark_tree.TreeApi, root: object, lines: list[str], blocks: Blocks) -> None:
    """Walk the blocks of cmark's tree, filling `blocks` exactly as `_read_html` would.

    Only containers are entered; a leaf's inline children are never visited. What the
    HTML shows without a position is skipped here too: an HTML block (placed on its gap
    by `_close_gap`) and a paragraph of a tight list item (no `<p>`). Each C call costs
    about half a microsecond, so a node gets only the calls its kind needs.
    """
    first_child, following, node_type = tree.first_child, tree.next, tree.type
    start_line, end_line = tree.start_line, tree.end_line
    paragraph, html_block, code_block, heading_type, item, list_type = (
        cmark_tree.PARAGRAPH,
        cmark_tree.HTML_BLOCK,
        cmark_tree.CODE_BLOCK,
        cmark_tree.HEADING,
        cmark_tree.ITEM,
        cmark_tree.LIST,
    )
    paragraph_starts, code_lines = blocks.paragraph_starts, blocks.code_lines
    document = _Container("document", len(lines), 0)
    # Each frame: the next node to read, its container, the container's parent, the
    # number of open block quotes and list items, and whether a paragraph there has a `<p>`.
    frames: list[tuple[object, _Container, _Container | None, int, bool]] = [
        (first_child(root), document, None, 0, True)
    ]
    while frames:
        node, container, parent, nesting, positioned = frames.pop()
        while node:
            kind = node_type(node)
            if kind == paragraph:
                if positioned:
                    first = start_line(node)
                    if container.html_pending:
                        _close_gap(container, first - 1, lines, blocks)
                    paragraph_starts.append(first)
                    container.last_end = end_line(node)
                node = following(node)
                continue
            if kind == html_block:
                container.html_pending = container.html_pending or container.kind != "li"
                node = following(node)
                continue
            first = start_line(node)
            if container.html_pending:
                _close_gap(container, first - 1, lines, blocks)
            name = _CONTAINER_KINDS.get(kind)
            if name is not None:
                last = end_line(node)
                frames.append((following(node), container, parent, nesting, positioned))
                tight = kind == list_type and bool(tree.list_tight(node))
                child = _Container(name, last, first - 1, tight=tight)
                inner = nesting + (kind != list_type)
                item_paragraphs = not (kind == item and container.tight)
                frames.append((first_child(node), child, container, inner, item_paragraphs))
                break
            if kind == heading_type:
                level, column = tree.heading_level(node), tree.start_column(node)
                heading = _heading(lines, level, first, column, end_line(node), nesting)
                container.last_end = heading.end_line
                blocks.headings.append(heading)
            else:
                # Sibling blocks come in order, so the latest one ends last.
                container.last_end = end_line(node)
                if kind == code_block:
                    code_lines.update(range(first, container.last_end + 1))
            node = following(node)
        else:
            _close_gap(container, container.end, lines, blocks)
            if parent is not None:
                parent.last_end = container.end


def _read_html(html: str, lines: list[str], blocks: Blocks) -> None:
    """Walk the tags of cmark's output once, filling `blocks`."""
    stack = [_Container("document", len(lines), 0)]
    in_leaf = ""  # the leaf whose inline content is being read ("" between blocks)
    nesting = 0  # open block quotes and list items
    for match in _TAG.finditer(html):
        name, start, column, end, closing = match.groups()
        if closing:
            if closing == in_leaf:
                in_leaf = ""
            elif closing in _CONTAINERS and not in_leaf:
                done = stack.pop()
                _close_gap(done, done.end, lines, blocks)
                stack[-1].last_end = max(stack[-1].last_end, done.end)
                nesting -= closing in ("blockquote", "li")
            continue
        if in_leaf:
            continue  # inline HTML, or a table's rows and cells
        parent = stack[-1]
        if name is None:
            # An HTML block. In a tight list item a paragraph has no tag of its own, so
            # an omitted inline tag cannot be told from a block there: it is left alone.
            parent.html_pending = parent.html_pending or parent.kind != "li"
            continue
        first, last = int(start), int(end)
        _close_gap(parent, first - 1, lines, blocks)
        if name in _CONTAINERS:
            stack.append(_Container(name, last, first - 1))
            nesting += name in ("blockquote", "li")
            continue
        parent.last_end = max(parent.last_end, last)
        if name in _LEAVES_WITH_INLINES:
            in_leaf = name
        if name == "p":
            blocks.paragraph_starts.append(first)
        elif name == "pre":
            blocks.code_lines.update(range(first, last + 1))
        elif name[0] == "h" and name != "hr":
            heading = _heading(lines, int(name[1]), first, int(column), last, nesting)
            parent.last_end = heading.end_line
            blocks.headings.append(heading)
    _close_gap(stack[0], len(lines), lines, blocks)


def _close_gap(container: _Container, before: int, lines: list[str], blocks: Blocks) -> None:
    """Put a pending HTML block on the non-blank lines after the container's last child."""
    if container.html_pending:
        blocks.code_lines.update(
            number
            for number in range(container.last_end + 1, before + 1)
            if lines[number - 1].strip(" \t>")
        )
        container.html_pending = False


def _heading(
    lines: list[str], level: int, first: int, column: int, last: int, nesting: int
) -> Heading:
    """A heading from its position: ATX on one line, setext down to its underline."""
    source = lines[first - 1]
    if source.isascii() and "\0" not in source:
        text = source[column - 1 :]  # a byte per character
    else:
        # Columns count bytes, and cmark reads a NUL as U+FFFD.
        line = source.replace("\0", "\ufffd").encode("utf-8")[column - 1 :]
        text = line.decode("utf-8", "replace")
    opening = _ATX_OPENING.match(text)
    if opening:
        return Heading(
            first,
            first,
            level,
            _ATX_CLOSING.sub("", text[opening.end() :]).strip(),
            nested=nesting > 0,
        )
    # cmark-gfm 0.29 ends a setext heading's position on the line after its underline.
    underline = _SETEXT_UNDERLINE["=" if level == 1 else "-"]
    end = next((n for n in range(first + 1, last + 1) if underline.match(lines[n - 1])), last)
    prefix = " \t>" if nesting else " \t"
    following = (lines[n - 1].lstrip(prefix) for n in range(first + 1, end))
    text = "\n".join([text, *following])
    return Heading(first, end, level, text.strip(), setext=True, nested=nesting > 0)
