"""Every rule chronolog has, in one explicit list: rules never register by import."""

from __future__ import annotations

from chronolog.rule import Rule
from chronolog.rules import (
    date_heading,
    duration_tag,
    empty_entry,
    future_date,
    heading_level,
    mojibake,
    newest_first,
    participants,
    unused_suppression,
)

ALL_RULES: tuple[Rule, ...] = (
    date_heading.RULE,
    heading_level.RULE,
    newest_first.RULE,
    participants.RULE,
    empty_entry.RULE,
    future_date.RULE,
    duration_tag.RULE,
    mojibake.RULE,
    unused_suppression.RULE,
)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in ALL_RULES}
