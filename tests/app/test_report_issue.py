"""The report issue, end to end against the shared fake GitHub: pushes to the default
branch go through the router's table, the facade and GitHub's REST shapes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from chronolog.app.backlinks.push import BacklinksFailed
from chronolog.app.delivery import Delivery
from chronolog.app.github import GitHubApp, GitHubError, GitHubUnavailable
from chronolog.app.router import HANDLERS, AppContext, dispatch
from tests.conftest import LOGS
from tests.fake_github import FakeGitHub, load_webhook

LOG_REPO = "sourcegraph/devx-scratch"
PATH = "2022/support/log.snb.md"
NOW = dt.datetime(2022, 11, 30, 9, 0, tzinfo=dt.UTC)
SHA = {name: (str(n) * 40) for n, name in enumerate(["base", "one", "two", "three"], 1)}
CONFIG = "report:\n  issue_title: Support log report\n"
ENTRY_ONE = (
    "## 2022-11-28\n\n"
    "@octocat and @hubot: the deploy is stuck again, see sourcegraph/sourcegraph#50000 and "
    "sourcegraph/sourcegraph#50001 $DURATION=30m\n\n"
)
ENTRY_TWO = "## 2022-11-29\n\n@hubot followed up on sourcegraph/sourcegraph#50000 $DURATION=15m\n\n"
MARKERS = f"<!-- chronolog-report -->\n<!-- chronolog-report-log: {PATH} -->\n"


def log_with(*entries: str) -> str:
    text = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    return text.replace("## 2022-11-25\n", "".join(entries) + "## 2022-11-25\n", 1)


@pytest.fixture
def world(fake: FakeGitHub) -> FakeGitHub:
    fake.add_repo(LOG_REPO, installation_id=1)
    fake.add_repo("sourcegraph/sourcegraph", installation_id=1)
    fake.add_issue("sourcegraph/sourcegraph", 50000)
    fake.add_issue("sourcegraph/sourcegraph", 50001, state="closed")
    fake.set_files(LOG_REPO, SHA["base"], {PATH: log_with(), ".github/chronolog.yml": CONFIG})
    return fake


def push(
    fake: FakeGitHub,
    before: str,
    after: str,
    text: str,
    *,
    config: str = CONFIG,
    ref: str = "refs/heads/main",
    delivery: str = "d-1",
) -> Delivery:
    """Commit `text` as the log at `after` and deliver the real push payload for it."""
    fake.set_files(LOG_REPO, after, {PATH: text, ".github/chronolog.yml": config})
    if ref == "refs/heads/main":
        fake.repos[LOG_REPO].refs["main"] = after
    payload = load_webhook("push.new-branch")
    payload.update(ref=ref, before=before, after=after, created=False, forced=False)
    payload["repository"].update(
        name="devx-scratch",
        full_name=LOG_REPO,
        html_url=f"https://github.com/{LOG_REPO}",
        default_branch="main",
    )
    payload["repository"]["owner"]["login"] = "sourcegraph"
    payload["installation"]["id"] = 1
    commit = dict(payload["commits"][0], id=after, added=[], modified=[PATH], removed=[])
    payload.update(commits=[commit], head_commit=commit)
    return Delivery(delivery, "push", None, payload, NOW)


async def handle(github_app: GitHubApp, item: Delivery) -> None:
    await dispatch(AppContext(github_app, clock=lambda: NOW), item)


def issue_writes(fake: FakeGitHub) -> list[str]:
    """The requests that create or edit issues (backlink comments left out)."""
    return [r for r in fake.routes() if re.fullmatch(r"(POST|PATCH) /repos/.+/issues(/\d+)?", r)]


def outside_code(markdown: str) -> str:
    """`markdown` without its fenced blocks, code spans and HTML comments: what GitHub
    reads for mentions and cross-references."""
    text = re.sub(r"(?ms)^```.*?^```", "", markdown)
    text = re.sub(r"(?s)<!--.*?-->", "", text)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


HANDOVER = """\
## Handover

