"""How PostgreSQL's compression of the inbox's bodies weighs on the webhooks' commit.

Stores 10 bursts of 50 real `pull_request` bodies (24.7 kB each, from tests/fixtures) and
10 single bodies with `Store.add`, in a fresh database, with the `body` column compressed
by pglz (PostgreSQL's default), by lz4 (what `Store.create_tables` sets), and not at all
(`STORAGE EXTERNAL`), and prints each one's median and best commit time. The database is
created and dropped here. Prints figures and asserts nothing; pytest never runs it.

    python bench/bench_inbox_compression.py [--server postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from chronolog.app.store import Store, StoredDelivery, create_engine

WEBHOOKS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "webhooks"
PAYLOAD = WEBHOOKS / "pull_request.synchronize.json"
SETTINGS = {
    "pglz": "ALTER TABLE chronolog_inbox ALTER COLUMN body SET COMPRESSION pglz",
    "lz4": "ALTER TABLE chronolog_inbox ALTER COLUMN body SET COMPRESSION lz4",
    "none": "ALTER TABLE chronolog_inbox ALTER COLUMN body SET STORAGE EXTERNAL",
}


def burst(body: bytes, size: int) -> list[StoredDelivery]:
    now = dt.datetime.now(dt.UTC)
    return [
        StoredDelivery(str(uuid.uuid4()), "pull_request", "synchronize", body, "o/r#1", now)
        for _ in range(size)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    body = json.dumps(json.loads(PAYLOAD.read_text(encoding="utf-8"))).encode()
    server = args.server.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    print(f"body: {len(body)} bytes; {args.runs} commits of each size")
    for name, statement in SETTINGS.items():
        database = f"chronolog_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
        engine = create_engine(f"{server}/{database}")
        try:
            store = Store(engine)
            store.create_tables()
            with engine.begin() as connection:
                connection.execute(sa.text(statement))
            for size in (1, 50):
                took = []
                for _ in range(args.runs):
                    rows = burst(body, size)
                    started = time.perf_counter()
                    store.add(rows)
                    took.append(time.perf_counter() - started)
                print(
                    f"{name:5} {size:3} bodies: median {statistics.median(took) * 1000:.1f} ms,"
                    f" best {min(took) * 1000:.1f} ms"
                )
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{database}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
