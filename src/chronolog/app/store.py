"""chronolog's database: the inbox of webhook deliveries and the instances that share it.

One SQLAlchemy engine serves both chronolog's tables and the job engine's (DBOS keeps its
workflows in the same database), chosen by `DATABASE_URL`: `sqlite:///path` (the default,
a file in `CHRONOLOG_DATA_DIR`) or `postgresql://...` for several instances.

The inbox holds each verified delivery exactly as GitHub sent it (the raw body), keyed by
its `X-GitHub-Delivery` id, so a redelivered webhook is recognised however often it comes
and a payload never has to be serialised again to be stored. A row is `enqueued` once the
job engine has its work.

SQLite runs in WAL mode with `synchronous=NORMAL`: a commit survives the process being
killed (SIGKILL), and costs a fraction of a millisecond instead of an fsync. Only a power
loss can take back the last commits; run on PostgreSQL where that matters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

log = logging.getLogger(__name__)

METADATA = sa.MetaData()

INBOX = sa.Table(
    "chronolog_inbox",
    METADATA,
    sa.Column("delivery_id", sa.String(100), primary_key=True),
    sa.Column("event", sa.String(100), nullable=False),
    sa.Column("action", sa.String(100), nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
    # The work's serial key (one pull request, one repository's pushes): see `engine`.
    sa.Column("partition", sa.String(300), nullable=False),
    # When the webhook arrived (the handlers' notion of "now", injectable in tests) and
    # when the store took it (always the real clock: what retention goes by).
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("enqueued", sa.Boolean, nullable=False, default=False),
    # How often a handler started on this delivery: more than once means an earlier try
    # was cut off or failed, and may have written to GitHub already.
    sa.Column("tries", sa.Integer, nullable=False, default=0),
)
sa.Index("chronolog_inbox_pending", INBOX.c.enqueued, INBOX.c.received_at)
sa.Index("chronolog_inbox_stored", INBOX.c.stored_at)

INSTANCES = sa.Table(
    "chronolog_instances",
    METADATA,
    sa.Column("instance_id", sa.String(200), primary_key=True),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
)

# chronolog's own key-value state (the last webhook delivery seen by the redeliver sweep).
STATE = sa.Table(
    "chronolog_state",
    METADATA,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


class StoreError(ValueError):
    """`DATABASE_URL` is malformed or names a database chronolog cannot use."""


@dataclass(frozen=True)
class StoredDelivery:
    """One delivery as the inbox holds it."""

    delivery_id: str
    event: str
    action: str | None
    body: bytes
    partition: str
    received_at: dt.datetime


def database_url(url: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL for `DATABASE_URL` (or the SQLite file in `data_dir` when unset).

    `postgresql://` and `postgres://` use the psycopg 3 driver.
    """
    if not url:
        return f"sqlite:///{(data_dir / 'chronolog.sqlite3').resolve()}"
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise StoreError(f"{url!r} is not a URL; use sqlite:///PATH or postgresql://...")
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite":
        return url
    raise StoreError(f"unsupported database {scheme!r}; use sqlite:///PATH or postgresql://...")


def create_engine(url: str) -> sa.Engine:
    """An engine for `url` (from `database_url`); a SQLite file's folder is created."""
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        pool: dict[str, Any] = {}
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:  # one connection for every thread, or each would see its own empty database
            pool = {"poolclass": sa.pool.StaticPool}
        engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **pool)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=30000")
    connection.execute("PRAGMA foreign_keys=ON")  # as DBOS sets it on its own connections


