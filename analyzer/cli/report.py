"""Commands of the presentation layer: report, diff, explain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analyzer import output
from analyzer.cli.app import command, echo, err, out, workspace
from analyzer.cli.options import (
    DbOption,
    FormatOption,
    JsonOption,
    ReportFormatOption,
    check_format,
    parse_date,
)
from analyzer.explain import explain as explain_target
from analyzer.explain import to_rows, tree
from analyzer.report import FORMATS, Filters, build_report, render, rich_report, write_report
from analyzer.report import changes as changes_mod


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


@command("diff")
def diff(
    from_date: Annotated[str, typer.Option("--from", help="Earlier date YYYY-MM-DD (nearest DNS snapshot).")],
    to_date: Annotated[str, typer.Option("--to", help="Later date YYYY-MM-DD (nearest DNS snapshot).")],
    fmt: FormatOption = "table",
    entity: Annotated[
        str | None, typer.Option("--entity", help="Only this entity: id, name or alias, or part of a name.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Providers added and removed between two DNS snapshots, per entity and service."""
    check_format(fmt)
    start, end = parse_date(from_date, "--from"), parse_date(to_date, "--to")
    assert start is not None and end is not None
    with workspace(db) as ws:
        changes = changes_mod.diff(ws, start, end, entity)
    for note in changes.notes():
        err.print(note, highlight=False, markup=False)
    if fmt == "table":
        if changes.rows:
            title = f"{len(changes.rows)} changes, {changes.describe()}"
            output.render(changes.rows, "table", changes_mod.TABLE_COLUMNS, title=title, console=out)
        return
    echo(output.render(changes.rows, fmt, changes_mod.COLUMNS) or "")


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
