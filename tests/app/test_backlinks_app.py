"""Backlinks against the shared fake GitHub: pushes to the default branch and the preview."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import SecretStr

from chronolog.app.backlinks.comments import Outcome
from chronolog.app.backlinks.preview import ChangedLog, backlink_preview, preview_section
from chronolog.app.backlinks.push import (
    BacklinksFailed,
    Push,
    handle_push,
    post_backlinks,
    pushes_default_branch,
)
from chronolog.app.backlinks.routes import on_push
from chronolog.app.checks.check_run import CheckResult
from chronolog.app.checks.pull_request import check_pull_request
from chronolog.app.context import AppContext, DeliveryContext, PullCheck, PullRequest
from chronolog.app.delivery import Delivery
from chronolog.app.github import GitHubApp, GitHubUnavailable, Repo, RetryPolicy
from chronolog.backlinks import Action, Status
from chronolog.config import RepoConfig, parse_config
from chronolog.diff import base_from_patch
from tests.app.conftest import APP_ID, LOG_PATH, NOW, FakeClock, add_log_pull
from tests.conftest import LOGS
from tests.fake_github import FakeGitHub, add_pull_from_payload, github_patch, load_webhook

LOG_REPO = "sourcegraph/devx-scratch"
PATH = "2022/support/log.snb.md"
WEB = "https://github.com/sourcegraph/devx-scratch"
SHA = {name: (str(n) * 40) for n, name in enumerate(["base", "one", "two", "three", "four"], 1)}
ISSUE = ("sourcegraph/sourcegraph", 50000)
LOCKED = ("sourcegraph/sourcegraph", 50001)

ENTRY_ONE = (
    "## 2022-11-28\n\n"
    "@octocat found https://github.com/sourcegraph/sourcegraph/issues/50000 again, see also "
    "sourcegraph/sourcegraph#50001, https://github.com/sourcegraph/infrastructure/pull/9999 "
    "and https://github.com/kennyp/asdf-golang/issues/79\n\n"
)
ENTRY_TWO = "## 2022-11-29\n\n@hubot follow-up on sourcegraph/sourcegraph#50000\n\n"


def reference_log() -> str:
    return (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")


def with_entries(*entries: str) -> str:
    text = reference_log()
    return text.replace("## 2022-11-25\n", "".join(entries) + "## 2022-11-25\n", 1)


@pytest.fixture
def world(fake: FakeGitHub) -> FakeGitHub:
    """The log repository and the repositories its entries reference."""
    fake.add_repo(LOG_REPO, installation_id=1)
    fake.add_repo("sourcegraph/sourcegraph", installation_id=1)
    fake.add_repo("sourcegraph/infrastructure")  # the app is not installed there
    fake.add_repo("kennyp/asdf-golang", installation_id=3)  # installed, but out of scope
    fake.add_issue(*ISSUE)
    fake.add_issue(*LOCKED, locked=True)
    fake.add_issue("kennyp/asdf-golang", 79)
    fake.set_files(LOG_REPO, SHA["base"], {PATH: reference_log()})
    return fake


def push_payload(
    before: str, after: str, *, paths: tuple[str, ...] = (PATH,), forced: bool = False
) -> dict[str, Any]:
    """A real push payload, pointed at the log repository's default branch."""
    payload = load_webhook("push.new-branch")
    payload.update(ref="refs/heads/main", before=before, after=after, forced=forced, created=False)
    payload["repository"].update(
        name="devx-scratch", full_name=LOG_REPO, html_url=WEB, default_branch="main"
    )
    payload["repository"]["owner"]["login"] = "sourcegraph"
    payload["installation"]["id"] = 1
    commit = dict(payload["commits"][0], id=after, added=[], modified=list(paths), removed=[])
    payload["commits"] = [commit] if paths else []
    payload["head_commit"] = commit if paths else None
    return payload


def push(fake: FakeGitHub, before: str, after: str, text: str) -> dict[str, Any]:
    fake.set_files(LOG_REPO, after, {PATH: text})
    fake.repos[LOG_REPO].refs["main"] = after
    return push_payload(before, after)


def writes(fake: FakeGitHub) -> list[str]:
    """The requests that change something on GitHub (token exchanges left out)."""
    return [route for route in fake.routes() if route.split()[0] in ("POST", "PATCH", "DELETE")]


