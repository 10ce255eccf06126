"""GitHub's anchors for Markdown headings and permalinks to the lines of an entry.

GitHub gives each heading of a rendered Markdown file an anchor made from the heading's
text: lowercased, every character that is not a letter, mark, number, `_`, `-` or space
dropped, each space turned into a hyphen. A repeated anchor gets `-1`, `-2`, ... in
document order, counted over every heading of the file, whatever its level.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache
from urllib.parse import quote

from markdown_it import MarkdownIt

from chronolog.model import Entry, Log


def github_anchor(heading_text: str, seen: Counter[str]) -> str:
    """The anchor of a heading whose rendered text is `heading_text`.

    `seen` counts the anchors of the headings before it in the same document and is
    updated, so call this for every heading in order.
    """
    slug = "".join(
        "-" if char == " " else char for char in heading_text.strip().lower() if _kept(char)
    )
    count = seen[slug]
    seen[slug] += 1
    return f"{slug}-{count}" if count else slug


def heading_anchors(log: Log) -> dict[int, str]:
    """The anchor of every heading of the log, by the heading's line."""
    seen: Counter[str] = Counter()
    return {
        heading.line: github_anchor(rendered_text(heading.text), seen) for heading in log.headings
    }


def entry_anchor(log: Log, entry: Entry) -> str:
    """The anchor of an entry's heading."""
    return heading_anchors(log)[entry.start_line]


def rendered_text(inline_markdown: str) -> str:
    """The text GitHub shows for a line of inline Markdown: no markup, no HTML tags.

    Link and emphasis markers go, code spans keep their content, images show nothing.
    """
    md = _inline_parser()
    tokens = md.parseInline(inline_markdown)
    parts: list[str] = []
    for token in tokens:
        for child in token.children or ():
            if child.type in ("text", "text_special", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
    return "".join(parts)


def entry_lines(log: Log, entry: Entry) -> tuple[int, int]:
    """First and last line of an entry, without the blank lines that trail it."""
    end = entry.end_line
    while end > entry.start_line and not log.line(end).strip():
        end -= 1
    return entry.start_line, end


def blob_url(host: str, repo: str, ref: str, path: str) -> str:
    """`https://HOST/owner/repo/blob/<ref>/<path>`, with the path percent-encoded."""
    return f"https://{host}/{repo}/blob/{quote(ref, safe='/')}/{quote(path, safe='/')}"


def heading_link(host: str, repo: str, branch: str, path: str, anchor: str) -> str:
    """A link to a heading of the rendered file on a branch."""
    return f"{blob_url(host, repo, branch, path)}#{quote(anchor, safe='-_')}"


def permalink(host: str, repo: str, sha: str, path: str, start_line: int, end_line: int) -> str:
    """A link to exact lines of the file at a commit; `?plain=1` shows Markdown as text."""
    lines = f"L{start_line}" if start_line == end_line else f"L{start_line}-L{end_line}"
    return f"{blob_url(host, repo, sha, path)}?plain=1#{lines}"


def _kept(char: str) -> bool:
    if char in "-_ ":
        return True
    return unicodedata.category(char)[0] in "LMN"


@cache
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("commonmark")
