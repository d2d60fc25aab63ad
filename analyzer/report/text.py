"""The report as a terminal table (rich), Markdown, CSV and JSON; each carries the timeline."""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from analyzer.output import jsonable, to_csv
from analyzer.report.model import (
    CONFIDENCE_MEANING,
    RELATIONSHIP_MEANING,
    Claim,
    Report,
    after_listing_text,
    mark,
    seen_text,
)
from analyzer.report.query import TIMELINE_COLUMNS
from analyzer.safe_text import csv_row, json_dumps, md, md_code, text, visible

TITLE = "Who keeps listed companies online"


def _names(value: Any) -> str:
    return "; ".join(value or [])


def legend_lines() -> list[str]:
    rel = [f"{k}: {v}" for k, v in RELATIONSHIP_MEANING.items()]
    conf = [f"{k}: {v}" for k, v in CONFIDENCE_MEANING.items()]
    return ["relationship — " + " | ".join(rel), "confidence — " + " | ".join(conf)]


# -- terminal ---------------------------------------------------------------------------------
def rich_report(report: Report) -> Group:
    """Summary and matrix as rich tables; uncertain cells in yellow with their labels spelled out."""
    summary = Table(title=text(f"Providers by service ({report.filters.describe()})"), header_style="bold")
    for col in ("provider", "service", "entities", "after listing", "country", "entity names"):
        summary.add_column(
            col, overflow="fold", justify="right" if col in ("entities", "after listing") else "left"
        )
    for r in report.summary:
        summary.add_row(
            text(r["provider_parent"]),
            text(r["service"]),
            str(r["entities"]),
            _count(r.get("entities_after_listing")),
            text(r["provider_country"] or ""),
            text(_names(r["entity_names"])),
        )
    matrix = Table(title="Entities by service (cells: providers)", header_style="bold", show_lines=True)
    matrix.add_column("entity", overflow="fold")
    matrix.add_column("list")
    for service in report.services:
        matrix.add_column(text(service), overflow="fold")
    for row in report.matrix():
        cells = []
        for service in report.services:
            cell_text = Text()
            for i, cell in enumerate(row.cells.get(service, [])):
                if i:
                    cell_text.append("\n")
                cell_text.append(visible(cell.provider_name))
                if cell.mark:
                    cell_text.append(f" ({visible(cell.mark)})", style="yellow")
            cells.append(cell_text)
        matrix.add_row(text(row.entity_name), text(row.list_code), *cells)
    notes = Text("\n".join(legend_lines()) + "\nevidence: `analyzer explain ENTITY_OR_DOMAIN`", style="dim")
    if not report.claims:
        notes = Text("no attributions match these filters", style="yellow")
    return Group(summary, matrix, _rich_timeline(report), notes)


TIMELINE_HEAD = (
    "entity",
    "service",
    "provider",
    "first seen",
    "last seen",
    "seen",
    "after listing",
    "ongoing",
)


def timeline_cells(row: dict[str, Any]) -> list[str]:
    """One timeline row as the words every text format shows, in TIMELINE_HEAD order."""
    labels = mark(row["relationship"], row["confidence"])
    return [
        row["entity_name"],
        row["service"],
        row["provider_name"] + (f" ({labels})" if labels else ""),
        str(row["first_seen"] or ""),
        str(row["last_seen"] or ""),
        seen_text(row),
        after_listing_text(row),
        "yes" if row["ongoing"] else "no",
    ]


def _rich_timeline(report: Report) -> Table:
    table = Table(
        title="Timeline: first and last seen per service and provider (listing date beside the entity)",
        header_style="bold",
    )
    for col in TIMELINE_HEAD:
        table.add_column(col, overflow="fold")
    for first, rows in report.timeline_by_entity():
        for i, row in enumerate(rows):
            cells = timeline_cells(row)
            if i == 0:
                cells[0] = f"{first['entity_name']} (listed {first['listed_on'] or 'undated'})"
            else:
                cells[0] = ""
            table.add_row(*(text(c) for c in cells))  # data: never markup, controls escaped
    return table


def _count(value: Any) -> str:
    return "" if value is None else str(value)


def to_table_text(report: Report, width: int = 160) -> str:
    """The terminal rendering as plain text, for --out with --format table."""
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(rich_report(report))
    return console.export_text()


# -- Markdown ---------------------------------------------------------------------------------
def _md(value: Any) -> str:
    """Data in Markdown: HTML and Markdown syntax escaped (safe_text.md), one line."""
    return md(value)


def to_markdown(report: Report) -> str:
    lines = [
        f"# {TITLE}",
        "",
        f"Database {_md(report.database)}, generated {report.generated_at.isoformat()}; "
        f"{_md(report.filters.describe())}.",
        "",
        "## Providers by service",
        "",
        "| provider | service | entities | after listing | country | entity names |",
        "|---|---|---:|---:|---|---|",
    ]
    lines += [
        f"| {_md(r['provider_parent'])} | {_md(r['service'])} | {r['entities']} | "
        f"{_count(r.get('entities_after_listing'))} | "
        f"{_md(r['provider_country'])} | {_md(_names(r['entity_names']))} |"
        for r in report.summary
    ]
    services = report.services
    lines += [
        "",
        "## Entities by service",
        "",
        "Cells name providers; a label in *italics* marks a claim that is not a plain high-confidence "
        "customer relationship. Numbers link to the evidence below.",
        "",
        "| entity | list | " + " | ".join(_md(s) for s in services) + " |",
        "|---|---|" + "---|" * len(services),
    ]
    index = {c.anchor: i + 1 for i, c in enumerate(report.claims)}
    for row in report.matrix():
        cells = []
        for service in services:
            parts = []
            for cell in row.cells.get(service, []):
                refs = " ".join(f"[{index[c.anchor]}](#{c.anchor})" for c in cell.claims)
                label = _md(cell.provider_name) + (f" *({_md(cell.mark)})*" if cell.mark else "")
                parts.append(f"{label} {refs}")
            cells.append("<br>".join(parts))
        lines.append(f"| {_md(row.entity_name)} | {_md(row.list_code)} | " + " | ".join(cells) + " |")
    lines += ["", "Labels: " + "; ".join(legend_lines()), ""]
    lines += _markdown_timeline(report)
    lines += ["## Evidence", ""]
    for claim in report.claims:
        lines += _markdown_claim(report, claim, index[claim.anchor])
    if not report.claims:
        lines.append("No attributions match these filters.")
    return "\n".join(lines) + "\n"


