"""The GitHub facade against the shared fake: GitHub's limits honoured in one place.

Every test waits on a fake clock (`clock.slept` lists the waits, in seconds), so these
specify exactly how long chronolog waits and never wait themselves.
"""

from __future__ import annotations

import pytest

from chronolog.app.github import GitHubApp, GitHubError, GitHubUnavailable, Repo, WritePacing
from tests.app.conftest import FakeClock
from tests.fake_github import FakeGitHub

REPO = Repo("octo", "logs")
RUNS = r"/repos/octo/logs/check-runs"
TOKENS = r"/app/installations/1/access_tokens"
PULL = r"/repos/octo/logs/pulls/1"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
RUN = {"name": "chronolog", "head_sha": "a" * 40}


@pytest.fixture
def repo(fake: FakeGitHub) -> FakeGitHub:
    fake.add_repo(REPO.full_name, installation_id=1)
    fake.add_pull(
        REPO.full_name,
        1,
        base_files={"log.md": "# Log\n"},
        head_files={"log.md": "# Log\n\n## 2022-10-21\n"},
        base_sha="b" * 40,
        head_sha="a" * 40,
    )
    return fake


async def create_run(app: GitHubApp) -> dict[str, object]:
    async with app.installation(1) as gh:
        return await gh.create_check_run(REPO, RUN)


async def read_pull(app: GitHubApp) -> dict[str, object]:
    async with app.installation(1) as gh:
        return await gh.get_pull(REPO, 1)


