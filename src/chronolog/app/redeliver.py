"""Ask GitHub for what was missed: redeliver the webhooks chronolog never acknowledged.

GitHub does not retry a failed delivery by itself; it keeps deliveries for 3 days and
lets the app ask for one again. A delivery failed when chronolog was down, refused it
(503 while starting or when the store failed), or did not answer in 10 seconds. The
sweep lists the app's deliveries back to the last one it saw, and asks once for each
delivery id (`guid`) that has no successful attempt, that chronolog did not store
anyway, and that it did not already ask for. The engine runs it on start and every 10
minutes, one instance at a time; `chronolog redeliver` runs it by hand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chronolog.app.github import GitHubApp, GitHubError
from chronolog.app.store import Store

log = logging.getLogger(__name__)

LAST_SEEN = "redeliver:last-seen"
ASKED = "redeliver:asked:"  # + guid: when chronolog asked GitHub for it
KEPT = dt.timedelta(days=3)  # how long GitHub keeps deliveries


@dataclass(frozen=True)
class Missed:
    """One delivery to ask for again: the id of its latest attempt, and what it was."""

    attempt_id: int
    guid: str
    event: str
    action: str | None
    delivered_at: str
    status: str


@dataclass(frozen=True)
class SweepResult:
    """What one sweep found and did."""

    listed: int  # attempts GitHub listed
    missed: tuple[Missed, ...]  # failed, not stored by chronolog, not asked for before
    asked: int  # redeliveries GitHub accepted
    errors: tuple[str, ...]


def find_missed(
    attempts: Sequence[Mapping[str, Any]],
    stored: Iterable[str],
    asked_before: Iterable[str],
    handled_events: Iterable[str],
) -> list[Missed]:
    """The deliveries to ask for again, oldest first: for each `guid` among `attempts`
    (GitHub's list, newest first) whose event chronolog handles, none of whose attempts
    succeeded, that is not `stored` and not `asked_before`: its latest attempt."""
    skip = set(stored) | set(asked_before)
    events = set(handled_events)
    latest: dict[str, Mapping[str, Any]] = {}
    succeeded: set[str] = set()
    for attempt in attempts:
        guid = str(attempt.get("guid") or "")
        if not guid:
            continue
        code = attempt.get("status_code")
        if attempt.get("status") == "OK" or (isinstance(code, int) and 200 <= code < 300):
            succeeded.add(guid)
        if guid not in latest:
            latest[guid] = attempt  # newest first: the first one seen is the latest
    missed = [
        Missed(
            attempt_id=int(attempt["id"]),
            guid=guid,
            event=str(attempt.get("event") or ""),
            action=attempt.get("action") if isinstance(attempt.get("action"), str) else None,
            delivered_at=str(attempt.get("delivered_at") or ""),
            status=str(attempt.get("status") or ""),
        )
        for guid, attempt in latest.items()
        if guid not in succeeded and guid not in skip and attempt.get("event") in events
    ]
    missed.reverse()
    return missed


async def sweep(
    github: GitHubApp,
    store: Store,
    handled_events: Iterable[str],
    *,
    since: dt.datetime | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> SweepResult:
    """List the app's deliveries back to `since` (default: the last one a sweep saw, at
    most GitHub's 3 days) and redeliver the missed ones, each once (none with `dry_run`).

    Raises `GitHubError` when the list cannot be read; a redelivery GitHub refuses is
    reported in `errors` and asked for again by the next sweep.
    """
    moment = now or dt.datetime.now(dt.UTC)
    if since is None:
        last = await asyncio.to_thread(store.get_state, LAST_SEEN)
        since = dt.datetime.fromisoformat(last) if last else None
    since = max(since, moment - KEPT) if since is not None else moment - KEPT
    attempts = await github.list_hook_deliveries(since=since, now=moment)
    guids = sorted({str(a.get("guid")) for a in attempts if a.get("guid")})
    stored = await asyncio.to_thread(store.known, guids) if guids else set()
    asked_before = await asyncio.to_thread(store.keys_present, ASKED, guids)
    missed = find_missed(attempts, stored, asked_before, handled_events)
    asked = 0
    errors: list[str] = []
    if not dry_run:
        for delivery in missed:
            try:
                await github.redeliver(delivery.attempt_id)
            except GitHubError as error:
                errors.append(f"{delivery.guid}: {error}")
                continue
            asked += 1
            await asyncio.to_thread(store.set_state, ASKED + delivery.guid, moment.isoformat())
        if attempts:
            newest = max(str(a.get("delivered_at")) for a in attempts)
            # Overlap by a minute: a delivery still being retried may show up late.
            seen = dt.datetime.fromisoformat(newest) - dt.timedelta(minutes=1)
            await asyncio.to_thread(store.set_state, LAST_SEEN, seen.isoformat())
    if missed:
        log.info(
            "redeliver: %d missed deliveries, %s",
            len(missed),
            "dry run" if dry_run else f"{asked} asked for again",
        )
    return SweepResult(len(attempts), tuple(missed), asked, tuple(errors))


def parse_since(text: str) -> dt.timedelta:
    """`6h`, `90m`, `2d` as a duration; raises ValueError with what is accepted."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not (number.isascii() and number.isdigit()) or int(number) == 0:
        raise ValueError(f"{text!r} is not a duration; use a number and m, h or d, like 6h")
    return dt.timedelta(**{units[unit]: int(number)})


def run_redeliver(since: str | None, dry_run: bool) -> int:
    """`chronolog redeliver [--since 6h] [--dry-run]`: one sweep, with the server's
    settings and store (so deliveries the server stored are not asked for again).

    Exit codes: 0 done, 1 some redeliveries were refused or the list could not be read,
    2 bad arguments or settings.
    """
    from chronolog.app.registration import command_credentials, missing_credentials_help
    from chronolog.app.router import handled_events
    from chronolog.app.settings import SettingsError, load_settings
    from chronolog.app.store import create_engine

    try:
        window = parse_since(since) if since else None
        settings = load_settings()
    except (ValueError, SettingsError) as error:
        print(f"chronolog: {error}", file=sys.stderr)
        return 2
    store = Store(create_engine(settings.database_url))
    store.create_tables()
    credentials = command_credentials(settings, store)
    if credentials is None:
        store.engine.dispose()
        print(missing_credentials_help(settings, "redeliver"), file=sys.stderr)
        return 2
    github = GitHubApp(credentials.app_id, credentials.private_key, settings.api_url)
    now = dt.datetime.now(dt.UTC)
    try:
        result = asyncio.run(
            sweep(
                github,
                store,
                handled_events(),
                since=now - window if window else None,
                dry_run=dry_run,
                now=now,
            )
        )
    except GitHubError as error:
        print(f"chronolog: listing the app's deliveries failed: {error}", file=sys.stderr)
        return 1
    finally:
        store.engine.dispose()
    for missed in result.missed:
        action = f".{missed.action}" if missed.action else ""
        print(f"{missed.guid} {missed.event}{action} {missed.delivered_at} {missed.status}")
    for error_text in result.errors:
        print(f"chronolog: redelivery refused: {error_text}", file=sys.stderr)
    verb = "would be asked for again" if dry_run else "asked for again"
    count = len(result.missed) if dry_run else result.asked
    print(
        f"{result.listed} deliveries listed, {len(result.missed)} missed, {count} {verb}",
        file=sys.stderr,
    )
    return 1 if result.errors else 0
