"""Every rule chronolog has, in one explicit list (markdownlint's way: no registration by import)."""

from __future__ import annotations

from chronolog.rules import date_heading
from chronolog.rules import heading_level
from chronolog.rules import newest_first
from chronolog.rules import participants
from chronolog.rules import empty_entry
from chronolog.rules import future_date
from chronolog.rules import duration_tag
from chronolog.rules import mojibake
from chronolog.rule import Rule

ALL_RULES: tuple[Rule, ...] = (
    date_heading.RULE,
    heading_level.RULE,
    newest_first.RULE,
    participants.RULE,
    empty_entry.RULE,
    future_date.RULE,
    duration_tag.RULE,
    mojibake.RULE,
)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in ALL_RULES}
