"""Settings from the environment: what is missing, what is malformed, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronolog.app.settings import SettingsError, load_settings

NAMES = (
    "GITHUB_APP_ID",
    "GITHUB_APP_PRIVATE_KEY",
    "GITHUB_APP_PRIVATE_KEY_PATH",
    "GITHUB_WEBHOOK_SECRET",
    "GITHUB_API_URL",
    "HOST",
    "PORT",
    "DATABASE_URL",
    "CHRONOLOG_DATA_DIR",
    "CHRONOLOG_WORKERS",
    "CHRONOLOG_RETRY_BACKOFF",
    "CHRONOLOG_INSTANCE_TIMEOUT",
    "CHRONOLOG_INSTANCE_ID",
    "FLY_MACHINE_ID",
    "LOG_LEVEL",
    "PUBLIC_URL",
    "GITHUB_WEB_URL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_means_not_configured_with_defaults() -> None:
    settings = load_settings()
    assert settings.credentials is None
    assert settings.missing == ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET")
    assert (settings.api_url, settings.host, settings.port) == (
        "https://api.github.com",
        "0.0.0.0",
        8080,
    )


def test_a_one_line_key_with_escaped_newlines_is_accepted(
    monkeypatch: pytest.MonkeyPatch, private_pem: str
) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "123")
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY", private_pem.replace("\n", "\\n"))
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example.com/api/v3/")

    settings = load_settings()

    assert settings.credentials is not None
    assert settings.credentials.app_id == 123
    assert settings.credentials.private_key.get_secret_value() == private_pem
    assert settings.api_url == "https://ghe.example.com/api/v3"
    assert "s3cret" not in repr(settings)
    assert "PRIVATE KEY" not in repr(settings)


def test_the_key_can_come_from_a_file(
    monkeypatch: pytest.MonkeyPatch, private_pem: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(private_pem)
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY_PATH", str(key_file))
    monkeypatch.setenv("GITHUB_APP_ID", "123")

    settings = load_settings()

    assert settings.missing == ("GITHUB_WEBHOOK_SECRET",)


def test_every_malformed_value_is_named_without_its_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "chronolog")
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY", "not-a-key-but-secret")
    monkeypatch.setenv("GITHUB_API_URL", "api.github.com")
    monkeypatch.setenv("PORT", "80800")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    assert raised.value.problems == [
        "GITHUB_APP_ID: 'chronolog' is not a number; copy the App ID from the app's settings page",
        "GITHUB_APP_PRIVATE_KEY: not a PEM private key; use the .pem file GitHub generated for "
        "the app (it starts with -----BEGIN RSA PRIVATE KEY-----)",
        "GITHUB_API_URL: 'api.github.com' is not an http(s) URL; leave it unset for "
        "https://api.github.com, or use https://HOST/api/v3 for GitHub Enterprise Server",
        "PORT: '80800' is not a port number (1-65535)",
    ]
    assert "not-a-key-but-secret" not in str(raised.value)


def test_an_unreadable_key_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY_PATH", str(tmp_path / "missing.pem"))
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert raised.value.problems == [
        f"GITHUB_APP_PRIVATE_KEY_PATH: cannot read {tmp_path / 'missing.pem'}: "
        "No such file or directory"
    ]


def test_digits_other_than_ascii_are_named_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "¹")
    monkeypatch.setenv("PORT", "²")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    assert raised.value.problems == [
        "GITHUB_APP_ID: '¹' is not a number; copy the App ID from the app's settings page",
        "PORT: '²' is not a port number (1-65535)",
    ]


def test_the_engines_settings_are_typed_and_each_bad_one_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHRONOLOG_WORKERS", "0")
    monkeypatch.setenv("CHRONOLOG_RETRY_BACKOFF", "soon")
    monkeypatch.setenv("LOG_LEVEL", "verbose")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    assert raised.value.problems == [
        "CHRONOLOG_WORKERS: Input should be greater than or equal to 1",
        "CHRONOLOG_RETRY_BACKOFF: Input should be a valid number, unable to parse string as a "
        "number",
        "LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'",
    ]


def test_the_store_and_the_instance_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHRONOLOG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FLY_MACHINE_ID", "148e4d55")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'chronolog.sqlite3'}"
    assert (settings.instance_id, settings.log_level) == ("148e4d55", "DEBUG")

    monkeypatch.setenv("CHRONOLOG_INSTANCE_ID", "web-1")
    monkeypatch.setenv("DATABASE_URL", "postgres://chronolog@db/chronolog")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://chronolog@db/chronolog"
    assert settings.instance_id == "web-1"

    monkeypatch.setenv("DATABASE_URL", "mysql://db")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert raised.value.problems == [
        "DATABASE_URL: unsupported database 'mysql'; use sqlite:///PATH or postgresql://..."
    ]


@pytest.mark.parametrize(
    ("api_url", "web_url"),
    [
        (None, "https://github.com"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com"),
        ("http://127.0.0.1:9000/api/v3", "http://127.0.0.1:9000"),
        ("https://proxy.example.com/github", None),
    ],
)
def test_githubs_web_address_is_derived_from_the_api_address(
    monkeypatch: pytest.MonkeyPatch, api_url: str | None, web_url: str | None
) -> None:
    if api_url is not None:
        monkeypatch.setenv("GITHUB_API_URL", api_url)
    assert load_settings().web_url == web_url


def test_github_web_url_and_public_url_are_taken_without_a_trailing_slash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://proxy.example.com/github")
    monkeypatch.setenv("GITHUB_WEB_URL", "https://ghe.example.com/")
    monkeypatch.setenv("PUBLIC_URL", " https://chronolog.example.com/ ")
    settings = load_settings()
    assert (settings.web_url, settings.public_url) == (
        "https://ghe.example.com",
        "https://chronolog.example.com",
    )


def test_a_public_url_that_is_not_an_address_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://user:pw@chronolog.example.com")
    monkeypatch.setenv("GITHUB_WEB_URL", "github.com")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert error.value.problems == [
        "PUBLIC_URL: not the server's address; use an http(s) URL such as "
        "https://chronolog.example.com, without a query, a fragment or a user name",
        "GITHUB_WEB_URL: 'github.com' is not an http(s) URL; leave it unset to derive it from "
        "GITHUB_API_URL",
    ]
