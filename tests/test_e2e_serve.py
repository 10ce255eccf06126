"""End to end: `chronolog serve` as a real process against the fake GitHub served over HTTP."""

from __future__ import annotations

import base64
import difflib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import reference_pull
from tests.conftest import LOGS
from tests.fake_github import (
    FakeGitHub,
    add_pull_from_payload,
    free_port,
    load_webhook,
    new_app_key,
    serve,
    webhook_headers,
)
from tests.helpers import CHRONOLOG_COMMAND

APP_ID = 31337
SECRET = "e2e secret"
LOG_PATH = "support/log.md"


def chronolog_command() -> list[str]:
    """The installed console script, or the same entry point through this interpreter."""
    script = shutil.which("chronolog", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return list(CHRONOLOG_COMMAND)


def wait_until(condition: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, FakeGitHub]]:
    key, pem = new_app_key(pkcs8=True)
    fake = FakeGitHub(app_id=APP_ID, public_key=key.public_key(), prefix="/api/v3")
    with serve(fake) as api_url:
        port = free_port()
        env = {
            **os.environ,
            "GITHUB_APP_ID": str(APP_ID),
            # One line with literal "\n", as `fly secrets set` and .env files often carry it.
            "GITHUB_APP_PRIVATE_KEY": pem.replace("\n", "\\n"),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_API_URL": api_url,
            "CHRONOLOG_DATA_DIR": str(tmp_path / "data"),
        }
        env.pop("DATABASE_URL", None)
        env.pop("GITHUB_APP_PRIVATE_KEY_PATH", None)
        process = subprocess.Popen(
            [*chronolog_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:

            def healthy() -> bool:
                if process.poll() is not None:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise AssertionError(f"chronolog serve exited: {output}")
                try:
                    return httpx.get(f"{base}/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(healthy, "the server to answer /healthz")
            yield base, fake
        finally:
            process.terminate()
            output = process.communicate(timeout=15)[0].decode()
        secrets = [SECRET, *fake.tokens, *(line for line in pem.splitlines() if "-" not in line)]
        check_logs(output, secrets)


def check_logs(output: str, secrets: list[str]) -> None:
    """Everything the server wrote is JSON lines (chronolog's, uvicorn's and DBOS's alike,
    since stdout is not a terminal) and holds no secret."""
    lines = output.splitlines()
    assert lines
    for line in lines:
        record = json.loads(line)
        assert {"time", "level", "logger", "message"} <= record.keys(), line
    leaked = [secret[:8] for secret in secrets if secret in output]
    assert leaked == [], "secrets in the server's output"


def test_a_signed_pull_request_webhook_ends_in_a_check_run_and_a_review(
    server: tuple[str, FakeGitHub],
) -> None:
    base, fake = server
    payload = load_webhook("pull_request.synchronize")
    log_base = (LOGS / "devx-support-log-cd.base.md").read_text(encoding="utf-8")
    log_head = (LOGS / "devx-support-log-cd.head.md").read_text(encoding="utf-8")
    add_pull_from_payload(
        fake, payload, base_files={LOG_PATH: log_base}, head_files={LOG_PATH: log_head}
    )
    body = json.dumps(payload).encode()

    answer = httpx.post(
        f"{base}/api/github/webhooks",
        content=body,
        headers=webhook_headers("pull_request", body, SECRET),
    )
    assert answer.status_code == 202

    [run] = wait_until(lambda: fake.runs_for("Codertocat/Hello-World"), "the check run")
    assert run["head_sha"] == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert (run["name"], run["status"], run["conclusion"]) == ("chronolog", "completed", "failure")
    assert run["output"]["title"] == "1 problem introduced"
    first = run["_annotations"][0]
    assert (first["start_line"], first["annotation_level"]) == (7, "failure")
    assert [action["identifier"] for action in run["actions"]] == ["fix-my-lines", "fix-whole-log"]
    [comment] = fake.review_comments
    assert comment["body"].count("```suggestion\n@Codertocat DevX was flagged") == 1
    # Everything went through the GitHub Enterprise-style prefix, with an installation token.
    assert fake.calls("POST /app/installations/1/access_tokens")
    assert all(r.headers["user-agent"] == "chronolog" for r in fake.requests)


def test_home_page_names_the_app(server: tuple[str, FakeGitHub]) -> None:
    base, _ = server
    page = httpx.get(f"{base}/").text
    assert (
        'chronolog is running as <a href="https://github.com/apps/chronolog">chronolog</a>' in page
    )


def test_a_wrong_signature_is_refused(server: tuple[str, FakeGitHub]) -> None:
    base, fake = server
    body = b'{"action": "opened"}'
    headers = webhook_headers("pull_request", body, "another secret")
    assert (
        httpx.post(f"{base}/api/github/webhooks", content=body, headers=headers).status_code == 401
    )
    assert fake.requests == []


def test_the_reference_scenario_annotates_only_what_the_pull_request_added(
    server: tuple[str, FakeGitHub],
) -> None:
    # Issue 10: one new entry on top of the reference log, which has 16 old problems.
    base, fake = server
    payload = load_webhook("pull_request.synchronize")
    add_pull_from_payload(
        fake,
        payload,
        base_files={LOG_PATH: reference_pull.BASE},
        head_files={LOG_PATH: reference_pull.HEAD},
    )
    body = json.dumps(payload).encode()

    answer = httpx.post(
        f"{base}/api/github/webhooks",
        content=body,
        headers=webhook_headers("pull_request", body, SECRET),
    )
    assert answer.status_code == 202

    [run] = wait_until(lambda: fake.runs_for("Codertocat/Hello-World"), "the check run")
    assert (run["conclusion"], run["output"]["title"]) == ("failure", "3 problems introduced")
    assert [(a["start_line"], a["title"]) for a in run["_annotations"]] == [
        (5, "chronolog date-heading"),
        (7, "chronolog duration-tag"),
        (7, "chronolog participants"),
    ]
    summary, text = run["output"]["summary"], run["output"]["text"]
    assert "| `duration-tag` | 1 | 10 |\n| `mojibake` | 0 | 6 |" in summary
    assert "**16 problems were already in the log**" in summary
    assert "Adds 1 entry: 45m of support time." in summary
    listed = [line for line in (summary + text).splitlines() if line.startswith("- `support/")]
    assert len(listed) == len(set(listed)) == 19  # each finding listed once


def deliver(base: str, event: str, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    answer = httpx.post(
        f"{base}/api/github/webhooks", content=body, headers=webhook_headers(event, body, SECRET)
    )
    assert answer.status_code == 202


SCENARIO_ENTRY = (
    "## 26/11/2022\n\nRestarted the stuck CI agents after the disk filled up. DURATION=45m\n\n"
)


def test_the_new_entry_gets_one_suggestion_for_its_first_line_and_fix_my_lines_fixes_only_it(
    server: tuple[str, FakeGitHub],
) -> None:
    # The scenario: jhchabran adds one entry on top of the reference log.
    base, fake = server
    payload = load_webhook("pull_request.synchronize")
    payload["pull_request"]["user"]["login"] = "jhchabran"
    log_base = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
    log_head = log_base.replace("## 2022-11-25", SCENARIO_ENTRY + "## 2022-11-25", 1)
    add_pull_from_payload(
        fake, payload, base_files={LOG_PATH: log_base}, head_files={LOG_PATH: log_head}
    )
    head_sha = payload["pull_request"]["head"]["sha"]

    deliver(base, "pull_request", payload)

    [run] = wait_until(lambda: fake.runs_for("Codertocat/Hello-World"), "the check run")
    # The first line (7) has one suggestion carrying both of its fixes.
    assert [(c["line"], c.get("start_line")) for c in fake.review_comments] == [
        (5, None),
        (7, None),
    ]
    first_line = fake.review_comments[1]["body"]
    assert first_line.startswith(
        "**chronolog** fixes 2 problems on these lines:\n\n- `duration-tag`"
    )
    assert (
        "```suggestion\n@jhchabran Restarted the stuck CI agents after the disk filled up. "
        "$DURATION=45m\n```" in first_line
    )
    assert [action["identifier"] for action in run["actions"]] == ["fix-my-lines", "fix-whole-log"]

    # Click Fix my lines on that run.
    click = load_webhook("check_run.requested_action")
    click["repository"] = payload["repository"]
    click["installation"] = payload["installation"]
    click["requested_action"] = {"identifier": "fix-my-lines"}
    click["check_run"] = {
        "id": run["id"],
        "name": run["name"],
        "head_sha": head_sha,
        "status": "completed",
        "conclusion": run["conclusion"],
        "output": {"title": run["output"]["title"], "summary": run["output"]["summary"]},
        "app": {"id": APP_ID},
        "pull_requests": [{"number": payload["number"], "head": {"sha": head_sha}}],
    }
    deliver(base, "check_run", click)

    [commit] = wait_until(lambda: fake.commits, "the fix commit")
    [put] = fake.calls(f"PUT /repos/Codertocat/Hello-World/contents/{LOG_PATH}")
    assert put.json["message"].startswith(
        "chronolog: apply 3 fixes to support/log.md (Fix my lines)\n\n"
    )
    fixed = base64.b64decode(put.json["content"]).decode()
    assert fixed == log_head.replace(
        SCENARIO_ENTRY,
        "## 2022-11-26\n\n@jhchabran Restarted the stuck CI agents after the disk filled up. "
        "$DURATION=45m\n\n",
        1,
    )
    # Only lines the pull request added (4-7, the entry) differ from its head.
    matcher = difflib.SequenceMatcher(None, log_head.split("\n"), fixed.split("\n"), autojunk=False)
    changed = {
        line + 1
        for tag, first, last, _, _ in matcher.get_opcodes()
        if tag != "equal"
        for line in range(first, last)
    }
    assert changed == {5, 7}
    assert commit["branch"] == payload["pull_request"]["head"]["ref"]
