"""End to end: a push to the default branch, through `chronolog serve`, leaves one backlink."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import LOGS
from tests.fake_github import FakeGitHub, load_webhook, webhook_headers
from tests.test_e2e_serve import SECRET, server, wait_until

__all__ = ["server"]  # the fixture: `chronolog serve` against the fake, over HTTP

LOG_REPO = "sourcegraph/devx-scratch"
PATH = "2022/support/log.snb.md"
BEFORE, AFTER = "1" * 40, "2" * 40
ENTRY = (
    "## 2022-11-28\n\n"
    "@octocat found https://github.com/sourcegraph/sourcegraph/issues/50000 again\n\n"
)


def push_payload() -> dict[str, Any]:
    """The real push payload, pointed at the log repository's default branch."""
    payload = load_webhook("push.new-branch")
    payload.update(ref="refs/heads/main", before=BEFORE, after=AFTER, created=False)
    payload["repository"].update(
        name="devx-scratch",
        full_name=LOG_REPO,
        html_url=f"https://github.com/{LOG_REPO}",
        default_branch="main",
    )
    payload["repository"]["owner"]["login"] = "sourcegraph"
    commit = dict(payload["commits"][0], id=AFTER, added=[], modified=[PATH], removed=[])
    payload.update(commits=[commit], head_commit=commit)
    return payload


def deliver(base: str, payload: dict[str, Any], delivery: str) -> int:
    body = json.dumps(payload).encode()
    headers = webhook_headers("push", body, SECRET)
    headers["X-GitHub-Delivery"] = delivery
    return httpx.post(f"{base}/api/github/webhooks", content=body, headers=headers).status_code


def test_a_pushed_entry_links_back_once_even_when_redelivered(
    server: tuple[str, FakeGitHub],
) -> None:
    base, fake = server
    log = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    fake.add_repo(LOG_REPO, installation_id=1)
    fake.add_repo("sourcegraph/sourcegraph", installation_id=1)
    fake.add_issue("sourcegraph/sourcegraph", 50000)
    fake.set_files(LOG_REPO, BEFORE, {PATH: log})
    fake.set_files(
        LOG_REPO, AFTER, {PATH: log.replace("## 2022-11-25\n", ENTRY + "## 2022-11-25\n", 1)}
    )
    fake.repos[LOG_REPO].refs["main"] = AFTER

    assert deliver(base, push_payload(), "delivery-1") == 202
    [comment] = wait_until(
        lambda: fake.comments_on("sourcegraph/sourcegraph", 50000), "the backlink comment"
    )
    blob = f"https://github.com/{LOG_REPO}/blob"
    assert comment["body"] == (
        f"<!-- chronolog:backlink {LOG_REPO}:{PATH} -->\n"
        f"This is mentioned in 1 entry of the log [{PATH}]({blob}/main/{PATH}) in {LOG_REPO}:\n\n"
        f"- [2022-11-28]({blob}/main/{PATH}#2022-11-28) "
        f"([lines 5-7 at 2222222]({blob}/{AFTER}/{PATH}?plain=1#L5-L7)): "
        "`@octocat found https://github.com/sourcegraph/sourcegraph/issues/50000 again`\n\n"
        "<sub>Written by chronolog from the log and kept up to date; edits to this comment are "
        "overwritten.</sub>"
    )

    # The same delivery again is dropped; a new delivery of the same push changes nothing.
    writes_before = [r.route for r in fake.requests if r.route.split()[0] != "GET"]
    assert deliver(base, push_payload(), "delivery-1") == 202
    assert deliver(base, push_payload(), "delivery-2") == 202
    wait_until(
        lambda: sum(r.route.endswith("/issues/50000/comments") for r in fake.requests) >= 2,
        "the redelivery to be processed",
    )
    writes_after = [r.route for r in fake.requests if r.route.split()[0] != "GET"]
    assert [w for w in writes_after if "access_tokens" not in w] == [
        w for w in writes_before if "access_tokens" not in w
    ]
    assert len(fake.comments_on("sourcegraph/sourcegraph", 50000)) == 1