def _markdown_timeline(report: Report) -> list[str]:
    lines = [
        "## Timeline",
        "",
        "Per entity, service and provider: the first and last DNS snapshot it was seen on, how many of "
        "the snapshots with the entity's records of that service saw it, whether it was seen on or after "
        "the listing date, and whether the latest such snapshot shows it (tls_ca: certificate dates).",
        "",
        "| entity | listed on | " + " | ".join(TIMELINE_HEAD[1:]) + " |",
        "|---|---|" + "---|" * (len(TIMELINE_HEAD) - 1),
    ]
    for row in report.timeline:
        cells = timeline_cells(row)
        lines.append(
            f"| {_md(cells[0])} | {_md(row['listed_on'])} | " + " | ".join(_md(c) for c in cells[1:]) + " |"
        )
    if not report.timeline:
        lines.append("No provider was seen under these filters.")
    lines.append("")
    return lines


def _markdown_claim(report: Report, claim: Claim, number: int) -> list[str]:
    label = f" — {claim.mark}" if claim.mark else ""
    lines = [
        f'<a id="{_md(claim.anchor)}"></a>',
        f"**{number}. {_md(claim.entity_name)} · {_md(claim.domain)} · {_md(claim.service)} → "
        f"{_md(claim.provider_name)}** ({_md(claim.relationship)}, {_md(claim.confidence)} confidence"
        f"{_md(label)})",
        "",
    ]
    for obs in claim.observations:
        lines.append(f"- observed {_md(obs.observed_on or 'undated')}:")
        for step in obs.steps:
            where = report.dataset_label(step.get("dataset_id"))
            date = f" \\[{_md(step['date'])}\\]" if step.get("date") else ""
            lines.append(
                f"  - `{md_code(step.get('kind', '?'))}` {_md(step.get('text', ''))}{date}"
                + (f" — {_md(where)}" if where else "")
            )
    lines.append("")
    return lines


# -- CSV and JSON ---------------------------------------------------------------------------
def summary_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "provider_parent",
            "service",
            "entities",
            "provider_country",
            "entity_names",
            "provider_ids",
            "entities_after_listing",
        ]
    )
    for r in report.summary:
        writer.writerow(
            csv_row(
                [
                    r["provider_parent"],
                    r["service"],
                    r["entities"],
                    r["provider_country"] or "",
                    _names(r["entity_names"]),
                    _names(r.get("provider_ids")),
                    _count(r.get("entities_after_listing")),
                ]
            )
        )
    return buf.getvalue()


def timeline_csv(report: Report) -> str:
    """The attr_entity_timeline rows of the report, its columns as they are."""
    return to_csv(report.timeline, TIMELINE_COLUMNS)


def matrix_csv(report: Report) -> str:
    """Entity by service, cells 'Provider (labels)' joined by '; '."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["entity_id", "entity_name", "list_code", "listed_on", *report.services])
    for row in report.matrix():
        writer.writerow(
            csv_row(
                [row.entity_id, row.entity_name, row.list_code, row.listed_on or ""]
                + ["; ".join(c.label for c in row.cells.get(s, [])) for s in report.services]
            )
        )
    return buf.getvalue()


def to_json(report: Report) -> str:
    matrix = [
        {
            "entity_id": row.entity_id,
            "entity_name": row.entity_name,
            "list_code": row.list_code,
            "listed_on": row.listed_on,
            "services": {
                service: [
                    {
                        "provider_id": c.provider_id,
                        "provider_name": c.provider_name,
                        "provider_parent": c.provider_parent,
                        "relationship": c.relationship,
                        "confidence": c.confidence,
                        "domains": c.domains,
                        "evidence": [claim.anchor for claim in c.claims],
                    }
                    for c in row.cells.get(service, [])
                ]
                for service in report.services
            },
        }
        for row in report.matrix()
    ]
    claims = [
        {
            "anchor": c.anchor,
            "entity_id": c.entity_id,
            "entity_name": c.entity_name,
            "domain": c.domain,
            "service": c.service,
            "provider_id": c.provider_id,
            "provider_parent": c.provider_parent,
            "relationship": c.relationship,
            "confidence": c.confidence,
            "observations": [{"observed_on": o.observed_on, "steps": o.steps} for o in c.observations],
        }
        for c in report.claims
    ]
    doc = {
        "generated_at": report.generated_at,
        "database": report.database,
        "filters": {
            "list": report.filters.list_code,
            "provider_country": report.filters.provider_country,
            "service": report.filters.service,
            "as_of": report.filters.as_of,
        },
        "labels": {"relationship": RELATIONSHIP_MEANING, "confidence": CONFIDENCE_MEANING},
        "provider_summary": report.summary,
        "entity_matrix": matrix,
        "evidence": claims,
        "timeline": report.timeline,
        "datasets": list(report.datasets.values()),
    }
    return json_dumps(jsonable(doc), indent=2)
