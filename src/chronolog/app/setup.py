"""Setup mode: the pages that register chronolog's GitHub App in one click.

Without credentials `GET /` shows a plain HTML form (no JavaScript) that posts the manifest
(`registration.manifest`) to GitHub's new-app page with a fresh `state`. GitHub registers
the app and redirects to `GET /setup/callback?code=...&state=...`, which accepts only a
state this setup issued and not yet used, trades the code for the credentials, stores
them and starts serving webhooks (`Runtime.configure`). Once chronolog is set up, the form
is gone and the callback refuses to run: nobody can register an app over an existing one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import logging
import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from chronolog import __version__
from chronolog.app.github import GitHubError
from chronolog.app.github.manifest import convert_manifest
from chronolog.app.registration import (
    RegistrationError,
    issue_state,
    manifest,
    manifest_template,
    redeem_state,
    registration_url,
    save_credentials,
)
from chronolog.app.runtime import Runtime
from chronolog.app.settings import CREDENTIALS_HELP, AppSettings

log = logging.getLogger(__name__)

# GitHub's rule for account and organization names.
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")

Clock = Callable[[], dt.datetime]


# Readable without any asset to serve: system fonts, one column, tables with rules.
_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
    "color:#1f2328}h1{font-size:1.6rem}a{color:#0969da}code{background:#eff1f3;padding:0 .2em;"
    "border-radius:4px}table{border-collapse:collapse}td,th{border:1px solid #d1d9e0;"
    "padding:.2rem .6rem;text-align:left}button{font:inherit;padding:.3rem .9rem;"
    "border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer}"
    "input{font:inherit;padding:.2rem .4rem}"
)


def html_page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html><head><meta charset="utf-8"><title>chronolog</title>'
        f'<meta name="viewport" content="width=device-width"><style>{_STYLE}</style></head>'
        f"<body>{body}<p><small>chronolog {__version__}</small></p></body></html>",
        status_code=status,
    )


class Setup:
    """The setup pages for `settings`, configuring `runtime` when GitHub answers."""

    def __init__(self, settings: AppSettings, runtime: Runtime, clock: Clock) -> None:
        self._settings = settings
        self._runtime = runtime
        self._clock = clock
        self._template = manifest_template()

    async def page(self, request: Request) -> Response:
        """The setup page (`GET /` while unconfigured)."""
        public_url, web_url = self._settings.public_url, self._settings.web_url
        if public_url is None:
            return html_page(_HEADING + _NEEDS_PUBLIC_URL + self._by_hand())
        if web_url is None:
            return html_page(_HEADING + _NEEDS_WEB_URL + self._by_hand())
        organization = request.query_params.get("organization", "").strip()
        if organization and not LOGIN.fullmatch(organization):
            problem = (
                f"<p><strong>{html.escape(organization[:100])} is not an organization "
                "name</strong> (letters, digits and single hyphens, at most 39).</p>"
            )
            return html_page(_HEADING + problem + _organization_form(""), 400)
        state = await asyncio.to_thread(issue_state, self._runtime.store, self._clock())
        action = registration_url(web_url, state, organization or None)
        value = html.escape(json.dumps(manifest(self._template, public_url)), quote=True)
        owner = f"the organization {organization}" if organization else "my account"
        body = (
            _HEADING + "<p>chronolog is running, but no GitHub App is connected to it yet. "
            "Register one: GitHub opens with chronolog's permissions and events filled in, "
            "you choose the app's name, and GitHub hands chronolog the app's credentials. "
            "Nothing to copy.</p>"
            f'<form method="post" action="{html.escape(action)}">'
            f'<input type="hidden" name="manifest" value="{value}">'
            f'<button type="submit">Register chronolog on {html.escape(owner)}</button>'
            "</form>"
            + (
                '<p><a href="/">Register it on my account instead</a></p>'
                if organization
                else _organization_form(organization)
            )
            + f"<p>GitHub will send webhooks to <code>{html.escape(public_url)}"
            "/api/github/webhooks</code> (from <code>PUBLIC_URL</code>).</p>" + self._by_hand()
        )
        return html_page(body)

    def _by_hand(self) -> str:
        items = "".join(
            f"<li><code>{name}</code>: {html.escape(CREDENTIALS_HELP[name])}</li>"
            for name in self._settings.missing
        )
        return (
            "<h2>Already registered the app?</h2>"
            f"<p>Set these environment variables and restart instead:</p><ul>{items}</ul>"
        )

    async def callback(self, request: Request) -> Response:
        """`GET /setup/callback`: GitHub's redirect after registering the app."""
        if self._runtime.configured or await self._runtime.refresh():
            return html_page(_ALREADY_SET_UP, 409)
        state = request.query_params.get("state", "")
        redeemed = await asyncio.to_thread(redeem_state, self._runtime.store, state, self._clock())
        if not redeemed:
            return html_page(_BAD_STATE, 400)
        code = request.query_params.get("code", "")
        try:
            conversion = await convert_manifest(self._settings.api_url, code)
        except ValueError:
            return html_page(_START_AGAIN.format("GitHub's redirect carried no usable code."), 400)
        except GitHubError as error:
            log.warning("the manifest conversion failed: %s", error)
            reason = f"GitHub did not hand over the app's credentials ({error})."
            return html_page(_START_AGAIN.format(html.escape(reason)), 502)
        app_page = html.escape(str(conversion.get("html_url") or ""))
        try:
            credentials = await asyncio.to_thread(save_credentials, self._runtime.store, conversion)
        except RegistrationError as error:
            return html_page(_START_AGAIN.format(html.escape(f"{error}.")), 502)
        if credentials is None:
            return html_page(
                "<h1>chronolog was set up meanwhile</h1>"
                "<p>Another setup finished first, so chronolog keeps that app. GitHub "
                f'registered a second one, which chronolog does not use: <a href="{app_page}">'
                "delete it</a> in its settings (Advanced).</p>",
                409,
            )
        await self._runtime.configure(credentials)
        log.info("set up as GitHub App %d", credentials.app_id)
        name = html.escape(str(conversion.get("name") or conversion.get("slug") or ""))
        body = (
            f'<h1>chronolog is set up as <a href="{app_page}">{name}</a></h1>'
            "<p>The app's credentials are in chronolog's data store, and it is receiving "
            "webhooks now. One step left: install the app on the repositories that hold "
            "your logs.</p>"
            f'<p><a href="{app_page}/installations/new">Install {name}</a></p>'
        )
        return html_page(body)