Handover: 1 issue or pull request referenced from 2022-11-17 to 2022-11-30; some states \
unknown (the app is not installed where 1 of them are):

| reference | date | entry | summary |
|---|---|---|---|
| `sourcegraph/sourcegraph#50000` | 2022-11-28 | 2022/support/log.snb.md:5 | \
`: the deploy is stuck again, see sourcegraph/sourcegraph#50000 and sourcegraph/…` |
"""
FOOTER = (
    "<sub>Written by chronolog from `2022/support/log.snb.md` at `2222222` on `main`, "
    "2022-11-30, and rewritten on every push that changes the log: edits to this issue's "
    "text are overwritten. Handles and references are written as code, so it notifies "
    "nobody.</sub>\n"
)


@pytest.mark.anyio
async def test_the_first_push_creates_the_issue(world: FakeGitHub, github_app: GitHubApp) -> None:
    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))

    (issue,) = world.issues_in(LOG_REPO)
    assert issue_writes(world) == ["POST /repos/sourcegraph/devx-scratch/issues"]
    assert (issue["number"], issue["title"], issue["user"]) == (
        1,
        "Support log report",
        {"login": "chronolog[bot]", "type": "Bot"},
    )
    body = issue["body"]
    assert body.startswith(
        MARKERS + "\n# `2022/support/log.snb.md`, December 2021 to November 2022\n\n"
        "58 entries from 2022-03-21 to 2022-11-28 in 1 log: 24h 25m of support time; "
        "36 of 58 entries have no duration tag.\n\n## Support time per month\n\n"
        "| month | entries | minutes | time | without duration |\n|---|--:|--:|---|--:|\n"
        "| 2021-12 | 0 | 0 | 0m | 0 |\n"
    )
    assert "| 2022-11 | 4 | 30 | 30m | 3 |\n| **total** | **58** | **1465** | **24h 25m** |" in body
    assert "| `@octocat` | 1 | 30 | 30m |\n" in body
    # The closed #50001 and the missing #44795 are not handed over; smoke-tests is a
    # repository the app is not installed on.
    assert body.endswith(
        HANDOVER.replace("1 issue or pull request", "2 issues and pull requests")
        + "| `sourcegraph/smoke-tests#43 (state unknown)` | 2022-11-18 | "
        "2022/support/log.snb.md:34 | `Fixing the smoke tests for dotcom` |\n\n" + FOOTER
    )


@pytest.mark.anyio
async def test_the_report_pings_nobody(world: FakeGitHub, github_app: GitHubApp) -> None:
    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))

    (issue,) = world.issues_in(LOG_REPO)
    # Handles and references appear, but only as code, where GitHub neither notifies
    # nor cross-references.
    assert "`@octocat`" in issue["body"]
    assert "`sourcegraph/sourcegraph#50000`" in issue["body"]
    prose = outside_code(issue["body"])
    assert re.findall(r"@[A-Za-z0-9]|#\d|GH-\d|https?://", prose, re.IGNORECASE) == []


@pytest.mark.anyio
async def test_a_second_push_edits_the_same_issue(world: FakeGitHub, github_app: GitHubApp) -> None:
    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))
    world.requests.clear()

    second = push(world, SHA["one"], SHA["two"], log_with(ENTRY_TWO, ENTRY_ONE), delivery="d-2")
    await handle(github_app, second)

    (issue,) = world.issues_in(LOG_REPO)
    assert issue_writes(world) == ["PATCH /repos/sourcegraph/devx-scratch/issues/1"]
    (patch,) = world.calls("PATCH /repos/sourcegraph/devx-scratch/issues/1")
    assert set(patch.json) == {"body"}  # the title is unchanged: not sent
    assert "| 2022-11 | 5 | 45 | 45m | 3 |" in issue["body"]
    assert "at `3333333` on `main`" in issue["body"]


@pytest.mark.anyio
async def test_a_redelivery_or_retry_writes_nothing(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    item = push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE))
    await handle(github_app, item)
    world.requests.clear()

    await handle(github_app, item)  # the engine running the step again
    await handle(
        github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE), delivery="d-2")
    )

    assert issue_writes(world) == []
    assert len(world.issues_in(LOG_REPO)) == 1


@pytest.mark.anyio
async def test_without_report_in_the_config_nothing_is_asked_about_issues(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    item = push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE), config="check_name: x\n")
    await handle(github_app, item)

    assert world.issues_in(LOG_REPO) == []
    assert [r for r in world.routes() if "devx-scratch/issues" in r] == []


@pytest.mark.anyio
async def test_a_push_to_another_branch_does_nothing(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    item = push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE), ref="refs/heads/feature")
    await handle(github_app, item)

    assert world.routes() == []
    assert world.issues_in(LOG_REPO) == []


@pytest.mark.anyio
async def test_a_persons_issue_with_the_markers_is_left_alone(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    copied = f"{MARKERS}\nI pasted the report here to discuss it."
    world.add_issue(LOG_REPO, 1, title="Support log report", body=copied, author="octocat")
    world.add_issue(LOG_REPO, 2, title="Report", body=copied, author="other-app[bot]")

    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))

    theirs, other_app, ours = world.issues_in(LOG_REPO)
    assert (theirs["body"], other_app["body"]) == (copied, copied)
    assert (ours["number"], ours["user"]["login"]) == (3, "chronolog[bot]")
    assert issue_writes(world) == ["POST /repos/sourcegraph/devx-scratch/issues"]


@pytest.mark.anyio
async def test_a_closed_issue_is_edited_and_stays_closed_and_a_new_title_is_applied(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))
    world.issues[(LOG_REPO, 1)]["state"] = "closed"  # someone closed it
    world.requests.clear()

    config = CONFIG.replace("Support log report", "'Support: the last 12 months'")
    second = push(world, SHA["one"], SHA["two"], log_with(ENTRY_TWO, ENTRY_ONE), config=config)
    await handle(github_app, second)

    (issue,) = world.issues_in(LOG_REPO)
    (patch,) = world.calls("PATCH /repos/sourcegraph/devx-scratch/issues/1")
    assert set(patch.json) == {"title", "body"}
    assert (issue["title"], issue["state"]) == ("Support: the last 12 months", "closed")
    assert world.calls("GET /repos/sourcegraph/devx-scratch/issues")[0].query == {
        "state": "all",
        "creator": "chronolog[bot]",
        "per_page": "100",
    }


@pytest.mark.anyio
async def test_issues_turned_off_is_logged_not_retried(
    world: FakeGitHub, github_app: GitHubApp, caplog: pytest.LogCaptureFixture
) -> None:
    world.repos[LOG_REPO].has_issues = False

    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))

    assert world.issues_in(LOG_REPO) == []
    assert (
        "sourcegraph/devx-scratch: report issue of 2022/support/log.snb.md refused: "
        "410: Issues are disabled for this repo" in caplog.text
    )


def test_push_runs_backlinks_and_then_the_report() -> None:
    assert [r.handler.__module__ for r in HANDLERS if r.event == "push"] == [
        "chronolog.app.backlinks.routes",
        "chronolog.app.report.routes",
    ]


@pytest.mark.anyio
async def test_a_create_whose_answer_was_lost_is_found_by_the_retry(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    world.fail("POST", "/repos/sourcegraph/devx-scratch/issues", 0, timeout=True, carried_out=True)
    item = push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE))

    with pytest.raises(GitHubError) as caught:
        await handle(github_app, item)
    assert caught.value.is_server_side  # the engine runs the delivery again
    world.requests.clear()
    await handle(github_app, item)

    assert len(world.issues_in(LOG_REPO)) == 1
    assert issue_writes(world) == []


@pytest.mark.anyio
async def test_failing_backlinks_do_not_stop_the_report(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    world.fail("POST", r"/repos/sourcegraph/sourcegraph/issues/\d+/comments", 502, times=99)

    with pytest.raises(BacklinksFailed):
        await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))

    (issue,) = world.issues_in(LOG_REPO)
    assert issue["body"].startswith(MARKERS)


@pytest.mark.anyio
async def test_an_issue_the_creator_filter_misses_is_still_found(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    world.creator_matches_bots = False
    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))
    second = push(world, SHA["one"], SHA["two"], log_with(ENTRY_TWO, ENTRY_ONE), delivery="d-2")
    await handle(github_app, second)

    assert len(world.issues_in(LOG_REPO)) == 1
    assert issue_writes(world) == [
        "POST /repos/sourcegraph/devx-scratch/issues",
        "PATCH /repos/sourcegraph/devx-scratch/issues/1",
    ]


@pytest.mark.anyio
async def test_a_refused_creator_filter_falls_back_to_listing_every_issue(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))
    world.requests.clear()
    world.fail("GET", "/repos/sourcegraph/devx-scratch/issues", 422, message="Validation Failed")

    second = push(world, SHA["one"], SHA["two"], log_with(ENTRY_TWO, ENTRY_ONE), delivery="d-2")
    await handle(github_app, second)

    (issue,) = world.issues_in(LOG_REPO)
    assert "| 2022-11 | 5 | 45 | 45m | 3 |" in issue["body"]
    assert issue_writes(world) == ["PATCH /repos/sourcegraph/devx-scratch/issues/1"]
    assert [c.query for c in world.calls("GET /repos/sourcegraph/devx-scratch/issues")] == [
        {"state": "all", "creator": "chronolog[bot]", "per_page": "100"},
        {"state": "all", "per_page": "100"},
    ]


@pytest.mark.anyio
async def test_a_refused_issue_list_is_logged_and_the_push_still_succeeds(
    world: FakeGitHub, github_app: GitHubApp, caplog: pytest.LogCaptureFixture
) -> None:
    world.fail(
        "GET",
        "/repos/sourcegraph/devx-scratch/issues",
        410,
        message="Issues are disabled for this repo",
        times=2,
    )

    await handle(github_app, push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE)))

    assert issue_writes(world) == []
    assert world.issues_in(LOG_REPO) == []
    assert len(world.calls("GET /repos/sourcegraph/devx-scratch/issues")) == 2
    assert world.calls(r"POST /repos/sourcegraph/sourcegraph/issues/5000[01]/comments")
    assert (
        "sourcegraph/devx-scratch: report issue of 2022/support/log.snb.md refused: "
        "410: Issues are disabled for this repo" in caplog.text
    )


@pytest.mark.anyio
async def test_without_the_apps_login_no_issue_is_written_and_the_push_is_retried(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    # Another app's issue carrying the markers: with no login to compare, it would pass
    # for ours (a bot wrote it).
    copied = f"{MARKERS}\nAnother app's copy."
    world.add_issue(LOG_REPO, 1, title="Support log report", body=copied, author="other[bot]")
    world.fail("GET", "/app", 502, times=99)
    item = push(world, SHA["base"], SHA["one"], log_with(ENTRY_ONE))

    with pytest.raises(GitHubUnavailable) as caught:
        await handle(github_app, item)
    assert caught.value.is_server_side  # the engine runs the delivery again
    assert issue_writes(world) == []
    assert world.issues_in(LOG_REPO)[0]["body"] == copied

    world.failures.clear()
    await handle(github_app, item)  # the retry, once GitHub answers
    theirs, ours = world.issues_in(LOG_REPO)
    assert (theirs["body"], ours["user"]["login"]) == (copied, "chronolog[bot]")
