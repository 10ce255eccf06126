"""`chronolog report --format html`: one self-contained page, openable offline.

The tables are `chronolog.stats_render.tables`; the charts are SVG drawn by pygal (pure
Python, no browser, no dependencies of its own; `pip install 'chronolog[report]'`),
inlined in the page with no script and no external URL. pygal's random chart ids are
replaced and its credit comments and config script dropped, so the same log gives the
same page byte for byte.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pygal
from pygal.style import Style

from chronolog.handover import Handover
from chronolog.stats import Stats
from chronolog.stats_render import (
    DEFAULT_TITLE,
    handover_heading,
    handover_rows,
    headline,
    tables,
)

_CHART_ID = re.compile(r'id="chart-([0-9a-f-]{36})"')
# Credit comments, and the config script pygal adds for its (absent) tooltip script.
_DROPPED = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)
_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#24292f",
    foreground_strong="#24292f",
    foreground_subtle="#57606a",
    colors=("#0969da", "#1a7f37", "#9a6700", "#cf222e", "#8250df", "#bf3989", "#57606a"),
    font_family="system-ui, sans-serif",
    guide_stroke_color="#d0d7de",
    major_guide_stroke_color="#d0d7de",
)
_PAGE_CSS = """
body { font-family: system-ui, sans-serif; color: #24292f; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; text-align: left; }
td.number, th.number { text-align: right; }
tr.total td { font-weight: bold; }
figure { margin: 1rem 0; max-width: 48rem; }
""".strip()


def render_html(
    stats: Stats, *, logs: int = 1, handover: Handover | None = None, title: str = DEFAULT_TITLE
) -> str:
    """The page: the headline, each table, a bar chart of hours per period after the first
    and a pie of minutes per person after the second."""
    parts = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(headline(stats, logs))}</p>"]
    for index, table in enumerate(tables(stats)):
        if not table.rows:
            continue
        parts.append(f"<h2>{html.escape(table.title)}</h2>")
        if table.note:
            parts.append(f"<p>{html.escape(table.note)}</p>")
        parts.append(_table(table.headers, table.rows, table.total))
        if index == 0 and stats.total_minutes:
            parts.append(
                _figure(bar_chart_svg(stats, f"Support time per {stats.by.value} (hours)"))
            )
        if index == 1 and any(person.minutes for person in stats.people):
            parts.append(_figure(pie_chart_svg(stats)))
    if handover is not None:
        rows = handover_rows(handover)
        parts.append("<h2>Handover</h2>")
        parts.append(f"<p>{html.escape(handover_heading(handover))}</p>")
        if rows:
            parts.append(_table(("reference", "date", "entry", "first line"), tuple(rows), None))
    body = "\n".join(parts)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_PAGE_CSS}\n</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def bar_chart_svg(stats: Stats, title: str) -> str:
    """Hours per period, as an SVG bar chart."""
    chart = pygal.Bar(**_config(title), show_legend=False, x_label_rotation=-45)
    chart.x_labels = [period.period for period in stats.periods]
    chart.add("hours", [round(period.minutes / 60, 2) for period in stats.periods])
    return _svg(chart, "chart-periods")


def pie_chart_svg(stats: Stats) -> str:
    """Minutes per person, as an SVG pie with a legend."""
    chart = pygal.Pie(**_config("Support time per person (minutes)"), legend_at_bottom=True)
    for person in stats.people:
        if person.minutes:
            chart.add(person.handle, person.minutes)
    return _svg(chart, "chart-people")


def _config(title: str) -> dict[str, Any]:
    # js=[]: no script tag pointing at pygal's CDN (tooltips need it; the tables say it all).
    return {"title": title, "style": _STYLE, "js": [], "width": 800, "height": 400}


def _svg(chart: Any, chart_id: str) -> str:
    svg = str(chart.render(is_unicode=True, disable_xml_declaration=True))
    found = _CHART_ID.search(svg)
    if found is not None:
        svg = svg.replace(f"chart-{found.group(1)}", chart_id)
    return _DROPPED.sub("", svg)


def _figure(svg: str) -> str:
    return f"<figure>\n{svg}\n</figure>"


def _table(
    headers: tuple[str, ...],
    rows: tuple[tuple[str | int, ...], ...],
    total: tuple[str | int, ...] | None,
) -> str:
    numeric = [
        bool(rows) and all(isinstance(row[i], int) for row in rows) for i in range(len(headers))
    ]
    cls = [' class="number"' if right else "" for right in numeric]
    lines = [
        "<table>",
        "<tr>"
        + "".join(f"<th{cls[i]}>{html.escape(h)}</th>" for i, h in enumerate(headers))
        + "</tr>",
    ]
    for row in rows + ((total,) if total else ()):
        cells = "".join(f"<td{cls[i]}>{html.escape(str(c))}</td>" for i, c in enumerate(row))
        lines.append(f'<tr class="total">{cells}</tr>' if row is total else f"<tr>{cells}</tr>")
    lines.append("</table>")
    return "\n".join(lines)
