"""Each repository's `.github/chronolog.yml`, kept between deliveries to save a REST call.

The config lives on the default branch and changes rarely, yet every check needs it.
`ConfigCache` keeps what was read (the parsed config, or its error, or "no file") per
repository and default branch. An entry is forgotten when a push to the default branch
touches the file (`forget_if_changed`, called on every such push) and expires after `ttl`
seconds anyway, which bounds how stale it can be if that push's delivery was missed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chronolog.config import CONFIG_PATH, ConfigError, RepoConfig

DEFAULT_TTL = 300.0  # seconds
# GitHub's push payload may list only some commits when there are more than this many.
COMMITS_LISTED = 20

ConfigRead = tuple[RepoConfig, ConfigError | None]


@dataclass(frozen=True)
class _Entry:
    value: ConfigRead
    expires: float


def push_changes_config(payload: Mapping[str, Any]) -> bool:
    """Whether a `push` to the default branch may have added, modified or removed the config.

    True when a listed commit touches `.github/chronolog.yml`, and whenever the payload
    cannot tell: a forced push, a push listing no commits, or one listing 20 or more
    (GitHub's lists may then be incomplete).
    """
    repository = payload.get("repository") or {}
    if payload.get("ref") != f"refs/heads/{repository.get('default_branch')}":
        return False
    commits = [c for c in payload.get("commits") or () if isinstance(c, Mapping)]
    if payload.get("forced") or not commits or len(commits) >= COMMITS_LISTED:
        return True
    head = payload.get("head_commit")
    touched = [*commits, head] if isinstance(head, Mapping) else commits
    return any(
        CONFIG_PATH in (commit.get(key) or ())
        for commit in touched
        for key in ("added", "modified", "removed")
    )


class ConfigCache:
    """Config reads per (repository, default branch), for at most `ttl` seconds.

    Safe to share between threads. At most `max_entries` repositories are kept; the
    least recently read is dropped first.
    """

    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        # Bumped by every `forget`: a read that overlapped one is returned, not kept,
        # so a config read just before a push cannot outlive that push's invalidation.
        self._forgotten = 0

    async def get(
        self, repository: str, branch: str, read: Callable[[], Awaitable[ConfigRead]]
    ) -> ConfigRead:
        """The cached read for `repository`@`branch`, or `read()`'s result (then kept).

        An exception from `read` propagates and nothing is kept.
        """
        key = (repository.lower(), branch)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._clock() < entry.expires:
                self._entries.move_to_end(key)
                return entry.value
            forgotten = self._forgotten
        value = await read()
        with self._lock:
            if forgotten == self._forgotten:
                self._entries[key] = _Entry(value, self._clock() + self.ttl)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def forget(self, repository: str, branch: str) -> None:
        """Read the config of `repository`@`branch` again next time."""
        with self._lock:
            self._entries.pop((repository.lower(), branch), None)
            self._forgotten += 1

    def forget_if_changed(self, push: Mapping[str, Any]) -> bool:
        """Forget the pushed repository's config if the `push` payload may have changed it.

        Returns whether it was forgotten.
        """
        if not push_changes_config(push):
            return False
        repository = push.get("repository") or {}
        self.forget(str(repository.get("full_name") or ""), str(repository["default_branch"]))
        return True
