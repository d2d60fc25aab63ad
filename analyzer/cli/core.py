"""Commands of the foundation: ingest, datasets, entities, sql, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from analyzer import attribution, contracts, domain_store, output
from analyzer import demo as demo_mod
from analyzer.cli.app import command, echo, err, out, workspace
from analyzer.cli.options import (
    DataDirOption,
    DbOption,
    FormatOption,
    IngestDateOption,
    JsonOption,
    check_format,
    parse_date,
)
from analyzer.errors import ConfigError
from analyzer.ingest import drop_datasets, kind_names
from analyzer.ingest import ingest as ingest_files
from analyzer.provenance import catalog_providers, load_issues, loaded_datasets
from analyzer.refresh.status import cache_report
from analyzer.resources import datasets_dir
from analyzer.safe_text import visible
from analyzer.sqlquery import run_query
from analyzer.watchlists.entities import find_entities


@command("ingest")
def ingest(
    kind: Annotated[str, typer.Argument(help=f"What the files are: {', '.join(kind_names())}.")],
    paths: Annotated[list[Path], typer.Argument(help="Files to load (format detected within the kind).")],
    date: IngestDateOption = None,
    provider: Annotated[
        str | None, typer.Option(help="Provider id for a plain CIDR list (kind ranges).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Name of the DNS data source (kind dns).")] = None,
    query: Annotated[
        str | None,
        typer.Option(help="The crt.sh query that produced the file, e.g. 'O=PayPal' (kind ct; its label)."),
    ] = None,
    related_only: Annotated[
        bool,
        typer.Option("--related-only", help="DNS: keep only names related to watchlist entities."),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Load again even if the same bytes were loaded.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    db: DbOption = None,
) -> None:
    """Load files of one kind; prints rows loaded and rejected per file."""
    options = {
        "date": parse_date(date),
        "provider": provider,
        "source": source,
        "query": query,
        "related_only": related_only,
        "quiet": quiet,
    }
    with workspace(db) as ws:
        # attribute: SQL users read attr_entity_services straight from the file, so it is stored now.
        results = ingest_files(ws, kind, paths, options=options, force=force, attribute=True)
    for result in results:
        out.print(result.summary(), highlight=False)
        shown = result.messages[:20]
        for message in shown:
            err.print(f"  {message}", style="yellow", highlight=False, markup=False)
        if len(result.messages) > len(shown):
            hint = f"analyzer datasets --issues {result.dataset_id}"
            err.print(
                f"  ... {len(result.messages) - len(shown)} more; see `{hint}`",
                style="yellow",
                highlight=False,
                markup=False,
            )
    if results.attribution is not None and not quiet:
        err.print(results.attribution.summary(), highlight=False, markup=False)


@command("attribute")
def attribute(
    all_domains: Annotated[
        bool,
        typer.Option(
            "--all-domains", help="Also store who serves every domain of the data (attr_domain_services)."
        ),
    ] = False,
    chain_window_days: Annotated[
        int | None,
        typer.Option(
            "--chain-window-days",
            min=0,
            help="Follow a CNAME/MX/NS target with no record in its own DNS snapshot into the nearest "
            "snapshot within N days (0: off; remembered; else $ANALYZER_CHAIN_WINDOW_DAYS, else the "
            "last value given, else 7).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Recompute the stored attribution (attr_entity_services) from the loaded data.

    The other commands do this when they need it; run it after changing the database by other means."""
    with workspace(db) as ws:
        if chain_window_days is not None:
            ws.set_chain_window_days(chain_window_days)
        out.print(attribution.refresh(ws).summary(), highlight=False)
        if all_domains:
            out.print(domain_store.store_all(ws).summary(), highlight=False)