def summary(outcomes: list[Outcome]) -> list[tuple[str, Status, tuple[Action, ...]]]:
    return [(str(o.target), o.status, o.actions) for o in outcomes]


EXPECTED_FIRST_PUSH = [
    "GET /repos/sourcegraph/devx-scratch/branches/main",
    "GET /repos/sourcegraph/devx-scratch/contents/.github/chronolog.yml",
    "GET /app",
    "GET /repos/sourcegraph/devx-scratch/contents/2022/support/log.snb.md",
    "GET /repos/sourcegraph/devx-scratch/contents/2022/support/log.snb.md",
    "GET /repos/sourcegraph/infrastructure/installation",
    "GET /repos/sourcegraph/sourcegraph/installation",
    "GET /repos/sourcegraph/sourcegraph",
    "GET /repos/sourcegraph/sourcegraph/issues/50000",
    "GET /repos/sourcegraph/sourcegraph/issues/50000/comments",
    "POST /repos/sourcegraph/sourcegraph/issues/50000/comments",
    "GET /repos/sourcegraph/sourcegraph/issues/50001",
]


@pytest.mark.anyio
async def test_a_merge_adding_an_entry_comments_only_in_scope(
    world: FakeGitHub, github_app: GitHubApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chronolog.app.backlinks")
    payload = push(world, SHA["base"], SHA["one"], with_entries(ENTRY_ONE))

    outcomes = await handle_push(github_app, payload)

    assert summary(outcomes) == [
        ("sourcegraph/infrastructure#9999", Status.NOT_INSTALLED, ()),
        ("sourcegraph/sourcegraph#50000", Status.LINK, (Action.CREATE,)),
        ("sourcegraph/sourcegraph#50001", Status.LOCKED, ()),
    ]
    assert world.routes() == EXPECTED_FIRST_PUSH
    (comment,) = world.comments_on(*ISSUE)
    assert comment["body"].splitlines()[3] == (
        f"- [2022-11-28]({WEB}/blob/main/{PATH}#2022-11-28) ([lines 5-7 at 2222222]"
        f"({WEB}/blob/{SHA['one']}/{PATH}?plain=1#L5-L7)): "
        "`@octocat found https://github.com/sourcegraph/sourcegraph/issues/50000 again, "
        "see also sourcegraph/sourcegraph#50001, h…`"
    )
    # Installed on kennyp/asdf-golang, but outside the scope: never even looked at.
    assert not [r for r in world.requests if "kennyp" in r.path]
    assert world.comments_on("sourcegraph/sourcegraph", 50001) == []
    assert [r.getMessage() for r in caplog.records] == [
        "backlink from sourcegraph/devx-scratch:2022/support/log.snb.md on "
        "sourcegraph/infrastructure#9999: not linked: chronolog is not installed there",
        "backlink from sourcegraph/devx-scratch:2022/support/log.snb.md on "
        "sourcegraph/sourcegraph#50000: create",
        "backlink from sourcegraph/devx-scratch:2022/support/log.snb.md on "
        "sourcegraph/sourcegraph#50001: not linked: the conversation is locked",
    ]


@pytest.mark.anyio
async def test_a_second_entry_edits_the_comment_and_a_redelivery_posts_nothing(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    await handle_push(github_app, push(world, SHA["base"], SHA["one"], with_entries(ENTRY_ONE)))
    (created,) = world.comments_on(*ISSUE)
    second = push(world, SHA["one"], SHA["two"], with_entries(ENTRY_TWO, ENTRY_ONE))
    world.requests.clear()

    outcomes = await handle_push(github_app, second)

    assert summary(outcomes) == [("sourcegraph/sourcegraph#50000", Status.LINK, (Action.UPDATE,))]
    assert writes(world) == [
        f"PATCH /repos/sourcegraph/sourcegraph/issues/comments/{created['id']}"
    ]
    (comment,) = world.comments_on(*ISSUE)
    assert comment["body"].splitlines()[1:5] == [
        f"This is mentioned in 2 entries of the log [{PATH}]({WEB}/blob/main/{PATH}) "
        f"in {LOG_REPO}:",
        "",
        f"- [2022-11-29]({WEB}/blob/main/{PATH}#2022-11-29) ([lines 5-7 at 3333333]"
        f"({WEB}/blob/{SHA['two']}/{PATH}?plain=1#L5-L7)): "
        "`@hubot follow-up on sourcegraph/sourcegraph#50000`",
        f"- [2022-11-28]({WEB}/blob/main/{PATH}#2022-11-28) ([lines 9-11 at 3333333]"
        f"({WEB}/blob/{SHA['two']}/{PATH}?plain=1#L9-L11)): "
        "`@octocat found https://github.com/sourcegraph/sourcegraph/issues/50000 again, "
        "see also sourcegraph/sourcegraph#50001, h…`",
    ]

    world.requests.clear()
    assert summary(await handle_push(github_app, second)) == [
        ("sourcegraph/sourcegraph#50000", Status.LINK, (Action.UNCHANGED,))
    ]
    assert writes(world) == []
    # Pushing the same log content again in a new commit changes nothing either.
    again = push(world, SHA["two"], SHA["three"], with_entries(ENTRY_TWO, ENTRY_ONE))
    assert await handle_push(github_app, again) == []
    assert writes(world) == []


@pytest.mark.anyio
async def test_pushes_processed_out_of_order_leave_the_newest_state(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    first = push(world, SHA["base"], SHA["one"], with_entries(ENTRY_ONE))
    second = push(world, SHA["one"], SHA["two"], with_entries(ENTRY_TWO, ENTRY_ONE))

    await handle_push(github_app, second)
    newest = [comment["body"] for comment in world.comments_on(*ISSUE)]
    world.requests.clear()
    outcomes = await handle_push(github_app, first)  # late: the branch is at two by now

    assert summary(outcomes) == [
        ("sourcegraph/infrastructure#9999", Status.NOT_INSTALLED, ()),
        ("sourcegraph/sourcegraph#50000", Status.LINK, (Action.UNCHANGED,)),
        ("sourcegraph/sourcegraph#50001", Status.LOCKED, ()),
    ]
    assert writes(world) == []
    assert [comment["body"] for comment in world.comments_on(*ISSUE)] == newest
    assert "This is mentioned in 2 entries of the log" in newest[0]
    assert f"({WEB}/blob/{SHA['two']}/{PATH}?plain=1#L5-L7)" in newest[0]


@pytest.mark.anyio
async def test_removing_references_shrinks_then_deletes_the_comment(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    await handle_push(
        github_app, push(world, SHA["base"], SHA["one"], with_entries(ENTRY_TWO, ENTRY_ONE))
    )
    (comment,) = world.comments_on(*ISSUE)
    without_two = push(world, SHA["one"], SHA["two"], with_entries(ENTRY_ONE))
    world.requests.clear()

    assert summary(await handle_push(github_app, without_two)) == [
        ("sourcegraph/sourcegraph#50000", Status.LINK, (Action.UPDATE,))
    ]
    (shrunk,) = world.comments_on(*ISSUE)
    assert "in 1 entry of the log" in shrunk["body"]
    assert "2022-11-29" not in shrunk["body"]

    world.requests.clear()
    removed = push(world, SHA["two"], SHA["three"], reference_log())
    outcomes = await handle_push(github_app, removed)

    assert summary(outcomes) == [
        ("sourcegraph/infrastructure#9999", Status.NOT_INSTALLED, ()),
        ("sourcegraph/sourcegraph#50000", Status.LINK, (Action.DELETE,)),
        ("sourcegraph/sourcegraph#50001", Status.LOCKED, ()),
    ]
    assert writes(world) == [
        f"DELETE /repos/sourcegraph/sourcegraph/issues/comments/{comment['id']}"
    ]
    assert world.comments_on(*ISSUE) == []


@pytest.mark.anyio
async def test_transferred_archived_and_missing_targets_are_skipped(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    world.add_repo("sourcegraph/old-infra", installation_id=1, archived=True)
    world.add_repo("sourcegraph/moved-from", installation_id=1)
    world.add_repo("other/elsewhere", installation_id=4)
    world.add_issue("sourcegraph/old-infra", 1)
    world.add_issue("sourcegraph/moved-from", 2)
    world.transfer_issue("sourcegraph/moved-from", 2, "other/elsewhere", 7)
    entry = (
        "## 2022-11-28\n\n@octocat sourcegraph/old-infra#1, sourcegraph/moved-from#2 "
        "and sourcegraph/sourcegraph#404\n\n"
    )

    outcomes = await handle_push(
        github_app, push(world, SHA["base"], SHA["one"], with_entries(entry))
    )

    assert [(str(o.target), o.status, o.detail) for o in outcomes] == [
        (
            "sourcegraph/moved-from#2",
            Status.TRANSFERRED,
            "now https://github.com/other/elsewhere/issues/7",
        ),
        ("sourcegraph/old-infra#1", Status.ARCHIVED, ""),
        ("sourcegraph/sourcegraph#404", Status.NOT_FOUND, ""),
    ]
    assert writes(world) == []


@pytest.mark.anyio
async def test_a_force_push_that_drops_an_entry_updates_its_targets(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    await handle_push(github_app, push(world, SHA["base"], SHA["one"], with_entries(ENTRY_ONE)))
    # Reset the branch to the base: the payload lists no commits at all.
    world.repos[LOG_REPO].refs["main"] = SHA["base"]
    payload = push_payload(SHA["one"], SHA["base"], paths=(), forced=True)
    world.requests.clear()

    outcomes = await handle_push(github_app, payload)

    assert ("sourcegraph/sourcegraph#50000", Status.LINK, (Action.DELETE,)) in summary(outcomes)
    assert world.comments_on(*ISSUE) == []
    compares = [r.path for r in world.requests if "/compare/" in r.path]
    assert compares == [
        f"/repos/{LOG_REPO}/compare/{SHA['one']}...{SHA['base']}",
        f"/repos/{LOG_REPO}/compare/{SHA['base']}...{SHA['one']}",
    ]


@pytest.mark.anyio
async def test_disabled_or_scoped_by_config(world: FakeGitHub, github_app: GitHubApp) -> None:
    text = with_entries(ENTRY_ONE)
    world.set_files(
        LOG_REPO,
        SHA["one"],
        {PATH: text, ".github/chronolog.yml": "backlinks:\n  enabled: false\n"},
    )
    assert await handle_push(github_app, push_payload(SHA["base"], SHA["one"])) == []
    assert writes(world) == []

    config = "backlinks:\n  owners: [kennyp]\n"
    world.set_files(LOG_REPO, SHA["two"], {PATH: text, ".github/chronolog.yml": config})
    outcomes = await handle_push(github_app, push_payload(SHA["base"], SHA["two"]))

    assert summary(outcomes) == [("kennyp/asdf-golang#79", Status.LINK, (Action.CREATE,))]
    assert writes(world) == ["POST /repos/kennyp/asdf-golang/issues/79/comments"]


@pytest.mark.anyio
async def test_a_secondary_rate_limit_is_waited_out(
    world: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    world.fail(
        "POST",
        r"/repos/sourcegraph/sourcegraph/issues/50000/comments",
        403,
        message="You have exceeded a secondary rate limit. Please wait a few minutes.",
        headers={"retry-after": "30"},
    )
    payload = push(world, SHA["base"], SHA["one"], with_entries(ENTRY_ONE))
    pushed = Push.from_payload(payload)
    assert pushed is not None
    async with waiting_app.installation(1) as gh:
        outcomes = await post_backlinks(waiting_app, gh, pushed)

    assert ("sourcegraph/sourcegraph#50000", Status.LINK, (Action.CREATE,)) in summary(outcomes)
    assert writes(world) == ["POST /repos/sourcegraph/sourcegraph/issues/50000/comments"] * 2
    assert clock.slept == [30.0]


def test_which_pushes_count() -> None:
    assert pushes_default_branch(push_payload(SHA["base"], SHA["one"]))
    assert not pushes_default_branch(load_webhook("push"))  # a tag deletion
    other_branch = push_payload(SHA["base"], SHA["one"])
    other_branch["ref"] = "refs/heads/feature"
    assert not pushes_default_branch(other_branch)
    new_branch = load_webhook("push.new-branch")  # master is Codertocat/Hello-World's default
    assert Push.from_payload(new_branch) == Push(
        repo=Repo("Codertocat", "Hello-World"),
        web_url="https://github.com/Codertocat/Hello-World",
        default_branch="master",
        before="0" * 40,
        after="6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        forced=False,
        installation_id=1,
        paths=frozenset({"README.md"}),
        commits_complete=True,
    )


@pytest.mark.anyio
async def test_preview_says_what_the_merge_will_do(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    head = with_entries(ENTRY_ONE)
    config = RepoConfig()
    async with github_app.installation(1) as gh:
        section = await backlink_preview(
            github_app,
            gh,
            Repo("sourcegraph", "devx-scratch"),
            [ChangedLog(PATH, head, reference_log())],
            config,
            web_url=WEB,
        )

    assert section == "\n".join(
        [
            f"### Backlinks from `{PATH}`",
            "",
            "On merge, chronolog will link back from:",
            "- [kennyp/asdf-golang#79](https://github.com/kennyp/asdf-golang/issues/79): "
            "not linked: outside the backlink scope (sourcegraph)",
            "- [sourcegraph/infrastructure#9999]"
            "(https://github.com/sourcegraph/infrastructure/pull/9999): "
            "not linked: chronolog is not installed there",
            "- [sourcegraph/sourcegraph#50000]"
            "(https://github.com/sourcegraph/sourcegraph/issues/50000): "
            "will be linked",
            "- [sourcegraph/sourcegraph#50001]"
            "(https://github.com/sourcegraph/sourcegraph/issues/50001): "
            "not linked: the conversation is locked",
        ]
    )
    assert writes(world) == []


@pytest.mark.anyio
async def test_preview_caps_its_lookups(world: FakeGitHub, github_app: GitHubApp) -> None:
    entry = "## 2022-11-28\n\n" + " ".join(f"#{n}" for n in range(1, 13)) + "\n\n"
    async with github_app.installation(1) as gh:
        section = await backlink_preview(
            github_app,
            gh,
            Repo("sourcegraph", "devx-scratch"),
            [ChangedLog(PATH, with_entries(entry), reference_log())],
            parse_config("backlinks:\n  repos: [sourcegraph/devx-scratch]\n"),
            web_url=WEB,
        )

    lines = (section or "").splitlines()[3:]
    assert len(lines) == 12
    assert [line.rsplit(": ", 1)[1] for line in lines].count("not found") == 10
    assert lines[-1].endswith("not checked yet (lookup limit reached); it will be tried on merge")
    issue_gets = [r.path for r in world.requests if "/issues/" in r.path]
    assert len(issue_gets) == 10


@pytest.mark.anyio
async def test_the_check_run_of_a_pull_request_carries_the_preview(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    # Codertocat/Hello-World's log gains an entry referencing two of its own issues.
    entry = "## 2022-11-28\n\n@Codertocat fixed #7, see also Codertocat/Hello-World#8\n\n"
    base = reference_log()
    add_log_pull(
        fake,
        synchronize,
        base=base,
        head=base.replace("## 2022-11-25\n", entry + "## 2022-11-25\n", 1),
    )
    fake.add_issue("Codertocat/Hello-World", 7)

    _, result = await preview_of_check(github_app, synchronize)

    assert result.output.summary.endswith(
        "\n".join(
            [
                f"### Backlinks from `{LOG_PATH}`",
                "",
                "On merge, chronolog will link back from:",
                "- [Codertocat/Hello-World#7](https://github.com/Codertocat/Hello-World/issues/7): "
                "will be linked",
                "- [Codertocat/Hello-World#8](https://github.com/Codertocat/Hello-World/issues/8): "
                "not linked: not found",
                "",
            ]
        )
    )
    assert writes(fake) == ["POST /repos/Codertocat/Hello-World/check-runs"]
    # Own repository: its installation is the one checking (no installation lookup) and
    # the payload gave its address; only the referenced issues are looked up.
    assert fake.routes() == [
        "GET /repos/Codertocat/Hello-World/contents/.github/chronolog.yml",
        "GET /repos/Codertocat/Hello-World/pulls/2/files",
        "GET /repos/Codertocat/Hello-World/contents/support/log.md",
        "GET /repos/Codertocat/Hello-World/issues/7",
        "GET /repos/Codertocat/Hello-World/issues/8",
        "POST /repos/Codertocat/Hello-World/check-runs",
    ]


async def preview_of_check(
    github_app: GitHubApp, payload: dict[str, Any]
) -> tuple[str, CheckResult]:
    pr = PullRequest.from_json(payload["pull_request"])
    async with github_app.installation(payload["installation"]["id"]) as gh:
        result = await check_pull_request(
            gh,
            PullCheck(
                pr,
                app_id=APP_ID,
                event_time=NOW,
                look_for_existing=False,
                section_builders=[preview_section(github_app)],
            ),
        )
    return result.output.summary.rsplit("### Backlinks from", 1)[-1], result


@pytest.mark.anyio
async def test_the_preview_finds_a_removed_reference_without_reading_the_base(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    entry = "## 2022-11-28\n\n@Codertocat fixed #7\n\n"
    base = reference_log().replace("## 2022-11-25\n", entry + "## 2022-11-25\n", 1)
    head = base.replace("fixed #7", "fixed it")
    add_log_pull(fake, synchronize, base=base, head=head)
    fake.add_issue("Codertocat/Hello-World", 7)

    preview, _ = await preview_of_check(github_app, synchronize)

    assert preview == (
        f" `{LOG_PATH}`\n\nOn merge, chronolog will link back from:\n"
        "- [Codertocat/Hello-World#7](https://github.com/Codertocat/Hello-World/issues/7): "
        "its backlink will be removed (no entry references it any more)\n"
    )
    # One read of the log (at the head): the base comes from GitHub's patch.
    assert len(fake.calls("GET /repos/Codertocat/Hello-World/contents/support/log.md")) == 1


@pytest.mark.anyio
async def test_the_preview_reuses_the_base_the_check_read(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    entry = "## 2022-11-28\n\n@Codertocat fixed #7\n\n"
    base = reference_log()
    head = base.replace("## 2022-11-25\n", entry + "## 2022-11-25\n", 1)
    fake.add_repo("Codertocat/Hello-World", installation_id=1, default_branch="master")
    add_pull_from_payload(
        fake,
        synchronize,
        base_files={LOG_PATH: base},
        head_files={LOG_PATH: head},
        omit_patch=frozenset({LOG_PATH}),  # a diff too large for GitHub to send
    )
    fake.add_issue("Codertocat/Hello-World", 7)

    preview, _ = await preview_of_check(github_app, synchronize)

    assert preview.endswith("Hello-World/issues/7): will be linked\n")
    reads = fake.calls("GET /repos/Codertocat/Hello-World/contents/support/log.md")
    assert [read.query["ref"] for read in reads] == [
        synchronize["pull_request"]["head"]["sha"],
        synchronize["pull_request"]["base"]["sha"],
    ]


@pytest.mark.anyio
async def test_without_the_base_the_entries_with_added_lines_are_previewed(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    head = with_entries(ENTRY_TWO, ENTRY_ONE)
    # Lines 5-7 are ENTRY_TWO: the pull request added it, ENTRY_ONE was already there.
    changed = ChangedLog(PATH, head, None, base_known=False, changed_lines=frozenset({5, 6, 7}))
    async with github_app.installation(1) as gh:
        section = await backlink_preview(
            github_app,
            gh,
            Repo("sourcegraph", "devx-scratch"),
            [changed],
            RepoConfig(),
            web_url=WEB,
        )

    assert (section or "").splitlines()[3:] == [
        "- [sourcegraph/sourcegraph#50000]"
        "(https://github.com/sourcegraph/sourcegraph/issues/50000): will be linked"
    ]


def test_the_base_is_rebuilt_from_the_head_and_githubs_patch() -> None:
    for name in ("devx-support-log-cd", "devx-support-log", "devx-scaletesting-log"):
        base = (LOGS / f"{name}.base.md").read_text(encoding="utf-8")
        head = (LOGS / f"{name}.head.md").read_text(encoding="utf-8")

        assert base_from_patch(head, github_patch(base, head)) == base, name
        # A patch that does not belong to the text is refused, not misapplied.
        assert base_from_patch(base, github_patch(base, head)) is None


@pytest.mark.anyio
async def test_installation_lookups_are_kept_for_ten_minutes(
    world: FakeGitHub, private_pem: str
) -> None:
    now = [0.0]
    app = GitHubApp(
        APP_ID,
        SecretStr(private_pem),
        "https://api.github.com",
        retry=RetryPolicy(attempts=0),
        clock=lambda: now[0],
    )
    infrastructure = Repo("sourcegraph", "infrastructure")
    sourcegraph = Repo("sourcegraph", "sourcegraph")

    answers = [await app.repository_installation(repo) for repo in (infrastructure, sourcegraph)]
    now[0] = 599.0
    answers += [await app.repository_installation(repo) for repo in (infrastructure, sourcegraph)]
    lookups = len(world.calls(r"GET /repos/.*/installation"))
    now[0] = 600.0
    answers.append(await app.repository_installation(infrastructure))

    assert answers == [None, 1, None, 1, None]
    assert lookups == 2
    assert len(world.calls(r"GET /repos/.*/installation")) == 3


@pytest.mark.anyio
async def test_an_invalid_config_writes_no_backlinks(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    # Turned off, with a typo elsewhere: its defaults (backlinks on) must not apply.
    config = "backlinks:\n  enabled: false\nlgos: [x]\n"
    world.set_files(
        LOG_REPO, SHA["one"], {PATH: with_entries(ENTRY_ONE), ".github/chronolog.yml": config}
    )

    assert await handle_push(github_app, push_payload(SHA["base"], SHA["one"])) == []
    assert writes(world) == []


@pytest.mark.anyio
async def test_a_backlink_github_failed_to_write_fails_the_delivery_and_its_redelivery_writes_it(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    payload = push(world, SHA["base"], SHA["one"], with_entries(ENTRY_ONE))
    world.fail("POST", r"/repos/sourcegraph/sourcegraph/issues/50000/comments", 502, times=10)
    ctx = AppContext(github_app)
    item = Delivery("d-push", "push", None, payload, NOW)

    # Raising makes the worker forget the delivery id, so GitHub's redelivery is processed.
    with pytest.raises(BacklinksFailed):
        await on_push(DeliveryContext(ctx, item))
    assert world.comments_on(*ISSUE) == []

    world.failures.clear()
    await on_push(DeliveryContext(ctx, item))
    assert len(world.comments_on(*ISSUE)) == 1


@pytest.mark.anyio
async def test_a_pull_request_into_another_branch_promises_no_backlinks(
    fake: FakeGitHub, github_app: GitHubApp, synchronize: dict[str, Any]
) -> None:
    entry = "## 2022-11-28\n\n@Codertocat fixed #7\n\n"
    synchronize["pull_request"]["base"]["ref"] = "release-1.x"
    base = reference_log()
    add_log_pull(
        fake,
        synchronize,
        base=base,
        head=base.replace("## 2022-11-25\n", entry + "## 2022-11-25\n", 1),
    )
    fake.add_issue("Codertocat/Hello-World", 7)

    _, result = await preview_of_check(github_app, synchronize)

    assert "will be linked" not in result.output.summary
    assert result.output.summary.endswith(
        "### Backlinks\n\nBacklinks are written when entries reach the default branch "
        "`master`; this pull request merges into `release-1.x`, so its merge links nothing yet.\n"
    )
    assert fake.calls("GET /repos/Codertocat/Hello-World/issues/7") == []


@pytest.mark.anyio
async def test_without_the_apps_login_no_comment_is_written_and_the_push_is_retried(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    # Another app's comment carrying chronolog's marker would pass for ours (a bot wrote
    # it) if the app's login could not be compared: it must be neither edited nor deleted.
    world.fail("GET", "/app", 502, times=99)
    payload = push(world, SHA["base"], SHA["one"], with_entries(ENTRY_ONE))

    with pytest.raises(GitHubUnavailable) as caught:
        await handle_push(github_app, payload)

    assert caught.value.is_server_side  # the engine runs the delivery again
    assert writes(world) == []
    world.failures.clear()
    await handle_push(github_app, payload)  # the retry, once GitHub answers
    (comment,) = world.comments_on(*ISSUE)
    assert comment["user"]["login"] == "chronolog[bot]"