def _organization_form(organization: str) -> str:
    return (
        '<form method="get" action="/"><label>Or register it for an organization: '
        f'<input name="organization" value="{html.escape(organization)}" required></label> '
        '<button type="submit">Continue</button></form>'
    )


_HEADING = "<h1>Set up chronolog</h1>"
_NEEDS_PUBLIC_URL = (
    "<p>To register its GitHub App from this page, chronolog needs the address GitHub "
    "reaches it at. Set <code>PUBLIC_URL</code> and restart, for example "
    "<code>PUBLIC_URL=https://chronolog.example.com chronolog serve</code>.</p>"
    "<p>Developing on your own machine? A tunnel gives it a public address: "
    "<code>cloudflared tunnel --url http://localhost:8080</code> or "
    "<code>ngrok http 8080</code> prints one to use as <code>PUBLIC_URL</code>.</p>"
)
_NEEDS_WEB_URL = (
    "<p>chronolog cannot tell GitHub's web address from <code>GITHUB_API_URL</code>. Set "
    "<code>GITHUB_WEB_URL</code> (for GitHub Enterprise Server, <code>https://HOST</code>) "
    "and restart.</p>"
)
_ALREADY_SET_UP = (
    "<h1>chronolog is already set up</h1>"
    "<p>It has its GitHub App and does not register another over it. "
    '<a href="/">See its status</a>.</p>'
)
_BAD_STATE = (
    "<h1>This setup link is not valid</h1>"
    "<p>It has expired, was used already, or was not issued by this chronolog. Nothing was "
    'sent to GitHub. <a href="/">Start again</a>.</p>'
)
_START_AGAIN = (
    "<h1>The setup did not finish</h1><p>{}</p>"
    '<p><a href="/">Start again</a> (if GitHub registered the app, delete it first in its '
    "settings, Advanced).</p>"
)
