"""Find the GitHub issues and pull requests each log entry refers to.

What counts, in an entry's paragraphs, list items, block quotes, table rows and
headings, as GitHub's autolinked references read them:

- a link or bare URL to an issue or pull request on the log repository's web host
  (`https://HOST/o/r/issues/1`, `https://HOST/o/r/pull/2`, with any tail such as
  `#issuecomment-...`, `/files` or `/commits/<sha>`), unless it sits inside another URL
  (`https://example.com/?next=https://HOST/o/r/issues/1` is a link to example.com);
- `owner/repo#N`, where the owner is spelled as a GitHub login and the repository as a
  repository name;
- `#N` and `GH-N` (any case), which mean the log's own repository, after the start of
  the text or any character that is not a letter, digit or `_` (`-#5`, `/#5`, `&#5`).

What does not: anything in code spans, fenced or indented code and raw HTML; the
preamble before the first entry and text under an H1 after it; `owner#N` (GitHub's docs
name no such form for issues); and `#N` / `GH-N` used as the text of a link
(`[#3248](https://github.com/o/other/pull/3248)` names the link's target, not issue 3248
of the log's repository), and link targets that are not URLs (`[earlier](#2022-03-23)`
is an anchor). The same target written several ways counts once per entry. Owner and
repository names are compared case-insensitively, as GitHub does. docs/backlinks.md
lists where this differs from GitHub on purpose.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from urllib.parse import urlsplit

from chronolog.handles import LOGIN
from chronolog.inline import inline_view
from chronolog.inline_texts import TextKind, searchable_texts
from chronolog.model import Entry, Log

_OWNER = LOGIN.pattern
_REPO = r"[A-Za-z0-9._-]{1,100}"
# A URL runs from its scheme (or `www.`) to the next space.
_ANY_URL = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+")
# Every `#N` and `GH-N` not followed by a word character: what precedes it decides.
_NUMBER = re.compile(r"(?i)(?:(?P<gh>GH-)|#)(?P<number>\d+)(?!\w)")
_WORD = re.compile(r"\w")
# `owner/repo` right before a `#N`. The owner is the whole name before the `/`: nothing
# that could be part of a longer name or a path (`.`, `-`, `/`, `@`) may come before it.
_QUALIFIER = re.compile(rf"(?<![\w./@-])(?P<owner>{_OWNER})/(?P<repo>{_REPO})\Z")
_QUALIFIER_REACH = 39 + 1 + 100
_REPO_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


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

    @cached_property  # hashing, comparing and sorting all read it
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
    view = inline_view(log)
    # `[text][label]` takes its URL from a definition: only then may a `[` be a reference.
    hrefs = (str(definition.get("href", "")) for definition in view.definitions.values())
    definitions = view.definitions if any(host in href.lower() for href in hrefs) else {}
    may_refer = _may_refer(host, bool(definitions))
    starts = [entry.start_line for entry in log.entries]
    found: dict[int, dict[Reference, Reference]] = {}
    for prose in view.prose:
        index = bisect.bisect_right(starts, prose.line) - 1
        if index < 0 or prose.line > log.entries[index].end_line:
            continue
        if not may_refer(prose.text):
            continue
        refs = found.setdefault(index, {})
        for text, where in searchable_texts(prose.text, definitions):
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
        _references_in(text, _issue_url_pattern(host), own_owner, own_repo, TextKind.PROSE)
    )


@cache
def _issue_url_pattern(host: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?i)https?://(?:www\.)?{re.escape(host)}/(?P<owner>{_OWNER})/(?P<repo>{_REPO})"
        r"/(?P<kind>issues|pull)/(?P<number>\d+)(?![\w-])"
    )


@cache
def _may_refer(host: str, definitions: bool = False) -> Callable[[str], bool]:
    """Whether a text holds something that may be a reference (true of few others)."""
    link = r"|\[" if definitions else ""
    pattern = re.compile(rf"(?i)#|gh-|{re.escape(host)}{link}")
    lowered_host = host.lower()
    bracket = "[" if definitions else "#"  # `#` again: no second needle

    def may_refer(text: str) -> bool:
        # Plain `in` is several times faster than the pattern and finds the same in ASCII
        # (`#` and `[` have no case); elsewhere `(?i)` knows more equivalences (dotless i is i).
        if text.isascii() and host.isascii():
            if "#" in text or bracket in text:
                return True
            lowered = text.lower()
            return "gh-" in lowered or lowered_host in lowered
        return pattern.search(text) is not None

    return may_refer


def _references_in(
    text: str, url: re.Pattern[str], own_owner: str, own_repo: str, where: TextKind
) -> list[Reference]:
    found: list[Reference] = []
    if where is TextKind.HREF:
        # A link target is a URL or a path (`#2022-03-23` is an anchor): only URLs count.
        match = url.match(text)
        if match is not None:
            _add_url_reference(found, match)
        return found
    lowered = text.lower()
    if "://" not in text and "www." not in lowered:
        if "#" not in text and "gh-" not in lowered:
            return found  # no URL, no `#N` or `GH-N` (only `G`/`g` lower to `g`, `H`/`h` to `h`)
        prose = text
    else:
        # A URL counts only from its start; anything inside a URL (a query string that
        # holds another URL, a `#5` fragment) is no reference, so it is blanked out.
        parts: list[str] = []
        end = 0
        for any_url in _ANY_URL.finditer(text):
            match = url.match(any_url[0])
            if match is not None:
                _add_url_reference(found, match)
            start = any_url.start()
            parts += (text[end:start], " " * (any_url.end() - start))
            end = any_url.end()
        parts.append(text[end:])
        prose = "".join(parts)
        if "#" not in prose and "gh-" not in prose.lower():
            return found
    for match in _NUMBER.finditer(prose):
        start = match.start()
        before = prose[start - 1] if start else " "
        reach = max(0, start - _QUALIFIER_REACH)
        if match["gh"] is None and before in _REPO_CHARS and prose.rfind("/", reach, start) >= 0:
            qualifier = _QUALIFIER.search(prose, reach, start)
            if qualifier is not None:
                if qualifier["repo"] not in (".", ".."):
                    _add_reference(found, qualifier["owner"], qualifier["repo"], match["number"])
                continue
        if where is TextKind.PROSE and _WORD.match(before) is None:
            _add_reference(found, own_owner, own_repo, match["number"])
    return found


def _add_url_reference(found: list[Reference], match: re.Match[str]) -> None:
    kind = "pull" if match["kind"].lower() == "pull" else "issue"
    _add_reference(found, match["owner"], match["repo"], match["number"], kind)


def _add_reference(
    found: list[Reference], owner: str, repo: str, number: str, kind: str | None = None
) -> None:
    # Issue numbers start at 1 and fit GitHub's 32-bit ids; anything else is not one
    # (and thousands of digits would not even convert).
    value = int(number) if len(number) <= 10 else 0
    if 0 < value < 2**31 and owner and repo:
        found.append(Reference(owner, repo, value, kind))
