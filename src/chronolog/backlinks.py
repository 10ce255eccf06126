"""Backlink comments: what chronolog writes on the issues and pull requests a log mentions.

One comment per (log file, referenced issue or pull request), found again by a hidden
marker on its first line and edited in place. It lists every entry of the log that
references the target, newest first, each with a link to the entry's heading on the
default branch and a permalink to its lines at the commit the comment was written for.

Everything here is pure: the app (`chronolog.app.backlinks`) fetches the logs and the
existing comments and carries out the plan made here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote

from chronolog.anchors import (
    blob_url,
    entry_lines,
    heading_anchors,
    heading_link,
    permalink,
)
from chronolog.inline import rendered_text
from chronolog.model import Log
from chronolog.parse import parse_log
from chronolog.references import EntryReferences, Reference, find_references

MARKER_PREFIX = "<!-- chronolog:backlink "
# A comment lists at most this many entries; older ones are summarised in one line.
MAX_LISTED_ENTRIES = 50
EXCERPT_LENGTH = 120
# The characters that can start Markdown or HTML inside a line of link text.
_MARKUP = re.compile(r"([\\`*_\[\]<>&!|~()])")
_HANDLE_AT = re.compile(r"@(?=[A-Za-z0-9])")


@dataclass(frozen=True)
class LogSource:
    """Where a log lives: the links in a comment are built from this."""

    host: str  # web host of the log's repository, e.g. "github.com"
    repo: str  # "owner/name" of the log's repository
    path: str
    default_branch: str
    commit: str  # the commit permalinks point at

    @property
    def marker(self) -> str:
        return backlink_marker(self.repo, self.path)


@dataclass(frozen=True)
class EntryLink:
    """What a backlink comment says about one entry.

    Two links are equal when the comment would say the same about the entry apart from
    line numbers: an entry that only moved because another was added above it keeps its
    old permalink, which still shows the same lines at the older commit.
    """

    heading: str  # the heading's text as rendered, without Markdown
    date: dt.date | None
    excerpt: str  # the entry's first non-blank line, stripped
    anchor: str
    content: tuple[str, ...]  # the entry's lines: any edit re-renders the comment
    start_line: int = field(compare=False)
    end_line: int = field(compare=False)


@dataclass(frozen=True)
class Scope:
    """The repositories chronolog may comment in (owners and repositories lowercased)."""

    owners: frozenset[str]
    repos: frozenset[str]

    def __contains__(self, target: object) -> bool:
        if not isinstance(target, Reference):
            return False
        owner, repo, _ = target.key
        return owner in self.owners or f"{owner}/{repo}" in self.repos

    def describe(self) -> str:
        names = sorted(self.owners) + sorted(self.repos)
        return ", ".join(names) if names else "nothing"


def backlink_scope(log_repo: str, owners: Iterable[str] = (), repos: Iterable[str] = ()) -> Scope:
    """The scope from `.github/chronolog.yml`'s `backlinks.owners` and `backlinks.repos`.

    With neither configured, only repositories of the log repository's owner are in scope.
    """
    owner_set = frozenset(owner.lower() for owner in owners)
    repo_set = frozenset(repo.lower() for repo in repos)
    if not owner_set and not repo_set:
        owner_set = frozenset({log_repo.lower().partition("/")[0]})
    return Scope(owner_set, repo_set)


def backlink_marker(repo: str, path: str) -> str:
    """The hidden first line that identifies the backlink comment of one log file."""
    return f"{MARKER_PREFIX}{repo}:{quote(path, safe='/')} -->"


BacklinkIndex = Mapping[Reference, tuple[EntryLink, ...]]


def backlink_index(
    log: Log, references: Sequence[EntryReferences], scope: Scope | None
) -> dict[Reference, tuple[EntryLink, ...]]:
    """For each in-scope target (every target when `scope` is None), the entries that
    reference it, newest first.

    Undated entries come last; entries with the same date keep the log's order.
    """
    anchors = heading_anchors(log)
    links: dict[Reference, list[EntryLink]] = {}
    for item in references:
        entry = item.entry
        start, end = entry_lines(log, entry)
        link = EntryLink(
            heading=rendered_text(entry.heading.text).strip(),
            date=entry.date,
            excerpt=log.line(entry.first_line).strip() if entry.first_line else "",
            anchor=anchors[entry.start_line],
            content=log.lines[start - 1 : end],
            start_line=start,
            end_line=end,
        )
        for target in item.references:
            if scope is None or target in scope:
                links.setdefault(target, []).append(link)
    return {target: tuple(sorted(entries, key=_newest_first)) for target, entries in links.items()}


def _newest_first(link: EntryLink) -> tuple[bool, int, int]:
    return (link.date is None, -(link.date.toordinal() if link.date else 0), link.start_line)


def affected_targets(old: BacklinkIndex, new: BacklinkIndex) -> tuple[Reference, ...]:
    """The targets whose comment must be written again: what it says about them changed.

    Compare the index of the log before a push with the one after it; redelivering the
    push, or pushing the same content again, affects nothing.
    """
    targets = set(old) | set(new)
    return tuple(sorted(t for t in targets if old.get(t, ()) != new.get(t, ())))


def render_backlink_comment(source: LogSource, links: Sequence[EntryLink]) -> str:
    """The body of the backlink comment for one target, listing `links` in the given order.

    Text taken from the log is escaped or put in code, so the comment renders no markup
    or HTML from the log, pings nobody and creates no cross-references.
    """
    log_url = blob_url(source.host, source.repo, source.default_branch, source.path)
    count = len(links)
    noun = "entry" if count == 1 else "entries"
    lines = [
        source.marker,
        f"This is mentioned in {count} {noun} of the log [{_escape(source.path)}]({log_url}) "
        f"in {_escape(source.repo)}:",
        "",
    ]
    for link in links[:MAX_LISTED_ENTRIES]:
        lines.append(_entry_line(source, link))
    if count > MAX_LISTED_ENTRIES:
        lines.append(f"- and {count - MAX_LISTED_ENTRIES} older entries, see [the log]({log_url})")
    lines += [
        "",
        "<sub>Written by chronolog from the log and kept up to date; "
        "edits to this comment are overwritten.</sub>",
    ]
    return "\n".join(lines)


def _entry_line(source: LogSource, link: EntryLink) -> str:
    heading_url = heading_link(
        source.host, source.repo, source.default_branch, source.path, link.anchor
    )
    lines_url = permalink(
        source.host, source.repo, source.commit, source.path, link.start_line, link.end_line
    )
    where = (
        f"line {link.start_line}"
        if link.start_line == link.end_line
        else f"lines {link.start_line}-{link.end_line}"
    )
    # Handles lose their `@`: a mention would notify its owner on every edit of the comment.
    title = _escape(_HANDLE_AT.sub("", link.heading)) or "(untitled entry)"
    excerpt = f": {code_span(_shorten(link.excerpt))}" if link.excerpt else ""
    return f"- [{title}]({heading_url}) ([{where} at {source.commit[:7]}]({lines_url})){excerpt}"


def _escape(text: str) -> str:
    """One line of text that renders literally: markup characters backslash-escaped."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split()))


