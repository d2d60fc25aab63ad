"""`analyzer export --parquet DIR` and `analyzer spark attribute`: the attribution beyond one machine."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from analyzer import spark as spark_pkg
from analyzer.cli.app import DbOption, app, command, debugging, err, out, workspace
from analyzer.errors import AnalyzerError
from analyzer.export import export_parquet

F = TypeVar("F", bound=Callable[..., Any])

spark_app = typer.Typer(
    help="The attribution on Apache Spark, over an `analyzer export` folder (extra: analyzer\\[spark]).",
    no_args_is_help=True,
)
app.add_typer(spark_app, name="spark")


def _boundary(fn: F) -> F:
    """The error boundary of `command`, for the commands of the `spark` group."""

    @functools.wraps(fn)
    def run(*a: Any, **kw: Any) -> Any:
        try:
            return fn(*a, **kw)
        except AnalyzerError as exc:
            if debugging():
                raise
            err.print(f"error: {exc}", style="bold red", highlight=False, markup=False)
            raise typer.Exit(1) from None

    return run  # type: ignore[return-value]


@command("export")
def export(
    parquet: Annotated[
        Path, typer.Option("--parquet", help="Folder to write (must be new or empty).", show_default=False)
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an earlier export in that folder.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Write the tables the attribution reads as hive-partitioned Parquet, with manifest.json."""
    with workspace(db, read_only=True) as ws:
        result = export_parquet(ws, parquet, overwrite=overwrite)
    out.print(result.summary(), highlight=False, markup=False)


@spark_app.command("attribute")
@_boundary
def spark_attribute(
    input_dir: Annotated[
        Path, typer.Option("--input", help="An `analyzer export --parquet` folder.", show_default=False)
    ],
    output_dir: Annotated[
        Path, typer.Option("--output", help="Folder for the answers (Parquet per view).", show_default=False)
    ],
    master: Annotated[str, typer.Option("--master", help="Spark master URL.")] = "local[2]",
    conf: Annotated[
        list[str] | None,
        typer.Option("--conf", help="Spark setting KEY=VALUE (repeatable).", show_default=False),
    ] = None,
) -> None:
    """Compute attr_entity_services and attr_provider_summary on Spark; write them as Parquet.

    Load the answers back with `analyzer sql "select * from read_parquet('OUTPUT/attr_entity_services/*.parquet')"`.
    """
    spark_pkg.require()
    from analyzer.spark.__main__ import run

    result = run(input_dir, output_dir, master=master, conf=conf or [])
    out.print(result.summary(), highlight=False, markup=False)
