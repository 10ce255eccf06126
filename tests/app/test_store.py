"""chronolog's tables, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from chronolog.app.store import (
    Store,
    StoredDelivery,
    StoreError,
    create_engine,
    database_url,
)
from tests.app.conftest import temporary_postgres_database

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def delivery(delivery_id: str, received_at: dt.datetime = NOW) -> StoredDelivery:
    return StoredDelivery(delivery_id, "pull_request", "opened", b'{"a": 1}', "o/r#1", received_at)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(create_engine(database_url_for_test(database_url)))
    store.create_tables()
    yield store
    store.engine.dispose()


def database_url_for_test(url: str) -> str:
    return database_url(url, Path("."))


def test_a_burst_is_stored_once_per_delivery_id(store: Store) -> None:
    assert store.add([delivery("a"), delivery("b"), delivery("a")]) == {"a", "b"}
    assert store.add([delivery("b"), delivery("c")]) == {"c"}
    assert store.get("a") == delivery("a")
    assert store.known(["a", "c", "z"]) == {"a", "c"}


def test_tries_are_counted_before_each_run(store: Store) -> None:
    store.add([delivery("a")])
    assert [store.begin_try("a") for _ in range(3)] == [0, 1, 2]
    assert store.begin_try("gone") == 0


def test_not_enqueued_lists_the_oldest_first_until_marked(store: Store) -> None:
    store.add([delivery("new", NOW), delivery("old", NOW - dt.timedelta(hours=1))])
    later = NOW + dt.timedelta(seconds=1)
    assert [d.delivery_id for d in store.not_enqueued(later)] == ["old", "new"]
    assert store.not_enqueued(NOW) == [delivery("old", NOW - dt.timedelta(hours=1))]
    store.mark_enqueued(["old", "new"])
    assert store.not_enqueued(later) == []


def test_only_enqueued_deliveries_stored_before_the_cutoff_are_forgotten(store: Store) -> None:
    # Retention goes by when the store took a delivery, not by the (injectable) time
    # it was received at.
    store.add([delivery("old"), delivery("old-unsent"), delivery("new")])
    store.mark_enqueued(["old"])
    cutoff = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    store.add([delivery("new")])  # already there: keeps its time
    store.mark_enqueued(["new"])
    assert store.forget_before(cutoff) == 2
    assert store.known(["old", "old-unsent", "new"]) == {"old-unsent"}


def test_postgresql_compresses_bodies_with_lz4_and_tables_can_be_created_again() -> None:
    with temporary_postgres_database() as url:
        store = Store(create_engine(database_url_for_test(url)))
        try:
            check_lz4_bodies(store)
        finally:
            store.engine.dispose()


def check_lz4_bodies(store: Store) -> None:
    store.create_tables()
    store.add([delivery("a")])
    store.create_tables()  # every start does it: nothing is lost, nothing fails
    query = sa.text(
        "SELECT attcompression FROM pg_attribute"
        " WHERE attrelid = 'chronolog_inbox'::regclass AND attname = 'body'"
    )
    with store.engine.connect() as connection:
        assert connection.execute(query).scalar_one() == "l"
    assert store.get("a") == delivery("a")


def test_instances_that_stopped_reporting_are_not_live(store: Store) -> None:
    store.heartbeat("a", NOW - dt.timedelta(minutes=5))
    store.heartbeat("b", NOW - dt.timedelta(minutes=5))
    store.heartbeat("b", NOW)
    store.heartbeat("c", NOW)
    store.leave("c")
    assert store.live_instances(NOW - dt.timedelta(minutes=1)) == {"b"}


def test_state_keys(store: Store) -> None:
    assert store.get_state("k") is None
    store.set_state("k", "1")
    store.set_state("k", "2")
    store.set_state("p:x", "")
    assert store.get_state("k") == "2"
    assert store.keys_present("p:", ["x", "y"]) == {"x"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("sqlite:////data/x.db", "sqlite:////data/x.db"),
    ],
)
def test_database_urls(url: str, expected: str) -> None:
    assert database_url(url, Path("/data")) == expected


def test_the_default_database_is_a_file_in_the_data_dir(tmp_path: Path) -> None:
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'chronolog.sqlite3'}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "unsupported database 'mysql'; use sqlite:///PATH or postgresql://..."),
        ("/data/x.db", "'/data/x.db' is not a URL; use sqlite:///PATH or postgresql://..."),
    ],
)
def test_other_databases_are_refused_with_what_to_use(url: str, message: str) -> None:
    with pytest.raises(StoreError) as raised:
        database_url(url, Path("."))
    assert str(raised.value) == message
