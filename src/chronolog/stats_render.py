"""`chronolog report`'s formats: text, JSON, CSV and Markdown (with Mermaid charts).

Every format renders the same tables (`tables`), built from `chronolog.stats.Stats`; the
HTML page is in `chronolog.stats_html`. Markdown writes handles and references as code,
so a report posted on GitHub pings nobody and adds no "mentioned this" events.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from chronolog.handover import Handover, HandoverItem
from chronolog.rule import code
from chronolog.stats import PER_PERSON_NOTE, Stats, format_minutes

NOBODY = "(nobody named)"
REPORT_MARKER = "<!-- chronolog-report -->"
DEFAULT_TITLE = "Support log report"


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str | int, ...], ...]
    note: str = ""
    total: tuple[str | int, ...] | None = None  # a last row, set apart

    def all_rows(self) -> tuple[tuple[str | int, ...], ...]:
        return self.rows + ((self.total,) if self.total else ())


def headline(stats: Stats, logs: int = 1) -> str:
    """One sentence: which entries, how much time, how complete."""
    count = len(stats.entries)
    if not count:
        return f"No dated entries{_window(stats)} in {_plural(logs, 'log')}."
    first, last = stats.first_date, stats.last_date
    text = (
        f"{_plural(count, 'entry', 'entries')} from {first} to {last} in {_plural(logs, 'log')}: "
        f"{format_minutes(stats.total_minutes)} of support time; "
        f"{stats.without_duration} of {count} entries have no duration tag."
    )
    if stats.undated:
        text += f" {_plural(stats.undated, 'entry', 'entries')} without a valid date not counted."
    return text


def tables(stats: Stats) -> list[Table]:
    """The report's tables: per period, per person, most referenced repositories and issues."""
    periods = Table(
        title=f"Support time per {stats.by.value}",
        headers=(stats.by.value, "entries", "minutes", "time", "without duration"),
        rows=tuple(
            (p.period, p.entries, p.minutes, format_minutes(p.minutes), p.without_duration)
            for p in stats.periods
        ),
        total=(
            "total",
            len(stats.entries),
            stats.total_minutes,
            format_minutes(stats.total_minutes),
            stats.without_duration,
        ),
    )
    people_rows: list[tuple[str | int, ...]] = [
        (p.handle, p.entries, p.minutes, format_minutes(p.minutes)) for p in stats.people
    ]
    nobody = sum(1 for figures in stats.entries if not figures.people)
    if nobody:
        minutes = stats.unattributed_minutes
        people_rows.append((NOBODY, nobody, minutes, format_minutes(minutes)))
    people = Table(
        title="Support time per person",
        headers=("person", "entries", "minutes", "time"),
        rows=tuple(people_rows),
        note=PER_PERSON_NOTE,
    )
    repositories = Table(
        title="Most referenced repositories",
        headers=("repository", "entries"),
        rows=tuple(stats.repositories),
    )
    references = Table(
        title="Most referenced issues and pull requests",
        headers=("issue or pull request", "entries"),
        rows=tuple((str(ref), count) for ref, count in stats.references),
    )
    return [periods, people, repositories, references]


def handover_heading(found: Handover) -> str:
    items = found.open_items()
    what = _plural(len(items), "issue or pull request", "issues and pull requests")
    window = f"from {found.since} to {found.until}"
    if found.checked and found.problem is None:
        return f"Handover: {what} referenced {window} still open"
    if found.checked:
        return f"Handover: {what} referenced {window}; some states unknown ({found.problem})"
    return (
        f"Handover: {what} referenced {window}; their state was not checked "
        "(set GITHUB_TOKEN to list only the open ones)"
    )


def handover_rows(found: Handover) -> list[tuple[str, str, str, str]]:
    """One row per mention: reference, date, `path:line`, the entry's summary."""
    rows = []
    for item in found.open_items():
        for index, mention in enumerate(item.mentions):
            rows.append(
                (
                    _item_label(item, found.checked) if index == 0 else "",
                    mention.date.isoformat(),
                    f"{mention.path}:{mention.line}",
                    _cut(mention.summary),
                )
            )
    return rows


