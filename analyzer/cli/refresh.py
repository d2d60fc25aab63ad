"""`analyzer refresh`: download the official datasets, verify, cache, ingest; exit codes for schedulers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from analyzer.cli.app import command, db_path, err, out
from analyzer.cli.options import DataDirOption, DbOption, RefreshDateOption, parse_date
from analyzer.errors import ConfigError
from analyzer.refresh import EXIT_LOCKED, RefreshLocked, RefreshOptions, refresh_datasets
from analyzer.refresh.days import DateRange

SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources", help="A registry file of your own (default: datasets/sources.yaml).", show_default=False
    ),
]

_STYLE = {
    "failed": "bold red",
    "refused": "red",
    "held_back": "yellow",
    "missing": "yellow",
    "ingested": "green",
}


def _log(message: str) -> None:
    err.print(message, highlight=False, markup=False, style="dim")


@command("refresh")
def refresh_cmd(
    datasets: Annotated[
        list[str] | None, typer.Argument(help="Registry ids (default: all); see --dry-run for the list.")
    ] = None,
    date: RefreshDateOption = None,
    from_date: Annotated[
        str | None,
        typer.Option("--from", help="First day YYYY-MM-DD of a range of daily snapshots (dated datasets)."),
    ] = None,
    to_date: Annotated[
        str | None, typer.Option("--to", help="Last day of the range (default: today, UTC).")
    ] = None,
    every: Annotated[int, typer.Option("--every", help="Every N-th day of the range.")] = 1,
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
    """Download the official sources, verify them, record provenance and ingest them.

    With --from/--to, each day of the range is fetched as its own snapshot: days already loaded are
    skipped, a day with nothing upstream is reported missing, a day far smaller than its neighbours is
    held back (--force accepts it)."""
    days = None
    if from_date is not None:
        start = parse_date(from_date, "--from")
        end = parse_date(to_date, "--to") or dt.datetime.now(dt.UTC).date()
        assert start is not None
        days = DateRange(start, end, every)
    elif to_date is not None or every != 1:
        raise ConfigError("--to and --every go with --from")
    options = RefreshOptions(
        date=parse_date(date), dry_run=dry_run, offline=offline, force=force, url=url, days=days
    )
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
    bad = [o for o in report.outcomes if o.status in ("failed", "refused", "held_back", "missing")]
    if bad:
        err.print(
            f"{len(bad)} of {len(report.outcomes)} files not done; exit {report.exit_code}",
            style="yellow",
            highlight=False,
        )
    raise typer.Exit(report.exit_code)
