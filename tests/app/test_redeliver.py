"""Asking GitHub for what was missed: which deliveries, once each, and the command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from chronolog.app.github import GitHubApp
from chronolog.app.redeliver import Missed, find_missed, parse_since, sweep
from chronolog.app.registration import save_credentials
from chronolog.app.store import Store, StoredDelivery, create_engine
from chronolog.cli import main
from tests.app.conftest import APP_ID
from tests.fake_github import FakeGitHub

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
EVENTS = frozenset({"pull_request", "push", "check_run", "check_suite"})


def attempt(id_: int, guid: str, code: int, event: str = "pull_request") -> dict[str, object]:
    return {
        "id": id_,
        "guid": guid,
        "delivered_at": f"2026-12-01T11:{id_:02d}:00Z",
        "status": "OK" if 200 <= code < 300 else f"Invalid HTTP Response: {code}",
        "status_code": code,
        "event": event,
        "action": "opened",
    }


def test_missed_deliveries_are_the_failed_unstored_unasked_handled_ones_oldest_first() -> None:
    attempts = [  # newest first, as GitHub lists them
        attempt(9, "redelivered-ok", 202),
        attempt(8, "down-twice", 503),
        attempt(7, "issue-event", 503, event="issues"),
        attempt(6, "stored", 0),
        attempt(5, "asked", 503),
        attempt(4, "redelivered-ok", 503),
        attempt(3, "down-twice", 0),
        attempt(2, "fine", 202),
        attempt(1, "timed-out", 0),
    ]

    missed = find_missed(attempts, stored={"stored"}, asked_before={"asked"}, handled_events=EVENTS)

    assert missed == [
        Missed(
            1,
            "timed-out",
            "pull_request",
            "opened",
            "2026-12-01T11:01:00Z",
            "Invalid HTTP Response: 0",
        ),
        Missed(
            8,
            "down-twice",
            "pull_request",
            "opened",
            "2026-12-01T11:08:00Z",
            "Invalid HTTP Response: 503",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("6h", dt.timedelta(hours=6)),
        ("90m", dt.timedelta(minutes=90)),
        ("2D", dt.timedelta(days=2)),
    ],
)
def test_since_reads_minutes_hours_and_days(text: str, duration: dt.timedelta) -> None:
    assert parse_since(text) == duration


@pytest.mark.parametrize("text", ["6", "h", "0h", "-1h", "1.5h", "6w", "٣h"])
def test_since_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="use a number and m, h or d, like 6h"):
        parse_since(text)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(create_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}"))
    store.create_tables()
    yield store
    store.engine.dispose()


@pytest.mark.anyio
async def test_a_sweep_asks_once_for_each_missed_delivery_and_remembers_where_it_stopped(
    fake: FakeGitHub, github_app: GitHubApp, store: Store
) -> None:
    down = fake.add_hook_delivery(status_code=503, delivered_at=NOW - dt.timedelta(hours=2))
    fake.add_hook_delivery(status_code=202, delivered_at=NOW - dt.timedelta(hours=1))
    stored = fake.add_hook_delivery(status_code=0, delivered_at=NOW - dt.timedelta(minutes=30))
    store.add([StoredDelivery(str(stored["guid"]), "pull_request", "opened", b"{}", "o/r#1", NOW)])

    first = await sweep(github_app, store, EVENTS, now=NOW)
    # The next sweep starts a minute before the newest delivery it saw.
    assert store.get_state("redeliver:last-seen") == "2026-12-01T11:29:00+00:00"
    second = await sweep(github_app, store, EVENTS, now=NOW + dt.timedelta(minutes=10))

    assert [m.guid for m in first.missed] == [down["guid"]]
    assert (first.listed, first.asked, first.errors) == (3, 1, ())
    assert fake.redelivered == [down["id"]]
    # The redelivery is a new attempt of the same guid; nothing is asked for twice.
    assert (second.missed, second.asked) == ((), 0)
    assert fake.redelivered == [down["id"]]


@pytest.mark.anyio
async def test_a_dry_run_asks_for_nothing(
    fake: FakeGitHub, github_app: GitHubApp, store: Store
) -> None:
    down = fake.add_hook_delivery(status_code=503, delivered_at=NOW - dt.timedelta(hours=2))

    result = await sweep(github_app, store, EVENTS, dry_run=True, now=NOW)

    assert [m.guid for m in result.missed] == [down["guid"]]
    assert fake.redelivered == []
    assert store.get_state("redeliver:last-seen") is None


def test_the_command_lists_and_asks_for_the_missed_deliveries(
    fake: FakeGitHub,
    private_pem: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = dt.datetime.now(dt.UTC)
    down = fake.add_hook_delivery(
        event="push", action=None, status_code=0, delivered_at=now - dt.timedelta(hours=1)
    )
    fake.add_hook_delivery(status_code=503, delivered_at=now - dt.timedelta(hours=8))
    monkeypatch.setenv("GITHUB_APP_ID", str(APP_ID))
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY", private_pem)
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "s")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")

    code = main(["redeliver", "--since", "6h"])

    out, err = capsys.readouterr()
    assert code == 0
    assert out == f"{down['guid']} push {down['delivered_at']} failed to connect\n"
    assert err == "1 deliveries listed, 1 missed, 1 asked for again\n"
    assert fake.redelivered == [down["id"]]


def test_the_command_runs_with_the_credentials_the_setup_page_stored(
    fake: FakeGitHub,
    private_pem: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = dt.datetime.now(dt.UTC)
    down = fake.add_hook_delivery(status_code=502, delivered_at=now - dt.timedelta(hours=1))
    for name in ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GITHUB_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    store = Store(create_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}"))
    store.create_tables()
    conversion = {"id": APP_ID, "pem": private_pem, "webhook_secret": "s", "slug": "chronolog"}
    assert save_credentials(store, conversion) is not None
    store.engine.dispose()

    code = main(["redeliver", "--dry-run"])

    out, err = capsys.readouterr()
    assert (code, out) == (
        0,
        f"{down['guid']} pull_request.opened {down['delivered_at']} {down['status']}\n",
    )
    assert err == "1 deliveries listed, 1 missed, 1 would be asked for again\n"


def test_the_command_without_any_credentials_says_where_they_come_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GITHUB_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")

    assert main(["redeliver"]) == 2
    assert capsys.readouterr().err == (
        "chronolog: redeliver runs as the GitHub App, and neither the environment "
        "(GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET) nor the store holds "
        "its credentials; register the app on `chronolog serve`'s page first, or set those "
        "variables\n"
    )
