"""Whether issues and pull requests are still open, asked of GitHub's REST API: for the
CLI's `report --handover`, with a token only.

It uses the standard library's `urllib`, so the linter's install stays light (the app
has its own client and makes these lookups through it). One request per reference,
one after the other; the first failure stops the lookups and says why.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from chronolog.handover import State
from chronolog.references import Reference

DEFAULT_API_URL = "https://api.github.com"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Lookup:
    states: dict[Reference, State]
    problem: str | None  # why some were not looked up; None when all were


def look_up_states(
    references: Iterable[Reference], *, token: str, api_url: str = DEFAULT_API_URL
) -> Lookup:
    """The state of each reference: `open`, `closed`, or `missing` (404 or 410: deleted,
    transferred away or not visible with this token)."""
    states: dict[Reference, State] = {}
    base = api_url.rstrip("/")
    for reference in references:
        url = (
            f"{base}/repos/{quote(reference.owner)}/{quote(reference.repo)}"
            f"/issues/{reference.number}"
        )
        request = urllib.request.Request(
            url,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {token}",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "chronolog",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            if error.code in (404, 410):
                states[reference] = "missing"
                continue
            return Lookup(states, f"GitHub answered {error.code} for {reference}: {error.reason}")
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            return Lookup(states, f"could not ask {base} about {reference}: {reason}")
        state = body.get("state") if isinstance(body, dict) else None
        if state not in ("open", "closed"):
            return Lookup(states, f"GitHub's answer for {reference} has no state")
        states[reference] = "open" if state == "open" else "closed"
    return Lookup(states, None)
