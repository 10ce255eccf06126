"""The config cache: which pushes forget a config, expiry, and reads that overlap a push."""

from __future__ import annotations

from typing import Any

import pytest

from chronolog.app.checks.config_cache import ConfigCache, ConfigRead, push_changes_config
from chronolog.config import ConfigError, RepoConfig, parse_config
from tests.fake_github import load_webhook

REPO = "Codertocat/Hello-World"
CONFIG = ".github/chronolog.yml"


def push(
    *paths: str, commits: int = 1, forced: bool = False, ref: str = "refs/heads/master"
) -> dict[str, Any]:
    """The real push to master, its commits modifying `paths` (the last commit lists them)."""
    payload = load_webhook("push.new-branch")
    commit = payload["commits"][0]
    listed = [dict(commit, added=[], modified=[], removed=[]) for _ in range(commits)]
    if listed:
        listed[-1]["modified"] = list(paths)
    payload.update(commits=listed, head_commit=listed[-1] if listed else None)
    payload.update(forced=forced, ref=ref)
    return payload


@pytest.mark.parametrize(
    ("payload", "changes"),
    [
        (push("README.md"), False),
        (push(CONFIG), True),
        (push("docs/.github/chronolog.yml"), False),
        (push("README.md", commits=19), False),
        # GitHub may list only some of the commits of a big push: the config may be among them.
        (push("README.md", commits=20), True),
        (push("README.md", forced=True), True),
        (push(commits=0), True),  # nothing listed: cannot tell
        (push(CONFIG, ref="refs/heads/feature"), False),  # not the default branch
        (load_webhook("push"), False),  # a tag
    ],
)
def test_which_pushes_may_change_the_config(payload: dict[str, Any], changes: bool) -> None:
    assert push_changes_config(payload) is changes


def test_a_config_added_or_removed_by_an_earlier_commit_of_the_push_counts() -> None:
    for key in ("added", "removed"):
        payload = push("README.md", commits=3)
        payload["commits"][0][key] = [CONFIG]
        assert push_changes_config(payload)


def test_the_head_commit_is_read_when_the_list_misses_it() -> None:
    payload = push("README.md")
    payload["head_commit"] = dict(payload["head_commit"], modified=[CONFIG])
    assert push_changes_config(payload)


class Reads:
    """A config read that counts how often it ran and returns the current `text`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.count = 0

    async def __call__(self) -> ConfigRead:
        self.count += 1
        return parse_config(self.text), None


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.anyio
async def test_a_read_is_kept_until_the_ttl_passes() -> None:
    clock = Clock()
    cache = ConfigCache(ttl=300, clock=clock)
    read = Reads("check_name: logs\n")

    first = await cache.get(REPO, "master", read)
    clock.now += 299
    second = await cache.get(REPO.lower(), "master", read)  # names are case-insensitive
    clock.now += 1
    third = await cache.get(REPO, "master", read)

    assert first == second == third == (RepoConfig(check_name="logs"), None)
    assert read.count == 2


@pytest.mark.anyio
async def test_each_repository_and_default_branch_has_its_own_entry() -> None:
    cache = ConfigCache()
    read = Reads("")
    await cache.get(REPO, "master", read)
    await cache.get(REPO, "main", read)  # the default branch was renamed
    await cache.get("Codertocat/Other", "master", read)
    await cache.get(REPO, "master", read)
    assert read.count == 3


@pytest.mark.anyio
async def test_a_push_that_changes_the_config_makes_the_next_check_read_it_again() -> None:
    cache = ConfigCache()
    read = Reads("check_name: old\n")
    await cache.get(REPO, "master", read)

    assert not cache.forget_if_changed(push("README.md"))
    assert (await cache.get(REPO, "master", read))[0].check_name == "old"
    read.text = "check_name: new\n"
    assert cache.forget_if_changed(push(CONFIG))
    assert (await cache.get(REPO, "master", read))[0].check_name == "new"
    assert read.count == 2


@pytest.mark.anyio
async def test_a_read_that_overlaps_a_push_is_used_once_and_not_kept() -> None:
    cache = ConfigCache()
    read = Reads("check_name: old\n")

    async def read_while_the_config_changes() -> ConfigRead:
        value = await read()
        cache.forget(REPO, "master")  # the push arrives while the read is on its way
        read.text = "check_name: new\n"
        return value

    assert (await cache.get(REPO, "master", read_while_the_config_changes))[0].check_name == "old"
    assert (await cache.get(REPO, "master", read))[0].check_name == "new"


@pytest.mark.anyio
async def test_an_invalid_config_is_kept_with_its_error_and_a_failed_read_is_not_kept() -> None:
    cache = ConfigCache()
    error = ConfigError("unknown key `rulez`", line=2)
    calls = 0

    async def invalid() -> ConfigRead:
        nonlocal calls
        calls += 1
        return RepoConfig(), error

    async def failing() -> ConfigRead:
        raise OSError("GitHub is down")

    with pytest.raises(OSError, match="GitHub is down"):
        await cache.get(REPO, "master", failing)
    assert await cache.get(REPO, "master", invalid) == (RepoConfig(), error)
    assert await cache.get(REPO, "master", invalid) == (RepoConfig(), error)
    assert calls == 1


@pytest.mark.anyio
async def test_the_least_recently_read_repository_is_dropped_beyond_max_entries() -> None:
    cache = ConfigCache(max_entries=2)
    read = Reads("")
    await cache.get("o/a", "main", read)
    await cache.get("o/b", "main", read)
    await cache.get("o/a", "main", read)
    await cache.get("o/c", "main", read)  # drops o/b
    await cache.get("o/a", "main", read)
    await cache.get("o/b", "main", read)
    assert read.count == 4
