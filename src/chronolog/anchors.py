"""GitHub's anchors for Markdown headings and permalinks to the lines of an entry.

GitHub gives each heading of a rendered Markdown file an anchor made from the heading's
rendered text (link text only, code span contents kept, markup and HTML tags dropped),
as github-slugger reproduces it: lowercased, the characters of the dropped Unicode
classes below removed, each space turned into a hyphen. A repeated anchor gets `-1`,
`-2`, ... in document order, counted over every heading of the file whatever its level,
and never reuses an anchor an earlier heading has: `echo`, `echo`, `echo 1` give `echo`,
`echo-1`, `echo-1-1`.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from chronolog.inline import inline_view, rendered_text
from chronolog.model import Entry, Log

# General categories a GitHub anchor drops: other numbers (`²`, `①`), all punctuation
# but connectors (`_`), symbols, controls, format characters, private use, unassigned
# code points and separators. Letters, marks, decimal and letter numbers stay.
DROPPED_CATEGORIES = frozenset(
    {"No", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"}
    | {"Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp"}
)
# Unicode's Alphabetic property, which `unicodedata` does not expose, adds to the kept
# classes the symbols that are circled or squared Latin letters (Ⓐ, ⓐ, 🄰, 🅐, 🅰).
_ALPHABETIC_SYMBOL = re.compile(
    r"(?:CIRCLED LATIN (?:CAPITAL|SMALL)|(?:NEGATIVE )?(?:CIRCLED|SQUARED) LATIN CAPITAL)"
    r" LETTER [A-Z]"
)


class _AnchorTable(dict[int, str | None]):
    """`str.translate` table: a dropped code point maps to None, a space to `-`.

    Filled on first sight of each code point, from `unicodedata`.
    """

    def __missing__(self, code_point: int) -> str | None:
        char = chr(code_point)
        kept: str | None = char
        if char == " ":
            kept = "-"
        elif char != "-" and unicodedata.category(char) in DROPPED_CATEGORIES:
            alphabetic = _ALPHABETIC_SYMBOL.fullmatch(unicodedata.name(char, ""))
            kept = char if alphabetic else None
        self[code_point] = kept
        return kept


_TABLE = _AnchorTable()


def slug(rendered: str) -> str:
    """The anchor of a heading whose rendered text is `rendered`, before de-duplication."""
    return rendered.lower().translate(_TABLE)


def github_anchor(rendered: str, seen: dict[str, int]) -> str:
    """The anchor of the next heading of a document, whose rendered text is `rendered`.

    `seen` holds the anchors given so far in the document (with a counter per base
    anchor) and is updated: start with an empty dict and call this for every heading in
    order. A number is added until the anchor is one no heading has yet.
    """
    base = slug(rendered)
    anchor = base
    while anchor in seen:
        seen[base] += 1
        anchor = f"{base}-{seen[base]}"
    seen[anchor] = 0
    return anchor


def heading_anchors(log: Log) -> dict[int, str]:
    """The anchor of every heading of the log, by the heading's line."""
    # Only a full reference link (`[text][label]`) renders differently when its label
    # is defined, and definitions may sit anywhere in the file.
    needs_definitions = any("][" in heading.text for heading in log.headings)
    definitions = inline_view(log).definitions if needs_definitions else {}
    seen: dict[str, int] = {}
    return {
        heading.line: github_anchor(rendered_text(heading.text, definitions), seen)
        for heading in log.headings
    }


def entry_anchor(log: Log, entry: Entry) -> str:
    """The anchor of an entry's heading."""
    return heading_anchors(log)[entry.start_line]


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
