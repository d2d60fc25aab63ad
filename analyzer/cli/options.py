"""The options several commands share, declared once, and the checks of their values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from analyzer import output
from analyzer.errors import ConfigError
from analyzer.output import REPORT_FORMATS

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Database file (else $ANALYZER_DB, else ./analyzer.duckdb).",
        show_default=False,
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Download cache (else $ANALYZER_DATA, else $XDG_DATA_HOME/analyzer).",
        show_default=False,
    ),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
ReportFormatOption = Annotated[
    str, typer.Option("--format", "-f", help=f"One of: {', '.join(REPORT_FORMATS)}.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output.")]
# --date means the snapshot date everywhere; what it defaults to depends on the command.
IngestDateOption = Annotated[
    str | None,
    typer.Option(help="Snapshot date YYYY-MM-DD (default: from the data, else the file date)."),
]
RefreshDateOption = Annotated[
    str | None, typer.Option(help="Date YYYY-MM-DD for dated datasets (default: today, UTC).")
]


def parse_date(value: str | None, flag: str = "--date") -> dt.date | None:
    """A YYYY-MM-DD option value; anything else is a one-line error naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{flag} {value!r} is not a date; use YYYY-MM-DD") from None


def check_format(fmt: str, allowed: tuple[str, ...] = output.FORMATS) -> str:
    """`fmt` when it is one of `allowed`, else a one-line error listing them."""
    if fmt not in allowed:
        raise ConfigError(f"--format {fmt!r} is not one of: {', '.join(allowed)}")
    return fmt
