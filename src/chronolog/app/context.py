"""One delivery's context (what probot's `Context` is): the delivery and views of its
payload, the app's shared state, and a client of the delivery's installation.

`AppContext` is what every delivery shares (composed once, in `server.app_context`);
`DeliveryContext` is made per delivery by the router and is all a handler takes; a
`Route` names the event a handler runs on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chronolog.app.checks.config_cache import ConfigCache
from chronolog.app.delivery import Delivery
from chronolog.app.github import GitHubApp, Installation, Repo
from chronolog.pull import LogsOfPull


@dataclass(frozen=True)
class PullRequest:
    """What chronolog needs of a pull request, from a webhook or `GET /pulls/{n}`."""

    repo: Repo  # the base repository, where the check run goes
    number: int
    head_sha: str
    head_ref: str
    head_repo: str | None  # full name; None when the fork was deleted
    base_sha: str
    author: str
    default_branch: str
    maintainer_can_modify: bool
    web_url: str = ""  # the base repository's html_url: references and links use its host
    base_ref: str = ""  # the branch it merges into

    @classmethod
    def from_json(cls, pull: Mapping[str, Any]) -> PullRequest:
        base_repo = pull["base"]["repo"]
        head_repo = pull["head"].get("repo")
        return cls(
            repo=Repo.from_payload(base_repo),
            number=int(pull["number"]),
            head_sha=str(pull["head"]["sha"]),
            head_ref=str(pull["head"]["ref"]),
            head_repo=str(head_repo["full_name"]) if head_repo else None,
            base_sha=str(pull["base"]["sha"]),
            author=str(pull["user"]["login"]),
            default_branch=str(base_repo.get("default_branch") or pull["base"]["ref"]),
            maintainer_can_modify=bool(pull.get("maintainer_can_modify")),
            web_url=str(base_repo.get("html_url") or ""),
            base_ref=str(pull["base"]["ref"]),
        )

    @property
    def from_fork(self) -> bool:
        return self.head_repo != self.repo.full_name


# Extra summary sections of a check run (the backlink preview plugs in here).
SectionBuilder = Callable[[Installation, PullRequest, LogsOfPull], Awaitable[str | None]]


@dataclass
class AppContext:
    """What handlers share: the app's GitHub access, the clock, summary extensions, and
    the repositories' configs (read from the default branch, kept between deliveries)."""

    github: GitHubApp
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    section_builders: list[SectionBuilder] = field(default_factory=list)
    config_cache: ConfigCache = field(default_factory=ConfigCache)


@dataclass(frozen=True)
class PullCheck:
    """One check of one pull request: what it checks, as of when, and how careful it is.

    With `look_for_existing`, a run of ours on the head commit is looked up first (and
    reused if it says the same); with `look_for_suggestions`, the pull request's review
    comments are read so that no suggestion is posted twice.
    """

    pr: PullRequest
    app_id: int
    event_time: dt.datetime
    look_for_existing: bool = True
    look_for_suggestions: bool = True
    section_builders: Sequence[SectionBuilder] = ()
    config_cache: ConfigCache | None = None
    # The app's comment author (`<slug>[bot]`), asked for only when review comments are
    # read: only the app's own count as posted suggestions.
    bot_login: Callable[[], Awaitable[str | None]] | None = None


@dataclass(frozen=True)
class DeliveryContext:
    """One delivery being handled, with the app's shared state."""

    app: AppContext
    delivery: Delivery

    @property
    def payload(self) -> Mapping[str, Any]:
        return self.delivery.payload

    @property
    def is_retry(self) -> bool:
        """Whether an earlier try may have written to GitHub already: look before writing."""
        return self.delivery.attempt > 0

    @property
    def repo(self) -> Repo:
        return Repo.from_payload(self.payload["repository"])

    @property
    def installation_id(self) -> int:
        return int(self.payload["installation"]["id"])

    @property
    def pull_request(self) -> PullRequest:
        """The payload's pull request (a `pull_request` event's)."""
        return PullRequest.from_json(self.payload["pull_request"])

    def installation(self) -> Installation:
        """A client of the delivery's installation; use it as `async with`."""
        return self.app.github.installation(self.installation_id)

    def pull_check(
        self, pr: PullRequest, *, look_for_existing: bool = True, look_for_suggestions: bool = True
    ) -> PullCheck:
        """A check of `pr` as of this delivery, with the app's summary sections and config
        cache: the one way a handler checks a pull request."""
        return PullCheck(
            pr,
            app_id=self.app.github.app_id,
            event_time=self.delivery.received_at,
            look_for_existing=look_for_existing,
            look_for_suggestions=look_for_suggestions,
            section_builders=self.app.section_builders,
            config_cache=self.app.config_cache,
            bot_login=self.app.github.bot_login,
        )

    async def pulls_at_head(self, gh: Installation) -> list[PullRequest]:
        """The open pull requests whose head is the commit of the payload's check run (or
        check suite), fetched fresh (author, fork, edits).

        The payload lists them for branches of the repository itself; for a fork it is
        empty. Then GitHub is asked which pull requests contain the commit, which answers
        nothing for a commit that exists only in a fork: the base repository's open pull
        requests are then listed and matched on their head commit.
        """
        subject = self.payload.get("check_run") or self.payload["check_suite"]
        head_sha = str(subject["head_sha"])
        listed = subject.get("pull_requests") or []
        numbers = [
            int(p["number"]) for p in listed if p.get("head", {}).get("sha", head_sha) == head_sha
        ]
        repo = self.repo
        if numbers:
            return [PullRequest.from_json(await gh.get_pull(repo, n)) for n in numbers]
        found = _open_at(await gh.pulls_for_commit(repo, head_sha), head_sha)
        if not found:
            found = _open_at(await gh.list_open_pulls(repo), head_sha)
        return found


def _open_at(pulls: list[dict[str, Any]], head_sha: str) -> list[PullRequest]:
    return [
        PullRequest.from_json(pull)
        for pull in pulls
        if pull.get("state") == "open" and pull["head"]["sha"] == head_sha
    ]


Handler = Callable[[DeliveryContext], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    """Run `handler` on `event`.`action` when `accepts(payload)` (default: always).

    Each concern lists its routes in its `routes.py`; `chronolog.app.router` composes them.
    """

    event: str
    action: str | None
    handler: Handler
    accepts: Callable[[Mapping[str, Any]], bool] | None = None
    # Skip deliveries a bot caused, for handlers whose own writes would trigger them again.
    skip_bots: bool = False
