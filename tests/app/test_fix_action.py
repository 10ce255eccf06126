"""The "Apply fixes" button: the exact commit, conflicts, and forks that do not allow edits."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from chronolog.app.delivery import Delivery
from chronolog.app.github import GitHubApp
from chronolog.app.router import AppContext, dispatch
from chronolog.app.server import app_context
from chronolog.check import fix_text
from chronolog.fixes import changed_after_fixes
from chronolog.model import Edit, Fix
from chronolog.rule import Context, latest_current_date
from tests.app.conftest import LOG_PATH, NOW, log_texts
from tests.conftest import LOGS
from tests.fake_github import FakeGitHub, blob_sha, load_webhook

REPO = "electron/electron"
HEAD_SHA = "5bd5f196a46b8222fb7484f05faba41a73cf34bd"
BRANCH = "miniak/event-process-id"


def clicked(identifier: str = "apply-fixes") -> dict[str, Any]:
    """The real requested_action payload, with chronolog's button instead of another app's
    (by default the one button of runs made before **Fix my lines**: the whole log)."""
    payload = load_webhook("check_run.requested_action")
    payload["requested_action"] = {"identifier": identifier}
    return payload


WHOLE_LOG = (
    "(Fix whole log)\n\nFix whole log, a button of the chronolog check run, commits every "
    "safe fix in the log.\n\n"
)
MY_LINES = (
    "(Fix my lines)\n\nFix my lines, a button of the chronolog check run, commits the safe "
    "fixes on the lines this pull request added or changed.\n\n"
)


def add_electron_pull(
    fake: FakeGitHub,
    payload: dict[str, Any],
    *,
    fork: bool = False,
    can_modify: bool = False,
    head: str | None = None,
    base: str | None = None,
) -> None:
    real_base, real_head = log_texts()
    head = real_head if head is None else head
    base = real_base if base is None else base
    fake.add_repo(REPO, installation_id=payload["installation"]["id"], default_branch="main")
    if fork:
        fake.add_repo("miniak/electron")
    fake.add_pull(
        REPO,
        26764,
        base_files={LOG_PATH: base},
        head_files={LOG_PATH: head},
        base_sha="b" * 40,
        head_sha=HEAD_SHA,
        author="miniak",
        head_ref=BRANCH,
        head_repo="miniak/electron" if fork else None,
        maintainer_can_modify=can_modify,
    )
    fake.add_check_run(REPO, payload["check_run"])


async def press(github_app: GitHubApp, payload: dict[str, Any]) -> None:
    item = Delivery("d-1", "check_run", "requested_action", payload, NOW)
    await dispatch(AppContext(github_app, clock=lambda: NOW), item)


@pytest.mark.anyio
async def test_the_button_commits_every_safe_fix_with_the_blob_sha(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    add_electron_pull(fake, payload)

    await press(github_app, payload)

    [put] = fake.calls(f"PUT /repos/{REPO}/contents/support/log.md")
    _, head = log_texts()
    expected = fix_text(head, Context(latest_current_date(NOW), author="miniak")).text
    assert put.json == {
        "message": (
            f"chronolog: apply 11 fixes to support/log.md {WHOLE_LOG}"
            "- participants: Start the entry with `@miniak`\n"
            "- duration-tag: Write `$DURATION=3h`\n"
            "- duration-tag: Write `$DURATION=45m`\n"
            "- duration-tag: Write `$DURATION=3h`\n"
            "- duration-tag: Write `$DURATION=10m`\n"
            "- duration-tag: Write `$DURATION=15m`\n"
            "- duration-tag: Write `$DURATION=30m`\n"
            "- duration-tag: Write `$DURATION=45m`\n"
            "- duration-tag: Write `$DURATION=20m`\n"
            "- duration-tag: Write `$DURATION=60m`\n"
            "- duration-tag: Write `$DURATION=30m`"
        ),
        "content": base64.b64encode(expected.encode()).decode(),
        "branch": BRANCH,
        "sha": blob_sha(head.encode()),
    }
    files = fake.repos[REPO].files_at(BRANCH)
    assert files is not None
    assert files[LOG_PATH] == expected.encode()


@pytest.mark.anyio
async def test_a_conflicting_push_re_runs_the_check_instead(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    add_electron_pull(fake, payload)
    fake.fail("PUT", f"/repos/{REPO}/contents/support/log.md", 409, message="does not match")

    await press(github_app, payload)

    assert fake.commits == []
    [rerun] = [run for run in fake.runs_for(REPO) if run["_requests"]]
    assert (rerun["head_sha"], rerun["conclusion"]) == (HEAD_SHA, "failure")


@pytest.mark.anyio
async def test_a_fork_that_does_not_allow_edits_is_refused_on_the_check_run(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    add_electron_pull(fake, payload, fork=True, can_modify=False)

    await press(github_app, payload)

    assert fake.calls(r"PUT .*") == []
    [patch] = fake.calls(r"PATCH /repos/electron/electron/check-runs/1494503112")
    assert patch.json == {
        "output": {
            "title": payload["check_run"]["output"]["title"],
            "summary": (
                "**Fix whole log** could not run: this pull request comes from a fork that does "
                "not allow edits by maintainers. Turn on *Allow edits by maintainers* in the "
                "pull request's sidebar and press the button again, or apply the suggestions "
                "by hand.\n\n" + payload["check_run"]["output"]["summary"]
            ).strip(),
        }
    }


@pytest.mark.anyio
async def test_a_fork_that_allows_edits_gets_the_commit_on_its_branch(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    add_electron_pull(fake, payload, fork=True, can_modify=True)
    _, head = log_texts()
    fake.set_files("miniak/electron", BRANCH, {LOG_PATH: head})

    await press(github_app, payload)

    [put] = fake.calls(r"PUT .*")
    assert put.path == "/repos/miniak/electron/contents/support/log.md"
    assert put.json["branch"] == BRANCH


@pytest.mark.anyio
async def test_nothing_left_to_fix_says_so(fake: FakeGitHub, github_app: GitHubApp) -> None:
    payload = clicked()
    clean = (
        "# Support log\n\n## 2022-10-21\n\n@miniak fixed the deploy.\n\n"
        "## 2022-10-20\n\n@miniak broke the deploy.\n"
    )
    add_electron_pull(fake, payload, head=clean, can_modify=True)

    await press(github_app, payload)

    assert fake.calls(r"PUT .*") == []
    assert fake.calls(f"GET /repos/{REPO}/contents/support/log.md")  # it was read as a log
    [patch] = fake.calls(r"PATCH .*")
    assert patch.json["output"]["summary"].startswith(
        "**Fix whole log**: there was nothing left that chronolog can fix safely."
    )


# A log with two old entries that name nobody; the pull request adds a third.
OLD_ENTRIES = (
    "# Support log\n\n"
    "## 2022-10-20\n\nRestarted the runner.\n\n"
    "## 2020-03-01\n\nSomeone fixed the build.\n"
)


@pytest.mark.anyio
async def test_the_author_is_credited_only_on_the_entries_the_pull_request_added(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    head = OLD_ENTRIES.replace(
        "## 2022-10-20", "## 2022-10-21\n\nDeploy failed again.\n\n## 2022-10-20"
    )
    add_electron_pull(fake, payload, base=OLD_ENTRIES, head=head)

    await press(github_app, payload)

    [put] = fake.calls(f"PUT /repos/{REPO}/contents/support/log.md")
    assert put.json["message"] == (
        f"chronolog: apply 1 fix to support/log.md {WHOLE_LOG}"
        "- participants: Start the entry with `@miniak`"
    )
    assert base64.b64decode(put.json["content"]).decode() == head.replace(
        "Deploy failed", "@miniak Deploy failed"
    )


@pytest.mark.anyio
async def test_a_misdated_entry_at_the_bottom_is_moved_and_credited_to_its_author(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    head = OLD_ENTRIES + "\n## 2022-10-21\n\nDeploy failed again.\n"
    add_electron_pull(fake, payload, base=OLD_ENTRIES, head=head)

    await press(github_app, payload)

    [put] = fake.calls(f"PUT /repos/{REPO}/contents/support/log.md")
    assert put.json["message"] == (
        f"chronolog: apply 2 fixes to support/log.md {WHOLE_LOG}"
        "- newest-first: Move the entry above `## 2022-10-20` (line 3)\n"
        "- participants: Start the entry with `@miniak`"
    )
    assert base64.b64decode(put.json["content"]).decode() == (
        "# Support log\n\n"
        "## 2022-10-21\n\n@miniak Deploy failed again.\n\n"
        "## 2022-10-20\n\nRestarted the runner.\n\n"
        "## 2020-03-01\n\nSomeone fixed the build.\n\n"
    )


def test_changed_lines_follow_a_move_and_untouched_lines_shift() -> None:
    # Lines 10-13 (an entry) move above line 3; line 2 stays; line 5 shifts down by 4.
    move = Fix(
        "Move the entry",
        (Edit(10, 13, ()), Edit(3, 2, ("## 2022-10-21", "", "Deploy failed again.", ""))),
    )
    handle = Fix("Start the entry with `@a`", (Edit(1, 1, ("@a x",)),))

    assert changed_after_fixes(frozenset({2, 5, 10, 11, 12, 13}), [move, handle]) == {
        2,
        3,
        4,
        5,
        6,
        9,
    }


def note_of(fake: FakeGitHub, payload: dict[str, Any]) -> str:
    """The note the button put first in the clicked run's summary."""
    [patch] = fake.calls(r"PATCH /repos/electron/electron/check-runs/1494503112")
    summary: str = patch.json["output"]["summary"]
    original = payload["check_run"]["output"]["summary"].strip()
    assert summary.endswith("\n\n" + original)
    return summary.removesuffix("\n\n" + original)


