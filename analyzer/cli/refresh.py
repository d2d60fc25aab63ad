"""`analyzer refresh`: download the official datasets, verify, cache, ingest; exit codes for schedulers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from analyzer import attribution
from analyzer.cli.app import DbOption, command, err, out, workspace
from analyzer.errors import ConfigError
from analyzer.refresh import (
    EXIT_LOCKED,
    Cache,
    Fetcher,
    RefreshLocked,
    RefreshOptions,
    data_dir,
    load_sources,
    refresh,
    select,
)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Download cache (else $ANALYZER_DATA, else $XDG_DATA_HOME/analyzer).",
        show_default=False,
    ),
]
SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources", help="A registry file of your own (default: datasets/sources.yaml).", show_default=False
    ),
]

_STYLE = {"failed": "bold red", "refused": "red", "held_back": "yellow", "ingested": "green"}


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--date {value!r} is not a date; use YYYY-MM-DD") from None


@command("refresh")
def refresh_cmd(
    datasets: Annotated[
        list[str] | None, typer.Argument(help="Registry ids (default: all); see --dry-run for the list.")
    ] = None,
    date: Annotated[
        str | None, typer.Option(help="Date YYYY-MM-DD for dated datasets (default: today, UTC).")
    ] = None,
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
    data_dir_opt: DataDirOption = None,
    sources: SourcesOption = None,
    db: DbOption = None,
) -> None:
    """Download the official sources, verify them, record provenance and ingest them."""
    if dry_run and offline:
        raise ConfigError("--dry-run and --offline exclude each other")
    chosen = select(load_sources(sources), datasets)
    cache = Cache(data_dir(data_dir_opt))
    options = RefreshOptions(date=_date(date), dry_run=dry_run, offline=offline, force=force, url=url)

    def log(message: str) -> None:
        err.print(message, highlight=False, markup=False, style="dim")

    def show(outcomes: list) -> None:
        for o in outcomes:
            out.print(o.line(), style=_STYLE.get(o.status), highlight=False, markup=False, soft_wrap=True)

    if dry_run:
        report = refresh(None, chosen, cache, None, options)
        show(report.outcomes)
        return
    fetcher = Fetcher(log=log, console=err)
    try:
        with workspace(db) as ws:
            report = refresh(ws, chosen, cache, fetcher, options)
            if any(o.status == "ingested" for o in report.outcomes):
                stored = attribution.ensure(ws)
                if stored is not None:
                    err.print(stored.summary(), highlight=False, markup=False)
    except RefreshLocked as exc:
        err.print(f"error: {exc}", style="bold red", highlight=False, markup=False)
        raise typer.Exit(EXIT_LOCKED) from None
    finally:
        fetcher.close()
    show(report.outcomes)
    bad = [o for o in report.outcomes if o.status in ("failed", "refused", "held_back")]
    if bad:
        err.print(
            f"{len(bad)} of {len(report.outcomes)} files not done; exit {report.exit_code}",
            style="yellow",
            highlight=False,
        )
    raise typer.Exit(report.exit_code)
