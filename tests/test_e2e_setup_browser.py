"""End to end, as a person sets chronolog up: a headless Chromium on `chronolog serve`.

The browser opens the setup page, clicks the button, posts the manifest to the fake
GitHub's new-app form, follows its redirect back to chronolog's callback, and lands on the
page that links to the install page; then the status page. Needs Chromium
(`/usr/bin/chromium`, Debian's package; `.ci/run` installs it when missing).

With `CHRONOLOG_SCREENSHOT_DIR` set, the screenshots the README shows are written there:
`CHRONOLOG_SCREENSHOT_DIR=docs/screenshots .venv/bin/python -m pytest tests/test_e2e_setup_*`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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
from tests.test_e2e_serve import check_logs, chronolog_command, wait_until

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium's own calls home fail on a closed network, many at a time: keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP_ID = 31337

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


def screenshot(page: object, name: str) -> None:
    directory = os.environ.get("CHRONOLOG_SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / name), full_page=True)  # type: ignore[attr-defined]


@pytest.fixture
def unconfigured(tmp_path: Path) -> Iterator[tuple[str, FakeGitHub, str]]:
    """`chronolog serve` with no credentials anywhere, its public URL, and the fake GitHub
    acting as GitHub Enterprise Server (so the web address is derived from the API's)."""
    key, pem = new_app_key(pkcs8=True)
    fake = FakeGitHub(app_id=APP_ID, public_key=key.public_key(), prefix="/api/v3")
    fake.registration_pem = pem
    with serve(fake) as api_url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("GITHUB_") and key not in ("DATABASE_URL", "PUBLIC_URL")
        }
        env |= {
            "GITHUB_API_URL": api_url,
            "PUBLIC_URL": base,
            "CHRONOLOG_DATA_DIR": str(tmp_path / "data"),
        }
        process = subprocess.Popen(
            [*chronolog_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:

            def answers() -> bool:
                if process.poll() is not None:
                    raise AssertionError("chronolog serve exited")
                try:
                    return httpx.get(f"{base}/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(answers, "the server to answer /healthz")
            yield base, fake, pem
        finally:
            process.terminate()
            output = process.communicate(timeout=15)[0].decode()
        secrets = [
            fake.registration_webhook_secret,
            *fake.tokens,
            *(line for line in pem.splitlines() if "-" not in line),
        ]
        check_logs(output, secrets)


def test_a_person_registers_the_app_in_the_browser_and_webhooks_are_served_at_once(
    unconfigured: tuple[str, FakeGitHub, str],
) -> None:
    from playwright.sync_api import sync_playwright

    base, fake, _ = unconfigured
    web = ""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 960, "height": 640})

        page.goto(f"{base}/")
        assert page.title() == "chronolog"
        button = page.get_by_role("button", name="Register chronolog on my account")
        screenshot(page, "setup-page.png")
        with page.expect_navigation(url=f"{base}/setup/callback?*"):
            button.click()
        web = page.url
        heading = page.locator("h1").inner_text()
        install = page.get_by_role("link", name="Install chronolog").get_attribute("href")
        screenshot(page, "setup-done.png")

        # The person installs the app (on GitHub) and opens a pull request that changes a log.
        payload = load_webhook("pull_request.synchronize")
        log = (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")
        add_pull_from_payload(fake, payload, base_files={}, head_files={"support/log.md": log})
        body = json.dumps(payload).encode()
        secret = fake.registration_webhook_secret
        headers = webhook_headers("pull_request", body, secret)
        assert httpx.post(f"{base}/api/github/webhooks", content=body, headers=headers).is_success
        wait_until(lambda: fake.runs_for("Codertocat/Hello-World"), "the check run")
        wait_until(lambda: "1 processed" in httpx.get(f"{base}/").text, "the delivery's end")

        page.goto(f"{base}/")
        status = page.locator("body").inner_text()
        screenshot(page, "status-page.png")
        browser.close()

    [manifest] = fake.registered_manifests
    assert manifest["hook_attributes"]["url"] == f"{base}/api/github/webhooks"
    assert manifest["redirect_url"] == f"{base}/setup/callback"
    assert web.startswith(f"{base}/setup/callback?code="), web
    assert heading == "chronolog is set up as chronolog"
    assert install == "https://github.com/apps/chronolog/installations/new"
    assert "chronolog is running as chronolog" in status
    assert "Register chronolog" not in status
    [conversion] = fake.calls(r"POST /app-manifests/.*")
    assert "authorization" not in conversion.headers
    assert "Deliveries in the last hour: 1 processed, 0 failed, 0 waiting" in status
    # The webhook secret GitHub handed over is the one chronolog verifies with now.
    wrong = webhook_headers("ping", body, "some other secret")
    assert httpx.post(f"{base}/api/github/webhooks", content=body, headers=wrong).status_code == 401
