"""Commands of the presentation layer: report, explain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from analyzer import output
from analyzer.cli.app import DbOption, command, echo, out, workspace
from analyzer.errors import ConfigError
from analyzer.explain import explain as explain_target
from analyzer.explain import to_rows, tree
from analyzer.report import FORMATS, Filters, build_report, render, rich_report, write_report


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--as-of {value!r} is not a date; use YYYY-MM-DD") from None


@command("report")
def report(
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")] = "table",
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
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of: {', '.join(FORMATS)}")
    filters = Filters(list_code, provider_country, service, _as_of(as_of))
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
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    db: DbOption = None,
) -> None:
    """The evidence chain of every attribution about TARGET, step by step, with datasets and dates."""
    with workspace(db) as ws:
        explanation = explain_target(ws, target)
    if as_json:
        echo(output.to_json(to_rows(explanation)))
    else:
        out.print(tree(explanation))
