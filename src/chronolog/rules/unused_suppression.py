"""`unused-suppression`: a suppression comment that silences nothing (ruff's RUF100).

Its findings need every other rule's findings, so `chronolog.check.check_log` makes them
with `unused_findings`; the rule's own `check` finds nothing, and the rule is in the
registry so that it can be selected, ignored and given a severity like any other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from chronolog.model import Edit, Finding, Fix, Log, Severity
from chronolog.rule import Context, Rule, code, excerpt
from chronolog.suppressions import DISABLE, NEXT_LINE, Directive, Scope, Suppressions

NAME = "unused-suppression"


@dataclass
class _Unused:
    """What is unused in one comment: the reasons, and the names to drop from each comment."""

    reasons: list[str] = field(default_factory=list)
    drop: dict[Directive, set[str]] = field(default_factory=dict)

    def add(self, directive: Directive, rule: str | None, reason: str) -> None:
        self.reasons.append(reason)
        self.drop.setdefault(directive, set()).update(directive.rules if rule is None else {rule})


def unused_findings(
    log: Log, unused: Sequence[Scope], suppressions: Suppressions, known: frozenset[str]
) -> list[Finding]:
    """One finding per comment with something unused, with a safe fix that removes it."""
    by_comment: dict[Directive, _Unused] = {}
    for scope in unused:
        entry = by_comment.setdefault(scope.directive, _Unused())
        rule = code(scope.rule)
        if scope.rule not in known:
            reason = f"{rule} is not a rule"
        elif scope.first == scope.last:
            reason = f"{rule} reports nothing on line {scope.first}"
        elif scope.directive.kind == NEXT_LINE:
            reason = f"{rule} reports nothing in the entry on lines {scope.first}-{scope.last}"
        else:
            reason = f"{rule} reports nothing on lines {scope.first}-{scope.last}"
        entry.add(scope.directive, scope.rule, reason)
        if scope.closed_by is not None:  # the `enable` goes with its `disable`
            entry.drop.setdefault(scope.closed_by, set()).add(scope.rule)
    for directive, rule in suppressions.stray_enables:
        reason = f"no {code(f'chronolog-{DISABLE} {rule}')} above it is open"
        by_comment.setdefault(directive, _Unused()).add(directive, rule, reason)
    for directive in suppressions.nameless:
        by_comment.setdefault(directive, _Unused()).add(directive, None, "it names no rule")
    return [
        _finding(log, directive, entry)
        for directive, entry in sorted(by_comment.items(), key=lambda i: (i[0].line, i[0].start))
    ]


def _finding(log: Log, directive: Directive, entry: _Unused) -> Finding:
    dropped = entry.drop[directive]
    kept = [rule for rule in directive.rules if rule not in dropped]
    comment = log.line(directive.line)[directive.start : directive.end]
    if kept:
        names = ", ".join(code(rule) for rule in directive.rules if rule in dropped)
        title = f"Remove {names} from the comment"
    else:
        title = "Remove the comment"
    edits = {}
    for target, gone in entry.drop.items():
        if target.line not in edits:
            remaining = [rule for rule in target.rules if rule not in gone]
            edits[target.line] = _rewrite(log.line(target.line), target, remaining)
    return RULE.finding(
        directive.line,
        f"{excerpt(comment)} suppresses nothing: {'; '.join(entry.reasons)}",
        fix=Fix(title, tuple(edits[line] for line in sorted(edits))),
        column=directive.start + 1,
        end_column=directive.end + 1,
    )


def _rewrite(line: str, directive: Directive, rules: Sequence[str]) -> Edit:
    """The edit that leaves `directive` naming only `rules`, or removes it when none is left."""
    left, right = line[: directive.start], line[directive.end :]
    if rules:
        content: tuple[str, ...] = (left + directive.render(rules) + right,)
    elif not left.strip() and not right.strip():
        content = ()  # the comment was the whole line: the line goes
    elif not left.strip():
        content = (left + right.lstrip(),)
    elif not right.strip():
        content = (left.rstrip(),)
    else:
        content = (f"{left.rstrip()} {right.lstrip()}",)
    return Edit(directive.line, directive.line, content)


def check(log: Log, context: Context) -> Iterator[Finding]:
    """Nothing on its own: `check_log` reports unused suppressions (see the module)."""
    return iter(())


RULE = Rule(
    name=NAME,
    severity=Severity.WARNING,
    summary="A `chronolog-disable` comment silences a problem that is there.",
    check=check,
)
