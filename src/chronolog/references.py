"""Find the GitHub issues and pull requests each log entry refers to.

What counts, in an entry's paragraphs, list items, block quotes and headings:

- a link or bare URL to an issue or pull request on the log repository's web host
  (`https://HOST/o/r/issues/1`, `https://HOST/o/r/pull/2`, with any tail such as
  `#issuecomment-...`, `/files` or `/commits/<sha>`);
- `owner/repo#N`;
- `#N` and `GH-N`, which mean the log's own repository, as GitHub reads them.

What does not: anything in code spans, fenced or indented code and raw HTML; the
preamble before the first entry and text under an H1 after it; and `#N` / `GH-N` used as
the text of a link (`[#3248](https://github.com/o/other/pull/3248)` names the link's
target, not issue 3248 of the log's repository), and link targets that are not URLs
(`[earlier](#2022-03-23)` is an anchor). The same target written several ways
counts once per entry. Owner and repository names are compared case-insensitively, as
GitHub does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from chronolog.model import Entry, Log

_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_ANY_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://\S+")
_SHORT = re.compile(
    rf"(?<![\w./@-])(?P<owner>{_OWNER})/(?P<repo>{_REPO})#(?P<number>\d+)(?!\w)"
    r"|(?<![\w&#/-])#(?P<own>\d+)(?!\w)"
    r"|(?<![\w-])GH-(?P<gh>\d+)(?!\w)"
)


@dataclass(frozen=True, eq=False)
class Reference:
    """An issue or pull request, `owner/repo#number`, spelled as the log first wrote it.

    Owner and repository names compare case-insensitively, as GitHub treats them.
    """

    owner: str
    repo: str
    number: int
    # "issue" or "pull" when a URL said so; GitHub redirects between the two, so it is
    # a hint for links, not part of the identity.
    kind: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.owner.lower(), self.repo.lower(), self.number)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __lt__(self, other: Reference) -> bool:
        return self.key < other.key

    def __str__(self) -> str:
        return f"{self.full_name}#{self.number}"


@dataclass(frozen=True)
class EntryReferences:
    """The distinct references made by one entry, sorted."""

    entry: Entry
    references: tuple[Reference, ...]


def web_host(html_url: str) -> str:
    """The host (with port, if any) of a repository's web URL, e.g. `github.com`.

    Take it from the webhook's `repository.html_url`; the API URL may be a proxy.
    """
    return urlsplit(html_url).netloc.lower()


def find_references(log: Log, *, host: str, repo: str) -> tuple[EntryReferences, ...]:
    """The references of every entry that makes at least one, in log order.

    `host` is the web host of the log's repository (see `web_host`), `repo` its
    `owner/name`, which `#N` and `GH-N` refer to.
    """
    own_owner, _, own_repo = repo.partition("/")
    url = _issue_url_pattern(host)
    found: dict[int, dict[Reference, Reference]] = {}
    entry_at = _entry_index(log)
    md = _parser()
    env: dict[str, object] = {}
    tokens = md.parse("\n".join(log.lines), env)
    # `[text][label]` takes its URL from a definition elsewhere: such blocks must be parsed.
    definitions = bool(env.get("references"))
    for token in tokens:
        if token.type != "inline" or token.map is None:
            continue
        index = entry_at.get(token.map[0] + 1)
        if index is None or not _may_refer(token.content, host, definitions):
            continue
        children: list[Token] = []
        md.inline.parse(token.content, md, env, children)
        refs = found.setdefault(index, {})
        for text, where in _texts(children):
            for ref in _references_in(text, url, own_owner, own_repo, where):
                known = refs.get(ref)
                if known is None or known.kind is None:
                    refs[ref] = ref
    return tuple(
        EntryReferences(log.entries[index], tuple(sorted(refs.values())))
        for index, refs in sorted(found.items())
        if refs
    )


def references_in_text(text: str, *, host: str, repo: str) -> frozenset[Reference]:
    """The references in one line of plain text (no Markdown parsing, no code exclusion)."""
    own_owner, _, own_repo = repo.partition("/")
    return frozenset(
        _references_in(text, _issue_url_pattern(host), own_owner, own_repo, _Where.PROSE)
    )


@cache
def _parser() -> MarkdownIt:
    # Inline parsing runs only on blocks that may hold a reference (see find_references).
    return MarkdownIt("commonmark").disable(["inline", "text_join"])


@cache
def _issue_url_pattern(host: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?i)https?://(?:www\.)?{re.escape(host)}/(?P<owner>{_OWNER})/(?P<repo>{_REPO})"
        r"/(?P<kind>issues|pull)/(?P<number>\d+)(?![\w-])"
    )


def _entry_index(log: Log) -> dict[int, int]:
    """Line number -> index of the entry holding it, for lines inside entries."""
    index: dict[int, int] = {}
    for position, entry in enumerate(log.entries):
        for line in range(entry.start_line, entry.end_line + 1):
            index[line] = position
    return index


def _may_refer(content: str, host: str, definitions: bool) -> bool:
    return (
        "#" in content
        or "GH-" in content
        or host in content.lower()
        or (definitions and "[" in content)
    )


class _Where(Enum):
    PROSE = "prose"
    LINK_TEXT = "link text"
    HREF = "href"


def _texts(children: list[Token]) -> Iterator[tuple[str, _Where]]:
    """The searchable texts of an inline token: runs of prose, link texts and link targets.

    Code spans, raw HTML and images end a run, so nothing spans across them.
    """
    run: list[str] = []
    link_depth = 0

    def flush() -> Iterator[tuple[str, _Where]]:
        if run:
            yield "".join(run), _Where.LINK_TEXT if link_depth else _Where.PROSE
            run.clear()

    for child in children:
        if child.type in ("text", "text_special"):
            run.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            run.append("\n")
        elif child.type == "link_open":
            yield from flush()
            link_depth += 1
            yield str(child.attrs.get("href", "")), _Where.HREF
        elif child.type == "link_close":
            yield from flush()
            link_depth -= 1
        elif child.type in ("code_inline", "html_inline", "image"):
            yield from flush()
    yield from flush()


def _references_in(
    text: str, url: re.Pattern[str], own_owner: str, own_repo: str, where: _Where
) -> Iterable[Reference]:
    for match in url.finditer(text):
        kind = "pull" if match["kind"].lower() == "pull" else "issue"
        yield from _reference(match["owner"], match["repo"], match["number"], kind)
    if where is _Where.HREF:
        # A link target is a URL or a path (`#2022-03-23` is an anchor): only URLs count.
        return
    # URLs of any kind are blanked out so that `#N` inside them is not read as a reference.
    prose = _ANY_URL.sub(lambda m: " " * len(m[0]), text)
    for match in _SHORT.finditer(prose):
        if match["number"] is not None:
            yield from _reference(match["owner"], match["repo"], match["number"], None)
        elif where is _Where.PROSE:
            yield from _reference(own_owner, own_repo, match["own"] or match["gh"], None)


def _reference(owner: str, repo: str, number: str, kind: str | None) -> Iterator[Reference]:
    value = int(number)
    # Issue numbers start at 1 and fit GitHub's 32-bit ids; anything else is not one.
    if 0 < value < 2**31 and owner and repo:
        yield Reference(owner, repo, value, kind)
