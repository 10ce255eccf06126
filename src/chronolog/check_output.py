"""Findings marked against the diff, rendered as a check run's output (reviewdog's way).

A finding on a line the pull request added is *introduced* by it; any other finding was
already in the log. Only introduced error-level findings fail the check. Annotations go
where the config's `annotations:` mode says (by default only on added lines, reviewdog's
`filter-mode=added`); every finding is counted in the summary and listed once, in the
summary or in the details, never dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chronolog.annotations import EXISTING_PREFIX, config_annotation, finding_annotation
from chronolog.config import CONFIG_PATH, ConfigError
from chronolog.diff import FileDiff, FilterMode, Where
from chronolog.fix_buttons import NO_SAFE_FIXES, SafeFixes, fix_actions, fixes_section
from chronolog.model import Finding, Severity
from chronolog.rules import RULES_BY_NAME

MAX_OUTPUT_LENGTH = 65_535  # GitHub's limit for `output.summary` and `output.text`
LISTED_INTRODUCED = 10  # introduced problems listed in the summary; the rest are in `text`
LISTED_LOGS = 10
# The headings of the run's details (`text`) and links to them: GitHub gives a rendered
# heading the anchor `#` + its text, lower case, punctuation dropped, spaces as hyphens.
MORE_INTRODUCED_HEADING = "### More problems introduced"
MORE_INTRODUCED_LINK = "#more-problems-introduced"
EXISTING_HEADING = "### Already in the log"
EXISTING_LINK = "#already-in-the-log"


@dataclass(frozen=True)
class MarkedFinding:
    """A finding in the log at `path`, marked with where its first line sits in the diff."""

    path: str
    finding: Finding
    where: Where

    @property
    def introduced(self) -> bool:
        """True when the pull request added the finding's first line."""
        return self.where is Where.ADDED


def mark_findings(
    path: str, findings: Iterable[Finding], diff: FileDiff
) -> tuple[MarkedFinding, ...]:
    """Mark each finding of the head version of `path` by its first line in `diff`."""
    return tuple(MarkedFinding(path, finding, diff.where(finding.line)) for finding in findings)


@dataclass(frozen=True)
class CheckRunOutput:
    """Everything a completed check run shows: conclusion, `output` fields and buttons."""

    conclusion: str  # "success" or "failure" (the shell uses "neutral" when it could not check)
    title: str
    summary: str
    text: str | None
    annotations: tuple[dict[str, Any], ...]  # all of them; send at most 50 per request
    actions: tuple[dict[str, Any], ...]


def render_check_run(
    marked: Sequence[MarkedFinding],
    *,
    logs_checked: Sequence[str],
    config_error: ConfigError | None = None,
    safe_fixes: SafeFixes = NO_SAFE_FIXES,
    suggestions_posted: int = 0,
    extra_sections: Sequence[str] = (),
    annotate: FilterMode = FilterMode.ADDED,
    adds: str | None = None,
    proposed_config: Sequence[ConfigError] | None = None,
) -> CheckRunOutput:
    """The check run for one head commit.

    It fails for an invalid config or an introduced error-level finding, and passes
    otherwise, also when no log changed (so the check can be required on every PR).
    Only the findings `annotate` covers are annotated; the summary counts every finding by
    rule, lists the first introduced ones and says where the rest are; `text` lists each
    finding the summary does not, so nothing appears twice. `adds` (what the added entries
    add, one line) follows the verdict. `proposed_config` are the problems of the config the
    pull request changes (None: it changes none); any of them fails the run, annotated on
    the config's lines. `summary` and `text` never exceed 65,535 characters.
    """
    introduced = sorted((m for m in marked if m.introduced), key=_position)
    existing = sorted((m for m in marked if not m.introduced), key=_position)
    annotated_existing = [m for m in existing if annotate.covers(m.where)]
    proposed = tuple(proposed_config or ())
    # A pull request that mends the default branch's broken config must be mergeable when
    # the check is required: neutral (which passes), though its logs were not checked.
    mends_config = config_error is not None and proposed_config is not None and not proposed
    failing = (
        (config_error is not None and not mends_config)
        or bool(proposed)
        or any(m.finding.severity is Severity.ERROR for m in introduced)
    )

    sections: list[str] = []
    if config_error is not None:
        sections.append(_config_error_section(config_error))
    if logs_checked:
        sections.append(_verdict(logs_checked, introduced, existing, config_fails=bool(proposed)))
    elif config_error is None and not marked:
        sections.append(
            "No log changed in this pull request, so there was nothing to check.\n\n"
            f"chronolog checks the files named under `logs:` in `{CONFIG_PATH}` (read from "
            "the default branch) or, without that setting, every changed Markdown file whose "
            "H2 headings mostly start with a date."
        )
    if adds:
        sections.append(adds)
    if proposed_config is not None:
        sections.append(
            _proposed_config_section(proposed, default_invalid=config_error is not None)
        )
    if marked:
        sections.append(_rule_table(introduced, existing))
    if existing:
        sections.append(_existing_note(len(existing), len(annotated_existing)))
    if introduced:
        sections.append(_introduced_section(introduced))
    fixes = fixes_section(safe_fixes, suggestions_posted)
    if fixes:
        sections.append(fixes)
    sections.extend(section.strip("\n") for section in extra_sections if section.strip())

    details = _details(introduced[LISTED_INTRODUCED:], existing)
    annotations = [
        finding_annotation(m.path, m.finding, existing=not m.introduced)
        for m in (*introduced, *annotated_existing)
    ]
    # The default branch's config error is on another version of the file than the one
    # this pull request shows when it changes the config: only the latter is annotated.
    if proposed_config is not None:
        annotations[:0] = [config_annotation(problem) for problem in proposed]
    elif config_error is not None:
        annotations.insert(0, config_annotation(config_error))
    title = _title(introduced, existing, config_error, logs_checked)
    if mends_config:
        title = f"Fixes the invalid {CONFIG_PATH}; logs checked once merged"
    if proposed and config_error is None:
        title = f"Invalid {CONFIG_PATH} in this pull request"
    return CheckRunOutput(
        conclusion="failure" if failing else "neutral" if mends_config else "success",
        title=title,
        summary=cap_text("\n\n".join(sections) + "\n"),
        text=cap_text(details) if details else None,
        annotations=tuple(annotations),
        actions=fix_actions(safe_fixes),
    )


