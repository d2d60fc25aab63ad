"""Inline SVG charts for the HTML report: no library, no external asset, text escaped."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from analyzer.report.model import Report, after_listing_text, seen_text

SERVICE_COUNT = 6
# Beyond these the charts stop being readable; the tables below them hold everything.
MAX_BARS = 30
MAX_HEAT_ROWS = 60


def bars(data: list[tuple[str, int]], *, title: str, width: int = 640) -> str:
    """Horizontal bars, one per label, longest first; values printed at the bar's end."""
    if not data:
        return '<p class="empty">no data</p>'
    if len(data) > MAX_BARS:
        title = f"{title} — top {MAX_BARS} of {len(data)}"
        data = data[:MAX_BARS]
    label_w, bar_h, gap, top = 190, 22, 6, 28
    most = max(v for _, v in data) or 1
    span = width - label_w - 60
    height = top + len(data) * (bar_h + gap)
    parts = [
        f'<svg class="chart bars" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(data):
        y = top + i * (bar_h + gap)
        w = max(2, round(span * value / most))
        parts.append(
            f'<g class="bar"><title>{escape(label)}: {value}</title>'
            f'<text x="{label_w - 8}" y="{y + bar_h - 6}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" rx="3"></rect>'
            f'<text x="{label_w + w + 6}" y="{y + bar_h - 6}">{value}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def heatmap(report: Report, *, title: str) -> str:
    """Entity (rows) by provider parent (columns); darker = more services from that provider."""
    grid = report.parents_by_entity()
    if not grid:
        return '<p class="empty">no data</p>'
    parents = [p for p, _ in report.entities_per_parent()][:MAX_BARS]
    entities = sorted(grid, key=str.casefold)
    if len(entities) > MAX_HEAT_ROWS:
        # the entities with the most providers, still in name order
        busiest = sorted(entities, key=lambda e: (-len(grid[e]), e.casefold()))[:MAX_HEAT_ROWS]
        title = f"{title} — {MAX_HEAT_ROWS} of {len(entities)} entities with the most providers"
        entities = sorted(busiest, key=str.casefold)
    cell, label_w, head_h = 30, 260, 120
    width = label_w + cell * len(parents) + 110  # room for the slanted last column label
    height = head_h + cell * len(entities) + 10
    parts = [
        f'<svg class="chart heatmap" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for j, parent in enumerate(parents):
        x = label_w + j * cell + cell // 2
        parts.append(
            f'<text class="col" transform="translate({x},{head_h - 6}) rotate(-50)">{escape(parent)}</text>'
        )
    for i, entity in enumerate(entities):
        y = head_h + i * cell
        parts.append(f'<text x="{label_w - 8}" y="{y + cell - 10}" text-anchor="end">{escape(entity)}</text>')
        for j, parent in enumerate(parents):
            services = sorted(grid[entity].get(parent, ()))
            level = len(services)
            opacity = 0.0 if not level else 0.25 + 0.75 * min(level, SERVICE_COUNT) / SERVICE_COUNT
            tip = f"{entity} × {parent}: " + (", ".join(services) if services else "none")
            rect = (
                f'<rect class="cell" x="{label_w + j * cell + 1}" y="{y + 1}" width="{cell - 2}" '
                f'height="{cell - 2}" data-services="{level}" fill-opacity="{opacity:.2f}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            anchor = report.first_anchor(entity, parent) if level else None
            parts.append(f'<a href="#{anchor}">{rect}</a>' if anchor else rect)
            if level:
                parts.append(
                    f'<text class="n" x="{label_w + j * cell + cell // 2}" y="{y + cell - 10}" '
                    f'text-anchor="middle">{level}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


# -- the timeline ---------------------------------------------------------------------------------------
MAX_TIMELINES = 40
# what fits left of the bars at 12 px; the bar's tooltip has the whole label
LABEL_CHARS = 46


def time_span(rows: list[dict[str, Any]]) -> tuple[dt.date, dt.date]:
    """The dates every entity's timeline shares: first to last seen, and the listing dates."""
    dates = [r[k] for r in rows for k in ("first_seen", "last_seen", "listed_on") if r.get(k)]
    start, end = min(dates), max(dates)
    if (end - start).days < 30:  # a single snapshot still needs a readable scale
        start, end = start - dt.timedelta(days=15), end + dt.timedelta(days=15)
    return start, end


def _ticks(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Year starts over a long span; quarter starts (2024-04) when it is two years or less."""
    if (end - start).days > 730:
        return [(dt.date(y, 1, 1), str(y)) for y in range(start.year + 1, end.year + 1)]
    quarters = [dt.date(y, m, 1) for y in range(start.year, end.year + 1) for m in (1, 4, 7, 10)]
    return [(q, f"{q:%Y-%m}") for q in quarters if start < q <= end]


def timeline(entity: dict[str, Any], rows: list[dict[str, Any]], *, span: tuple[dt.date, dt.date]) -> str:
    """One entity: a bar per (service, provider) from first to last seen (filled: ongoing, pale: not
    seen on the latest snapshot), the listing date as a red dashed line, year ticks below."""
    start, end = span
    label_w, bar_h, gap, top, width = 340, 16, 6, 44, 1000
    plot = width - label_w - 20
    days = max(1, (end - start).days)

    def x(day: dt.date) -> float:
        return label_w + plot * (day - start).days / days

    height = top + len(rows) * (bar_h + gap) + 22
    listed = entity.get("listed_on")
    title = f"{entity['entity_name']} ({entity['list_code']}, listed {listed or 'undated'})"
    parts = [
        f'<svg class="chart timeline" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" data-entity="{escape(entity["entity_id"])}">'
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    axis_y = top + len(rows) * (bar_h + gap)
    for day, text in _ticks(start, end):
        tick = x(day)
        parts.append(
            f'<line class="tick" x1="{tick:.1f}" y1="{top - 4}" x2="{tick:.1f}" y2="{axis_y}"></line>'
            f'<text x="{tick:.1f}" y="{axis_y + 14}" text-anchor="middle">{text}</text>'
        )
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        x0, x1 = x(r["first_seen"]), x(r["last_seen"])
        state = "ongoing" if r["ongoing"] else "ended"
        label = f"{r['service']} · {r['provider_name']}"
        shown = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        tip = (
            f"{label}: {r['first_seen']} to {r['last_seen']}, {seen_text(r)}, "
            f"after listing: {after_listing_text(r)}, {'ongoing' if r['ongoing'] else 'not on the latest snapshot'}"
        )
        parts.append(
            f'<g class="span {state}"><title>{escape(tip)}</title>'
            f'<text x="{label_w - 8}" y="{y + bar_h - 3}" text-anchor="end">{escape(shown)}</text>'
            f'<rect class="span {state}" x="{x0:.1f}" y="{y}" width="{max(4.0, x1 - x0):.1f}" '
            f'height="{bar_h}" rx="3"></rect></g>'
        )
    if listed:
        lx = x(listed)
        # the label on the side of the line with room for it
        anchor, tx = ("end", lx - 4) if lx > width - 140 else ("start", lx + 4)
        parts.append(
            f'<line class="listing" x1="{lx:.1f}" y1="{top - 8}" x2="{lx:.1f}" y2="{axis_y}">'
            f"<title>listed {listed}</title></line>"
            f'<text class="listing" x="{tx:.1f}" y="{top - 10}" text-anchor="{anchor}">listed {listed}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
