"""The one call of GitHub's manifest flow: trading the code GitHub redirected with for the
new app's credentials. It needs no credentials, so it has no `GitHubApp`."""

from __future__ import annotations

import re
from typing import Any

from githubkit import GitHub, UnauthAuthStrategy

from chronolog.app.github.rest import call

USER_AGENT = "chronolog"
# GitHub's codes are short hex strings; anything else never goes into a URL path.
CODE = re.compile(r"[A-Za-z0-9_-]{1,100}")


async def convert_manifest(api_url: str, code: str, timeout: float = 10.0) -> dict[str, Any]:
    """`POST /app-manifests/{code}/conversions`: the new app as GitHub describes it, with
    `id`, `pem`, `webhook_secret`, `client_id` and `client_secret`. A code works once, for
    an hour. Raises `GitHubError`, and `ValueError` for a code that is not one of GitHub's."""
    if not CODE.fullmatch(code):
        raise ValueError(f"{code[:40]!r} is not a manifest code")
    async with GitHub(
        UnauthAuthStrategy(), base_url=api_url, user_agent=USER_AGENT, timeout=timeout
    ) as github:
        response = await call(github.rest.apps.async_create_from_manifest(code))
    return dict(response.json())
