"""Every handled event, from the real webhook payloads, does what the table says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chronolog.app.context import DeliveryContext, Route
from chronolog.app.delivery import Delivery
from chronolog.app.github import GitHubApp, Repo
from chronolog.app.jobs import RetryLater
from chronolog.app.router import HANDLERS, AppContext, dispatch, route_for
from chronolog.app.server import app_context, build_engine
from chronolog.app.store import Store, create_engine
from tests.app.conftest import LOG_PATH, NOW, add_log_pull, log_texts
from tests.fake_github import FakeGitHub, event_name, load_webhook


def delivery(fixture: str, payload: dict[str, Any] | None = None) -> Delivery:
    payload = load_webhook(fixture) if payload is None else payload
    return Delivery("d-1", event_name(fixture), payload.get("action"), payload, NOW)


async def handle(github_app: GitHubApp, item: Delivery) -> None:
    await dispatch(AppContext(github_app, clock=lambda: NOW), item)


def test_the_table_lists_every_handled_event() -> None:
    assert [(r.event, r.action) for r in HANDLERS] == [
        ("pull_request", "opened"),
        ("pull_request", "synchronize"),
        ("pull_request", "reopened"),
        ("pull_request", "ready_for_review"),
        ("pull_request", "edited"),
        ("check_suite", "rerequested"),
        ("check_run", "rerequested"),
        ("check_run", "requested_action"),
        ("push", None),  # backlinks (issue 4)
        ("push", None),  # the report issue (issue 12): every route of an event runs
    ]


@pytest.mark.parametrize(
    ("fixture", "handled"),
    [
        ("pull_request.opened", True),
        ("pull_request.opened.null-body", True),
        ("pull_request.opened.fork", True),
        ("pull_request.synchronize", True),
        ("pull_request.synchronize.fork", True),
        ("pull_request.reopened", True),
        ("pull_request.edited", False),  # the body changed, not the base
        ("pull_request.edited.fork", False),
        ("pull_request.closed", False),
        ("pull_request.closed.merged", False),
        ("check_suite.rerequested", True),  # sent by a bot: still handled
        ("check_suite.requested", False),
        ("check_run.rerequested", True),
        ("check_run.requested_action", False),  # another app's button ("lgtm|26764")
        ("issues.opened", False),
        ("issue_comment.created", False),
        ("installation.created", False),
    ],
)
def test_which_real_payloads_are_handled(fixture: str, handled: bool) -> None:
    assert (route_for(event_name(fixture), load_webhook(fixture)) is not None) is handled


def test_an_edit_that_changes_the_base_branch_is_handled() -> None:
    payload = load_webhook("pull_request.edited")
    payload["changes"] = {"base": {"ref": {"from": "develop"}, "sha": {"from": "0" * 40}}}
    assert route_for("pull_request", payload) is not None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "fixture", ["pull_request.opened", "pull_request.reopened", "pull_request.synchronize"]
)
async def test_pull_request_events_check_the_head_commit(
    fake: FakeGitHub, github_app: GitHubApp, fixture: str
) -> None:
    item = delivery(fixture)
    add_log_pull(fake, item.payload)

    await handle(github_app, item)

    [run] = fake.runs_for("Codertocat/Hello-World")
    assert run["head_sha"] == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert run["conclusion"] == "failure"
    # Every event looks for a run of ours on the head first: one run per head and name.
    looked_up = fake.calls(r"GET /repos/Codertocat/Hello-World/commits/\w+/check-runs")
    assert len(looked_up) == 1


@pytest.mark.anyio
async def test_a_fork_pull_request_is_read_from_the_base_repository(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    item = delivery("pull_request.synchronize.fork")
    add_log_pull(fake, item.payload)

    await handle(github_app, item)

    [run] = fake.runs_for("KaTeX/KaTeX")
    assert run["head_sha"] == "a3404550c2465df195b4c7e2081f74dd5a7aced6"
    assert fake.calls("GET /repos/KaTeX/KaTeX/contents/support/log.md")[0].query == {
        "ref": "a3404550c2465df195b4c7e2081f74dd5a7aced6"
    }


@pytest.mark.anyio
async def test_a_check_suite_rerequest_creates_a_new_run_for_its_pull_request(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    item = delivery("check_suite.rerequested")
    pull = load_webhook("pull_request.synchronize")
    pull["repository"] = item.payload["repository"]
    pull["installation"] = item.payload["installation"]
    add_log_pull(fake, pull)
    await handle(github_app, delivery("pull_request.synchronize", pull))

    await handle(github_app, item)

    runs = fake.runs_for("Codertocat/Hello-World", "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
    assert len(runs) == 2  # GitHub expects a new run on a re-run
    assert fake.calls("GET /repos/Codertocat/Hello-World/pulls/2")  # author and fork, fresh


@pytest.mark.anyio
async def test_a_check_run_rerequest_without_pull_requests_finds_them_by_commit(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    item = delivery("check_run.rerequested")
    head_sha = item.payload["check_run"]["head_sha"]
    fake.add_repo("github/hello-world", installation_id=1, default_branch="master")
    base, head = log_texts()
    fake.add_pull(
        "github/hello-world",
        7,
        base_files={LOG_PATH: base},
        head_files={LOG_PATH: head},
        base_sha="1" * 40,
        head_sha=head_sha,
    )

    await handle(github_app, item)

    assert fake.calls(f"GET /repos/github/hello-world/commits/{head_sha}/pulls")
    [run] = fake.runs_for("github/hello-world")
    assert (run["head_sha"], run["conclusion"]) == (head_sha, "failure")


REPO = "/repos/Codertocat/Hello-World"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


def push_to_master(*modified: str) -> Delivery:
    """The real push to master, as one commit after the pull request's base that modifies
    `modified`, delivered as a new delivery."""
    payload = load_webhook("push.new-branch")
    payload.update(before="b" * 40, after="c" * 40, created=False)
    commit = dict(payload["commits"][0], id="c" * 40, added=[], modified=list(modified))
    payload.update(commits=[commit], head_commit=commit)
    return Delivery("d-push", "push", None, payload, NOW)


@pytest.mark.anyio
async def test_the_config_is_read_once_and_then_taken_from_the_cache(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    ctx = AppContext(github_app, clock=lambda: NOW)
    item = delivery("pull_request.synchronize")
    add_log_pull(fake, item.payload)

    await dispatch(ctx, item)
    first = fake.routes()
    fake.requests.clear()
    await dispatch(ctx, delivery("pull_request.synchronize"))

    runs = f"GET {REPO}/commits/{item.payload['pull_request']['head']['sha']}/check-runs"
    assert first == [
        f"GET {REPO}/contents/.github/chronolog.yml",
        f"GET {REPO}/pulls/2/files",
        f"GET {REPO}/contents/support/log.md",
        runs,
        f"GET {REPO}/pulls/2/comments",
        f"POST {REPO}/pulls/2/reviews",
        f"POST {REPO}/check-runs",
    ]
    # The suggestion is already there (no review), and so is the same result (no run).
    assert fake.routes() == [
        f"GET {REPO}/pulls/2/files",
        f"GET {REPO}/contents/support/log.md",
        runs,
        f"GET {REPO}/pulls/2/comments",
        "GET /app",  # which comments are the app's own: asked once an hour
    ]


@pytest.mark.anyio
async def test_an_opened_pull_request_posts_its_suggestions_without_reading_comments(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    item = delivery("pull_request.opened")
    add_log_pull(fake, item.payload)

    await handle(github_app, item)

    assert fake.routes() == [
        f"GET {REPO}/contents/.github/chronolog.yml",
        f"GET {REPO}/pulls/2/files",
        f"GET {REPO}/contents/support/log.md",
        f"GET {REPO}/commits/{HEAD_SHA}/check-runs",
        f"POST {REPO}/pulls/2/reviews",
        f"POST {REPO}/check-runs",
    ]
    assert len(fake.reviews) == len(fake.review_comments) == 1


@pytest.mark.anyio
async def test_a_redelivered_opened_reads_the_comments_and_posts_nothing_twice(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    item = delivery("pull_request.opened")
    add_log_pull(fake, item.payload)
    await handle(github_app, item)
    fake.requests.clear()

    # Redelivered after a restart: a new delivery id, so only the run on the head shows it.
    await handle(github_app, Delivery("d-2", item.event, item.action, item.payload, NOW))

    assert fake.routes() == [
        f"GET {REPO}/contents/.github/chronolog.yml",
        f"GET {REPO}/pulls/2/files",
        f"GET {REPO}/contents/support/log.md",
        f"GET {REPO}/commits/{HEAD_SHA}/check-runs",
        f"GET {REPO}/pulls/2/comments",  # a run of ours is there: this is a redelivery
        "GET /app",  # which comments are the app's own: asked once an hour
    ]
    assert len(fake.reviews) == len(fake.review_comments) == 1
    assert len(fake.runs_for("Codertocat/Hello-World")) == 1


@pytest.mark.anyio
async def test_a_delivery_whose_head_moved_on_posts_no_suggestions(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    item = delivery("pull_request.synchronize")
    pull = add_log_pull(fake, item.payload)
    _, head = log_texts()
    newer = "9" * 40
    fake.set_files("Codertocat/Hello-World", newer, {LOG_PATH: head})
    pull.head_sha = newer
    pull.files = [
        {**entry, "contents_url": entry["contents_url"].replace(HEAD_SHA, newer)}
        for entry in pull.files
    ]

    await handle(github_app, item)

    assert fake.reviews == []
    [run] = fake.runs_for("Codertocat/Hello-World")
    assert run["head_sha"] == HEAD_SHA
    assert (
        "The pull request's head moved on to 9999999 while ec26c3e was being checked, so no "
        "suggestions were posted for this commit." in run["output"]["summary"]
    )


@pytest.mark.anyio
async def test_a_push_that_changes_the_config_is_seen_by_the_next_check(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    ctx = AppContext(github_app, clock=lambda: NOW)
    item = delivery("pull_request.synchronize")
    add_log_pull(fake, item.payload, config="check_name: old-name\n")
    await dispatch(ctx, item)

    # A push elsewhere keeps the cached config, even though the file changed meanwhile.
    fake.set_files("Codertocat/Hello-World", "master", {".github/chronolog.yml": "check_name: x"})
    await dispatch(ctx, push_to_master("README.md"))
    await dispatch(ctx, delivery("pull_request.synchronize"))
    # A push that modifies it makes the next check read it again.
    fake.set_files("Codertocat/Hello-World", "master", {".github/chronolog.yml": "check_name: new"})
    await dispatch(ctx, push_to_master(".github/chronolog.yml"))
    await dispatch(ctx, delivery("pull_request.synchronize"))

    runs = fake.runs_for("Codertocat/Hello-World")
    # The second check, still under the cached name, found its run unchanged (no new one);
    # had it read the file, it would have made a run named "x".
    assert [run["name"] for run in runs] == ["old-name", "new"]
    # (Backlinks read the config at the branch head, by its commit, not from the cache.)
    config_reads = fake.calls(f"GET {REPO}/contents/.github/chronolog.yml")
    assert [read.query["ref"] for read in config_reads if read.query["ref"] == "master"] == [
        "master",
        "master",
    ]


@pytest.mark.anyio
async def test_the_served_check_costs_no_more_calls_for_its_backlink_preview(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    ctx = app_context(github_app, clock=lambda: NOW)
    item = delivery("pull_request.synchronize")
    add_log_pull(fake, item.payload)
    await dispatch(ctx, item)
    fake.requests.clear()

    await dispatch(ctx, delivery("pull_request.synchronize"))

    assert fake.routes() == [
        f"GET {REPO}/pulls/2/files",
        f"GET {REPO}/contents/support/log.md",
        f"GET {REPO}/commits/{item.payload['pull_request']['head']['sha']}/check-runs",
        f"GET {REPO}/pulls/2/comments",
        "GET /app",  # which comments are the app's own: asked once an hour
        # The backlink preview (issue 4) reuses the texts the check read and takes the web
        # host from the payload: the new entry references nothing, so it costs nothing, and
        # the result is the run already there.
    ]


@pytest.mark.anyio
async def test_a_rerequest_for_a_fork_pull_request_finds_it_among_the_open_pulls(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    item = delivery("check_run.rerequested")
    head_sha = item.payload["check_run"]["head_sha"]
    fake.add_repo("github/hello-world", installation_id=1, default_branch="master")
    fake.add_repo("someone/hello-world")
    base, head = log_texts()
    fake.add_pull(
        "github/hello-world",
        7,
        base_files={LOG_PATH: base},
        head_files={LOG_PATH: head},
        base_sha="1" * 40,
        head_sha=head_sha,
        head_repo="someone/hello-world",
    )

    await handle(github_app, item)

    assert fake.calls(f"GET /repos/github/hello-world/commits/{head_sha}/pulls")
    assert fake.calls("GET /repos/github/hello-world/pulls")
    [run] = fake.runs_for("github/hello-world")
    assert (run["head_sha"], run["conclusion"]) == (head_sha, "failure")


@pytest.mark.anyio
async def test_a_marker_copied_into_someone_elses_comment_does_not_count_as_posted(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    item = delivery("pull_request.synchronize")
    add_log_pull(fake, item.payload)
    await handle(github_app, item)
    [ours] = fake.review_comments
    # A person quotes the suggestion, marker and all; then chronolog's comment is deleted.
    fake.review_comments[0] = {
        **ours,
        "id": 1,
        "user": {"login": "octocat", "id": 1, "type": "User"},
        "body": "> quoting the bot\n" + ours["body"],
    }

    await handle(github_app, Delivery("d-2", item.event, item.action, item.payload, NOW))

    assert len(fake.reviews) == 2
    assert fake.review_comments[-1]["body"] == ours["body"]
    assert fake.review_comments[-1]["user"]["login"] == "chronolog[bot]"


@pytest.mark.anyio
async def test_a_rate_limit_in_one_route_sets_the_retry_delay_whatever_failed_before_it(
    fake: FakeGitHub, github_app: GitHubApp, tmp_path: Path
) -> None:
    fake.add_repo("octo/a", installation_id=1)
    fake.add_repo("octo/b", installation_id=1)
    fake.fail("GET", "/repos/octo/a", 502, times=99)
    fake.fail(
        "GET",
        "/repos/octo/b",
        403,
        message="You have exceeded a secondary rate limit.",
        headers={"retry-after": "600"},
    )

    def reading(full_name: str) -> Route:
        async def handler(ctx: DeliveryContext) -> None:
            async with ctx.app.github.installation(1) as gh:
                await gh.get_repo(Repo(*full_name.split("/")))

        return Route("push", None, handler)

    store = Store(create_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}"))
    context = AppContext(github_app, clock=lambda: NOW)
    engine = build_engine(store, context, (reading("octo/a"), reading("octo/b")))

    with pytest.raises(RetryLater) as later:
        await engine.process(delivery("push.new-branch"))

    assert later.value.delay == 600.0  # the rate limit's, not the back-off's (None)
    assert fake.routes() == ["GET /repos/octo/a"] * 4 + ["GET /repos/octo/b"]  # both ran
