"""The app's webhook deliveries through the GitHub facade, against the shared fake: what
the job layer lists to find what was missed, and how it asks for a delivery again."""

from __future__ import annotations

import datetime as dt

import pytest

from chronolog.app.github import GitHubApp, GitHubError
from tests.fake_github import FakeGitHub

START = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def seed_deliveries(fake: FakeGitHub, count: int) -> list[dict[str, object]]:
    """`count` deliveries a minute apart from START; every tenth one failed with a 503."""
    return [
        fake.add_hook_delivery(
            delivered_at=START + dt.timedelta(minutes=n),
            status_code=503 if n % 10 == 0 else 202,
            installation_id=1,
            repository_id=42,
        )
        for n in range(count)
    ]


@pytest.mark.anyio
async def test_deliveries_are_listed_newest_first_following_the_cursor_back_to_since(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    seeded = seed_deliveries(fake, 250)

    listed = await github_app.list_hook_deliveries(since=START + dt.timedelta(minutes=30))

    assert [d["id"] for d in listed] == [d["id"] for d in reversed(seeded[30:])]
    assert listed[-1] == {
        "id": seeded[30]["id"],
        "guid": seeded[30]["guid"],
        "delivered_at": "2026-11-30T12:30:00Z",
        "redelivery": False,
        "duration": 0.27,
        "status": "Invalid HTTP Response: 503",
        "status_code": 503,
        "event": "pull_request",
        "action": "opened",
        "installation_id": 1,
        "repository_id": 42,
        "throttled_at": None,
    }
    pages = fake.calls("GET /app/hook/deliveries")
    assert [page.query for page in pages] == [
        {"per_page": "100"},
        {"per_page": "100", "cursor": f"v1_{seeded[150]['id']}"},
        {"per_page": "100", "cursor": f"v1_{seeded[50]['id']}"},
    ]
    assert pages[0].headers["authorization"].startswith("Bearer ")


@pytest.mark.anyio
async def test_deliveries_stop_at_the_first_page_holding_since(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    seeded = seed_deliveries(fake, 250)

    listed = await github_app.list_hook_deliveries(since=START + dt.timedelta(minutes=240))

    assert [d["id"] for d in listed] == [d["id"] for d in reversed(seeded[240:])]
    assert len(fake.calls("GET /app/hook/deliveries")) == 1


@pytest.mark.anyio
async def test_without_since_deliveries_go_back_three_days(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    old = fake.add_hook_delivery(delivered_at=START - dt.timedelta(days=3, seconds=1))
    kept = fake.add_hook_delivery(delivered_at=START - dt.timedelta(days=3))
    new = fake.add_hook_delivery(delivered_at=START)

    listed = await github_app.list_hook_deliveries(now=START)

    assert [d["id"] for d in listed] == [new["id"], kept["id"]]
    assert old["id"] not in [d["id"] for d in listed]


@pytest.mark.anyio
async def test_redeliver_asks_github_to_send_a_delivery_again(
    fake: FakeGitHub, github_app: GitHubApp
) -> None:
    failed = fake.add_hook_delivery(delivered_at=START, status_code=0, action="synchronize")

    await github_app.redeliver(int(str(failed["id"])))
    with pytest.raises(GitHubError) as raised:
        await github_app.redeliver(999_999)

    assert fake.redelivered == [failed["id"]]
    [again] = [d for d in fake.hook_deliveries if d["redelivery"]]
    assert (again["guid"], again["status"], again["action"]) == (
        failed["guid"],
        "OK",
        "synchronize",
    )
    assert raised.value.status == 404
    assert [call.route for call in fake.calls()] == [
        f"POST /app/hook/deliveries/{failed['id']}/attempts",
        "POST /app/hook/deliveries/999999/attempts",
    ]
