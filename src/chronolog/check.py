"""Run the rules over a log, and fix a log until no applicable fix is left."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chronolog.fixes import (
    apply_fix_pass,
    changed_after_fixes,
    fixes_to_apply,
    on_changed_lines,
)
from chronolog.model import Finding, Log, Severity
from chronolog.parse import parse_log
from chronolog.rule import Context, Rule
from chronolog.rules import ALL_RULES, RULES_BY_NAME, unused_suppression
from chronolog.suppressions import filter_findings, find_suppressions

# Moving several entries to one place takes a pass each (their insertions clash).
MAX_FIX_PASSES = 100


class UnknownRuleError(ValueError):
    """A rule name in `--select`, `--ignore` or the config does not exist."""


def select_rules(
    select: Iterable[str] | None = None, ignore: Iterable[str] = ()
) -> tuple[Rule, ...]:
    """The rules named in `select` (all when None) minus those in `ignore`, in registry order."""
    selected = set(RULES_BY_NAME) if select is None else set(select)
    ignored = set(ignore)
    unknown = sorted((selected | ignored) - set(RULES_BY_NAME))
    if unknown:
        known = ", ".join(RULES_BY_NAME)
        raise UnknownRuleError(f"unknown rule {', '.join(unknown)}; the rules are: {known}")
    return tuple(rule for rule in ALL_RULES if rule.name in selected - ignored)


def check_log(
    log: Log,
    context: Context,
    rules: Sequence[Rule] = ALL_RULES,
    severities: Mapping[str, Severity] | None = None,
) -> list[Finding]:
    """All findings of `rules` on `log`, sorted by line, with configured severities applied.

    Findings silenced by a suppression comment are left out; with the `unused-suppression`
    rule among `rules`, the comments that silenced nothing are findings of that rule.
    """
    found = [finding for rule in rules for finding in rule.check(log, context)]
    suppressions = find_suppressions(log)
    if suppressions:
        ran = frozenset(rule.name for rule in rules) - {unused_suppression.NAME}
        known = frozenset(RULES_BY_NAME)
        filtered = filter_findings(found, suppressions, judged=ran, known=known)
        found = filtered.findings
        if any(rule.name == unused_suppression.NAME for rule in rules):
            found += unused_suppression.unused_findings(log, filtered.unused, suppressions, known)
    defaults = {rule.name: rule.severity for rule in rules}
    findings = []
    for finding in found:
        severity = (severities or {}).get(finding.rule, defaults[finding.rule])
        if finding.severity is not severity:
            finding = dataclasses.replace(finding, severity=severity)
        findings.append(finding)
    findings.sort(key=lambda f: (f.line, f.end_line, f.rule))
    return findings


@dataclass(frozen=True)
class FixResult:
    """The fixed text, the fixes that went in and the findings left in the fixed text."""

    text: str
    applied: tuple[tuple[str, str], ...]  # (rule, fix title) of each fix, in order
    remaining: tuple[Finding, ...]

    @property
    def fixed(self) -> int:
        return len(self.applied)


def fix_text(
    text: str,
    context: Context,
    rules: Sequence[Rule] = ALL_RULES,
    *,
    unsafe: bool = False,
    severities: Mapping[str, Severity] | None = None,
    changed_lines_only: bool = False,
) -> FixResult:
    """Apply fixes in passes, re-checking after each, until none applies (ruff's loop).

    Fixes that clash with another in one pass wait for the next; the loop stops after
    `MAX_FIX_PASSES` so two fixes that undo each other cannot spin forever.
    `context.changed_lines` follows the text through the passes, so that a later pass
    still knows which entries belong to the change under review. With
    `changed_lines_only`, only the fixes of findings on those lines that touch no other
    line go in (`chronolog.fixes.on_changed_lines`), in every pass.
    """
    applied: list[tuple[str, str]] = []
    log = parse_log(text)
    findings = check_log(log, context, rules, severities)
    for _ in range(MAX_FIX_PASSES):
        rule_of = {f.fix: f.rule for f in findings if f.fix is not None}
        fixable = findings
        if changed_lines_only:
            changed = context.changed_lines or frozenset()
            fixable = [finding for finding in findings if on_changed_lines(finding, changed)]
        result = apply_fix_pass(log, fixes_to_apply(fixable, unsafe=unsafe))
        if not result.applied:
            break
        applied.extend((rule_of[fix], fix.title) for fix in result.applied)
        text = result.text
        if context.changed_lines is not None:
            changed = changed_after_fixes(context.changed_lines, result.applied)
            context = dataclasses.replace(context, changed_lines=changed)
        log = parse_log(text)
        findings = check_log(log, context, rules, severities)
    return FixResult(text=text, applied=tuple(applied), remaining=tuple(findings))