@pytest.mark.anyio
async def test_a_502_is_retried_after_a_second(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("GET", PULL, 502)

    pull = await read_pull(waiting_app)

    assert pull["number"] == 1
    assert len(repo.calls(f"GET {PULL}")) == 2
    assert clock.slept == [1.0]


@pytest.mark.anyio
async def test_a_post_answered_502_is_not_sent_again(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    # A proxy's 502 may come after GitHub made the run: the engine's next try looks first.
    repo.fail("POST", RUNS, 502)

    with pytest.raises(GitHubUnavailable, match="502: Bad Gateway"):
        await create_run(waiting_app)

    assert len(repo.calls(f"POST {RUNS}")) == 1
    assert clock.slept == []


@pytest.mark.anyio
async def test_eight_502s_give_github_unavailable_after_three_retries(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("GET", PULL, 502, times=8)

    with pytest.raises(GitHubUnavailable) as raised:
        await read_pull(waiting_app)

    assert str(raised.value) == "502: Bad Gateway"
    assert (raised.value.status, raised.value.retry_after) == (502, None)
    assert raised.value.is_server_side
    assert isinstance(raised.value, GitHubError)
    assert len(repo.calls(f"GET {PULL}")) == 4
    assert clock.slept == [1.0, 2.0, 4.0]


@pytest.mark.anyio
async def test_a_client_error_is_not_retried(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", RUNS, 422, message="Invalid request.", errors=["head_sha is invalid"])

    with pytest.raises(GitHubError) as raised:
        await create_run(waiting_app)

    assert not isinstance(raised.value, GitHubUnavailable)
    assert str(raised.value) == "422: Invalid request. (head_sha is invalid)"
    assert len(repo.calls(f"POST {RUNS}")) == 1
    assert clock.slept == []


@pytest.mark.anyio
async def test_a_secondary_rate_limit_waits_as_long_as_retry_after_says(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", RUNS, 403, message=SECONDARY, headers={"retry-after": "30"})

    await create_run(waiting_app)

    assert len(repo.calls(f"POST {RUNS}")) == 2
    assert clock.slept == [30.0]
    assert waiting_app.waited == 30.0


@pytest.mark.anyio
async def test_a_secondary_rate_limit_holds_back_every_request_of_the_app(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", RUNS, 403, message=SECONDARY, headers={"retry-after": "30"}, times=4)

    with pytest.raises(GitHubUnavailable) as raised:
        await create_run(waiting_app)
    async with waiting_app.installation(1) as gh:
        await gh.get_pull(REPO, 1)

    # Three retries of 30 s each, then the work is handed back; the pause of the last
    # answer still holds the next request, a read, for 30 s.
    assert raised.value.retry_after == 30.0
    assert clock.slept == [30.0, 30.0, 30.0, 30.0]


@pytest.mark.anyio
async def test_a_long_secondary_rate_limit_hands_back_every_request_without_asking_github(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", RUNS, 403, message=SECONDARY, headers={"retry-after": "600"})

    with pytest.raises(GitHubUnavailable) as first:
        await create_run(waiting_app)
    async with waiting_app.installation(1) as gh:
        with pytest.raises(GitHubUnavailable) as second:
            await gh.get_pull(REPO, 1)

    assert (first.value.status, first.value.retry_after) == (403, 600.0)
    assert str(second.value) == (
        "429: GitHub asked chronolog to pause for 600 s more (a secondary rate limit)"
    )
    assert repo.routes() == [f"POST {RUNS}"]
    assert clock.slept == []


@pytest.mark.anyio
async def test_a_secondary_rate_limit_without_headers_waits_a_minute_then_two(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", RUNS, 403, message=SECONDARY, times=2)

    await create_run(waiting_app)

    assert len(repo.calls(f"POST {RUNS}")) == 3
    assert clock.slept == [60.0, 120.0]


@pytest.mark.anyio
async def test_a_secondary_rate_limit_that_lasts_is_handed_back_with_the_next_wait(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", RUNS, 403, message=SECONDARY, times=3)

    with pytest.raises(GitHubUnavailable) as raised:
        await create_run(waiting_app)

    assert (raised.value.status, raised.value.retry_after) == (403, 240.0)
    assert raised.value.message == SECONDARY
    assert clock.slept == [60.0, 120.0]


@pytest.mark.anyio
async def test_no_requests_remaining_waits_until_the_reset(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    reset = str(int(clock.epoch()) + 42)
    repo.fail(
        "GET",
        PULL,
        403,
        message="API rate limit exceeded for installation ID 1.",
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
    )

    async with waiting_app.installation(1) as gh:
        pull = await gh.get_pull(REPO, 1)

    assert pull["number"] == 1
    assert clock.slept == [42.0]


@pytest.mark.anyio
async def test_a_rate_limit_reset_an_hour_away_is_handed_back_at_once(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    reset = str(int(clock.epoch()) + 3600)
    repo.fail(
        "GET",
        PULL,
        403,
        message="API rate limit exceeded for installation ID 1.",
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
    )

    async with waiting_app.installation(1) as gh:
        with pytest.raises(GitHubUnavailable) as raised:
            await gh.get_pull(REPO, 1)

    assert (raised.value.status, raised.value.retry_after) == (403, 3600.0)
    assert len(repo.calls(f"GET {PULL}")) == 1
    assert clock.slept == []


@pytest.mark.anyio
async def test_the_token_exchange_is_retried_on_a_502(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", TOKENS, 502)

    await create_run(waiting_app)

    assert [call.route for call in repo.calls()] == [
        f"POST {TOKENS}",
        f"POST {TOKENS}",
        f"POST {RUNS}",
    ]
    assert clock.slept == [1.0]


@pytest.mark.anyio
async def test_the_token_exchange_has_a_timeout_and_is_retried_when_it_times_out(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", TOKENS, 0, timeout=True, times=8)

    with pytest.raises(GitHubUnavailable) as raised:
        await create_run(waiting_app)

    assert str(raised.value) == "no answer: GitHub did not answer in time"
    exchanges = repo.calls(f"POST {TOKENS}")
    assert len(exchanges) == 4
    assert exchanges[0].timeout == {"connect": 10.0, "read": 10.0, "write": 10.0, "pool": 10.0}
    assert clock.slept == [1.0, 2.0, 4.0]
    assert repo.calls(f"POST {RUNS}") == []


@pytest.mark.anyio
async def test_a_post_that_timed_out_is_not_sent_again(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.fail("POST", RUNS, 0, timeout=True)

    with pytest.raises(GitHubUnavailable):
        await create_run(waiting_app)

    # GitHub may have made the run: the caller looks for it before making another.
    assert len(repo.calls(f"POST {RUNS}")) == 1
    assert clock.slept == []


@pytest.mark.anyio
async def test_the_81st_write_in_a_minute_waits_for_the_first_to_age(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    async with waiting_app.installation(1) as gh:
        for n in range(80):
            await gh.create_issue_comment(REPO, 1, f"comment {n}")
        assert clock.slept == []
        await gh.create_issue_comment(REPO, 1, "comment 80")
        assert clock.slept == [60.0]
        await gh.get_pull(REPO, 1)  # reads are not paced

    assert clock.slept == [60.0]
    assert len(repo.comments_on(REPO.full_name, 1)) == 81


@pytest.mark.anyio
async def test_the_write_budget_is_shared_by_every_installation_of_the_app(
    repo: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    repo.add_repo("other/logs", installation_id=2)
    repo.add_issue("other/logs", 7)
    async with waiting_app.installation(1) as first, waiting_app.installation(2) as second:
        for n in range(40):
            await first.create_issue_comment(REPO, 1, f"comment {n}")
            await second.create_issue_comment(Repo("other", "logs"), 7, f"comment {n}")
        await first.create_issue_comment(REPO, 1, "one too many")

    assert clock.slept == [60.0]


def test_the_500th_write_of_an_hour_is_the_last_until_the_first_is_an_hour_old() -> None:
    clock = FakeClock()
    pacing = WritePacing(clock=clock.now)
    moments = []
    for _ in range(501):
        clock.time += pacing.reserve("POST", max_wait=3600.0)
        moments.append(clock.time)

    # 80 a minute: the 500th goes at 6 minutes; the 501st waits for the first to age.
    assert moments[:2] == [0.0, 0.0]
    assert moments[80] == 60.0
    assert moments[499] == 360.0
    assert moments[500] == 3600.0


def test_a_write_budget_spent_for_longer_than_the_bound_is_handed_back() -> None:
    clock = FakeClock()
    pacing = WritePacing(per_minute=80, per_hour=500, clock=clock.now)
    for _ in range(500):
        clock.time += pacing.reserve("PATCH", max_wait=3600.0)

    with pytest.raises(GitHubUnavailable) as raised:
        pacing.reserve("DELETE", max_wait=120.0)

    assert (raised.value.status, raised.value.retry_after) == (429, 3240.0)
    assert (
        str(raised.value) == "429: chronolog's write budget for GitHub is spent for the next 3240 s"
    )
    assert pacing.reserve("GET", max_wait=120.0) == 0.0


@pytest.mark.anyio
async def test_a_pull_requests_files_are_capped_at_3000(
    repo: FakeGitHub, github_app: GitHubApp
) -> None:
    files = {f"notes/{n:04}.md": f"note {n}\n" for n in range(3005)}
    repo.add_pull(
        REPO.full_name, 2, base_files={}, head_files=files, base_sha="c" * 40, head_sha="d" * 40
    )

    async with github_app.installation(1) as gh:
        listed = await gh.list_pull_files(REPO, 2)

    assert len(listed) == 3000
    assert listed[-1]["filename"] == "notes/2999.md"
    pages = repo.calls(r"GET /repos/octo/logs/pulls/2/files")
    assert len(pages) == 30
    assert pages[0].query == {"per_page": "100"}
    assert pages[1].query == {"per_page": "100", "page": "2"}