def cap_text(text: str, limit: int = MAX_OUTPUT_LENGTH) -> str:
    """`text` cut at a line boundary to fit `limit`, ending with "…and N more not shown".

    The limit is counted in UTF-8 bytes, which is never less than the characters GitHub
    counts, so the result fits whichever GitHub means. N counts the list items cut off
    (or the lines, when no list item was cut).
    """
    if len(text.encode()) <= limit:
        return text
    lines = text.split("\n")
    reserve = 64  # room for the closing line
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line.encode()) + 1
        if size > limit - reserve:
            break
        kept.append(line)
    dropped = lines[len(kept) :]
    items = sum(1 for line in dropped if line.lstrip().startswith("- "))
    more = f"…and {items} more not shown" if items else f"…and {len(dropped)} more lines not shown"
    return "\n".join([*kept, more]) + "\n"


def _position(marked: MarkedFinding) -> tuple[str, int, int, str]:
    finding = marked.finding
    return (marked.path, finding.line, finding.end_line, finding.rule)


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def _title(
    introduced: Sequence[MarkedFinding],
    existing: Sequence[MarkedFinding],
    config_error: ConfigError | None,
    logs_checked: Sequence[str],
) -> str:
    if config_error is not None:
        return f"Invalid {CONFIG_PATH}"
    if introduced:
        return f"{_plural(len(introduced), 'problem')} introduced"
    if existing:
        return f"No new problems ({len(existing)} existing)"
    if not logs_checked:
        return "No log changed"
    return "No problems"


def _config_error_section(error: ConfigError) -> str:
    return (
        f"**`{CONFIG_PATH}` is invalid**, line {error.line}: {error.message}\n\n"
        "Fix it on the default branch: chronolog reads its config only from there, so that "
        "a pull request cannot switch its own check off."
    )


def _verdict(
    logs_checked: Sequence[str],
    introduced: Sequence[MarkedFinding],
    existing: Sequence[MarkedFinding],
    *,
    config_fails: bool = False,
) -> str:
    """The verdict in one sentence: what was checked, what the pull request introduced,
    and whether that fails the check (`config_fails`: its config fails it anyway)."""
    names = [f"`{path}`" for path in logs_checked[:LISTED_LOGS]]
    if len(logs_checked) > LISTED_LOGS:
        names.append(f"{len(logs_checked) - LISTED_LOGS} more")
    checked = f"Checked {_plural(len(logs_checked), 'log')}, {_and(names)}: "
    but = ", but the check fails on the config below" if config_fails else ""
    if not introduced:
        if not existing:
            return checked + f"no problems found{but}."
        outcome = but or ", so the check passes"
        return (
            checked + f"this pull request introduces no problems{outcome}; "
            f"{_plural(len(existing), 'problem was', 'problems were')} already in the log."
        )
    errors = sum(1 for m in introduced if m.finding.severity is Severity.ERROR)
    if len(introduced) == 1:
        kind = f"an {Severity.ERROR}" if errors else f"a {introduced[0].finding.severity}"
    elif errors == len(introduced):
        kind = "all of them errors"
    else:
        kind = (
            f"{errors} of them {'an error' if errors == 1 else 'errors'}"
            if errors
            else ("none of them an error")
        )
    if errors:
        outcome = "so the check fails"
    elif config_fails:
        outcome = "but the check fails on the config below"
    else:
        outcome = "so the check passes (only errors fail it)"
    return (
        f"{checked}this pull request introduces {_plural(len(introduced), 'problem')}, "
        f"{kind}, {outcome}."
    )


