"""The check run of a pull request: exact requests to GitHub, call counts, failure paths."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chronolog.app.checks.check_run import CheckResult
from chronolog.app.checks.pull_request import check_pull_request
from chronolog.app.context import PullCheck, PullRequest
from chronolog.app.github import GitHubApp, GitHubError
from tests import reference_pull
from tests.app.conftest import APP_ID, LOG_PATH, NOW, add_log_pull, log_texts
from tests.conftest import LOGS
from tests.fake_github import FakeGitHub, add_pull_from_payload

HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
REPO = "/repos/Codertocat/Hello-World"

PARTICIPANTS_MESSAGE = (
    "the entry's first line `DevX was flagged that S2 had not been de…` does not list "
    "everyone involved; start it with their GitHub handles, like `@Codertocat`"
)
FIRST_LINE = (
    "DevX was flagged that S2 had not been deployed to for 6 days. What turned out to be the "
    "root cause is that the [IAM bindings on the service account](https://sourcegraph."
    "sourcegraph.com/github.com/sourcegraph/infrastructure/-/blob/gcp/org/managed_instance_"
    "folder_iam_bindings.tf?L68-76) that is in use by GitHub Actions (where CD takes place) are "
    "[frequently undone by a non-Terraform change](https://sourcegraph.slack.com/archives/"
    "C1JH2BEHZ/p1666205521693909?thread_ts=1666202912.133939&cid=C1JH2BEHZ). This causes the "
    "SA to lose the permission `compute.instances.list`, which is needed to get details on the "
    "current deployment context of the managed instance."
)


async def run_check(
    github_app: GitHubApp, payload: dict[str, Any], *, look_for_existing: bool = False
) -> CheckResult:
    pr = PullRequest.from_json(payload["pull_request"])
    async with github_app.installation(payload["installation"]["id"]) as gh:
        return await check_pull_request(
            gh, PullCheck(pr, app_id=APP_ID, event_time=NOW, look_for_existing=look_for_existing)
        )


def only(fake: FakeGitHub, route: str) -> Any:
    calls = fake.calls(route)
    assert len(calls) == 1, [c.route for c in fake.requests]
    return calls[0].json


@pytest.mark.anyio
async def test_a_new_entry_without_participants_gets_a_suggestion_and_a_failing_check(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)

    await run_check(github_app, synchronize)

    assert fake.routes() == [
        f"GET {REPO}/contents/.github/chronolog.yml",
        f"GET {REPO}/pulls/2/files",
        f"GET {REPO}/contents/support/log.md",
        f"GET {REPO}/pulls/2/comments",
        f"POST {REPO}/pulls/2/reviews",
        f"POST {REPO}/check-runs",
    ]
    assert fake.calls(f"GET {REPO}/contents/.github/chronolog.yml")[0].query == {"ref": "master"}
    assert fake.calls(f"GET {REPO}/contents/support/log.md")[0].query == {"ref": HEAD_SHA}

    review = only(fake, f"POST {REPO}/pulls/2/reviews")
    assert review == {
        "commit_id": HEAD_SHA,
        "body": (
            "chronolog suggests 1 fix. On the check run, **Fix my lines** commits 1 safe fix "
            "for the problems on the lines this pull request added or changed. **Fix whole "
            "log** commits all 11 safe fixes in the log, 10 of them on lines this pull request "
            "did not change."
        ),
        "event": "COMMENT",
        "comments": [
            {
                "path": LOG_PATH,
                "body": (
                    f"**chronolog** `participants`: {PARTICIPANTS_MESSAGE}. "
                    "Fix: Start the entry with `@Codertocat`.\n\n"
                    f"```suggestion\n@Codertocat {FIRST_LINE}\n```\n\n"
                    "<!-- chronolog:suggestion 4ba3306d3a92047f -->"
                ),
                "line": 7,
                "side": "RIGHT",
            }
        ],
    }

    run = only(fake, f"POST {REPO}/check-runs")
    annotations = run["output"].pop("annotations")
    assert run == {
        "name": "chronolog",
        "head_sha": HEAD_SHA,
        "status": "completed",
        "conclusion": "failure",
        "output": {
            "title": "1 problem introduced",
            "summary": run["output"]["summary"],
            "text": run["output"]["text"],
        },
        "actions": [
            {
                "label": "Fix my lines",
                "description": "Commit 1 safe fix on the PR's lines",
                "identifier": "fix-my-lines",
            },
            {
                "label": "Fix whole log",
                "description": "Commit all 11 safe fixes in the log",
                "identifier": "fix-whole-log",
            },
        ],
    }
    summary = run["output"]["summary"]
    assert summary.startswith(
        "Checked 1 log, `support/log.md`: this pull request introduces 1 problem, an error, "
        "so the check fails.\n\n"
        "Adds 1 entry: no duration tag.\n\n"
        "| Rule | New | Existing |\n| --- | ---: | ---: |\n"
        "| `participants` | 1 | 0 |\n| `duration-tag` | 0 | 10 |\n\n"
        "**10 problems were already in the log**, on lines this pull request did not change. "
        "They never fail the check and are not annotated; the table counts them by rule and "
        "[the details below](#already-in-the-log) list each one.\n\n"
        "### Problems introduced\n\n"
        f"- `support/log.md:7` **participants** (error): {PARTICIPANTS_MESSAGE}\n\n"
    )
    assert summary.endswith(
        "### Fixes\n\n"
        "The buttons are at the top of this check run.\n\n"
        "- **Fix my lines** commits 1 safe fix for the problems on the lines this pull "
        "request added or changed.\n"
        "- **Fix whole log** commits all 11 safe fixes in the log, 10 of them on lines this "
        "pull request did not change.\n"
        "- 1 review suggestion was posted on the changed lines; commit it from the "
        "**Files changed** tab.\n"
    )
    # The ten old duration-tag variants are listed once, in the details, and not annotated.
    text = run["output"]["text"]
    assert text.startswith("### Already in the log\n\n- `support/log.md:302` **duration-tag**")
    assert text.count("\n- ") == 10
    assert annotations == [
        {
            "path": LOG_PATH,
            "start_line": 7,
            "end_line": 7,
            "annotation_level": "failure",
            "message": PARTICIPANTS_MESSAGE,
            "title": "chronolog participants",
            "raw_details": "Safe fix: Start the entry with `@Codertocat`",
        }
    ]


@pytest.mark.anyio
async def test_a_pull_request_without_a_log_passes_in_three_calls(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    base, _ = log_texts()
    add_pull_from_payload(
        fake,
        synchronize,
        base_files={LOG_PATH: base, "src/app.py": "print(1)\n"},
        head_files={LOG_PATH: base, "src/app.py": "print(2)\n"},
    )

    await run_check(github_app, synchronize)

    assert fake.routes() == [
        f"GET {REPO}/contents/.github/chronolog.yml",
        f"GET {REPO}/pulls/2/files",
        f"POST {REPO}/check-runs",
    ]
    run = only(fake, f"POST {REPO}/check-runs")
    assert run["conclusion"] == "success"
    assert run["output"]["title"] == "No log changed"
    assert "actions" not in run


@pytest.mark.anyio
async def test_installation_tokens_are_reused(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)

    await run_check(github_app, synchronize)
    await run_check(github_app, synchronize)

    assert len(fake.calls("POST /app/installations/1/access_tokens")) == 1


@pytest.mark.anyio
async def test_a_redelivery_writes_nothing(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    first = await run_check(github_app, synchronize, look_for_existing=True)
    fake.requests.clear()

    again = await run_check(github_app, synchronize, look_for_existing=True)

    assert again.reused
    assert again.check_run_id == first.check_run_id
    assert fake.routes() == [
        f"GET {REPO}/contents/.github/chronolog.yml",
        f"GET {REPO}/pulls/2/files",
        f"GET {REPO}/contents/support/log.md",
        f"GET {REPO}/commits/{HEAD_SHA}/check-runs",
        f"GET {REPO}/pulls/2/comments",
    ]
    assert fake.calls(f"GET {REPO}/commits/{HEAD_SHA}/check-runs")[0].query == {
        "check_name": "chronolog",
        "app_id": str(APP_ID),
        "filter": "latest",
    }
    assert len(fake.runs_for("Codertocat/Hello-World")) == 1
    assert len(fake.reviews) == 1


@pytest.mark.anyio
async def test_a_changed_result_on_the_same_commit_gets_a_new_run(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    await run_check(github_app, synchronize, look_for_existing=True)
    # The default branch's config now switches a rule off: same commit, different result.
    fake.set_files(
        "Codertocat/Hello-World",
        "master",
        {".github/chronolog.yml": "rules:\n  duration-tag: off\n"},
    )

    await run_check(github_app, synchronize, look_for_existing=True)

    runs = fake.runs_for("Codertocat/Hello-World", HEAD_SHA)
    assert len(runs) == 2
    assert len(runs[1]["_annotations"]) == 1


@pytest.mark.anyio
async def test_an_invalid_config_fails_the_check_on_the_config_file(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize, config="logs:\n  - support/log.md\nrulez: {}\n")

    await run_check(github_app, synchronize)

    # The files are listed only to see whether the pull request changes the config.
    assert fake.routes() == [
        f"GET {REPO}/contents/.github/chronolog.yml",
        f"GET {REPO}/pulls/2/files",
        f"POST {REPO}/check-runs",
    ]
    run = only(fake, f"POST {REPO}/check-runs")
    assert run["conclusion"] == "failure"
    [annotation] = run["output"]["annotations"]
    assert annotation["path"] == ".github/chronolog.yml"
    assert annotation["start_line"] == 3
    assert annotation["annotation_level"] == "failure"
    assert "unknown key `rulez`; did you mean `rules`?" in annotation["message"]


@pytest.mark.anyio
async def test_configured_logs_are_checked_without_detection(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(
        fake,
        synchronize,
        config="logs:\n  - support/*.md\n",
        extra_head={"docs/guide.md": "# Guide\n\n## 2022-01-01\n\n## 2022-01-02\n"},
    )

    await run_check(github_app, synchronize)

    # docs/guide.md looks like a log, but `logs:` does not name it: it is never read.
    assert f"GET {REPO}/contents/docs/guide.md" not in fake.routes()
    run = only(fake, f"POST {REPO}/check-runs")
    assert run["output"]["summary"].startswith("Checked 1 log, `support/log.md`: ")


@pytest.mark.anyio
async def test_more_than_50_annotations_go_in_batches_of_50(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    entries = "".join(
        f"## 2022-01-{day:02d}\n\nNobody wrote who was there ({n}).\n\n"
        for n, day in enumerate(range(28, 0, -1))
    )
    big = "# Log\n\n" + entries * 5  # 140 entries, each with a participants error
    add_log_pull(fake, synchronize, base="# Log\n", head=big)

    await run_check(github_app, synchronize)

    [create] = fake.calls(f"POST {REPO}/check-runs")
    patches = fake.calls(f"PATCH {REPO}/check-runs/\\d+")
    sizes = [len(create.json["output"]["annotations"])]
    sizes += [len(p.json["output"]["annotations"]) for p in patches]
    [run] = fake.runs_for("Codertocat/Hello-World")
    assert sizes[:-1] == [50] * (len(sizes) - 1)
    assert sum(sizes) == len(run["_annotations"]) > 100
    for patch in patches:
        assert set(patch.json) == {"output"}
        assert patch.json["output"]["title"] == create.json["output"]["title"]


@pytest.mark.anyio
async def test_a_refused_review_still_completes_the_check(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    fake.fail(
        "POST",
        f"{REPO}/pulls/2/reviews",
        422,
        message="Unprocessable Entity",
        errors=["Pull request review thread line must be part of the diff"],
    )

    await run_check(github_app, synchronize)

    run = only(fake, f"POST {REPO}/check-runs")
    assert run["conclusion"] == "failure"
    assert (
        "The suggested fixes could not be posted as review comments: GitHub answered 422: "
        "Unprocessable Entity (Pull request review thread line must be part of the diff). "
        "The buttons of this check run still commit the safe ones."
    ) in run["output"]["summary"]
    assert "review suggestion" not in run["output"]["summary"]


@pytest.mark.anyio
async def test_a_log_that_cannot_be_read_is_skipped_with_a_note(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    fake.fail("GET", f"{REPO}/contents/support/log.md", 404)

    await run_check(github_app, synchronize)

    run = only(fake, f"POST {REPO}/check-runs")
    assert run["conclusion"] == "success"
    assert (
        "`support/log.md` could not be read at ec26c3e (404), so it was skipped."
        in run["output"]["summary"]
    )


@pytest.mark.anyio
async def test_a_server_error_is_retried(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    fake.fail("GET", f"{REPO}/pulls/2/files", 502, times=2)

    await run_check(github_app, synchronize)

    assert len(fake.calls(f"GET {REPO}/pulls/2/files")) == 3
    assert only(fake, f"POST {REPO}/check-runs")["conclusion"] == "failure"


@pytest.mark.anyio
async def test_a_lasting_server_error_is_raised_for_the_engine_to_retry_and_posts_nothing(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    fake.fail("GET", f"{REPO}/pulls/2/files", 503, times=10)

    with pytest.raises(GitHubError, match="503: Service Unavailable"):
        await run_check(github_app, synchronize)

    assert len(fake.calls(f"GET {REPO}/pulls/2/files")) == 4  # the first try and 3 retries
    assert fake.calls(f"POST {REPO}/check-runs") == []


@pytest.mark.anyio
async def test_a_rate_limit_is_waited_out_when_retry_after_is_short(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    fake.fail(
        "GET",
        f"{REPO}/pulls/2/files",
        403,
        message="You have exceeded a secondary rate limit.",
        headers={"retry-after": "0"},
    )

    await run_check(github_app, synchronize)

    assert len(fake.calls(f"GET {REPO}/pulls/2/files")) == 2
    assert only(fake, f"POST {REPO}/check-runs")["conclusion"] == "failure"


@pytest.mark.anyio
async def test_a_long_rate_limit_is_not_waited_for_but_handed_to_the_engine(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    fake.fail(
        "GET",
        f"{REPO}/pulls/2/files",
        429,
        message="You have exceeded a secondary rate limit.",
        headers={"retry-after": "3600"},
    )

    with pytest.raises(GitHubError, match=r"429: You have exceeded a secondary rate limit\."):
        await run_check(github_app, synchronize)

    # Not waited for, and not defied either: a secondary limit holds back every request of
    # the app for as long as GitHub asked, so the neutral run is not even attempted (the
    # job layer runs the check again once the limit is over).
    assert len(fake.calls(f"GET {REPO}/pulls/2/files")) == 1
    assert fake.calls(f"POST {REPO}/check-runs") == []


@pytest.mark.anyio
async def test_already_posted_suggestions_are_not_posted_again(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize)
    await run_check(github_app, synchronize)
    fake.requests.clear()

    await run_check(github_app, synchronize)

    assert fake.calls(f"POST {REPO}/pulls/2/reviews") == []
    assert len(fake.review_comments) == 1


OLD_ENTRIES = (
    "# Support log\n\n"
    "## 2022-10-20\n\nRestarted the runner.\n\n"
    "## 2020-03-01\n\nSomeone fixed the build.\n"
)
NEW_ENTRY = OLD_ENTRIES.replace(
    "## 2022-10-20", "## 2022-10-21\n\nDeploy failed again.\n\n## 2022-10-20"
)


ANNOTATE_FILE = "annotations: file\n"


def assert_only_the_new_entry_gets_the_handle(run: dict[str, Any]) -> None:
    assert [
        (a["start_line"], a["annotation_level"], a.get("raw_details"))
        for a in run["output"]["annotations"]
    ] == [
        (5, "failure", "Safe fix: Start the entry with `@Codertocat`"),
        (9, "failure", None),
        (13, "failure", None),
    ]
    assert run["actions"] == [
        {
            "label": "Fix my lines",
            "description": "Commit 1 safe fix on the PR's lines",
            "identifier": "fix-my-lines",
        }
    ]


@pytest.mark.anyio
async def test_only_entries_the_pull_request_added_get_the_authors_handle(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    # `annotations: file` shows the old entries' problems too: without a fix.
    add_log_pull(fake, synchronize, base=OLD_ENTRIES, head=NEW_ENTRY, config=ANNOTATE_FILE)

    await run_check(github_app, synchronize)

    assert_only_the_new_entry_gets_the_handle(only(fake, f"POST {REPO}/check-runs"))
    [comment] = only(fake, f"POST {REPO}/pulls/2/reviews")["comments"]
    assert "```suggestion\n@Codertocat Deploy failed again.\n```" in comment["body"]


@pytest.mark.anyio
async def test_an_unreadable_patch_is_replaced_by_a_diff_with_the_base(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    pull = add_log_pull(fake, synchronize, base=OLD_ENTRIES, head=NEW_ENTRY, config=ANNOTATE_FILE)
    [entry] = [item for item in pull.files if item["filename"] == LOG_PATH]
    entry["patch"] = "Binary files differ"

    await run_check(github_app, synchronize)

    reads = fake.calls(f"GET {REPO}/contents/support/log.md")
    assert [read.query["ref"] for read in reads] == [
        HEAD_SHA,
        synchronize["pull_request"]["base"]["sha"],
    ]
    # Found from the texts: only the entry the pull request added is its author's.
    assert_only_the_new_entry_gets_the_handle(only(fake, f"POST {REPO}/check-runs"))


@pytest.mark.anyio
async def test_a_log_whose_new_headings_hide_that_it_is_a_log_is_still_checked(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    base = "# Log\n\n## 2022-10-20\n\n@a Fixed it.\n\n## 2022-10-19\n\n@a Broke it.\n"
    # Two undated headings: 2 of 4 headings dated, under the two thirds a log needs.
    head = base + "\n## Notes\n\n@a Keep calm.\n\n## Todo\n\n@a Automate the restart.\n"
    add_log_pull(fake, synchronize, base=base, head=head)

    await run_check(github_app, synchronize)

    reads = fake.calls(f"GET {REPO}/contents/support/log.md")
    assert [read.query["ref"] for read in reads] == [
        HEAD_SHA,
        synchronize["pull_request"]["base"]["sha"],
    ]
    run = only(fake, f"POST {REPO}/check-runs")
    assert run["output"]["title"] == "2 problems introduced"
    assert [
        (a["start_line"], a["annotation_level"], a["title"]) for a in run["output"]["annotations"]
    ] == [
        (11, "failure", "chronolog date-heading"),
        (15, "failure", "chronolog date-heading"),
    ]


@pytest.mark.anyio
async def test_ordinary_markdown_costs_no_read_of_its_base(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    base = "# Guide\n\n## Install\n\nRun it.\n\n## 2022-10-20 release\n\nShipped.\n"
    add_log_pull(fake, synchronize, base=base, head=base + "\n## Usage\n\nCall it.\n")

    await run_check(github_app, synchronize)

    reads = fake.calls(f"GET {REPO}/contents/support/log.md")
    assert [read.query["ref"] for read in reads] == [HEAD_SHA]
    assert only(fake, f"POST {REPO}/check-runs")["output"]["title"] == "No log changed"


@pytest.mark.anyio
async def test_the_reference_scenario_annotates_only_the_lines_the_pull_request_added(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    # Issue 10's scenario: one new entry on top of the reference log, with 16 old problems.
    add_log_pull(fake, synchronize, base=reference_pull.BASE, head=reference_pull.HEAD)
    pr = PullRequest.from_json(synchronize["pull_request"])
    async with github_app.installation(synchronize["installation"]["id"]) as gh:
        event_time = dt.datetime(2022, 11, 28, 9, 0, tzinfo=dt.UTC)
        await check_pull_request(gh, PullCheck(pr, app_id=APP_ID, event_time=event_time))

    run = only(fake, f"POST {REPO}/check-runs")
    rendered = reference_pull.reference_output(author="Codertocat")
    assert run == {
        "name": "chronolog",
        "head_sha": HEAD_SHA,
        "status": "completed",
        "conclusion": "failure",
        "output": {
            "title": "3 problems introduced",
            "summary": rendered.summary,
            "text": rendered.text,
            "annotations": [dict(a) for a in rendered.annotations],
        },
        "actions": [dict(action) for action in rendered.actions],
    }
    assert [action["label"] for action in run["actions"]] == ["Fix my lines", "Fix whole log"]
    assert [(a["start_line"], a["title"]) for a in run["output"]["annotations"]] == [
        (5, "chronolog date-heading"),
        (7, "chronolog duration-tag"),
        (7, "chronolog participants"),
    ]
    assert "| `mojibake` | 0 | 6 |" in run["output"]["summary"]
    assert [route for route in fake.routes() if route.startswith("PATCH")] == []


@pytest.mark.anyio
async def test_a_config_changed_in_the_pull_request_is_validated_on_its_lines(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    proposed = "rules:\n  participants: off\nannotations: everything\n"
    add_log_pull(fake, synchronize, extra_head={".github/chronolog.yml": proposed})

    await run_check(github_app, synchronize)

    config_reads = fake.calls(f"GET {REPO}/contents/.github/chronolog.yml")
    assert [call.query for call in config_reads] == [{"ref": "master"}, {"ref": HEAD_SHA}]
    run = only(fake, f"POST {REPO}/check-runs")
    assert (run["conclusion"], run["output"]["title"]) == (
        "failure",
        "Invalid .github/chronolog.yml in this pull request",
    )
    # The proposed config's problem on its line; the logs judged by the default branch's
    # config, where `participants` is on.
    assert [
        (a["path"], a["start_line"], a["title"], a["message"]) for a in run["output"]["annotations"]
    ] == [
        (
            ".github/chronolog.yml",
            3,
            "chronolog config",
            "unknown annotations `everything`; use added, diff_context or file",
        ),
        (LOG_PATH, 7, "chronolog participants", PARTICIPANTS_MESSAGE),
    ]
    assert (
        "**The `.github/chronolog.yml` in this pull request is invalid** (1 problem, annotated "
        "on its lines): merged, it would fail the check of every pull request until fixed. The "
        "logs were checked with the default branch's config.\n\n"
        "- line 3: unknown annotations `everything`; use added, diff_context or file\n"
    ) in run["output"]["summary"]


@pytest.mark.anyio
async def test_a_valid_config_in_the_pull_request_applies_only_once_merged(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    proposed = "rules:\n  participants: off\n"
    add_log_pull(fake, synchronize, extra_head={".github/chronolog.yml": proposed})

    await run_check(github_app, synchronize)

    run = only(fake, f"POST {REPO}/check-runs")
    assert (run["conclusion"], run["output"]["title"]) == ("failure", "1 problem introduced")
    assert [a["title"] for a in run["output"]["annotations"]] == ["chronolog participants"]
    assert (
        "The `.github/chronolog.yml` in this pull request is valid; it applies once merged "
        "(this check used the default branch's, so that a pull request cannot change its own "
        "check).\n"
    ) in run["output"]["summary"]


@pytest.mark.anyio
async def test_a_pull_request_that_fixes_an_invalid_config_is_told_so(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(
        fake,
        synchronize,
        config="rulez: {}\n",
        extra_head={".github/chronolog.yml": "rules: {}\n"},
    )

    await run_check(github_app, synchronize)

    run = only(fake, f"POST {REPO}/check-runs")
    # Neutral passes a required check: the pull request that mends the config can merge.
    assert (run["conclusion"], run["output"]["title"]) == (
        "neutral",
        "Fixes the invalid .github/chronolog.yml; logs checked once merged",
    )
    # The default branch's error is on another version of the file: not annotated here.
    assert "annotations" not in run["output"]
    assert "it fixes the default branch's" in run["output"]["summary"]


# A valid config padded with comments to one byte over the limit.
OVERSIZED_CONFIG = "rules:\n  participants: off\n".ljust(256 * 1024, "#") + "\n"
OVERSIZED_MESSAGE = (
    "the file is 262,145 bytes, over the limit of 262,144 bytes (256 KB); it was not read"
)


@pytest.mark.anyio
async def test_a_config_over_256_kb_in_the_pull_request_is_one_problem_not_parsed(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize, extra_head={".github/chronolog.yml": OVERSIZED_CONFIG})

    await run_check(github_app, synchronize)

    run = only(fake, f"POST {REPO}/check-runs")
    assert run["output"]["title"] == "Invalid .github/chronolog.yml in this pull request"
    assert [(a["path"], a["start_line"], a["message"]) for a in run["output"]["annotations"]] == [
        (".github/chronolog.yml", 1, OVERSIZED_MESSAGE),
        (LOG_PATH, 7, PARTICIPANTS_MESSAGE),
    ]
    assert f"- line 1: {OVERSIZED_MESSAGE}\n" in run["output"]["summary"]


@pytest.mark.anyio
async def test_a_config_over_256_kb_on_the_default_branch_is_not_parsed(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    add_log_pull(fake, synchronize, config=OVERSIZED_CONFIG)

    await run_check(github_app, synchronize)

    run = only(fake, f"POST {REPO}/check-runs")
    [annotation] = run["output"]["annotations"]
    assert (annotation["path"], annotation["start_line"], annotation["message"]) == (
        ".github/chronolog.yml",
        1,
        OVERSIZED_MESSAGE,
    )


SCENARIO_ENTRY = (
    "## 26/11/2022\n\nRestarted the stuck CI agents after the disk filled up. DURATION=45m\n\n"
)


@pytest.mark.anyio
async def test_the_issue_scenario_gets_one_suggestion_per_line_with_every_fix(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    # jhchabran adds one entry on top of the reference log: a heading that is not
    # ISO 8601, a first line with no handle ending in `DURATION=45m`.
    base = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    head = base.replace("## 2022-11-25", SCENARIO_ENTRY + "## 2022-11-25", 1)
    synchronize["pull_request"]["user"]["login"] = "jhchabran"
    add_log_pull(fake, synchronize, base=base, head=head)
    pr = PullRequest.from_json(synchronize["pull_request"])
    after_the_entry = dt.datetime(2022, 11, 27, 9, 0, tzinfo=dt.UTC)
    check = PullCheck(pr, app_id=APP_ID, event_time=after_the_entry, look_for_suggestions=True)

    async with github_app.installation(synchronize["installation"]["id"]) as gh:
        await check_pull_request(gh, check)

    review = only(fake, f"POST {REPO}/pulls/2/reviews")
    assert review == {
        "commit_id": HEAD_SHA,
        "body": (
            "chronolog suggests 3 fixes in 2 suggestions. On the check run, **Fix my lines** "
            "commits 3 safe fixes for the problems on the lines this pull request added or "
            "changed. **Fix whole log** commits all 19 safe fixes in the log, 16 of them on "
            "lines this pull request did not change."
        ),
        "event": "COMMENT",
        "comments": [
            {
                "path": LOG_PATH,
                "body": (
                    "**chronolog** `date-heading`: `## 26/11/2022` is not an ISO 8601 date; "
                    "did you mean `## 2022-11-26`? Fix: Rewrite the heading as "
                    "`## 2022-11-26`.\n\n```suggestion\n## 2022-11-26\n```\n\n"
                    "<!-- chronolog:suggestion de9e6dd3dc27f598 -->"
                ),
                "line": 5,
                "side": "RIGHT",
            },
            {
                "path": LOG_PATH,
                "body": (
                    "**chronolog** fixes 2 problems on these lines:\n\n"
                    "- `duration-tag`: `DURATION=45m` is not a canonical duration tag; write "
                    "`$DURATION=45m`. Fix: Write `$DURATION=45m`.\n"
                    "- `participants`: the entry's first line `Restarted the stuck CI agents "
                    "after the…` does not list everyone involved; start it with their GitHub "
                    "handles, like `@jhchabran`. Fix: Start the entry with `@jhchabran`.\n\n"
                    "```suggestion\n@jhchabran Restarted the stuck CI agents after the disk "
                    "filled up. $DURATION=45m\n```\n\n"
                    "<!-- chronolog:suggestion 4ac1d2a93269ff7c -->\n"
                    "<!-- chronolog:suggestion f474d1cc97d211d6 -->"
                ),
                "line": 7,
                "side": "RIGHT",
            },
        ],
    }
    run = only(fake, f"POST {REPO}/check-runs")
    assert [a["identifier"] for a in run["actions"]] == ["fix-my-lines", "fix-whole-log"]

    # A redelivery finds both markers and posts no suggestion again.
    fake.requests.clear()
    async with github_app.installation(synchronize["installation"]["id"]) as gh:
        await check_pull_request(gh, check)
    assert fake.calls(f"POST {REPO}/pulls/2/reviews") == []
    assert len(fake.review_comments) == 2
