"""Inline suppressions: HTML comments that switch a rule off for some lines of a log.

- `<!-- chronolog-disable-next-line RULE[, RULE] -->` silences those rules on the next line,
  or in the whole entry when the next line is an entry's heading;
- `<!-- chronolog-disable RULE[, RULE] -->` silences them from there on, until
  `<!-- chronolog-enable RULE[, RULE] -->` or the end of the file.

A finding is silenced when its first line is covered (the line the app marks it by). A
comment inside a fenced or indented code block, or a code span, is text, not a suppression. What a
suppression did not silence is reported by the `unused-suppression` rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from chronolog.model import Finding, Log

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

MARKER = "chronolog-"
NEXT_LINE = "disable-next-line"
DISABLE = "disable"
ENABLE = "enable"
_DIRECTIVE = re.compile(
    r"<!--[ \t]*chronolog-(disable-next-line|disable|enable)(?![\w-])(.*?)-->", re.DOTALL
)


@dataclass(frozen=True)
class Directive:
    """One suppression comment: its kind, the rule names it gives and where it sits.

    `start` and `end` are 0-based columns of `<!--` and just after `-->` on `line`.
    """

    line: int
    kind: str  # NEXT_LINE, DISABLE or ENABLE
    rules: tuple[str, ...]
    start: int
    end: int

    def render(self, rules: Sequence[str]) -> str:
        """The comment naming `rules` instead of its own."""
        return f"<!-- chronolog-{self.kind} {', '.join(rules)} -->"


@dataclass(frozen=True)
class Scope:
    """Where one rule of a directive applies: lines `first..last` (inclusive)."""

    directive: Directive
    rule: str
    first: int
    last: int
    closed_by: Directive | None = None  # the `enable` that ends a `disable`


@dataclass(frozen=True)
class Suppressions:
    """The suppressions of one log, and the `enable` comments that close nothing."""

    scopes: tuple[Scope, ...] = ()
    stray_enables: tuple[tuple[Directive, str], ...] = ()
    nameless: tuple[Directive, ...] = ()  # comments that name no rule

    def __bool__(self) -> bool:
        return bool(self.scopes or self.stray_enables or self.nameless)


@dataclass(frozen=True)
class Filtered:
    """The findings left after suppression and the scopes that silenced nothing."""

    findings: list[Finding]
    unused: list[Scope] = field(default_factory=list)


def find_suppressions(log: Log) -> Suppressions:
    """Every suppression comment of `log`, outside code blocks, as scopes per rule."""
    directives = [
        directive
        for number, line in enumerate(log.lines, start=1)
        if MARKER in line
        for directive in _directives(number, line)
    ]
    counted = _outside_code(log, {directive.line for directive in directives})
    directives = [directive for directive in directives if directive.line in counted]
    if not directives:
        return Suppressions()

    entry_ends = {entry.start_line: entry.end_line for entry in log.entries}
    scopes: list[Scope] = []
    stray: list[tuple[Directive, str]] = []
    open_disables: dict[str, Directive] = {}
    for directive in directives:
        for rule in directive.rules:
            if directive.kind == NEXT_LINE:
                target = directive.line + 1
                last = entry_ends.get(target, target)
                scopes.append(Scope(directive, rule, target, last))
            elif directive.kind == DISABLE:
                # A second disable of an open rule starts nothing new: the first one holds.
                open_disables.setdefault(rule, directive)
            elif rule in open_disables:
                start = open_disables.pop(rule)
                scopes.append(Scope(start, rule, start.line, directive.line, closed_by=directive))
            else:
                stray.append((directive, rule))
    scopes.extend(
        Scope(start, rule, start.line, len(log.lines)) for rule, start in open_disables.items()
    )
    nameless = tuple(directive for directive in directives if not directive.rules)
    return Suppressions(tuple(scopes), tuple(stray), nameless)


def filter_findings(
    findings: Iterable[Finding],
    suppressions: Suppressions,
    *,
    judged: frozenset[str],
    known: frozenset[str],
) -> Filtered:
    """`findings` without the silenced ones, and the scopes that silenced nothing, of
    the rules in `judged` (those that ran) and of names not in `known` (no rule at all).

    A suppression of a rule that did not run (`--select`, `off` in the config) is
    neither used nor unused: it is not judged."""
    if not suppressions:
        return Filtered(list(findings))
    by_rule: dict[str, list[Scope]] = {}
    for scope in suppressions.scopes:
        by_rule.setdefault(scope.rule, []).append(scope)
    used: set[Scope] = set()
    kept: list[Finding] = []
    for finding in findings:
        covering = [s for s in by_rule.get(finding.rule, ()) if s.first <= finding.line <= s.last]
        used.update(covering)
        if not covering:
            kept.append(finding)
    unused = [
        scope
        for scope in suppressions.scopes
        if scope not in used and (scope.rule in judged or scope.rule not in known)
    ]
    return Filtered(kept, unused)


def _directives(number: int, line: str) -> list[Directive]:
    found = []
    for match in _DIRECTIVE.finditer(line):
        if line.count("`", 0, match.start()) % 2:
            continue  # inside a code span: quoted, as in a log that explains the syntax
        names = tuple(name for name in re.split(r"[\s,]+", match.group(2).strip()) if name)
        found.append(Directive(number, match.group(1), names, match.start(), match.end()))
    return found


@cache
def _html_parser() -> MarkdownIt:
    # Imported here: only a comment on a code or HTML line needs it, and it costs a
    # plain `chronolog check` about 30 ms to import.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").disable(["inline", "text_join"])


def _outside_code(log: Log, lines: set[int]) -> set[int]:
    """Those of `lines` that are not inside a fenced or indented code block.

    `Log.code_lines` holds code and HTML blocks alike, and a comment on a line of its
    own is an HTML block: the run of such lines around each candidate is parsed again
    (a few lines, not the log) to tell an HTML block from code.
    """
    counted = {line for line in lines if line not in log.code_lines}
    html: set[int] = set()
    runs_done: set[int] = set()
    for line in sorted(lines - counted):
        first = line
        while first - 1 in log.code_lines:
            first -= 1
        if first in runs_done:
            continue
        runs_done.add(first)
        last = line
        while last + 1 in log.code_lines:
            last += 1
        source = "\n".join(log.lines[first - 1 : last]) + "\n"
        for token in _html_parser().parse(source):
            if token.type == "html_block" and token.map:
                html.update(range(first + token.map[0], first + token.map[1]))
    return counted | (lines & html)