@command("services")
def services(
    domains: Annotated[
        list[str], typer.Argument(help="Domains or host names, e.g. example.com www.example.com.")
    ],
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Who serves these domains, per service (attr_domain_services rows), from the stored answer;
    names it lacks are computed from their own records first (seconds, not a whole snapshot)."""
    check_format(fmt)
    with workspace(db) as ws:
        rows = domain_store.services(ws, domains)
    cols = ["domain", "service", "provider_id", "provider_name", "relationship", "confidence", "observed_on"]
    text = output.render(rows, fmt, cols if fmt == "table" else None, title=f"{len(rows)} rows", console=out)
    if text is not None:
        echo(text)


@command("datasets")
def datasets(
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    issues: Annotated[
        int | None, typer.Option("--issues", help="Show the rejected rows and warnings of this dataset id.")
    ] = None,
    cache: Annotated[
        bool, typer.Option("--cache", help="Per refresh dataset: what is cached, loaded and stale.")
    ] = False,
    drop: Annotated[
        list[int] | None,
        typer.Option("--drop", help="Remove this dataset id and every row it loaded (repeatable)."),
    ] = None,
    data_dir: DataDirOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """What is loaded: kind, source, snapshot date and how it was found, rows, sha256 (--cache: the
    refresh cache; --drop ID: remove a dataset, then bring the stored attribution up to date)."""
    check_format(fmt)
    with workspace(db) as ws:
        if drop:
            dropped = drop_datasets(ws, drop)
            out.print(dropped.summary(), highlight=False, markup=False)
            if dropped.attribution is not None:
                err.print(dropped.attribution.summary(), highlight=False, markup=False)
            return
        if cache:
            text = output.render(cache_report(ws, data_dir), fmt, title="refresh cache", console=out)
            if text is not None:
                echo(text)
            return
        if issues is not None:
            problems = load_issues(ws, issues)
            text = output.render(problems, fmt, title=f"issues of dataset {issues}", console=out)
            if text is not None:
                echo(text)
            return
        rows = loaded_datasets(ws, kind)
    if fmt == "table":
        for r in rows:
            r["sha256"] = r["sha256"][:12]
            # a guessed date says so where it is read
            r["date_from"] = {"file_mtime": "file date (guess)"}.get(r["date_source"], r["date_source"])
        cols = [
            "dataset_id",
            "kind",
            "format",
            "label",
            "source",
            "snapshot_date",
            "date_from",
            "rows_loaded",
            "rows_rejected",
            "warnings",
            "sha256",
        ]
        if not rows:
            out.print("no datasets loaded yet; try `analyzer ingest csl consolidated.csv` or `analyzer demo`")
            return
        output.render(rows, "table", cols, console=out)
    else:
        echo(output.render(rows, fmt) or "")


@command("entities")
def entities(
    list_code: Annotated[
        str | None, typer.Option("--list", help="List code: EL, MEU, SDN, ... or a user list.")
    ] = None,
    country: Annotated[str | None, typer.Option(help="ISO country code, e.g. CN.")] = None,
    search: Annotated[
        str | None,
        typer.Option(help="Name or alias (ignores case, accents, punctuation, legal forms)."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Current watchlist entries."""
    with workspace(db) as ws:
        rows = find_entities(ws, list_code=list_code, country=country, search=search)
    if as_json:
        echo(output.to_json(rows))
        return
    cols = ["entity_id", "name", "list_code", "country", "listed_on", "federal_register_notice"]
    output.render(rows, "table", cols, title=f"{len(rows)} entities", console=out)


@command("providers")
def providers(
    search: Annotated[
        str | None,
        typer.Option(help="Part of a provider's id, name, parent, peer name or hostname pattern (any case)."),
    ] = None,
    as_json: JsonOption = False,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """The provider catalog: per provider its parent, country, services, numbers of hostname
    patterns, loaded published ranges and ASNs, and where each came from (catalog files, peers, range files)."""
    fmt = "json" if as_json else check_format(fmt)
    with workspace(db) as ws:
        rows = catalog_providers(ws, search)
    if fmt != "table":
        echo(output.render(rows, fmt) or "")
        return
    cols = [
        "provider_id",
        "name",
        "parent",
        "country",
        "services",
        "hostname_patterns",
        "ranges",
        "asns",
        "sources",
        "range_sources",
        "peer_names",
    ]
    output.render(rows, "table", cols, title=f"{len(rows)} providers", console=out)


@command("sql")
def sql(
    query: Annotated[str, typer.Argument(help="A DuckDB SQL query over the analyzer views.")],
    fmt: FormatOption = "table",
    write: Annotated[
        bool,
        typer.Option("--write", help="Open the database read-write and allow COPY, ATTACH, INSERT ..."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Run SQL against the database, read-only unless --write (the file also opens in duckdb)."""
    check_format(fmt)
    with workspace(db, read_only=not write) as ws:
        rows = run_query(ws, query, write=write)
    text = output.render(rows, fmt, console=out)
    if text is not None:
        echo(text)


def _demo_help() -> str:
    try:
        here = f"Here they are read from {escape(visible(datasets_dir(), one_line=True))}."
    except ConfigError as exc:
        here = f"They cannot be found here: {escape(visible(exc, one_line=True))}"
    return (
        "Build a database from the shipped demo data and print the provider report.\n\n"
        "The demo's files ship with analyzer: a watchlist, DNS snapshot, certificates, routing and AS "
        "tables of fictional companies under .example domains (datasets/demo/, listed in "
        "datasets/demo/demo.yaml) and real provider-published address ranges (datasets/ranges/). "
        "An installed wheel carries them in the package folder analyzer/_data/datasets/, a checkout "
        f"in its top-level datasets/ folder; $ANALYZER_HOME overrides both. {here}\n\n"
        "The HTML report is written beside the database."
    )


@command("demo", help=_demo_help())
def demo(
    db: Annotated[Path, typer.Option("--db", help="Where to build the demo database.")] = Path(
        "analyzer-demo.duckdb"
    ),
) -> None:
    demo_mod.run_demo(db, console=out)


@command("check")
def check(db: DbOption = None) -> None:
    """Check the data contracts of the views (grain unique, keys non-null, accepted labels)."""
    with workspace(db) as ws:
        failures = contracts.check(ws)
    for failure in failures:
        err.print(f"contract broken: {failure}", style="red", highlight=False, markup=False)
    if failures:
        raise ConfigError(f"{len(failures)} data contract(s) broken")
    out.print("all data contracts hold")
