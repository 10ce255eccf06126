"""Run the rules over a log, and fix a log until no applicable fix is left."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chronolog.fixes import apply_fix_pass, fixes_to_apply
from chronolog.model import Finding, Log, Severity
from chronolog.parse import parse_log
from chronolog.rule import Context, Rule
from chronolog.rules import ALL_RULES, RULES_BY_NAME

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
    """All findings of `rules` on `log`, sorted by line, with configured severities applied."""
    findings: list[Finding] = []
    for rule in rules:
        severity = (severities or {}).get(rule.name, rule.severity)
        for finding in rule.check(log, context):
            if finding.severity is not severity:
                finding = dataclasses.replace(finding, severity=severity)
            findings.append(finding)
    findings.sort(key=lambda f: (f.line, f.end_line, f.rule))
    return findings


@dataclass(frozen=True)
class FixResult:
    """The fixed text, how many fixes went in, and the findings left in the fixed text."""

    text: str
    fixed: int
    remaining: tuple[Finding, ...]


def fix_text(
    text: str,
    context: Context,
    rules: Sequence[Rule] = ALL_RULES,
    *,
    unsafe: bool = False,
    severities: Mapping[str, Severity] | None = None,
) -> FixResult:
    """Apply fixes in passes, re-checking after each, until none applies (ruff's loop).

    Fixes that clash with another in one pass wait for the next; the loop stops after
    `MAX_FIX_PASSES` so two fixes that undo each other cannot spin forever.
    """
    fixed = 0
    log = parse_log(text)
    findings = check_log(log, context, rules, severities)
    for _ in range(MAX_FIX_PASSES):
        result = apply_fix_pass(log, fixes_to_apply(findings, unsafe=unsafe))
        if not result.applied:
            break
        fixed += len(result.applied)
        text = result.text
        log = parse_log(text)
        findings = check_log(log, context, rules, severities)
    return FixResult(text=text, fixed=fixed, remaining=tuple(findings))
