"""The server's settings, from the environment, checked once at start.

Missing credentials are not an error: the server starts and its `/` page says what to set.
A value that is present but malformed is: `SettingsError` lists every such problem.
Secrets are `SecretStr`, so they never show up in a repr, a log line or a traceback.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chronolog.app.store import StoreError, database_url

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_WEB_URL = "https://github.com"

# What each credential is for, shown on `/` when it is missing.
CREDENTIALS_HELP = {
    "GITHUB_APP_ID": "the App ID shown on the app's settings page (a number)",
    "GITHUB_APP_PRIVATE_KEY": (
        "the app's private key, PEM text (or GITHUB_APP_PRIVATE_KEY_PATH, a file holding it)"
    ),
    "GITHUB_WEBHOOK_SECRET": "the webhook secret entered when the app was registered",
}


class SettingsError(ValueError):
    """One or more settings are malformed; `problems` has one message per setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    """Raw environment values. Use `load_settings` to get them checked."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True)

    GITHUB_APP_ID: str | None = None
    GITHUB_APP_PRIVATE_KEY: SecretStr | None = None
    GITHUB_APP_PRIVATE_KEY_PATH: str | None = None
    GITHUB_WEBHOOK_SECRET: SecretStr | None = None
    GITHUB_API_URL: str = DEFAULT_API_URL
    HOST: str = "0.0.0.0"
    PORT: str = "8080"
    DATABASE_URL: str | None = None
    CHRONOLOG_DATA_DIR: str = ".chronolog"
    # Deliveries processed at once by this instance, and the first wait (seconds, doubling
    # after each try) before a delivery GitHub failed on is tried again.
    CHRONOLOG_WORKERS: int = Field(default=4, ge=1, le=64)
    CHRONOLOG_RETRY_BACKOFF: float = Field(default=30.0, ge=0, le=3600)
    # Seconds after which an instance that stopped reporting is taken for dead and its
    # work taken over by the others (it reports every quarter of that).
    CHRONOLOG_INSTANCE_TIMEOUT: float = Field(default=60.0, ge=1, le=3600)
    # This instance's name in the store; it must stay the same across its restarts.
    CHRONOLOG_INSTANCE_ID: str | None = Field(default=None, min_length=1, max_length=200)
    FLY_MACHINE_ID: str | None = None
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # The setup flow (app/setup.py): where GitHub reaches chronolog, and GitHub's web pages.
    PUBLIC_URL: str | None = None
    GITHUB_WEB_URL: str | None = None
    # Operators (app/logs.py, app/status.py): the log format (default: text on a terminal,
    # else json), and the bearer token that opens /metrics and the status page's details.
    LOG_FORMAT: Literal["json", "text"] | None = None
    CHRONOLOG_ADMIN_TOKEN: SecretStr | None = Field(default=None, min_length=16)

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("LOG_FORMAT", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() or None if isinstance(value, str) else value


@dataclass(frozen=True)
class Credentials:
    """What the app needs to talk to GitHub; all three are present and well-formed."""

    app_id: int
    private_key: SecretStr  # PEM text
    webhook_secret: SecretStr


@dataclass(frozen=True)
class AppSettings:
    """Checked settings. `credentials` is None when any credential is missing."""

    api_url: str
    host: str
    port: int
    credentials: Credentials | None
    missing: tuple[str, ...]  # names of missing credentials, in CREDENTIALS_HELP order
    # SQLAlchemy URL of the store (`store.database_url`): DATABASE_URL, else a SQLite
    # file in CHRONOLOG_DATA_DIR.
    database_url: str = "sqlite:///.chronolog/chronolog.sqlite3"
    workers: int = 4
    retry_backoff: float = 30.0
    instance_timeout: float = 60.0
    instance_id: str = "local"
    log_level: str = "INFO"
    # The address GitHub reaches chronolog at (no trailing slash), and GitHub's web pages
    # (None when they cannot be derived from `api_url`): see `web_url_for`.
    public_url: str | None = None
    web_url: str | None = DEFAULT_WEB_URL
    log_format: Literal["json", "text"] | None = None  # None: decided by `logs.default_format`
    admin_token: SecretStr | None = None

    @property
    def webhook_secret(self) -> bytes | None:
        if self.credentials is None:
            return None
        return self.credentials.webhook_secret.get_secret_value().encode()


def is_ascii_number(text: str) -> bool:
    """Whether `text` is made of ASCII digits only (`str.isdigit` also accepts `²`, which
    `int` refuses, and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def load_settings() -> AppSettings:
    """Read and check the settings from the process environment.

    Raises `SettingsError` naming every malformed value; never includes a secret's value.
    """
    try:
        raw = Settings()
    except ValidationError as error:
        raise SettingsError(
            [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
        ) from None

    problems: list[str] = []
    missing: list[str] = []

    app_id: int | None = None
    if raw.GITHUB_APP_ID is None or not raw.GITHUB_APP_ID.strip():
        missing.append("GITHUB_APP_ID")
    elif not is_ascii_number(raw.GITHUB_APP_ID.strip()):
        problems.append(
            f"GITHUB_APP_ID: {raw.GITHUB_APP_ID!r} is not a number; "
            "copy the App ID from the app's settings page"
        )
    else:
        app_id = int(raw.GITHUB_APP_ID.strip())

    private_key = _private_key(raw, problems, missing)

    secret = raw.GITHUB_WEBHOOK_SECRET
    if secret is None or not secret.get_secret_value():
        missing.append("GITHUB_WEBHOOK_SECRET")
        secret = None

    api_url = raw.GITHUB_API_URL.strip().rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        problems.append(
            f"GITHUB_API_URL: {raw.GITHUB_API_URL!r} is not an http(s) URL; "
            f"leave it unset for {DEFAULT_API_URL}, or use https://HOST/api/v3 for GitHub "
            "Enterprise Server"
        )

    port = 0
    if not is_ascii_number(raw.PORT.strip()) or not 0 < int(raw.PORT) < 65536:
        problems.append(f"PORT: {raw.PORT!r} is not a port number (1-65535)")
    else:
        port = int(raw.PORT)

    public_url = _public_url(raw.PUBLIC_URL, problems)
    web_url = raw.GITHUB_WEB_URL.strip().rstrip("/") if raw.GITHUB_WEB_URL else None
    if web_url is not None and not web_url.startswith(("https://", "http://")):
        problems.append(
            f"GITHUB_WEB_URL: {raw.GITHUB_WEB_URL!r} is not an http(s) URL; leave it unset "
            "to derive it from GITHUB_API_URL"
        )

    try:
        database = database_url(raw.DATABASE_URL, Path(raw.CHRONOLOG_DATA_DIR))
    except StoreError as error:
        problems.append(f"DATABASE_URL: {error}")
        database = ""

    if problems:
        raise SettingsError(problems)
    credentials = None
    if app_id is not None and private_key is not None and secret is not None:
        credentials = Credentials(app_id, private_key, secret)
    return AppSettings(
        api_url=api_url,
        host=raw.HOST,
        port=port,
        credentials=credentials,
        missing=tuple(missing),
        database_url=database,
        workers=raw.CHRONOLOG_WORKERS,
        retry_backoff=raw.CHRONOLOG_RETRY_BACKOFF,
        instance_timeout=raw.CHRONOLOG_INSTANCE_TIMEOUT,
        # Fly's machine id survives restarts of the machine; the host name elsewhere.
        instance_id=raw.CHRONOLOG_INSTANCE_ID or raw.FLY_MACHINE_ID or socket.gethostname(),
        log_level=raw.LOG_LEVEL,
        public_url=public_url,
        web_url=web_url or web_url_for(api_url),
        log_format=raw.LOG_FORMAT,
        admin_token=raw.CHRONOLOG_ADMIN_TOKEN,
    )


def web_url_for(api_url: str) -> str | None:
    """GitHub's web address for its REST API at `api_url`: github.com for api.github.com,
    `https://HOST` for GitHub Enterprise Server's `https://HOST/api/v3`; else None."""
    if api_url == DEFAULT_API_URL:
        return DEFAULT_WEB_URL
    if api_url.endswith("/api/v3"):
        return api_url.removesuffix("/api/v3")
    return None


def _public_url(value: str | None, problems: list[str]) -> str | None:
    if value is None or not value.strip():
        return None
    url = value.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if scheme not in ("https", "http") or not sep or not rest or any(c in rest for c in "?#@ "):
        problems.append(
            # The value is not repeated: it may carry a password.
            "PUBLIC_URL: not the server's address; use an http(s) URL such as "
            "https://chronolog.example.com, without a query, a fragment or a user name"
        )
        return None
    return url


def _private_key(raw: Settings, problems: list[str], missing: list[str]) -> SecretStr | None:
    """The PEM text from GITHUB_APP_PRIVATE_KEY or the file at GITHUB_APP_PRIVATE_KEY_PATH."""
    if raw.GITHUB_APP_PRIVATE_KEY is not None and raw.GITHUB_APP_PRIVATE_KEY.get_secret_value():
        name = "GITHUB_APP_PRIVATE_KEY"
        # A PEM pasted into one line of an env file or a CI secret arrives with literal "\n".
        text = raw.GITHUB_APP_PRIVATE_KEY.get_secret_value().replace("\\n", "\n").strip()
    elif raw.GITHUB_APP_PRIVATE_KEY_PATH:
        name = "GITHUB_APP_PRIVATE_KEY_PATH"
        try:
            text = Path(raw.GITHUB_APP_PRIVATE_KEY_PATH).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            problems.append(f"{name}: cannot read {raw.GITHUB_APP_PRIVATE_KEY_PATH}: {reason}")
            return None
    else:
        missing.append("GITHUB_APP_PRIVATE_KEY")
        return None
    try:
        key = load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        problems.append(
            f"{name}: not a PEM private key; use the .pem file GitHub generated for the app "
            "(it starts with -----BEGIN RSA PRIVATE KEY-----)"
        )
        return None
    if not isinstance(key, RSAPrivateKey):
        problems.append(f"{name}: not an RSA key; GitHub App keys are RSA")
        return None
    return SecretStr(text + "\n")
