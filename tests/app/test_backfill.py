"""`chronolog backlinks backfill` on the reference log, against the shared fake GitHub."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from chronolog.app.backlinks.backfill import backfill, run_backfill
from chronolog.app.github import GitHubApp, Repo
from chronolog.parse import parse_log
from chronolog.references import find_references
from tests.app.conftest import FakeClock
from tests.conftest import LOGS
from tests.fake_github import FakeGitHub

LOG_REPO = Repo("sourcegraph", "devx-scratch")
PATH = "2022/support/log.snb.md"


def reference_log() -> str:
    return (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")


@pytest.fixture
def world(fake: FakeGitHub) -> FakeGitHub:
    """The log repository and every repository its entries reference, each issue present.

    The app is installed organisation-wide on sourcegraph except on sourcegraph/infrastructure
    (9 targets), and sourcegraph/sourcegraph#30536 is locked.
    """
    fake.add_repo(LOG_REPO.full_name, installation_id=1)
    fake.set_files(LOG_REPO.full_name, "main", {PATH: reference_log(), "README.md": "# hi\n"})
    found = find_references(parse_log(reference_log()), host="github.com", repo=LOG_REPO.full_name)
    for target in sorted({ref for item in found for ref in item.references}):
        if target.full_name not in fake.repos:
            installed = target.owner == "sourcegraph" and target.repo != "infrastructure"
            fake.add_repo(target.full_name, installation_id=1 if installed else None)
        fake.add_issue(target.full_name, target.number, locked=target.number == 30536)
    return fake


async def run(app: GitHubApp, *, dry_run: bool, path: str | None = PATH) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await backfill(app, LOG_REPO, path, dry_run=dry_run, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def writes(fake: FakeGitHub) -> list[str]:
    return [route for route in fake.routes() if route.split()[0] in ("POST", "PATCH", "DELETE")]


@pytest.mark.anyio
async def test_dry_run_prints_the_plan_and_writes_nothing(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    code, out, err = await run(github_app, dry_run=True)

    lines = out.splitlines()
    assert code == 0
    assert len(lines) == 72
    assert lines[:3] == [
        "sourcegraph/deploy-sourcegraph#4086: would create",
        "sourcegraph/deploy-sourcegraph#4144: would create",
        "sourcegraph/deploy-sourcegraph-cloud#15935: would create",
    ]
    assert (
        "sourcegraph/infrastructure#3176: skipped, not linked: chronolog is not installed there"
        in lines
    )
    assert "sourcegraph/sourcegraph#30536: skipped, not linked: the conversation is locked" in lines
    assert err.splitlines() == [
        "72 issues and pull requests in scope (sourcegraph) referenced by "
        f"{PATH} at main ({world.repos[LOG_REPO.full_name].refs['main'][:7]})",
        "72 targets: 62 would be created, 0 would be updated, 0 would be deleted, 0 up to date, "
        "10 skipped (9 not_installed, 1 locked), 0 failed",
    ]
    assert writes(world) == []


@pytest.mark.anyio
async def test_backfill_writes_within_the_budget_and_a_rerun_changes_nothing(
    world: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    code, out, err = await run(waiting_app, dry_run=False)

    assert (code, out) == (0, "")
    posts = writes(world)
    assert len(posts) == 62
    assert all(route.startswith("POST /repos/sourcegraph/") for route in posts)
    # 62 writes fit in one minute's budget of 80: none waits.
    assert clock.slept == []
    assert err.splitlines()[-1] == (
        "72 targets: 62 created, 0 updated, 0 deleted, 0 up to date, "
        "10 skipped (9 not_installed, 1 locked), 0 failed"
    )
    body = world.comments_on("sourcegraph/sourcegraph", 43282)[0]["body"]
    assert body.startswith(f"<!-- chronolog:backlink sourcegraph/devx-scratch:{PATH} -->\n")

    world.requests.clear()
    code, out, err = await run(waiting_app, dry_run=False)

    assert code == 0
    assert writes(world) == []
    assert "0 created, 0 updated, 0 deleted, 62 up to date" in err.splitlines()[-1]


@pytest.mark.anyio
async def test_backfill_honours_retry_after(
    world: FakeGitHub, waiting_app: GitHubApp, clock: FakeClock
) -> None:
    world.fail(
        "POST",
        r"/repos/sourcegraph/deploy-sourcegraph/issues/4086/comments",
        429,
        message="You have exceeded a secondary rate limit.",
        headers={"retry-after": "45"},
    )
    code, _, err = await run(waiting_app, dry_run=False)

    assert code == 0
    assert (
        writes(world)[:2] == ["POST /repos/sourcegraph/deploy-sourcegraph/issues/4086/comments"] * 2
    )
    assert clock.slept == [45.0]
    assert err.splitlines()[-1].endswith(
        "62 created, 0 updated, 0 deleted, 0 up to date, "
        "10 skipped (9 not_installed, 1 locked), 0 failed; waited 45 s for GitHub's rate limits"
    )


@pytest.mark.anyio
async def test_backfill_finds_the_logs_without_path(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    code, out, err = await run(github_app, dry_run=True, path=None)

    assert (code, len(out.splitlines())) == (0, 72)
    # README.md is Markdown too, but not a log.
    assert err.splitlines()[0].startswith(
        f"72 issues and pull requests in scope (sourcegraph) referenced by {PATH} at main"
    )


@pytest.mark.anyio
async def test_backfill_where_the_app_is_not_installed(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    world.add_repo("someone/else")
    out, err = io.StringIO(), io.StringIO()

    code = await backfill(github_app, Repo("someone", "else"), None, dry_run=True, out=out, err=err)

    assert code == 2
    assert err.getvalue() == (
        "chronolog: the app is not installed on someone/else; install it there first\n"
    )


def test_run_backfill_without_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("CHRONOLOG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name in (
        "GITHUB_APP_ID",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_APP_PRIVATE_KEY_PATH",
        "GITHUB_WEBHOOK_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)

    assert run_backfill("sourcegraph/devx-scratch", None, dry_run=True) == 2
    assert capsys.readouterr().err == (
        "chronolog: the backfill runs as the GitHub App, and neither the environment "
        "(GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET) nor the store holds "
        "its credentials; register the app on `chronolog serve`'s page first, or set those "
        "variables\n"
    )


@pytest.mark.anyio
async def test_backfill_with_an_invalid_config_writes_nothing_and_says_why(
    world: FakeGitHub, github_app: GitHubApp
) -> None:
    config = "backlinks:\n  enabled: false\nlgos: [x]\n"
    world.set_files(
        LOG_REPO.full_name, "main", {PATH: reference_log(), ".github/chronolog.yml": config}
    )

    code, out, err = await run(github_app, dry_run=False)

    assert (code, out) == (2, "")
    assert err == (
        "chronolog: .github/chronolog.yml, line 3: unknown key `lgos`; did you mean `logs`?\n"
    )
    assert writes(world) == []
