"""The check run's buttons, **Fix my lines** and **Fix whole log**, and what they commit.

GitHub shows at most 3 actions on a completed check run, each with a label and an
identifier of at most 20 characters and a description of at most 40; a click sends
`check_run.requested_action` with the identifier. The counts come from
`chronolog.pull.safe_fixes`; the commit itself is `chronolog.app.fixes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_DESCRIPTION_LENGTH = 40  # for an action's description


@dataclass(frozen=True)
class FixButton:
    """A button of the check run (GitHub allows a 20-character label and identifier)."""

    identifier: str
    label: str
    changed_lines_only: bool  # commit only the fixes on lines the pull request changed


FIX_MY_LINES = FixButton("fix-my-lines", "Fix my lines", changed_lines_only=True)
FIX_WHOLE_LOG = FixButton("fix-whole-log", "Fix whole log", changed_lines_only=False)
# The one button of the runs made before there were two; it committed every safe fix.
APPLY_FIXES_ACTION = "apply-fixes"
FIX_BUTTONS = {
    FIX_MY_LINES.identifier: FIX_MY_LINES,
    FIX_WHOLE_LOG.identifier: FIX_WHOLE_LOG,
    APPLY_FIXES_ACTION: FIX_WHOLE_LOG,
}


@dataclass(frozen=True)
class SafeFixes:
    """How many safe fixes each button commits: `my_lines` for problems on lines the pull
    request added or changed (`chronolog.fixes.on_changed_lines`), `whole_log` for all."""

    my_lines: int = 0
    whole_log: int = 0

    def buttons(self) -> tuple[FixButton, ...]:
        """**Fix my lines** when it has something to commit, then **Fix whole log** when
        that commits more; when both would commit the same fixes, only **Fix my lines**."""
        shown = [FIX_MY_LINES] if self.my_lines > 0 else []
        if self.whole_log > self.my_lines:
            shown.append(FIX_WHOLE_LOG)
        return tuple(shown)

    def what_they_do(self) -> tuple[str, ...]:
        """One sentence per button shown: its name, what it commits and how many fixes."""
        sentences = []
        for button in self.buttons():
            if button is FIX_MY_LINES:
                sentences.append(
                    f"**{button.label}** commits "
                    f"{_plural(self.my_lines, 'safe fix', 'safe fixes')} for the problems on "
                    "the lines this pull request added or changed."
                )
            elif self.my_lines:
                elsewhere = self.whole_log - self.my_lines
                sentences.append(
                    f"**{button.label}** commits all {self.whole_log} safe fixes in the log, "
                    f"{elsewhere} of them on lines this pull request did not change."
                )
            else:
                sentences.append(
                    f"**{button.label}** commits "
                    f"{_plural(self.whole_log, 'safe fix', 'safe fixes')} in the log, none "
                    "of them on the lines this pull request added or changed."
                )
        return tuple(sentences)


NO_SAFE_FIXES = SafeFixes()


def fix_actions(safe_fixes: SafeFixes) -> tuple[dict[str, Any], ...]:
    """The buttons `safe_fixes.buttons()` shows, the default (**Fix my lines**) first."""
    actions = []
    for button in safe_fixes.buttons():
        if button.changed_lines_only:
            fixes = _plural(safe_fixes.my_lines, "safe fix", "safe fixes")
            description = f"Commit {fixes} on the PR's lines"
            fallback = "Commit the safe fixes on the PR's lines"
        else:
            description = f"Commit all {safe_fixes.whole_log} safe fixes in the log"
            if safe_fixes.whole_log == 1:
                description = "Commit 1 safe fix in the log"
            fallback = "Commit all safe fixes in the log"
        if len(description) > MAX_DESCRIPTION_LENGTH:
            description = fallback
        actions.append(
            {"label": button.label, "description": description, "identifier": button.identifier}
        )
    return tuple(actions)


def fixes_section(safe_fixes: SafeFixes, suggestions_posted: int) -> str:
    """The summary's "Fixes" section: the buttons shown and the suggestions posted."""
    lines = [f"- {sentence}" for sentence in safe_fixes.what_they_do()]
    if lines:
        where = "button is" if len(lines) == 1 else "buttons are"
        lines.insert(0, f"The {where} at the top of this check run.\n")
    if suggestions_posted == 1:
        lines.append(
            "- 1 review suggestion was posted on the changed lines; commit it from the "
            "**Files changed** tab."
        )
    elif suggestions_posted:
        lines.append(
            f"- {suggestions_posted} review suggestions were posted on the changed lines; "
            "commit them in one batch from the **Files changed** tab."
        )
    return "\n".join(["### Fixes", "", *lines]) if lines else ""


def _plural(count: int, word: str, words: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words}"
