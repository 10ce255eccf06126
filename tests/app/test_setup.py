"""Setup mode: registering the GitHub App from chronolog's own page (the manifest flow)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.testclient import TestClient

from chronolog.app.github import RetryPolicy
from chronolog.app.server import create_app
from chronolog.app.settings import AppSettings, Credentials, web_url_for
from tests.app.conftest import APP_ID, FAST, NOW, SECRET, URL, settings
from tests.fake_github import FakeGitHub, load_webhook, serve, webhook_headers

PUBLIC = "https://chronolog.example.org"
CODE = "a180b1a3d263c81bc6441d7b990bae27d4c10679"

EXPECTED_MANIFEST = {
    "name": "chronolog",
    "description": (
        "Keeps dated Markdown logs honest. Checks each pull request that touches a log, "
        "suggests fixes, and links log entries back to the issues they mention."
    ),
    "url": "https://github.com/chronolog/chronolog",
    "hook_attributes": {"url": f"{PUBLIC}/api/github/webhooks", "active": True},
    "redirect_url": f"{PUBLIC}/setup/callback",
    "setup_url": f"{PUBLIC}/",
    "public": False,
    "default_permissions": {
        "checks": "write",
        "pull_requests": "write",
        "contents": "write",
        "issues": "write",
        "metadata": "read",
    },
    "default_events": ["pull_request", "check_run", "check_suite", "push"],
}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def unconfigured(database_url: str, public_url: str | None = PUBLIC, **changes: Any) -> AppSettings:
    return dataclasses.replace(
        settings(None, database_url),
        **{"public_url": public_url, "web_url": "https://github.com", **changes},
    )


def server(app_settings: AppSettings, clock: Clock) -> Starlette:
    return create_app(
        app_settings, retry=RetryPolicy(backoff=0, max_wait=0), tuning=FAST, clock=clock
    )


@pytest.fixture
def setup_client(database_url: str, fake: FakeGitHub, clock: Clock) -> Iterator[TestClient]:
    with TestClient(server(unconfigured(database_url), clock)) as client:
        yield client


def form(page: str) -> tuple[str, dict[str, Any]]:
    """The setup form's action and the manifest it posts."""
    match = re.search(
        r'<form method="post" action="([^"]+)"><input type="hidden" name="manifest" '
        r'value="([^"]+)">',
        page,
    )
    assert match is not None, page
    return html.unescape(match.group(1)), json.loads(html.unescape(match.group(2)))


def state_of(action: str) -> str:
    return action.split("?state=", 1)[1]


def conversions(fake: FakeGitHub) -> list[str]:
    return [r.route for r in fake.calls(r"POST /app-manifests/.*")]


def test_without_public_url_the_page_says_how_to_set_it(database_url: str, clock: Clock) -> None:
    with TestClient(server(unconfigured(database_url, public_url=None), clock)) as client:
        page = client.get("/").text

    assert (
        "<p>To register its GitHub App from this page, chronolog needs the address GitHub "
        "reaches it at. Set <code>PUBLIC_URL</code> and restart, for example "
        "<code>PUBLIC_URL=https://chronolog.example.com chronolog serve</code>.</p>"
    ) in page
    assert "<code>cloudflared tunnel --url http://localhost:8080</code>" in page
    assert "<form" not in page


def test_the_setup_page_posts_the_manifest_from_app_yml_to_github(
    setup_client: TestClient,
) -> None:
    page = setup_client.get("/").text

    action, manifest = form(page)
    assert action.startswith("https://github.com/settings/apps/new?state=")
    assert len(state_of(action)) == 43
    assert manifest == EXPECTED_MANIFEST
    assert '<button type="submit">Register chronolog on my account</button></form>' in page
    assert (
        '<form method="get" action="/"><label>Or register it for an organization: '
        '<input name="organization" value="" required></label> '
        '<button type="submit">Continue</button></form>'
    ) in page
    # Each page view has its own state.
    assert state_of(form(setup_client.get("/").text)[0]) != state_of(action)


def test_the_organization_variant_posts_to_the_organizations_page(
    setup_client: TestClient,
) -> None:
    page = setup_client.get("/", params={"organization": "acme-logs"}).text
    bad = setup_client.get("/", params={"organization": "acme/../x"})

    action, manifest = form(page)
    assert action.startswith("https://github.com/organizations/acme-logs/settings/apps/new?state=")
    assert manifest == EXPECTED_MANIFEST
    assert "Register chronolog on the organization acme-logs</button>" in page
    assert bad.status_code == 400
    assert "<strong>acme/../x is not an organization name</strong>" in bad.text
    assert 'method="post"' not in bad.text


def test_the_callback_stores_the_credentials_and_serves_webhooks_at_once(
    setup_client: TestClient, fake: FakeGitHub, private_pem: str
) -> None:
    state = state_of(form(setup_client.get("/").text)[0])
    fake.add_manifest_code(CODE, private_pem, SECRET)
    body = json.dumps(load_webhook("pull_request.synchronize")).encode()

    before = setup_client.post(URL, content=body, headers=webhook_headers("ping", body, SECRET))
    page = setup_client.get("/setup/callback", params={"code": CODE, "state": state})
    after = setup_client.post(URL, content=body, headers=webhook_headers("ping", body, SECRET))
    home = setup_client.get("/").text

    assert before.status_code == 503
    assert page.status_code == 200
    assert (
        '<h1>chronolog is set up as <a href="https://github.com/apps/chronolog">chronolog</a></h1>'
    ) in page.text
    assert (
        '<p><a href="https://github.com/apps/chronolog/installations/new">Install chronolog</a></p>'
    ) in page.text
    [conversion] = fake.calls(r"POST /app-manifests/.*")
    assert conversion.path == f"/app-manifests/{CODE}/conversions"
    assert "authorization" not in conversion.headers
    assert after.status_code == 200
    assert after.json() == {"message": "pong"}
    assert "<form" not in home
    assert 'chronolog is running as <a href="https://github.com/apps/chronolog">' in home
    assert setup_client.get("/healthz").json()["configured"] is True