def code_span(text: str) -> str:
    """`text` as an inline code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if "`" in text or text.startswith(" ") or text.endswith(" ") else text
    return f"{fence}{padded}{fence}"


def _shorten(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ExistingComment:
    """A comment already on the target (from `GET .../issues/{n}/comments`)."""

    id: int
    body: str


@dataclass(frozen=True)
class PlannedComment:
    """One step of a plan: create, update or delete a comment on `target`, or leave it."""

    target: Reference
    action: Action
    body: str | None = None
    comment_id: int | None = None


def plan_comment(
    source: LogSource,
    target: Reference,
    links: Sequence[EntryLink],
    existing: Sequence[ExistingComment],
) -> tuple[PlannedComment, ...]:
    """What to do on one target so that it carries exactly the right backlink comment.

    `existing` may hold every comment of the target; only those starting with this log's
    marker are considered. Duplicates (left by a race) are deleted.
    """
    ours = [c for c in existing if c.body.lstrip().startswith(source.marker)]
    if not links:
        if not ours:
            return (PlannedComment(target, Action.UNCHANGED),)
        return tuple(PlannedComment(target, Action.DELETE, comment_id=c.id) for c in ours)
    body = render_backlink_comment(source, links)
    if not ours:
        return (PlannedComment(target, Action.CREATE, body=body),)
    first, *duplicates = ours
    if _normalised(first.body) == _normalised(body):
        keep = PlannedComment(target, Action.UNCHANGED, comment_id=first.id)
    else:
        keep = PlannedComment(target, Action.UPDATE, body=body, comment_id=first.id)
    deletes = (PlannedComment(target, Action.DELETE, comment_id=c.id) for c in duplicates)
    return (keep, *deletes)


def plan_backlinks(
    source: LogSource,
    old: BacklinkIndex,
    new: BacklinkIndex,
    existing: Mapping[Reference, Sequence[ExistingComment]],
) -> tuple[PlannedComment, ...]:
    """The plan for every target affected between `old` and `new` (see `affected_targets`).

    `existing` holds the comments of each affected target; a missing key means none.
    """
    return tuple(
        step
        for target in affected_targets(old, new)
        for step in plan_comment(source, target, new.get(target, ()), existing.get(target, ()))
    )


def _normalised(body: str) -> str:
    return body.replace("\r\n", "\n").strip()


class Status(StrEnum):
    """What will happen to one target on merge, as the pull request preview says it."""

    LINK = "will be linked"
    UNLINK = "its backlink will be removed (no entry references it any more)"
    OUT_OF_SCOPE = "not linked: outside the backlink scope"
    NOT_INSTALLED = "not linked: chronolog is not installed there"
    LOCKED = "not linked: the conversation is locked"
    ARCHIVED = "not linked: the repository is archived"
    NOT_FOUND = "not linked: not found"
    TRANSFERRED = "not linked: it was transferred to another repository"
    NOT_CHECKED = "not checked yet (lookup limit reached); it will be tried on merge"
    DISABLED = "not linked: backlinks are disabled in .github/chronolog.yml"
    FAILED = "not linked yet: GitHub failed; a redelivery of that push or a backfill tries again"


@dataclass(frozen=True)
class PreviewItem:
    target: Reference
    status: Status


def render_preview(host: str, path: str, items: Sequence[PreviewItem], scope: Scope) -> str | None:
    """The check-run summary section "On merge, chronolog will link back from: ...".

    None when the change touches no reference.
    """
    if not items:
        return None
    lines = [
        f"### Backlinks from {code_span(path)}",
        "",
        "On merge, chronolog will link back from:",
    ]
    for item in items:
        target = item.target
        kind = "pull" if target.kind == "pull" else "issues"
        url = f"https://{host}/{target.full_name}/{kind}/{target.number}"
        status = item.status.value
        if item.status is Status.OUT_OF_SCOPE:
            status += f" ({_escape(scope.describe())})"
        lines.append(f"- [{_escape(str(target))}]({url}): {status}")
    return "\n".join(lines)


def index_log(text: str | Log | None, host: str, repo: str, scope: Scope | None) -> BacklinkIndex:
    """The backlink index of a log at `host`/`repo`, as text or parsed already (empty for
    no text)."""
    if text is None:
        return {}
    parsed = parse_log(text) if isinstance(text, str) else text
    return backlink_index(parsed, find_references(parsed, host=host, repo=repo), scope)
