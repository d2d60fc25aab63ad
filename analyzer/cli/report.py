"""Commands of the presentation layer: report, explain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analyzer import output
from analyzer.cli.app import command, echo, out, workspace
from analyzer.cli.options import DbOption, JsonOption, ReportFormatOption, check_format, parse_date
from analyzer.explain import explain as explain_target
from analyzer.explain import to_rows, tree
from analyzer.report import FORMATS, Filters, build_report, render, rich_report, write_report


@command("report")
def report(
    fmt: ReportFormatOption = "table",
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
    list_code: Annotated[
        str | None, typer.Option("--list", help="Only entities of this list (EL, ...).")
    ] = None,
    provider_country: Annotated[
        str | None,
        typer.Option("--provider-country", help="Only providers headquartered here (US, CN, ...)."),
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help="Only this service (web_hosting, ...).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="State on this date YYYY-MM-DD (latest observation on or before it)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Provider summary and entity-by-service matrix, with evidence (table, md, csv, json, html)."""
    check_format(fmt, FORMATS)
    filters = Filters(list_code, provider_country, service, parse_date(as_of, "--as-of"))
    with workspace(db) as ws:
        built = build_report(ws, filters)
    if out_path is not None:
        for path in write_report(built, fmt, out_path):
            out.print(f"wrote {path}", highlight=False)
    elif fmt == "table":
        out.print(rich_report(built))
    else:
        echo(render(built, fmt))


@command("explain")
def explain(
    target: Annotated[str, typer.Argument(help="Entity name or id, domain or hostname, or IP address.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The evidence chain of every attribution about TARGET, step by step, with datasets and dates."""
    with workspace(db) as ws:
        explanation = explain_target(ws, target)
    if as_json:
        echo(output.to_json(to_rows(explanation)))
    else:
        out.print(tree(explanation))
