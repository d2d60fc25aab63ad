"""Reports over the attribution views: provider summary, entity matrix, evidence; all formats."""

from __future__ import annotations

from pathlib import Path

from analyzer.errors import ConfigError
from analyzer.output import REPORT_FORMATS
from analyzer.report.html import to_html
from analyzer.report.model import Report, build_report
from analyzer.report.query import Filters, entity_services, entity_timeline, provider_summary
from analyzer.report.text import (
    matrix_csv,
    rich_report,
    summary_csv,
    timeline_csv,
    to_json,
    to_markdown,
    to_table_text,
)

FORMATS = REPORT_FORMATS

__all__ = [
    "FORMATS",
    "Filters",
    "Report",
    "build_report",
    "entity_services",
    "entity_timeline",
    "provider_summary",
    "render",
    "rich_report",
    "write_report",
]


def render(report: Report, fmt: str) -> str:
    """The report as text in one format (the table format as plain text)."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of: {', '.join(FORMATS)}")
    if fmt == "html":
        return to_html(report)
    if fmt == "md":
        return to_markdown(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return summary_csv(report)
    return to_table_text(report)


def write_report(report: Report, fmt: str, out: Path) -> list[Path]:
    """Write to `out`; CSV also writes the entity matrix and the timeline beside it as
    `<stem>.matrix.csv` and `<stem>.timeline.csv`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(report, fmt), encoding="utf-8")
    written = [out]
    if fmt == "csv":
        matrix = out.with_name(out.stem + ".matrix.csv")
        matrix.write_text(matrix_csv(report), encoding="utf-8")
        timeline = out.with_name(out.stem + ".timeline.csv")
        timeline.write_text(timeline_csv(report), encoding="utf-8")
        written += [matrix, timeline]
    return written