@pytest.mark.anyio
async def test_a_commit_github_refuses_is_explained_on_the_check_run(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    add_electron_pull(fake, payload)
    fake.fail(
        "PUT",
        f"/repos/{REPO}/contents/support/log.md",
        403,
        message="Resource not accessible by integration",
    )

    await press(github_app, payload)

    assert fake.commits == []
    assert fake.calls(r"POST .*/check-runs") == []  # no re-run
    assert note_of(fake, payload) == (
        "**Fix whole log** could not commit the fixes: GitHub answered 403: Resource not "
        "accessible by integration. chronolog may not write to `miniak/event-process-id` of "
        "electron/electron: the app needs the *contents: write* permission on that repository "
        "(it may have been installed with *contents: read*, or the fork may not let it push). "
        "Grant the permission and press the button again, or apply the suggestions by hand."
    )


@pytest.mark.anyio
async def test_a_protected_branch_is_named_as_the_reason(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    add_electron_pull(fake, payload)
    fake.fail(
        "PUT",
        f"/repos/{REPO}/contents/support/log.md",
        409,
        message="Repository rule violations found\n\nChanges must be made through a pull request.",
    )

    await press(github_app, payload)

    assert fake.calls(r"POST .*/check-runs") == []
    assert note_of(fake, payload).endswith(
        "`miniak/event-process-id` of electron/electron is protected against this push. Apply "
        "the suggestions by hand, or let the chronolog app push to the branch in its "
        "protection rules and press the button again."
    )


@pytest.mark.anyio
async def test_a_422_that_is_not_a_stale_sha_is_explained_not_re_run(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    add_electron_pull(fake, payload)
    fake.fail(
        "PUT",
        f"/repos/{REPO}/contents/support/log.md",
        422,
        message="Invalid request.\n\nFor 'properties/branch', nil is not a string.",
    )

    await press(github_app, payload)

    assert fake.calls(r"POST .*/check-runs") == []
    assert note_of(fake, payload) == (
        "**Fix whole log** could not commit the fixes: GitHub answered 422: Invalid request.\n\n"
        "For 'properties/branch', nil is not a string. Apply the suggestions by hand, or "
        "press the button again."
    )


@pytest.mark.anyio
async def test_a_422_for_a_stale_sha_re_runs_the_check(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    add_electron_pull(fake, payload)
    fake.fail(
        "PUT",
        f"/repos/{REPO}/contents/support/log.md",
        422,
        message="support/log.md does not match 0d5a690c8fad5e605a6e8766295d9d459d65de42",
    )

    await press(github_app, payload)

    assert fake.calls(r"PATCH .*") == []
    [rerun] = [run for run in fake.runs_for(REPO) if run["_requests"]]
    assert rerun["head_sha"] == HEAD_SHA


@pytest.mark.anyio
async def test_the_button_on_a_fork_pull_request_finds_it_among_the_open_pulls(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    payload["check_run"]["pull_requests"] = []  # what GitHub sends for a fork
    add_electron_pull(fake, payload, fork=True, can_modify=True)
    _, head = log_texts()
    fake.set_files("miniak/electron", BRANCH, {LOG_PATH: head})

    await press(github_app, payload)

    # commits/{sha}/pulls knows nothing of a fork's commit: the open pulls are listed.
    assert fake.calls(f"GET /repos/{REPO}/commits/{HEAD_SHA}/pulls")
    [listed] = fake.calls(f"GET /repos/{REPO}/pulls")
    assert listed.query == {"state": "open", "per_page": "100"}
    [put] = fake.calls(r"PUT .*")
    assert put.path == "/repos/miniak/electron/contents/support/log.md"


@pytest.mark.anyio
async def test_the_button_on_a_commit_no_pull_request_has_says_so(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    payload["check_run"]["pull_requests"] = []
    add_electron_pull(fake, payload)
    fake.pulls[(REPO, 26764)].head_sha = "f" * 40  # pushed since that run

    await press(github_app, payload)

    assert fake.calls(r"PUT .*") == []
    [patch] = fake.calls(r"PATCH /repos/electron/electron/check-runs/1494503112")
    assert patch.json["output"]["summary"].startswith(
        "**Fix whole log** did nothing: this check ran on a commit that is no longer the head "
        "of an open pull request. Press the button on the check run of the pull request's "
        "latest commit.\n\n"
    )


@pytest.mark.anyio
async def test_the_re_run_after_a_conflict_is_the_check_as_served(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked()
    _, head = log_texts()
    add_electron_pull(fake, payload, head=head.replace("DevX was flagged", "See #7. DevX was", 1))
    fake.add_issue(REPO, 7)
    fake.fail("PUT", f"/repos/{REPO}/contents/support/log.md", 409, message="does not match")
    ctx = app_context(github_app, clock=lambda: NOW)
    item = Delivery("d-1", "check_run", "requested_action", payload, NOW)

    await dispatch(ctx, item)

    [rerun] = [run for run in fake.runs_for(REPO) if run["_requests"]]
    # The backlink preview is there, as on every check the app serves.
    assert "### Backlinks from" in rerun["output"]["summary"]
    # The config read for the button is reused by the re-run.
    assert len(fake.calls(f"GET /repos/{REPO}/contents/.github/chronolog.yml")) == 1


@pytest.mark.anyio
async def test_fix_my_lines_commits_only_the_fixes_on_the_pull_requests_lines(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    # The same pull request whose whole log takes 11 fixes: one is on its own entry.
    payload = clicked("fix-my-lines")
    add_electron_pull(fake, payload)

    await press(github_app, payload)

    [put] = fake.calls(f"PUT /repos/{REPO}/contents/support/log.md")
    _, head = log_texts()
    assert put.json == {
        "message": (
            f"chronolog: apply 1 fix to support/log.md {MY_LINES}"
            "- participants: Start the entry with `@miniak`"
        ),
        "content": base64.b64encode(
            head.replace("\nDevX was flagged", "\n@miniak DevX was flagged", 1).encode()
        ).decode(),
        "branch": BRANCH,
        "sha": blob_sha(head.encode()),
    }


# The issue's scenario: the reference log with one entry added on top by jhchabran.
SCENARIO_ENTRY = (
    "## 26/11/2022\n\nRestarted the stuck CI agents after the disk filled up. DURATION=45m\n\n"
)
SCENARIO_FIXED = (
    "## 2022-11-26\n\n@jhchabran Restarted the stuck CI agents after the disk filled up. "
    "$DURATION=45m\n\n"
)


def scenario_texts() -> tuple[str, str]:
    base = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    return base, base.replace("## 2022-11-25", SCENARIO_ENTRY + "## 2022-11-25", 1)


@pytest.mark.anyio
async def test_fix_my_lines_fixes_the_new_entry_and_nothing_else(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked("fix-my-lines")
    base, head = scenario_texts()
    add_electron_pull(fake, payload, base=base, head=head)
    fake.pulls[(REPO, 26764)].author = "jhchabran"

    await press(github_app, payload)

    [put] = fake.calls(f"PUT /repos/{REPO}/contents/support/log.md")
    assert put.json["message"] == (
        f"chronolog: apply 3 fixes to support/log.md {MY_LINES}"
        "- date-heading: Rewrite the heading as `## 2022-11-26`\n"
        "- duration-tag: Write `$DURATION=45m`\n"
        "- participants: Start the entry with `@jhchabran`"
    )
    assert base64.b64decode(put.json["content"]).decode() == head.replace(
        SCENARIO_ENTRY, SCENARIO_FIXED, 1
    )


@pytest.mark.anyio
async def test_fix_whole_log_fixes_the_old_problems_too(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked("fix-whole-log")
    base, head = scenario_texts()
    add_electron_pull(fake, payload, base=base, head=head)
    fake.pulls[(REPO, 26764)].author = "jhchabran"

    await press(github_app, payload)

    [put] = fake.calls(f"PUT /repos/{REPO}/contents/support/log.md")
    assert put.json["message"].startswith(
        f"chronolog: apply 19 fixes to support/log.md {WHOLE_LOG}"
    )
    fixed = base64.b64decode(put.json["content"]).decode()
    assert SCENARIO_FIXED in fixed
    assert "👉".encode().decode("cp1252") in head  # an old line's mojibake ...
    assert "👉".encode().decode("cp1252") not in fixed  # ... repaired as well


@pytest.mark.anyio
async def test_fix_my_lines_with_nothing_on_the_pull_requests_lines_says_so(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked("fix-my-lines")
    base = OLD_ENTRIES.replace(
        "Restarted the runner.", "@miniak Restarted the runner. @DURATION=3h"
    )
    head = base.replace("## 2022-10-20", "## 2022-10-21\n\n@miniak Deploy failed.\n\n## 2022-10-20")
    add_electron_pull(fake, payload, base=base, head=head, can_modify=True)

    await press(github_app, payload)

    assert fake.calls(r"PUT .*") == []
    assert note_of(fake, payload) == (
        "**Fix my lines**: there was nothing left on this pull request's lines that "
        "chronolog can fix safely."
    )


@pytest.mark.anyio
async def test_fix_my_lines_re_runs_the_check_on_a_conflict(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = clicked("fix-my-lines")
    add_electron_pull(fake, payload)
    fake.fail("PUT", f"/repos/{REPO}/contents/support/log.md", 409, message="does not match")

    await press(github_app, payload)

    assert fake.commits == []
    [rerun] = [run for run in fake.runs_for(REPO) if run["_requests"]]
    assert (rerun["head_sha"], rerun["conclusion"]) == (HEAD_SHA, "failure")
    assert [a["identifier"] for a in rerun["actions"]] == ["fix-my-lines", "fix-whole-log"]


@pytest.mark.anyio
async def test_another_apps_button_is_not_ours(fake: FakeGitHub, github_app: GitHubApp) -> None:
    payload = clicked("apply-fixes-2")
    add_electron_pull(fake, payload)

    await press(github_app, payload)

    assert fake.requests == []
