"""Registering the GitHub App from chronolog itself (GitHub's manifest flow), and keeping
the credentials GitHub hands back.

Three things, each small: the manifest sent to GitHub (built from `app.yml`, the one
source of the permissions and events), the `state` tokens that tie GitHub's redirect to
a setup page this server showed (single use, expiring, kept in the store so they survive
a restart and work across instances), and the app's credentials in the store's
`chronolog_state` table, written once: the first registration wins and nothing replaces it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from importlib import resources
from typing import Any

import yaml
from pydantic import SecretStr

from chronolog.app.settings import AppSettings, Credentials
from chronolog.app.store import Store
from chronolog.app.webhooks import WEBHOOK_PATH

CALLBACK_PATH = "/setup/callback"
# GitHub's code is good for an hour; a setup page's state lives as long.
STATE_TTL = dt.timedelta(hours=1)
STATE_PREFIX = "setup.state."
# Unanswered setup pages kept at most (anyone can load `/` before setup).
MAX_STATES = 100
CREDENTIALS_PREFIX = "github_app."
# What the store keeps of GitHub's answer; the first three are the credentials.
KEPT_FIELDS = ("id", "pem", "webhook_secret", "client_id", "client_secret", "slug", "html_url")


class RegistrationError(ValueError):
    """GitHub's answer to the conversion lacks what chronolog needs."""


def manifest_template() -> dict[str, Any]:
    """`app.yml`, as shipped with chronolog."""
    text = resources.files("chronolog.app").joinpath("app.yml").read_text(encoding="utf-8")
    template: dict[str, Any] = yaml.safe_load(text)
    return template


def manifest(template: dict[str, Any], public_url: str) -> dict[str, Any]:
    """The manifest GitHub registers the app from: `template`'s name, description,
    homepage, permissions and events, with chronolog's addresses under `public_url`."""
    return {
        "name": template["name"],
        "description": template.get("description", ""),
        "url": template["url"],
        "hook_attributes": {"url": public_url + WEBHOOK_PATH, "active": True},
        "redirect_url": public_url + CALLBACK_PATH,
        "setup_url": public_url + "/",
        "public": False,
        "default_permissions": dict(template["default_permissions"]),
        "default_events": list(template["default_events"]),
    }


def registration_url(web_url: str, state: str, organization: str | None = None) -> str:
    """Where the manifest form posts: GitHub's new-app page, for an account or `organization`."""
    owner = f"/organizations/{organization}" if organization else ""
    return f"{web_url}{owner}/settings/apps/new?state={state}"


def _state_key(token: str) -> str:
    # The store keeps a hash: reading the database does not give a usable state.
    return STATE_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def issue_state(store: Store, now: dt.datetime) -> str:
    """A new state token, good until `now + STATE_TTL`. Expired ones are dropped, and the
    oldest beyond `MAX_STATES`."""
    pending = sorted(store.states(STATE_PREFIX).items(), key=lambda item: item[1])
    stale = [key for key, expires in pending if expires <= now.isoformat()]
    fresh = [key for key, expires in pending if expires > now.isoformat()]
    store.delete_states(stale + fresh[: max(0, len(fresh) - MAX_STATES + 1)])
    token = secrets.token_urlsafe(32)
    store.set_state(_state_key(token), (now + STATE_TTL).isoformat())
    return token


def redeem_state(store: Store, token: str, now: dt.datetime) -> bool:
    """Whether `token` was issued here and has not expired; it cannot be redeemed again."""
    if not token or len(token) > 100:
        return False
    expires = store.take_state(_state_key(token))
    return expires is not None and expires > now.isoformat()


def stored_credentials(store: Store) -> Credentials | None:
    """The credentials the setup flow stored, or None before it ran."""
    values = store.states(CREDENTIALS_PREFIX)
    try:
        return Credentials(
            int(values[CREDENTIALS_PREFIX + "id"]),
            SecretStr(values[CREDENTIALS_PREFIX + "pem"]),
            SecretStr(values[CREDENTIALS_PREFIX + "webhook_secret"]),
        )
    except (KeyError, ValueError):
        return None


def command_credentials(settings: AppSettings, store: Store) -> Credentials | None:
    """The credentials a command (`redeliver`, `backlinks backfill`) runs as: the
    environment's, as for the server, else those the setup flow stored in `store`."""
    return settings.credentials or stored_credentials(store)


def missing_credentials_help(settings: AppSettings, what: str) -> str:
    """One line for a command that found no credentials: what to set, or how to get them."""
    names = ", ".join(settings.missing)
    return (
        f"chronolog: {what} runs as the GitHub App, and neither the environment ({names}) "
        "nor the store holds its credentials; register the app on `chronolog serve`'s page "
        "first, or set those variables"
    )


def save_credentials(store: Store, conversion: dict[str, Any]) -> Credentials | None:
    """Store what `POST /app-manifests/{code}/conversions` answered, all or nothing. Returns
    the credentials, or None when the store already holds an app's (nothing is changed).
    Raises `RegistrationError` when the answer lacks the id, the key or the secret."""
    app_id, pem, secret = (conversion.get(name) for name in KEPT_FIELDS[:3])
    if not isinstance(app_id, int) or not isinstance(pem, str) or "PRIVATE KEY" not in pem:
        raise RegistrationError("GitHub's answer has no app id or private key")
    if not isinstance(secret, str) or not secret:
        raise RegistrationError("GitHub's answer has no webhook secret")
    values = {
        CREDENTIALS_PREFIX + name: str(conversion[name])
        for name in KEPT_FIELDS
        if conversion.get(name) is not None
    }
    if not store.add_states(values):
        return None
    store.make_private()
    return Credentials(app_id, SecretStr(pem), SecretStr(secret))


def stored_app_page(store: Store) -> str | None:
    """The registered app's page on GitHub (`html_url`), when the setup flow stored it."""
    return store.get_state(CREDENTIALS_PREFIX + "html_url")
