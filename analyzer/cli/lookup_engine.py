"""`analyzer lookup` through the engine (DuckDB, polars, pyarrow): lookups given as arguments, and
bulk lookups the point file (analyzer.lookup_file) cannot answer. analyzer.cli.network imports this
module only then, so a bulk lookup of plain addresses answered from the file never loads the engine."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa

from analyzer import output
from analyzer.cli.app import echo, out, workspace
from analyzer.cli.ordered_output import ordered_output
from analyzer.ct.observations import describe
from analyzer.lookup import Part, stream_lookup
from analyzer.lookup import lookup as lookup_items
from analyzer.network.lookup import CSV_COLUMNS
from analyzer.network.points import Ip4Points

_TABLE_COLUMNS = [
    "name",
    "address",
    "provider_id",
    "confidence",
    "range_service",
    "range_region",
    "range_prefix",
    "range_date",
    "route_prefix",
    "origin_asns",
    "as_name",
    "as_country",
    "error",
]
# Threads rendering parts (polars' concat_str of JSON lines, CSV writing): the machine's two cores.
RENDER_THREADS = 2


def single(items: list[str], fmt: str, db: Path | None) -> None:
    """The answers of the arguments, as one JSON array, CSV or a table."""
    with workspace(db, read_only=False) as ws:
        rows = lookup_items(ws, items)
    if fmt == "json":
        echo(output.to_json(rows))
        return
    table = [line for row in rows for line in _table_rows(row)]
    if fmt == "csv":
        echo(output.to_csv(table, CSV_COLUMNS))
        return
    columns = _TABLE_COLUMNS
    if any(r.get("served_certificates") for r in rows):
        columns = [*_TABLE_COLUMNS, "served"]
        for line in table:
            served = line.get("served_certificates") or []
            line["served"] = "; ".join(describe(o) for o in served[:3]) + (
                f" (+{len(served) - 3} more scans, see --json)" if len(served) > 3 else ""
            )
    output.render(table, "table", columns, title=f"{len(items)} lookups", console=out)


def _render(part: Part, fmt: str, first: bool) -> list[bytes | pa.Buffer]:
    """A part as the buffers to write (the table format prints it, and gives nothing)."""
    if fmt == "json":
        return output.json_line_buffers(part)
    rows = part if not isinstance(part, list) else [line for row in part for line in _table_rows(row)]
    if fmt == "csv":
        return [output.csv_lines(rows, CSV_COLUMNS, header=first)]
    table = rows.to_pylist() if not isinstance(rows, list) else rows
    output.render(table, "table", _TABLE_COLUMNS, console=out)
    return []


def bulk(chunks: Iterator[list[str] | bytes], fmt: str, db: Path | None, *, header: bool = True) -> None:
    """Look up chunk after chunk; RENDER_THREADS turn the parts into bytes while the next chunks are
    looked up (polars, numpy and the DuckDB queries release the GIL, so both cores work) and the
    writer thread writes them in input order. At most a few parts are in flight (bounded memory).
    `header`: CSV begins with its header (not when the point file wrote the lines before these)."""
    # the table format prints as it renders: in the writer, in order; CSV and JSON in the pool
    pool = ThreadPoolExecutor(RENDER_THREADS, thread_name_prefix="lookup-render") if fmt != "table" else None
    try:
        # a lookup that loaded the store's parts leaves the point file as the database closes
        with ordered_output(RENDER_THREADS) as writer, workspace(db, read_only=False) as ws:
            parts = stream_lookup(ws, chunks, as_json=fmt == "json", points=Ip4Points(ws))
            for i, part in enumerate(parts):
                if writer.failed:
                    break
                first = header and i == 0
                if pool is None:
                    writer.put(functools.partial(_render, part, fmt, first))
                else:
                    writer.put(pool.submit(_render, part, fmt, first).result)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _table_rows(row: dict) -> list[dict]:
    """An address row as is; a hostname result as one row per final address (the JSON form has the
    whole answer: CNAME chain, MX, NS, TXT and SPF of the domain)."""
    if "addresses" not in row:
        return [row]
    name = row.get("name") or row.get("query")
    if row.get("error"):
        return [{"name": name, "error": row["error"]}]
    if not row["addresses"]:
        why = "no A/AAAA records in the loaded DNS data" if row.get("found") else "not in the loaded DNS data"
        return [{"name": name, "error": why}]
    return [{**(a.get("attribution") or {}), "name": name, "address": a["address"]} for a in row["addresses"]]
