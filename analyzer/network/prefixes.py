"""Prefixes as integer intervals: staging text prefixes into DuckDB, parsing and checking them there
(net_parsed_prefixes() and the address macros of sql/08), and flattening nested prefixes into
disjoint intervals (sql/09) once at ingest."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import duckdb
import pyarrow as pa

from analyzer.ingest.base import LoadContext
from analyzer.safe_text import shown

BATCH = 200_000


def batched(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def stage(con: duckdb.DuckDBPyConnection, name: str, batches: Iterable[pa.Table]) -> int | None:
    """Append Arrow batches into a fresh temp table `name`; returns the row count, or None when
    there was no batch at all (the table then does not exist)."""
    con.execute(f"drop table if exists {name}")
    total: int | None = None
    for i, batch in enumerate(batches):
        con.register("_net_batch", batch)
        try:
            if i == 0:
                con.execute(f"create temp table {name} as select * from _net_batch")  # noqa: S608 - internal name
            else:
                con.execute(f"insert into {name} select * from _net_batch")  # noqa: S608 - internal name
        finally:
            con.unregister("_net_batch")
        total = (total or 0) + batch.num_rows
    return total


def parse_staged(ctx: LoadContext, src: str, out: str, what: str = "prefix") -> None:
    """Parse the `prefix` column of temp table `src` into family/lo/hi in temp table `out`;
    rows with a problem or a duplicate prefix are reported with their line and dropped."""
    con = ctx.con
    con.execute(f"create or replace temp table {out} as from net_parsed_prefixes(?)", [src])
    for line, prefix, problem in con.execute(
        f"select line, prefix, problem from {out} where problem is not null order by line"  # noqa: S608
    ).fetchall():
        ctx.issues.reject(line, f"{what} {shown(prefix)}: {problem}")
    con.execute(f"delete from {out} where problem is not null")  # noqa: S608 - internal temp names


def reject_duplicates(ctx: LoadContext, table: str, keys: str = "family, lo, hi") -> None:
    """Keep the first line of each prefix; later copies are rejected with a pointer to the first."""
    con = ctx.con
    dups = con.execute(
        f"""
        select line, prefix, first_line from (
            select line, prefix, min(line) over (partition by {keys}) as first_line from {table}
        ) where line <> first_line order by line
        """  # noqa: S608 - internal names
    ).fetchall()
    for line, prefix, first in dups:
        ctx.issues.reject(line, f"duplicate prefix {shown(prefix)} (first on line {first})")
    if dups:
        con.execute(
            f"delete from {table} where line in (select line from (select line, "  # noqa: S608
            f"min(line) over (partition by {keys}) as first_line from {table}) where line <> first_line)"
        )


def flatten_into(
    con: duckdb.DuckDBPyConnection,
    select_input: str,
    input_params: list[Any],
    insert_sql: str,
    insert_params: list[Any],
) -> None:
    """Fill net_flat_input with `select_input` (family, lo, hi, ref), run `insert_sql` (which reads
    net_flatten()) and empty the scratch table again: all inside the caller's transaction."""
    con.execute("delete from net_flat_input")
    con.execute(f"insert into net_flat_input {select_input}", input_params)
    con.execute(insert_sql, insert_params)
    con.execute("delete from net_flat_input")
