"""Inline SVG charts for the HTML report: no library, no external asset, text escaped."""

from __future__ import annotations

from html import escape

from analyzer.report.model import Report

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