def render_text(stats: Stats, *, logs: int = 1, handover: Handover | None = None) -> str:
    """Aligned tables for a terminal."""
    parts = [headline(stats, logs)]
    for table in tables(stats):
        if not table.rows:
            continue
        parts.append(_text_table(table.headers, table.all_rows(), total=table.total is not None))
        if table.note:
            parts[-1] += "\n" + table.note
    if handover is not None:
        rows = handover_rows(handover)
        body = _text_table(("reference", "date", "entry", "summary"), rows) if rows else ""
        parts.append(handover_heading(handover) + (":\n" + body if body else "."))
    return "\n\n".join(parts) + "\n"


def _text_table(headers: tuple[str, ...], rows: Any, *, total: bool = False) -> str:
    cells = [list(headers)] + [[str(cell) for cell in row] for row in rows]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(headers))]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for number, row in enumerate(cells):
        padded = [
            cell.rjust(width) if numeric[i] else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        if total and number == len(cells) - 1:
            lines.append("  ".join("-" * width for width in widths))
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def render_json(stats: Stats, *, logs: list[str], handover: Handover | None = None) -> str:
    """An object with `total_minutes`, `by_period`, `by_person` and the rest (docs/report.md)."""
    data: dict[str, Any] = {
        "logs": logs,
        "by": stats.by.value,
        "since": stats.since.isoformat() if stats.since else None,
        "until": stats.until.isoformat() if stats.until else None,
        "first_date": _iso(stats.first_date),
        "last_date": _iso(stats.last_date),
        "entries": len(stats.entries),
        "entries_without_duration": stats.without_duration,
        "undated_entries": stats.undated,
        "total_minutes": stats.total_minutes,
        "by_period": [
            {
                "period": p.period,
                "entries": p.entries,
                "minutes": p.minutes,
                "entries_without_duration": p.without_duration,
                "by_person": dict(p.by_person),
            }
            for p in stats.periods
        ],
        "by_person": {p.handle: p.minutes for p in stats.people},
        "people": [
            {"handle": p.handle, "entries": p.entries, "minutes": p.minutes} for p in stats.people
        ],
        "unattributed_minutes": stats.unattributed_minutes,
        "repositories": [{"repository": r, "entries": n} for r, n in stats.repositories],
        "references": [{"reference": str(r), "entries": n} for r, n in stats.references],
        "notes": [PER_PERSON_NOTE],
    }
    if handover is not None:
        data["handover"] = {
            "since": handover.since.isoformat(),
            "until": handover.until.isoformat(),
            "days": handover.days,
            "checked": handover.checked,
            "problem": handover.problem,
            "items": [
                {
                    "reference": str(item.reference),
                    "state": item.state,
                    "mentions": [
                        {
                            "path": m.path,
                            "line": m.line,
                            "date": m.date.isoformat(),
                            "summary": m.summary,
                        }
                        for m in item.mentions
                    ],
                }
                for item in handover.open_items()
            ],
        }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_csv(stats: Stats) -> str:
    """One row per period, a column of minutes per person, and a total row (LF endings)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    handles = [p.handle for p in stats.people]
    writer.writerow([stats.by.value, "entries", "minutes", "entries_without_duration", *handles])
    for p in stats.periods:
        minutes = dict(p.by_person)
        row = [p.period, p.entries, p.minutes, p.without_duration]
        writer.writerow(row + [minutes.get(handle, 0) for handle in handles])
    total = ["total", len(stats.entries), stats.total_minutes, stats.without_duration]
    writer.writerow(total + [p.minutes for p in stats.people])
    return out.getvalue()


def render_markdown(
    stats: Stats,
    *,
    logs: int = 1,
    handover: Handover | None = None,
    title: str = DEFAULT_TITLE,
    marker: str | None = None,
) -> str:
    """Markdown tables with a Mermaid `xychart-beta` bar chart of time per period and a
    pie of time per person, as GitHub renders them. `marker` (e.g. `REPORT_MARKER`) goes
    first, hidden, for an issue edited in place."""
    parts = [marker] if marker else []
    parts += [f"# {title}", headline(stats, logs)]
    for index, table in enumerate(tables(stats)):
        if not table.rows:
            continue
        parts.append(f"## {table.title}")
        if table.note:
            parts.append(table.note)
        # References as code: a link or `o/r#1` would add a "mentioned this" event to them.
        parts.append(_markdown_table(table, code_columns=(0,) if index == 3 else ()))
        if index == 0 and stats.total_minutes:
            parts.append(_bar_chart(stats))
        if index == 1 and any(p.minutes for p in stats.people):
            parts.append(_pie_chart(stats))
    if handover is not None:
        parts.append("## Handover")
        rows = handover_rows(handover)
        parts.append(handover_heading(handover) + ("." if not rows else ":"))
        if rows:
            table = Table("", ("reference", "date", "entry", "summary"), tuple(rows))
            parts.append(_markdown_table(table, code_columns=(0, 3)))
    return "\n\n".join(parts) + "\n"


def render_report_markdown(stats: Stats, *, title: str = DEFAULT_TITLE, **kwargs: Any) -> str:
    """The report issue's body: `render_markdown` with the hidden `REPORT_MARKER` first."""
    return render_markdown(stats, title=title, marker=REPORT_MARKER, **kwargs)


def _markdown_table(table: Table, code_columns: tuple[int, ...] = ()) -> str:
    numeric = [
        all(isinstance(row[i], int) for row in table.rows) for i in range(len(table.headers))
    ]
    lines = [
        "| " + " | ".join(table.headers) + " |",
        "|" + "|".join("--:" if right else "---" for right in numeric) + "|",
    ]
    for row in table.all_rows():
        cells = [
            code(_pipes(str(cell)))
            if i in code_columns and cell not in ("", "total", NOBODY)
            else _escape(str(cell))
            for i, cell in enumerate(row)
        ]
        if row is table.total:
            cells = [f"**{cell}**" for cell in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _bar_chart(stats: Stats) -> str:
    labels = ", ".join(f'"{p.period}"' for p in stats.periods)
    hours = ", ".join(_hours(p.minutes) for p in stats.periods)
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f'    title "Support time per {stats.by.value} (hours)"',
            f"    x-axis [{labels}]",
            '    y-axis "hours"',
            f"    bar [{hours}]",
            "```",
        ]
    )


def _pie_chart(stats: Stats) -> str:
    slices = [f'    "{p.handle}" : {p.minutes}' for p in stats.people if p.minutes]
    return "\n".join(["```mermaid", "pie title Support time per person (minutes)", *slices, "```"])


def _hours(minutes: int) -> str:
    """Minutes as hours with at most two decimals: `385` is `6.42`, `120` is `2`."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def _item_label(item: HandoverItem, checked: bool) -> str:
    unknown = checked and item.state is None
    return str(item.reference) + (" (state unknown)" if unknown else "")


def _pipes(text: str) -> str:
    """A table cell's text: GitHub splits cells at `|`, inside code spans too."""
    return text.replace("|", "\\|")


def _escape(text: str) -> str:
    """A table cell, with `@handles` as code so they ping nobody."""
    return code(_pipes(text)) if text.startswith("@") else _pipes(text)


def _cut(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _window(stats: Stats) -> str:
    if stats.since and stats.until:
        return f" from {stats.since} to {stats.until}"
    if stats.since:
        return f" since {stats.since}"
    return f" until {stats.until}" if stats.until else ""


def _iso(date: Any) -> str | None:
    return date.isoformat() if date is not None else None
