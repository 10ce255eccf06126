"""One webhook delivery as the handlers see it, and the key that orders its work."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class Delivery:
    """One verified webhook delivery, parsed.

    `attempt` counts the tries before this one: a handler running with `attempt > 0` may
    find that an earlier try already wrote to GitHub (even a POST that timed out on our
    side), and must look before it writes.
    """

    id: str  # X-GitHub-Delivery
    event: str  # X-GitHub-Event
    action: str | None
    payload: dict[str, Any]
    received_at: dt.datetime
    attempt: int = 0


def load_body(body: bytes) -> Any:
    """The JSON value of a webhook's body, as `json.loads` reads it.

    orjson reads a 25 kB payload about four times faster, on the loop that answers the
    webhooks. What it refuses and the standard library accepts (a lone surrogate escape,
    NaN, nesting past 1,024 levels) is read by `json.loads` instead, so both agree on
    what is JSON; raises ValueError, or RecursionError for nesting Python cannot read. One
    difference remains: an integer past 64 bits reads as a float (GitHub's ids are 64-bit).
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def partition_key(event: str, payload: Mapping[str, Any]) -> str:
    """The key whose deliveries are processed one after another, across instances.

    A pull request's deliveries share one key (`owner/repo#N`), so a redelivered `opened`
    and a `synchronize` see each other's check runs and suggestions. A check run or suite
    event names its pull requests only for branches of the same repository; for a fork it
    falls back to the head commit. Pushes share one key per repository, so two pushes
    never edit the same backlink comment at once.
    """
    repository = payload.get("repository")
    repo = str(repository.get("full_name", "")) if isinstance(repository, Mapping) else ""
    repo = repo.lower() or "?"
    pull = payload.get("pull_request")
    if isinstance(pull, Mapping) and isinstance(pull.get("number"), int):
        return f"{repo}#{pull['number']}"
    subject = payload.get("check_run") or payload.get("check_suite")
    if isinstance(subject, Mapping):
        pulls = subject.get("pull_requests")
        if isinstance(pulls, list) and pulls and isinstance(pulls[0], Mapping):
            number = pulls[0].get("number")
            if isinstance(number, int):
                return f"{repo}#{number}"
        return f"{repo}@{subject.get('head_sha', '?')}"
    return f"{repo}:{event}"
