"""The self-contained HTML report: inline CSS, inline SVG charts, a few lines of inline JS for
sorting; every matrix cell links to an in-page evidence section (<details id=...>)."""

from __future__ import annotations

from html import escape
from typing import Any

from analyzer.report.charts import MAX_TIMELINES, bars, heatmap, time_span, timeline
from analyzer.report.model import (
    CONFIDENCE_MEANING,
    RELATIONSHIP_MEANING,
    Claim,
    Report,
    after_listing_text,
    seen_text,
)

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1280px;color:#1c2430;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d5dbe3;padding-bottom:4px}
.meta{color:#5b6675;font-size:12px}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border:1px solid #d5dbe3;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#eef2f7;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right}
.prov{display:block;margin:1px 0}
.badge{display:inline-block;font-size:11px;border-radius:3px;padding:0 4px;margin-left:4px;border:1px solid}
.rel{background:#fff4d6;border-color:#d9a400;color:#6b5000}
.conf-medium{background:#ffe9dc;border-color:#e07b39;color:#7a3200}
.conf-low{background:#fde0e0;border-color:#c62828;color:#7f1010}
.uncertain{font-style:italic}
a{color:#1a5fb4}
svg.chart text{font:12px system-ui,sans-serif;fill:#1c2430}
svg.chart .chart-title{font-weight:600}
svg.bars rect{fill:#3c78b4}
svg.heatmap rect.cell{fill:#7b3fa0;stroke:#d5dbe3;stroke-opacity:1}
svg.heatmap rect.cell[data-services="0"]{fill:#ffffff}
svg.heatmap text.n{fill:#ffffff;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:24px}
svg.timeline rect.span.ongoing{fill:#2f855a}
svg.timeline rect.span.ended{fill:#a3b8cc}
svg.timeline line.tick{stroke:#d5dbe3}
svg.timeline line.listing{stroke:#c62828;stroke-width:2;stroke-dasharray:5 3}
svg.timeline text.listing{fill:#c62828;font-weight:600}
.timelines svg{display:block;margin:0 0 14px}
details.claim{border:1px solid #d5dbe3;border-radius:4px;margin:6px 0;padding:4px 10px}
details.claim[open]{background:#fafbfd}
details.claim:target{outline:2px solid #1a5fb4}
details.claim summary{cursor:pointer}
ol.steps{margin:4px 0 8px}
.kind{font-family:ui-monospace,monospace;font-size:12px;background:#eef2f7;padding:0 4px;border-radius:3px}
.src{color:#5b6675;font-size:12px}
.legend dt{font-weight:600}.legend dd{margin:0 0 4px 16px}
.empty{color:#8a5a00}
"""

# Sorting by clicking a header; opening the evidence named in the URL fragment.
JS = """
(function(){
  function key(td){var v=td?td.getAttribute('data-sort')||td.textContent.trim():'';var n=parseFloat(v);return isNaN(n)||!/^-?[\\d.]+$/.test(v)?v.toLowerCase():n;}
  document.querySelectorAll('table.sortable').forEach(function(table){
    table.querySelectorAll('th').forEach(function(th,i){
      th.addEventListener('click',function(){
        var asc=th.getAttribute('aria-sort')!=='ascending';
        table.querySelectorAll('th').forEach(function(o){o.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',asc?'ascending':'descending');
        var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);return (x<y?-1:x>y?1:0)*(asc?1:-1);});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  function openTarget(){var id=location.hash.slice(1);var el=id&&document.getElementById(id);if(el&&el.tagName==='DETAILS'){el.open=true;}}
  document.querySelectorAll('a[href^="#ev-"]').forEach(function(a){a.addEventListener('click',function(){var el=document.getElementById(a.getAttribute('href').slice(1));if(el){el.open=true;}});});
  window.addEventListener('hashchange',openTarget);openTarget();
})();
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _badges(relationship: str, confidence: str) -> str:
    out = []
    if relationship != "customer":
        out.append(
            f'<span class="badge rel" title="{_e(RELATIONSHIP_MEANING.get(relationship, ""))}">'
            f"{_e(relationship.replace('_', ' '))}</span>"
        )
    if confidence != "high":
        out.append(
            f'<span class="badge conf-{_e(confidence)}" title="{_e(CONFIDENCE_MEANING.get(confidence, ""))}">'
            f"{_e(confidence)} confidence</span>"
        )
    return "".join(out)


def _entity_links(report: Report, row: dict[str, Any]) -> str:
    """Each entity name of a summary row, linked to its evidence when the claim is on this page."""
    links = []
    for name in row["entity_names"] or []:
        anchor = report.first_anchor(name, row["provider_parent"], row["service"])
        links.append(f'<a href="#{anchor}">{_e(name)}</a>' if anchor else _e(name))
    return "; ".join(links)


def _summary_table(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{_e(r['provider_parent'])}</td><td>{_e(r['service'])}</td>"
        f'<td class="num">{int(r["entities"])}</td>'
        f'<td class="num">{_e(r.get("entities_after_listing"))}</td><td>{_e(r["provider_country"])}</td>'
        f"<td>{_entity_links(report, r)}</td></tr>"
        for r in report.summary
    )
    return (
        '<table id="provider-summary" class="sortable"><thead><tr><th>provider</th><th>service</th>'
        "<th>entities</th><th>after listing</th><th>country</th><th>entity names</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _matrix_table(report: Report) -> str:
    head = "".join(f"<th>{_e(s)}</th>" for s in report.services)
    body = []
    for row in report.matrix():
        tds = []
        for service in report.services:
            parts = []
            for cell in row.cells.get(service, []):
                links = "".join(
                    f' <a href="#{c.anchor}" title="evidence: {_e(c.domain)}">[{_e(c.domain)}]</a>'
                    for c in cell.claims
                )
                cls = "prov uncertain" if cell.uncertain else "prov"
                parts.append(
                    f'<span class="{cls}">{_e(cell.provider_name)}'
                    f"{_badges(cell.relationship, cell.confidence)}{links}</span>"
                )
            tds.append(f"<td>{''.join(parts)}</td>")
        body.append(
            f"<tr><td>{_e(row.entity_name)}</td><td>{_e(row.list_code)}</td>"
            f'<td data-sort="{_e(row.listed_on)}">{_e(row.listed_on)}</td>{"".join(tds)}</tr>'
        )
    return (
        '<table id="entity-matrix" class="sortable"><thead><tr><th>entity</th><th>list</th>'
        f"<th>listed on</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _extra_fields(step: dict[str, Any]) -> str:
    extra = {k: v for k, v in step.items() if k not in ("kind", "text", "dataset_id", "date")}
    if not extra:
        return ""
    return '<span class="src">' + _e(", ".join(f"{k}={v}" for k, v in extra.items())) + "</span>"


def _claim(report: Report, claim: Claim) -> str:
    cls = "claim uncertain" if claim.uncertain else "claim"
    head = (
        f"<summary><b>{_e(claim.entity_name)}</b> · {_e(claim.domain)} · {_e(claim.service)} → "
        f"<b>{_e(claim.provider_name)}</b> ({_e(claim.provider_parent)}, {_e(claim.provider_country)}) "
        f'<span class="src">{_e(claim.relationship)}, {_e(claim.confidence)} confidence</span>'
        f"{_badges(claim.relationship, claim.confidence)}</summary>"
    )
    why = (
        f"<p>Relationship <b>{_e(claim.relationship)}</b>: {_e(RELATIONSHIP_MEANING.get(claim.relationship, ''))}. "
        f"Confidence <b>{_e(claim.confidence)}</b>: {_e(CONFIDENCE_MEANING.get(claim.confidence, ''))}.</p>"
    )
    observations = []
    for obs in claim.observations:
        steps = "".join(
            f'<li><span class="kind">{_e(s.get("kind", "?"))}</span> {_e(s.get("text", ""))}'
            + (f" <span class='src'>[{_e(s['date'])}]</span>" if s.get("date") else "")
            + (
                f" <span class='src'>— {_e(report.dataset_label(s.get('dataset_id')))}</span>"
                if s.get("dataset_id") is not None
                else ""
            )
            + f" {_extra_fields(s)}</li>"
            for s in obs.steps
        )
        observations.append(
            f"<p>Observed {_e(obs.observed_on or 'undated')}:</p><ol class='steps'>{steps}</ol>"
        )
    return f'<details class="{cls}" id="{claim.anchor}">{head}{why}{"".join(observations)}</details>'


def _timeline_section(report: Report) -> str:
    """Per entity an SVG of its (service, provider) spans on one shared time scale, then a sortable
    table of every row (the charts stop at MAX_TIMELINES entities; the table has them all)."""
    if not report.timeline:
        return '<p class="empty">no provider was seen under these filters</p>'
    groups = report.timeline_by_entity()
    span = time_span(report.timeline)
    charts = "".join(timeline(first, rows, span=span) for first, rows in groups[:MAX_TIMELINES])
    more = (
        f'<p class="meta">Charts of the first {MAX_TIMELINES} of {len(groups)} entities (by name); '
        "the table lists all.</p>"
        if len(groups) > MAX_TIMELINES
        else ""
    )
    body = "".join(
        f'<tr><td>{_e(r["entity_name"])}</td><td data-sort="{_e(r["listed_on"])}">{_e(r["listed_on"])}</td>'
        f"<td>{_e(r['service'])}</td><td>{_e(r['provider_name'])}{_badges(r['relationship'], r['confidence'])}</td>"
        f"<td>{_e(r['first_seen'])}</td><td>{_e(r['last_seen'])}</td>"
        f'<td data-sort="{_e(r["snapshots_seen"])}">{_e(seen_text(r))}</td>'
        f'<td data-sort="{_e(r["days_after_listing"])}">{_e(after_listing_text(r))}</td>'
        f"<td>{'yes' if r['ongoing'] else 'no'}</td></tr>"
        for r in report.timeline
    )
    table = (
        '<table id="timeline-table" class="sortable"><thead><tr><th>entity</th><th>listed on</th>'
        "<th>service</th><th>provider</th><th>first seen</th><th>last seen</th><th>seen</th>"
        f"<th>after listing</th><th>ongoing</th></tr></thead><tbody>{body}</tbody></table>"
    )
    return f'{more}<div class="timelines">{charts}</div>{table}'


def _legend() -> str:
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in RELATIONSHIP_MEANING.items())
    conf = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in CONFIDENCE_MEANING.items())
    return (
        '<div class="legend"><p>A provider without a badge is a <b>customer</b> relationship of '
        "<b>high</b> confidence; every other claim carries its labels in the cell.</p>"
        f"<h3>Relationship</h3><dl>{items}</dl><h3>Confidence</h3><dl>{conf}</dl></div>"
    )


def to_html(report: Report) -> str:
    """One self-contained page: no external CSS, fonts, scripts or images."""
    per_parent = report.entities_per_parent()
    claims = "".join(_claim(report, c) for c in report.claims) or '<p class="empty">no attributions</p>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Who keeps listed companies online</title>
<style>{CSS}</style></head>
<body>
<h1>Who keeps listed companies online</h1>
<p class="meta">Database {_e(report.database)} · generated {_e(report.generated_at.isoformat())} ·
{_e(report.filters.describe())} · {len({c.entity_id for c in report.claims})} entities,
{len(report.claims)} evidence claims</p>
<section id="charts"><h2>Charts</h2><div class="charts">
{bars(per_parent, title="Distinct entities served, per provider (all services)")}
{heatmap(report, title="Entity × provider (number of services)")}
</div></section>
<section><h2>Providers by service</h2>{_summary_table(report)}</section>
<section><h2>Entities by service</h2>
<p class="meta">Cells name providers; bracketed domains link to the evidence. Click a header to sort.</p>
{_matrix_table(report)}</section>
<section id="timeline"><h2>Timeline</h2>
<p class="meta">Per entity, a bar per service and provider from the first to the last DNS snapshot it was
seen on: green when the latest snapshot with the entity's records of that service still shows it, pale
when not; the red dashed line is the listing date. tls_ca bars span certificate dates, not snapshots.</p>
{_timeline_section(report)}</section>
<section><h2>Labels</h2>{_legend()}</section>
<section id="evidence"><h2>Evidence</h2>{claims}</section>
<script>{JS}</script>
</body></html>
"""