def test_once_set_up_the_callback_refuses_to_run_again(
    setup_client: TestClient, fake: FakeGitHub, private_pem: str
) -> None:
    first, second = (state_of(form(setup_client.get("/").text)[0]) for _ in range(2))
    fake.add_manifest_code(CODE, private_pem, SECRET)
    fake.add_manifest_code("second", private_pem, "another secret")

    setup_client.get("/setup/callback", params={"code": CODE, "state": first})
    again = setup_client.get("/setup/callback", params={"code": "second", "state": second})

    assert again.status_code == 409
    assert "<h1>chronolog is already set up</h1>" in again.text
    assert conversions(fake) == [f"POST /app-manifests/{CODE}/conversions"]


@pytest.mark.parametrize("state", ["", "made-up", "x" * 500])
def test_a_state_this_setup_did_not_issue_never_reaches_github(
    setup_client: TestClient, fake: FakeGitHub, private_pem: str, state: str
) -> None:
    setup_client.get("/")
    fake.add_manifest_code(CODE, private_pem, SECRET)

    answer = setup_client.get("/setup/callback", params={"code": CODE, "state": state})

    assert answer.status_code == 400
    assert "<h1>This setup link is not valid</h1>" in answer.text
    assert "Nothing was sent to GitHub." in answer.text
    assert conversions(fake) == []


def test_a_replayed_or_expired_state_never_reaches_github(
    setup_client: TestClient, fake: FakeGitHub, clock: Clock
) -> None:
    used = state_of(form(setup_client.get("/").text)[0])
    old = state_of(form(setup_client.get("/").text)[0])
    # GitHub refuses the first code (it expired): the state is spent all the same.
    refused = setup_client.get("/setup/callback", params={"code": CODE, "state": used})
    clock.now += dt.timedelta(hours=1, seconds=1)

    replayed = setup_client.get("/setup/callback", params={"code": CODE, "state": used})
    expired = setup_client.get("/setup/callback", params={"code": CODE, "state": old})

    assert refused.status_code == 502
    assert (
        "<p>GitHub did not hand over the app&#x27;s credentials (404: Not Found).</p>"
        in refused.text
    )
    assert replayed.status_code == expired.status_code == 400
    assert conversions(fake) == [f"POST /app-manifests/{CODE}/conversions"]


def test_after_a_restart_without_environment_chronolog_is_still_set_up(
    tmp_path: Path, fake: FakeGitHub, private_pem: str, clock: Clock
) -> None:
    database = f"sqlite:///{tmp_path / 'data' / 'chronolog.sqlite3'}"
    with TestClient(server(unconfigured(database), clock)) as first:
        state = state_of(form(first.get("/").text)[0])
        fake.add_manifest_code(CODE, private_pem, SECRET)
        assert first.get("/setup/callback", params={"code": CODE, "state": state}).is_success

    with TestClient(server(unconfigured(database), clock)) as restarted:
        body = b"{}"
        pong = restarted.post(URL, content=body, headers=webhook_headers("ping", body, SECRET))
        home = restarted.get("/").text

    assert pong.status_code == 200
    assert "<form" not in home
    # The store holds the private key: owner only.
    mode = stat.S_IMODE(os.stat(tmp_path / "data" / "chronolog.sqlite3").st_mode)
    assert mode == 0o600


def test_credentials_in_the_environment_win_over_stored_ones(
    tmp_path: Path, fake: FakeGitHub, private_pem: str, clock: Clock
) -> None:
    database = f"sqlite:///{tmp_path / 'chronolog.sqlite3'}"
    with TestClient(server(unconfigured(database), clock)) as first:
        state = state_of(form(first.get("/").text)[0])
        fake.add_manifest_code(CODE, private_pem, "the stored secret")
        first.get("/setup/callback", params={"code": CODE, "state": state})

    environment = Credentials(APP_ID, SecretStr(private_pem), SecretStr("the environment's"))
    app_settings = dataclasses.replace(unconfigured(database), credentials=environment, missing=())
    with TestClient(server(app_settings, clock)) as restarted:
        body = b"{}"
        stored = restarted.post(
            URL, content=body, headers=webhook_headers("ping", body, "the stored secret")
        )
        env = restarted.post(
            URL, content=body, headers=webhook_headers("ping", body, "the environment's")
        )

    assert stored.status_code == 401
    assert env.status_code == 200


def test_setup_uses_the_enterprise_servers_web_and_api_addresses(
    database_url: str, clock: Clock, private_pem: str
) -> None:
    fake = FakeGitHub(app_id=APP_ID, prefix="/api/v3")
    with serve(fake) as api_url:
        web_url = api_url.removesuffix("/api/v3")
        app_settings = unconfigured(database_url, api_url=api_url, web_url=web_url_for(api_url))
        with TestClient(server(app_settings, clock)) as client:
            action, _ = form(client.get("/").text)
            fake.add_manifest_code(CODE, private_pem, SECRET)
            done = client.get("/setup/callback", params={"code": CODE, "state": state_of(action)})

    assert action.startswith(f"{web_url}/settings/apps/new?state=")
    assert done.status_code == 200
    assert conversions(fake) == [f"POST /app-manifests/{CODE}/conversions"]