class Store:
    """chronolog's tables on `engine`. Every method blocks: call it from a thread."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    def create_tables(self) -> None:
        METADATA.create_all(self.engine)
        if self._postgres:
            self._compress_bodies_with_lz4()

    def _compress_bodies_with_lz4(self) -> None:
        """Have PostgreSQL compress new bodies with lz4 rather than its default pglz: a
        burst of 50 pull_request bodies (25 KB each) commits in 6 ms instead of 16 on
        this machine (bench/bench_inbox_compression.py), on the webhooks' answer path.
        Servers older than 14 or built without lz4 keep pglz; nothing else differs."""
        current = sa.text(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = 'chronolog_inbox'::regclass AND attname = 'body'"
        )
        change = sa.text("ALTER TABLE chronolog_inbox ALTER COLUMN body SET COMPRESSION lz4")
        try:
            with self.engine.begin() as connection:
                if connection.execute(current).scalar_one() != "l":
                    # The change locks the table: behind another instance's long
                    # transaction it would hold every instance's webhooks up, so it
                    # gives up after a second (and the next start tries again).
                    connection.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
                    connection.execute(change)
        except sa.exc.DBAPIError as error:
            log.info("inbox bodies stay compressed with pglz: %s", error.orig)

    def add(self, deliveries: Sequence[StoredDelivery]) -> set[str]:
        """Store `deliveries` in one transaction; returns the ids that were new (a
        redelivered id is left as it was)."""
        if not deliveries:
            return set()
        dialect: Any = postgresql if self._postgres else sqlite
        now = dt.datetime.now(dt.UTC)
        rows = [
            {
                "delivery_id": d.delivery_id,
                "event": d.event,
                "action": d.action,
                "body": d.body,
                "partition": d.partition,
                "received_at": d.received_at,
                "stored_at": now,
                "enqueued": False,
                "tries": 0,
            }
            for d in deliveries
        ]
        # One statement with the rows as parameters: SQLAlchemy's "insertmanyvalues" sends
        # them as multi-row INSERTs (one round trip per 1,000 rows or so) from a statement
        # compiled once, where `.values(rows)` compiled a new one per batch (20 ms of
        # Python for 50 rows, on the webhooks' answer path). One commit for the burst. A
        # repeated id (in the table or in the batch) is skipped, not returned.
        statement = dialect.insert(INBOX).on_conflict_do_nothing().returning(INBOX.c.delivery_id)
        with self.engine.begin() as connection:
            new: set[str] = set(connection.execute(statement, rows).scalars())
        return new

    def get(self, delivery_id: str) -> StoredDelivery | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(INBOX).where(INBOX.c.delivery_id == delivery_id)
            ).one_or_none()
        return None if row is None else _delivery(row)

    def begin_try(self, delivery_id: str) -> int:
        """Count one more try of `delivery_id`; returns how many tries came before it."""
        with self.engine.begin() as connection:
            tries = connection.execute(
                sa.update(INBOX)
                .where(INBOX.c.delivery_id == delivery_id)
                .values(tries=INBOX.c.tries + 1)
                .returning(INBOX.c.tries)
            ).scalar_one_or_none()
        return 0 if tries is None else int(tries) - 1

    def not_enqueued(self, older_than: dt.datetime, limit: int = 500) -> list[StoredDelivery]:
        """Deliveries received before `older_than` that no job was made for yet."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(INBOX)
                .where(~INBOX.c.enqueued, INBOX.c.received_at < older_than)
                .order_by(INBOX.c.received_at)
                .limit(limit)
            ).all()
        return [_delivery(row) for row in rows]

    def waiting(self) -> tuple[int, dt.datetime | None]:
        """How many deliveries no job was made for yet, and when the store took the oldest."""
        with self.engine.connect() as connection:
            count, oldest = connection.execute(
                sa.select(sa.func.count(), sa.func.min(INBOX.c.stored_at)).where(~INBOX.c.enqueued)
            ).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        return int(count), oldest

    def mark_enqueued(self, delivery_ids: Sequence[str]) -> None:
        if delivery_ids:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.update(INBOX)
                    .where(INBOX.c.delivery_id.in_(list(delivery_ids)))
                    .values(enqueued=True)
                )

    def known(self, delivery_ids: Sequence[str]) -> set[str]:
        """Which of `delivery_ids` the inbox holds."""
        with self.engine.connect() as connection:
            return set(
                connection.execute(
                    sa.select(INBOX.c.delivery_id).where(
                        INBOX.c.delivery_id.in_(list(delivery_ids))
                    )
                ).scalars()
            )

    def forget_before(self, moment: dt.datetime) -> int:
        """Drop enqueued deliveries stored before `moment` (GitHub redelivers for 3 days
        at most, 7 on GitHub Enterprise Server); returns how many."""
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.delete(INBOX).where(INBOX.c.stored_at < moment, INBOX.c.enqueued)
            )
        return int(result.rowcount)

    def heartbeat(self, instance_id: str, now: dt.datetime) -> None:
        """Record that `instance_id` is alive at `now`."""
        dialect: Any = postgresql if self._postgres else sqlite
        statement = dialect.insert(INSTANCES).values(instance_id=instance_id, seen_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[INSTANCES.c.instance_id], set_={"seen_at": now}
        )
        with self.engine.begin() as connection:
            connection.execute(statement)

    def live_instances(self, since: dt.datetime) -> set[str]:
        """Instances that reported after `since`."""
        with self.engine.connect() as connection:
            return set(
                connection.execute(
                    sa.select(INSTANCES.c.instance_id).where(INSTANCES.c.seen_at >= since)
                ).scalars()
            )

    def leave(self, instance_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.delete(INSTANCES).where(INSTANCES.c.instance_id == instance_id))

    def get_state(self, key: str) -> str | None:
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(STATE.c.value).where(STATE.c.key == key)
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def keys_present(self, prefix: str, names: Sequence[str]) -> set[str]:
        """Which of `names` have a state key `prefix + name`."""
        if not names:
            return set()
        keys = [prefix + name for name in names]
        with self.engine.connect() as connection:
            found = connection.execute(sa.select(STATE.c.key).where(STATE.c.key.in_(keys)))
            return {str(key)[len(prefix) :] for key in found.scalars()}

    def set_state(self, key: str, value: str) -> None:
        dialect: Any = postgresql if self._postgres else sqlite
        statement = dialect.insert(STATE).values(key=key, value=value)
        statement = statement.on_conflict_do_update(
            index_elements=[STATE.c.key], set_={"value": value}
        )
        with self.engine.begin() as connection:
            connection.execute(statement)

    def make_private(self) -> None:
        """Make a SQLite store readable by its owner only (mode 0600): it holds the app's
        private key once the setup flow ran. A PostgreSQL's access is its own to set."""
        path = None if self._postgres else self.engine.url.database
        if path and path != ":memory:":
            for name in (path, f"{path}-wal", f"{path}-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(name, 0o600)

    def add_states(self, values: Mapping[str, str]) -> bool:
        """Add every key of `values` in one transaction, or none when one already exists
        (returns False then): the first writer wins, across instances too."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.insert(STATE), [{"key": k, "value": v} for k, v in values.items()]
                )
        except sa.exc.IntegrityError:
            return False
        return True

    def take_state(self, key: str) -> str | None:
        """Remove `key` and return its value; None when it was not there. Of two callers
        taking the same key, one gets the value."""
        with self.engine.begin() as connection:
            value = connection.execute(
                sa.delete(STATE).where(STATE.c.key == key).returning(STATE.c.value)
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def states(self, prefix: str) -> dict[str, str]:
        """Every state key starting with `prefix`, with its value."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(STATE.c.key, STATE.c.value).where(STATE.c.key.startswith(prefix))
            ).all()
        return {str(key): str(value) for key, value in rows}

    def delete_states(self, keys: Sequence[str]) -> None:
        if keys:
            with self.engine.begin() as connection:
                connection.execute(sa.delete(STATE).where(STATE.c.key.in_(list(keys))))


def _delivery(row: sa.Row[Any]) -> StoredDelivery:
    received_at = row.received_at
    if received_at.tzinfo is None:  # SQLite keeps no offset; chronolog writes UTC only
        received_at = received_at.replace(tzinfo=dt.UTC)
    return StoredDelivery(
        delivery_id=row.delivery_id,
        event=row.event,
        action=row.action,
        body=bytes(row.body),
        partition=row.partition,
        received_at=received_at,
    )
