"""End to end: a push to the default branch, through `chronolog serve`, opens the report
issue once, and a redelivery of the push leaves it as it is."""

from __future__ import annotations

import datetime as dt

from tests.conftest import LOGS
from tests.fake_github import FakeGitHub
from tests.test_e2e_backlinks import AFTER, BEFORE, LOG_REPO, PATH, deliver, push_payload
from tests.test_e2e_serve import server, wait_until

__all__ = ["server"]  # the fixture: `chronolog serve` against the fake, over HTTP


def test_a_push_opens_the_report_issue_once(server: tuple[str, FakeGitHub]) -> None:
    base, fake = server
    # The server's clock is the real one: the entry is dated today, in the report's window.
    today = dt.datetime.now(dt.UTC).date()
    entry = f"## {today}\n\n@octocat saw sourcegraph/sourcegraph#50000 $DURATION=30m\n\n"
    log = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    config = {".github/chronolog.yml": "report: {issue_title: Support log report}\n"}
    fake.add_repo(LOG_REPO, installation_id=1)
    fake.add_repo("sourcegraph/sourcegraph", installation_id=1)
    fake.add_issue("sourcegraph/sourcegraph", 50000)
    fake.set_files(LOG_REPO, BEFORE, {PATH: log, **config})
    new_log = log.replace("## 2022-11-25\n", entry + "## 2022-11-25\n", 1)
    fake.set_files(LOG_REPO, AFTER, {PATH: new_log, **config})
    fake.repos[LOG_REPO].refs["main"] = AFTER

    assert deliver(base, push_payload(), "delivery-1") == 202
    (issue,) = wait_until(lambda: fake.issues_in(LOG_REPO), "the report issue")
    assert issue["title"] == "Support log report"
    assert f"| {today:%Y-%m} | 1 | 30 | 30m | 0 |" in issue["body"]
    assert "| `sourcegraph/sourcegraph#50000` | " in issue["body"]

    assert deliver(base, push_payload(), "delivery-1") == 202  # dropped: already stored
    assert deliver(base, push_payload(), "delivery-2") == 202  # GitHub's redelivery
    wait_until(
        lambda: len(fake.calls("GET /repos/sourcegraph/devx-scratch/issues")) >= 3,
        "the redelivery to be processed",
    )
    assert len(fake.issues_in(LOG_REPO)) == 1
    assert fake.calls("(POST|PATCH) /repos/sourcegraph/devx-scratch/issues.*") == [
        fake.calls("POST /repos/sourcegraph/devx-scratch/issues")[0]
    ]
