"""`analyzer refresh`: download the official datasets, verify, cache, ingest; exit codes for schedulers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analyzer.cli.app import command, db_path, err, out
from analyzer.cli.options import DataDirOption, DbOption, RefreshDateOption, parse_date
from analyzer.refresh import EXIT_LOCKED, RefreshLocked, RefreshOptions, refresh_datasets

SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources", help="A registry file of your own (default: datasets/sources.yaml).", show_default=False
    ),
]

_STYLE = {"failed": "bold red", "refused": "red", "held_back": "yellow", "ingested": "green"}


def _log(message: str) -> None:
    err.print(message, highlight=False, markup=False, style="dim")


@command("refresh")
def refresh_cmd(
    datasets: Annotated[
        list[str] | None, typer.Argument(help="Registry ids (default: all); see --dry-run for the list.")
    ] = None,
    date: RefreshDateOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List each dataset with its resolved URL; no network.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Re-ingest the newest cached files; no network.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Accept a file that shrank >30% and fetch again even if cached.")
    ] = False,
    url: Annotated[
        str | None, typer.Option("--url", help="Use this URL for the (single) named dataset, e.g. azure.")
    ] = None,
    data_dir: DataDirOption = None,
    sources: SourcesOption = None,
    db: DbOption = None,
) -> None:
    """Download the official sources, verify them, record provenance and ingest them."""
    options = RefreshOptions(date=parse_date(date), dry_run=dry_run, offline=offline, force=force, url=url)
    try:
        report = refresh_datasets(
            db_path(db), datasets, options, data_dir=data_dir, sources=sources, log=_log, console=err
        )
    except RefreshLocked as exc:
        err.print(f"error: {exc}", style="bold red", highlight=False, markup=False)
        raise typer.Exit(EXIT_LOCKED) from None
    if report.attribution is not None:
        err.print(report.attribution.summary(), highlight=False, markup=False)
    for o in report.outcomes:
        out.print(o.line(), style=_STYLE.get(o.status), highlight=False, markup=False, soft_wrap=True)
    if options.dry_run:
        return
    bad = [o for o in report.outcomes if o.status in ("failed", "refused", "held_back")]
    if bad:
        err.print(
            f"{len(bad)} of {len(report.outcomes)} files not done; exit {report.exit_code}",
            style="yellow",
            highlight=False,
        )
    raise typer.Exit(report.exit_code)
