"""The reference scenario of issue 10: the reference log with one new entry on top.

`devx-support-log-2022.md` is the base; the head adds `## 26/11/2022` above its first
entry, with a first line that names no one and ends in `DURATION=45m`. The pull request
introduces 3 problems (the date, the tag, the missing handles); the log's 16 old ones (6
mojibake, 10 duration-tag variants) are on lines it did not touch. Shared by the tests and
docs/screenshots/render_check_run.py, so the screenshot shows what the tests pin.
"""

from __future__ import annotations

import datetime as dt
import difflib

from chronolog.check_output import CheckRunOutput
from chronolog.config import RepoConfig
from chronolog.parse import parse_log
from chronolog.pull import (
    LogsOfPull,
    check_changed_log,
    check_run_output,
    files_to_read,
    review_plan,
    safe_fixes,
)
from chronolog.rule import Context
from tests.conftest import LOGS

LOG_PATH = "support/log.md"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
TODAY = dt.date(2022, 11, 28)
NEW_ENTRY = (
    "## 26/11/2022\n\nRestarted the stuck CI agents after the dind volume fix DURATION=45m\n\n"
)
BASE = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
HEAD = BASE.replace("## 2022-11-25\n", NEW_ENTRY + "## 2022-11-25\n", 1)


def github_patch(base: str, head: str) -> str:
    """What GitHub puts in `patch`: the unified diff (3 lines of context) without headers."""
    lines = difflib.unified_diff(base.splitlines(keepends=True), head.splitlines(keepends=True))
    return "".join(list(lines)[2:])


def reference_output(
    config: RepoConfig | None = None, *, author: str = "jhchabran"
) -> CheckRunOutput:
    """The check run the app renders for the scenario, its suggestions all posted."""
    config = config or RepoConfig()
    entry = {"filename": LOG_PATH, "status": "modified", "patch": github_patch(BASE, HEAD)}
    (changed,) = files_to_read(config, [entry])
    checked = check_changed_log(
        changed,
        HEAD,
        parse_log(HEAD),
        None,
        config=config,
        context=Context(today=TODAY, author=author),
    )
    plan = review_plan(
        [checked],
        [],
        head_sha=HEAD_SHA,
        safe_fixes=safe_fixes([checked]),
    )
    found = LogsOfPull(config, None, (checked,), ())
    return check_run_output(found, suggestions_posted=plan.posted, sections=[])