def _proposed_config_section(problems: Sequence[ConfigError], *, default_invalid: bool) -> str:
    """What the pull request's version of the config would do once merged."""
    if not problems:
        effect = "fixes the default branch's" if default_invalid else "applies once merged"
        return (
            f"The `{CONFIG_PATH}` in this pull request is valid; it {effect} (this check "
            "used the default branch's, so that a pull request cannot change its own check)."
        )
    lines = [
        f"**The `{CONFIG_PATH}` in this pull request is invalid** "
        f"({_plural(len(problems), 'problem')}, annotated on its lines): merged, it would "
        "fail the check of every pull request until fixed. The logs were checked with the "
        "default branch's config.",
        "",
    ]
    lines.extend(f"- line {problem.line}: {_one_line(problem.message)}" for problem in problems)
    return "\n".join(lines)


def _and(names: Sequence[str]) -> str:
    *others, last = names
    return f"{', '.join(others)} and {last}" if others else last


def _rule_order(rule: str) -> tuple[int, str]:
    names = list(RULES_BY_NAME)
    return (names.index(rule), rule) if rule in RULES_BY_NAME else (len(names), rule)


def _rule_table(introduced: Sequence[MarkedFinding], existing: Sequence[MarkedFinding]) -> str:
    new = Counter(m.finding.rule for m in introduced)
    old = Counter(m.finding.rule for m in existing)
    rows = ["| Rule | New | Existing |", "| --- | ---: | ---: |"]
    for rule in sorted(new.keys() | old.keys(), key=_rule_order):
        rows.append(f"| `{rule}` | {new[rule]} | {old[rule]} |")
    return "\n".join(rows)


def _item(marked: MarkedFinding) -> str:
    finding = marked.finding
    return (
        f"- `{marked.path}:{finding.line}` **{finding.rule}** ({finding.severity}): "
        f"{_one_line(finding.message)}"
    )


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _introduced_section(introduced: Sequence[MarkedFinding]) -> str:
    lines = ["### Problems introduced", ""]
    lines.extend(_item(m) for m in introduced[:LISTED_INTRODUCED])
    if len(introduced) > LISTED_INTRODUCED:
        more = len(introduced) - LISTED_INTRODUCED
        lines.append(f"- …and {more} more, [in the details below]({MORE_INTRODUCED_LINK})")
    return "\n".join(lines)


def _existing_note(count: int, annotated: int) -> str:
    """The summary's word on the problems already in the log: counted, never listed."""
    label = EXISTING_PREFIX.strip(": ")
    one = count == 1
    if not annotated:
        shown = "is not annotated" if one else "are not annotated"
    elif annotated == count:
        shown = f'{"is" if one else "are"} annotated as "{label}"'
    else:
        which = (
            "the one inside the diff is"
            if annotated == 1
            else f"the {annotated} inside the diff are"
        )
        shown = f'{which} annotated as "{label}"'
    them = "it" if one else "them"
    return (
        f"**{_plural(count, 'problem was', 'problems were')} already in the log**, on lines "
        f"this pull request did not change. {'It never fails' if one else 'They never fail'} "
        f"the check and {shown}; the table counts {them} by rule and "
        f"[the details below]({EXISTING_LINK}) list {'it' if one else 'each one'}."
    )


def _details(more_introduced: Sequence[MarkedFinding], existing: Sequence[MarkedFinding]) -> str:
    """The run's `text`: every finding the summary does not list, each once."""
    sections = []
    if more_introduced:
        lines = [MORE_INTRODUCED_HEADING, ""]
        sections.append("\n".join([*lines, *(_item(m) for m in more_introduced)]))
    if existing:
        lines = [EXISTING_HEADING, ""]
        per_file = Counter(m.path for m in existing)
        if len(per_file) > 1:
            files = [f"`{path}` ({count})" for path, count in per_file.most_common(LISTED_LOGS)]
            if len(per_file) > LISTED_LOGS:
                files.append(f"{len(per_file) - LISTED_LOGS} more files")
            lines += [f"By file: {', '.join(files)}.", ""]
        sections.append("\n".join([*lines, *(_item(m) for m in existing)]))
    return "\n\n".join(sections) + "\n" if sections else ""
