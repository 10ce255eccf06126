"""The handover list: the issues and pull requests recent entries reference, still open.

The log exists "for ease of use and handing over issues": the next person on rotation
wants what is in flight. This module picks the candidates (pure); whoever can ask GitHub
(`chronolog.issue_state` for the CLI, the app's lookups) says which are still open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from chronolog.config import DEFAULT_HANDOVER_DAYS
from chronolog.references import Reference
from chronolog.stats import EntryFigures

DEFAULT_DAYS = DEFAULT_HANDOVER_DAYS

State = Literal["open", "closed", "missing"]


@dataclass(frozen=True)
class Mention:
    """An entry that references an issue or pull request."""

    path: str
    line: int  # the entry's heading
    date: dt.date
    summary: str


@dataclass(frozen=True)
class HandoverItem:
    reference: Reference
    mentions: tuple[Mention, ...]  # newest first
    state: State | None = None  # None: not looked up


@dataclass(frozen=True)
class Handover:
    """What `handover` found; `checked` says whether the states were looked up."""

    since: dt.date
    until: dt.date
    days: int
    items: tuple[HandoverItem, ...]
    checked: bool = False
    problem: str | None = None  # why the states could not be looked up, when they were not

    def open_items(self) -> tuple[HandoverItem, ...]:
        """The items to hand over: all of them, or once looked up the open ones (and
        those GitHub gave no answer for)."""
        return tuple(item for item in self.items if item.state in ("open", None))


def handover(
    entries: Iterable[EntryFigures], *, until: dt.date, days: int = DEFAULT_DAYS
) -> Handover:
    """The references of the entries dated in the `days` days ending on `until` (included).

    Items are sorted by their newest mention, newest first, then by reference.
    """
    if days < 1:
        raise ValueError(f"the handover covers at least one day, not {days}")
    since = until - dt.timedelta(days=days - 1)
    found: dict[Reference, list[Mention]] = {}
    for figures in entries:
        if not since <= figures.date <= until:
            continue
        mention = Mention(figures.path, figures.entry.start_line, figures.date, figures.summary)
        for reference in figures.references:
            found.setdefault(reference, []).append(mention)
    items = [
        HandoverItem(reference, tuple(sorted(mentions, key=_newest_first)))
        for reference, mentions in found.items()
    ]
    items.sort(key=lambda item: (_newest_first(item.mentions[0]), item.reference))
    return Handover(since=since, until=until, days=days, items=tuple(items))


def with_states(found: Handover, states: Mapping[Reference, State]) -> Handover:
    """`found` with the states GitHub gave; an item GitHub did not answer for stays listed."""
    items = tuple(replace(item, state=states.get(item.reference)) for item in found.items)
    return replace(found, items=items, checked=True)


def _newest_first(mention: Mention) -> tuple[int, str, int]:
    return (-mention.date.toordinal(), mention.path, mention.line)
